"""The PDFium path's shortcuts give what pdfplumber's own code gives.

`pdf._intersections_to_cells` replaces pdfplumber's `intersections_to_cells` (same cells,
same order) and `pdf._find_tables` replaces `TableFinder(page).tables`; both are checked
against pdfplumber on the ruling lines of real pages (the Huaian report, a drawn report)
and on random grids with merged cells.
"""

from __future__ import annotations

import ctypes
import itertools
import random
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pdfplumber.table import TableFinder, edges_to_intersections, intersections_to_cells

from parsers.extract import pdf as pdf_module
from tests.samples import report_pdf, sim_attachments

HUAIAN = Path(__file__).parent / "fixtures" / "attachments" / "huaian-2024-annual-report.pdf"


def _plain_pages(data: bytes) -> list[pdf_module._PlainPage]:
    """Every page's chars and ruling edges as the PDFium path reads them."""
    document = pdfium.PdfDocument(data)
    pages = []
    try:
        for index in range(len(document)):
            page = document[index]
            width, height = (float(v) for v in page.get_mediabox()[2:])
            edges = []
            for position in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
                obj = pdfium_c.FPDFPage_GetObject(page.raw, position)
                if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_PATH:
                    address = ctypes.cast(obj, ctypes.c_void_p).value
                    edges.extend(pdf_module._path_edges(address, height))
            chars, _ = pdf_module._pdfium_chars(page, height)
            pages.append(pdf_module._PlainPage(chars, edges, (0.0, 0.0, width, height)))
            page.close()
    finally:
        document.close()
    return pages


def _table_signature(tables: list) -> list:
    return [(table.bbox, [row.cells for row in table.rows]) for table in tables]


@pytest.mark.parametrize("source", ["huaian", "drawn"])
def test_tables_and_cells_match_pdfplumber_on_real_pages(source: str) -> None:
    data = HUAIAN.read_bytes() if source == "huaian" else report_pdf()
    pages = [page for page in _plain_pages(data) if page.edges]
    assert pages, "the document has ruled tables"
    found = 0
    for page in pages:
        ours = pdf_module._find_tables(page)
        theirs = TableFinder(page).tables
        assert _table_signature(ours) == _table_signature(theirs)
        found += len(ours)
    assert found > 0


def _grid_edges(rng: random.Random) -> list[dict]:
    """A ruled grid with some interior rulings left out (merged cells) and some duplicated."""
    xs = sorted(rng.sample(range(10, 500, 7), rng.randint(2, 8)))
    ys = sorted(rng.sample(range(10, 700, 9), rng.randint(2, 12)))
    edges = []
    for i, y in enumerate(ys):
        for x0, x1 in itertools.pairwise(xs):
            if 0 < i < len(ys) - 1 and rng.random() < 0.2:
                continue
            edges.append(_edge(x0, y, x1, y, "h"))
    for j, x in enumerate(xs):
        for y0, y1 in itertools.pairwise(ys):
            if 0 < j < len(xs) - 1 and rng.random() < 0.2:
                continue
            edges.append(_edge(x, y0, x, y1, "v"))
    edges += rng.sample(edges, min(3, len(edges)))  # the same ruling drawn twice
    return edges


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> dict:
    return {
        "x0": float(x0),
        "x1": float(x1),
        "top": float(top),
        "bottom": float(bottom),
        "width": float(x1 - x0),
        "height": float(bottom - top),
        "orientation": orientation,
        "object_type": "line",
    }


def test_cells_match_pdfplumber_on_random_grids() -> None:
    rng = random.Random(13)
    cells = 0
    for _ in range(200):
        intersections = edges_to_intersections(_grid_edges(rng), 3, 3)
        expected = intersections_to_cells(intersections)
        assert pdf_module._intersections_to_cells(intersections) == expected
        cells += len(expected)
    assert cells > 1000


# ---------------------------------------------------------------------------- the character loop


