"""A hostile county site on loopback, served as an HTTP forward proxy (like the simulator), for
pointing the real crawler at: file:// forwarding pages, a slow drip, gzip/PDF/DOCX bombs, a
redirect loop, a link farm, an oversized body, markup nested past libxml2's limit, a page of
150k `&nbsp;`, and one real report among them.

    with serve_hostile() as server:   # server.proxy_url, server.host, server.requested
        ...
"""

from __future__ import annotations

import contextlib
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.bombs import docx_bomb, pdf_bomb

HOST = "www.hostile.gov.cn"
CODE, NAME = "341125", "定远县"
GOLDEN = Path(__file__).parent / "fixtures" / "golden"
REPORT = (GOLDEN / "html_2021_rowspan" / "input.html").read_bytes()
REPORT_TITLE_PREFIX = "2023年政府信息公开工作年度报告"
# Other reports for the pages that carry a hazard: were they copies of REPORT, whichever page
# the extraction pool finished first would head the near-copy group, and REPORT's own page
# would be stored as a near-duplicate in some runs.
DEEP_TEXT = (GOLDEN / "seed_000_6042ec2c999cb952" / "input.txt").read_text(encoding="utf-8")
NBSP_TEXT = (GOLDEN / "seed_003_38967d40d03fbadc" / "input.txt").read_text(encoding="utf-8")
MB = 1024 * 1024
OVERSIZED = 80 * MB  # over DOWNLOAD_MAXSIZE (64 MiB)
FARM_WIDTH = 40


def _html(body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode()


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


def _report_link(path: str, n: int) -> str:
    return f'<li><a href="{path}">某县{2000 + n}年政府信息公开工作年度报告</a></li>'


def _gzip_bomb(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    block = b"\0" * MB
    return b"".join(compressor.compress(block) for _ in range(size // MB)) + compressor.flush()


@dataclass
class HostileSite:
    """What the site serves; bombs are built once, in constant memory."""

    pages: dict[str, tuple[int, list[tuple[str, str]], bytes]] = field(default_factory=dict)

    def build(self) -> HostileSite:
        html = [("Content-Type", "text/html; charset=utf-8")]
        listing = "".join(
            _report_link(path, n)
            for n, path in enumerate(
                [
                    "/nb/report.html",
                    "/nb/forward.html",
                    "/nb/forward-js.html",
                    "/nb/forward-host.html",
                    "/nb/drip.html",
                    "/nb/gzip-bomb.html",
                    "/nb/loop-a.html",
                    "/nb/oversized.html",
                    "/nb/deep.html",
                    "/nb/nbsp.html",
                    "/nb/attachments.html",
                ]
            )
        )
        deep = "<div><font>" * 3000 + _paragraphs(DEEP_TEXT) + "</font></div>" * 3000
        self.pages = {
            "/robots.txt": (200, [("Content-Type", "text/plain")], b"User-agent: *\nAllow: /\n"),
            "/": (200, html, _html(
                '<a href="/xxgk/">政府信息公开</a>'
            )),
            "/xxgk/": (200, html, _html('<a href="/nb/">政府信息公开年报</a>')),
            "/nb/": (200, html, _html(f'<ul>{listing}</ul><a href="/farm/0.html">政府信息公开年报目录</a>')),
            "/nb/report.html": (200, html, REPORT),
            # Forwarding shells to local files: the scope check sees only the host.
            "/nb/forward.html": (200, html, (b'<html><head><meta http-equiv="refresh" '
                                 b'content="0;url=file:///etc/passwd"></head></html>')),
            "/nb/forward-js.html": (200, html, (b'<html><script>location.href="file:///etc/passwd"'
                                    b"</script></html>")),
            "/nb/forward-host.html": (200, html, f'<html><head><meta http-equiv="refresh" '
                                      f'content="0;url=file://{HOST}/etc/passwd"></head></html>'.encode()),
            "/nb/gzip-bomb.html": (200, [*html, ("Content-Encoding", "gzip")], _gzip_bomb(100 * MB)),
            "/nb/deep.html": (200, html, _html(deep)),
            "/nb/nbsp.html": (200, html, _html(_paragraphs(NBSP_TEXT) + "&nbsp;" * 150_000)),
            # A report's wrapper page: the report is in the attachments (here, bombs).
            "/nb/attachments.html": (200, html, _html(
                "<h1>某县2010年政府信息公开工作年度报告</h1><p>详见附件。</p>"
                '<a href="/nb/bomb.pdf">附件1</a><a href="/nb/bomb.docx">附件2</a>'
            )),
            "/nb/bomb.pdf": (200, [("Content-Type", "application/pdf")], pdf_bomb(100 * MB)),
            "/nb/bomb.docx": (200, [("Content-Type", ("application/vnd.openxmlformats-officedocument"
                                     ".wordprocessingml.document"))], docx_bomb(100 * MB)),
        }  # fmt: skip
        return self


class _Handler(BaseHTTPRequestHandler):
    site: HostileSite
    requested: list[str]
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        url = urlsplit(self.path)  # a forward proxy gets absolute URLs
        path = url.path or "/"
        self.requested.append(self.path)
        if url.hostname not in (None, HOST):
            return self._send(502, [], b"no such host")
        if path == "/nb/drip.html":
            return self._drip()
        if path == "/nb/oversized.html":
            return self._oversized()
        if path.startswith("/nb/loop-"):  # a → b → a …
            target = "/nb/loop-b.html" if path == "/nb/loop-a.html" else "/nb/loop-a.html"
            return self._send(302, [("Location", f"http://{HOST}{target}")], b"")
        if path.startswith("/farm/"):
            return self._send(200, [("Content-Type", "text/html; charset=utf-8")], self._farm(path))
        status, headers, body = self.site.pages.get(path, (404, [], b"not found"))
        return self._send(status, headers, body)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def _farm(self, path: str) -> bytes:
        """Every farm page links to FARM_WIDTH more, for ever."""
        n = int(path.rsplit("/", 1)[-1].split(".")[0] or 0)
        links = "".join(
            f'<a href="/farm/{n * FARM_WIDTH + i + 1}.html">政府信息公开年报{i}</a>'
            for i in range(FARM_WIDTH)
        )
        return _html(links)

    def _drip(self) -> None:
        """Headers, then a byte a second for ten minutes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "600")
        self.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(600):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(1)

    def _oversized(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(OVERSIZED))
        self.end_headers()
        block = b"<p>" + b"x" * (MB - 3)
        with contextlib.suppress(OSError):
            for _ in range(OVERSIZED // MB):
                self.wfile.write(block)

    def log_message(self, *args: Any) -> None:
        return


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True  # the drip must not hold up shutdown

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # the crawler hanging up on a bomb or a drip is expected


@dataclass
class HostileServer:
    proxy_url: str
    host: str
    requested: list[str]


@contextlib.contextmanager
def serve_hostile() -> Iterator[HostileServer]:
    site = HostileSite().build()
    requested: list[str] = []
    handler = type("Handler", (_Handler,), {"site": site, "requested": requested})
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HostileServer(f"http://127.0.0.1:{server.server_address[1]}", HOST, requested)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
