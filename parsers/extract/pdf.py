"""PDF attachments: pdfplumber tables and text in reading order, pypdf text as a fallback.

Per page, ruled tables (pdfplumber's table finder) become rows in the package layout and the
text outside them becomes lines, merged by vertical position. The characters and ruling lines
come from PDFium (fast, in C) and fall back to pdfminer (pdfplumber's own, pure Python, ~10x
slower) for pages PDFium cannot read the same way; see "PDFium path" below. Across pages, running headers,
footers and page numbers are dropped, a table continuing at the top of the next page is
stitched to the one ending the previous page, and wrapped body lines are joined back into
paragraphs. A PDF without a text layer yields near-empty text and the `needs-ocr` hazard.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import itertools
import math
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from parsers.errors import ExtractError, ExtractTimeout
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
from parsers.extract._pdffilters import IndirectLengths, decoded_size

MAX_PDF_BYTES = 100 * 1024 * 1024
MAX_PAGES = 300
TIME_BUDGET_SECONDS = 120.0
# Inflated bytes of the streams a reader decodes (content, fonts, object streams), counted
# while inflating: a 1 MB file can hold a 1 GB FlateDecode stream (a decompression bomb).
MAX_STREAM_INFLATED = 64 * 1024 * 1024
MAX_INFLATED_BYTES = 256 * 1024 * 1024
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
        pages = _read_fast(data)
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


def _read_fast(data: bytes) -> list[_Page]:
    """Pages via PDFium when it reads the document as pdfminer would, else via pdfplumber."""
    try:
        return _read_with_pdfium(data)
    except ExtractError:
        raise
    except Exception:  # noqa: BLE001 - _Unsupported, or PDFium refusing the file: the slow path
        return _read_with_pdfplumber(data)  # decides, and words the error for the user


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
    _check_decoded_sizes(data)


_STREAM_START = re.compile(rb"stream\r?\n")  # (a literal first: found by fast search)
_IMAGE = re.compile(rb"/Subtype\s*/Image(?![A-Za-z])")


def _check_decoded_sizes(data: bytes) -> None:
    """Count what every stream a text reader would decode decodes to, through its whole
    filter chain in bounded memory (`_pdffilters`), and refuse the file once a stream or the
    sum passes its bound. Images are skipped: text extraction never decodes their pixels."""
    total = 0
    lengths = IndirectLengths(data)
    for match in _STREAM_START.finditer(data):
        if data[match.start() - 3 : match.start()] == b"end":
            continue
        head = data[max(0, match.start() - 2048) : match.start()]
        head = head[head.rfind(b" obj") + 1 :]  # this object's dictionary
        if _IMAGE.search(head):
            continue
        size = decoded_size(data, match.end(), head, MAX_STREAM_INFLATED, lengths)
        total += size
        if size > MAX_STREAM_INFLATED or total > MAX_INFLATED_BYTES:
            raise ExtractError(
                f"PDF streams decode to over {min(total, size) // 2**20} MB "
                f"(limit {MAX_STREAM_INFLATED // 2**20} MB a stream, "
                f"{MAX_INFLATED_BYTES // 2**20} MB in all): refused as a possible "
                "decompression bomb"
            )


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


# ---------------------------------------------------------------------------- PDFium path
#
# pdfminer interprets content streams in pure Python (~40 ms a page, ~90% of the time spent
# here); PDFium (pypdfium2, already a pdfplumber dependency) does it in C in ~3 ms. PDFium
# supplies the characters, ruling edges and images; pdfplumber's own table finder and line
# builder then run on them, so tables and text come out as on the pdfminer path. Documents
# the fast path does not model (rotated pages or text, form XObjects, unmapped glyphs) go back
# to pdfminer whole; a page whose lone CJK characters PDFium drops (see _glyphless_char) gets
# them from a content-stream scan, else from pypdf, else goes to pdfminer on its own.


_PDFIUM_LOCK = threading.Lock()


class _Unsupported(Exception):
    """The fast path cannot reproduce pdfminer's reading of this document."""


@dataclass
class _PlainPage:
    """The few attributes of a pdfplumber page that its table finder reads."""

    chars: list[dict]
    edges: list[dict]
    bbox: tuple[float, float, float, float]