def _chars_through_the_bindings(page, height: float) -> tuple[list[dict], set]:
    """The character loop as it was before `pdf._api`: pypdfium2's own bindings (typed
    pointers, `byref`, the GIL released around each call)."""
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        box, matrix, descent = pdfium_c.FS_RECTF(), pdfium_c.FS_MATRIX(), ctypes.c_float()
        origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
        shown, chars, current = set(), [], -1
        size = descent_d = 0.0
        for index in range(pdfium_c.FPDFText_CountChars(raw)):
            if pdfium_c.FPDFText_IsGenerated(raw, index):
                continue
            if pdfium_c.FPDFText_HasUnicodeMapError(raw, index):
                raise pdf_module._Unsupported("glyph without a Unicode mapping")
            code = pdfium_c.FPDFText_GetUnicode(raw, index)
            if code in (0, 0xFFFE, 0xFFFF) or 0xD800 <= code <= 0xDFFF:
                raise pdf_module._Unsupported("undecodable character")
            obj = pdfium_c.FPDFText_GetTextObject(raw, index)
            address = ctypes.cast(obj, ctypes.c_void_p).value
            if address != current:
                current = address
                shown.add(address)
                assert pdfium_c.FPDFText_GetMatrix(raw, index, ctypes.byref(matrix))
                font_size = pdfium_c.FPDFText_GetFontSize(raw, index)
                size = font_size * matrix.d
                assert pdfium_c.FPDFFont_GetDescent(
                    pdfium_c.FPDFTextObj_GetFont(obj), font_size, ctypes.byref(descent)
                )
                descent_d = descent.value * matrix.d
            pdfium_c.FPDFText_GetLooseCharBox(raw, index, ctypes.byref(box))
            pdfium_c.FPDFText_GetCharOrigin(
                raw, index, ctypes.byref(origin_x), ctypes.byref(origin_y)
            )
            bottom = height - (origin_y.value + descent_d)
            chars.append(
                {
                    "object_type": "char",
                    "text": chr(code),
                    "x0": box.left,
                    "x1": box.right,
                    "top": bottom - size,
                    "bottom": bottom,
                    "doctop": bottom - size,
                    "width": box.right - box.left,
                    "height": size,
                    "size": size,
                    "upright": True,
                }
            )
        return chars, shown
    finally:
        textpage.close()


def test_the_character_loop_reads_what_the_bindings_read() -> None:
    """`_pdfium_chars` through `_api`'s prototypes gives the very chars (every key, every
    float) and text objects the plain bindings give, on real, drawn and simulated pages."""
    documents = [
        HUAIAN.read_bytes(),
        report_pdf(),
        report_pdf(ruled=False),
        *sim_attachments("pdf", 4),
    ]
    pages = 0
    for data in documents:
        document = pdfium.PdfDocument(data)
        try:
            for index in range(len(document)):
                page = document[index]
                height = float(page.get_mediabox()[3])
                expected = _chars_through_the_bindings(page, height)
                assert pdf_module._pdfium_chars(page, height) == expected
                assert expected[0]
                page.close()
                pages += 1
        finally:
            document.close()
    assert pages >= 8


# ---------------------------------------------------------------------------- ASCII85


def _a85_both(body: bytes) -> tuple[object, object]:
    import base64

    from parsers.extract._pdffilters import _A85_IGNORED, a85decode

    try:
        expected: object = base64.a85decode(body, ignorechars=_A85_IGNORED)
    except ValueError:
        expected = ValueError
    try:
        found: object = a85decode(body)
    except ValueError:
        found = ValueError
    return expected, found


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"z",
        b"zz",
        b"!",
        b"!!",
        b"s8W-!",
        b's8W-"',
        b"uuuuu",
        b"uu",
        b"zu",
        b"!z",
        b"!!!!!z",
        b"\x00 \t\n",
        b"! ! ! ! !",
        b"y",
        b"~",
        b'87cURD]i,"Ebo80',
    ],
)
def test_ascii85_decodes_as_base64_on_edge_cases(body: bytes) -> None:
    expected, found = _a85_both(body)
    assert found == expected


