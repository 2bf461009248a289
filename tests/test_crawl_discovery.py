"""Discovery strategies in isolation: titles, pagers, CMS families, shells, scope, traps, encoding."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.discovery import hanweb, pagination, redirects, trs, vsb
from crawler.discovery import text as t
from crawler.discovery.families import caseless
from crawler.discovery.links import extract_links
from crawler.discovery.scope import TrapDetector, in_scope, registrable_domain
from crawler.items import DocumentItem
from crawler.sites import SitesError, load_sites
from crawler.spiders.gov_reports import GovReportsSpider
from parsers.encoding import decide_encoding


@pytest.mark.parametrize(
    "title",
    [
        "富源县2019年政府信息公开工作年度报告",
        "宿松县财政局2021年度政府信息公开工作年度报告",
        "东城区人民政府2012年政府信息公开年度报告",
        "XX镇人民政府2020年政府信息公开工作年度报告（县财政局转发）",
    ],
)
def test_report_titles_are_reports(title: str) -> None:
    assert t.is_report_title(title)


@pytest.mark.parametrize(
    "title",
    [
        "关于做好2020年度政府信息公开工作年度报告编制发布工作的通知",
        "关于报送2021年政府信息公开工作年度报告的通知",
        "宿松县2026年政务公开工作要点",
        "关于2019年度政府信息公开工作年度报告的补充说明",
        "宿松县2020年度法治政府建设情况报告",
        "宿松县2021年政府工作报告",
        "政府信息公开年报",  # the column, not a report
    ],
)
def test_notices_plans_and_columns_are_not_reports(title: str) -> None:
    assert not t.is_report_title(title)


def test_column_names_lead_towards_the_reports() -> None:
    assert t.is_report_column("政府信息公开年报") and t.is_report_column("年度报告")
    assert t.is_disclosure_column("政府信息公开") and t.is_disclosure_column("法定主动公开内容")
    assert not t.is_disclosure_column("通知公告") and not t.is_report_column("新闻动态")


def test_trs_create_page_html_announces_every_list_page() -> None:
    html = '<div class="p_next"><script>createPageHTML(4, 0, "index", "html");</script></div>'
    urls = trs.pager_urls(html, "http://www.a.gov.cn/xxgk/zfxxgknb/index.html")
    assert urls == [
        "http://www.a.gov.cn/xxgk/zfxxgknb/index.html",
        "http://www.a.gov.cn/xxgk/zfxxgknb/index_1.html",
        "http://www.a.gov.cn/xxgk/zfxxgknb/index_2.html",
        "http://www.a.gov.cn/xxgk/zfxxgknb/index_3.html",
    ]
    assert trs.is_trs('<div class="TRS_Editor">') and not trs.is_trs("<div>")


def test_caseless_text_matches_where_ignorecase_does() -> None:
    """Every character, against every character the families' fingerprints are made of: a
    plain search of `caseless(text)` finds exactly what an IGNORECASE search of `text` finds
    (İ, ı, ſ and the Kelvin sign included), at the same positions."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    folded = caseless(every)
    assert len(folded) == len(every)
    for char in string.ascii_lowercase + string.digits + "_<>/=.#'\"":
        ignorecase = [m.start() for m in re.finditer(re.escape(char), every, re.IGNORECASE)]
        assert [m.start() for m in re.finditer(re.escape(char), folded)] == ignorecase, char
    assert trs.is_trs("Custom_Un\u0131onStyle") and vsb.is_vsb("V\u017fbHead")
    assert hanweb.is_hanweb("/COL/col12/") and not hanweb.is_hanweb("/col/colx/")


@pytest.mark.parametrize(
    ("text", "url", "page", "expected"),
    [
        ("下页", "http://a.gov.cn/xxgk/nb/3.htm", "http://a.gov.cn/xxgk/nb.htm", True),  # VSB
        ("尾页", "http://a.gov.cn/xxgk/nb/1.htm", "http://a.gov.cn/xxgk/nb/3.htm", True),
        ("下一页", "http://a.gov.cn/xxgk/nb/?page=2", "http://a.gov.cn/xxgk/nb/", True),
        ("", "http://a.gov.cn/xxgk/nb/list_3.html", "http://a.gov.cn/xxgk/nb/list_2.html", True),
        ("", "http://a.gov.cn/col/index_2.html", "http://a.gov.cn/col/index_1.html", True),
        (
            "3",
            "http://a.gov.cn/c/column-index-3.shtml",
            "http://a.gov.cn/c/column-index-2.shtml",
            True,
        ),
        ("", "http://a.gov.cn/xxgk/nb/2020/content_1.html", "http://a.gov.cn/xxgk/nb/", False),
        ("新闻动态", "http://a.gov.cn/xwzx/zwdt/", "http://a.gov.cn/xxgk/nb/", False),
    ],
)
def test_pager_links_are_told_from_other_links(
    text: str, url: str, page: str, expected: bool
) -> None:
    assert pagination.is_pager_link(text, url, page) is expected


