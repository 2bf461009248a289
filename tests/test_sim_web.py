"""The simulated county web against its own answer key (sim/)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sim import SimWeb
from sim.explore import decode, explore
from sim.labels import APP_COLUMNS
from sim.registry import REGISTRY_PATH

SEED = 7
SITES = 40
REPORT_TITLE = re.compile(r"<title>[^<]*\d{4}年[^<]*年度报告[^<]*</title>")
APP_COLS = APP_COLUMNS


@lru_cache(maxsize=1)
def web() -> SimWeb:
    return SimWeb(sites=SITES, seed=SEED)


@lru_cache(maxsize=1)
def truth() -> list[dict]:
    return list(web().truth())


def entries(kind: str, host: str | None = None) -> list[dict]:
    return [
        e
        for e in truth()
        if e["kind"] == kind and (host is None or e.get("site_host", e.get("host")) == host)
    ]


def site(**want: object) -> dict:
    for s in entries("site"):
        if all(s[k] == v for k, v in want.items()):
            return s
    pytest.skip(f"no site with {want} among {SITES} sites of seed {SEED}")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    status, hdrs, body = web().respond("GET", url, headers or {})
    return status, dict(hdrs), body


@pytest.mark.parametrize("cms", ["trs", "hanweb", "vsb", "generic"])
def test_reports_reachable_from_home_are_exactly_the_truth(cms: str) -> None:
    s = site(cms=cms)
    host = s["host"]
    reports = entries("report", host)
    assert reports, "every site publishes reports"
    found = explore(web(), host)
    reached = found.ok()
    want = {u for r in reports for u in r["urls"] + r["page_urls"]}
    assert want <= reached, f"unreachable report URLs: {sorted(want - reached)[:5]}"
    # Every reached page that looks like a report is a report or a declared decoy.
    known = want | {d["url"] for d in entries("decoy", host)}
    for url in reached:
        visit = found.visits[url]
        if "html" in visit.content_type and REPORT_TITLE.search(
            decode(visit.body, visit.content_type)
        ):
            assert url in known, f"{url} looks like a report but the truth does not list it"
    # Decoys are reachable too, and never listed as reports.
    decoys = {d["url"] for d in entries("decoy", host)}
    assert decoys & reached
    assert not decoys & want


def test_truth_covers_every_kind_template_format_and_layout() -> None:
    reports = entries("report")
    assert {r["issuer_kind"] for r in reports} == {
        "government",
        "government_office",
        "department",
        "township",
    }
    assert {r["template"] for r in reports} == {"2021", "2019", "pre2019"}
    assert {r["format"] for r in reports} == {"html", "text", "pdf", "docx"}
    assert {r["text_layout"] for r in reports if r["format"] == "text"} == {
        "rows",
        "cells",
        "pipes",
    }
    assert {d["reason"] for d in entries("decoy")} >= {"notice", "news", "other-column"}
    years = {r["year"] for r in reports}
    assert min(years) == 2008 and max(years) == 2025
    for r in reports:
        expected = "pre2019" if r["year"] < 2019 else "2019" if r["year"] < 2021 else "2021"
        assert r["template"] == expected
        assert (r["attachment_of"] is not None) == (r["format"] in ("pdf", "docx"))
    assert {s["cms"] for s in entries("site")} == {"trs", "hanweb", "vsb", "generic"}


def _flow_ok(apps: dict, outcome_rows: list[str]) -> bool:
    for row in apps.values():
        if row["total"] != sum(row[c] for c in APP_COLS[:-1]):
            return False
    for c in APP_COLS:
        if apps["new_received"][c] + apps["carried_over"][c] != (
            apps["total_processed"][c] + apps["carried_forward"][c]
        ):
            return False
        if apps["total_processed"][c] != sum(apps[k][c] for k in outcome_rows):
            return False
    return True


def test_identities_hold_unless_the_truth_flags_them() -> None:
    flagged = 0
    for r in entries("report"):
        if r["template"] == "pre2019":
            assert r["active_disclosure"] is None
            assert set(r["applications"]) == {"new_received"}
            continue
        apps = r["applications"]
        fixed = {"new_received", "carried_over", "total_processed", "carried_forward"}
        outcome = [k for k in apps if k not in fixed]
        assert len(outcome) == (21 if r["template"] == "2021" else 19)
        review_ok = all(
            g["total"] == g["upheld"] + g["corrected"] + g["other"] + g["pending"]
            for g in r["review_litigation"].values()
        )
        ok = _flow_ok(apps, outcome) and review_ok
        bad = "totals-dont-add-up" in r["hazards"]
        flagged += bad
        assert ok != bad, r["report_id"]
    assert flagged > 0


def _page_text(url: str) -> str:
    status, hdrs, body = get(url)
    assert status == 200
    return re.sub(r"<[^>]+>", " ", decode(body, hdrs.get("Content-Type", "")))


def test_printed_numbers_are_the_truth_values() -> None:
    checked = Counter()
    for r in entries("report"):
        if r["format"] not in ("html", "text") or checked[r["format"], r["template"]] >= 3:
            continue
        text = re.sub(r"\s+", " ", _page_text(r["url"]).replace("|", " "))
        if r["template"] == "pre2019":
            n = r["applications"]["new_received"]["total"]
            assert (f"共收到政府信息公开申请{n}件" in text) or (
                n == 0 and "未收到政府信息公开申请" in text
            )
        else:
            row = r["applications"]["new_received"]
            label = "一、本年新收政府信息公开申请数量"
            numbers = " ".join(str(row[c]) for c in APP_COLS)
            assert f"{label} {numbers}" in text, r["url"]
            review = " ".join(str(v) for g in r["review_litigation"].values() for v in g.values())
            assert review in text
        checked[r["format"], r["template"]] += 1
    assert len(checked) == 5


def test_gbk_site_bytes_decode_as_gbk_not_utf8() -> None:
    s = site(charset="gbk", charset_declared=True)
    status, hdrs, body = get(s["home"])
    assert status == 200 and "charset=GBK" in hdrs["Content-Type"]
    assert f"{s['name']}人民政府" in body.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    bare = site(charset="gbk", charset_declared=False)
    status, hdrs, body = get(bare["home"])
    assert hdrs["Content-Type"] == "text/html" and b"charset" not in body
    assert f"{bare['name']}人民政府" in body.decode("gbk")


def test_validators_answer_304_when_they_match() -> None:
    s = site(validators=True)
    url = entries("report", s["host"])[0]["page_urls"][0]
    status, hdrs, body = get(url)
    assert status == 200 and body
    etag, last = hdrs["ETag"], hdrs["Last-Modified"]
    status, _, body = get(url, {"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert get(url, {"If-Modified-Since": last})[0] == 304
    assert get(url, {"If-None-Match": '"other"'})[0] == 200
    assert get(url, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    plain = site(validators=False)
    url = entries("report", plain["host"])[0]["page_urls"][0]
    status, hdrs, _ = get(url, {"If-None-Match": "*"})
    assert status == 200 and "ETag" not in hdrs and "Last-Modified" not in hdrs


def test_two_instances_serve_identical_bytes() -> None:
    other = SimWeb(sites=SITES, seed=SEED)
    urls = [s["home"] for s in entries("site")[:5]]
    urls += [r["url"] for r in entries("report")[::40]]
    for url in urls:
        assert web().respond("GET", url, {}) == other.respond("GET", url, {}), url
    assert list(other.truth()) == truth()
    one = entries("site")[3]["host"]
    assert list(other.truth(hosts=[one])) == [
        e for e in truth() if e.get("site_host", e.get("host")) == one
    ]
    different = SimWeb(sites=SITES, seed=SEED + 1)
    assert [s.host for s in different.configs] != [s.host for s in web().configs]


def test_robots_rules_and_blocked_reports() -> None:
    s = site(robots_txt=True)
    status, _, body = get(f"http://{s['host']}/robots.txt")
    assert status == 200
    rules = re.findall(r"^Disallow: (.+)$", body.decode(), re.MULTILINE)
    assert rules == s["robots_disallow"]
    missing = site(robots_txt=False)
    assert get(f"http://{missing['host']}/robots.txt")[0] == 404
    year_sites = [
        x for x in entries("site") if x["robots_disallow"] not in ([], ["/"], ["/db_backup/"])
    ]
    assert year_sites, "some site disallows part of its report column"
    for x in entries("site"):
        for r in entries("report", x["host"]):
            paths = [urlsplit(u).path for u in [r["url"], r["attachment_of"]] if u]
            blocked = any(p.startswith(rule) for p in paths for rule in x["robots_disallow"])
            assert r["robots_blocked"] == blocked
    assert any(r["robots_blocked"] for r in entries("report"))


def test_bare_host_redirects_to_www() -> None:
    s = next(x for x in entries("site") if x["alias_hosts"])
    status, hdrs, _ = get(f"http://{s['alias_hosts'][0]}/robots.txt?x=1")
    assert status == 301 and hdrs["Location"] == f"http://{s['host']}/robots.txt?x=1"


def test_cms_paging_quirks() -> None:
    hanweb = site(cms="hanweb")
    column = hanweb["report_column"]
    assert get(column.replace("index.html", "index_1.html"))[0] == 404
    status, _, page = get(column)
    text = decode(page)
    colid = re.search(r"columnid:(\d+)", text).group(1)
    total = len([r for r in entries("report", hanweb["host"]) for _ in r["page_urls"]])
    status, hdrs, xml = get(
        f"http://{hanweb['host']}/module/web/jpage/dataproxy.jsp?columnid={colid}&startrecord=1"
        "&endrecord=5&perpage=5"
    )
    xml_text = decode(xml, hdrs["Content-Type"])
    assert status == 200 and xml_text.count("<record>") == 5
    # Hanweb pagers POST the same parameters as a form.
    form = f"columnid={colid}&startrecord=6&endrecord=8&perpage=3".encode()
    proxy = f"http://{hanweb['host']}/module/web/jpage/dataproxy.jsp"
    status, _, posted = web().respond("POST", proxy, {}, form)
    assert status == 200 and decode(posted).count("<record>") == 3
    notices = len([d for d in entries("decoy", hanweb["host"]) if d["reason"] == "notice"])
    assert f"<totalrecord>{total + notices}</totalrecord>" in xml_text
    trs = site(cms="trs")
    text = decode(get(trs["report_column"])[2])
    pages = int(re.search(r"createPageHTML\((\d+),", text).group(1))
    status, _, past = get(f"{trs['report_column']}index_{pages}.html")
    assert status == 200 and b'http-equiv="refresh"' in past


def test_mirrors_copy_reports_under_other_names() -> None:
    mirrors = entries("mirror")
    kinds = {tuple(m["hazards"]) for m in mirrors}
    assert kinds == {("spam-hijack",), ("traditional-script", "pinyin-annotations")}
    ids = {r["report_id"]: r for r in entries("report")}
    site_hosts = {s["host"] for s in entries("site")}
    for m in mirrors:
        assert m["host"] not in site_hosts and not m["host"].endswith(".gov.cn")
        source = ids[m["copy_of"]]
        assert urlsplit(m["url"]).path == urlsplit(source["url"]).path
        status, _, body = get(m["url"])
        text = body.decode("utf-8")
        assert status == 200
        if "spam-hijack" in m["hazards"]:
            assert "官网" in text or "体育" in text or "竞猜" in text
            assert source["region_name"] not in text
        else:
            assert re.search(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔù]+\)", text)
            assert "報告" in text
    # The mirror is linked from its county's home page as a friendly link.
    m = mirrors[0]
    home = get(f"http://{m['site_host']}/")[2]
    assert f"http://{m['host']}/".encode() in home


def test_spider_trap_is_endless_and_holds_no_report() -> None:
    s = next(x for x in entries("site") if x["spider_trap"])
    url, seen = s["spider_trap"], set()
    for _ in range(200):
        status, hdrs, body = get(url)
        assert status == 200 and url not in seen
        seen.add(url)
        nxt = re.search(r'href="([^"]+)">后一天', decode(body, hdrs["Content-Type"])).group(1)
        url = f"http://{s['host']}{nxt}"
    report_urls = {u for r in entries("report") for u in r["urls"] + r["page_urls"]}
    assert not any("/calendar/" in u for u in report_urls)


def test_sites_csv_has_the_registry_format(tmp_path) -> None:
    out = tmp_path / "sites.csv"
    assert web().write_sites_csv(out) == SITES
    with REGISTRY_PATH.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == header and len(rows) == SITES
    assert [r["host"] for r in rows] == [s["host"] for s in entries("site")]
    assert all(r["url"] == f"http://{r['host']}/" for r in rows)


def test_bad_arguments_are_refused() -> None:
    for kwargs in ({"sites": 0}, {"epoch": -1}, {"faults": 1.5}):
        with pytest.raises(ValueError):
            SimWeb(**kwargs)
    status, hdrs, _ = web().respond("GET", "http://www.not-simulated.example/", {})
    assert status == 404 and hdrs[-1] == ("X-Sim", "unknown-host")


DIGEST = """
import hashlib, json
from sim import SimWeb
web = SimWeb(sites=6, seed=9, epoch=1)
h = hashlib.sha256()
for entry in web.truth():
    h.update(json.dumps(entry, ensure_ascii=False, sort_keys=True).encode())
    for url in (entry.get("urls") or [])[:1]:
        if entry.get("format") in ("html", "text"):
            h.update(web.respond("GET", url, {})[2])
print(h.hexdigest())
"""


def test_output_does_not_depend_on_the_process_hash_seed() -> None:
    import os
    import subprocess
    import sys

    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", DIGEST],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1 and len(digests.pop()) == 64
