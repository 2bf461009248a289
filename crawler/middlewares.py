"""Downloader middlewares: route through a proxy, and archive every exchange to WARC."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy

from crawler.runinfo import crawl_id_for
from storage.warc import WarcWriter, warcinfo_fields

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

# Scrapy has de-chunked the body, so the framing header would mislead a replay tool.
_DROP_RESPONSE_HEADERS = {b"transfer-encoding"}


def header_pairs(headers: Any, drop: set[bytes] | None = None) -> list[tuple[str, str]]:
    """Scrapy Headers → (name, value) text pairs, multi-valued headers kept."""
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        if drop and name.lower() in drop:
            continue
        key = name.decode("latin-1")
        pairs.extend((key, v.decode("latin-1")) for v in values)
    return pairs


class ProxyMiddleware:
    """Set `request.meta["proxy"]` from GOV_REPORTS_PROXY (robots.txt requests included)."""

    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProxyMiddleware:
        return cls(crawler.settings.get("GOV_REPORTS_PROXY") or "")

    def process_request(self, request: Request) -> None:
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy


class WarcArchiveMiddleware:
    """Write each request/response pair to WARC and put the record's address on the request.

    `request.meta["warc"]` = {file, offset, record_id, payload_sha256, fetched_at}; for a
    redirect chain the final response overwrites it, and every hop is in the archive.
    """

    def __init__(self, writer: WarcWriter, robots_obeyed: bool) -> None:
        self.writer = writer
        self.robots = "allowed" if robots_obeyed else "not-checked"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiveMiddleware:
        settings = crawler.settings
        crawl_id = crawl_id_for(crawler)
        archive = Path(settings.get("GOV_REPORTS_ARCHIVE") or "data/warc")
        info = warcinfo_fields(
            crawl_id,
            f"gov-reports/0.1 Scrapy/{scrapy.__version__} warcio",
            {
                "http-header-user-agent": settings.get("USER_AGENT"),
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            },
        )
        writer = WarcWriter(
            archive,
            prefix=f"gov-reports-{crawl_id}",
            info=info,
            max_file_size=settings.getint("GOV_REPORTS_WARC_MAX_SIZE", 1 << 30),
        )
        mw = cls(writer, settings.getbool("ROBOTSTXT_OBEY"))
        crawler.signals.connect(mw.spider_closed, signal=scrapy.signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Response:
        fetched_at = datetime.now(UTC)
        req_headers = header_pairs(request.headers)
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", urlsplit(request.url).netloc))
        protocol = (getattr(response, "protocol", None) or "HTTP/1.1").upper()
        if not protocol.startswith("HTTP/"):
            protocol = "HTTP/1.1"
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
        return response

    def spider_closed(self) -> None:
        self.writer.close()
