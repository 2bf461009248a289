"""The simulated portal platforms (sim.families, issue 16) against their own answer key."""

from __future__ import annotations

import dataclasses
import json
import re
from functools import lru_cache
from urllib.parse import urlsplit

import pytest

from service.cli import main
from sim import SimWeb
from sim.explore import decode
from sim.families import gkmlpt, hanweb_xxgk, openness
from sim.families.common import units

SEED, SITES, SHARE = 3, 60, 0.8
REPORT_TITLE = re.compile(r"<title>[^<]*\d{4}年[^<]*年度报告[^<]*</title>")


@lru_cache(maxsize=1)
def web() -> SimWeb:
    return SimWeb(sites=SITES, seed=SEED, platforms=SHARE)


@lru_cache(maxsize=1)
def truth() -> list[dict]:
    return list(web().truth())


def sites(**want: object) -> list[dict]:
    return [
        e
        for e in truth()
        if e["kind"] == "site" and not e["challenge"] and all(e[k] == v for k, v in want.items())
    ]


def reports(host: str) -> list[dict]:
    return [e for e in truth() if e["kind"] == "report" and e["site_host"] == host]


def get(url: str, method: str = "GET", body: bytes = b"") -> tuple[int, dict[str, str], str]:
    status, headers, payload = web().respond(method, url, {}, body)
    hdrs = dict(headers)
    return status, hdrs, decode(payload, hdrs.get("Content-Type", ""))


def test_platforms_leave_the_classic_sites_as_they_were() -> None:
    classic = {c.host: c for c in SimWeb(sites=SITES, seed=SEED).configs}
    kinds = {c.cms for c in web().configs}
    assert kinds >= {"hanweb_xxgk", "openness", "gkmlpt", "idpage"}
    assert kinds & {"trs", "hanweb", "vsb", "generic"}
    for cfg in web().configs:
        if cfg.cms in ("trs", "hanweb", "vsb", "generic"):
            assert dataclasses.replace(cfg, challenge=None) == classic[cfg.host]
    assert not any(c.challenge for c in classic.values())
    styles = {(c.cms, c.platform_style) for c in web().configs if c.platform_style}
    assert len(styles) == 9  # every variant of every family appears in this mix
    assert {c.challenge for c in web().configs} == {None, "412", "jsl", "521"}


def test_report_pages_are_served_with_their_title() -> None:
    for site in sites():
        # A spread sample per site; attachments render slowly (test_sim_attachments has them).
        for r in reports(site["host"])[::9]:
            for url in r["page_urls"]:
                status, _, html = get(url)
                assert status == 200 and f"<title>{r['title']}</title>" in html, url


def test_walls_stand_in_front_of_every_page() -> None:
    walled = [e for e in truth() if e["kind"] == "site" and e["challenge"]]
    assert walled
    expected_status = {"412": 412, "jsl": 200, "521": 521}
    for site in walled:
        paths = [site["home"], site["report_column"], f"http://{site['host']}/robots.txt"]
        paths += [r["url"] for r in reports(site["host"])[:3]]
        for url in paths:
            status, _, html = get(url)
            assert status == expected_status[site["challenge"]]
            assert ("$_ts" in html) if site["challenge"] == "412" else ("__jsl_clearance" in html)
        assert all(r["challenge_blocked"] for r in reports(site["host"]))
    assert not any(r["challenge_blocked"] for s in sites() for r in reports(s["host"]))


def test_hanweb_xxgk_reports_are_listed_nowhere_and_empty_years_answer_empty() -> None:
    for site in sites(cms="hanweb_xxgk"):
        host, plan = site["host"], web().plan(site["host"])
        areas = [hanweb_xxgk.area(plan.cfg, slot) for slot, _ in units(plan)]
        assert len(set(areas)) == len(areas)
        shape = r"11\d{15}[0-9A-Z]" if site["platform_style"] == "sd" else r"\d{15}"
        assert all(re.fullmatch(shape, a) for a in areas)
        served = [get(f"http://{host}{hanweb_xxgk.unit_page(plan.cfg, 'gov')}")[2]]
        served.append(get(f"http://{host}{hanweb_xxgk.TREE}?area={areas[0]}")[2])
        form = f"infotypeId=&area={areas[0]}&currpage=1".encode()
        served.append(get(f"http://{host}{hanweb_xxgk.SEARCH}", "POST", form)[2])
        assert "tr_main_value_odd" in served[-1] and "funGoPage" in served[0]
        # A script builds the address; no page carries one whole.
        assert not any(re.search(r"AnnualReport\.jsp\?area=\w+&fbtime=\d", p) for p in served)
        published = {re.search(r"area=(\w+)", r["page_urls"][0]).group(1) for r in reports(host)}
        assert published <= set(areas)
    # Every unit and year on one site: a report exactly where the truth has one.
    site = sites(cms="hanweb_xxgk")[0]
    plan = web().plan(site["host"])
    published = {r["page_urls"][0] for r in reports(site["host"])}
    empty = 0
    for slot, _ in units(plan):
        for year in range(2008, 2027):
            url = (
                f"http://{site['host']}{hanweb_xxgk.ANNUAL}"
                f"?area={hanweb_xxgk.area(plan.cfg, slot)}&fbtime={year}"
            )
            status, _, html = get(url)
            assert status == 200 and bool(REPORT_TITLE.search(html)) == (url in published)
            empty += url not in published
    assert empty > 0


