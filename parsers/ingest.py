"""The one ingest path: a fetched body → everything the archive keeps about it.

The crawl's pipeline (in a worker process) and `gov-reports reparse` both call `ingest`, so
format sniffing, the encoding decision, extraction, the text's identity and parsing happen
one way only. Scrapy-free and database-free, like the rest of `parsers`.

The fingerprint: `simhash` is the record's (parsers.record: over the normalized text, so a
traditional-script or pinyin-glossed mirror lands within a few bits of its original); the
archive stores the same value in `documents.simhash`. A text that yields no record (not a
report) has no fingerprint and takes no part in near-duplicate grouping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from parsers.encoding import decide_encoding
from parsers.errors import ParseError
from parsers.extract import BINARY_FORMATS, Extracted, extract, sniff_format
from parsers.fingerprint import text_digest
from parsers.record import parse_extracted


@dataclass(frozen=True)
class Ingested:
    format: str
    encoding: str | None  # None for binary formats
    encoding_source: str | None  # bom | header | meta | detected | fallback | given
    extracted: Extracted
    text_sha256: str
    doc_id: str
    simhash: str | None
    record: dict[str, Any] | None  # None when the text is no report (see parse_error)
    parse_error: str | None = None

    def with_source(self, source: dict[str, Any]) -> Ingested:
        """This result for another capture of the same bytes: only the record's provenance
        differs (completed with the encoding, as `ingest` does)."""
        if self.record is None:
            return self
        return replace(
            self, record={**self.record, "source": {**source, "encoding": self.encoding}}
        )

    def document_fields(self) -> dict[str, Any]:
        """What the archive's `documents` row holds (storage.repository.DocumentData)."""
        return {
            "text_sha256": self.text_sha256,
            "doc_id": self.doc_id,
            "text": self.extracted.text,
            "simhash": self.simhash,
            "format": self.extracted.format,
            "title": self.extracted.title,
        }


def file_name(url: str) -> str:
    """The last path segment of a URL, unquoted: what the format sniffer sees as the name."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def content_type_of(headers: Mapping[str, str] | None) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == "content-type":
            return value
    return None


def decide(body: bytes, url: str, content_type: str | None) -> tuple[str, str | None, str | None]:
    """(format, encoding, its source): the sniffer and the encoding decision, in that order."""
    fmt = sniff_format(body, file_name(url), content_type)
    if fmt in BINARY_FORMATS:
        return fmt, None, None
    encoding, source = decide_encoding(body, content_type)
    return fmt, encoding, source


def ingest(
    body: bytes,
    url: str,
    headers: Mapping[str, str] | None = None,
    content_type: str | None = None,
    *,
    source: dict[str, Any] | None = None,
    encoding: str | None = None,
) -> Ingested:
    """Extract, identify and parse one fetched body. `encoding`: a decision already made (a
    stored capture's); `source`: the record's provenance, completed with the encoding.
    Raise ParseError when no text can be extracted; a text that is no report is returned
    with `record` None and the reason in `parse_error`."""
    content_type = content_type or content_type_of(headers)
    if encoding is None:
        fmt, encoding, encoding_source = decide(body, url, content_type)
    else:
        fmt, encoding_source = sniff_format(body, file_name(url), content_type), "given"
    extracted = extract(body, file_name(url), encoding=encoding, content_type=content_type)
    encoding = encoding or extracted.encoding
    text_sha256, doc_id = text_digest(extracted.text)
    record: dict[str, Any] | None = None
    error = None
    try:
        provenance = {**source, "encoding": encoding} if source is not None else None
        record = parse_extracted(extracted, source=provenance)
    except ParseError as exc:
        error = str(exc)
    return Ingested(
        format=extracted.format or fmt,
        encoding=encoding,
        encoding_source=encoding_source,
        extracted=extracted,
        text_sha256=text_sha256,
        doc_id=doc_id,
        simhash=record.get("simhash") if record else None,
        record=record,
        parse_error=error,
    )
