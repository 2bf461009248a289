"""Downloader middlewares: refuse non-HTTP schemes, route through a proxy, and archive every
exchange to WARC (without the credentials a request carried)."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from crawler.context import CrawlContext
from crawler.recrawl import GONE_STATUSES, FetchStates
from storage.warc import (
    REVISIT_IDENTICAL,
    REVISIT_NOT_MODIFIED,
    ArchiveCorrupt,
    WarcRef,
    WarcWriter,
    read_response,
    warcinfo_fields,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

# Scrapy has de-chunked the body, so the framing header would mislead a replay tool.
_DROP_RESPONSE_HEADERS = {b"transfer-encoding"}
_CONDITIONAL = (b"If-None-Match", b"If-Modified-Since")
# Credentials are never archived: the proxy's (from --proxy http://user:pass@host), an
# Authorization or Cookie header an operator set. The WARC request record omits them.
CREDENTIAL_HEADERS = {b"proxy-authorization", b"authorization", b"cookie"}
ALLOWED_SCHEMES = frozenset({"http", "https"})


def header_pairs(headers: Any, drop: set[bytes] | None = None) -> list[tuple[str, str]]:
    """Scrapy Headers → (name, value) text pairs, multi-valued headers kept."""
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        if drop and name.lower() in drop:
            continue
        key = name.decode("latin-1")
        pairs.extend((key, v.decode("latin-1")) for v in values)
    return pairs


class SchemeFilterMiddleware:
    """Refuse every request whose scheme is not http or https, whatever produced its URL (a
    forwarding page pointing at file:///etc/passwd passes a host-only scope check)."""

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SchemeFilterMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        scheme = urlsplit(request.url).scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            if self.stats is not None:
                self.stats.inc_value("gov_reports/refused_scheme")
            logger.warning("refused %s: only http and https are fetched", request.url[:200])
            raise IgnoreRequest(f"scheme {scheme!r} refused: only http and https are fetched")


class ProxyMiddleware:
    """Set `request.meta["proxy"]` from GOV_REPORTS_PROXY (robots.txt requests included)."""

    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProxyMiddleware:
        return cls(crawler.settings.get("GOV_REPORTS_PROXY"))

    def process_request(self, request: Request) -> None:
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy


class WarcArchiveMiddleware:
    """Write each exchange to WARC, revalidate known URLs, put the record's address on the request.

    `request.meta["warc"]` = {file, offset, record_id, payload_sha256, fetched_at}; for a
    redirect chain the final response overwrites it, and every hop is in the archive.

    On a recrawl (crawler.recrawl), a URL with a stored full response is requested with
    If-None-Match / If-Modified-Since. A 304, or a 200 whose payload digest is unchanged, is
    archived as a `revisit` record (server-not-modified / identical-payload-digest) instead of
    the body; the spider then gets the archived response back (a 304 is replayed from the
    WARC) with `meta["revisit"]` set and `meta["warc"]` pointing at the original record, so
    links are still followed and the store stage can tell "unchanged" from "never stored".
    A 404/410 on a URL seen before marks it gone.
    """

    def __init__(
        self, writer: WarcWriter, robots_obeyed: bool, states: FetchStates, ctx: CrawlContext
    ) -> None:
        self.ctx = ctx  # for the per-site counters
        self.writer = writer
        self.robots = "allowed" if robots_obeyed else "not-checked"
        self.states = states
        self.archive_dir = str(writer.directory.resolve())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiveMiddleware:
        settings = crawler.settings
        ctx = CrawlContext.of(crawler)
        crawl_id = ctx.crawl_id
        info = warcinfo_fields(
            crawl_id,
            f"gov-reports/0.1 Scrapy/{scrapy.__version__} warcio",
            {
                "http-header-user-agent": settings.get("USER_AGENT"),
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            },
        )
        writer = WarcWriter(
            ctx.archive_dir,
            prefix=f"gov-reports-{crawl_id}",
            info=info,
            max_file_size=settings.getint("GOV_REPORTS_WARC_MAX_SIZE"),
        )
        mw = cls(writer, settings.getbool("ROBOTSTXT_OBEY"), ctx.states, ctx)
        crawler.signals.connect(mw.spider_closed, signal=scrapy.signals.spider_closed)
        return mw

    def process_request(self, request: Request) -> None:
        for name in _CONDITIONAL:  # a redirect copies the first URL's validators: drop them
            request.headers.pop(name, None)
        state = self.states.get(request.url)
        if request.method != "GET" or not self.states.replayable(state):
            return
        assert state is not None
        if state.get("etag"):
            request.headers[b"If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            request.headers[b"If-Modified-Since"] = state["last_modified"]

    def process_response(self, request: Request, response: Response) -> Response:
        """Archive the exchange; if the archive cannot be written, stop the run (nothing
        unarchived is ever stored)."""
        try:
            return self._archive(request, response)
        except OSError as exc:
            self.ctx.archive_failed(exc)
            raise IgnoreRequest(f"not archived: {exc}") from None

    def _archive(self, request: Request, response: Response) -> Response:
        fetched_at = datetime.now(UTC)
        self._count(request, response)
        state = self.states.get(response.url) if response.url == request.url else None
        if self.states.replayable(state) and request.method == "GET":
            assert state is not None
            if response.status == 304:
                return self._revisit(request, response, state, REVISIT_NOT_MODIFIED, fetched_at)
            # Hashed here only for a URL with a record to compare with: the writer hashes
            # every payload anyway.
            digest = hashlib.sha256(response.body).hexdigest()
            if response.status == 200 and digest == state.get("payload_sha256"):
                return self._revisit(request, response, state, REVISIT_IDENTICAL, fetched_at)
        req_headers = header_pairs(request.headers, CREDENTIAL_HEADERS)
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", urlsplit(request.url).netloc))
        protocol = _protocol(response)
        ref = self.writer.write_exchange(
            url=response.url,
            method=request.method,
            request_headers=req_headers,
            request_body=request.body or b"",
            status=response.status,
            response_headers=header_pairs(response.headers, _DROP_RESPONSE_HEADERS),
            body=response.body,
            protocol=protocol,
            ip_address=str(response.ip_address) if response.ip_address else None,
            date=fetched_at,
        )
        request.meta["warc"] = {
            "file": ref.warc_file,
            "offset": ref.offset,
            "record_id": ref.record_id,
            "payload_sha256": ref.payload_sha256,
            "fetched_at": fetched_at,
            "robots": self.robots,
        }
        self._remember(request, response, ref, fetched_at)
        return response

    # -- recrawl bookkeeping ---------------------------------------------------------------
    def _count(self, request: Request, response: Response) -> None:
        """Per-site bytes on the wire (headers + body) and responses, for the run report."""
        code = request.meta.get("site")
        if not code:
            return
        size = len(response.body) + sum(
            len(k) + len(v) + 4 for k, vs in response.headers.items() for v in vs
        )
        self.ctx.count(code, "bytes", size + 17)  # + the status line
        self.ctx.count(code, "responses")

    def _remember(self, request: Request, response: Response, ref: WarcRef, when: datetime) -> None:
        if request.method != "GET":
            return
        url = response.url
        state = self.states.get(url)
        if response.status == 200:
            changed = state is None or state.get("payload_sha256") != ref.payload_sha256
            self.states.write(
                url,
                request.meta,
                when,
                http_status=200,
                etag=_header(response, b"ETag"),
                last_modified=_header(response, b"Last-Modified"),
                payload_sha256=ref.payload_sha256,
                archive_dir=self.archive_dir,
                warc_file=ref.warc_file,
                warc_offset=ref.offset,
                warc_record_id=ref.record_id,
                warc_date=_warc_date(when),
                last_seen_at=when,
                last_changed_at=when if changed else state.get("last_changed_at"),
                gone_at=None,
                # New bytes are due until the store stage has kept what they hold.
                next_due_at=None if changed else state.get("next_due_at"),
            )
        elif response.status in GONE_STATUSES and state is not None:
            request.meta["gone"] = True
            self.states.write(
                url,
                request.meta,
                when,
                http_status=response.status,
                gone_at=state.get("gone_at") or when,
                next_due_at=self.states.gone_due(),
            )
        elif state is not None:
            self.states.write(url, request.meta, when, http_status=response.status)

    def _revisit(
        self, request: Request, response: Response, state: dict, profile: str, when: datetime
    ) -> Response:
        """Archive a revisit record and hand the spider the archived response."""
        self.writer.write_revisit(
            url=response.url,
            profile=profile,
            refers_to_uri=state["url"],
            refers_to_date=state.get("warc_date") or "",
            refers_to_record_id=state.get("warc_record_id"),
            payload_sha256=state["payload_sha256"],
            status=response.status,
            response_headers=header_pairs(response.headers, _DROP_RESPONSE_HEADERS),
            protocol=_protocol(response),
            date=when,
        )
        fields: dict = {
            "http_status": 200,
            "last_seen_at": when,
            "gone_at": None,
            "revisits": int(state.get("revisits") or 0) + 1,
        }
        etag, modified = _header(response, b"ETag"), _header(response, b"Last-Modified")
        if etag:
            fields["etag"] = etag
        if modified:
            fields["last_modified"] = modified
        self.states.write(response.url, request.meta, when, **fields)
        kind = "not-modified" if profile == REVISIT_NOT_MODIFIED else "identical"
        request.meta["revisit"] = kind
        request.meta["warc"] = {
            "file": state["warc_file"],
            "offset": int(state["warc_offset"]),
            "record_id": state["warc_record_id"],
            "payload_sha256": state["payload_sha256"],
            "fetched_at": _parse_warc_date(state.get("warc_date")) or when,
            "robots": self.robots,
        }
        self.ctx.count(request.meta.get("site"), f"revisit_{kind}")
        if response.status == 200:
            return response
        try:
            stored = read_response(self.states.record_path(state), int(state["warc_offset"]))
        except ArchiveCorrupt as exc:
            # The referenced record is unreadable: fall back to an unconditional fetch.
            logger.warning("cannot replay %s (%s); fetching it again", response.url, exc)
            state["http_status"] = None
            return request.replace(dont_filter=True)  # type: ignore[return-value]
        headers = Headers(stored.headers)
        cls = responsetypes.from_args(headers=headers, url=response.url, body=stored.raw_payload)
        return cls(
            url=response.url,
            status=200,
            headers=headers,
            body=stored.raw_payload,
            request=request,
            flags=["revisit"],
            ip_address=response.ip_address,
            protocol=response.protocol,
        )

    def spider_closed(self) -> None:
        self.writer.close()


def _protocol(response: Response) -> str:
    protocol = (getattr(response, "protocol", None) or "HTTP/1.1").upper()
    return protocol if protocol.startswith("HTTP/") else "HTTP/1.1"


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _warc_date(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