def test_openness_lists_each_unit_across_pages_with_ids_out_of_date_order() -> None:
    scripted_menus = shuffled = 0
    for site in sites(cms="openness"):
        host, plan = site["host"], web().plan(site["host"])
        listed: list[str] = []
        for slot, _name in units(plan):
            unit_page = get(f"http://{host}{openness.unit_list(plan.cfg, slot)}")[2]
            annual = openness.annual_list(plan.cfg, slot)
            scripted_menus += f'href="{annual}"' not in unit_page and "goAnnual(" in unit_page
            page, ids = 1, []
            while True:
                status, _, html = get(f"http://{host}{openness.annual_list(plan.cfg, slot, page)}")
                assert status == 200 and "网站首页" in html
                found = re.findall(r'href="([^"]*AnnualReport/show/(\d+)\.html)"', html)
                listed += [f"http://{host}{path}" for path, _ in found]
                ids += [int(i) for _, i in found]
                if f"page_{page + 1}.html" not in html:
                    break
                page += 1
            shuffled += ids != sorted(ids, reverse=True) and ids != sorted(ids)
        want = [u for r in reports(host) for u in r["page_urls"]]
        assert sorted(listed) == sorted(want)
        assert all(
            re.search(r"/(openness/Openness|Xxgk)AnnualReport/show/\d+\.html$", u) for u in want
        )
    assert scripted_menus and shuffled


def test_gkmlpt_is_a_script_shell_over_a_json_api() -> None:
    stale = 0
    for site in sites(cms="gkmlpt"):
        host, plan = site["host"], web().plan(site["host"])
        status, _, shell = get(site["report_column"])
        assert status == 200 and "window._CONFIG" in shell and "<a " not in shell
        sid = re.search(r"SID: '(\w+)'", shell).group(1)
        m = re.search(
            r"id: (\d+), name: '政府信息公开年报', children: \[\], post_count: (\d+)", shell
        )
        category, post_count = m.group(1), int(m.group(2))
        api = f"{site['report_column'].rsplit('/', 1)[0]}/api/all/{category}"
        assert get(f"{api}?page=1&sid=wrong")[0] == 403
        articles: list[dict] = []
        for page in range(1, post_count // gkmlpt.PER_PAGE + 2):
            status, hdrs, text = get(f"{api}?page={page}&sid={sid}")
            data = json.loads(text)
            assert status == 200 and "json" in hdrs["Content-Type"]
            assert data["offset"] == (page - 1) * gkmlpt.PER_PAGE and len(data["articles"]) <= 100
            articles += data["articles"]
        assert len(articles) == post_count
        stale += data["total"] < post_count
        normal = {a["url"] for a in articles if a["type"] == "normal"}
        cross = {a["url"] for a in articles if a["type"] == "url"}
        scheme = {"absolute": "http:", "protocol-relative": "", "https": "https:"}
        on_site = {
            f"{scheme[site['platform_style']]}//{host}" + urlsplit(u).path
            for r in reports(host)
            for u in r["page_urls"]
        }
        assert on_site <= normal  # the government's catalogue lists every unit's reports
        truth_cross = {
            e["url"] for e in truth() if e["kind"] == "cross-site" and e["site_host"] == host
        }
        assert cross == truth_cross and all(urlsplit(u).hostname != host for u in cross)
        for r in reports(host):
            assert re.search(r"/gkmlpt/content/\d+/\d+/post_\d+\.html$", r["page_urls"][0])
        assert plan.cfg.charset == "utf-8"
    assert stale  # some sites' `total` falls below the category's post_count


def test_id_named_pages_list_their_later_pages_only_by_script() -> None:
    for site in sites(cms="idpage"):
        host = site["host"]
        html = get(site["report_column"])[2]
        if site["platform_style"] == "hex32":
            m = re.search(
                r"createPageHTML\('page_div', (\d+), 1, 'xxgk_list', 'shtml', (\d+)\)", html
            )
            assert m and "xxgk_list_2.shtml" not in html
            pages = int(m.group(1))
            later = site["report_column"].replace(".shtml", f"_{pages}.shtml")
            shape = r"/\d{6}/[0-9a-f]{32}\.shtml$"
        else:
            m = re.search(r"maxPage = parseInt\('(\d+)'\)", html)
            assert m and 'href="2.html"' not in html
            pages = int(m.group(1))
            later = site["report_column"].replace("/1.html", f"/{pages}.html")
            shape = r"/zfxxgk/zfxxgknb/\d{19}\.html$"
        if pages > 1:
            assert get(later)[0] == 200
        assert all(re.search(shape, r["page_urls"][0]) for r in reports(host))
    assert {s["platform_style"] for s in sites(cms="idpage")} == {"hex32", "id19"}


def test_sim_write_takes_a_platform_share(tmp_path) -> None:
    out = tmp_path / "sim"
    assert (
        main(
            ["sim", "write", "--sites", "8", "--seed", "5", "--platforms", "0.9", "--out", str(out)]
        )
        == 0
    )
    entries = [
        json.loads(line) for line in (out / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert {e["cms"] for e in entries if e["kind"] == "site"} & {
        "hanweb_xxgk",
        "openness",
        "gkmlpt",
        "idpage",
    }
    assert main(["sim", "write", "--platforms", "1.5", "--out", str(out)]) == 2
    with pytest.raises(ValueError):
        SimWeb(sites=2, platforms=-0.1)