def test_js_page_count_and_numbered_pages() -> None:
    assert pagination.js_page_count("var countPage = 3;") == 3
    assert pagination.numbered_pages("http://a.gov.cn/nb/index.html", 3) == [
        "http://a.gov.cn/nb/index_1.html",
        "http://a.gov.cn/nb/index_2.html",
    ]
    assert pagination.numbered_pages("http://a.gov.cn/nb/?page=1", 3) == [
        "http://a.gov.cn/nb/?page=2",
        "http://a.gov.cn/nb/?page=3",
    ]


HANWEB_PAGE = (
    '<div id="div123"><script type="text/xml"><datastore><nextgroup><![CDATA['
    '<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=42&columnid=1234567"></a>]]>'
    '</nextgroup><recordset><record><![CDATA[<li><a href="/art/2021/3/1/art_1234567_9.html" '
    'title="某县2020年政府信息公开工作年度报告">某县2020年…</a></li>]]></record></recordset>'
    "</datastore></script></div><script>$('#div123').jpage({proxyUrl:'/module/web/jpage/"
    "dataproxy.jsp',perPage:15,totalRecord:40,ajaxParam:{col:1,appid:1,webid:42,path:'/',"
    "columnid:1234567,sourceContentType:1,unitid:34567,webname:'某县人民政府',permissiontype:0}});"
    "</script>"
)


def test_hanweb_datastore_records_and_proxy_pages() -> None:
    page = "http://www.a.gov.cn/col/col1234567/index.html"
    assert hanweb.is_hanweb(HANWEB_PAGE)
    links = extract_links(Selector(text=hanweb.records(HANWEB_PAGE)[0]), page)
    assert links[0].url == "http://www.a.gov.cn/art/2021/3/1/art_1234567_9.html"
    assert t.is_report_title(links[0].text)  # the title attribute beats the truncated text
    proxy, params = hanweb.proxy_params(HANWEB_PAGE, page)
    assert proxy == "http://www.a.gov.cn/module/web/jpage/dataproxy.jsp"
    assert params["columnid"] == "1234567" and params["webid"] == "42"
    urls = hanweb.proxy_page_urls(proxy, params, int(params["totalrecord"]), int(params["perpage"]))
    assert len(urls) == 3 and "startrecord=31" in urls[-1] and "endrecord=45" in urls[-1]
    xml = "<datastore><totalrecord>40</totalrecord><totalpage>3</totalpage></datastore>"
    assert hanweb.total_records(xml) == 40 and hanweb.total_pages(xml) == 3


def test_vsb_fingerprint_and_counted_pages() -> None:
    html = '<!--#begineditable name="x"--><span class="p_t">共45条</span><span>1/3页</span>'
    assert vsb.is_vsb(html)
    assert vsb.pager_urls(html, "http://a.gov.cn/xxgk/nb.htm")[:2] == [
        "http://a.gov.cn/xxgk/nb/1.htm",
        "http://a.gov.cn/xxgk/nb/2.htm",
    ]


@pytest.mark.parametrize(
    ("html", "target"),
    [
        ('<meta http-equiv="refresh" content="0;url=/xxgk/">', "/xxgk/"),
        ('<script>location.replace("/zfxxgk/");</script>', "/zfxxgk/"),
        ("<script>window.location.href='/a/b.html';</script>", "/a/b.html"),
    ],
)
def test_forwarding_shells_are_followed(html: str, target: str) -> None:
    assert redirects.redirect_target(f"<html><head>{html}</head><body></body></html>", 0) == target


