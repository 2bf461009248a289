"""A tiny hand-made site on loopback: gzip on the wire, undeclared GBK, a meta-refresh shell,
and a robots.txt rule, through the real crawl command and WARC archive."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from storage.db import open_database
from storage.models import Capture
from storage.query import latest_versions
from storage.warc import read_response

FIXTURES = Path(__file__).parent / "fixtures"
REPORT_GBK = (FIXTURES / "golden" / "html_2019_gbk" / "input.html").read_bytes()
REPORT_TITLE = "定远县财政局2020年政府信息公开工作年度报告"


def _html(body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode()


PAGES: dict[str, tuple[list[tuple[str, str]], bytes]] = {
    "/robots.txt": ([("Content-Type", "text/plain")], b"User-agent: *\nDisallow: /private/\n"),
    "/": ([("Content-Type", "text/html; charset=utf-8")], _html(
        '<a href="/shell.html">政府信息公开</a> <a href="/private/zfxxgknb/">政府信息公开年报</a>'
        ' <a href="http://www.kaiyun-x.com/">便民服务</a>'
    )),
    "/shell.html": ([("Content-Type", "text/html")],
                    b'<html><head><meta http-equiv="refresh" content="0;url=/xxgk/"></head></html>'),
    "/xxgk/": ([("Content-Type", "text/html; charset=utf-8")],
               _html('<a href="/xxgk/zfxxgknb/">政府信息公开年报</a>')),
    "/xxgk/zfxxgknb/": ([("Content-Type", "text/html; charset=utf-8")], _html(
        f'<a href="/xxgk/zfxxgknb/t1.html">{REPORT_TITLE}</a>'
        '<a href="/xxgk/zfxxgknb/t2.html">关于报送2020年政府信息公开工作年度报告的通知</a>'
    )),
    # Undeclared GBK, gzip-encoded on the wire: the archive must keep the gzip bytes.
    "/xxgk/zfxxgknb/t1.html": ([("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                               gzip.compress(REPORT_GBK)),
    "/private/zfxxgknb/": ([("Content-Type", "text/html; charset=utf-8")],
                           _html(f'<a href="/private/t9.html">{REPORT_TITLE}</a>')),
}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    requested: list[str] = []  # noqa: RUF012 - shared log of paths, read by the test

    def do_GET(self) -> None:
        _Handler.requested.append(self.path)
        headers, body = PAGES.get(self.path, ([("Content-Type", "text/plain")], b"not found"))
        self.send_response(200 if self.path in PAGES else 404)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("loopback")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host = f"127.0.0.1:{server.server_address[1]}"
    (out / "sites.csv").write_text(
        f"code,name,status,url,host\n341125,定远县,在用,http://{host}/,{host}\n", encoding="utf-8"
    )
    db = f"sqlite:///{out / 'a.sqlite'}"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "service.cli", "crawl", "--sites", str(out / "sites.csv"),
             "--db", db, "--archive", str(out / "warc"), "--fast", "--json"],
            capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "XDG_STATE_HOME": str(out / "state")},
        )  # fmt: skip
    finally:
        server.shutdown()
        thread.join(5)
    assert result.returncode == 0, result.stderr[-2000:]
    yield {"out": out, "db": db, "report": json.loads(result.stdout)}


def test_the_report_is_found_decoded_and_parsed(crawled: dict[str, Any]) -> None:
    with open_database(crawled["db"])() as session:
        versions = latest_versions(session)
        assert [v.record["title"] for v in versions] == [REPORT_TITLE]
        cap = session.scalars(select(Capture)).one()  # the notice was never fetched
        assert (cap.encoding, cap.encoding_source) == ("gb18030", "detected")
        assert cap.url.endswith("/xxgk/zfxxgknb/t1.html")
    assert "/xxgk/zfxxgknb/t2.html" not in _Handler.requested
    assert crawled["report"]["sites"][0]["reports"] == 1


def test_the_archive_keeps_the_gzip_bytes_as_received(crawled: dict[str, Any]) -> None:
    with open_database(crawled["db"])() as session:
        cap = session.scalars(select(Capture)).one()
    path = crawled["out"] / "warc" / cap.warc_file
    with path.open("rb") as fh:
        fh.seek(cap.warc_offset)
        rec = next(iter(ArchiveIterator(fh)))
        raw = rec.raw_stream.read()
        assert rec.http_headers.get_header("Content-Encoding") == "gzip"
    assert raw[:2] == b"\x1f\x8b" and hashlib.sha256(raw).hexdigest() == cap.payload_sha256
    assert read_response(path, cap.warc_offset).body == REPORT_GBK


def test_robots_shell_and_scope(crawled: dict[str, Any]) -> None:
    archived = set()
    for warc in (crawled["out"] / "warc").glob("*.warc.gz"):
        with warc.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    archived.add(rec.rec_headers.get_header("WARC-Target-URI").split("/", 3)[3])
    assert {"robots.txt", "shell.html", "xxgk/", "xxgk/zfxxgknb/"} <= archived
    assert not any(path.startswith("private/") for path in archived)
    assert not any(path.startswith("/private/") for path in _Handler.requested)
    site = crawled["report"]["sites"][0]
    assert site["robots_blocked"] == 1 and site["robots"] == "partial"
    assert site["offsite_refused"] >= 1


def test_the_crawl_leaves_nothing_in_the_users_state_directory(crawled: dict[str, Any]) -> None:
    """Scrapy's remote control (an HTTP endpoint in the crawl that runs the Python code sent to
    it) is off: it writes a job file with its port and token there, which a killed crawl
    leaves behind."""
    state = crawled["out"] / "state"
    assert not state.exists() or not any(state.rglob("*")), list(state.rglob("*"))
