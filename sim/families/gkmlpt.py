"""Guangdong's gkmlpt catalogue (every prefecture and county of Guangdong).

`/<unit>/gkmlpt/index` is a script shell: `window._CONFIG = {SID: '…', TREE: [{id, name,
children, post_count}, …]}`. Items come only from `GET /<unit>/gkmlpt/api/all/<category>?page=N
&sid=<SID>` as JSON (`total`, `articles`, 100 a page); the 政府信息公开年报 category holds the
reports, shown at `/<unit>/gkmlpt/content/<a>/<b>/post_<id>.html`. Pitfalls as seen: `total`
below the category's `post_count` on some sites; `type: 'url'` items pointing at other sites;
item URLs protocol-relative or https (which this web, like some real sites, does not serve).
The government unit's catalogue holds every unit's reports; each department also has its own.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from sim.families.common import abbr, items_of, number, unit_name
from sim.rng import rng_for, stable_hex, stable_int

if TYPE_CHECKING:
    from sim.plan import Item, SitePlan
    from sim.site import Decoy, ReportPlan, SiteConfig
    from sim.web import Response, SimWeb

NAME = "gkmlpt"
STYLES = ("absolute", "protocol-relative", "https")  # how item URLs are written
PER_PAGE = 100
CROSS_SITE_HOST = "www.gd.gov.cn"  # the provincial portal that `type: 'url'` items point to
_TZ = dt.timezone(dt.timedelta(hours=8))


def slug(cfg: SiteConfig, slot: str) -> str:
    """The unit's path: the government (and the office and towns it publishes for) or a
    department's own catalogue."""
    a = abbr(cfg.host)
    if slot.startswith("dept-"):
        return f"bmpd/{a}{cfg.departments[int(slot[5:])][0]}"
    return f"{a}zf"


def _home_slot(slot: str) -> str:
    return slot if slot.startswith("dept-") else "gov"


def catalogue_slots() -> list[str]:
    return ["gov"] + [f"dept-{i}" for i in range(6)]


def index(cfg: SiteConfig, slot: str) -> str:
    return f"/{slug(cfg, slot)}/gkmlpt/index"


def sid(cfg: SiteConfig, slot: str) -> str:
    return stable_hex(cfg.seed, cfg.host, "sid", slot, length=8)


def category(cfg: SiteConfig, slot: str) -> int:
    return number(cfg, "nb-category", slot, digits=4)


def _post(cfg: SiteConfig, slot: str, post_id: int) -> str:
    return f"/{slug(cfg, slot)}/gkmlpt/content/{post_id // 1000000}/{post_id // 1000}/post_{post_id}.html"


def _post_id(cfg: SiteConfig, art: int) -> int:
    return number(cfg, "post", art, digits=7)


def report_paths(plan: SitePlan, r: ReportPlan) -> list[str]:
    arts = [r.art_id] + ([r.dup_art_id] if r.dup_art_id is not None else [])
    return [_post(plan.cfg, _home_slot(r.slot), _post_id(plan.cfg, art)) for art in arts]


def attachment_paths(plan: SitePlan, r: ReportPlan, ext: str) -> list[str]:
    arts = [r.art_id] + ([r.dup_art_id] if r.dup_art_id is not None else [])
    out = []
    for art in arts:
        pid = _post_id(plan.cfg, art)
        out.append(f"/attachment/0/{pid // 1000}/{pid}/{art}.{ext}")
    return out


def notice_path(plan: SitePlan, d: Decoy) -> str:
    return _post(plan.cfg, "gov", _post_id(plan.cfg, d.art_id))


def add_routes(plan: SitePlan) -> None:
    for slot in catalogue_slots():
        plan.routes[index(plan.cfg, slot)] = ("family", "index", slot)


def entry_links(plan: SitePlan) -> list[tuple[str, str]]:
    return [(unit_name(plan, slot), index(plan.cfg, slot)) for slot in catalogue_slots()]


def report_column(plan: SitePlan) -> str:
    return index(plan.cfg, "gov")


def report_crumbs(plan: SitePlan, r: ReportPlan) -> list[tuple[str, str]]:
    return [
        ("首页", "/"),
        (unit_name(plan, _home_slot(r.slot)), index(plan.cfg, _home_slot(r.slot))),
    ]


def cross_site(plan: SitePlan) -> list[dict]:
    """`type: 'url'` items of the government catalogue: reports of the province, elsewhere."""
    cfg = plan.cfg
    rng = rng_for(cfg.seed, "gkmlpt-cross", cfg.host)
    out = []
    depts = ("人民政府办公厅", "发展和改革委员会", "教育厅", "财政厅", "民政厅", "司法厅")
    for i in range(rng.randint(40, 70)):
        year = rng.randint(2015, 2024)
        pid = 3000000 + stable_int(cfg.seed, cfg.host, "cross", i) % 900000
        out.append(
            {
                "id": pid,
                "title": f"广东省{rng.choice(depts)}{year}年政府信息公开工作年度报告",
                "url": f"http://{CROSS_SITE_HOST}/gkmlpt/content/{pid // 1000000}/{pid // 1000}/post_{pid}.html",
                "published": dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28)),
            }
        )
    return out


