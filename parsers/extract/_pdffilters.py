"""What a PDF stream decodes to through its whole filter chain, counted in bounded memory.

A text reader decodes a content stream through every filter its dictionary names, in order
(`/Filter [/ASCII85Decode /FlateDecode]`). A bomb need not be plain Flate: Flate data wrapped
in ASCII85 or hex looks like text to an inflater, and RunLength (up to 64:1) and LZW (over
1,000:1) expand on their own. So the chain is followed here the way the readers follow it.
The text encodings (ASCIIHex, ASCII85) only shrink their input and are decoded whole; every
expanding filter stops once its output passes the limit, and the last one in the chain only
counts. Image codecs (DCT, JPX, CCITT, JBIG2) end the chain: text extraction never decodes
their pixels.
"""

from __future__ import annotations

import binascii
import re
import zlib
from collections.abc import Callable

from parsers.extract._inflate import inflated_size

# Full names and the abbreviations inline images use (PDF 32000-1, tables 6 and 94).
_FLATE = frozenset({"FlateDecode", "Fl"})
_ASCII_HEX = frozenset({"ASCIIHexDecode", "AHx"})
_ASCII_85 = frozenset({"ASCII85Decode", "A85"})
_LZW = frozenset({"LZWDecode", "LZW"})
_RUN_LENGTH = frozenset({"RunLengthDecode", "RL"})
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_NOT_HEX = re.compile(rb"[^0-9A-Fa-f]")
_EARLY_CHANGE_0 = re.compile(rb"/EarlyChange\s+0(?![0-9])")
# A stream's length: direct ("/Length 345") or the object it points at ("/Length 12 0 R").
# Numbers of up to 20 digits: a longer one is no length, and int() refuses over 4,300 digits.
_LENGTH = re.compile(rb"/Length\s+(\d{1,20})(?:\s+(\d{1,20})\s+R)?(?![0-9])")
# An object that is a bare integer ("12 0 obj 345 endobj"), found from "obj" (a literal
# first: a fast search), then its number and generation in the bytes just before it.
_INTEGER_OBJECT = re.compile(rb"obj\s*(\d{1,20})\s*endobj")
_OBJECT_NUMBER = re.compile(rb"(?<![0-9])(\d+)\s+(\d+)\s+$")
# Where a text encoding's data ends, whatever follows (PDF 32000-1, 7.4.2 and 7.4.3).
_END_MARKS = dict.fromkeys(_ASCII_HEX, b">") | dict.fromkeys(_ASCII_85, b"~>")
Sink = Callable[[bytes], object] | None  # where a decoder writes its output (None: counts only)


def filter_chain(dictionary: bytes) -> list[str]:
    """The filters a stream dictionary names, in the order they are applied."""
    match = _FILTER.search(dictionary)
    return [name.decode() for name in _NAME.findall(match.group(1))] if match else []


