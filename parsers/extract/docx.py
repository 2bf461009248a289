"""DOCX attachments: paragraphs and tables in document order, merged cells written once.

The zip is checked before python-docx opens it: a zip bomb is refused from its declared sizes,
and every part is inflated in bounded steps, so a central directory that lies about sizes is
caught before zipfile inflates a part whole.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from parsers.errors import ExtractError
from parsers.extract import Extracted
from parsers.extract._inflate import inflated_size
from parsers.extract._layout import clean_cell, declared_title, format_row, join_wrapped

MAX_DOCX_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, per entry; real DOCX parts stay far below
MAX_ENTRIES = 5000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def extract_docx(data: bytes) -> Extracted:
    """Extract a DOCX's text in the package layout; raise ExtractError for unreadable files."""
    _check_zip(data)
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = _open_document(data)
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractError(f"not a readable Word document ({type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - lxml syntax errors, CRC errors while inflating…
        raise ExtractError(f"corrupt DOCX ({type(exc).__name__}: {str(exc)[:100]})") from None
    lines = list(_body_lines(document.element.body))
    title = declared_title(document.core_properties.title)
    return Extracted(text="\n".join(lines).strip(), format="docx", title=title)


# Styles parts already parsed, by their bytes: python-docx parses a package's styles part as
# it opens it (349 KB of XML in Word's template, which the simulated DOCX carry: 10 of the
# 26 ms of a simulated report), and extraction never reads it. At most 4 entries, ~4.3 MB
# each as a tree (the workers' address space is capped at 2 GB).
_PARSED_STYLES: dict[bytes, object] = {}
_PARSED_STYLES_MAX = 4


def _open_document(data: bytes):
    """`docx.Document(io.BytesIO(data))`, step by step as python-docx takes it, with a styles
    part whose bytes were parsed before given that parse's element instead of parsing them
    again (the same bytes parse to the same tree; nothing here changes it). A styles part
    not seen before is parsed as python-docx parses it, and so fails as it fails."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.package import Unmarshaller
    from docx.opc.pkgreader import PackageReader
    from docx.package import Package

    stream = io.BytesIO(data)
    package = Package()
    Unmarshaller.unmarshal(PackageReader.from_file(stream), package, _make_part)
    document_part = package.main_document_part
    if document_part.content_type != CT.WML_DOCUMENT_MAIN:
        raise ValueError(
            f"file '{stream}' is not a Word file, content type is '{document_part.content_type}'"
        )
    return document_part.document


def _make_part(partname, content_type: str, reltype: str, blob: bytes, package):
    """python-docx's `PartFactory`, remembering the parsed XML of styles parts."""
    from docx.opc import part as opc_part
    from docx.opc.constants import CONTENT_TYPE as CT

    factory = opc_part.PartFactory
    if content_type == CT.WML_STYLES and type(blob) is bytes:
        part_class = None  # chosen as PartFactory chooses it
        if factory.part_class_selector is not None:
            part_class = factory.part_class_selector(content_type, reltype)
        if part_class is None:
            part_class = factory._part_cls_for(content_type)
        if getattr(part_class.load, "__func__", None) is opc_part.XmlPart.load.__func__:
            element = _PARSED_STYLES.get(blob)
            if element is None:
                element = opc_part.parse_xml(blob)  # what XmlPart.load does
                if len(_PARSED_STYLES) >= _PARSED_STYLES_MAX:
                    _PARSED_STYLES.clear()
                _PARSED_STYLES[blob] = element
            return part_class(partname, content_type, element, package)
    return factory(partname, content_type, reltype, blob, package)


def _check_zip(data: bytes) -> None:
    if len(data) > MAX_DOCX_BYTES:
        raise ExtractError(f"DOCX too large ({len(data) // 2**20} MB)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ExtractError("corrupt or truncated DOCX (not a valid zip archive)") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ExtractError(f"DOCX has too many parts ({len(infos)})")
        total = sum(info.file_size for info in infos)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise ExtractError(
                f"DOCX expands to {total // 2**20} MB (> {MAX_UNCOMPRESSED_BYTES // 2**20} MB): "
                "refused as a possible zip bomb"
            )
        for info in infos:
            if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise ExtractError(
                    f"DOCX part {info.filename} compresses {info.file_size // max(info.compress_size, 1)}:1:"
                    " refused as a possible zip bomb"
                )
        _check_inflated(data, infos)
        names = {info.filename for info in infos}
        if "word/document.xml" not in names:
            if "EncryptedPackage" in names:
                raise ExtractError("encrypted Word document")
            raise ExtractError("not a Word document (zip has no word/document.xml)")


def _check_inflated(data: bytes, infos: list[zipfile.ZipInfo]) -> None:
    """Inflate each part in bounded steps: a central directory can lie about sizes, and
    zipfile inflates up to 2 GB in one call before it compares them."""
    total = 0
    for info in infos:
        if info.compress_type == zipfile.ZIP_STORED:
            continue
        if info.compress_type != zipfile.ZIP_DEFLATED:
            raise ExtractError(
                f"DOCX part {info.filename} uses compression method {info.compress_type}"
            )
        header = data[info.header_offset : info.header_offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise ExtractError("corrupt DOCX (a part's local header is missing)")
        start = info.header_offset + 30 + int.from_bytes(header[26:28], "little")
        start += int.from_bytes(header[28:30], "little")
        limit = min(info.file_size, MAX_UNCOMPRESSED_BYTES - total)
        size = inflated_size(data, start, limit, end=start + info.compress_size, wbits=-15)
        if size > limit:
            raise ExtractError(
                f"DOCX part {info.filename} inflates past its declared {info.file_size} bytes "
                f"(or the {MAX_UNCOMPRESSED_BYTES // 2**20} MB limit): refused as a possible zip bomb"
            )
        total += size


def _body_lines(body) -> Iterator[str]:
    """Yield one line per paragraph and per table row, in document order."""
    for child in _block_children(body):
        if child.tag == f"{_W}p":
            text = _paragraph_text(child).strip()
            if text:
                yield text
        elif child.tag == f"{_W}tbl":
            for row in _table_rows(child):
                line = format_row(row)
                if line:
                    yield line


def _block_children(element) -> Iterator:
    """Paragraphs and tables directly in a container, looking through content controls."""
    for child in element:
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag in (f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"):
            yield from _block_children(child)


_T, _TAB, _BR, _CR = f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"


def _paragraph_text(paragraph) -> str:
    """The paragraph's text, tabs and breaks in document order, leaving out what lies inside
    an mc:Fallback (see _inside_fallback). One walk over the paragraph's nodes comparing
    tags; a paragraph holding a Fallback (a text box) is read again with the ancestor test."""
    parts: list[str] = []
    for node in paragraph.iter():
        tag = node.tag
        if tag == _T:
            if node.text:
                parts.append(node.text)
        elif tag == _TAB:
            parts.append(" ")
        elif tag in (_BR, _CR):
            parts.append("\n")
        elif tag == _MC_FALLBACK:
            return _paragraph_text_with_fallbacks(paragraph)
    return "".join(parts)


def _paragraph_text_with_fallbacks(paragraph) -> str:
    parts: list[str] = []
    for node in paragraph.iter():
        if node.tag == _MC_FALLBACK:
            continue
        if _inside_fallback(node, paragraph):
            continue
        if node.tag == _T and node.text:
            parts.append(node.text)
        elif node.tag == _TAB:
            parts.append(" ")
        elif node.tag in (_BR, _CR):
            parts.append("\n")
    return "".join(parts)


def _inside_fallback(node, stop) -> bool:
    """Text boxes are stored twice (mc:Choice and mc:Fallback); read only the first copy."""
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag == _MC_FALLBACK:
            return True
        parent = parent.getparent()
    return False


def _table_rows(table) -> Iterator[list[str | None]]:
    """Each row's cells; a vertically merged continuation cell is None (written once, above)."""
    for row in table.iter(f"{_W}tr"):
        if _owning_table(row) is not table:
            continue  # a row of a nested table: its text is part of the enclosing cell
        cells: list[str | None] = []
        for cell in row.iterchildren(f"{_W}tc"):
            if _continues_merge(cell):
                cells.append(None)  # continues a merge (vMerge, or legacy hMerge): written once
                continue
            cells.append(clean_cell(_cell_text(cell)))
        yield cells


_TC_PR, _V_MERGE, _H_MERGE, _VAL = f"{_W}tcPr", f"{_W}vMerge", f"{_W}hMerge", f"{_W}val"


def _continues_merge(cell) -> bool:
    """Does the cell's first w:tcPr hold a w:vMerge or w:hMerge (the first of each) that is
    not a "restart"? Found by walking the children (lxml's `find` goes through ElementPath:
    ~6 µs a call, three a cell)."""
    props = next((child for child in cell if child.tag == _TC_PR), None)
    if props is None:
        return False
    vertical = horizontal = None
    for child in props:
        tag = child.tag
        if tag == _V_MERGE and vertical is None:
            vertical = child
        elif tag == _H_MERGE and horizontal is None:
            horizontal = child
    return any(
        merge is not None and merge.get(_VAL, "continue") != "restart"
        for merge in (vertical, horizontal)
    )


def _owning_table(row):
    parent = row.getparent()
    while parent is not None and parent.tag != f"{_W}tbl":
        parent = parent.getparent()
    return parent


def _cell_text(cell) -> str:
    parts: list[str] = []
    for block in _block_children(cell):
        if block.tag == f"{_W}p":
            parts.append(_paragraph_text(block))
        else:  # nested table: its rows, flattened into the cell
            parts.extend(format_row(row) or "" for row in _table_rows(block))
    return "\n".join(join_wrapped(part.splitlines()) for part in parts if part.strip())
