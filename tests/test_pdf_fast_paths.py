"""The PDFium path's shortcuts give what pdfplumber's own code gives.

`pdf._intersections_to_cells` replaces pdfplumber's `intersections_to_cells` (same cells,
same order) and `pdf._find_tables` replaces `TableFinder(page).tables`; both are checked
against pdfplumber on the ruling lines of real pages (the Huaian report, a drawn report)
and on random grids with merged cells.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pdfplumber.table import TableFinder, edges_to_intersections, intersections_to_cells

from parsers.extract import pdf as pdf_module
from tests.samples import report_pdf

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
                    edges.extend(pdf_module._path_edges(obj, height))
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
