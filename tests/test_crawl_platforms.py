"""End to end on a simulated web where the portal platforms are common (issue 16).

Five sites, seed 95: the Hanweb xxgk module, OpennessAnnualReport, gkmlpt (item URLs in https,
which the simulator, like some real sites, does not serve), a 32-hex ID-named platform, and a
site behind a 521 JS-challenge wall. One crawl per module, in a subprocess.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from crawler.evaluate import evaluate, load_truth
from sim import SimWeb
from storage.db import open_database
from storage.models import Site
from tests.cli import crawl_web

SITES, SEED, SHARE = 5, 95, 0.9


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("platform-crawl")
    web = SimWeb(sites=SITES, seed=SEED, platforms=SHARE)
    result, db = crawl_web(web, out)
    assert result.returncode == 0, result.stderr[-3000:]
    truth = load_truth(out / "truth.jsonl")
    sessions = open_database(db)
    with sessions() as session:
        ev = evaluate(session, truth)
    yield {
        "web": web,
        "truth": truth,
        "report": json.loads(result.stdout),
        "ev": ev,
        "sessions": sessions,
    }


def test_the_mix_has_every_platform_and_a_wall(crawl: dict[str, Any]) -> None:
    sites = [t for t in crawl["truth"] if t["kind"] == "site"]
    open_sites = {t["cms"] for t in sites if not t["challenge"]}
    assert open_sites == {"hanweb_xxgk", "openness", "gkmlpt", "idpage"}
    assert [t["challenge"] for t in sites if t["challenge"]] == ["521"]


def test_recall_and_precision_of_reachable_reports(crawl: dict[str, Any]) -> None:
    ev = crawl["ev"]
    print("\nevaluation:", json.dumps(ev.summary()))
    assert ev.expected > 100 and ev.challenge_blocked_expected > 0
    assert ev.recall >= 0.99, ev.missed[:20]
    assert ev.precision >= 0.99, ev.false_positives[:20]
    assert ev.cell_accuracy >= 0.99


def test_no_request_leaves_the_crawled_sites(crawl: dict[str, Any]) -> None:
    web: SimWeb = crawl["web"]
    own = {c.host for c in web.configs} | set(web.bare)
    assert web.hosts_requested and set(web.hosts_requested) <= own, set(web.hosts_requested) - own
    cross = [t for t in crawl["truth"] if t["kind"] == "cross-site"]
    assert cross  # gkmlpt's `type: 'url'` items were there to be refused
    gkmlpt = next(s for s in crawl["report"]["sites"] if s["cms"] == "gkmlpt")
    assert gkmlpt["offsite_refused"] >= len(cross) and gkmlpt["failed"] == 0


def test_each_site_reports_the_family_it_was_recognised_as(crawl: dict[str, Any]) -> None:
    truth = {t["host"]: t for t in crawl["truth"] if t["kind"] == "site"}
    for row in crawl["report"]["sites"]:
        if not truth[row["host"]]["challenge"]:
            assert row["cms"] == truth[row["host"]]["cms"]
            assert row["status"] == "ok" and row["reports"] > 0


def test_walled_site_is_challenge_blocked_and_left_alone(crawl: dict[str, Any]) -> None:
    walled = next(t for t in crawl["truth"] if t["kind"] == "site" and t["challenge"])
    row = next(s for s in crawl["report"]["sites"] if s["host"] == walled["host"])
    assert row["status"] == "challenge-blocked" and row["challenged"] >= 1
    assert row["reports"] == 0 and row["failed"] == 0
    assert crawl["report"]["totals"]["status_challenge-blocked"] == 1
    # Politeness: robots.txt and the home page, nothing more.
    assert crawl["web"].hosts_requested[walled["host"]] <= 2
    with crawl["sessions"]() as session:
        site = session.scalar(select(Site).where(Site.host == walled["host"]))
        assert site is not None and site.last_status == "challenge-blocked"