class _PageUnsupported(_Unsupported):
    """The fast path cannot read this page; pdfminer reads it and the others stay fast."""


def _read_with_pdfium(data: bytes) -> list[_Page]:
    with _PDFIUM_LOCK:  # PDFium is not thread-safe; the crawler's workers are processes anyway
        return _read_with_pdfium_unlocked(data)


def _read_with_pdfium_unlocked(data: bytes) -> list[_Page]:
    import pypdfium2 as pdfium

    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _Unsupported(str(exc)) from None
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(document.close)
        count = len(document)
        if count > MAX_PAGES:
            raise ExtractError(f"too many pages ({count} > {MAX_PAGES})")
        if count == 0:
            raise _Unsupported("no pages")  # pdfminer decides: empty or corrupt
        runs = _TextRuns(data)
        slow = None  # pdfplumber's reading of the document, opened for the first page that needs it
        pages: list[_Page] = []
        for index in range(count):
            if time.monotonic() > deadline:
                raise ExtractTimeout(f"PDF extraction took longer than {TIME_BUDGET_SECONDS:.0f} s")
            page = document[index]
            try:
                pages.append(_page_from_pdfium(page, index, runs))
                continue
            except _PageUnsupported:
                pass
            finally:
                page.close()
            if slow is None:
                slow = cleanup.enter_context(_open_pdfplumber(data))
                if len(slow.pages) != count:
                    raise _Unsupported("the backends disagree on the page count")
            plumber_page = slow.pages[index]
            pages.append(_read_page(plumber_page))
            plumber_page.close()
        return pages


def _open_pdfplumber(data: bytes):
    import pdfplumber

    return pdfplumber.open(io.BytesIO(data))


def _page_from_pdfium(page, index: int, runs: _TextRuns) -> _Page:
    import ctypes

    import pypdfium2.raw as pdfium_c

    if page.get_rotation() % 360:
        raise _Unsupported("rotated page")
    left, bottom, right, top = page.get_mediabox()
    if left or bottom:
        raise _Unsupported("media box not at the origin")
    width, height = float(right), float(top)
    edges: list[dict] = []
    texts: list[int | None] = []  # the text objects' addresses
    image_area = 0.0
    bounds = [ctypes.c_float() for _ in range(4)]
    bound_at = [ctypes.addressof(value) for value in bounds]
    # The raw API through `_api` (object addresses as ints): pypdfium2's object wrappers
    # cost more than the walk itself, and a page holds a text object for every line or cell.
    api = _api()
    get_object, get_type = api.get_object, api.object_type
    page_at = ctypes.cast(page.raw, ctypes.c_void_p).value
    for position in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = get_object(page_at, position)
        kind = get_type(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            raise _Unsupported("form XObject")
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            texts.append(obj)
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            edges.extend(_path_edges(obj, height))
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            api.object_bounds(obj, *bound_at)
            x0, y0, x1, y1 = (value.value for value in bounds)
            image_area += abs((x1 - x0) * (y1 - y0))
    chars, shown = _pdfium_chars(page, height)
    # PDFium's text page skips some text objects: those without glyph boxes (see
    # _glyphless_char), and a line repeating one of the five before it when neither has boxes.
    dropped: list[dict] = []
    for ordinal, obj in enumerate(texts):
        if obj in shown:
            continue
        api.object_bounds(obj, *bound_at)
        if bounds[2].value - bounds[0].value >= 1e-3:
            raise _PageUnsupported("a text object PDFium skipped as a repeat")
        typed = ctypes.cast(obj, pdfium_c.FPDF_PAGEOBJECT)
        dropped.append({**_glyphless_char(typed, height), "ordinal": ordinal})
    if dropped:
        found = runs.dropped_texts(index, dropped, len(texts))
        chars.extend(_recover_dropped(dropped, found))
    plain = _PlainPage(chars, edges, (0.0, 0.0, width, height))
    return _assemble_page(plain, width, height, lambda: image_area)


def _glyphless_char(obj, height: float) -> dict:
    """Where a text object without glyph boxes starts, and its size and descent.

    PDFium's text page skips such objects: one CJK character in a font that is neither
    embedded nor installed (reportlab's STSong-Light, say) has no box, so the lone character
    a wrapped table cell puts on its last line vanishes. Its text comes from pypdf instead.
    """
    import ctypes

    import pypdfium2.raw as pdfium_c

    matrix = pdfium_c.FS_MATRIX()
    font_size = ctypes.c_float()
    descent = ctypes.c_float()
    if not (
        pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix))
        and pdfium_c.FPDFTextObj_GetFontSize(obj, ctypes.byref(font_size))
        and pdfium_c.FPDFFont_GetDescent(
            pdfium_c.FPDFTextObj_GetFont(obj), font_size, ctypes.byref(descent)
        )
    ):
        raise _PageUnsupported("text object without font metrics")
    if abs(matrix.b) > 1e-6 or abs(matrix.c) > 1e-6 or matrix.a <= 0 or matrix.d <= 0:
        raise _PageUnsupported("rotated or mirrored text")
    return {
        "x": matrix.e,
        "y": matrix.f,
        "size": font_size.value * matrix.d,
        "bottom": height - (matrix.f + descent.value * matrix.d),
    }


