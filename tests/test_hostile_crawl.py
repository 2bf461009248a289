"""The real crawler pointed at a hostile site on loopback (tests/hostile.py): it stays bounded in
time, memory and disk, reads no local file, archives no credential, and still stores the one
real report (issue 10)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from storage.db import open_database
from storage.models import Capture
from tests.hostile import CODE, HOST, NAME, serve_hostile

PROXY_USER, PROXY_PASSWORD = "operator", "s3cret-pa55"
OPERATOR_HEADERS = "DEFAULT_REQUEST_HEADERS=" + json.dumps(
    {"Authorization": "Bearer operator-token", "Cookie": "session=operator-cookie"}
)
# The crawl in a child; then its peak RSS and its workers' (kB), on the last line.
_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stderr.write(done.stderr)\n"
    "print(done.stdout)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("hostile")
    (out / "sites.csv").write_text(
        f"code,name,status,url,host\n{CODE},{NAME},在用,http://{HOST}/,{HOST}\n", encoding="utf-8"
    )
    db = f"sqlite:///{out / 'a.sqlite'}"
    with serve_hostile() as server:
        proxy = server.proxy_url.replace("http://", f"http://{PROXY_USER}:{PROXY_PASSWORD}@")
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS, sys.executable, "-m", "service.cli", "crawl",
             "--sites", str(out / "sites.csv"), "--db", db, "--archive", str(out / "warc"),
             "--proxy", proxy, "--fast", "--json",
             "-s", "DOWNLOAD_TIMEOUT=10", "-s", "RETRY_TIMES=0", "-s", "GOV_REPORTS_SITE_PAGE_BUDGET=100",
             "-s", OPERATOR_HEADERS],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        requested = list(server.requested)
    *report_lines, last = done.stdout.strip().splitlines()
    returncode, peak_kb = (int(x) for x in last.split())
    yield {
        "out": out,
        "db": db,
        "returncode": returncode,
        "stderr": done.stderr,
        "report": json.loads("\n".join(report_lines)) if returncode in (0, 1) else None,
        "elapsed": elapsed,
        "peak_mb": peak_kb // 1024,
        "requested": requested,
    }


def _records(out: Path) -> Iterator[tuple[str, dict[str, str], bytes, bytes]]:
    """(type, WARC headers, HTTP head, payload) of every record in every WARC file."""
    for path in sorted((out / "warc").glob("*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                head = record.http_headers.to_str().encode() if record.http_headers else b""
                yield (
                    record.rec_type,
                    dict(record.rec_headers.headers),
                    head,
                    record.content_stream().read(),
                )


def test_the_crawl_stays_bounded_and_stores_the_real_report(hostile_crawl: dict) -> None:
    assert hostile_crawl["returncode"] == 0, hostile_crawl["stderr"][-3000:]
    assert "Traceback" not in hostile_crawl["stderr"]
    assert hostile_crawl["elapsed"] < 150
    assert hostile_crawl["peak_mb"] < 700, f"peak RSS {hostile_crawl['peak_mb']} MB"
    warc_bytes = sum(p.stat().st_size for p in (hostile_crawl["out"] / "warc").glob("*"))
    assert warc_bytes < 40 * 1024 * 1024  # the bombs compressed, the oversized body not at all
    with open_database(hostile_crawl["db"])() as session:
        captures = session.scalars(select(Capture)).all()
    report = [(c.url, c.outcome, c.error) for c in captures if "/nb/" in c.url]
    assert any(u.endswith("/nb/report.html") and o == "new" for u, o, _ in report), report
    # The reports under 3,000 levels of markup and 150k `&nbsp;` are read too; the bombs the
    # wrapper page attaches are refused, each with its reason.
    outcome = {url.rsplit("/", 1)[-1]: (o, e) for url, o, e in report}
    assert outcome["deep.html"][0] == outcome["nbsp.html"][0] == "new", report
    assert outcome["bomb.pdf"][0] == outcome["bomb.docx"][0] == "failed", report
    assert all("bomb" in outcome[name][1] for name in ("bomb.pdf", "bomb.docx")), report
    # The farm is cut by navigation's share of the per-site budget (80 of 100: the rest is
    # kept for the reports and the bombs), the loop by the redirect limit.
    assert sum("/farm/" in r for r in hostile_crawl["requested"]) <= 80


def test_no_local_file_is_read_or_archived(hostile_crawl: dict) -> None:
    with open_database(hostile_crawl["db"])() as session:
        urls = [c.url for c in session.scalars(select(Capture))] + [
            c.final_url or "" for c in session.scalars(select(Capture))
        ]
    assert not [u for u in urls if not u.startswith("http")]
    passwd = Path("/etc/passwd").read_bytes()[:40]
    for kind, headers, _, payload in _records(hostile_crawl["out"]):
        uri = headers.get("WARC-Target-URI", "")
        assert uri.startswith(("http://", "https://")) or kind == "warcinfo", uri
        assert passwd not in payload
    counters = hostile_crawl["report"]
    assert counters is not None


def test_no_credential_is_archived(hostile_crawl: dict) -> None:
    secrets = [
        PROXY_PASSWORD.encode(),
        base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()),
        b"operator-token",
        b"operator-cookie",
    ]
    requests = 0
    for kind, _, head, _ in _records(hostile_crawl["out"]):
        if kind == "request":
            requests += 1
            lowered = head.lower()
            assert b"proxy-authorization" not in lowered
            assert b"\nauthorization" not in lowered and b"\ncookie" not in lowered
        assert not any(secret in head for secret in secrets)
    assert requests > 5
    files = b"".join(p.read_bytes() for p in (hostile_crawl["out"] / "warc").glob("*.warc.gz"))
    assert not any(secret in files for secret in secrets[:1])


def test_verify_reports_a_flipped_byte_in_one_short_line(hostile_crawl: dict, tmp_path) -> None:
    import shutil

    copy = tmp_path / "warc"
    shutil.copytree(hostile_crawl["out"] / "warc", copy)
    with open_database(hostile_crawl["db"])() as session:
        capture = next(c for c in session.scalars(select(Capture)) if c.url.endswith("report.html"))
    path = copy / capture.warc_file
    data = bytearray(path.read_bytes())
    data[capture.warc_offset + 40] ^= 0xFF  # inside the record's gzip member
    path.write_bytes(bytes(data))
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "verify", "-q", "--db", hostile_crawl["db"],
         "--archive", str(copy)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 2, lines  # the damaged capture, and the count
    assert all(line.isprintable() and len(line) < 400 for line in lines), lines
    assert "report.html" in lines[0] and "1 wrong" in lines[1]
