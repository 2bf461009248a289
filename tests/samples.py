"""Synthetic attachments for the tests and the benchmark: report PDFs drawn with reportlab.

The PDF mimics what counties publish: a running header, page numbers in the footer, body
paragraphs wrapped at the margin, and ruled tables whose label columns merge cells, with
table 三 broken across two pages (its merged label cells split by the break, the header rows
optionally repeated). The numbers satisfy table 三's identities so a parser can check them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as rl_canvas

FONT = "STSong-Light"
LEFT = 72.0
RIGHT = A4[0] - 72.0
TOP = A4[1] - 72.0
BOTTOM = 72.0
BODY_SIZE = 12.0
TABLE_SIZE = 7.5
SPLIT = "¦"  # in a label: the text after it is printed on the next page if the cell is split
UP, LEFTWARD = "^", "<"  # a cell merged with the one above / to the left

ISSUER = "示例县人民政府"
YEAR = 2024

# Table 三 numbers: six applicant columns; the total column is computed.
APPLICATION_NUMBERS: dict[str, list[int]] = {
    "new": [301, 25, 1, 0, 6, 2],
    "carried": [14, 0, 0, 0, 0, 0],
    "granted": [120, 9, 1, 0, 3, 1],
    "partial": [44, 3, 0, 0, 0, 0],
    "secret": [1, 0, 0, 0, 0, 0],
    "law": [3, 0, 0, 0, 0, 0],
    "safety": [0, 0, 0, 0, 0, 0],
    "third": [2, 0, 0, 0, 0, 0],
    "internal": [1, 1, 0, 0, 0, 0],
    "process": [2, 0, 0, 0, 0, 0],
    "enforce": [1, 0, 0, 0, 0, 0],
    "query": [10, 0, 0, 0, 0, 0],
    "not_held": [74, 6, 0, 0, 2, 1],
    "create": [5, 0, 0, 0, 0, 0],
    "unclear": [1, 0, 0, 0, 0, 0],
    "complaint": [6, 2, 0, 0, 0, 0],
    "repeat": [3, 0, 0, 0, 0, 0],
    "publication": [0, 0, 0, 0, 0, 0],
    "mass": [0, 0, 0, 0, 0, 0],
    "confirm": [1, 0, 0, 0, 0, 0],
    "overdue": [7, 1, 0, 0, 1, 0],
    "fee": [1, 0, 0, 0, 0, 0],
    "other": [12, 2, 0, 0, 0, 0],
    "processed": [294, 24, 1, 0, 6, 2],
    "forward": [21, 1, 0, 0, 0, 0],
}
REVIEW_NUMBERS = [7, 6, 17, 3, 33, 1, 4, 8, 1, 14, 2, 1, 1, 6, 10]

# (label columns 0..2, key into APPLICATION_NUMBERS); "↓" typesets a label one char per line.
_APPLICATION_LABELS: list[tuple[tuple[str, str, str], str]] = [
    (("一、本年新收政府信息公开申请数量", LEFTWARD, LEFTWARD), "new"),
    (("二、上年结转政府信息公开申请数量", LEFTWARD, LEFTWARD), "carried"),
    (("↓三、本年度办理结果", "（一）予以公开", LEFTWARD), "granted"),
    ((UP, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", LEFTWARD), "partial"),
    ((UP, "（三）不予公开", "1.属于国家秘密"), "secret"),
    ((UP, UP, "2.其他法律行政法规禁止公开"), "law"),
    ((UP, UP, "3.危及“三安全一稳定”"), "safety"),
    ((UP, UP, "4.保护第三方合法权益"), "third"),
    ((UP, UP, "5.属于三类内部事务信息"), "internal"),
    ((UP, UP, "6.属于四类过程性信息"), "process"),
    ((UP, UP, "7.属于行政执法案卷"), "enforce"),
    ((UP, UP, "8.属于行政查询事项"), "query"),
    ((UP, f"（四）无{SPLIT}法提供", "1.本机关不掌握相关政府信息"), "not_held"),
    ((UP, UP, "2.没有现成信息需要另行制作"), "create"),
    ((UP, UP, "3.补正后申请内容仍不明确"), "unclear"),
    ((UP, "（五）不予处理", "1.信访举报投诉类申请"), "complaint"),
    ((UP, UP, "2.重复申请"), "repeat"),
    ((UP, UP, "3.要求提供公开出版物"), "publication"),
    ((UP, UP, "4.无正当理由大量反复申请"), "mass"),
    ((UP, UP, "5.要求行政机关确认或重新出具已获取信息"), "confirm"),
    (
        (UP, "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        "overdue",
    ),
    ((UP, UP, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"), "fee"),
    ((UP, UP, "3.其他"), "other"),
    ((UP, "（七）总计", LEFTWARD), "processed"),
    (("四、结转下年度继续办理", LEFTWARD, LEFTWARD), "forward"),
]
APPLICATION_HEADER_ROWS = 3
# Break table 三 before this data row, as in the Huaian report: "（四）无法提供" is cut in two.
APPLICATION_BREAK_ROW = APPLICATION_HEADER_ROWS + 13


def application_grid() -> list[list[str]]:
    """Table 三 as a grid of cell texts with merge markers; numbers include the row total."""
    grid = [
        [
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
            LEFTWARD,
            LEFTWARD,
            "申请人情况",
            *[LEFTWARD] * 6,
        ],
        [UP, UP, UP, "自然人", "法人或其他组织", LEFTWARD, LEFTWARD, LEFTWARD, LEFTWARD, "总计"],
        [UP, UP, UP, UP, "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", UP],
    ]
    for labels, key in _APPLICATION_LABELS:
        numbers = APPLICATION_NUMBERS[key]
        grid.append([*labels, *(str(n) for n in numbers), str(sum(numbers))])
    return grid


def application_rows() -> list[tuple[str, list[int]]]:
    """(row label as the extractor should write it, its seven numbers), in table order."""
    rows = []
    for labels, key in _APPLICATION_LABELS:
        label = [
            part.replace(SPLIT, "").lstrip("↓") for part in labels if part not in (UP, LEFTWARD)
        ]
        numbers = APPLICATION_NUMBERS[key]
        rows.append((" | ".join(label), [*numbers, sum(numbers)]))
    return rows


def review_grid() -> list[list[str]]:
    groups = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [
        ["行政复议", *[LEFTWARD] * 4, "行政诉讼", *[LEFTWARD] * 9],
        [*groups, "未经复议直接起诉", *[LEFTWARD] * 4, "复议后起诉", *[LEFTWARD] * 4],
        [*[UP] * 5, *groups, *groups],
        [str(n) for n in REVIEW_NUMBERS],
    ]


def active_grid() -> list[list[str]]:
    return [
        ["第二十条第（一）项", *[LEFTWARD] * 3],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "3"],
        ["行政规范性文件", "4", "2", "37"],
        ["第二十条第（五）项", *[LEFTWARD] * 3],
        ["信息内容", "本年处理决定数量", *[LEFTWARD] * 2],
        ["行政许可", "5210", *[LEFTWARD] * 2],
    ]


PARAGRAPH = (
    f"{YEAR}年，本县坚持以人民为中心的发展思想，认真贯彻落实《中华人民共和国政府信息公开条例》"
    "，围绕县委县政府中心工作，持续深化政务公开，全年主动公开政府信息1234条，"
    "各项工作取得新进展，群众满意度进一步提升。"
)


class _Writer:
    """A tiny flowing-layout writer on a reportlab canvas (enough for report-like pages)."""

    def __init__(
        self, out: io.BytesIO, page_number: str, header: str | None, total: int, ruled: bool = True
    ) -> None:
        self.ruled = ruled
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        self.canvas = rl_canvas.Canvas(out, pagesize=A4, invariant=1)
        self.page_number = page_number
        self.header = header
        self.total = total
        self.page = 1
        self.y = TOP
        self._decorate()

    def _decorate(self) -> None:
        c = self.canvas
        if self.header:
            c.setFont(FONT, 9)
            c.drawCentredString(A4[0] / 2, A4[1] - 48, self.header)
        c.setFont(FONT, 10.5)
        c.drawCentredString(A4[0] / 2, 40, self.page_number.format(n=self.page, total=self.total))

    def new_page(self) -> None:
        self.canvas.showPage()
        self.page += 1
        self.y = TOP
        self._decorate()

    def line(
        self, text: str, x: float = LEFT, size: float = BODY_SIZE, centred: bool = False
    ) -> None:
        if self.y - size * 2 < BOTTOM:
            self.new_page()
        self.y -= size * 1.75
        self.canvas.setFont(FONT, size)
        if centred:
            self.canvas.drawCentredString(A4[0] / 2, self.y, text)
        else:
            self.canvas.drawString(x, self.y, text)

    def paragraph(self, text: str) -> None:
        per_line = int((RIGHT - LEFT) // BODY_SIZE)
        first = per_line - 2  # first line indented by two characters
        self.line(text[:first], x=LEFT + 2 * BODY_SIZE)
        rest = text[first:]
        while rest:
            self.line(rest[:per_line])
            rest = rest[per_line:]

    def table(
        self,
        grid: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        break_before: int | None = None,
        repeat_header: int = 0,
    ) -> None:
        """Draw a ruled table; merged cells per the markers; optionally break at a row."""
        heights = [_row_height(row, widths) for row in grid]
        segments: list[tuple[int, int]] = []
        start = 0
        room = self.y - BOTTOM
        for r in range(len(heights)):
            forced = break_before is not None and r == break_before
            if r > start and (forced or sum(heights[start : r + 1]) > room):
                segments.append((start, r))
                start, room = r, TOP - BOTTOM - sum(heights[:repeat_header])
        segments.append((start, len(grid)))
        for number, (first, last) in enumerate(segments):
            if number:
                self.new_page()
                if repeat_header:
                    self._draw_rows(grid, widths, heights, 0, repeat_header)
            self._draw_rows(grid, widths, heights, first, last)
        self.y -= 6

    def _draw_rows(
        self,
        grid: Sequence[Sequence[str]],
        widths: Sequence[float],
        heights: Sequence[float],
        first: int,
        last: int,
    ) -> None:
        c = self.canvas
        tops = [self.y]
        for r in range(first, last):
            tops.append(tops[-1] - heights[r])
        lefts = [LEFT]
        for w in widths:
            lefts.append(lefts[-1] + w)
        c.setLineWidth(0.6)
        for r in range(first, last):
            for col, text in enumerate(grid[r]):
                if text == LEFTWARD or (text == UP and r > first):
                    continue
                if text == UP:  # a merged cell continuing from the previous page
                    anchor = r
                    while grid[anchor][col] == UP:
                        anchor -= 1
                    label = grid[anchor][col]
                    text = label.split(SPLIT, 1)[1] if SPLIT in label else ""
                else:
                    span_end = _span_end(grid, r, col)
                    text = text.split(SPLIT)[0] if span_end > last else text.replace(SPLIT, "")
                span_cols = _span_cols(grid[r], col)
                bottom_row = min(_span_end(grid, r, col), last)
                x0, x1 = lefts[col], lefts[col + span_cols]
                y_top, y_bottom = tops[r - first], tops[bottom_row - first]
                if self.ruled:  # unruled tables exist too: pdfplumber then finds no table
                    c.rect(x0, y_bottom, x1 - x0, y_top - y_bottom)
                _cell_text(c, text, x0, x1, y_top, y_bottom)
        self.y = tops[-1]

    def save(self) -> None:
        self.canvas.showPage()
        self.canvas.save()


def _span_cols(row: Sequence[str], col: int) -> int:
    n = 1
    while col + n < len(row) and row[col + n] == LEFTWARD:
        n += 1
    return n


def _span_end(grid: Sequence[Sequence[str]], r: int, col: int) -> int:
    end = r + 1
    while end < len(grid) and grid[end][col] == UP:
        end += 1
    return end


def _wrap(text: str, width: float) -> list[str]:
    if text.startswith("↓"):
        return list(text[1:])
    per_line = max(1, int((width - 4) // TABLE_SIZE))
    return [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]


def _row_height(row: Sequence[str], widths: Sequence[float]) -> float:
    lines = 1
    for col, text in enumerate(row):
        if text in (UP, LEFTWARD) or text.startswith("↓"):
            continue
        span = sum(widths[col : col + _span_cols(row, col)])
        lines = max(lines, len(_wrap(text.replace(SPLIT, ""), span)))
    return lines * (TABLE_SIZE + 2.5) + 6


def _cell_text(
    c: rl_canvas.Canvas, text: str, x0: float, x1: float, top: float, bottom: float
) -> None:
    lines = _wrap(text, x1 - x0) if text else []
    c.setFont(FONT, TABLE_SIZE)
    step = TABLE_SIZE + 2.5
    y = top - (top - bottom - len(lines) * step) / 2 - TABLE_SIZE
    for line in lines:
        c.drawCentredString((x0 + x1) / 2, y, line)
        y -= step


APPLICATION_WIDTHS = [22.0, 60.0, 120.0, *[249.0 / 7] * 7]
REVIEW_WIDTHS = [451.0 / 15] * 15
ACTIVE_WIDTHS = [150.0, 100.0, 100.0, 101.0]


def report_pdf(
    *,
    page_number: str = "- {n} -",
    header: str | None = "示例县人民政府信息公开",
    repeat_header: bool = False,
    break_application_table: bool = True,
    filler_paragraphs: int = 3,
    ruled: bool = True,
) -> bytes:
    """A report PDF whose table 三 is split across two pages (see the module docstring)."""
    total = 0
    for _ in range(2):  # the second pass knows the page count for "{n}/{total}" styles
        out = io.BytesIO()
        w = _Writer(out, page_number, header, total, ruled)
        w.line(ISSUER, size=16, centred=True)
        w.line(f"{YEAR}年政府信息公开工作年度报告", size=16, centred=True)
        w.line("一、总体情况")
        for _ in range(filler_paragraphs):
            w.paragraph(PARAGRAPH)
        w.line("二、主动公开政府信息情况")
        w.table(active_grid(), ACTIVE_WIDTHS)
        w.line("三、收到和处理政府信息公开申请情况")
        w.table(
            application_grid(),
            APPLICATION_WIDTHS,
            break_before=APPLICATION_BREAK_ROW if break_application_table else None,
            repeat_header=APPLICATION_HEADER_ROWS if repeat_header else 0,
        )
        w.line("四、政府信息公开行政复议、行政诉讼情况")
        w.table(review_grid(), REVIEW_WIDTHS)
        w.line("五、存在的主要问题及改进情况")
        w.paragraph(PARAGRAPH)
        w.line("六、其他需要报告的事项")
        w.paragraph("本年度未收取信息处理费。")
        w.save()
        total = w.page
    return out.getvalue()


def scanned_pdf(pages: int = 2) -> bytes:
    """A PDF whose pages are only images (no text layer), like a scanned report."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    out = io.BytesIO()
    c = rl_canvas.Canvas(out, pagesize=A4, invariant=1)
    for page in range(pages):
        image = Image.new("L", (595, 842), 255)
        draw = ImageDraw.Draw(image)
        for row in range(20):  # ruled lines and blocks where a table would be
            draw.line((60, 100 + row * 30, 535, 100 + row * 30), fill=0, width=2)
            draw.rectangle(
                (70, 108 + row * 30, 70 + (row * 37 + page * 11) % 400, 118 + row * 30), fill=80
            )
        c.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    return out.getvalue()