def _recover_dropped(dropped: list[dict], texts: list[str]) -> list[dict]:
    """Char dicts for PDFium's dropped text objects, given their text.

    Only a single full-width character is recovered (its advance is its size, as pdfminer
    finds for CJK fonts); anything else sends the page to pdfminer.
    """
    chars: list[dict] = []
    for drop, text in zip(dropped, texts, strict=True):
        if len(text) != 1 or unicodedata.east_asian_width(text) not in ("W", "F"):
            raise _PageUnsupported("a dropped text object that is not one full-width character")
        size, bottom = drop["size"], drop["bottom"]
        chars.append(
            {
                "object_type": "char",
                "text": text,
                "x0": drop["x"],
                "x1": drop["x"] + size,
                "top": bottom - size,
                "bottom": bottom,
                "doctop": bottom - size,
                "width": size,
                "height": size,
                "size": size,
                "upright": True,
            }
        )
    return chars


class _TextRuns:
    """The text of PDFium's dropped objects, read with pypdf; the file is parsed only if asked."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._reader = None

    def dropped_texts(self, index: int, dropped: list[dict], text_objects: int) -> list[str]:
        from pypdf import PdfReader

        try:
            if self._reader is None:
                self._reader = PdfReader(io.BytesIO(self._data))
                if self._reader.is_encrypted:
                    self._reader.decrypt("")
            page = self._reader.pages[index]
            texts = _texts_by_ordinal(page, dropped, text_objects)
            return texts if texts is not None else _texts_by_origin(page, dropped)
        except _Unsupported:
            raise
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types; pdfminer decides
            raise _PageUnsupported(f"pypdf could not read the page: {exc}") from None


# PDFium makes one text object of each non-empty text-showing operator, in stream order.
_UNICODE_CMAP = re.compile(r"-(?:UCS2|UTF16)-H$")


def _texts_by_ordinal(page, dropped: list[dict], text_objects: int) -> list[str] | None:
    """The dropped objects' text from a scan of the content stream (fonts with a Unicode CMap)."""
    contents = page.get_contents()
    if contents is None:
        return None
    shows = [show for show in _shown_strings(contents.get_data()) or [] if show[1]]
    if len(shows) != text_objects:
        return None
    fonts = page.get("/Resources", {}).get("/Font", {})
    texts = []
    for drop in dropped:
        name, raw = shows[drop["ordinal"]]
        font = fonts.get("/" + name.decode("latin-1"))
        encoding = font.get_object().get("/Encoding") if font is not None else None
        if not isinstance(encoding, str) or not _UNICODE_CMAP.search(encoding):
            return None
        texts.append(raw.decode("utf-16-be", errors="replace"))
    return texts


def _texts_by_origin(page, dropped: list[dict]) -> list[str]:
    """The dropped objects' text from pypdf's text runs that start where they do."""
    runs: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list, tm: list, font: object, size: object) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((text.strip(), x, y))

    page.extract_text(visitor_text=visit)
    texts = []
    for drop in dropped:
        found = [t for t, x, y in runs if abs(x - drop["x"]) < 0.5 and abs(y - drop["y"]) < 0.5]
        if len(found) != 1:
            raise _PageUnsupported("a dropped text object pypdf does not place")
        texts.append(found[0])
    return texts