class IndirectLengths:
    """A document's bare-integer objects by (number, generation): the values an indirect
    /Length names. Read on first use, once per document (a later definition wins, as in an
    incrementally updated file)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._values: dict[tuple[int, int], int] | None = None

    def get(self, number: int, generation: int) -> int | None:
        if self._values is None:
            self._values = {}
            for match in _INTEGER_OBJECT.finditer(self._data):
                name = _OBJECT_NUMBER.search(self._data, max(0, match.start() - 40), match.start())
                if name:
                    key = (int(name.group(1)), int(name.group(2)))
                    self._values[key] = int(match.group(1))
        return self._values.get((number, generation))


def decoded_size(
    data: bytes,
    start: int,
    dictionary: bytes,
    limit: int,
    lengths: IndirectLengths | None = None,
) -> int:
    """Bytes the stream whose data begins at `data[start]` decodes to through the filters
    its `dictionary` names; counting stops soon after `limit` is passed. Damaged data counts
    what decoded before the damage (the readers then decide on it). `lengths` resolves an
    indirect /Length (without it, such a stream is read as one whose length is unknown)."""
    filters = filter_chain(dictionary)
    if not filters:
        return 0
    # The Flate layers ending the chain are counted through at once, without their output.
    head = len(filters)
    while head and filters[head - 1] in _FLATE:
        head -= 1
    source, offset = data, start  # the common case, Flate alone: read in place to its end
    if head:
        # A view, not a copy: a stream of unknown length is read to the end of the file.
        end = _stream_end(data, start, dictionary, lengths, filters[0])
        source, offset = memoryview(data)[start:end], 0
        early_change = not _EARLY_CHANGE_0.search(dictionary)
        for position, name in enumerate(filters[:head]):
            sink = None if position == len(filters) - 1 else bytearray()
            if name in _FLATE:
                source = _inflate(source, limit)
            elif name in _ASCII_HEX:
                source = _ascii_hex(bytes(source))
            elif name in _ASCII_85:
                source = _ascii_85(bytes(source))
            elif name in _LZW or name in _RUN_LENGTH:
                write = None if sink is None else sink.extend
                size = (
                    _lzw(source, limit, write, early_change)
                    if name in _LZW
                    else _run_length(source, limit, write)
                )
                if sink is None:  # the last filter: counted, not kept
                    return size
                source = bytes(sink)
            else:  # an image codec, or a filter no reader knows: nothing more is decoded
                return len(source)
            if len(source) > limit:
                return len(source)
    if head == len(filters):
        return len(source)
    return inflated_size(source, offset, limit, layers=min(len(filters) - head, 4))


def _stream_end(
    data: bytes, start: int, dictionary: bytes, lengths: IndirectLengths | None, first: str
) -> int:
    """Where the stream's data ends for the reader that reads the most of it: its /Length
    (direct, or the integer object it points at) when that fits in the file; the next
    `endstream` when /Length is missing or wrong (as the readers do then).

    An indirect /Length not found as a plain object (it may sit in a compressed object
    stream) is one the readers resolve and may read past an "endstream" inside the data
    (pdfminer did, decoding 200 MB). So the check reads such a stream to the first filter's
    own end-of-data mark: the text encodings' terminator, or the end of the file for the
    decoders that stop at their own end code (RunLength 128, LZW 257, Flate's last block)."""
    length = _LENGTH.search(dictionary)
    size: int | None = None
    if length and length.group(2) is None:
        size = int(length.group(1))
    elif length:
        size = lengths.get(int(length.group(1)), int(length.group(2))) if lengths else None
        if size is None:
            mark = _END_MARKS.get(first)
            found = data.find(mark, start) if mark else -1
            return len(data) if found < 0 else found + len(mark or b"")
    if size is not None and start + size <= len(data):
        return start + size
    end = data.find(b"endstream", start)
    return len(data) if end < 0 else end


def _inflate(data: bytes | memoryview, limit: int) -> bytes:
    """Flate output up to just past `limit` (a middle layer, whose output the next reads)."""
    inflater = zlib.decompressobj()
    try:
        return inflater.decompress(data, limit + 1)
    except zlib.error:
        return b""


def _ascii_hex(data: bytes) -> bytes:
    body = _NOT_HEX.sub(b"", data.split(b">", 1)[0])
    if len(body) % 2:
        body += b"0"  # an odd final digit stands for its pair with 0 (PDF 32000-1, 7.4.2)
    return binascii.unhexlify(body)


_A85_IGNORED = b" \t\n\r\x0b\x0c\x00"
_A85_DIGITS_AND_Z = bytes(range(ord("!"), ord("u") + 1)) + b"z"


def _ascii_85(data: bytes) -> bytes:
    body = data.split(b"~>", 1)[0].strip()
    if body.startswith(b"<~"):
        body = body[2:]
    try:
        return a85decode(body)
    except ValueError:
        return b""  # damaged: the reader decides; nothing to count


def a85decode(body: bytes) -> bytes:
    """`base64.a85decode(body, ignorechars=_A85_IGNORED)`, the same bytes or a ValueError
    for the same inputs, with the 5-digit groups decoded by numpy instead of one Python
    loop step a byte (a simulated report's content streams are ASCII85: ~1 ms a PDF).

    As there: the ignored bytes are dropped, "z" stands for four zero bytes between groups
    (inside a group it is an error), a group over 2**32 - 1 is an error (the padded last
    one too), and a last group of k < 5 digits is padded with "u" and gives k - 1 bytes."""
    import numpy

    digits = body.translate(None, _A85_IGNORED)
    if digits.translate(None, _A85_DIGITS_AND_Z):
        raise ValueError("Non-Ascii85 digit found")
    runs = digits.split(b"z")
    out: list[bytes] = []
    for position, run in enumerate(runs):
        if position:
            out.append(b"\0\0\0\0")
        cut = 0
        if len(run) % 5:
            if position < len(runs) - 1:
                raise ValueError("z inside Ascii85 5-tuple")
            cut = 5 - len(run) % 5
            run += b"u" * cut
        if not run:
            continue
        groups = numpy.frombuffer(run, dtype=numpy.uint8).reshape(-1, 5).astype(numpy.uint64)
        groups -= 33
        values = groups[:, 0]
        for column in range(1, 5):
            values = values * 85 + groups[:, column]
        if values.max() > 0xFFFFFFFF:
            raise ValueError("Ascii85 overflow")
        decoded = values.astype(">u4").tobytes()
        out.append(decoded[: len(decoded) - cut])
    return b"".join(out)


def _run_length(data: bytes | memoryview, limit: int, sink: Sink) -> int:
    """RunLengthDecode: a length byte n, then n + 1 literal bytes (n < 128) or one byte
    repeated 257 - n times (n > 128); 128 ends the data."""
    size, at, end = 0, 0, len(data)
    while at < end and size <= limit:
        n = data[at]
        if n == 128:
            break
        if n < 128:
            piece = data[at + 1 : at + n + 2]
            at += n + 2
        else:
            if at + 1 == end:
                break  # a repeat without its byte: nothing more decodes
            piece = bytes((data[at + 1],)) * (257 - n)  # (data may be a view: no repeat)
            at += 2
        size += len(piece)
        if sink is not None:
            sink(piece)
    return size


def _lzw(data: bytes | memoryview, limit: int, sink: Sink, early_change: bool = True) -> int:
    """LZWDecode with PDF's conventions (9 to 12-bit codes, most significant bit first, 256
    clears the table, 257 ends the data). Without a sink only the strings' lengths are kept,
    so counting a bomb holds a 4,096-entry table of numbers."""
    strings: list[bytes] = [bytes((c,)) for c in range(256)] + [b"", b""]
    lengths: list[int] = [1] * 256 + [0, 0]
    early = 1 if early_change else 0
    width, buffer, held, previous, size = 9, 0, 0, -1, 0
    for byte in data:
        buffer = (buffer << 8) | byte
        held += 8
        while held >= width:
            held -= width
            code = (buffer >> held) & ((1 << width) - 1)
            buffer &= (1 << held) - 1
            if code == 256:
                del strings[258:], lengths[258:]
                width, previous = 9, -1
                continue
            if code == 257 or code > len(lengths) or (code == len(lengths) and previous < 0):
                return size  # the end, or damage: what decoded so far
            if previous >= 0 and len(lengths) < 4096:
                lengths.append(lengths[previous] + 1)
                if sink is not None:
                    head = strings[code][:1] if code < len(strings) else strings[previous][:1]
                    strings.append(strings[previous] + head)
            size += lengths[code]
            if sink is not None:
                sink(strings[code])
            if size > limit:
                return size
            previous = code
            if len(lengths) + early >= (1 << width) and width < 12:
                width += 1
    return size
