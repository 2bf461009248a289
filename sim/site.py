"""Per-site plans: which CMS, charset, robots rules and columns a site has, and which reports
exist at a given epoch. Everything derives from (seed, host) so a plan can be rebuilt on demand.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sim.rng import rng_for, stable_hex, stable_int

CMS_FAMILIES = ("trs", "hanweb", "vsb", "generic")
EPOCH0 = dt.date(2026, 1, 15)
EPOCH_DAYS = 30
FIRST_YEAR, LAST_YEAR = 2008, 2025
SPAM_NAMES = (
    "开云手机官网入口·(中国)官方网站",
    "开云体育app下载·(中国)官方网站",
    "威廉希尔体育官网入口",
    "欧洲杯决赛竞猜_2024欧洲杯买球平台-线上app官网",
)
DEPARTMENTS = (
    ("czj", "财政局"),
    ("jyj", "教育局"),
    ("mzj", "民政局"),
    ("sfj", "司法局"),
    ("wjj", "卫生健康局"),
    ("zrzyj", "自然资源局"),
    ("zjj", "住房和城乡建设局"),
    ("nyncj", "农业农村局"),
    ("jtysj", "交通运输局"),
    ("scjgj", "市场监督管理局"),
    ("rsj", "人力资源和社会保障局"),
    ("fgj", "发展和改革局"),
)
TOWN_SYLLABLES = "东西南北新安平和兴隆龙凤桥河山水石城关庄集口坪沟湾寨溪岭阳"
NB_A = ("zfxxgk", "xxgk", "zfxxgk_1", "xxgkml")
NB_B = ("zfxxgknb", "xxgknb", "ndbg", "gknb", "zfxxgkndbg")
NB_LINK_TEXTS = ("政府信息公开年报", "政府信息公开工作年度报告", "年度报告", "信息公开年报")
# (column key, link text, decoy reason); the 年报 column is "nb".
DECOY_COLUMNS = (
    ("news", "新闻动态", "news"),
    ("tzgg", "通知公告", "other-column"),
    ("zbcg", "招标采购", "other-column"),
    ("fdzdgk", "法定主动公开内容", "other-column"),
)


def epoch_date(epoch: int) -> dt.date:
    return EPOCH0 + dt.timedelta(days=EPOCH_DAYS * epoch)


@dataclass
class SiteConfig:
    """Epoch-independent properties of one site."""

    seed: int
    row: dict[str, str]
    host: str
    code: str
    name: str
    cms: str
    charset: str  # "utf-8" | "gbk"
    charset_declared: bool
    validators: bool
    robots_kind: str  # none | empty | backup | year | all
    robots_year: int
    shell: str | None  # js-href | js-replace | meta | None
    bare_links: bool
    per_page: int
    nb_a: str
    nb_b: str
    nb_text: str
    generic_style: str  # query | list
    spam_host: str | None
    trad_host: str | None
    trap: bool
    towns: tuple[str, ...]
    departments: tuple[tuple[str, str], ...]
    # A real portal platform (sim.families) and its variant; set only when SimWeb is built
    # with `platforms > 0`, so the classic four-family web is unchanged.
    platform_style: str | None = None
    challenge: str | None = None  # an anti-bot wall on every page: 412 | jsl | 521

    @property
    def bare_host(self) -> str | None:
        return self.host[4:] if self.host.startswith("www.") and self.host.count(".") >= 2 else None

    @property
    def home(self) -> str:
        return f"http://{self.host}/"


def make_config(seed: int, row: dict[str, str]) -> SiteConfig:
    host = row["host"].strip().lower()
    rng = rng_for(seed, "site", host)
    cms = rng.choice(CMS_FAMILIES)
    roll = rng.random()
    charset, declared = (
        ("utf-8", True)
        if roll < 0.7
        else ("gbk", True)
        if roll < 0.9
        else ("gbk", False)
        if roll < 0.95
        else ("utf-8", False)
    )
    robots = rng.choices(("none", "empty", "backup", "year", "all"), weights=(40, 5, 30, 20, 5))[0]
    if robots == "year" and cms == "vsb":
        robots = "backup"
    towns = []
    while len(towns) < 6:
        town = "".join(rng.sample(TOWN_SYLLABLES, 2)) + rng.choice(("镇", "镇", "乡", "街道"))
        if town not in towns:
            towns.append(town)
    tag = stable_hex(seed, "mirror", host, length=6)
    return SiteConfig(
        seed=seed,
        row=row,
        host=host,
        code=row["code"],
        name=row["name"],
        cms=cms,
        charset=charset,
        charset_declared=declared,
        validators=rng.random() < 0.5,
        robots_kind=robots,
        robots_year=rng.randint(2010, 2016),
        shell=rng.choice((None, None, "js-href", "js-replace", "meta")),
        bare_links=rng.random() < 0.4,
        per_page=rng.choice((10, 15, 20)),
        nb_a=rng.choice(NB_A),
        nb_b=rng.choice(NB_B),
        nb_text=rng.choice(NB_LINK_TEXTS),
        generic_style=rng.choice(("query", "list")),
        spam_host=f"www.kaiyun-{tag}.com" if rng.random() < 0.12 else None,
        trad_host=f"big5.news-{tag}.com.tw" if rng.random() < 0.12 else None,
        trap=rng.random() < 0.3,
        towns=tuple(towns),
        departments=tuple(rng.sample(DEPARTMENTS, 6)),
    )


@dataclass
class ReportPlan:
    report_id: str
    year: int
    slot: str
    issuer: str
    issuer_kind: str
    title: str
    template: str
    format: str  # html | text | pdf | docx
    layout: str  # text layout (rows | cells | pipes), used when format == "text"
    published: dt.date
    art_id: int
    dup_art_id: int | None
    repost_by: str | None
    bad_totals: bool
    ascii_parens: bool
    epoch_added: int
    revisions: list[int] = field(default_factory=list)
    gone: int | None = None

    def revision_at(self, epoch: int) -> int:
        return sum(1 for e in self.revisions if e <= epoch)

    def alive_at(self, epoch: int) -> bool:
        return self.epoch_added <= epoch and (self.gone is None or self.gone > epoch)


def template_for(year: int) -> str:
    return "pre2019" if year < 2019 else "2019" if year < 2021 else "2021"


def issuer_of(cfg: SiteConfig, slot: str) -> tuple[str, str]:
    if slot == "gov":
        return f"{cfg.name}人民政府", "government"
    if slot == "office":
        return f"{cfg.name}人民政府办公室", "government_office"
    kind, _, index = slot.partition("-")
    if kind == "dept":
        return f"{cfg.name}{cfg.departments[int(index)][1]}", "department"
    town = cfg.towns[int(index)]
    return (f"{town}办事处" if town.endswith("街道") else f"{town}人民政府"), "township"


def _title(cfg: SiteConfig, rng_title: float, issuer: str, kind: str, year: int) -> str:
    if kind == "government":
        if year < 2014 and rng_title < 0.5:
            return f"{cfg.name}{year}年政府信息公开年度报告"
        if rng_title < 0.3:
            return f"{issuer}{year}年政府信息公开工作年度报告"
        return f"{cfg.name}{year}年政府信息公开工作年度报告"
    if kind == "township":
        return f"{cfg.name}{issuer}{year}年政府信息公开工作年度报告"
    return (
        f"{issuer}{year}年度政府信息公开工作年度报告"
        if rng_title < 0.2
        else (f"{issuer}{year}年政府信息公开工作年度报告")
    )


def _new_report(
    cfg: SiteConfig, year: int, slot: str, epoch: int, published: dt.date, used: set[int]
) -> ReportPlan:
    report_id = f"{cfg.code}-{year}-{slot}"
    rng = rng_for(cfg.seed, "report", cfg.host, report_id)
    issuer, kind = issuer_of(cfg, slot)
    template = template_for(year)
    if template == "pre2019":
        fmt = rng.choices(("html", "pdf", "docx"), weights=(70, 20, 10))[0]
    else:
        fmt = rng.choices(("html", "text", "pdf", "docx"), weights=(45, 30, 15, 10))[0]

    def fresh_id(tag: str) -> int:
        n = stable_int(cfg.seed, "art", cfg.host, report_id, tag) % 900000 + 100000
        while n in used:
            n += 1
        used.add(n)
        return n

    dup = rng.random() < 0.08
    return ReportPlan(
        report_id=report_id,
        year=year,
        slot=slot,
        issuer=issuer,
        issuer_kind=kind,
        title=_title(cfg, rng.random(), issuer, kind, year),
        template=template,
        format=fmt,
        layout=rng.choice(("rows", "cells", "pipes")),
        published=published,
        art_id=fresh_id("a"),
        dup_art_id=fresh_id("dup") if dup else None,
        repost_by=(
            f"{cfg.name}{cfg.departments[rng.randrange(6)][1]}"
            if dup and kind == "government" and rng.random() < 0.5
            else None
        ),
        bad_totals=template != "pre2019" and rng.random() < 0.06,
        ascii_parens=fmt == "text" and rng.random() < 0.4,
        epoch_added=epoch,
    )


def _pub_date(
    rng: random.Random, year: int, latest: dt.date, earliest: dt.date | None = None
) -> dt.date:
    start = earliest or dt.date(year + 1, 1, 5)
    end = min(dt.date(year + 1, 3, 31), latest)
    if earliest is not None:
        end = latest
    end = max(end, start)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def plan_reports(cfg: SiteConfig, epoch: int) -> list[ReportPlan]:
    """Every report known at `epoch` (including ones gone by then), in creation order."""
    rng = rng_for(cfg.seed, "reports", cfg.host)
    used: set[int] = set()
    latest = epoch_date(0) - dt.timedelta(days=1)
    reports: list[ReportPlan] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        slots = []
        if rng.random() < 0.93:
            slots.append("gov")
        if year >= 2016 and rng.random() < 0.35:
            slots.append("office")
        if year >= 2013:
            slots += [f"dept-{i}" for i in rng.sample(range(6), rng.randint(0, 2 + (year >= 2019)))]
        if year >= 2017:
            slots += [f"town-{i}" for i in rng.sample(range(6), rng.randint(0, 2))]
        for slot in slots:
            published = _pub_date(rng, year, latest)
            reports.append(_new_report(cfg, year, slot, 0, published, used))
    taken = {(r.year, r.slot) for r in reports}
    for e in range(1, epoch + 1):
        erng = rng_for(cfg.seed, "epoch", cfg.host, e)
        alive = [r for r in reports if r.alive_at(e - 1)]
        for r in alive:
            roll = erng.random()
            if roll < 0.04:
                r.revisions.append(e)
            elif roll < 0.06 and r.slot != "gov":
                r.gone = e
        for _ in range(erng.choice((0, 1, 1, 2, 3))):
            year = LAST_YEAR if erng.random() < 0.7 else erng.randint(2019, LAST_YEAR - 1)
            free = [s for s in all_slots() if (year, s) not in taken]
            if not free:
                continue
            slot = erng.choice(free)
            taken.add((year, slot))
            published = _pub_date(
                erng, year, epoch_date(e) - dt.timedelta(days=1), epoch_date(e - 1)
            )
            reports.append(_new_report(cfg, year, slot, e, published, used))
    return reports


def all_slots() -> list[str]:
    """Every publishing unit of a site: government, its office, six departments, six towns."""
    return ["gov", "office"] + [f"dept-{i}" for i in range(6)] + [f"town-{i}" for i in range(6)]


@dataclass
class Decoy:
    key: str
    column: str
    reason: str
    title: str
    published: dt.date
    art_id: int


def plan_decoys(cfg: SiteConfig) -> list[Decoy]:
    rng = rng_for(cfg.seed, "decoys", cfg.host)
    out: list[Decoy] = []
    n = cfg.name

    def add(column: str, reason: str, title: str, year: int) -> None:
        published = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        if published >= EPOCH0:
            published = EPOCH0 - dt.timedelta(days=rng.randint(1, 300))
        key = f"{column}-{len(out)}"
        art = stable_int(cfg.seed, "decoy", cfg.host, key) % 900000 + 1000000
        out.append(Decoy(key, column, reason, title, published, art))

    for _ in range(rng.randint(1, 3)):
        y = rng.randint(2018, 2024)
        title = rng.choice(
            (
                f"关于做好{y}年度政府信息公开工作年度报告编制发布工作的通知",
                f"关于报送{y}年政府信息公开工作年度报告的通知",
                f"{n}{y + 1}年政务公开工作要点",
            )
        )
        add("nb", "notice", title, y + 1)
    pools = {
        "news": (
            "{n}召开政务公开工作推进会",
            "{n}开展政务公开业务培训",
            "{n}{y}年经济运行情况新闻发布会",
            "{n}领导调研指导春耕生产工作",
        ),
        "tzgg": (
            "{n}{y}年公开招聘事业单位工作人员公告",
            "关于{y}年度政府信息公开工作年度报告的补充说明",
            "{n}关于开展{y}年度安全生产大检查的通知",
        ),
        "zbcg": (
            "{n}{y}年政府采购项目中标公告",
            "{n}人民政府办公楼维修工程招标公告",
        ),
        "fdzdgk": (
            "{n}{y}年度法治政府建设情况报告",
            "{n}{y}年政府工作报告",
            "{n}{y}年国民经济和社会发展统计公报",
            "{n}{y}年财政预算执行情况报告",
        ),
    }
    for column, _text, reason in DECOY_COLUMNS:
        for _ in range(rng.randint(3, 12)):
            y = rng.randint(2015, 2025)
            add(column, reason, rng.choice(pools[column]).format(n=n, y=y), y)
    return out