# One match per token the scanner needs; whitespace, comments, numbers and delimiters before it
# are skipped possessively (no backtracking on malformed input).
_TOKEN = re.compile(
    rb"""(?:\s|%[^\r\n]*|[-+]?(?:\d+\.?\d*|\.\d+)|<<|>>|[\[\]{}])*+
    (?:
        (?P<literal>\((?:[^()\\]|\\.)*+\))
      | (?P<hex><[0-9A-Fa-f\s]*>)
      | (?P<name>/[^\s/\[\]()<>{}%]*)
      | (?P<op>[A-Za-z'"*][A-Za-z0-9'"*]*)
      | (?P<end>\Z)
    )""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|[\r\n])|(.))", re.DOTALL)
_ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_SHOW_OPERATORS = {b"Tj", b"TJ", b"'", b'"'}


def _unescape(match: re.Match) -> bytes:
    octal, newline, char = match.groups()
    if octal:
        return bytes([int(octal, 8) & 0xFF])
    if newline:
        return b""
    return _ESCAPED.get(char, char)


def _shown_strings(data: bytes) -> list[tuple[bytes, bytes]] | None:
    """(font resource name, bytes) of each text-showing operator in a content stream.

    None when the stream holds what this small scanner does not model: inline images,
    strings with nested parentheses, anything it cannot tokenise.
    """
    shows: list[tuple[bytes, bytes]] = []
    strings: list[bytes] = []
    names: list[bytes] = []
    font = b""
    position = 0
    while position < len(data):
        match = _TOKEN.match(data, position)
        if match is None:
            return None
        position = match.end()
        kind = match.lastgroup
        if kind == "end":
            break
        if kind == "literal":
            strings.append(_ESCAPE.sub(_unescape, match.group(kind)[1:-1]))
        elif kind == "hex":
            digits = re.sub(rb"\s", b"", match.group(kind)[1:-1])
            strings.append(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()))
        elif kind == "name":
            names.append(match.group(kind)[1:])
        elif kind == "op":
            operator = match.group(kind)
            if operator == b"BI":
                return None  # inline image data is binary: don't guess where it ends
            if operator == b"Tf" and names:
                font = names[-1]
            elif operator in _SHOW_OPERATORS:
                shows.append((font, b"".join(strings)))
            strings, names = [], []
    return shows


def _pdfium_chars(page, height: float) -> tuple[list[dict], set[int | None]]:
    """The page's characters as pdfplumber char dicts (pdfminer's box: advance × font size),
    and the addresses of the text objects they come from.

    One ctypes call costs about as much as the C work behind it, so the loop makes as few as
    it can: the matrix, font size and descent belong to the character's text object (PDFium
    takes them from it), so they are read once per object, not once per character; and the
    calls go through `_api`'s prototypes (plain addresses, the GIL held)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    api = _api()
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        address = ctypes.cast(raw, ctypes.c_void_p).value
        box = pdfium_c.FS_RECTF()
        box_at = ctypes.addressof(box)
        matrix = pdfium_c.FS_MATRIX()
        matrix_at = ctypes.addressof(matrix)
        origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
        origin_x_at, origin_y_at = ctypes.addressof(origin_x), ctypes.addressof(origin_y)
        descent = ctypes.c_float()
        descent_at = ctypes.addressof(descent)
        is_generated = api.is_generated
        map_error = api.map_error
        get_unicode = api.get_unicode
        loose_box = api.loose_box
        char_origin = api.char_origin
        object_address = api.object_address
        char_matrix, font_size_of = api.char_matrix, api.font_size
        text_font, font_descent = api.text_font, api.font_descent
        shown: set[int | None] = set()
        chars: list[dict] = []
        append = chars.append
        current: int | None = -1  # the text object of the previous character
        size = descent_d = 0.0
        for index in range(pdfium_c.FPDFText_CountChars(raw)):
            if is_generated(address, index):
                continue  # a space or line break PDFium inferred; pdfminer has none
            if map_error(address, index):
                raise _Unsupported("glyph without a Unicode mapping")
            code = get_unicode(address, index)
            if code in (0, 0xFFFE, 0xFFFF) or 0xD800 <= code <= 0xDFFF:
                raise _Unsupported("undecodable character")
            obj_address = object_address(address, index)
            if obj_address != current:
                current = obj_address
                shown.add(obj_address)
                if not char_matrix(address, index, matrix_at):
                    raise _Unsupported("character without a matrix")
                if abs(matrix.b) > 1e-6 or abs(matrix.c) > 1e-6 or matrix.a <= 0 or matrix.d <= 0:
                    raise _Unsupported("rotated or mirrored text")
                font_size = font_size_of(address, index)
                size = font_size * matrix.d
                # The box's foot is the baseline plus the font's declared descent, as in
                # pdfminer (PDFium's loose box uses the metrics of whatever font it substituted).
                if not font_descent(text_font(obj_address), font_size, descent_at):
                    raise _Unsupported("font without a descent")
                descent_d = descent.value * matrix.d
            loose_box(address, index, box_at)
            char_origin(address, index, origin_x_at, origin_y_at)
            bottom = height - (origin_y.value + descent_d)
            top = bottom - size
            left, right = box.left, box.right
            append(
                {
                    "object_type": "char",
                    "text": chr(code),
                    "x0": left,
                    "x1": right,
                    "top": top,
                    "bottom": bottom,
                    "doctop": top,
                    "width": right - left,
                    "height": size,
                    "size": size,
                    "upright": True,
                }
            )
        return chars, shown
    finally:
        textpage.close()


