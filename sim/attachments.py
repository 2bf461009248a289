"""PDF (reportlab) and DOCX (python-docx) renderings of a report document.

These are slow next to HTML (tens of milliseconds), so the web caches them in a bounded LRU.

The PDFs embed a subset of a TrueType CJK font, as real reports do (Word's "save as PDF"
embeds subsets of 宋体, 仿宋_GB2312, 黑体…; the Huaian report in ../shared/samples embeds
nine): WenQuanYi Micro Hei, from Debian's `fonts-wqy-microhei` (the Makefile installs it).
Without it they fall back to reportlab's `STSong-Light`, a CID font that is not embedded, so
that the reader substitutes one: the same text, but about twice the extraction time a page
(PDFium measures every glyph of the substitute; docs/benchmarks.md, "Ninth round").
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sim.document import Document, Grid

if TYPE_CHECKING:  # reportlab loads on the first PDF, not at start-up
    from reportlab.lib.styles import ParagraphStyle

# The embedded font, if installed, else the CID font every reportlab has.
TRUETYPE_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CID_FONT = "STSong-Light"
# reportlab stamps creation dates and random document ids unless told not to.
_PDF_FIXED = {"invariant": 1}


@lru_cache(maxsize=1)
def pdf_font() -> str:
    """The registered font the PDFs are set in (see the module's docstring)."""
    from reportlab.pdfbase import pdfmetrics

    if TRUETYPE_FONT.is_file():
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont("WenQuanYiMicroHei", str(TRUETYPE_FONT), subfontIndex=0))
        return "WenQuanYiMicroHei"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


@lru_cache(maxsize=1)
def _pdf_styles() -> dict[str, ParagraphStyle]:
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=pdf_font(), fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=24, alignment=1),
        "byline": ParagraphStyle("byline", parent=body, alignment=1),
        "h": ParagraphStyle("h", parent=body, fontSize=12, leading=20, spaceBefore=6),
        "p": ParagraphStyle("p", parent=body, firstLineIndent=21),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7, leading=9, alignment=1),
    }


def _span_layout(grid: Grid) -> tuple[list[list[object]], list[tuple[int, int, int, int]], int]:
    """Place spanned cells on a dense matrix: (matrix of texts or None, spans, column count)."""
    width = sum(c.colspan for c in grid[0])
    matrix: list[list[object]] = [[""] * width for _ in grid]
    taken = [[False] * width for _ in grid]
    spans = []
    for r, row in enumerate(grid):
        col = 0
        for cell in row:
            while col < width and taken[r][col]:
                col += 1
            if col >= width:
                break
            matrix[r][col] = cell.text
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    if r + dr < len(grid) and col + dc < width:
                        taken[r + dr][col + dc] = True
            if cell.rowspan > 1 or cell.colspan > 1:
                spans.append((col, r, col + cell.colspan - 1, r + cell.rowspan - 1))
            col += cell.colspan
    return matrix, spans, width


def render_pdf(doc: Document) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = _pdf_styles()
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=doc.title, **_PDF_FIXED
    )
    flow: list[object] = [
        Paragraph(doc.title, styles["title"]),
        Paragraph(doc.byline, styles["byline"]),
    ]
    usable = A4[0] - 36 * mm
    for kind, value in doc.blocks:
        if isinstance(value, str):
            flow.append(Paragraph(value, styles[kind]))
            continue
        matrix, spans, width = _span_layout(value)
        cells = [
            [Paragraph(str(t).replace("\n", "<br/>"), styles["cell"]) if t else "" for t in row]
            for row in matrix
        ]
        if width == 10:  # table 三: wide label columns, narrow number columns
            widths = [usable * 0.09, usable * 0.12, usable * 0.2] + [usable * 0.59 / 7] * 7
        else:
            widths = [usable / width] * width
        table = Table(cells, colWidths=widths, repeatRows=0)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("FONTNAME", (0, 0), (-1, -1), pdf_font()),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        style += [("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in spans]
        table.setStyle(TableStyle(style))
        flow.append(table)
    pdf.build(flow)
    return buf.getvalue()


def render_docx(doc: Document) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    out = docx.Document()
    # python-docx stamps the current time into core properties; pin them for determinism.
    props = out.core_properties
    fixed = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    props.created = props.modified = fixed
    props.last_printed = fixed
    props.title = doc.title
    props.author = ""
    props.last_modified_by = ""
    props.revision = 1
    title = out.add_paragraph(doc.title)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    out.add_paragraph(doc.byline).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _kind, value in doc.blocks:
        if isinstance(value, str):
            out.add_paragraph(value)
            continue
        matrix, spans, width = _span_layout(value)
        table = out.add_table(rows=len(matrix), cols=width)
        table.style = "Table Grid"
        # Row-by-row access: table.cell() recomputes the whole grid on every call.
        for row_cells, row in zip((r.cells for r in table.rows), matrix, strict=True):
            for cell, text in zip(row_cells, row, strict=True):
                if text:
                    cell.text = str(text)
        for c0, r0, c1, r1 in spans:
            merged = table.cell(r0, c0).merge(table.cell(r1, c1))
            merged.text = str(matrix[r0][c0])
    buf = io.BytesIO()
    out.save(buf)
    return _pin_zip_times(buf.getvalue())


def _pin_zip_times(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps so equal documents give equal bytes."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            pinned.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(pinned, src.read(info.filename))
    return buf.getvalue()