def text_pdf(lines: Sequence[str], *, pages: int = 1, encrypt: object = None) -> bytes:
    """A plain PDF with the given lines on each page (for the error-path fixtures)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    c = rl_canvas.Canvas(out, pagesize=A4, invariant=1, encrypt=encrypt)
    for _ in range(pages):
        c.setFont(FONT, 12)
        for i, line in enumerate(lines):
            c.drawString(LEFT, TOP - 20 * i, line)
        c.showPage()
    c.save()
    return out.getvalue()


def report_docx() -> bytes:
    """A report DOCX built with python-docx: headings, paragraphs and table 三 with merges."""
    import docx

    document = docx.Document()
    document.add_paragraph(f"{ISSUER}{YEAR}年政府信息公开工作年度报告")
    document.add_paragraph("一、总体情况")
    document.add_paragraph(PARAGRAPH)
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    grid = application_grid()
    table = document.add_table(rows=len(grid), cols=len(grid[0]))
    table.style = "Table Grid"
    for r, row in enumerate(grid):
        for col, text in enumerate(row):
            if text in (UP, LEFTWARD):
                continue
            last_col = col + _span_cols(row, col) - 1
            last_row = _span_end(grid, r, col) - 1
            cell = table.cell(r, col)
            if (last_row, last_col) != (r, col):
                cell = cell.merge(table.cell(last_row, last_col))
            cell.text = text.replace(SPLIT, "").lstrip("↓")
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    document.add_paragraph(" ".join(map(str, REVIEW_NUMBERS)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def sim_attachments(fmt: str, count: int) -> list[bytes]:
    """The first `count` report attachments in `fmt` ("pdf", "docx") of a small simulated web,
    as the simulator serves them."""
    from sim import SimWeb

    web = SimWeb(sites=6, seed=3)
    found = []
    for cfg in web.configs:
        plan = web.plan(cfg.host)
        for report in plan.reports:
            if report.format == fmt and len(found) < count:
                found.append(web.attachment_bytes(plan, report))
    return found
