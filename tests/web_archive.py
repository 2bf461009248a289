"""One small archive for the web tests, built once per session: a crawl of the simulated web
(SQLite), one hostile archived page added (a <script>, an onload handler, outside requests),
and on request the same archive copied into a throwaway PostgreSQL database."""

from __future__ import annotations

import hashlib
import html
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from parsers import PARSER_VERSION, extract, parse_extracted, simhash64, text_digest
from sim import SimWeb, serve_in_thread
from storage.db import open_database
from storage.models import Base, Capture, Site
from storage.reportindex import rebuild_all
from storage.repository import CaptureData, DocumentData, start_run, store_capture
from storage.warc import WarcWriter, read_response
from tests.cli import crawl_sim

SITES, SEED = 4, 1
HOSTILE_URL = "http://hostile.example.gov.cn/art/2024/hostile.html"
HOSTILE_HOST = "hostile.example.gov.cn"
MARKER = "脚本测试页"  # text the hostile page adds, so it becomes its own document
# Archived *text* that looks like markup: the pages must show it, escaped, never run it.
HOSTILE_TEXT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


@dataclass(frozen=True)
class WebArchive:
    root: Path
    db_url: str
    db_file: Path
    warc_dir: Path
    hostile_doc_id: str
    hostile_record_id: str
    db_digest: str  # SHA-256 of the database file once built: serving must not change it


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(root: Path) -> WebArchive:
    web = SimWeb(sites=SITES, seed=SEED)
    web.write_sites_csv(root / "sites.csv")
    db_file = root / "archive.sqlite"
    db = f"sqlite:///{db_file}"
    with serve_in_thread(web, port=0) as server:
        result = crawl_sim(root, db, server.proxy_url)
    assert result.returncode == 0, result.stderr[-3000:]
    doc_id, record_id = add_hostile_page(db, root / "warc")
    return WebArchive(root, db, db_file, root / "warc", doc_id, record_id, file_digest(db_file))


def hostile_html(body: str) -> str:
    """An archived report page made hostile: scripts, an onload, requests to its own site."""
    evil = (
        f'<script>document.title="PWNED";document.body.innerHTML="<h1>SCRIPT RAN</h1>";'
        f'new Image().src="http://{HOSTILE_HOST}/beacon?js=1";</script>'
        f'<img src="http://{HOSTILE_HOST}/track.gif" alt="">'
        f'<link rel="stylesheet" href="http://{HOSTILE_HOST}/site.css">'
    )
    body = re.sub(
        r"<body([^>]*)>", r'<body\1 onload="document.body.innerHTML=\'ONLOAD RAN\'">', body, count=1
    )
    shown = html.escape(HOSTILE_TEXT)
    return body.replace("</body>", f"<p>{MARKER}{shown}</p>{evil}</body>", 1)


def add_hostile_page(db: str, warc_dir: Path) -> tuple[str, str]:
    """Archive one report page with a script and an onload added, stored as the crawler
    stores a page (WARC record, capture, document, report version)."""
    sessions = open_database(db)
    with sessions.begin() as session:
        source = session.scalars(
            select(Capture)
            .where(Capture.content_type.like("text/html; charset=UTF-8"), Capture.outcome == "new")
            .order_by(Capture.id)
        ).first()
        assert source is not None
        stored = read_response(warc_dir / source.warc_file, source.warc_offset)
        page = hostile_html(stored.body.decode("utf-8")).encode("utf-8")
        site_id = session.scalar(select(Site.id).order_by(Site.id).limit(1))
        run = start_run(session, "hostile-page", {"archive_dir": str(warc_dir)})
        writer = WarcWriter(warc_dir, "hostile")
        headers = [("Content-Type", "text/html; charset=UTF-8")]
        ref = writer.write_exchange(
            url=HOSTILE_URL, method="GET", request_headers=[], request_body=b"", status=200,
            response_headers=headers, body=page,
        )  # fmt: skip
        writer.close()
        extracted = extract(page, "hostile.html", content_type=headers[0][1])
        sha, doc_id = text_digest(extracted.text)
        fetched = datetime.now(UTC)
        capture = CaptureData(
            url=HOSTILE_URL, final_url=HOSTILE_URL, http_status=200, fetched_at=fetched,
            warc_file=ref.warc_file, warc_offset=ref.offset, warc_record_id=ref.record_id,
            payload_sha256=ref.payload_sha256, content_type=headers[0][1], encoding="utf-8",
        )  # fmt: skip
        record = parse_extracted(extracted, source={"url": HOSTILE_URL})
        document = DocumentData(
            text_sha256=sha, doc_id=doc_id, text=extracted.text, simhash=simhash64(extracted.text),
            format=extracted.format, title=extracted.title,
        )  # fmt: skip
        outcome = store_capture(
            session, capture, run_id=run.id, site_id=site_id, document=document, record=record,
            parser_version=PARSER_VERSION,
        )  # fmt: skip
        assert outcome == "new", outcome
        run.finished_at = fetched
        run.status = "finished"
    sessions.kw["bind"].dispose()
    return doc_id, ref.record_id


def copy_to(source_url: str, target_url: str) -> None:
    """Copy every archive table's rows into a freshly migrated database, then rebuild its
    read-side index (flags, full text, carry-over checks) as migration 0005 does."""
    src = open_database(source_url)
    dst = open_database(target_url)
    with src() as s, dst.begin() as d:
        for table in Base.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in s.execute(table.select())]
            if rows:
                d.execute(table.insert(), rows)
                # Rows came with their ids: move the id sequence past them.
                d.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :n)"),
                    {"n": max(r["id"] for r in rows)},
                )
        rebuild_all(d.connection())
    for factory in (src, dst):
        factory.kw["bind"].dispose()


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebArchive]:
    yield build(tmp_path_factory.mktemp("web-archive"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(*args: str) -> Iterator[str]:
    """`gov-reports serve ARGS` on a free loopback port; yields its base URL."""
    with serve_process(*args) as (base, _proc):
        yield base


@contextmanager
def serve_process(
    *args: str, startup_seconds: float = 30
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`gov-reports serve ARGS` on a free loopback port, once it answers: (base URL, process)."""
    port = free_port()
    # The server's output goes to a file, never an unread pipe: uvicorn logs every request,
    # and a full pipe (64 KB, a few hundred requests) would block the server.
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", *args, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_seconds
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    raise AssertionError(f"serve exited {proc.returncode}: {log.read()}")
                try:
                    with urllib.request.urlopen(base + "/api/openapi.json", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
