"""The `OpennessAnnualReport` / `XxgkAnnualReport` platform (Anhui; Hulunbuir's banners).

Units are branches: `…/{Openness|Xxgk}Content/showList/<branch>/<column>/page_<N>.html`, whose
breadcrumb names the unit (网站首页 > 政务公开 > <unit>). A unit's reports are listed at
`…AnnualReport/showList/<branch>/page_<N>.html` and shown at `…AnnualReport/show/<id>.html`
(ids not in date order). On half the sites the unit menu reaches the report list only by script.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from sim import pages
from sim.families.common import items_of, number, unit_name, units
from sim.rng import stable_int

if TYPE_CHECKING:
    from sim.plan import SitePlan
    from sim.site import Decoy, ReportPlan, SiteConfig
    from sim.web import Response, SimWeb

NAME = "openness"
STYLES = ("openness", "xxgk")  # /openness/OpennessAnnualReport/… or /XxgkAnnualReport/…


def _prefix(cfg: SiteConfig) -> str:
    return "/openness/Openness" if cfg.platform_style == "openness" else "/Xxgk"


def branch(cfg: SiteConfig, slot: str) -> int:
    return number(cfg, "branch", slot, digits=5)


def _column(cfg: SiteConfig) -> int:
    return number(cfg, "column", digits=4)


def _menu_by_script(cfg: SiteConfig) -> bool:
    return stable_int(cfg.seed, cfg.host, "openness-menu") % 2 == 0


def unit_list(cfg: SiteConfig, slot: str) -> str:
    return f"{_prefix(cfg)}Content/showList/{branch(cfg, slot)}/{_column(cfg)}/page_1.html"


def annual_list(cfg: SiteConfig, slot: str, page: int = 1) -> str:
    return f"{_prefix(cfg)}AnnualReport/showList/{branch(cfg, slot)}/page_{page}.html"


def _show(cfg: SiteConfig, art: int) -> str:
    return f"{_prefix(cfg)}AnnualReport/show/{number(cfg, 'show', art, digits=7)}.html"


def report_paths(plan: SitePlan, r: ReportPlan) -> list[str]:
    arts = [r.art_id] + ([r.dup_art_id] if r.dup_art_id is not None else [])
    return [_show(plan.cfg, art) for art in arts]


def attachment_paths(plan: SitePlan, r: ReportPlan, ext: str) -> list[str]:
    arts = [r.art_id] + ([r.dup_art_id] if r.dup_art_id is not None else [])
    return [f"{_prefix(plan.cfg)}Content/download/{art}.{ext}" for art in arts]


def notice_path(plan: SitePlan, d: Decoy) -> str:
    return f"{_prefix(plan.cfg)}Content/show/{number(plan.cfg, 'notice', d.art_id, digits=7)}.html"


def _unit_items(plan: SitePlan, slot: str) -> list:
    return [it for it in items_of(plan, {slot}) if it.report is not None]


def add_routes(plan: SitePlan) -> None:
    cfg = plan.cfg
    for slot, _ in units(plan):
        plan.routes[unit_list(cfg, slot)] = ("family", "unit", slot)
        count = max(1, -(-len(_unit_items(plan, slot)) // cfg.per_page))
        for page in range(1, count + 1):
            plan.routes[annual_list(cfg, slot, page)] = ("family", "annual", slot, page, count)


def entry_links(plan: SitePlan) -> list[tuple[str, str]]:
    return [(name, unit_list(plan.cfg, slot)) for slot, name in units(plan)]


def report_column(plan: SitePlan) -> str:
    return annual_list(plan.cfg, "gov")


def _crumbs(plan: SitePlan, slot: str) -> list[tuple[str, str]]:
    return [
        ("网站首页", "/"),
        ("政务公开", plan.layout.zwgk),
        (unit_name(plan, slot), unit_list(plan.cfg, slot)),
    ]


def report_crumbs(plan: SitePlan, r: ReportPlan) -> list[tuple[str, str]]:
    return [*_crumbs(plan, r.slot), ("政府信息公开年报", annual_list(plan.cfg, r.slot))]


def render(web: SimWeb, plan: SitePlan, route: tuple) -> str:
    cfg, kind, slot = plan.cfg, route[1], route[2]
    name = unit_name(plan, slot)
    if kind == "unit":
        annual = annual_list(cfg, slot)
        nb_link = (
            f'<a href="javascript:void(0)" onclick="goAnnual(\'{branch(cfg, slot)}\')">'
            "政府信息公开年报</a>"
            if _menu_by_script(cfg)
            else f'<a href="{annual}">政府信息公开年报</a>'
        )
        notices = [it for it in items_of(plan, {slot}) if it.report is None]
        body = (
            f'<div class="menu"><ul><li><a href="{unit_list(cfg, slot)}">信息公开目录</a></li>'
            f"<li>{nb_link}</li></ul></div><h2>{escape(name)}</h2>"
            + (
                pages.link_list([(it.title, it.path) for it in notices])
                if notices
                else "<p>暂无信息</p>"
            )
            + "<script>function goAnnual(b){location.href=["
            f"'{_prefix(cfg)}AnnualReport/showList', b, 'page_1.html'].join('/');}}</script>"
        )
        return pages.page(cfg, name, body, _crumbs(plan, slot), web._meta(plan))
    page, count = route[3], route[4]
    items = _unit_items(plan, slot)
    chunk = items[(page - 1) * cfg.per_page : page * cfg.per_page]
    body = "<h2>政府信息公开年报</h2>" + (
        pages.link_list(
            [(it.title, it.path) for it in chunk], [it.date.isoformat() for it in chunk]
        )
        if chunk
        else "<p>暂无数据</p>"
    )
    pager = [f"<span>共{count}页</span>"]
    if page > 1:
        pager.append(f'<a href="page_{page - 1}.html">上一页</a>')
    if page < count:
        pager.append(f'<a href="page_{page + 1}.html">下一页</a>')
        pager.append(f'<a href="page_{count}.html">尾页</a>')
    body += '<div class="pagination">' + " ".join(pager) + "</div>"
    crumbs = [*_crumbs(plan, slot), ("政府信息公开年报", annual_list(cfg, slot))]
    return pages.page(cfg, f"{name}政府信息公开年报", body, crumbs, web._meta(plan))


def dynamic(web: SimWeb, plan: SitePlan, path: str, query: str, body: bytes) -> Response | None:
    return None
