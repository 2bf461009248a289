"""A site at one epoch: its reports, decoys, mirrors, list pages and route table."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sim.families import family
from sim.rng import rng_for
from sim.site import (
    SPAM_NAMES,
    Decoy,
    ReportPlan,
    SiteConfig,
    epoch_date,
    plan_decoys,
    plan_reports,
)
from sim.urls import CALENDAR, SHELL, Layout

ATTACHMENT_EXT = {"pdf": "pdf", "docx": "docx"}


@dataclass
class Item:
    title: str
    path: str
    date: dt.date
    slot: str | None = None  # the publishing unit (platform families list per unit)
    report: str | None = None  # report_id, None for a decoy


@dataclass
class Mirror:
    host: str
    kind: str  # spam | trad
    spam_name: str
    copies: dict[str, str]  # path -> report_id


@dataclass
class SitePlan:
    cfg: SiteConfig
    epoch: int
    layout: Layout
    reports: list[ReportPlan]
    by_id: dict[str, ReportPlan]
    decoys: list[Decoy]
    columns: dict[str, list[Item]] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    routes: dict[str, tuple] = field(default_factory=dict)
    mirrors: list[Mirror] = field(default_factory=list)

    # --- URLs of documents ---
    def report_paths(self, r: ReportPlan) -> list[str]:
        """Page paths of a report: the original, then the duplicate if any."""
        if fam := family(self.cfg):
            return fam.report_paths(self, r)
        paths = [self.layout.article("nb", r.published, r.art_id)]
        if r.dup_art_id is not None:
            paths.append(self.layout.article("nb", r.published, r.dup_art_id))
        return paths

    def attachment_paths(self, r: ReportPlan) -> list[str]:
        ext = ATTACHMENT_EXT.get(r.format)
        if not ext:
            return []
        if fam := family(self.cfg):
            return fam.attachment_paths(self, r, ext)
        out = [self.layout.attachment("nb", r.published, r.art_id, ext)]
        if r.dup_art_id is not None:
            out.append(self.layout.attachment("nb", r.published, r.dup_art_id, ext))
        return out

    def decoy_path(self, d: Decoy) -> str:
        if d.column == "nb" and (fam := family(self.cfg)):
            return fam.notice_path(self, d)
        return self.layout.article(d.column, d.published, d.art_id)

    def robots_disallow(self) -> list[str]:
        kind = self.cfg.robots_kind
        if kind == "backup":
            return ["/db_backup/"]
        if kind == "all":
            return ["/"]
        if kind == "year":
            return [self.layout.robots_year_prefix(self.cfg.robots_year)]
        return []

    def blocked(self, path: str) -> bool:
        return any(path.startswith(p) for p in self.robots_disallow())

    def calendar_start(self) -> str:
        return f"{CALENDAR}?date={epoch_date(self.epoch).isoformat()}"


def build_plan(cfg: SiteConfig, epoch: int) -> SitePlan:
    layout = Layout(cfg)
    reports = plan_reports(cfg, epoch)
    plan = SitePlan(
        cfg=cfg,
        epoch=epoch,
        layout=layout,
        reports=reports,
        by_id={r.report_id: r for r in reports},
        decoys=plan_decoys(cfg),
    )
    routes = plan.routes
    routes["/"] = ("home",)
    if cfg.cms == "trs":
        routes["/index.html"] = ("home",)
    routes[layout.zwgk] = ("zwgk",)
    routes[layout.xxgk] = ("xxgk",)
    if cfg.shell:
        routes[SHELL] = ("shell",)
    routes["/robots.txt"] = ("robots",)

    nb: list[Item] = []
    for r in reports:
        if not r.alive_at(epoch):
            continue
        paths = plan.report_paths(r)
        atts = plan.attachment_paths(r)
        for i, path in enumerate(paths):
            title = r.title
            if i == 1 and r.repost_by:
                title = f"{r.title}（{r.repost_by}转发）"
            nb.append(Item(title, path, r.published, r.slot, r.report_id))
            routes[path] = ("report", r.report_id, i)
            if atts:
                routes[atts[i]] = ("attachment", r.report_id, i)
    columns: dict[str, list[Item]] = {"nb": nb}
    for d in plan.decoys:
        path = plan.decoy_path(d)
        slot = "gov" if d.column == "nb" else None
        columns.setdefault(d.column, []).append(Item(d.title, path, d.published, slot))
        routes[path] = ("decoy", d.key)
    fam = family(cfg)
    for key, items in columns.items():
        items.sort(key=lambda it: (it.date, it.path), reverse=True)
        if fam and key == "nb":
            continue  # the platform lists its reports its own way (fam.add_routes)
        pages = max(1, math.ceil(len(items) / cfg.per_page))
        plan.pages[key] = pages
        for i in range(pages if cfg.cms != "hanweb" else 1):
            routes[layout.list_page(key, i, pages)] = ("list", key, i)
        if cfg.cms == "trs":
            routes[layout.column_entry(key)] = ("list", key, 0)
    plan.columns = columns
    if fam:
        fam.add_routes(plan)
    plan.mirrors = _mirrors(plan)
    return plan


def _mirrors(plan: SitePlan) -> list[Mirror]:
    cfg = plan.cfg
    rng = rng_for(cfg.seed, "mirrors", cfg.host)
    source = [r for r in plan.reports if r.epoch_added == 0 and r.format in ("html", "text")]
    out = []
    for host, kind in ((cfg.spam_host, "spam"), (cfg.trad_host, "trad")):
        if not host or not source:
            continue
        chosen = rng.sample(source, k=min(3, len(source)))
        copies = {plan.report_paths(r)[0]: r.report_id for r in chosen}
        out.append(Mirror(host, kind, rng.choice(SPAM_NAMES), copies))
    return out
