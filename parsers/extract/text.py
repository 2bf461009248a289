"""Plain-text files, decoded by the one encoding decision (parsers.encoding)."""

from __future__ import annotations

from parsers.encoding import decode
from parsers.extract import Extracted


def extract_plain_text(data: bytes, encoding: str | None = None) -> Extracted:
    text, used = decode(data, encoding)
    return Extracted(text=text, format="text", encoding=used)
