"""Hanweb's information-disclosure module (`/module/xxgk/…`, Shandong, Zhejiang).

Units are reached as `col/colN/index.html?vc_xxgkarea=<area>&…`; their page loads the category
tree (`tree.jsp?…&area=`) and the document list (a POST to `search.jsp`, rows
`tr.tr_main_value_odd/even`, pages by `funGoPage(n)`) by script. A report is
`xxgkAnnualReport.jsp?area=<area>&fbtime=<year>`, one per unit and year, and no page lists it:
a year without a report answers 200 with an empty page.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from sim import pages
from sim.families.common import items_of, unit_name, units
from sim.rng import stable_int

if TYPE_CHECKING:
    from sim.plan import SitePlan
    from sim.site import Decoy, ReportPlan, SiteConfig
    from sim.web import Response, SimWeb

NAME = "hanweb_xxgk"
STYLES = ("sd", "zj")  # area codes: Shandong's 18-character ids, Zhejiang's 15-digit codes
ANNUAL = "/module/xxgk/xxgkAnnualReport.jsp"
SEARCH = "/module/xxgk/search.jsp"
TREE = "/module/xxgk/tree.jsp"
PER_PAGE = 15
_CHECK = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CATEGORIES = ("机构职能", "法规文件", "规划计划", "财政信息", "政府信息公开年报")


def area(cfg: SiteConfig, slot: str) -> str:
    """The unit's code: `11<division><9 digits><check>` (sd) or `<division><unit><6 digits>` (zj)."""
    n = stable_int(cfg.seed, cfg.host, "area", slot)
    if cfg.platform_style == "sd":
        return f"11{cfg.code}{n % 10**9:09d}{_CHECK[n % len(_CHECK)]}"
    index = ["gov", "office"].index(slot) if slot in ("gov", "office") else 0
    if slot.startswith(("dept", "town")):
        index = 10 * (1 + slot.startswith("town")) + int(slot.rsplit("-", 1)[1])
    return f"{cfg.code}{index:03d}{n % 10**6:06d}"


def _col(cfg: SiteConfig) -> int:
    return stable_int(cfg.seed, cfg.host, "xxgk-col") % 9000000 + 1229000000


def unit_page(cfg: SiteConfig, slot: str) -> str:
    uid = stable_int(cfg.seed, cfg.host, "uid", slot) % 9000000 + 1000000
    return f"/col/col{_col(cfg)}/index.html?vc_xxgkarea={area(cfg, slot)}&number=&uid={uid}"


def report_paths(plan: SitePlan, r: ReportPlan) -> list[str]:
    # One address per unit and year: a re-post has nowhere else to live.
    return [f"{ANNUAL}?area={area(plan.cfg, r.slot)}&fbtime={r.year}"]


def attachment_paths(plan: SitePlan, r: ReportPlan, ext: str) -> list[str]:
    return [f"/module/xxgk/file/{r.published:%Y%m%d}{r.art_id}.{ext}"]


def notice_path(plan: SitePlan, d: Decoy) -> str:
    day = d.published
    return f"/art/{day.year}/{day.month}/{day.day}/art_{_col(plan.cfg)}_{d.art_id}.html"


def add_routes(plan: SitePlan) -> None:
    for slot, _ in units(plan):
        plan.routes[unit_page(plan.cfg, slot)] = ("family", "unit", slot)


def entry_links(plan: SitePlan) -> list[tuple[str, str]]:
    return [(name, unit_page(plan.cfg, slot)) for slot, name in units(plan)]


def report_column(plan: SitePlan) -> str:
    return unit_page(plan.cfg, "gov")


def report_crumbs(plan: SitePlan, r: ReportPlan) -> list[tuple[str, str]]:
    return [("首页", "/"), (unit_name(plan, r.slot), unit_page(plan.cfg, r.slot))]


