"""Decompression bombs, built in constant memory, for the hostile-file tests and server."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

_MB = 1024 * 1024
BASE_DOCX = Path(__file__).parent / "fixtures" / "attachments" / "annual-report-template-2021.docx"


def _deflate(size: int, wbits: int = zlib.MAX_WBITS) -> bytes:
    """`size` bytes of spaces, deflated (about 1000:1), without holding them."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b" " * _MB
    parts = [compressor.compress(block) for _ in range(size // _MB)]
    return b"".join(parts) + compressor.flush()


def pdf_bomb(inflated: int) -> bytes:
    """A one-page PDF whose content stream inflates to `inflated` bytes."""
    stream = _deflate(inflated)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def docx_bomb(inflated: int, declared: int = 1000) -> bytes:
    """The fixture DOCX with a word/document.xml that inflates to `inflated` bytes while the
    central directory declares `declared`."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(BASE_DOCX) as base,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for item in base.infolist():
            if item.filename != "word/document.xml":
                archive.writestr(item, base.read(item))
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            block = b" " * _MB
            for _ in range(inflated // _MB):
                member.write(block)
    data = bytearray(out.getvalue())
    # Rewrite the central directory's uncompressed size of the part (zip64 extra field too).
    name = b"word/document.xml"
    central = at = data.find(b"PK\x01\x02", 0)
    while at != -1:
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name:
            central = at
            break
        at = data.find(b"PK\x01\x02", at + 4)
    extra_at = central + 46 + len(name)
    extra_len = int.from_bytes(data[central + 30 : central + 32], "little")
    extra = data[extra_at : extra_at + extra_len]
    if extra[:2] == b"\x01\x00":  # zip64: uncompressed size comes first
        data[extra_at + 4 : extra_at + 12] = declared.to_bytes(8, "little")
    else:
        data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    return bytes(data)
