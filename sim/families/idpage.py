"""ID-named article platforms: Jiangxi/Jiangsu (`hex32`) and Shaanxi (`id19`).

`hex32`: every unit has a 年报 column (linked from the disclosure page) `/<a>/<unit>/<col>/xxgk_list.shtml`, later pages
`xxgk_list_N.shtml` (N = 2, 3, …) announced only by
`createPageHTML('page_div', pages, current, 'xxgk_list', 'shtml', total)`; articles
`…/<col>/YYYYMM/<32 hex>.shtml`.
`id19`: one list `/zfxxgk/zfxxgknb/1.html, 2.html, …` whose page count is only in a script
(`maxPage = parseInt('N')`); articles `/zfxxgk/zfxxgknb/<19 digits>.html`.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from sim import pages
from sim.families.common import items_of, number, units
from sim.rng import stable_hex

if TYPE_CHECKING:
    from sim.plan import SitePlan
    from sim.site import Decoy, ReportPlan, SiteConfig
    from sim.web import Response, SimWeb

NAME = "idpage"
STYLES = ("hex32", "id19")
ID19_DIR = "/zfxxgk/zfxxgknb"


def unit_slug(cfg: SiteConfig, slot: str) -> str:
    if slot == "gov":
        return "xzf"
    if slot == "office":
        return "xzfbgs"
    kind, _, i = slot.partition("-")
    return cfg.departments[int(i)][0] if kind == "dept" else f"xz{i}"


def _unit_dir(cfg: SiteConfig, slot: str) -> str:
    return f"/{cfg.nb_a}/{unit_slug(cfg, slot)}"


def list_page(cfg: SiteConfig, slot: str, page: int) -> str:
    if cfg.platform_style == "id19":
        return f"{ID19_DIR}/{page}.html"
    base = f"{_unit_dir(cfg, slot)}/{cfg.nb_b}/xxgk_list"
    return f"{base}.shtml" if page == 1 else f"{base}_{page}.shtml"


def _article(cfg: SiteConfig, slot: str, day, art: int) -> str:
    if cfg.platform_style == "id19":
        return f"{ID19_DIR}/{number(cfg, 'id19', art, digits=19)}.html"
    hexid = stable_hex(cfg.seed, cfg.host, "hex32", art, length=32)
    return f"{_unit_dir(cfg, slot)}/{cfg.nb_b}/{day:%Y%m}/{hexid}.shtml"


def _arts(r: ReportPlan) -> list[int]:
    return [r.art_id] + ([r.dup_art_id] if r.dup_art_id is not None else [])


def report_paths(plan: SitePlan, r: ReportPlan) -> list[str]:
    return [_article(plan.cfg, r.slot, r.published, art) for art in _arts(r)]


def attachment_paths(plan: SitePlan, r: ReportPlan, ext: str) -> list[str]:
    cfg = plan.cfg
    return [
        f"/uploadfile/{r.published:%Y%m}/{stable_hex(cfg.seed, cfg.host, 'file', art)}.{ext}"
        for art in _arts(r)
    ]


def notice_path(plan: SitePlan, d: Decoy) -> str:
    return _article(plan.cfg, "gov", d.published, d.art_id)


def _lists(plan: SitePlan) -> list[tuple[str, set[str] | None]]:
    """(slot, the slots it lists): one list per unit, or one list for the whole site."""
    if plan.cfg.platform_style == "id19":
        return [("gov", None)]
    return [(slot, {slot}) for slot, _ in units(plan)]


def add_routes(plan: SitePlan) -> None:
    cfg = plan.cfg
    for slot, slots in _lists(plan):
        count = max(1, -(-len(items_of(plan, slots)) // cfg.per_page))
        for page in range(1, count + 1):
            plan.routes[list_page(cfg, slot, page)] = ("family", "list", slot, page, count)


def entry_links(plan: SitePlan) -> list[tuple[str, str]]:
    cfg = plan.cfg
    if cfg.platform_style == "id19":
        return [(cfg.nb_text, list_page(cfg, "gov", 1))]
    return [(f"{name}政府信息公开年报", list_page(cfg, slot, 1)) for slot, name in units(plan)]


def report_column(plan: SitePlan) -> str:
    return list_page(plan.cfg, "gov", 1)


def report_crumbs(plan: SitePlan, r: ReportPlan) -> list[tuple[str, str]]:
    slot = "gov" if plan.cfg.platform_style == "id19" else r.slot
    return [("首页", "/"), (plan.cfg.nb_text, list_page(plan.cfg, slot, 1))]


def render(web: SimWeb, plan: SitePlan, route: tuple) -> str:
    cfg, slot = plan.cfg, route[2]
    page, count = route[3], route[4]
    slots = dict(_lists(plan))[slot]
    items = items_of(plan, slots)
    chunk = items[(page - 1) * cfg.per_page : page * cfg.per_page]
    body = f"<h2>{escape(cfg.nb_text)}</h2>" + pages.link_list(
        [(it.title, it.path) for it in chunk], [it.date.isoformat() for it in chunk]
    )
    if cfg.platform_style == "id19":
        body += (
            f"<div id=\"pager\"></div><script>var maxPage = parseInt('{count}');"
            f"var curPage = parseInt('{page}');"
            "function goPage(n){location.href=n+'.html';}</script>"
        )
    else:
        body += (
            '<div id="page_div"></div><script language="JavaScript">'
            f"createPageHTML('page_div', {count}, {page}, 'xxgk_list', 'shtml', {len(items)});"
            "</script>"
        )
    return pages.page(cfg, cfg.nb_text, body, [("首页", "/")], web._meta(plan))


def dynamic(web: SimWeb, plan: SitePlan, path: str, query: str, body: bytes) -> Response | None:
    return None
