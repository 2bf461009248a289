"""Legacy Word (.doc) and WPS (.wps) attachments, both OLE2 compound files, via antiword.

antiword (Debian package `antiword`) is light and maintained in Debian; its DocBook output
(`-x db`) keeps tables as rows and cells, which become lines in the package layout. It runs
in a subprocess with a timeout, on a temporary copy of the bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePath

from parsers.errors import ExtractError
from parsers.extract import Extracted
from parsers.extract._layout import clean_cell, format_row, join_wrapped

ANTIWORD = "antiword"
MAX_DOC_BYTES = 50 * 1024 * 1024
TIMEOUT_SECONDS = 30.0
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_TAGS = {"para", "title", "simpara", "literallayout"}


def extract_doc(data: bytes, name: str = "") -> Extracted:
    """Extract a .doc/.wps file's text in the package layout; raise ExtractError on failure."""
    if len(data) > MAX_DOC_BYTES:
        raise ExtractError(f"document too large ({len(data) // 2**20} MB)")
    if not data.startswith(_OLE2_MAGIC):
        head = data[:512].lstrip().lower()
        if head.startswith(b"{\\rtf"):
            raise ExtractError("an RTF file named .doc: RTF is not supported")
        if head.startswith(b"mime-version:") or b"multipart/related" in head:
            raise ExtractError("a web archive (MHT) named .doc: MHT is not supported")
        raise ExtractError("not an OLE2 Word/WPS document")
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise ExtractError("encrypted Office document (a password is required to open it)")
    xml = _run_antiword(data, PurePath(name).suffix.lower() or ".doc")
    lines, title = _docbook_lines(xml)
    return Extracted(text="\n".join(lines).strip(), format="doc", title=title)


def antiword_available() -> bool:
    return shutil.which(ANTIWORD) is not None


def _run_antiword(data: bytes, suffix: str) -> bytes:
    tool = shutil.which(ANTIWORD)
    if tool is None:
        raise ExtractError("antiword not installed: apt-get install antiword")
    with tempfile.TemporaryDirectory(prefix="gov-reports-doc-") as tmp:
        path = Path(tmp) / f"attachment{suffix if suffix in ('.doc', '.wps') else '.doc'}"
        path.write_bytes(data)
        try:
            done = subprocess.run(
                [tool, "-x", "db", str(path)],
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": tmp},
            )
        except subprocess.TimeoutExpired:
            raise ExtractError(f"antiword took longer than {TIMEOUT_SECONDS:.0f} s") from None
    if done.returncode != 0 or not done.stdout.strip():
        message = done.stderr.decode("utf-8", "replace").strip().replace(str(path), "file")
        first = message.splitlines()[0] if message else f"exit status {done.returncode}"
        if "encrypt" in message.lower():
            raise ExtractError("encrypted Word document (a password is required to open it)")
        raise ExtractError(f"antiword could not read it: {first}")
    return done.stdout


def _docbook_lines(xml: bytes) -> tuple[list[str], str | None]:
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, recover=True, huge_tree=False
    )
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise ExtractError(f"antiword output unreadable ({exc})") from None
    if root is None:
        raise ExtractError("antiword produced no text")
    title = None
    info_title = root.find("bookinfo/title")
    if info_title is not None:
        title = " ".join("".join(info_title.itertext()).split()) or None
    return list(_walk(root)), title


def _walk(element) -> Iterator[str]:
    """Paragraph text one per line, each table row as one line, in document order."""
    for child in element:
        if not isinstance(child.tag, str) or child.tag == "bookinfo":
            continue
        if child.tag == "row":
            cells = [clean_cell("".join(entry.itertext())) for entry in child.iter("entry")]
            line = format_row(cells)
            if line:
                yield line
        elif child.tag in _TEXT_TAGS and child.find(".//row") is None:
            text = join_wrapped("".join(child.itertext()).splitlines())
            if text:
                yield text
        else:
            yield from _walk(child)
