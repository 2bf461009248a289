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
from parsers.extract._layout import join_wrapped

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
# An XML declaration naming an encoding makes lxml refuse a str: the text is already decoded.
_XML_DECLARATION = re.compile(r"^\ufeff?\s*<\?xml[^<>]*>")
# Control characters (other than tab/newline/CR) are not allowed in lxml's text input.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Every tag but the structural ones (tables, paragraphs, line breaks, dropped containers);
# `[^<>]*` stops at the next "<", so an unclosed tag costs no rescanning.
_KEEP_TAGS = "table|thead|tbody|tfoot|tr|td|th|p|br|html|head|body|title|script|style"
_FORMATTING_TAG = re.compile(rf"</?(?!(?:{_KEEP_TAGS})\b)([a-zA-Z][\w:-]*)[^<>]*>")
# Bytes that are control characters in UTF-8 and GB18030 text, and only those: neither codec
# writes any character with them but the control itself (a GB18030 or UTF-8 sequence's other
# bytes are 0x30 and above).
_CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32)])
_MAX_DEPTH = 256
_SPACES = re.compile(r"\s+")
_NUMERIC_CELL = re.compile(r"^[\s\d,.+\-−增减万元]*$")


def extract_html(data: bytes, encoding: str | None = None) -> Extracted:
    """`encoding`: the caller's decision (parsers.encoding); None decides it here."""
    text, used, replaced = decode(data, encoding)
    root = _parse(_XML_DECLARATION.sub("", _without_controls(text, data, used), count=1))
    title = _title(root)
    body = root.find("body")
    rendered = _lines(_render(body if body is not None else root))
    if not rendered:
        raise ParseError("HTML page has no text")
    hazards = frozenset({"mojibake"}) if replaced else frozenset()
    return Extracted(
        text=rendered,
        format="html",
        encoding=used,
        title=title,
        hazards=hazards,
        replaced=replaced,
    )


def _without_controls(text: str, data: bytes, used: str) -> str:
    """The text without _CONTROL_CHARS. Decoded from UTF-8 or GB18030, it holds a control
    character only if the bytes hold its byte: a pass in C over the bytes (deleting them)
    says whether the regex scan, a class test at every character, has anything to remove."""
    if (
        used in ("utf-8", "gb18030")
        and len(data.translate(None, _CONTROL_BYTES)) == len(data)
        and "\ufffe" not in text
        and "\uffff" not in text
    ):
        return text
    return _CONTROL_CHARS.sub("", text)


def _lines(rendered: str) -> str:
    """Each line stripped, a run of blank lines cut to one, the ends stripped.

    The lines joined, a regex replacing each run of three or more line breaks by two did the
    same (such a run is two or more blank lines), with a substitution per paragraph of the
    page: here a blank line is kept only after a line with text, in one list comprehension.
    """
    lines = list(map(str.strip, rendered.split("\n")))
    kept = [line for line, before in zip(lines, ["-", *lines], strict=False) if line or before]
    return "\n".join(kept).strip()


def _parse(text: str) -> etree._Element:
    """The page's tree. Markup nested deeper than libxml2's limit (256) would silently lose
    everything below it: such a page is read again with only structural tags kept, and
    refused with a reason if it is still too deep."""
    root = _parse_once(text)
    if root is None:
        root = _parse_once(_FORMATTING_TAG.sub(_flatten_tag, text))
        if root is None:
            raise ParseError(f"HTML nested deeper than {_MAX_DEPTH} levels: text unreachable")
    return root


def _parse_once(text: str) -> etree._Element | None:
    """The tree, or None when libxml2 stopped at its depth limit.

    A plain `etree.HTMLParser` builds the same tree as `lxml.html.document_fromstring`
    (lxml.html's parser is this one with a per-element Python class lookup, which cost more
    than parsing itself); only its "Document is empty" check is repeated here.
    """
    parser = etree.HTMLParser()
    try:
        root = etree.fromstring(text, parser)
        if root is None:
            raise etree.ParserError("Document is empty")
    except (etree.ParserError, ValueError):
        root = _soup_root(text)
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        return None
    return root


def _flatten_tag(match: re.Match[str]) -> str:
    return "<br>" if match.group(1).lower() in _BLOCK_TAGS else ""


def _soup_root(text: str) -> etree._Element:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    return lxml.html.document_fromstring(str(soup) or "<html></html>")


# An element's text with its descendants' (lxml.html's `text_content()`), for any element class.
_TEXT_CONTENT = etree.XPath("string()", smart_strings=False)


def _title(root: etree._Element) -> str | None:
    for element in root.iter("title"):
        title = (_TEXT_CONTENT(element) or "").strip()
        if title:
            return title
    return None


def _render(element: etree._Element) -> str:
    """The element's text and its tail, with a newline before and after each block and tables
    as rows (one line each, cells joined by " | ").

    libxslt walks the tree (in C; a walk in Python cost more than parsing the page): the
    stylesheet starts at the element alone (not at what stands beside the document's root),
    writes text nodes as they are, drops the _DROP_TAGS with their content (and comments,
    processing instructions), and puts a newline around each block. A table is written by
    `table_rows` first and stands in the tree as one element holding its rows.
    """
    for table in _outer_tables(element):
        rows = etree.Element("gov-reports-table-rows")
        rows.text = "\n" + "".join(row + "\n" for row in table_rows(table))
        rows.tail = table.tail
        table.getparent().replace(table, rows)  # type: ignore[union-attr]
    return str(_RENDER(element)) + (element.tail or "")


def _outer_tables(element: etree._Element) -> list[etree._Element]:
    """The tables the walk reaches: not inside another table (its rows hold those) nor inside
    a dropped element."""
    found = []
    for table in element.iter("table"):
        for ancestor in table.iterancestors():
            if ancestor is element:
                found.append(table)
                break
            if ancestor.tag == "table" or ancestor.tag in _DROP_TAGS:
                break
    return found


_RENDER = etree.XSLT(
    etree.XML(
        f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:template match="/"><xsl:apply-templates select="*[1]"/></xsl:template>
  <xsl:template match="{"|".join(sorted(_BLOCK_TAGS))}">
    <xsl:text>&#10;</xsl:text><xsl:apply-templates/><xsl:text>&#10;</xsl:text>
  </xsl:template>
  <xsl:template match="{"|".join(_DROP_TAGS)}"/>
</xsl:stylesheet>"""
    )
)


def _cell_text(cell: etree._Element) -> str:
    text = _TEXT_CONTENT(cell).replace("\xa0", " ")
    # Text wrapped inside a cell joins without spaces (CJK), but keep one between ASCII words
    # (and numbers: "236" over "0" is not 2360). (A cell on one line, most of them, is what
    # join_wrapped makes of it: the line stripped.)
    joined = join_wrapped(text.split("\n")) if "\n" in text else text.strip()
    return _SPACES.sub(" ", joined)


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
    value = cell.get(attribute)
    if value is None:
        return 1
    try:
        return max(1, min(int(value.strip() or 1), 100))
    except ValueError:
        return 1
