"""Decompression bombs, built in constant memory, for the hostile-file tests and server."""

from __future__ import annotations

import base64
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
    return pdf_with_content(_deflate(inflated), b"/FlateDecode")


def wrapped_pdf_bomb(inflated: int, wrapper: str) -> bytes:
    """The Flate bomb with its data wrapped in ASCII85 or hex, which an inflater reading the
    stream as it lies does not recognise, or one whose expanding filter is RunLength or LZW."""
    if wrapper == "ascii85":
        data = base64.a85encode(_deflate(inflated), adobe=True)[2:]  # no "<~", ends with "~>"
        return pdf_with_content(data, b"[/ASCII85Decode /FlateDecode]")
    if wrapper == "hex":
        return pdf_with_content(_deflate(inflated).hex().encode() + b">", b"[/AHx /Fl]")
    if wrapper == "runlength":  # 2 bytes for 128 spaces, the most RunLength can expand
        return pdf_with_content(b"\x81 " * (inflated // 128) + b"\x80", b"/RunLengthDecode")
    if wrapper == "lzw":
        return pdf_with_content(lzw_run(inflated), b"/LZWDecode")
    raise ValueError(wrapper)


def pdf_with_content(
    stream: bytes, filters: bytes, parms: bytes = b"", *, length: str = "direct"
) -> bytes:
    """A one-page PDF whose content stream is `stream`, decoded through `filters`. Its
    /Length is `direct`, `indirect` (object 5, an integer) or `unresolved` (object 5 0 R,
    which the file does not hold as a plain object, as when it sits in an object stream)."""
    size = b"%d" % len(stream) if length == "direct" else b"5 0 R"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %s /Filter %s%s >>\nstream\n" % (size, filters, parms)
        + stream
        + b"\nendstream",
    ]
    if length == "indirect":
        objects.append(b"%d" % len(stream))
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


class _LzwCodes:
    """PDF's LZW code stream (9 to 12-bit codes, most significant bit first, 256 clears the
    table, 257 ends the data). Codes widen when the *decoder's* table, one entry behind the
    encoder's, reaches the width's limit (one entry earlier with EarlyChange 1, the default)."""

    def __init__(self, early_change: bool) -> None:
        self.early = 1 if early_change else 0
        self.bits: list[str] = []
        self.width, self.decoder_size, self.emitted = 9, 258, 0

    def emit(self, code: int) -> None:
        self.bits.append(format(code, f"0{self.width}b"))
        if self.emitted and code != 256:
            self.decoder_size += 1  # the decoder adds an entry for every code but the first
        self.emitted += 1
        if code == 256:
            self.width, self.decoder_size, self.emitted = 9, 258, 0
        elif self.decoder_size + self.early >= 1 << self.width and self.width < 12:
            self.width += 1

    def packed(self) -> bytes:
        self.emit(257)
        joined = "".join(self.bits)
        joined += "0" * (-len(joined) % 8)
        return int(joined, 2).to_bytes(len(joined) // 8, "big")


def lzw_encode(data: bytes, *, early_change: bool = True) -> bytes:
    """`data` LZW-encoded as a PDF writer would."""
    codes = _LzwCodes(early_change)
    codes.emit(256)
    table = _lzw_table()
    word = b""
    for byte in data:
        longer = word + bytes((byte,))
        if longer in table:
            word = longer
            continue
        codes.emit(table[word])
        table[longer] = len(table) + 2  # codes 256 and 257 are not strings
        if len(table) + 2 >= 4093:  # keep the decoder's table under 4,096 entries
            codes.emit(256)
            table = _lzw_table()
        word = bytes((byte,))
    if word:
        codes.emit(table[word])
    return codes.packed()


def _lzw_table() -> dict[bytes, int]:
    return {bytes((c,)): c for c in range(256)}


def lzw_run(size: int) -> bytes:
    """`size` spaces LZW-encoded without building them: after a clear an encoder emits the
    space (32) and then 258, 259, … for runs of 2, 3, … spaces (~1,300:1)."""
    codes = _LzwCodes(early_change=True)
    while size:
        codes.emit(256)
        run = 1
        while run <= size and run < 3800:
            codes.emit(32 if run == 1 else 256 + run)
            size -= run
            run += 1
    return codes.packed()


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
