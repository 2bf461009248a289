"""Turn a document's bytes into text that the report reader understands.

Every extractor returns plain text in one layout: paragraphs one per line, and each table row
on one line with its cells joined by `" | "` (a blank cell is an empty string between two
separators; a merged cell is written once). The table reader also copes with the flattened
layouts seen in the wild, but this one is exact, so extractors that know the cells use it.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from parsers.errors import ExtractError, ParseError

# A report page is well under 1 MB; 20 MB leaves room for inline images. Attachments have
# their own limits (PDF 100 MB, DOCX and DOC 50 MB), and no input is read past the largest.
MAX_TEXT_BYTES = 20 * 1024 * 1024
MAX_INPUT_BYTES = 100 * 1024 * 1024


def read_input(path: str | Path) -> bytes:
    """A document's bytes from a regular file of at most MAX_INPUT_BYTES; anything else
    (a FIFO, /dev/zero, a directory, a larger file) is refused with a reason, unread."""
    info = Path(path).stat()
    if not stat.S_ISREG(info.st_mode):
        raise ParseError("not a regular file (a device, FIFO or directory): refused")
    with open(path, "rb") as handle:
        # Read what the file's size says and one byte more: asking for MAX_INPUT_BYTES + 1 at
        # once allocated a buffer of that size for every file (~70 us a small file). A file
        # longer than it said (growing, or a size the system does not know) is read on to the
        # limit, so the bytes read are the same.
        data = handle.read(min(info.st_size, MAX_INPUT_BYTES) + 1)
        if len(data) > info.st_size:
            data += handle.read(MAX_INPUT_BYTES + 1 - len(data))
    if len(data) > MAX_INPUT_BYTES:
        raise ParseError(f"file larger than {MAX_INPUT_BYTES // 2**20} MB: refused")
    return data


@dataclass(frozen=True)
class Extracted:
    """A document's text with what extraction learnt on the way."""

    text: str
    format: str  # "text" | "html" | "pdf" | "docx" | "doc"
    encoding: str | None = None  # the decision for text formats: declared or detected
    hazards: frozenset[str] = field(default_factory=frozenset)  # e.g. {"needs-ocr"}
    title: str | None = None  # a title the container declares (HTML <title>, PDF metadata)
    replaced: int = 0  # undecodable byte sequences shown as U+FFFD (text formats)


# Formats told by their first bytes (leading whitespace ignored); they are never decoded as text.
_MAGIC = ((b"%PDF", "pdf"), (b"PK\x03\x04", "docx"), (b"\xd0\xcf\x11\xe0", "doc"))  # doc: OLE2
BINARY_FORMATS = frozenset(fmt for _, fmt in _MAGIC)


def sniff_format(data: bytes, name: str = "", content_type: str | None = None) -> str:
    """The one format sniffer (crawl, reparse, `gov-reports parse`): the bytes first (a ".pdf"
    that is really HTML is HTML), then the name, then the content type."""
    head = data[:1024].lstrip()
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    head = head.lower()
    if (
        head.startswith((b"<!doctype html", b"<html", b"<?xml"))
        or b"<body" in head
        or b"<div" in head
    ):
        return "html"
    suffix = PurePath(name).suffix.lower()
    by_suffix = {
        ".htm": "html",
        ".html": "html",
        ".shtml": "html",
        ".jhtml": "html",
        ".pdf": "pdf",
        ".docx": "docx",
        ".doc": "doc",
        ".wps": "doc",
    }
    if suffix in by_suffix:
        return by_suffix[suffix]
    if content_type and "html" in content_type.lower():
        return "html"
    return "text"


def extract(
    data: bytes, name: str = "", *, encoding: str | None = None, content_type: str | None = None
) -> Extracted:
    """Extract text from a document of any supported format; raise ParseError with a reason."""
    if not data or not data.strip():
        raise ParseError("empty file")
    fmt = sniff_format(data, name, content_type)
    if fmt in ("html", "text") and len(data) > MAX_TEXT_BYTES:
        raise ParseError(
            f"{fmt} document larger than {MAX_TEXT_BYTES // 2**20} MB "
            f"({len(data) // 2**20} MB): refused"
        )
    if fmt == "html":
        from parsers.extract.html import extract_html

        return extract_html(data, encoding=encoding)
    if fmt == "text":
        from parsers.extract.text import extract_plain_text

        return extract_plain_text(data, encoding=encoding)
    if fmt == "pdf":
        from parsers.extract.pdf import extract_pdf

        return extract_pdf(data)
    if fmt == "docx":
        from parsers.extract.docx import extract_docx

        return extract_docx(data)
    if fmt == "doc":
        from parsers.extract.doc import extract_doc

        return extract_doc(data, name)
    raise ExtractError(f"unsupported format {fmt!r}")
