"""The WARC archive: write request/response pairs (WARC/1.1, gzip per record), read them back.

Every stored record can be found again by (file, offset): `read_response(path, offset)` opens
the file, seeks and parses one record with warcio, so `verify`, `reparse` and researchers can
replay the original bytes of any page or attachment.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import responses as http_reasons
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DEFAULT_MAX_FILE_SIZE = 1 << 30  # roll over to a new file after 1 GiB
REVISIT_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
REVISIT_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


class ArchiveCorrupt(Exception):
    """A WARC record the database points to is missing, unreadable or does not match."""


@dataclass(frozen=True)
class WarcRef:
    """Where a response record lives and what its payload hashes to."""

    warc_file: str  # file name, relative to the archive directory
    offset: int
    record_id: str
    payload_sha256: str
    length: int


@dataclass(frozen=True)
class StoredResponse:
    """One response record read back from a WARC file."""

    url: str
    record_id: str
    date: str
    status: int
    headers: list[tuple[str, str]]
    raw_payload: bytes  # entity body as archived (still Content-Encoded, if it was)
    body: bytes  # the payload with Content-Encoding undone (what parsers see)

    @property
    def payload_sha256(self) -> str:
        return hashlib.sha256(self.raw_payload).hexdigest()

    def header(self, name: str) -> str | None:
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)


def sha256_warc_digest(data: bytes) -> str:
    """A WARC digest label (`sha256:<base32>`), the form warcio uses for sha1."""
    return _warc_digest(hashlib.sha256(data).digest())


def _warc_digest(sha256: bytes) -> str:
    return "sha256:" + base64.b32encode(sha256).decode("ascii")


class _MemberWriter(WARCWriter):
    """warcio's writer with each record one gzip member at a level given for it.

    warcio deflates every record at level 9. A PDF's or an Office file's payload is deflated
    already: deflating it again cost the crawl's reactor thread ~16 ms for a 400 KB report, to
    save 1-2 % of its size. Such a record is written at level 0 (stored blocks: still a gzip
    member, which every WARC reader takes)."""

    def __init__(self, fh: BinaryIO) -> None:
        self._file = fh
        self._record = BytesIO()  # warcio writes the record here, uncompressed
        super().__init__(self._record, gzip=False, warc_version="1.1")

    def write_record(self, record: object, params: object = None, *, level: int = 9) -> None:
        self._record.seek(0)
        self._record.truncate()
        super().write_record(record, params)
        packer = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        with self._record.getbuffer() as raw:
            self._file.write(packer.compress(raw) + packer.flush())


# A payload is probed by deflating this much of its middle at level 1: if that saves under a
# tenth, the payload is compressed data (a PDF's streams, a ZIP, an image) and is stored.
_PROBE = 8192


def _level_for(payload: bytes) -> int:
    """The gzip level a response record with `payload` is written at: 9 or 0 (stored)."""
    if len(payload) < 4 * _PROBE:
        return 9  # a small record costs little either way
    middle = len(payload) // 2
    sample = payload[middle : middle + _PROBE]
    return 0 if len(zlib.compress(sample, 1)) > 0.9 * len(sample) else 9


class WarcWriter:
    """Appends request/response pairs to `<dir>/<prefix>-NNNNN.warc.gz` with one warcinfo each."""

    def __init__(
        self,
        directory: str | Path,
        prefix: str,
        info: dict[str, str] | None = None,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.info = dict(info or {})
        self.max_file_size = max_file_size
        self._serial = 0
        self._fh: BinaryIO | None = None
        self._writer: _MemberWriter | None = None
        self._name = ""
        self.records_written = 0

    @property
    def current_file(self) -> str:
        return self._name

    def _open_next(self) -> None:
        self.close()
        while True:
            name = f"{self.prefix}-{self._serial:05d}.warc.gz"
            self._serial += 1
            try:  # exclusive create: workers sharing a directory never write one file
                self._fh = (self.directory / name).open("xb")
            except FileExistsError:
                continue
            break
        self._name = name
        self._writer = _MemberWriter(self._fh)
        info = {"hostname": socket.gethostname(), "format": "WARC File Format 1.1", **self.info}
        record = self._writer.create_warcinfo_record(name, info)
        self._writer.write_record(record)
        self._fh.flush()

    def _ensure_open(self) -> tuple[BinaryIO, _MemberWriter]:
        if self._fh is None or self._fh.tell() >= self.max_file_size:
            self._open_next()
        assert self._fh is not None and self._writer is not None
        return self._fh, self._writer

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes,
        status: int,
        response_headers: list[tuple[str, str]],
        body: bytes,
        protocol: str = "HTTP/1.1",
        ip_address: str | None = None,
        date: datetime | None = None,
    ) -> WarcRef:
        """Write the response record, then its request (WARC-Concurrent-To); flush both."""
        fh, writer = self._ensure_open()
        when = (date or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        reason = http_reasons.get(status, "")
        resp_http = StatusAndHeaders(
            f"{status} {reason}".strip(), list(response_headers), protocol=protocol or "HTTP/1.1"
        )
        payload_sha256 = hashlib.sha256(body).digest()  # once, for the record and the caller
        warc_headers = {"WARC-Date": when, "WARC-Payload-Digest": _warc_digest(payload_sha256)}
        if ip_address:
            warc_headers["WARC-IP-Address"] = ip_address
        response = writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=resp_http,
            warc_headers_dict=warc_headers,
        )
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        path = url.split("://", 1)[-1]
        path = "/" + path.split("/", 1)[1] if "/" in path else "/"
        req_http = StatusAndHeaders(
            f"{method} {path} {protocol or 'HTTP/1.1'}",
            list(request_headers),
            is_http_request=True,
        )
        request = writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(request_body),
            length=len(request_body),
            http_headers=req_http,
            warc_headers_dict={"WARC-Date": when, "WARC-Concurrent-To": record_id},
        )
        offset = fh.tell()
        writer.write_record(response, level=_level_for(body))
        length = fh.tell() - offset
        writer.write_record(request)
        fh.flush()  # a crash loses at most the exchange in flight
        self.records_written += 1
        return WarcRef(
            warc_file=self._name,
            offset=offset,
            record_id=record_id,
            payload_sha256=payload_sha256.hex(),
            length=length,
        )

    def write_revisit(
        self,
        *,
        url: str,
        profile: str,
        refers_to_uri: str,
        refers_to_date: str,
        refers_to_record_id: str | None,
        payload_sha256: str,
        status: int,
        response_headers: list[tuple[str, str]],
        protocol: str = "HTTP/1.1",
        date: datetime | None = None,
    ) -> WarcRef:
        """A `revisit` record (headers only) for a page whose payload is already archived.

        `profile` is REVISIT_NOT_MODIFIED (the server answered 304) or REVISIT_IDENTICAL (a 200
        whose payload digest equals the referenced record's).
        """
        fh, writer = self._ensure_open()
        when = (date or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        reason = http_reasons.get(status, "")
        http = StatusAndHeaders(
            f"{status} {reason}".strip(), list(response_headers), protocol=protocol or "HTTP/1.1"
        )
        digest = _warc_digest(bytes.fromhex(payload_sha256))
        record = writer.create_revisit_record(
            url,
            digest,
            refers_to_uri,
            refers_to_date,
            http_headers=http,
            warc_headers_dict={"WARC-Date": when},
        )
        record.rec_headers.replace_header("WARC-Profile", profile)
        if refers_to_record_id:
            record.rec_headers.add_header("WARC-Refers-To", refers_to_record_id)
        offset = fh.tell()
        writer.write_record(record)
        length = fh.tell() - offset
        fh.flush()
        self.records_written += 1
        return WarcRef(
            warc_file=self._name,
            offset=offset,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
            payload_sha256=payload_sha256,
            length=length,
        )

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        self._fh = None
        self._writer = None


def _reason(exc: BaseException) -> str:
    """An error's first words: warcio quotes the damaged bytes it met, which are binary noise
    (hundreds of escaped gzip bytes) in a one-line report."""
    text = str(exc).split(", first line:", 1)[0]
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:120] or type(exc).__name__


def read_response(path: str | Path, offset: int) -> StoredResponse:
    """Open `path`, seek to `offset` and read one response record; ArchiveCorrupt otherwise."""
    path = Path(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ArchiveCorrupt(f"{path}: cannot open ({exc.strerror})") from exc
    with fh:
        try:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh, check_digests=False)), None)
        except (ArchiveLoadFailed, OSError, ValueError, EOFError) as exc:
            raise ArchiveCorrupt(f"{path}@{offset}: unreadable record ({_reason(exc)})") from exc
        if record is None or record.rec_type != "response":
            kind = record.rec_type if record is not None else "nothing"
            raise ArchiveCorrupt(f"{path}@{offset}: expected a response record, found {kind}")
        try:
            raw = record.raw_stream.read()
            body = _decode_content(raw, record.http_headers.get_header("Content-Encoding"))
        except Exception as exc:  # zlib errors and friends from a damaged gzip member
            raise ArchiveCorrupt(f"{path}@{offset}: damaged payload ({_reason(exc)})") from exc
        return StoredResponse(
            url=record.rec_headers.get_header("WARC-Target-URI") or "",
            record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
            date=record.rec_headers.get_header("WARC-Date") or "",
            status=int(record.http_headers.get_statuscode() or 0),
            headers=list(record.http_headers.headers),
            raw_payload=raw,
            body=body,
        )


def _decode_content(raw: bytes, encoding: str | None) -> bytes:
    """Undo Content-Encoding (gzip/deflate/br) the way the crawler's middleware did."""
    enc = (encoding or "").strip().lower()
    if not enc or enc == "identity":
        return raw
    import zlib

    if enc in ("gzip", "x-gzip"):
        return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
    if enc == "deflate":
        try:
            return zlib.decompress(raw)
        except zlib.error:
            return zlib.decompress(raw, -zlib.MAX_WBITS)
    if enc == "br":
        import brotli  # type: ignore[import-not-found]

        return brotli.decompress(raw)
    return raw


def warcinfo_fields(crawl_id: str, software: str, extra: dict[str, object]) -> dict[str, str]:
    """The warcinfo body: who wrote the file and how faithful it is."""
    fields = {
        "software": software,
        "isPartOf": crawl_id,
        "description": "gov-reports crawl of county government websites",
        "note": (
            "HTTP messages reconstructed by Scrapy: header order/case, reason phrase and "
            "chunked framing are not the wire bytes; payloads are as received "
            "(Content-Encoding kept)"
        ),
    }
    fields.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in extra.items()})
    return fields
