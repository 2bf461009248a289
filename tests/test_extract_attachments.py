"""Attachment extractors (PDF, DOCX, DOC/WPS): rows in the package layout, and bad files refused.

PDF fixtures are drawn with reportlab at test time (tests/samples.py); the DOCX is
the official 2021 template filled with numbers here; the real Huaian PDF and a real Word 97
document (from olefile's test data) are committed under tests/fixtures/attachments/.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.pdfencrypt import StandardEncryption

from parsers.errors import ExtractError, ParseError
from parsers.extract import doc as doc_module
from parsers.extract import extract
from parsers.extract import pdf as pdf_module
from tests.samples import (
    APPLICATION_NUMBERS,
    REVIEW_NUMBERS,
    application_rows,
    report_pdf,
    scanned_pdf,
    text_pdf,
)

FIXTURES = Path(__file__).parent / "fixtures" / "attachments"
HUAIAN = FIXTURES / "huaian-2024-annual-report.pdf"
TEMPLATE = FIXTURES / "annual-report-template-2021.docx"
REAL_DOC = FIXTURES / "olefile-test.doc"
needs_antiword = pytest.mark.skipif(
    shutil.which("antiword") is None, reason="antiword not installed (make system-deps)"
)


def row_line(label: str, numbers: list[int]) -> str:
    return " | ".join([label, *map(str, numbers)])


def lines_of(text: str) -> list[str]:
    return text.splitlines()


# ----------------------------------------------------------------------------- generated PDFs


@pytest.mark.parametrize(
    ("page_number", "repeat_header"),
    [
        ("- {n} -", False),
        ("第 {n} 页", True),
        ("{n}/{total}", False),
        ("第{n}页 共{total}页", True),
    ],
)
def test_generated_pdf_gives_every_row_stitched_across_pages(page_number, repeat_header):
    data = report_pdf(page_number=page_number, repeat_header=repeat_header)
    with pdfplumber.open(io.BytesIO(data)) as pdf:  # the fixture really breaks table 三
        page_texts = [page.extract_text() for page in pdf.pages]
    first = next(i for i, t in enumerate(page_texts) if "本年新收" in t)
    last = next(i for i, t in enumerate(page_texts) if "结转下年度" in t)
    assert last > first

    got = extract(data, "report.pdf")
    assert got.format == "pdf" and not got.hazards
    lines = lines_of(got.text)
    expected = [row_line(label, numbers) for label, numbers in application_rows()]
    positions = [lines.index(line) for line in expected]  # each row present, exactly
    assert positions == sorted(positions)
    # The label cut by the page break is whole again and the merge is written once.
    assert (
        row_line(
            "（四）无法提供 | 1.本机关不掌握相关政府信息",
            [*APPLICATION_NUMBERS["not_held"], sum(APPLICATION_NUMBERS["not_held"])],
        )
        in lines
    )
    assert "法提供" not in {cell for line in lines for cell in line.split(" | ")}
    # Stitched: header rows once even when repeated on the new page, no footer in between.
    assert got.text.count("商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他") == 1
    assert " | ".join(map(str, REVIEW_NUMBERS)) in lines
    # Page numbers and the running header are gone; the title lines are not.
    for n in range(1, len(page_texts) + 1):
        assert page_number.format(n=n, total=len(page_texts)) not in lines
    assert "示例县人民政府信息公开" not in lines
    assert lines[:2] == ["示例县人民政府", "2024年政府信息公开工作年度报告"]


def test_wrapped_body_lines_are_joined_into_paragraphs():
    got = extract(report_pdf(filler_paragraphs=1), "r.pdf")
    lines = lines_of(got.text)
    paragraph = next(line for line in lines if line.startswith("2024年，本县坚持"))
    assert paragraph.endswith("群众满意度进一步提升。")
    assert lines.index("一、总体情况") + 1 == lines.index(paragraph)


def test_unbroken_table_reads_the_same():
    broken = extract(report_pdf(), "a.pdf").text
    whole = extract(report_pdf(break_application_table=False, filler_paragraphs=0), "b.pdf").text
    rows = [row_line(label, numbers) for label, numbers in application_rows()]
    assert all(row in lines_of(broken) for row in rows)
    assert all(row in lines_of(whole) for row in rows)


def test_unruled_tables_keep_one_row_per_line():
    # Without rules pdfplumber finds no table: rows come out in the whitespace layout.
    lines = lines_of(extract(report_pdf(ruled=False), "plain.pdf").text)
    for label, numbers in application_rows()[:2] + application_rows()[-2:]:
        assert " ".join([label.split(" | ")[-1], *map(str, numbers)]) in lines
    assert " ".join(map(str, REVIEW_NUMBERS)) in lines
    assert not [line for line in lines if pdf_module._PAGE_NUMBER.match(line)]


def test_time_budget_is_enforced(monkeypatch):
    monkeypatch.setattr(pdf_module, "TIME_BUDGET_SECONDS", -1.0)
    with pytest.raises(ExtractError, match="took longer"):
        extract(report_pdf(), "slow.pdf")


@pytest.mark.parametrize(
    "line", ["- 4 -", "— 12 —", "第 4 页", "第4页 共6页", "4/6", "4 / 6", "Page 3"]
)
def test_page_number_patterns(line):
    assert pdf_module._PAGE_NUMBER.match(line)


@pytest.mark.parametrize("line", ["2024 年", "规章 1 0 11", "一、总体情况", "4.保护第三方合法权益"])
def test_page_number_pattern_leaves_text(line):
    assert not pdf_module._PAGE_NUMBER.match(line)


# ----------------------------------------------------------------------------- the real PDF


@pytest.fixture(scope="module")
def huaian() -> list[str]:
    got = extract(HUAIAN.read_bytes(), HUAIAN.name)
    assert got.format == "pdf" and not got.hazards
    return lines_of(got.text)


def test_huaian_table_three_rows(huaian):
    for line in [
        "一、本年新收政府信息公开申请数量 | 3001 | 53 | 0 | 0 | 61 | 4 | 3119",
        "二、上年结转政府信息公开申请数量 | 34 | 0 | 0 | 0 | 0 | 0 | 34",
        "三、本年度办理结果 | （一）予以公开 | 1288 | 21 | 0 | 0 | 50 | 3 | 1362",
        "（四）无法提供 | 1.本机关不掌握相关政府信息 | 746 | 12 | 0 | 0 | 10 | 1 | 769",
        "2.没有现成信息需要另行制作 | 11 | 0 | 0 | 0 | 0 | 0 | 11",
        (
            "（六）其他处理 | 1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
            " | 67 | 3 | 0 | 0 | 1 | 0 | 71"
        ),
        "（七）总计 | 2932 | 53 | 0 | 0 | 61 | 4 | 3050",
        "四、结转下年度继续办理 | 103 | 0 | 0 | 0 | 0 | 0 | 103",
    ]:
        assert line in huaian


def test_huaian_table_four_and_two(huaian):
    assert "72 | 64 | 178 | 37 | 351 | 13 | 4 | 8 | 1 | 26 | 12 | 1 | 1 | 6 | 20" in huaian
    assert "规章 | 1 | 0 | 11" in huaian
    # Table 二 continues on the next page: its rows stay together, with no page number between.
    start = huaian.index("第二十条第（六）项")
    assert huaian[start + 1 : start + 4] == [
        "信息内容 | 本年处理决定数量",
        "行政处罚 | 3985758",
        "行政强制 | 88283",
    ]


def test_huaian_page_numbers_removed_and_order_kept(huaian):
    assert not [line for line in huaian if re.fullmatch(r"-\s*\d+\s*-", line)]
    assert huaian[:2] == ["淮安市人民政府", "2024 年政府信息公开工作年度报告"]
    headings = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    positions = [huaian.index(h) for h in headings]
    assert positions == sorted(positions)
    # A paragraph broken by the page footer "- 1 -" is one line again.
    assert any("“建设‘四最’一流营商环境高质量推进产业发展”" in line for line in huaian)


# ----------------------------------------------------------------------------- bad PDFs


def test_scanned_pdf_flags_needs_ocr_and_invents_nothing():
    got = extract(scanned_pdf(), "scan.pdf")
    assert got.hazards == frozenset({"needs-ocr"})
    assert not re.search(r"\d", got.text)


def test_pdf_with_user_password_is_refused():
    data = text_pdf(["保密"], encrypt=StandardEncryption("user-secret", ownerPassword="owner"))
    with pytest.raises(ExtractError, match="encrypted"):
        extract(data, "locked.pdf")


def test_pdf_with_only_an_owner_password_is_read():
    data = text_pdf(["规章 1 0 11"], encrypt=StandardEncryption("", ownerPassword="owner"))
    assert "规章 1 0 11" in extract(data, "restricted.pdf").text


def test_truncated_pdf_is_refused():
    data = report_pdf()
    with pytest.raises(ExtractError, match="truncated"):
        extract(data[: len(data) // 2], "cut.pdf")


def test_corrupt_pdf_is_refused():
    data = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    with pytest.raises(ExtractError):
        extract(data, "corrupt.pdf")


def test_html_named_pdf_is_read_as_html():
    data = "<!DOCTYPE html><html><body><p>404 页面不存在</p></body></html>".encode()
    assert extract(data, "report.pdf").format == "html"


def test_too_many_pages_is_refused(monkeypatch):
    monkeypatch.setattr(pdf_module, "MAX_PAGES", 3)
    with pytest.raises(ExtractError, match="too many pages"):
        extract(text_pdf(["第一页"], pages=4), "long.pdf")


def test_pypdf_fallback_when_pdfplumber_fails(monkeypatch):
    def broken(data):
        raise RuntimeError("pdfminer choked")

    monkeypatch.setattr(pdf_module, "_read_with_pdfplumber", broken)
    monkeypatch.setattr(pdf_module, "_read_with_pdfium", broken)  # the fast path too
    got = extract(text_pdf(["行政许可 5210", "- 1 -"]), "x.pdf")
    assert got.format == "pdf"
    assert lines_of(got.text) == ["行政许可 5210"]


def test_extract_error_is_a_parse_error():
    with pytest.raises(ParseError):
        extract(b"%PDF-1.4 nothing else", "x.pdf")


# ----------------------------------------------------------------------------- PDF fast path


def _both_backends(data: bytes) -> tuple[str, str]:
    fast = pdf_module._render(pdf_module._read_with_pdfium(data))
    slow = pdf_module._render(pdf_module._read_with_pdfplumber(data))
    return fast, slow


def _no_pdfminer(monkeypatch) -> None:
    def refuse(data):
        raise AssertionError("the fast path fell back to pdfminer")

    monkeypatch.setattr(pdf_module, "_open_pdfplumber", refuse)
    monkeypatch.setattr(pdf_module, "_read_with_pdfplumber", refuse)


@pytest.mark.parametrize(
    "make",
    [
        lambda: report_pdf(),
        lambda: report_pdf(page_number="第{n}页 共{total}页", repeat_header=True),
        lambda: report_pdf(ruled=False),
        lambda: HUAIAN.read_bytes(),
    ],
    ids=["report", "repeated-header", "unruled", "huaian"],
)
def test_pdfium_path_reads_as_pdfminer_does(make):
    data = make()
    fast, slow = _both_backends(data)
    assert fast == slow
    assert "年政府信息公开工作年度报告" in fast


def test_pdfium_path_serves_reportlab_and_word_pdfs_without_pdfminer(monkeypatch):
    reference = extract(report_pdf(), "r.pdf").text
    _no_pdfminer(monkeypatch)
    assert extract(report_pdf(), "r.pdf").text == reference
    assert "淮安市" in extract(HUAIAN.read_bytes(), "h.pdf").text


def test_lone_cjk_character_pdfium_drops_is_recovered(monkeypatch):
    # One CJK character in a non-embedded font has no glyph box; PDFium's text page skips it.
    data = text_pdf(["果", "行政许可 5210"])
    _no_pdfminer(monkeypatch)
    assert lines_of(extract(data, "x.pdf").text) == ["果", "行政许可 5210"]


def test_lone_character_recovered_by_origin_when_the_stream_scan_gives_up(monkeypatch):
    data = text_pdf(["果", "行政许可 5210"])
    _no_pdfminer(monkeypatch)
    monkeypatch.setattr(pdf_module, "_texts_by_ordinal", lambda *args: None)
    assert lines_of(extract(data, "x.pdf").text) == ["果", "行政许可 5210"]


def test_page_pdfium_cannot_read_goes_to_pdfminer(monkeypatch):
    # The page-level refusal is forced directly: which text objects PDFium drops changes
    # between PDFium builds (5.15 no longer drops the lone "果"), so no input triggers it
    # everywhere.
    data = text_pdf(["果", "行政许可 5210"])
    refused = []

    def unreadable(page, index, runs):
        refused.append(index)
        raise pdf_module._PageUnsupported("test")

    monkeypatch.setattr(pdf_module, "_page_from_pdfium", unreadable)
    opened = []
    real_open = pdf_module._open_pdfplumber
    monkeypatch.setattr(pdf_module, "_open_pdfplumber", lambda d: opened.append(1) or real_open(d))
    assert lines_of(extract(data, "x.pdf").text) == ["果", "行政许可 5210"]
    assert refused == [0]
    assert opened == [1]


def test_text_object_pdfium_skips_sends_the_page_to_pdfminer(monkeypatch):
    # PDFium skips a line repeating one of the five before it when neither has glyph boxes;
    # simulate the skip by hiding the second line's characters and objects.
    data = text_pdf(["甲乙丙丁戊", "行政许可 5210"])
    real = pdf_module._pdfium_chars

    def skipping(page, height):
        chars, _shown = real(page, height)
        return [char for char in chars if char["text"] not in "行政许可 5210"], set()

    monkeypatch.setattr(pdf_module, "_pdfium_chars", skipping)
    opened = []
    real_open = pdf_module._open_pdfplumber
    monkeypatch.setattr(pdf_module, "_open_pdfplumber", lambda d: opened.append(1) or real_open(d))
    assert "行政许可 5210" in extract(data, "x.pdf").text
    assert opened == [1]


def test_rotated_page_is_read_by_pdfminer():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.setPageRotation(90)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, "行政许可 5210")
    c.showPage()
    c.save()
    data = out.getvalue()
    with pytest.raises(pdf_module._Unsupported):
        pdf_module._read_with_pdfium(data)
    got = extract(data, "rotated.pdf").text
    assert "行政许可" in got
    assert got == pdf_module._render(pdf_module._read_with_pdfplumber(data))


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (b"BT /F1 12 Tf (a\\(b\\)c\\101) Tj ET", [(b"F1", b"a(b)cA")]),
        (b"BT /F2 9 Tf [(x) -20 <4E 09>] TJ 0 -9 Td () Tj ET", [(b"F2", b"xN\t"), (b"F2", b"")]),
        (b"BT /F1 1 Tf 1 0 0 1 0 0 Tm (a) ' 1 2 (b) \" ET", [(b"F1", b"a"), (b"F1", b"b")]),
    ],
)
def test_content_stream_scan_finds_text_operators(stream, expected):
    assert pdf_module._shown_strings(stream) == expected


@pytest.mark.parametrize(
    "stream",
    [b"BT /F1 1 Tf (a(b)c) Tj ET", b"q BI /W 1 /H 1 ID \x00) EI Q", b"BT (never closed"],
    ids=["nested-parentheses", "inline-image", "unterminated"],
)
def test_content_stream_scan_gives_up_on_what_it_does_not_model(stream):
    assert pdf_module._shown_strings(stream) is None


# ----------------------------------------------------------------------------- DOCX


def _fill_template() -> bytes:
    """The official template with table 三, 四 and 二 filled in by python-docx."""
    import docx

    document = docx.Document(str(TEMPLATE))
    active, applications, review = document.tables

    def unique(cells):
        seen, out = set(), []
        for cell in cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                out.append(cell)
        return out

    for label, numbers in (("规章", [0, 0, 3]), ("行政规范性文件", [4, 2, 37])):
        row = next(r for r in active.rows if r.cells[0].text.strip() == label)
        for cell, n in zip(unique(row.cells)[1:], numbers, strict=True):
            cell.text = str(n)
    data_rows = applications.rows[3:]
    assert len(data_rows) == len(APPLICATION_NUMBERS)
    for row, numbers in zip(data_rows, APPLICATION_NUMBERS.values(), strict=True):
        for cell, n in zip(row.cells[-7:], [*numbers, sum(numbers)], strict=True):
            cell.text = str(n)
    for cell, n in zip(review.rows[-1].cells, REVIEW_NUMBERS, strict=True):
        cell.text = str(n)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def filled_docx() -> list[str]:
    got = extract(_fill_template(), "report.docx")
    assert got.format == "docx"
    return lines_of(got.text)


def test_docx_rows_in_document_order(filled_docx):
    expected = [row_line(label, numbers) for label, numbers in application_rows()]
    positions = [filled_docx.index(line) for line in expected]
    assert positions == sorted(positions)
    assert filled_docx.index("三、收到和处理政府信息公开申请情况") < positions[0]
    assert positions[-1] < filled_docx.index("四、政府信息公开行政复议、行政诉讼情况")
    assert " | ".join(map(str, REVIEW_NUMBERS)) in filled_docx
    assert "规章 | 0 | 0 | 3" in filled_docx


def test_docx_merged_cells_written_once(filled_docx):
    assert "自然人 | 法人或其他组织 | 总计" in filled_docx
    assert "行政复议 | 行政诉讼" in filled_docx
    assert sum("（三）不予公开" in line for line in filled_docx) == 1
    assert sum("三、本年度办理结果" in line for line in filled_docx) == 1
    assert "信息内容 | 本年处理决定数量" in filled_docx  # gridSpan=3 cell: one cell


def test_blank_template_keeps_blank_cells():
    lines = lines_of(extract(TEMPLATE.read_bytes(), TEMPLATE.name).text)
    assert "规章 |  |  | " in lines


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in entries.items():
            archive.writestr(name, payload)
    return out.getvalue()


def test_docx_zip_bomb_by_total_size_is_refused():
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (51 * 2**20)})
    assert len(data) < 2**20  # small on disk
    with pytest.raises(ExtractError, match="zip bomb"):
        extract(data, "bomb.docx")


def test_docx_zip_bomb_by_ratio_is_refused():
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b" " * (5 * 2**20)})
    with pytest.raises(ExtractError, match="zip bomb"):
        extract(data, "bomb.docx")


def test_truncated_docx_is_refused():
    data = TEMPLATE.read_bytes()
    with pytest.raises(ExtractError, match="zip"):
        extract(data[: len(data) // 2], "cut.docx")


def test_zip_that_is_not_word_is_refused():
    with pytest.raises(ExtractError, match="not a Word document"):
        extract(_zip({"xl/workbook.xml": b"<workbook/>"}), "sheet.docx")


def test_corrupt_document_xml_is_refused():
    data = TEMPLATE.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["word/document.xml"] = parts["word/document.xml"][:500]
    with pytest.raises(ExtractError):
        extract(_zip(parts), "broken.docx")


def test_encrypted_office_file_is_refused():
    # Password-protected DOCX files are OLE2 containers holding an "EncryptedPackage" stream;
    # this synthetic header carries just that marker (no real encrypted file is at hand).
    data = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le")
    )
    with pytest.raises(ExtractError, match="encrypted"):
        extract(data, "locked.docx")


# ----------------------------------------------------------------------------- DOC / WPS


@needs_antiword
@pytest.mark.parametrize("name", ["report.doc", "report.wps"])
def test_real_word97_document_via_antiword(name):
    got = extract(REAL_DOC.read_bytes(), name)
    assert got.format == "doc"
    assert got.text == "Test OLE file, saved as Word 97-2003 Document."


@needs_antiword
def test_unreadable_ole_file_is_refused():
    with pytest.raises(ExtractError, match="antiword could not read it"):
        extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"garbage" * 100, "broken.wps")


def test_missing_antiword_names_the_tool(monkeypatch):
    monkeypatch.setattr(doc_module, "ANTIWORD", "antiword-not-on-this-machine")
    with pytest.raises(ExtractError, match=r"antiword not installed: apt-get install antiword"):
        extract(REAL_DOC.read_bytes(), "report.doc")


def test_docbook_tables_become_rows():
    # The element shape of `antiword -x db` output (informaltable/tgroup/tbody/row/entry).
    xml = """<?xml version="1.0" encoding="utf-8"?>
