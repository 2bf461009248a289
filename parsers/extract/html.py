"""HTML pages: the article text, with tables written one row per line, cells joined by " | ".

Rowspan label cells are repeated on the rows they span (a row's labels then read naturally);
colspan cells and spanning number cells are written once, so no number is ever duplicated.
Broken markup is handed to lxml's forgiving HTML parser; BeautifulSoup is the fallback.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from parsers.encoding import decode
from parsers.errors import ParseError
from parsers.extract import Extracted

_DROP_TAGS = ("script", "style", "noscript", "iframe", "select", "button", "form", "head")
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "tr",
        "table",
        "dd",
        "dt",
        "dl",
        "blockquote",
        "pre",
        "center",
        "hr",
    ]
)
_NUMERIC_CELL = re.compile(r"^[\s\d,.+\-−增减万元]*$")


def extract_html(data: bytes, encoding: str | None = None) -> Extracted:
    """`encoding`: the caller's decision (parsers.encoding); None decides it here."""
    text, used = decode(data, encoding)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        root = _soup_root(text)
    title = _title(root)
    body = root.find("body")
    lines: list[str] = []
    _render(body if body is not None else root, lines)
    rendered = "\n".join(line.strip() for line in "".join(lines).split("\n"))
    rendered = re.sub(r"\n{3,}", "\n\n", rendered).strip()
    if not rendered:
        raise ParseError("HTML page has no text")
    return Extracted(text=rendered, format="html", encoding=used, title=title)


def _soup_root(text: str) -> etree._Element:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    return lxml.html.document_fromstring(str(soup) or "<html></html>")


def _title(root: etree._Element) -> str | None:
    for element in root.iter("title"):
        title = (element.text_content() or "").strip()
        if title:
            return title
    return None


def _render(element: etree._Element, out: list[str]) -> None:
    """Append the element's text to `out`, with newlines around blocks and tables as rows."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _DROP_TAGS or not isinstance(element.tag, str):
        if element.tail:
            out.append(element.tail)
        return
    if tag == "table":
        out.append("\n")
        out.extend(row + "\n" for row in table_rows(element))
        if element.tail:
            out.append(element.tail)
        return
    if tag in _BLOCK_TAGS:
        out.append("\n")
    if element.text:
        out.append(element.text)
    for child in element:
        _render(child, out)
    if tag in _BLOCK_TAGS:
        out.append("\n")
    if element.tail:
        out.append(element.tail)


def _cell_text(cell: etree._Element) -> str:
    text = cell.text_content().replace("\xa0", " ")
    # Text wrapped inside a cell joins without spaces (CJK), but keep one between ASCII words.
    text = re.sub(r"\s*\n\s*", "", text.strip())
    return re.sub(r"\s+", " ", text)


def table_rows(table: etree._Element) -> list[str]:
    """Render a table's rows, resolving rowspan so each row carries its own labels."""
    rows: list[str] = []
    pending: dict[int, tuple[str, int]] = {}  # column -> (label text, rows still spanned)
    for tr in table.iter("tr"):
        if _nearest_table(tr) is not table:
            continue  # a nested table's rows belong to that table
        cells: list[str] = []
        column = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while column in pending:
                column = _take_pending(pending, column, cells)
            text = _cell_text(td)
            rowspan = _span(td, "rowspan")
            colspan = _span(td, "colspan")
            cells.append(text)
            if rowspan > 1 and text and not _NUMERIC_CELL.match(text):
                for offset in range(colspan):
                    pending[column + offset] = (text if offset == 0 else "", rowspan - 1)
            column += colspan
        while pending and column <= max(pending):
            column = _take_pending(pending, column, cells) if column in pending else column + 1
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def _take_pending(pending: dict[int, tuple[str, int]], column: int, cells: list[str]) -> int:
    text, left = pending[column]
    if text:
        cells.append(text)
    if left <= 1:
        del pending[column]
    else:
        pending[column] = (text, left - 1)
    return column + 1


def _nearest_table(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _span(cell: etree._Element, attribute: str) -> int:
    if attribute not in cell.attrib:
        return 1
    try:
        return max(1, min(int(cell.get(attribute, "1").strip() or 1), 100))
    except ValueError:
        return 1