def test_shells_are_found_as_the_ignorecase_patterns_found_them() -> None:
    """`redirect_target` searches a lowered copy; the URL keeps the page's case, and the
    answer is the one the former IGNORECASE search of the first 20,000 characters gave."""
    old_meta = re.compile(
        r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']\s*\d*\s*;?\s*"""
        r"""(?:url\s*=\s*)?['"]?([^"'>\s]+)""",
        re.IGNORECASE,
    )
    old_js = re.compile(
        r"""(?:window\.|document\.|self\.|top\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']"""
        r"""|location\.(?:replace|assign)\(\s*["']([^"']+)["']\s*\)""",
        re.IGNORECASE,
    )

    def old(html: str) -> str | None:
        html = html[:20000]
        if m := old_meta.search(html):
            return m.group(1)
        if m := old_js.search(html):
            return m.group(1) or m.group(2)
        return None

    pages = [
        '<META HTTP-EQUIV="Refresh" CONTENT="0; URL=/XxGk/Index.HTML">',
        "<title>\u0130\u0131\u017f</title><SCRIPT>Location.Replace('/ZfXxGk/');</SCRIPT>",
        '<script>Window.Location.HREF = "/A/B.html?ID=İ";</script>',
        "<script>top.location.assign( '/k/\u212a.htm' )</script>",
        "<meta http-equiv=refresh content='5;url=http://X.gov.cn/Y'>",
        "<p>no forwarding here</p>",
        " " * 19990 + "<script>location.href='/too/far';</script>",
        "İ" * 50 + "<script>location.href='/after/dotted/I';</script>",
    ]
    for page in pages:
        assert redirects.redirect_target(page, 0) == old(page), page
    assert redirects.redirect_target(pages[0], 0) == "/XxGk/Index.HTML"


def test_a_long_page_with_a_location_script_is_not_a_shell() -> None:
    html = "<script>location.href='/x';</script>" + "正文" * 400
    assert redirects.redirect_target(html, 800) is None


def test_scope_keeps_the_county_domain_and_refuses_mirrors() -> None:
    assert registrable_domain("www.qjfy.gov.cn") == "qjfy.gov.cn"
    assert registrable_domain("luolong.changdu.gov.cn") == "changdu.gov.cn"
    assert in_scope("http://qjfy.gov.cn/a", "www.qjfy.gov.cn")
    assert in_scope("http://file.qjfy.gov.cn/x.pdf", "www.qjfy.gov.cn")
    assert not in_scope("http://www.kaiyun-abc123.com/zwgk/t1.html", "www.qjfy.gov.cn")
    assert not in_scope("http://www.gov.cn/", "www.qjfy.gov.cn")
    assert not in_scope("http://www.other.gov.cn/", "www.qjfy.gov.cn")
    # A county hosted under its prefecture's domain owns its host, not its neighbours'.
    assert in_scope("http://luolong.changdu.gov.cn/zfxxgk/", "luolong.changdu.gov.cn")
    assert not in_scope("http://karuo.changdu.gov.cn/zfxxgk/", "luolong.changdu.gov.cn")


def test_trap_detector_stops_calendars_loops_and_query_explosions() -> None:
    traps = TrapDetector(max_query_variants=5)
    assert traps.is_trap("http://a.gov.cn/calendar/?date=2026-01-14") == "calendar"
    assert traps.is_trap("http://a.gov.cn/x/a/x/b/x/c.html") == "repeated-path-segment"
    assert traps.is_trap("http://a.gov.cn/list.jsp?year=2020&month=3") == "calendar"
    assert traps.is_trap("http://a.gov.cn/" + "a" * 500) == "url-too-long"
    verdicts = [traps.is_trap(f"http://a.gov.cn/s.jsp?q={i}") for i in range(7)]
    assert verdicts[:5] == [None] * 5 and verdicts[5:] == ["query-explosion"] * 2
    assert traps.is_trap("http://a.gov.cn/xxgk/nb/index_3.html") is None


GBK_PAGE = "<html><body>宿松县2020年政府信息公开工作年度报告</body></html>".encode("gbk")


@pytest.mark.parametrize(
    ("body", "ctype", "expected"),
    [
        (GBK_PAGE, "text/html; charset=GB2312", ("gb18030", "header")),
        (GBK_PAGE, "text/html", ("gb18030", "detected")),  # undeclared GBK
        (GBK_PAGE, "text/html; charset=utf-8", ("gb18030", "detected")),  # a wrong header
        (b'<meta charset="gbk">' + GBK_PAGE, None, ("gb18030", "meta")),
        ("<p>年度报告</p>".encode(), "text/html; charset=UTF-8", ("utf-8", "header")),
        (b"\xef\xbb\xbf<p>x</p>", None, ("utf-8", "bom")),
        # Big5 bytes also "decode" as GB18030, into nonsense: charset-normalizer decides.
        (
            (
                "<p>" + "臺北市政府資訊公開工作年度報告，本機關依法辦理申請案件共計五十件。" * 3
            ).encode("big5"),
            "text/html",
            ("big5hkscs", "detected"),
        ),
    ],
)
def test_encoding_header_then_meta_then_detection(
    body: bytes, ctype: str | None, expected: tuple[str, str]
) -> None:
    assert decide_encoding(body, ctype) == expected