def render(web: SimWeb, plan: SitePlan, route: tuple) -> str:
    slot = route[2]
    code = area(plan.cfg, slot)
    name = unit_name(plan, slot)
    body = (
        f'<h2>{escape(name)}</h2><div id="xxgk_tree"></div>'
        f'<script src="{TREE}?divid=xxgk_tree&area={code}&standardXxgk=1"></script>'
        '<div id="xxgk_list"></div><script>'
        f"var vc_area='{code}';function funGoPage(p){{$.post('{SEARCH}',"
        "{infotypeId:'',area:vc_area,fbtime:'',currpage:p,sortfield:',compaltedate:0'},"
        "function(d){$('#xxgk_list').html(d);});}funGoPage(1);"
        "function showAnnualReport(y){window.open('/module/xxgk/xxgkAnnualReport.jsp?area='"
        "+vc_area+'&fbtime='+y);}</script>"
        '<ul class="menu"><li><a href="javascript:void(0)" onclick="showAnnualReport('
        'new Date().getFullYear()-1)">政府信息公开年报</a></li></ul>'
    )
    crumbs = [("首页", "/"), ("政府信息公开", plan.layout.xxgk)]
    return pages.page(plan.cfg, f"{name}信息公开", body, crumbs, web._meta(plan))


def dynamic(web: SimWeb, plan: SitePlan, path: str, query: str, body: bytes) -> Response | None:
    params = {k: v[-1] for k, v in parse_qs(query).items()}
    if body:
        params.update({k: v[-1] for k, v in parse_qs(body.decode("latin-1")).items()})
    if path == ANNUAL:
        return _annual(web, plan, params)
    if path == SEARCH:
        return _search(web, plan, params)
    if path == TREE:
        code = params.get("area", "")
        lines = ["var d=new dTree('d');d.add('0','-1','信息公开目录');"]
        for i, cat in enumerate(_CATEGORIES, 1):
            lines.append(f"d.add('{i}','0','{cat}',\"javascript:search('{i}','{code}')\");")
        lines.append("document.write(d);")
        return 200, [("Content-Type", "application/javascript")], "\n".join(lines).encode()
    return None


def _annual(web: SimWeb, plan: SitePlan, params: dict[str, str]) -> Response:
    by_area = {area(plan.cfg, slot): slot for slot, _ in units(plan)}
    slot = by_area.get(params.get("area", ""))
    year = params.get("fbtime", "")
    for r in plan.reports:
        if r.slot == slot and str(r.year) == year and r.alive_at(plan.epoch):
            return web._html(plan, web._report_page(plan, r, 0), web._last_modified(plan, r))
    # No report for this unit and year: the module answers 200 with an empty page.
    html = pages.page(
        plan.cfg, "政府信息公开年度报告", '<div class="nb_content"></div>', None, web._meta(plan)
    )
    return web._html(plan, html, None)


def _search(web: SimWeb, plan: SitePlan, params: dict[str, str]) -> Response:
    """The unit's documents as rows (the government unit holds the column's notices)."""
    code = params.get("area", "")
    rows = [it for it in items_of(plan, {"gov"}) if it.report is None]
    rows += plan.columns.get("fdzdgk", [])
    if code != area(plan.cfg, "gov"):
        rows = []
    try:
        page = max(1, int(params.get("currpage", "1")))
    except ValueError:
        page = 1
    total_pages = max(1, -(-len(rows) // PER_PAGE))
    chunk = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    out = ['<table class="tb_main">']
    for i, it in enumerate(chunk):
        cls = "tr_main_value_odd" if i % 2 == 0 else "tr_main_value_even"
        index_no = f"{code}/{it.date.year}-{stable_int(it.path) % 100000:05d}"
        out.append(
            f'<tr class="{cls}"><td>{index_no}</td><td><a href="{escape(it.path)}" '
            f'title="{escape(it.title)}" target="_blank">{escape(it.title)}</a></td>'
            f"<td>{it.date.isoformat()}</td></tr>"
        )
    out.append("</table>")
    pager = f"<span>共{total_pages}页</span>"
    if page < total_pages:
        pager += f'<a href="javascript:funGoPage({page + 1})">下一页</a>'
    html = "\n".join(out) + f'<div class="page">{pager}</div>'
    cs = plan.cfg.charset
    return 200, [("Content-Type", f"text/html; charset={cs}")], html.encode(cs, "xmlcharrefreplace")