class _Api(NamedTuple):
    # the text page, for every character or text object
    is_generated: Callable[[int, int], int]
    map_error: Callable[[int, int], int]
    get_unicode: Callable[[int, int], int]
    object_address: Callable[[int, int], int | None]
    loose_box: Callable[[int, int, int], int]
    char_origin: Callable[[int, int, int, int], int]
    char_matrix: Callable[[int, int, int], int]
    font_size: Callable[[int, int], float]
    text_font: Callable[[int | None], int | None]
    font_descent: Callable[[int | None, float, int], int]
    # the page's objects and their paths
    get_object: Callable[[int, int], int | None]
    object_type: Callable[[int | None], int]
    object_bounds: Callable[[int | None, int, int, int, int], int]
    object_matrix: Callable[[int | None, int], int]
    count_segments: Callable[[int | None], int]
    get_segment: Callable[[int | None, int], int | None]
    segment_point: Callable[[int | None, int, int], int]
    segment_type: Callable[[int | None], int]
    segment_close: Callable[[int | None], int]


_API: _Api | None = None


def _api() -> _Api:
    """The PDFium functions the page walk and the character loop call for every object,
    segment and character, typed to take and give plain addresses (no `byref`, pointer
    conversion or `ctypes.cast` per call) and to keep the GIL (no release and re-acquisition
    around a call that does a few memory reads): ~1.2 µs a call instead of ~1.5-2.8. The
    same C functions, given the same values."""
    global _API
    if _API is None:
        import ctypes

        import pypdfium2.raw as pdfium_c

        def typed(function, restype, *argtypes):
            return ctypes.cast(function, ctypes.PYFUNCTYPE(restype, *argtypes))

        at, index, c_int = ctypes.c_void_p, ctypes.c_int, ctypes.c_int
        _API = _Api(
            is_generated=typed(pdfium_c.FPDFText_IsGenerated, c_int, at, index),
            map_error=typed(pdfium_c.FPDFText_HasUnicodeMapError, c_int, at, index),
            get_unicode=typed(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint, at, index),
            object_address=typed(pdfium_c.FPDFText_GetTextObject, at, at, index),
            loose_box=typed(pdfium_c.FPDFText_GetLooseCharBox, c_int, at, index, at),
            char_origin=typed(pdfium_c.FPDFText_GetCharOrigin, c_int, at, index, at, at),
            char_matrix=typed(pdfium_c.FPDFText_GetMatrix, c_int, at, index, at),
            font_size=typed(pdfium_c.FPDFText_GetFontSize, ctypes.c_double, at, index),
            text_font=typed(pdfium_c.FPDFTextObj_GetFont, at, at),
            font_descent=typed(pdfium_c.FPDFFont_GetDescent, c_int, at, ctypes.c_float, at),
            get_object=typed(pdfium_c.FPDFPage_GetObject, at, at, index),
            object_type=typed(pdfium_c.FPDFPageObj_GetType, c_int, at),
            object_bounds=typed(pdfium_c.FPDFPageObj_GetBounds, c_int, at, at, at, at, at),
            object_matrix=typed(pdfium_c.FPDFPageObj_GetMatrix, c_int, at, at),
            count_segments=typed(pdfium_c.FPDFPath_CountSegments, c_int, at),
            get_segment=typed(pdfium_c.FPDFPath_GetPathSegment, at, at, index),
            segment_point=typed(pdfium_c.FPDFPathSegment_GetPoint, c_int, at, at, at),
            segment_type=typed(pdfium_c.FPDFPathSegment_GetType, c_int, at),
            segment_close=typed(pdfium_c.FPDFPathSegment_GetClose, c_int, at),
        )
    return _API


