"""Recrawls of the simulated web: same epoch (nothing new, revisit records, ≤10% bytes on sites
with validators), a run before anything is due, then epoch + 1 (exactly the truth's new and
revised reports become documents and versions; vanished pages are marked gone).

Four `gov-reports crawl` subprocesses share one archive, run once per module.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator

from sim import SimWeb, serve_in_thread
from storage.db import open_database
from storage.models import Capture, CrawlRun, Document, FetchState, ReportVersion
from storage.warc import REVISIT_IDENTICAL, REVISIT_NOT_MODIFIED
from tests.cli import crawl_sim, run_cli

SITES, SEED = 6, 5  # 2 of the 6 sites send validators; every CMS family appears
RUNS = [  # (name, epoch, --now)
    ("first", 0, "2027-06-01"),
    ("same", 0, "2027-06-09"),  # everything due again (7 days outside the season)
    ("early", 0, "2027-06-10"),  # one day later: stored reports are not due yet
    ("next", 1, "2027-07-09"),
]


def warc_records(warc_dir: Path, crawl_id: str) -> list[dict[str, Any]]:
    out = []
    for path in sorted(warc_dir.glob(f"gov-reports-{crawl_id}-*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type not in ("response", "revisit"):
                    continue
                h = rec.rec_headers
                out.append(
                    {
                        "type": rec.rec_type,
                        "uri": h.get_header("WARC-Target-URI"),
                        "date": h.get_header("WARC-Date"),
                        "digest": h.get_header("WARC-Payload-Digest"),
                        "profile": h.get_header("WARC-Profile"),
                        "refers_uri": h.get_header("WARC-Refers-To-Target-URI"),
                        "refers_date": h.get_header("WARC-Refers-To-Date"),
                        "status": int(rec.http_headers.get_statuscode()),
                    }
                )
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("recrawl")
    db = f"sqlite:///{out / 'archive.sqlite'}"
    reports: dict[str, dict[str, Any]] = {}
    truth: dict[int, list[dict[str, Any]]] = {}
    for name, epoch, now in RUNS:
        web = SimWeb(sites=SITES, seed=SEED, epoch=epoch)
        web.write_sites_csv(out / "sites.csv")
        truth[epoch] = list(web.truth())
        with serve_in_thread(web, port=0) as server:
            result = crawl_sim(out, db, server.proxy_url, "--now", now)
        assert result.returncode == 0, result.stderr[-3000:]
        reports[name] = json.loads(result.stdout)
        reports[name]["summary"] = result.stderr.strip().splitlines()[-1]
    yield {"out": out, "db": db, "reports": reports, "truth": truth, "sessions": open_database(db)}


def test_same_epoch_recrawl_stores_nothing_new(runs: dict[str, Any]) -> None:
    first, same = runs["reports"]["first"]["totals"], runs["reports"]["same"]["totals"]
    print(
        "\nfirst:",
        runs["reports"]["first"]["summary"],
        "\nsame: ",
        runs["reports"]["same"]["summary"],
    )
    assert first["new"] > 100
    assert same["new"] == 0 and same["revised"] == 0 and same["duplicate"] == 0
    assert same["unchanged"] == first["candidates"]
    with runs["sessions"]() as session:
        run_id = session.scalar(
            select(CrawlRun.id).where(CrawlRun.crawl_id == runs["reports"]["same"]["crawl_id"])
        )
        assert session.scalar(select(func.count()).where(Capture.crawl_run_id == run_id)) == 0


def test_same_epoch_recrawl_costs_at_most_a_tenth_of_the_bytes_on_validator_sites(
    runs: dict[str, Any],
) -> None:
    hosts = {e["host"] for e in runs["truth"][0] if e["kind"] == "site" and e["validators"]}
    assert hosts, "the simulated web should have sites with validators"

    def bytes_on(name: str) -> int:
        return sum(s["bytes"] for s in runs["reports"][name]["sites"] if s["host"] in hosts)

    ratio = bytes_on("same") / bytes_on("first")
    print(f"\nbytes on validator sites: {bytes_on('same')} / {bytes_on('first')} = {ratio:.3f}")
    assert ratio <= 0.10


def test_one_revisit_record_per_unchanged_page(runs: dict[str, Any]) -> None:
    warc = runs["out"] / "warc"
    first = warc_records(warc, runs["reports"]["first"]["crawl_id"])
    same = warc_records(warc, runs["reports"]["same"]["crawl_id"])
    full = {r["uri"]: r for r in first if r["type"] == "response" and r["status"] == 200}
    revisits = [r for r in same if r["type"] == "revisit"]
    assert not [r for r in same if r["type"] == "response" and r["status"] == 200]

    # One revisit per full 200 response of the first run. robots.txt is left out of the
    # count: a host with a bare alias may have it fetched once or twice per run (directly, and
    # through the alias's 301, whichever Scrapy's robots middleware races to first).
    def pages(records: list[dict[str, Any]]) -> Counter[str]:
        return Counter(r["uri"] for r in records if not r["uri"].endswith("/robots.txt"))

    assert pages(revisits) == pages(list(full.values()))
    assert set(pages(revisits).values()) == {1}
    assert {r["uri"] for r in revisits} == set(full)
    validator_hosts = {
        e["host"] for e in runs["truth"][0] if e["kind"] == "site" and e["validators"]
    }
    for r in revisits:
        original = full[r["uri"]]
        assert r["refers_uri"] == r["uri"] and r["refers_date"] == original["date"]
        assert r["digest"] == original["digest"]
        host = r["uri"].split("/")[2]
        if host in validator_hosts and not r["uri"].endswith("/robots.txt"):
            assert r["profile"] == REVISIT_NOT_MODIFIED and r["status"] == 304
        elif host not in validator_hosts:
            assert r["profile"] == REVISIT_IDENTICAL and r["status"] == 200


def test_pages_not_yet_due_are_not_fetched(runs: dict[str, Any]) -> None:
    same, early = runs["reports"]["same"]["totals"], runs["reports"]["early"]["totals"]
    assert early["not_due"] > 0 and early["new"] == 0
    assert early["responses"] < same["responses"] - early["not_due"] // 2


def _url_map(truth: list[dict[str, Any]]) -> dict[str, str]:
    out = {}
    for e in truth:
        if e["kind"] == "report":
            for url in [e["url"], *e["urls"], *e["page_urls"]]:
                out[url] = e["report_id"]
    return out


def test_next_epoch_stores_exactly_the_new_and_revised_reports(runs: dict[str, Any]) -> None:
    truth = runs["truth"][1]
    by_url = _url_map(truth)
    reports = {e["report_id"]: e for e in truth if e["kind"] == "report"}
    expected = {
        rid
        for rid, e in reports.items()
        if (e["epoch_added"] == 1 or 1 in e["revised_in_epochs"])
        and e["gone_in_epoch"] is None
        and not e["robots_blocked"]
    }
    revised = {rid for rid in expected if reports[rid]["epoch_added"] < 1}
    assert expected and revised
    crawl_id = runs["reports"]["next"]["crawl_id"]
    with runs["sessions"]() as session:
        rows = session.execute(
            select(Capture.final_url, Document.id, Document.previous_id)
            .join(CrawlRun, CrawlRun.id == Capture.crawl_run_id)
            .join(Document, Document.id == Capture.document_id)
            .join(ReportVersion, ReportVersion.document_id == Document.id)
            .where(
                CrawlRun.crawl_id == crawl_id,
                Capture.outcome.in_(("new", "near-duplicate")),
                ReportVersion.official.is_(True),
            )
        ).all()
        found = {by_url.get(url) for url, _, _ in rows}
        assert None not in found, [u for u, _, _ in rows if u not in by_url]
        assert found == expected
        for url, _doc, previous_id in rows:
            if by_url[url] in revised:
                # A new version of the same report: linked to what the URL served before.
                assert previous_id is not None
                earlier = session.scalars(
                    select(Capture.final_url).where(Capture.document_id == previous_id)
                ).all()
                assert url in earlier
            else:
                assert previous_id is None
    totals = runs["reports"]["next"]["totals"]
    assert totals["revised"] == len({by_url[u] for u, _, p in rows if p is not None})


def test_vanished_pages_are_marked_gone_and_nothing_is_deleted(runs: dict[str, Any]) -> None:
    truth = runs["truth"][1]
    gone = [
        e
        for e in truth
        if e["kind"] == "report" and e["gone_in_epoch"] == 1 and not e["robots_blocked"]
    ]
    assert gone
    with runs["sessions"]() as session:
        states = {s.url: s for s in session.scalars(select(FetchState))}
        for e in gone:
            for url in {e["url"], *e["page_urls"]}:
                state = states[url]
                assert state.gone_at is not None and state.http_status in (404, 410), url
                assert state.last_seen_at is not None and state.last_seen_at < state.gone_at
                # Its stored document is still there.
                assert state.document_id is None or session.get(Document, state.document_id)
        marked = {s.url for s in states.values() if s.gone_at is not None}
        alive = {
            u
            for e in truth
            if e["kind"] == "report" and e["gone_in_epoch"] is None
            for u in [e["url"], *e["page_urls"]]
        }
        assert not marked & alive
    assert runs["reports"]["next"]["totals"]["gone"] >= len(gone)


def test_diff_shows_the_changed_cells_of_a_revised_report(runs: dict[str, Any]) -> None:
    with runs["sessions"]() as session:
        doc = session.scalars(
            select(Document).where(Document.previous_id.is_not(None)).order_by(Document.id)
        ).first()
        assert doc is not None
        url = session.scalar(select(Capture.final_url).where(Capture.document_id == doc.id))
    result = run_cli("diff", doc.doc_id, "--db", runs["db"], "--json")
    assert result.returncode == 0, result.stderr
    (change,) = json.loads(result.stdout)
    assert change["new"]["id"] == doc.id and change["old"]["id"] == doc.previous_id
    assert change["cells"], "a revision changes the request counts"
    assert all(c["old"] != c["new"] for c in change["cells"])
    by_url = run_cli("diff", url, "--db", runs["db"])
    assert by_url.returncode == 0 and "→" in by_url.stdout and url in by_url.stdout
    missing = run_cli("diff", "0123456789abcdef", "--db", runs["db"])
    assert missing.returncode == 2 and "no document" in missing.stderr


def test_verify_passes_after_the_recrawls(runs: dict[str, Any]) -> None:
    result = run_cli("verify", "--db", runs["db"], "-q")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
