"""Plain-text files: UTF-8 (with or without BOM), else GB18030 (a superset of GBK/GB2312)."""

from __future__ import annotations

from parsers.errors import ParseError
from parsers.extract import Extracted

# Control bytes other than tab/newline/carriage return/form feed mark a binary file.
_BINARY_BYTES = bytes(range(9)) + bytes(range(14, 32))


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes to text; return (text, encoding used). Raise ParseError if none fits."""
    sample = data[:4096]
    binary = len(sample) - len(sample.translate(None, _BINARY_BYTES))  # one pass, in C
    if b"\x00" in sample or binary > len(sample) // 100:
        raise ParseError("binary file, not text")
    candidates = []
    if encoding:
        candidates.append(normalize_encoding_name(encoding))
    candidates += ["utf-8-sig", "gb18030"]
    for name in dict.fromkeys(candidates):
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    raise ParseError("undecodable text: neither UTF-8 nor GB18030")


def normalize_encoding_name(name: str) -> str:
    """GBK and GB2312 labels are decoded as GB18030, their superset, as browsers do."""
    lowered = name.strip().lower().replace("_", "-")
    if lowered in {"gbk", "gb2312", "gb-2312", "x-gbk", "cp936", "zh-cn", "euc-cn"}:
        return "gb18030"
    if lowered in {"utf8", "utf-8"}:
        return "utf-8"
    return lowered


def extract_plain_text(data: bytes, encoding: str | None = None) -> Extracted:
    text, used = decode_text(data, encoding)
    return Extracted(text=text, format="text", encoding=used)