def _path_edges(obj: int | None, height: float) -> list[dict]:
    """A path's horizontal and vertical segments as pdfplumber edges, in top-down coordinates
    (`obj`: the path object's address)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    api = _api()
    matrix = pdfium_c.FS_MATRIX()
    if not api.object_matrix(obj, ctypes.addressof(matrix)):
        raise _Unsupported("path without a matrix")
    x, y = ctypes.c_float(), ctypes.c_float()
    x_at, y_at = ctypes.addressof(x), ctypes.addressof(y)
    points: list[tuple[float, float]] = []
    polylines: list[list[tuple[float, float]]] = []
    start: tuple[float, float] | None = None
    for index in range(api.count_segments(obj)):
        segment = api.get_segment(obj, index)
        api.segment_point(segment, x_at, y_at)
        px = matrix.a * x.value + matrix.c * y.value + matrix.e
        py = height - (matrix.b * x.value + matrix.d * y.value + matrix.f)
        kind = api.segment_type(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            if len(points) > 1:
                polylines.append(points)
            points = [(px, py)]
            start = (px, py)
        else:
            points.append((px, py))
        if api.segment_close(segment) and start is not None:
            points.append(start)
    if len(points) > 1:
        polylines.append(points)
    edges: list[dict] = []
    for line in polylines:
        for (x0, y0), (x1, y1) in itertools.pairwise(line):
            if abs(y0 - y1) < 1e-3:
                orientation = "h"
            elif abs(x0 - x1) < 1e-3 or len(line) == 2:
                orientation = "v"  # pdfplumber calls any lone non-horizontal line vertical
            else:
                continue
            top, bottom = min(y0, y1), max(y0, y1)
            left, right = min(x0, x1), max(x0, x1)
            if orientation == "h":
                bottom = top
            elif abs(x0 - x1) < 1e-3:
                right = left
            edges.append(
                {
                    "object_type": "line",
                    "x0": left,
                    "x1": right,
                    "top": top,
                    "bottom": bottom,
                    "doctop": top,
                    "width": right - left,
                    "height": bottom - top,
                    "orientation": orientation,
                }
            )
    return edges


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
                raise ExtractTimeout(f"PDF extraction took longer than {TIME_BUDGET_SECONDS:.0f} s")
            pages.append(_read_page(page))
            page.close()  # drop the page's cached layout objects: keeps memory flat
    return pages


def _read_page(page) -> _Page:
    plain = _PlainPage(page.chars, page.edges, tuple(page.bbox))

    def image_area() -> float:
        return sum(abs((im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) for im in page.images)

    return _assemble_page(plain, float(page.width), float(page.height), image_area)


def _assemble_page(plain: _PlainPage, width: float, height: float, image_area) -> _Page:
    """Ruled tables and the text lines outside them, in vertical order.

    `plain` holds pdfplumber-style char and edge dicts from either backend; pdfplumber's table
    finder and line builder do the rest, so both backends give the same layout.
    """
    from pdfplumber.utils import chars_to_textmap

    result = _Page(width=width, height=height)
    boxes = []
    # No ruling edges, no table: skip the finder on text-only pages.
    for table in _find_tables(plain) if plain.edges else []:
        rows = _table_rows(table, plain.chars)
        if rows and max(len(row) for row in rows) >= 2:  # a one-column "table" is a framed text box
            x0, top, x1, bottom = table.bbox
            boxes.append(table.bbox)
            cells = [[clean_cell(cell) for cell in row] for row in rows]
            result.items.append(_Table(cells, x0, x1, top, bottom))

    chars = _outside(plain.chars, boxes) if boxes else plain.chars
    count = 0
    if chars:
        textmap = chars_to_textmap(
            chars, layout_bbox=plain.bbox, layout_width=width, layout_height=height
        )
        for line in textmap.extract_text_lines(strip=True, return_chars=False):
            text = line["text"].strip()
            if text:
                count += len(text)
                result.items.append(
                    _Line(text, line["x0"], line["x1"], line["top"], line["bottom"])
                )
    result.items.sort(key=lambda item: item.top)
    count += sum(
        len(cell or "")
        for item in result.items
        if isinstance(item, _Table)
        for row in item.rows
        for cell in row
    )
    if count < SCAN_MAX_CHARS:
        page_area = max(result.width * result.height, 1.0)
        result.scanned = image_area() / page_area >= SCAN_MIN_IMAGE_SHARE
    return result


def _outside(chars: list[dict], boxes: list) -> list[dict]:
    """The characters whose centre is in none of the boxes (edges included)."""
    kept = []
    for char in chars:
        cx = (char["x0"] + char["x1"]) / 2
        cy = (char["top"] + char["bottom"]) / 2
        for x0, top, x1, bottom in boxes:
            if x0 <= cx <= x1 and top <= cy <= bottom:
                break
        else:
            kept.append(char)
    return kept


def _find_tables(plain: _PlainPage) -> list:
    """`pdfplumber.table.TableFinder(plain).tables` with default settings, its cell search
    made cheaper (see _intersections_to_cells); the same tables."""
    from pdfplumber.table import (
        Table,
        TableFinder,
        TableSettings,
        cells_to_tables,
        edges_to_intersections,
    )

    finder = TableFinder.__new__(TableFinder)  # its __init__, step by step
    finder.page = plain
    finder.settings = TableSettings.resolve(None)
    finder.edges = finder.get_edges()
    finder.intersections = edges_to_intersections(
        finder.edges,
        finder.settings.intersection_x_tolerance,
        finder.settings.intersection_y_tolerance,
    )
    finder.cells = _intersections_to_cells(finder.intersections)
    return [Table(plain, group) for group in cells_to_tables(finder.cells)]


def _intersections_to_cells(intersections: dict) -> list[tuple[float, float, float, float]]:
    """pdfplumber's `intersections_to_cells`, with the same result in the same order.

    pdfplumber rebuilds two sets of edge boxes for every pair of points it tests and scans
    all later points for each point; here each point's sets are built once and the points
    below and to the right come from per-column and per-row lists."""
    points = sorted(intersections)
    vertical = {p: {_bbox(e) for e in intersections[p]["v"]} for p in points}
    horizontal = {p: {_bbox(e) for e in intersections[p]["h"]} for p in points}
    columns: dict[float, list[tuple[float, float]]] = {}
    rows: dict[float, list[tuple[float, float]]] = {}
    after: dict[tuple[float, float], tuple[int, int]] = {}  # a point's place in both lists
    for point in points:  # sorted by x, then y: each list is in pdfplumber's order
        column = columns.setdefault(point[0], [])
        row = rows.setdefault(point[1], [])
        after[point] = (len(column) + 1, len(row) + 1)
        column.append(point)
        row.append(point)
    # Without NaN, a column's points have distinct, rising heights and a row's distinct,
    # rising x: the points below a point are those after it in its column, the points to its
    # right those after it in its row. With a NaN, the comparisons decide as in pdfplumber.
    ordered = not any(math.isnan(x) or math.isnan(y) for x, y in points)

    def connects(p1: tuple[float, float], p2: tuple[float, float]) -> bool:
        if p1[0] == p2[0] and not vertical[p1].isdisjoint(vertical[p2]):
            return True
        return p1[1] == p2[1] and not horizontal[p1].isdisjoint(horizontal[p2])

    cells = []
    for x, y in points:
        point = (x, y)
        if ordered:
            below_from, right_from = after[point]
            below = columns[x][below_from:]
            right = rows[y][right_from:]
        else:
            below = [p for p in columns[x] if p[1] > y]
            right = [p for p in rows[y] if p[0] > x]
        cell = None
        for below_pt in below:
            if not connects(point, below_pt):
                continue
            for right_pt in right:
                if not connects(point, right_pt):
                    continue
                corner = (right_pt[0], below_pt[1])
                if (
                    corner in intersections
                    and connects(corner, right_pt)
                    and connects(corner, below_pt)
                ):
                    cell = (x, y, corner[0], corner[1])
                    break
            if cell is not None:
                break
        if cell is not None:
            cells.append(cell)
    return cells


def _bbox(edge: dict) -> tuple[float, float, float, float]:
    return (edge["x0"], edge["top"], edge["x1"], edge["bottom"])


def _table_rows(table, chars: list[dict]) -> list[list[str | None]]:
    """pdfplumber's `Table.extract()` with default settings, made cheaper.

    The same rule places a character in a cell (its centre inside the row, then the cell);
    each character's centre is computed once, and a cell holding one word on one line is
    joined directly instead of going through pdfplumber's word and line builder.
    """
    from pdfplumber.utils import extract_text

    x0, top, x1, bottom = table.bbox
    placed = []
    for char in chars:
        h_mid = (char["x0"] + char["x1"]) / 2
        v_mid = (char["top"] + char["bottom"]) / 2
        if x0 <= h_mid < x1 and top <= v_mid < bottom:
            placed.append((h_mid, v_mid, char))
    # pdfplumber tests every character against every row, then the row's against every
    # cell. Here a row's band (centres from its top to its bottom) comes by bisection over the
    # centres sorted by height, and a cell's columns by bisection over the band sorted by x;
    # the cell's own height test then picks the characters pdfplumber picks, and sorting the
    # indices puts them in page order as there (a cell lies inside its row's box, so the
    # row's x test, dropped here, never removes a character of one of its cells).
    by_height = sorted(range(len(placed)), key=lambda index: placed[index][1])
    heights = [placed[index][1] for index in by_height]
    rows: list[list[str | None]] = []
    for row in table.rows:
        _, rtop, _, rbottom = row.bbox
        band = by_height[bisect.bisect_left(heights, rtop) : bisect.bisect_left(heights, rbottom)]
        # The band across by the centres' x, each cell's columns by bisection, in page order.
        band.sort(key=lambda index: placed[index][0])
        lefts = [placed[index][0] for index in band]
        cells: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            cx0, ctop, cx1, cbottom = cell
            column = band[bisect.bisect_left(lefts, cx0) : bisect.bisect_left(lefts, cx1)]
            column.sort()
            in_cell = [placed[index][2] for index in column if ctop <= placed[index][1] < cbottom]
            if not in_cell:
                cells.append("")
                continue
            word = _one_word(in_cell)
            cells.append(word if word is not None else extract_text(in_cell))
        rows.append(cells)
    return rows


def _one_word(chars: list[dict]) -> str | None:
    """The text of characters forming one word on one line, as pdfplumber would join them
    (left to right, no gap over its 3 pt tolerance); None for anything else."""
    from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, LIGATURES

    top = chars[0]["top"]
    for char in chars:
        text = char["text"]
        if char["top"] != top or not char["upright"] or not text or text.isspace():
            return None
        if text in LIGATURES:
            return None
    ordered = sorted(chars, key=lambda char: char["x0"])
    for before, after in itertools.pairwise(ordered):
        if after["x0"] > before["x1"] + DEFAULT_X_TOLERANCE:
            return None
    return "".join(char["text"] for char in ordered)


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
    # Digits and Latin are narrower than a Han character; the 0.01 absorbs float noise (PDFium
    # reports float32 coordinates) at the exact limit.
    full = line.x1 >= right - 2.0 * size - 0.01
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
