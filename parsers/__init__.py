"""Pure-Python normalization and extraction: a report's bytes in, one record (RECORD.md) out.

Imports neither Scrapy nor SQLAlchemy, so the crawler, the CLI and researchers' notebooks can
all use it.

    extract(data, name)             -> Extracted (text, format, encoding, hazards)
    parse_extracted(extracted, src) -> record dict
    parse_bytes(data, name, source) -> record dict (both steps)
"""

from __future__ import annotations

from parsers.errors import ExtractError, ExtractTimeout, ParseError
from parsers.extract import Extracted, extract
from parsers.fingerprint import simhash64, text_digest
from parsers.record import PARSER_VERSION, SCHEMA, parse_bytes, parse_extracted, parse_text

__all__ = [
    "PARSER_VERSION",
    "SCHEMA",
    "ExtractError",
    "ExtractTimeout",
    "Extracted",
    "ParseError",
    "extract",
    "parse_bytes",
    "parse_extracted",
    "parse_text",
    "simhash64",
    "text_digest",
]
