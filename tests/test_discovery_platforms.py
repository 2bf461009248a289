"""The portal-platform CMS families (issue 16) on fixture pages written from the real shapes.

Each family is pure (text in, URLs out), so these need neither Scrapy nor the simulator.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from crawler.discovery import challenge, gkmlpt, hanweb_xxgk, idpage, openness
from crawler.discovery.families import registered

FIXTURES = Path(__file__).parent / "fixtures" / "platforms"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_platform_families_are_registered_before_the_cms_they_run_on() -> None:
    names = [f.NAME for f in registered()]
    for name in ("hanweb_xxgk", "openness", "gkmlpt", "idpage"):
        assert names.index(name) < names.index("hanweb") < names.index("generic")


# -- Hanweb's information-disclosure module --------------------------------------------------
def test_hanweb_xxgk_enumerates_every_unit_and_year() -> None:
    html = fixture("hanweb_xxgk_unit.html")
    page = "http://www.lishui.gov.cn/col/col1229286013/index.html?vc_xxgkarea=11332500002645739N"
    assert hanweb_xxgk.detect(html)
    # Units from vc_xxgkarea links, the tree script and the list script's variable, once each.
    assert hanweb_xxgk.areas(html) == ["113325000026455663", "11332500002645739N"]
    ups = hanweb_xxgk.follow_ups(html, page, today=dt.date(2024, 6, 1))
    assert len(ups) == 2 * (2024 - 2008 + 1)
    assert ups[0].url == (
        "http://www.lishui.gov.cn/module/xxgk/xxgkAnnualReport.jsp"
        "?area=113325000026455663&fbtime=2024"
    )
    assert ups[1].url.endswith("area=11332500002645739N&fbtime=2024")  # newest year first
    assert ups[-1].url.endswith("area=11332500002645739N&fbtime=2008")
    assert len({u.url for u in ups}) == len(ups)
    # Each answer is read as a page, so an empty year (no report title) is not stored.
    assert all(u.state == {"parse_as": "nav"} for u in ups)


def test_hanweb_xxgk_reads_units_from_index_numbers_and_not_from_report_pages() -> None:
    rows = fixture("hanweb_xxgk_search.html")
    assert hanweb_xxgk.areas(rows) == ["331100000000000", "331102000000123"]
    report = "http://a.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=331100000000000&fbtime=2020"
    assert hanweb_xxgk.follow_ups(rows, report) == []
    assert not hanweb_xxgk.detect("<html><a href='/col/col1/index.html'>x</a></html>")


# -- OpennessAnnualReport / XxgkAnnualReport -------------------------------------------------
def test_openness_derives_the_annual_list_a_unit_menu_hides_in_a_script() -> None:
    html = fixture("openness_unit.html")
    base = "http://www.xuancheng.gov.cn/openness/OpennessContent/showList/23015/4281/page_1.html"
    assert openness.detect(html)
    links = openness.embedded_links(html, base)
    assert [link.url for link in links] == [
        "http://www.xuancheng.gov.cn/openness/OpennessAnnualReport/showList/23015/page_1.html"
    ]
    assert links[0].text == "政府信息公开年报"


def test_openness_pages_a_list_and_climbs_from_a_report_to_its_unit_list() -> None:
    html = fixture("openness_annual_list.html")
    page = "http://www.zlt.gov.cn/XxgkAnnualReport/showList/31007/page_1.html"
    assert openness.list_pages(html, page, 200) == [
        f"http://www.zlt.gov.cn/XxgkAnnualReport/showList/31007/page_{n}.html" for n in (1, 2, 3)
    ]
    assert openness.list_pages(html, page, 2)[-1].endswith("page_2.html")
    report = fixture("openness_report.html")
    url = "http://www.tl.gov.cn/openness/OpennessAnnualReport/show/5519203.html"
    assert [link.url for link in openness.embedded_links(report, url)] == [
        "http://www.tl.gov.cn/openness/OpennessAnnualReport/showList/40233/page_1.html"
    ]


# -- gkmlpt ------------------------------------------------------------------------------------
INDEX = "http://www.kaiping.gov.cn/kpsrmzf/gkmlpt/index"


def test_gkmlpt_reads_the_script_shell_and_asks_the_api_by_post_count() -> None:
    html = fixture("gkmlpt_index.html")
    assert gkmlpt.detect(html)
    assert gkmlpt.report_categories(html) == ("2_39", [(4512, 230)])
    ups = gkmlpt.follow_ups(html, INDEX)
    assert [u.url for u in ups] == [
        f"http://www.kaiping.gov.cn/kpsrmzf/gkmlpt/api/all/4512?page={n}&sid=2_39"
        for n in (1, 2, 3)
    ]
    assert gkmlpt.follow_ups(html, "http://www.kaiping.gov.cn/xxgk/") == []


def test_gkmlpt_items_keep_the_catalogue_scheme_and_leave_other_sites_to_the_scope() -> None:
    html = fixture("gkmlpt_index.html")
    up = gkmlpt.follow_ups(html, INDEX)[0]
    links, more = gkmlpt.on_follow_up(fixture("gkmlpt_api.json"), up.url, up.state)
    assert [(link.url, link.text) for link in links] == [
        # https on the catalogue's own host: fetched over http, as the catalogue answered
        (
            "http://www.kaiping.gov.cn/kpsrmzf/gkmlpt/content/3/3428/post_3428136.html",
            "开平市2022年政府信息公开工作年度报告",
        ),
        # protocol-relative
        (
            "http://www.kaiping.gov.cn/kpsjyj/gkmlpt/content/3/3429/post_3429001.html",
            "开平市教育局2022年政府信息公开工作年度报告",
        ),
        # type 'url': another site, handed on unchanged for the spider's scope check to refuse
        (
            "http://www.gd.gov.cn/gkmlpt/content/3/3300/post_3300001.html",
            "广东省人民政府办公厅2022年政府信息公开工作年度报告",
        ),
    ]
    # `total` (198) is below post_count (230): pages are counted from the larger.
    assert len(more) == 3


def test_gkmlpt_a_full_page_asks_for_the_next_even_when_the_counts_say_no() -> None:
    html = fixture("gkmlpt_index.html")
    up = gkmlpt.follow_ups(html, INDEX)[0]
    state = {**up.state, "post_count": 0}
    full = {
        "total": 50,
        "articles": [
            {
                "id": i,
                "title": f"某县{2000 + i % 20}年政府信息公开工作年度报告",
                "url": f"/p/{i}.html",
            }
            for i in range(gkmlpt.PER_PAGE)
        ],
    }
    url = up.url.replace("page=1", "page=2")
    links, more = gkmlpt.on_follow_up(json.dumps(full, ensure_ascii=False), url, state)
    assert len(links) == 100
    assert more[-1].url.endswith("page=3&sid=2_39")
    assert gkmlpt.on_follow_up("<html>error</html>", url, state) == ([], [])


# -- ID-named article platforms ------------------------------------------------------------------
def test_idpage_pages_a_six_argument_create_page_html() -> None:
    html = fixture("idpage_hex32_list.html")
    page = "http://www.xiushui.gov.cn/xxgk/xzf/zfxxgknb/xxgk_list.shtml"
    assert idpage.detect(html)
    assert idpage.list_pages(html, page, 200) == [
        "http://www.xiushui.gov.cn/xxgk/xzf/zfxxgknb/xxgk_list.shtml",
        *(f"http://www.xiushui.gov.cn/xxgk/xzf/zfxxgknb/xxgk_list_{n}.shtml" for n in (2, 3, 4)),
    ]


def test_idpage_pages_a_list_counted_only_by_max_page() -> None:
    html = fixture("idpage_id19_list.html")
    page = "http://atcm.shaanxi.gov.cn/zfxxgk/zfxxgknb/1.html"
    assert idpage.detect(html)
    assert idpage.list_pages(html, page, 3) == [
        f"http://atcm.shaanxi.gov.cn/zfxxgk/zfxxgknb/{n}.html" for n in (1, 2, 3)
    ]
    # A 19-digit article is not a numbered list page.
    assert (
        idpage.list_pages(html, "http://a.gov.cn/zfxxgk/zfxxgknb/1609302187334410240.html", 9) == []
    )


# -- anti-bot walls --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "name", "kind"),
    [(412, "wall_412.html", "412"), (521, "wall_jsl.html", "jsl"), (200, "wall_jsl.html", "jsl")],
)
def test_challenge_walls_are_recognised(status: int, name: str, kind: str) -> None:
    assert challenge.wall(status, (FIXTURES / name).read_bytes()) == kind


def test_ordinary_pages_are_not_walls() -> None:
    for name in ("openness_report.html", "gkmlpt_index.html", "idpage_id19_list.html"):
        assert challenge.wall(200, (FIXTURES / name).read_bytes()) is None
    assert challenge.wall(521, b"<html><body>Web server is down</body></html>") == "521"
    assert challenge.wall(412, b"") is None  # a precondition failure, no script: not a wall
    # The script challenge is a wall whatever the status it comes with.
    assert challenge.wall(200, (FIXTURES / "wall_412.html").read_bytes()) == "script"