def test_sites_come_from_the_registry_and_bad_files_name_themselves(tmp_path: Path) -> None:
    sites = load_sites(max_sites=3)
    assert len(sites) == 3 and all(s.url == f"http://{s.host}/" for s in sites)
    assert [s.code for s in load_sites(codes=["110101"])] == ["110101"]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SitesError, match=r"bad\.csv"):
        load_sites(bad)
    with pytest.raises(SitesError, match=r"missing\.csv"):
        load_sites(tmp_path / "missing.csv")


def _spider(tmp_path: Path, **extra: object) -> GovReportsSpider:
    csv = tmp_path / "sites.csv"
    csv.write_text(
        "code,name,status,url,host\n341000,某县,在用,http://www.a.gov.cn/,www.a.gov.cn\n",
        encoding="utf-8",
    )
    import crawler.settings as project

    settings = {k: v for k, v in vars(project).items() if k.isupper()}
    settings["EXTENSIONS"] = {}  # no crawl context: no lock, database or run record
    crawler = get_crawler(GovReportsSpider, {**settings, **extra})
    return GovReportsSpider.from_crawler(crawler, sites=str(csv))


def _response(url: str, html: str, role: str) -> HtmlResponse:
    req = Request(url, meta={"site": "341000", "role": role, "hops": 2})
    return HtmlResponse(url, body=html.encode(), encoding="utf-8", request=req)


def test_list_page_follows_reports_attachments_and_pages_but_not_notices(tmp_path: Path) -> None:
    spider = _spider(tmp_path)
    html = (
        "<ul><li><a href='/nb/202103/t20210301_1.html'>某县2020年政府信息公开工作年度报告</a></li>"
        "<li><a href='/nb/202001/t20200101_2.html'>关于报送2019年政府信息公开工作年度报告的通知</a></li>"
        "<li><a href='/nb/P020210301.pdf'>某县财政局2020年政府信息公开工作年度报告.pdf</a></li>"
        "<li><a href='http://www.kaiyun-x.com/nb/t1.html'>某县2020年政府信息公开工作年度报告</a></li>"
        "</ul><script>createPageHTML(2, 0, 'index', 'html');</script>"
    )
    out = list(spider.parse(_response("http://www.a.gov.cn/nb/index.html", html, "list")))
    roles = {r.url: r.meta["role"] for r in out if isinstance(r, Request)}
    assert roles == {
        "http://www.a.gov.cn/nb/202103/t20210301_1.html": "report",
        "http://www.a.gov.cn/nb/P020210301.pdf": "attachment",
        "http://www.a.gov.cn/nb/index_1.html": "list",
    }
    assert not any(isinstance(r, DocumentItem) for r in out)  # a list is no report
    assert spider.crawler.stats.get_value("site/341000/offsite_refused") == 1


def test_report_page_becomes_an_item_and_a_wrapper_page_does_not(tmp_path: Path) -> None:
    spider = _spider(tmp_path)
    title = "某县2020年政府信息公开工作年度报告"
    full = (
        f"<title>{title}</title><h1>{title}</h1>" + "<p>一、总体情况。本机关认真贯彻落实。</p>" * 80
    )
    items = [
        o
        for o in spider.parse(_response("http://www.a.gov.cn/nb/t1.html", full, "report"))
        if isinstance(o, DocumentItem)
    ]
    assert len(items) == 1 and items[0].kind == "page"
    wrapper = f"<title>{title}</title><p>{title}已发布，详见附件。</p><a href='/nb/P1.pdf'>{title}.pdf</a>"
    out = list(spider.parse(_response("http://www.a.gov.cn/nb/t2.html", wrapper, "report")))
    assert not any(isinstance(o, DocumentItem) for o in out)
    follow = [o for o in out if isinstance(o, Request)]
    assert [(r.url, r.meta["attachment_of"]) for r in follow] == [
        ("http://www.a.gov.cn/nb/P1.pdf", "http://www.a.gov.cn/nb/t2.html")
    ]


REPORT = (
    "一、总体情况。2020年，某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》，"
    "全年主动公开政府信息1234条，收到政府信息公开申请56件，办结56件。"
    "二、主动公开政府信息情况。制发规范性文件12件，废止3件，现行有效89件。"
) * 6