def test_ascii85_decodes_as_base64_on_random_input() -> None:
    """Valid encodings (with zero runs as "z" and ignored bytes sprinkled in) and random
    digit soup (partial groups, "z" inside groups, overflowing groups, foreign bytes)."""
    import base64

    rng = random.Random(85)
    digits = bytes(range(33, 118))
    errors = 0
    for round_ in range(20_000):
        if round_ % 2:
            raw = rng.randbytes(rng.randint(0, 60))
            if rng.random() < 0.4:
                raw = raw[:8] + b"\0" * rng.randint(1, 12) + raw[8:]
            body = bytearray(base64.a85encode(raw))
            for _ in range(rng.randint(0, 4)):
                body.insert(rng.randint(0, len(body)), rng.choice(b" \t\n\r\x0b\x0c\x00"))
            body = bytes(body)
        else:
            pool = digits + b"z" * 8 + b"u" * 12 + b" \n\x00" + b"~y{\x80\xff"[: rng.randint(0, 5)]
            body = bytes(rng.choice(pool) for _ in range(rng.randint(0, 27)))
        expected, found = _a85_both(body)
        assert found == expected, body
        errors += expected is ValueError
    assert 1000 < errors < 15_000


# ---------------------------------------------------------------------------- cell text


def _char(text: str, x0: float, top: float, size: float) -> dict:
    return {
        "object_type": "char",
        "text": text,
        "x0": x0,
        "x1": x0 + size,
        "top": top,
        "bottom": top + size,
        "doctop": top,
        "width": size,
        "height": size,
        "size": size,
        "upright": True,
    }


def test_cell_text_matches_pdfplumber_on_real_pages() -> None:
    """`_table_rows` (rows and cells by bisection) gives what pdfplumber's `Table.extract()`
    gives, on the ruled tables of real, drawn and simulated pages."""
    documents = [
        HUAIAN.read_bytes(),
        report_pdf(),
        report_pdf(repeat_header=True),
        *sim_attachments("pdf", 4),
    ]
    tables = 0
    for data in documents:
        for page in _plain_pages(data):
            if not page.edges:
                continue
            for table in pdf_module._find_tables(page):
                assert pdf_module._table_rows(table, page.chars) == table.extract()
                tables += 1
    assert tables >= 10


def test_cell_text_matches_pdfplumber_on_random_tables() -> None:
    """Random grids with merged cells and characters strewn over them: one-word cells,
    several lines, characters on a ruling or outside the table, overlapping characters."""
    from pdfplumber.table import Table

    rng = random.Random(31)
    compared = 0
    for _ in range(150):
        edges = _grid_edges(rng)
        x_lo = min(edge["x0"] for edge in edges) - 20
        x_hi = max(edge["x1"] for edge in edges) + 20
        y_lo = min(edge["top"] for edge in edges) - 20
        y_hi = max(edge["bottom"] for edge in edges) + 20
        xs = sorted({edge["x0"] for edge in edges if edge["orientation"] == "v"})
        ys = sorted({edge["top"] for edge in edges if edge["orientation"] == "h"})
        chars = []
        for _ in range(rng.randint(0, 400)):
            size = rng.choice([4.0, 6.0, 9.0, 10.5])
            if rng.random() < 0.15:  # centred on a ruling
                x0 = rng.choice(xs) - size / 2
                top = rng.uniform(y_lo, y_hi)
            elif rng.random() < 0.15:
                x0 = rng.uniform(x_lo, x_hi)
                top = rng.choice(ys) - size / 2
            else:
                x0 = round(rng.uniform(x_lo, x_hi), rng.choice([0, 1, 3]))
                top = round(rng.uniform(y_lo, y_hi), rng.choice([0, 1, 3]))
            chars.append(_char(rng.choice("一二三四五六七八九十0123456789 ab"), x0, top, size))
        page = pdf_module._PlainPage(chars, edges, (0.0, 0.0, 600.0, 800.0))
        for table in pdf_module._find_tables(page):
            assert pdf_module._table_rows(table, chars) == Table(page, table.cells).extract()
            compared += 1
    assert compared >= 150


