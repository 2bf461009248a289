"""End to end on the simulated web: `gov-reports crawl` over 50 sites, scored against truth.jsonl.

The crawl runs once per module in a subprocess (Twisted's reactor cannot restart), through the
simulator's forward proxy on loopback, with AutoThrottle off and high concurrency.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from crawler.evaluate import Evaluation, evaluate, load_truth
from parsers import extract, text_digest
from sim import SimWeb
from storage.db import open_database
from storage.models import Capture, CrawlRun, Document, SiteStatus
from storage.query import latest_versions
from tests.cli import crawl_web, run_cli

SITES = 50
SEED = 1


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("sim-crawl")
    web = SimWeb(sites=SITES, seed=SEED)
    result, db = crawl_web(web, out)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    sessions = open_database(db)
    truth = load_truth(out / "truth.jsonl")
    with sessions() as session:
        ev = evaluate(session, truth)
    yield {"out": out, "db": db, "report": report, "sessions": sessions, "truth": truth, "ev": ev}


def test_discovery_recall_and_precision_on_50_sites(crawl: dict[str, Any]) -> None:
    ev: Evaluation = crawl["ev"]
    totals = crawl["report"]["totals"]
    print("\nevaluation:", json.dumps(ev.summary()), "pages/report:", totals["pages_per_report"])
    assert ev.expected > 500  # the answer key is not trivially small
    assert ev.recall >= 0.99, ev.missed[:20]
    assert ev.precision >= 0.99, ev.false_positives[:20]
    assert totals["reports_found"] == ev.stored_reports
    assert totals["pages_per_report"] is not None and totals["pages_per_report"] < 10


def test_hijacked_mirrors_are_never_fetched_or_stored(crawl: dict[str, Any]) -> None:
    mirror_hosts = {t["host"] for t in crawl["truth"] if t["kind"] == "mirror"}
    assert mirror_hosts, "the simulated web should contain hijacked mirrors"
    assert crawl["ev"].mirror_leaks == []
    with crawl["sessions"]() as session:
        hosts = {urlsplit(u).hostname for u in session.scalars(select(Capture.final_url))}
    assert not hosts & mirror_hosts
    fetched = set()
    for warc in (crawl["out"] / "warc").glob("*.warc.gz"):
        with warc.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    fetched.add(urlsplit(rec.rec_headers.get_header("WARC-Target-URI")).hostname)
    assert fetched and not fetched & mirror_hosts
    assert crawl["report"]["totals"]["offsite_refused"] > 0


def test_robots_txt_is_obeyed_and_reported(crawl: dict[str, Any]) -> None:
    sites = {t["host"]: t for t in crawl["truth"] if t["kind"] == "site"}
    for warc in (crawl["out"] / "warc").glob("*.warc.gz"):
        with warc.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type != "response":
                    continue
                url = urlsplit(rec.rec_headers.get_header("WARC-Target-URI"))
                site = sites.get(url.hostname or "")
                if site is None or url.path == "/robots.txt":
                    continue
                path = url.path + (f"?{url.query}" if url.query else "")
                blocked = [p for p in site["robots_disallow"] if p and path.startswith(p)]
                assert not blocked, f"fetched {path} on {url.hostname} despite robots.txt"
    statuses = {s["host"]: s["status"] for s in crawl["report"]["sites"]}
    for host, site in sites.items():
        if "/" in site["robots_disallow"]:
            assert statuses[host] == "robots-blocked"
    assert crawl["ev"].robots_blocked_stored == 0


def test_every_stored_record_leads_back_to_its_warc_record(crawl: dict[str, Any]) -> None:
    warc_dir = crawl["out"] / "warc"
    with crawl["sessions"]() as session:
        versions = latest_versions(session)
        assert versions
        for version in versions[::7]:  # a spread sample; verify (below) checks every one
            source = version.record["source"]
            cap = session.scalar(
                select(Capture).where(Capture.warc_record_id == source["warc_record_id"])
            )
            assert cap is not None
            with (warc_dir / source["warc_file"]).open("rb") as fh:
                fh.seek(source["warc_offset"])
                rec = next(iter(ArchiveIterator(fh)))
                assert rec.rec_type == "response"
                assert rec.rec_headers.get_header("WARC-Record-ID") == source["warc_record_id"]
                assert rec.rec_headers.get_header("WARC-Target-URI") == source["final_url"]
                raw = rec.raw_stream.read()
            assert hashlib.sha256(raw).hexdigest() == source["payload_sha256"]
            name = urlsplit(source["final_url"]).path.rsplit("/", 1)[-1]
            text = extract(raw, name, encoding=cap.encoding, content_type=cap.content_type).text
            doc = session.get(Document, version.document_id)
            assert doc is not None and text_digest(text)[0] == doc.text_sha256


def test_duplicates_are_stored_once_with_every_capture(crawl: dict[str, Any]) -> None:
    with crawl["sessions"]() as session:
        dups = session.scalars(select(Capture).where(Capture.outcome == "duplicate")).all()
        assert dups, "the simulated web re-posts some reports"
        for cap in dups[:20]:
            assert cap.document_id is not None
            first = session.scalars(
                select(Capture).where(Capture.document_id == cap.document_id).order_by(Capture.id)
            ).first()
            assert first is not None and first.id != cap.id
        texts = session.scalars(select(Document.text_sha256)).all()
        assert len(texts) == len(set(texts))


def test_run_report_is_stored_with_per_site_status(crawl: dict[str, Any]) -> None:
    report = crawl["report"]
    assert report["totals"]["sites"] == SITES and len(report["sites"]) == SITES
    with crawl["sessions"]() as session:
        run = session.scalar(select(CrawlRun).where(CrawlRun.crawl_id == report["crawl_id"]))
        assert run is not None and run.finished_at is not None
        assert run.reports_found == report["totals"]["reports_found"]
        statuses = session.scalars(select(SiteStatus).where(SiteStatus.crawl_run_id == run.id))
        assert len(list(statuses)) == SITES


def test_verify_passes_then_reports_a_corrupted_archive(
    crawl: dict[str, Any], tmp_path: Path
) -> None:
    ok = run_cli("verify", "--db", crawl["db"], "-q")
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    broken = tmp_path / "warc"
    shutil.copytree(crawl["out"] / "warc", broken)
    # Corrupt a record the database points to (a random spot might hit an unreferenced one).
    with open_database(crawl["db"])() as session:
        capture = session.scalars(
            select(Capture).where(Capture.warc_offset.is_not(None)).order_by(Capture.id)
        ).first()
    assert capture is not None and capture.warc_file and capture.warc_offset is not None
    victim = broken / Path(capture.warc_file).name
    data = bytearray(victim.read_bytes())
    start = capture.warc_offset + 40
    data[start : start + 64] = b"\0" * 64
    victim.write_bytes(bytes(data))
    bad = run_cli("verify", "--db", crawl["db"], "--archive", str(broken), "-q")
    assert bad.returncode == 1
    assert "capture" in bad.stdout and "wrong" in bad.stderr


def test_export_writes_every_report_with_provenance(crawl: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "reports.jsonl"
    result = run_cli("export", "--format", "jsonl", "--out", str(out), "--db", crawl["db"])
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == crawl["ev"].stored_reports
    keys = {
        "url",
        "final_url",
        "fetched_at",
        "http_status",
        "content_type",
        "encoding",
        "warc_file",
        "warc_record_id",
        "warc_offset",
        "payload_sha256",
        "crawl_id",
        "attachment_of",
    }
    for rec in lines:
        assert rec["schema"].startswith("gov-reports/record@")
        assert set(rec["source"]) >= keys
        assert rec["source"]["crawl_id"] == crawl["report"]["crawl_id"]
        assert rec["source"]["fetched_at"].endswith("Z")
    attachments = [r for r in lines if r["source"]["attachment_of"]]
    assert attachments and all(
        r["source"]["url"].rsplit(".", 1)[-1] in ("pdf", "docx", "doc", "wps") for r in attachments
    )


def test_table_cells_match_the_truth(crawl: dict[str, Any]) -> None:
    ev: Evaluation = crawl["ev"]
    print(f"\ncells {ev.cells}, matching {ev.cell_accuracy:.4%}")
    for m in ev.cell_mismatches[:10]:
        print("mismatch:", json.dumps(m, ensure_ascii=False))
    assert ev.cells > 10000
    assert ev.cell_accuracy >= 0.99


def test_near_duplicate_groups_never_join_different_reports(crawl: dict[str, Any]) -> None:
    by_url = {}
    for t in crawl["truth"]:
        if t["kind"] == "report":
            for url in t["urls"] + t["page_urls"]:
                by_url[url] = t["report_id"]
    with crawl["sessions"]() as session:
        urls: dict[int, set[str]] = {}
        for doc_id, url in session.execute(select(Capture.document_id, Capture.url)).all():
            urls.setdefault(doc_id, set()).add(url)
        for doc in session.scalars(select(Document).where(Document.near_dup_of.is_not(None))):
            mine = {by_url.get(u) for u in urls.get(doc.id, ())}
            head = {by_url.get(u) for u in urls.get(doc.near_dup_of, ())}
            assert mine & head, f"document {doc.id} grouped with {doc.near_dup_of}"


def test_redirect_hops_and_robots_txt_are_archived_too(crawl: dict[str, Any]) -> None:
    aliases = {h for t in crawl["truth"] if t["kind"] == "site" for h in t["alias_hosts"]}
    statuses: dict[str, set[int]] = {}
    for warc in (crawl["out"] / "warc").glob("*.warc.gz"):
        with warc.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type == "response":
                    url = urlsplit(rec.rec_headers.get_header("WARC-Target-URI"))
                    code = int(rec.http_headers.get_statuscode())
                    statuses.setdefault(
                        url.path if url.path == "/robots.txt" else url.hostname or "", set()
                    ).add(code)
    assert statuses.get("/robots.txt"), "robots.txt responses belong in the archive"
    linked_aliases = [h for h in aliases if h in statuses]
    assert linked_aliases, "some sites link their bare host, which answers 301"
    assert all(301 in statuses[h] for h in linked_aliases)