def _stale_total(cfg: SiteConfig) -> int:
    """How far `total` falls below `post_count` (0 on most sites)."""
    n = stable_int(cfg.seed, cfg.host, "stale")
    return 0 if n % 3 else 1 + n % 9


def _absolute(cfg: SiteConfig, path: str) -> str:
    if cfg.platform_style == "protocol-relative":
        return f"//{cfg.host}{path}"
    if cfg.platform_style == "https":
        return f"https://{cfg.host}{path}"
    return f"http://{cfg.host}{path}"


def _articles(plan: SitePlan, slot: str) -> list[dict]:
    cfg = plan.cfg
    items: list[Item] = items_of(plan) if slot == "gov" else items_of(plan, {slot})
    if slot != "gov":
        items = [it for it in items if it.report is not None]
    out = []
    for it in items:
        pid = int(it.path.rsplit("post_", 1)[1].split(".")[0])
        r = plan.by_id.get(it.report) if it.report else None
        atts = []
        if r is not None:
            for path in plan.attachment_paths(r):
                if f"/{pid}/" in path:
                    atts.append({"name": f"{r.title}.{r.format}", "url": _absolute(cfg, path)})
        out.append(
            {
                "id": pid,
                "title": it.title,
                "url": _absolute(cfg, it.path),
                "post_url": _absolute(cfg, it.path),
                "type": "normal",
                "create_time": _unix(it.date),
                "identifier": f"{cfg.code}00-{it.date.year}-{pid % 100000:05d}",
                "publisher": r.issuer if r else unit_name(plan, "gov"),
                "attachment": atts,
            }
        )
    if slot == "gov":
        for c in cross_site(plan):
            out.append(
                {
                    "id": c["id"],
                    "title": c["title"],
                    "url": c["url"],
                    "post_url": c["url"],
                    "type": "url",
                    "create_time": _unix(c["published"]),
                    "identifier": "",
                    "publisher": "广东省人民政府",
                    "attachment": [],
                }
            )
    out.sort(key=lambda a: (-a["create_time"], a["id"]))
    return out


def _unix(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=_TZ).timestamp())


def render(web: SimWeb, plan: SitePlan, route: tuple) -> str:
    cfg, slot = plan.cfg, route[2]
    count = len(_articles(plan, slot))
    name = unit_name(plan, slot)
    others = number(cfg, "other-category", slot, digits=4)
    # A JS object literal, as served: bare keys, single quotes.
    tree = (
        f"[{{id: {others}, name: '机构职能', children: [], post_count: 3}}, "
        f"{{id: {others + 1}, name: '政府信息公开', children: [{{id: {category(cfg, slot)}, "
        f"name: '政府信息公开年报', children: [], post_count: {count}}}], post_count: {count}}}]"
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{name}政府信息公开目录</title>"
        f"<script>window._CONFIG = {{SID: '{sid(cfg, slot)}', TREE: {tree}, "
        f"SITE_NAME: '{name}'}};</script>"
        '<script src="/gkmlpt/static/js/app.js"></script></head>'
        '<body><div id="app"></div></body></html>'
    )


def dynamic(web: SimWeb, plan: SitePlan, path: str, query: str, body: bytes) -> Response | None:
    cfg = plan.cfg
    for slot in catalogue_slots():
        prefix = f"/{slug(cfg, slot)}/gkmlpt/api/all/"
        if not path.startswith(prefix):
            continue
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        if params.get("sid") != sid(cfg, slot):
            return _json(403, {"code": 403, "message": "invalid sid"})
        if path[len(prefix) :] != str(category(cfg, slot)):
            return _json(200, {"classify": {}, "total": 0, "offset": 0, "articles": []})
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            return _json(400, {"code": 400, "message": "bad page"})
        articles = _articles(plan, slot)
        offset = (page - 1) * PER_PAGE
        payload = {
            "classify": {"id": category(cfg, slot), "name": "政府信息公开年报"},
            "total": max(0, len(articles) - _stale_total(cfg)),
            "offset": offset,
            "articles": articles[offset : offset + PER_PAGE],
        }
        return _json(200, payload)
    return None


def _json(status: int, payload: dict) -> Response:
    data = json.dumps(payload, ensure_ascii=False).encode()
    return status, [("Content-Type", "application/json;charset=UTF-8")], data
