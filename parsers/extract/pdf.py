"""PDF attachments: pdfplumber tables and text in reading order, pypdf text as a fallback.

Per page, ruled tables (`page.find_tables()`) become rows in the package layout and the text
outside them becomes lines, merged by vertical position. Across pages, running headers,
footers and page numbers are dropped, a table continuing at the top of the next page is
stitched to the one ending the previous page, and wrapped body lines are joined back into
paragraphs. A PDF without a text layer yields near-empty text and the `needs-ocr` hazard.
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from parsers.errors import ExtractError
from parsers.extract import Extracted
from parsers.extract._layout import (
    clean_cell,
    declared_title,
    format_row,
    is_enumerated,
    is_number,
    join_wrapped,
    rejoin_vertical_labels,
)

MAX_PDF_BYTES = 100 * 1024 * 1024
MAX_PAGES = 300
TIME_BUDGET_SECONDS = 120.0
# A page with fewer text characters than this, but a large image, is a scan.
SCAN_MAX_CHARS = 20
SCAN_MIN_IMAGE_SHARE = 0.3
EDGE_SHARE = 0.12  # top/bottom share of the page where headers, footers and numbers live
STITCH_X_TOLERANCE = 20.0

_PAGE_NUMBER = re.compile(
    r"""^(?:
        [-—–－~\s]*\d{1,4}[-—–－~\s]*                                   # 4, - 4 -, — 4 —
      | 第\s*\d{1,4}\s*页(?:\s*[,，/、]?\s*共\s*\d{1,4}\s*页)?         # 第 4 页 (共 6 页)
      | 共\s*\d{1,4}\s*页\s*[,，]?\s*第\s*\d{1,4}\s*页                 # 共 6 页 第 4 页
      | \d{1,4}\s*/\s*\d{1,4}                                         # 4/6
      | (?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?              # Page 4 of 6
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_CID = re.compile(r"\(cid:\d+\)")
# A text line that is a flattened table row: a label followed by three or more numbers.
_NUMBER_ROW = re.compile(r"(?:\s[-+]?\d[\d,]*(?:\.\d+)?%?){3,}\s*$")


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class _Table:
    rows: list[list[str | None]]
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class _Page:
    width: float
    height: float
    items: list[_Line | _Table] = field(default_factory=list)
    scanned: bool = False


def extract_pdf(data: bytes) -> Extracted:
    """Extract a PDF's text in the package layout; raise ExtractError for unreadable files."""
    _check_container(data)
    try:
        pages = _read_with_pdfplumber(data)
    except ExtractError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types on malformed input
        if _is_password_error(exc):
            raise ExtractError("encrypted PDF (a password is required to open it)") from None
        return _read_with_pypdf(data, exc)
    scanned = [page for page in pages if page.scanned]
    text = _render(pages)
    if _undecoded_share(text) > 0.02:
        # pdfminer prints "(cid:1855)" for glyphs it cannot map to Unicode (seen with CID fonts
        # in encrypted files); pypdf decodes some of those, at the cost of the table cells.
        try:
            other = _read_with_pypdf(data, RuntimeError("pdfminer could not decode the fonts"))
        except ExtractError:
            other = None
        if other is not None and _undecoded_share(other.text) < _undecoded_share(text):
            return other
        if _undecoded_share(text) > 0.5:
            scanned = [*scanned, *pages]  # no usable text layer: as good as a scan
    hazards = frozenset({"needs-ocr"}) if scanned else frozenset()
    return Extracted(text=text, format="pdf", hazards=hazards, title=_pypdf_title(data))


def _undecoded_share(text: str) -> float:
    """Share of the text made of pdfminer's "(cid:N)" placeholders."""
    if not text:
        return 0.0
    return sum(len(m) for m in _CID.findall(text)) / len(text)


# ---------------------------------------------------------------------------- container checks


def _check_container(data: bytes) -> None:
    if len(data) > MAX_PDF_BYTES:
        raise ExtractError(f"PDF too large ({len(data) // 2**20} MB > {MAX_PDF_BYTES // 2**20} MB)")
    if b"%PDF" not in data[:1024]:
        raise ExtractError("not a PDF (no %PDF header)")
    if b"%%EOF" not in data:
        raise ExtractError("truncated PDF (no %%EOF end marker)")


def _is_password_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(6):  # pdfplumber wraps pdfminer's exception; follow a short chain
        if seen is None:
            break
        name = type(seen).__name__
        if "Password" in name or "Encryption" in name or "password" in str(seen).lower():
            return True
        inner = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = seen.__cause__ or seen.__context__ or inner
    return False


# ---------------------------------------------------------------------------- pdfplumber path


def _read_with_pdfplumber(data: bytes) -> list[_Page]:
    import pdfplumber

    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    pages: list[_Page] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        count = len(pdf.pages)
        if count > MAX_PAGES:
            raise ExtractError(f"too many pages ({count} > {MAX_PAGES})")
        if count == 0:
            raise ExtractError("PDF has no pages")
        for page in pdf.pages:
            if time.monotonic() > deadline:
                raise ExtractError(f"PDF extraction took longer than {TIME_BUDGET_SECONDS:.0f} s")
            pages.append(_read_page(page))
            page.close()  # drop the page's cached layout objects: keeps memory flat
    return pages


def _read_page(page) -> _Page:
    result = _Page(width=float(page.width), height=float(page.height))
    tables = []
    for table in page.find_tables():
        rows = table.extract()
        if rows and max(len(row) for row in rows) >= 2:  # a one-column "table" is a framed text box
            tables.append(table)
            x0, top, x1, bottom = table.bbox
            cells = [[clean_cell(cell) for cell in row] for row in rows]
            result.items.append(_Table(cells, x0, x1, top, bottom))
    boxes = [table.bbox for table in tables]

    def outside_tables(obj: dict) -> bool:
        if obj.get("object_type") != "char" or not boxes:
            return True
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text_page = page.filter(outside_tables) if boxes else page
    chars = 0
    for line in text_page.extract_text_lines(return_chars=False):
        text = line["text"].strip()
        if text:
            chars += len(text)
            result.items.append(_Line(text, line["x0"], line["x1"], line["top"], line["bottom"]))
    result.items.sort(key=lambda item: item.top)
    chars += sum(
        len(cell or "")
        for item in result.items
        if isinstance(item, _Table)
        for row in item.rows
        for cell in row
    )
    if chars < SCAN_MAX_CHARS:
        page_area = max(result.width * result.height, 1.0)
        image_area = sum(
            abs((im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) for im in page.images
        )
        result.scanned = image_area / page_area >= SCAN_MIN_IMAGE_SHARE
    return result


# ---------------------------------------------------------------------------- page cleanup


def _edge_lines(page: _Page) -> tuple[list[_Line], list[_Line]]:
    """The text lines above the first table in the top band and below the last in the bottom."""
    head: list[_Line] = []
    for item in page.items:
        if not isinstance(item, _Line) or item.bottom > page.height * EDGE_SHARE * 1.5:
            break
        head.append(item)
    tail: list[_Line] = []
    for item in reversed(page.items):
        if not isinstance(item, _Line) or item.top < page.height * (1 - EDGE_SHARE * 1.5):
            break
        tail.append(item)
    return head[:2], tail[:2]


def _normalised(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _drop_headers_and_page_numbers(pages: list[_Page]) -> None:
    """Remove page numbers at the page edges and lines repeated at the edge of most pages."""
    counts: Counter[str] = Counter()
    for page in pages:
        head, tail = _edge_lines(page)
        counts.update({_normalised(line.text) for line in head + tail})
    repeat_floor = max(2, (len(pages) * 6 + 9) // 10)  # on at least 60% of the pages
    running = {text for text, n in counts.items() if n >= repeat_floor and len(pages) >= 2}
    for page in pages:
        head, tail = _edge_lines(page)
        drop = {
            id(line)
            for line in head + tail
            if _PAGE_NUMBER.match(line.text.strip()) or _normalised(line.text) in running
        }
        page.items = [item for item in page.items if id(item) not in drop]


# ---------------------------------------------------------------------------- stitching


def _stitch_tables(pages: list[_Page]) -> list[_Line | _Table]:
    """Flatten pages into one item list, joining tables split by a page break."""
    items: list[_Line | _Table] = []
    for page in pages:
        page_items = list(page.items)
        if (
            items
            and page_items
            and isinstance(items[-1], _Table)
            and isinstance(page_items[0], _Table)
            and abs(items[-1].x0 - page_items[0].x0) <= STITCH_X_TOLERANCE
            and abs(items[-1].x1 - page_items[0].x1) <= STITCH_X_TOLERANCE
        ):
            _continue_table(items[-1], page_items.pop(0))
        items.extend(page_items)
    return items


def _continue_table(first: _Table, more: _Table) -> None:
    """Append `more` (the next page's part) to `first`, repairing what the page break split."""
    rows = [list(row) for row in more.rows]
    width = len(first.rows[0]) if first.rows else 0
    if rows and all(len(row) == width for row in rows + first.rows):
        # Repeated header rows ("repeat as header row" in Word) appear again on the new page.
        repeated = 0
        while (
            repeated < min(len(rows) - 1, len(first.rows))
            and rows[repeated] == first.rows[repeated]
        ):
            repeated += 1
        del rows[:repeated]
        _mend_split_cells(first.rows, rows)
    first.rows.extend(rows)
    first.bottom = more.bottom


def _mend_split_cells(before: list[list[str | None]], after: list[list[str | None]]) -> None:
    """A merged label cell cut by the page break continues at the top of the next page."""
    top = after[0]
    below = after[1] if len(after) > 1 else [None] * len(top)
    for col, cell in enumerate(top):
        if cell is None or below[col] is not None:
            continue  # only a cell that spans down on the new page is a continuing merge
        owner_row = next((row for row in reversed(before) if row[col] is not None), None)
        if owner_row is None or is_number(owner_row[col]):
            continue
        if cell == "":
            top[col] = None  # the merge goes on without text: write it once, above
        elif not is_number(cell) and not is_enumerated(cell):
            owner_row[col] = join_wrapped([owner_row[col] or "", cell])
            top[col] = None


# ---------------------------------------------------------------------------- rendering


def _render(pages: list[_Page]) -> str:
    _drop_headers_and_page_numbers(pages)
    items = _stitch_tables(pages)
    margins = _margins(pages)
    lines: list[str] = []
    previous: _Line | None = None
    for item in items:
        if isinstance(item, _Table):
            lines.extend(row for row in map(format_row, item.rows) if row)
            previous = None
            continue
        if previous is not None and _continues(previous, item, margins):
            lines[-1] = join_wrapped([lines[-1], item.text])
        else:
            lines.append(item.text)
        previous = item
    return "\n".join(rejoin_vertical_labels(lines)).strip()


def _margins(pages: list[_Page]) -> tuple[float, float, float]:
    """The body's left and right edges and its usual line height, from all text lines."""
    body = [item for page in pages for item in page.items if isinstance(item, _Line)]
    if not body:
        return 0.0, 0.0, 10.0
    lefts = sorted(line.x0 for line in body)
    rights = sorted(line.x1 for line in body)
    heights = sorted(line.bottom - line.top for line in body)
    # Percentiles rather than extremes: a hanging punctuation mark or a wide table row is no edge.
    return lefts[len(lefts) // 10], rights[len(rights) * 8 // 10], heights[len(heights) // 2]


def _continues(line: _Line, nxt: _Line, margins: tuple[float, float, float]) -> bool:
    """Is `nxt` the wrapped continuation of `line` (same paragraph)?"""
    left, right, _ = margins
    size = line.bottom - line.top
    full = line.x1 >= right - 2.0 * size  # digits and Latin are narrower than a Han character
    flush_left = nxt.x0 <= left + 0.5 * size
    same_size = abs((nxt.bottom - nxt.top) - size) <= 0.2 * size
    return (
        full
        and flush_left
        and same_size
        and not is_enumerated(nxt.text)  # a heading or list item starts a new line
        and not _NUMBER_ROW.search(line.text)
    )


# ---------------------------------------------------------------------------- pypdf fallback


def _read_with_pypdf(data: bytes, first_error: BaseException) -> Extracted:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractError("encrypted PDF (a password is required to open it)")
        count = len(reader.pages)
        if count > MAX_PAGES:
            raise ExtractError(f"too many pages ({count} > {MAX_PAGES})")
        page_texts = [page.extract_text() or "" for page in reader.pages]
        title = declared_title(reader.metadata.title if reader.metadata else None)
    except ExtractError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf, like pdfminer, raises many types
        if _is_password_error(exc):
            raise ExtractError("encrypted PDF (a password is required to open it)") from None
        reason = str(first_error).splitlines()[0][:120] if str(first_error) else ""
        raise ExtractError(f"corrupt PDF ({type(first_error).__name__}: {reason})") from None
    lines: list[str] = []
    for text in page_texts:
        page_lines = [line.strip() for line in text.splitlines() if line.strip()]
        while page_lines and _PAGE_NUMBER.match(page_lines[-1]):
            page_lines.pop()
        while page_lines and _PAGE_NUMBER.match(page_lines[0]):
            page_lines.pop(0)
        lines.extend(page_lines)
    text = "\n".join(rejoin_vertical_labels(lines))
    hazards = (
        frozenset({"needs-ocr"}) if len(text) < SCAN_MAX_CHARS * max(count, 1) else frozenset()
    )
    return Extracted(text=text, format="pdf", hazards=hazards, title=title)


def _pypdf_title(data: bytes) -> str | None:
    """The metadata title (pypdf decodes UTF-16 titles that pdfminer leaves as mojibake)."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        return declared_title(reader.metadata.title if reader.metadata else None)
    except Exception:  # noqa: BLE001 - a title is a nicety; never fail extraction over it
        return None