def test_near_duplicates_need_more_than_a_close_simhash() -> None:
    from crawler.pipelines.dedupe import is_near_duplicate

    repost = "（县财政局转发）" + REPORT + "来源：县财政局"
    assert is_near_duplicate(repost, REPORT)
    other_year = REPORT.replace("2020", "2019").replace("1234", "987").replace("56", "71")
    other_year = other_year.replace("12件", "9件").replace("89", "93").replace("3件", "5件")
    assert not is_near_duplicate(other_year, REPORT)


@pytest.mark.parametrize(
    "pages",
    [
        [
            "http://a.gov.cn/xxgk/nb.htm",
            "http://a.gov.cn/xxgk/nb/3.htm",
            "http://a.gov.cn/xxgk/nb/1.htm",
        ],
        ["http://a.gov.cn/nb/index.html", "http://a.gov.cn/nb/index_4.html"],
        ["http://a.gov.cn/nb/", "http://a.gov.cn/nb/?page=2", "http://a.gov.cn/nb/list_3.html"],
        ["http://a.gov.cn/c/column-index-1.shtml", "http://a.gov.cn/c/column-index-9.shtml"],
    ],
)
def test_pages_of_one_list_share_a_list_key(pages: list[str]) -> None:
    # The per-list page cap counts by this key, so every page style must collapse to one key.
    assert len({pagination.list_key(u) for u in pages}) == 1
    assert pagination.list_key(pages[0]) != pagination.list_key("http://a.gov.cn/other/")


def test_every_registered_cms_family_implements_the_protocol() -> None:
    from crawler.discovery.families import CmsFamily, registered

    names = [family.NAME for family in registered()]
    assert names[-1] == "generic" and len(set(names)) == len(names)
    for family in registered():
        for member in ("NAME", *(n for n in vars(CmsFamily) if not n.startswith("_"))):
            assert hasattr(family, member), f"{family.NAME} lacks {member}"


def test_hanweb_family_asks_its_data_proxy_and_reads_the_answer() -> None:
    from crawler.discovery import hanweb

    page = "http://www.a.gov.cn/col/col123/index.html"
    ups = hanweb.follow_ups(HANWEB_PAGE, page)
    assert ups and all("dataproxy.jsp" in u.url for u in ups)
    xml = (
        "<datastore><totalrecord>40</totalrecord><recordset><record><![CDATA["
        "<a href='/art/2021/1/1/art_1.html'>某县2020年政府信息公开工作年度报告</a>"
        "]]></record></recordset></datastore>"
    )
    links, more = hanweb.on_follow_up(xml, ups[0].url, ups[0].state)
    assert [link.url for link in links] == ["http://www.a.gov.cn/art/2021/1/1/art_1.html"]
    assert len(more) == 3 and more[0].state == ups[0].state  # 40 records, 15 a block


def test_navigation_leaves_a_share_of_the_budget_for_reports_and_attachments(
    tmp_path: Path,
) -> None:
    """The budget is spent as requests are scheduled: a list of many columns parsed first
    must not leave nothing for the report and attachment a page parsed next links to."""
    spider = _spider(tmp_path, GOV_REPORTS_SITE_PAGE_BUDGET=10)
    columns = "".join(
        f"<li><a href='/col/{i}/'>政府信息公开年报{i}栏目</a></li>" for i in range(30)
    )
    out = list(spider.parse(_response("http://www.a.gov.cn/xxgk/", f"<ul>{columns}</ul>", "nav")))
    assert [r.meta["role"] for r in out if isinstance(r, Request)] == ["list"] * 8  # 80 %
    assert spider.crawler.stats.get_value("site/341000/budget_exhausted") == 22
    html = (
        "<ul><li><a href='/nb/t1.html'>某县2020年政府信息公开工作年度报告</a></li>"
        "<li><a href='/nb/P1.pdf'>某县财政局2020年政府信息公开工作年度报告.pdf</a></li>"
        "<li><a href='/col/99/'>政府信息公开年报99栏目</a></li></ul>"
    )
    out = list(spider.parse(_response("http://www.a.gov.cn/col/1/", html, "list")))
    assert {r.url: r.meta["role"] for r in out if isinstance(r, Request)} == {
        "http://www.a.gov.cn/nb/t1.html": "report",
        "http://www.a.gov.cn/nb/P1.pdf": "attachment",
    }
    assert spider.crawler.stats.get_value("site/341000/budget_exhausted") == 23