<book><bookinfo><title>示例县2024年报告</title></bookinfo><chapter><title/>
<para>三、收到和处理政府信息公开申请情况</para>
<informaltable><tgroup cols='3'><colspec colname='c1'/><tbody>
<row><entry>一、本年新收政府信息公开申请数量</entry><entry>301</entry><entry></entry></row>
<row><entry>四、结转下年度
继续办理</entry><entry>21</entry><entry>22</entry></row>
</tbody></tgroup></informaltable>
<para>四、政府信息公开行政复议、行政诉讼情况</para></chapter></book>""".encode()
    lines, title = doc_module._docbook_lines(xml)
    assert lines == [
        "三、收到和处理政府信息公开申请情况",
        "一、本年新收政府信息公开申请数量 | 301 | ",
        "四、结转下年度继续办理 | 21 | 22",
        "四、政府信息公开行政复议、行政诉讼情况",
    ]
    assert title == "示例县2024年报告"


def test_docx_built_with_python_docx_merges():
    from tests.samples import report_docx

    lines = lines_of(extract(report_docx(), "built.docx").text)
    expected = [row_line(label, numbers) for label, numbers in application_rows()]
    positions = [lines.index(line) for line in expected]
    assert positions == sorted(positions)
    assert "自然人 | 法人或其他组织 | 总计" in lines


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 SimSun;}} report}", "RTF"),
        (b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x", "MHT"),
        (b"just some bytes that are not a document", "not an OLE2"),
    ],
)
def test_other_files_named_doc_are_refused_with_the_reason(data, reason):
    with pytest.raises(ExtractError, match=reason):
        extract(data, "report.doc")


def test_label_typeset_one_character_per_line_is_rejoined():
    from parsers.extract._layout import rejoin_vertical_labels

    lines = [*"三、本年度办理结果", "（一）予以公开 1288 21", "一", "二"]
    joined = ["三、本年度办理结果", "（一）予以公开 1288 21", "一", "二"]
    assert rejoin_vertical_labels(lines) == joined