def test_cells_match_pdfplumber_with_nan_and_infinite_points() -> None:
    """Points with a NaN or an infinite coordinate (a damaged path) take the comparisons'
    way through `_intersections_to_cells`, and still give pdfplumber's cells."""
    rng = random.Random(17)
    odd = 0
    for _ in range(200):
        intersections = edges_to_intersections(_grid_edges(rng), 3, 3)
        points = list(intersections)
        for _ in range(rng.randint(1, 3)):
            x, y = rng.choice(points)
            value = rng.choice([float("nan"), float("inf"), -float("inf")])
            point = (value, y) if rng.random() < 0.5 else (x, value)
            intersections[point] = intersections[rng.choice(points)]
            odd += 1
        expected = intersections_to_cells(intersections)
        assert pdf_module._intersections_to_cells(intersections) == expected
    assert odd >= 200


def _path_points_through_the_bindings(obj) -> tuple[list, list]:
    """A path's matrix and (x, y, type, close) segments through pypdfium2's own bindings."""
    matrix = pdfium_c.FS_MATRIX()
    assert pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix))
    x, y = ctypes.c_float(), ctypes.c_float()
    segments = []
    for index in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, index)
        pdfium_c.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        segments.append((x.value, y.value, kind, pdfium_c.FPDFPathSegment_GetClose(segment)))
    return [matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f], segments


def test_the_page_walk_reads_what_the_bindings_read() -> None:
    """`_api`'s object and path functions, given addresses, read the objects, types, bounds,
    matrices and segments pypdfium2's own bindings read, and `_path_edges` makes its edges
    from them (checked against pdfplumber's tables above)."""
    api = pdf_module._api()
    documents = [HUAIAN.read_bytes(), report_pdf(), *sim_attachments("pdf", 3)]
    paths = 0
    for data in documents:
        document = pdfium.PdfDocument(data)
        try:
            for index in range(len(document)):
                page = document[index]
                page_at = ctypes.cast(page.raw, ctypes.c_void_p).value
                for position in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
                    obj = pdfium_c.FPDFPage_GetObject(page.raw, position)
                    address = api.get_object(page_at, position)
                    assert address == ctypes.cast(obj, ctypes.c_void_p).value
                    kind = pdfium_c.FPDFPageObj_GetType(obj)
                    assert api.object_type(address) == kind
                    expected = [ctypes.c_float() for _ in range(4)]
                    found = [ctypes.c_float() for _ in range(4)]
                    pdfium_c.FPDFPageObj_GetBounds(obj, *map(ctypes.byref, expected))
                    api.object_bounds(address, *map(ctypes.addressof, found))
                    assert [v.value for v in found] == [v.value for v in expected]
                    if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
                        continue
                    matrix, segments = _path_points_through_the_bindings(obj)
                    mine = pdfium_c.FS_MATRIX()
                    api.object_matrix(address, ctypes.addressof(mine))
                    assert [mine.a, mine.b, mine.c, mine.d, mine.e, mine.f] == matrix
                    x, y = ctypes.c_float(), ctypes.c_float()
                    walked = []
                    for number in range(api.count_segments(address)):
                        segment = api.get_segment(address, number)
                        api.segment_point(segment, ctypes.addressof(x), ctypes.addressof(y))
                        kind = api.segment_type(segment)
                        walked.append((x.value, y.value, kind, api.segment_close(segment)))
                    assert walked == segments
                    paths += 1
                page.close()
        finally:
            document.close()
    assert paths > 50
