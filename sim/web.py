"""`SimWeb`: the whole simulated web behind one `respond()` call, plus its answer key."""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import hashlib
import json
import random
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sim import attachments, challenge, document, families, pages
from sim.numbers import Numbers, generate, revise
from sim.plan import Item, Mirror, SitePlan, build_plan
from sim.registry import draw_sites, load_registry
from sim.rng import rng_for, stable_int
from sim.site import DECOY_COLUMNS, ReportPlan, SiteConfig, epoch_date, make_config
from sim.urls import CALENDAR, DATAPROXY, SHELL

Response = tuple[int, list[tuple[str, str]], bytes]
FAULT_KINDS = ("500", "slow", "truncate", "reset")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_TRS_PAST_END = re.compile(r"^(.*/)index_(\d+)\.html$")


class _LRU:
    """A small thread-safe LRU bounded by entry count and, optionally, by total bytes."""

    def __init__(self, max_items: int, max_bytes: int | None = None) -> None:
        self.data: OrderedDict[Any, Any] = OrderedDict()
        self.sizes: dict[Any, int] = {}
        self.max_items, self.max_bytes, self.total = max_items, max_bytes, 0
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key: Any, value: Any, size: int = 0) -> None:
        with self.lock:
            if key in self.data:
                return
            self.data[key] = value
            self.sizes[key] = size
            self.total += size
            while len(self.data) > self.max_items or (
                self.max_bytes is not None and self.total > self.max_bytes and len(self.data) > 1
            ):
                old, _ = self.data.popitem(last=False)
                self.total -= self.sizes.pop(old)


def _http_date(day: dt.date) -> str:
    return email.utils.format_datetime(
        dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=dt.UTC), usegmt=True
    )


class SimWeb:
    """A lazy, deterministic county web: `sites` drawn from the registry by `seed`, at `epoch`.

    `faults` is the share of requests the server (not `respond`) turns into a 500, a slow
    answer, a truncated body or a connection reset. `platforms` is the share of sites built
    on a real portal platform (sim.families); above 0, some sites also sit behind an anti-bot
    wall. `hosts_requested` counts the requests `respond` answered, per host.
    """

    def __init__(
        self,
        sites: int = 50,
        seed: int = 1,
        epoch: int = 0,
        faults: float = 0.0,
        slow_seconds: float = 1.5,
        platforms: float = 0.0,
    ):
        if sites < 1:
            raise ValueError(f"sites must be at least 1, got {sites}")
        if epoch < 0:
            raise ValueError(f"epoch must be 0 or more, got {epoch}")
        if not 0.0 <= faults <= 1.0:
            raise ValueError(f"faults must be a rate between 0 and 1, got {faults}")
        if not 0.0 <= platforms <= 1.0:
            raise ValueError(f"platforms must be a share between 0 and 1, got {platforms}")
        self.seed, self.epoch, self.faults = seed, epoch, faults
        self.slow_seconds = slow_seconds  # how long a "slow" fault stalls the answer
        self.configs: list[SiteConfig] = [make_config(seed, row) for row in draw_sites(sites, seed)]
        if platforms > 0:
            for cfg in self.configs:
                families.assign(cfg, platforms)
        self.by_host: dict[str, SiteConfig] = {c.host: c for c in self.configs}
        self.bare: dict[str, SiteConfig] = {}
        self.mirror_hosts: dict[str, SiteConfig] = {}
        for c in self.configs:
            if c.bare_host and c.bare_host not in self.by_host:
                self.bare[c.bare_host] = c
            for h in (c.spam_host, c.trad_host):
                if h:
                    self.mirror_hosts[h] = c
        self._plans = _LRU(512)
        self._responses = _LRU(20000, 64 << 20)
        self._attachments = _LRU(64)
        self._fault_rng = random.Random(stable_int(seed, "faults"))
        self._fault_lock = threading.Lock()
        self.hosts_requested: Counter[str] = Counter()

    # --- plans -----------------------------------------------------------------------------
    def plan(self, host: str) -> SitePlan:
        plan = self._plans.get(host)
        if plan is None:
            plan = build_plan(self.by_host[host], self.epoch)
            self._plans.put(host, plan)
        return plan

    def numbers(self, plan: SitePlan, r: ReportPlan, revision: int | None = None) -> Numbers:
        """The report's printed numbers at its current revision (or at `revision`)."""
        rev = r.revision_at(plan.epoch) if revision is None else revision
        rng = rng_for(self.seed, "numbers", plan.cfg.host, r.report_id)
        nums = generate(rng, r.template, r.issuer_kind, r.bad_totals)
        # A revision corrects the request counts upward by a strictly growing amount, so every
        # revision prints different numbers and the identities keep their state.
        delta = sum(
            rng_for(self.seed, "revision", plan.cfg.host, r.report_id, i).randint(1, 5)
            for i in range(1, rev + 1)
        )
        if delta:
            revise(nums, delta)
        return nums

    def document(self, plan: SitePlan, r: ReportPlan) -> document.Document:
        ctx = _context(plan, r)
        rng = rng_for(self.seed, "text", plan.cfg.host, r.report_id)
        return document.build(rng, ctx, self.numbers(plan, r))

    # --- faults ----------------------------------------------------------------------------
    def choose_fault(self) -> str | None:
        """The fault for the next request, or None (deterministic for a given request order)."""
        if self.faults <= 0:
            return None
        with self._fault_lock:
            if self._fault_rng.random() >= self.faults:
                return None
            return self._fault_rng.choice(FAULT_KINDS)

    # --- HTTP ------------------------------------------------------------------------------
    def respond(
        self, method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Response:
        """Answer one request. `url` is absolute (`http://host/path?q`) or origin-form with a
        `Host` header."""
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        parts = urlsplit(url)
        host = (parts.hostname or headers.get("host", "").split(":")[0]).lower()
        path = parts.path or "/"
        target = path + (f"?{parts.query}" if parts.query else "")
        method = method.upper()
        self.hosts_requested[host] += 1
        if method not in ("GET", "HEAD", "POST"):
            return self._plain(405, "method not allowed", [("Allow", "GET, HEAD, POST")])
        key = (host, target, body if method == "POST" else b"")
        cached = self._responses.get(key)
        if cached is None:
            cached = self._route(host, path, parts.query, body if method == "POST" else b"")
            self._responses.put(key, cached, len(cached[2]) + 200)
        status, hdrs, payload = cached
        if status == 200 and self._has_validators(host) and self._not_modified(hdrs, headers):
            return 304, [h for h in hdrs if h[0] in ("ETag", "Last-Modified")], b""
        if method == "HEAD":
            return status, hdrs, b""
        return status, list(hdrs), payload

    def _has_validators(self, host: str) -> bool:
        cfg = self.by_host.get(host)
        return bool(cfg and cfg.validators)

    @staticmethod
    def _not_modified(hdrs: list[tuple[str, str]], req: dict[str, str]) -> bool:
        found = dict(hdrs)
        inm = req.get("if-none-match")
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or found.get("ETag") in tags
        ims = req.get("if-modified-since")
        if ims and "Last-Modified" in found:
            try:
                since = email.utils.parsedate_to_datetime(ims)
                last = email.utils.parsedate_to_datetime(found["Last-Modified"])
            except (TypeError, ValueError):
                return False
            return last <= since
        return False

    def _plain(
        self, status: int, text: str, extra: list[tuple[str, str]] | None = None
    ) -> Response:
        return (
            status,
            [("Content-Type", "text/plain; charset=utf-8"), *(extra or [])],
            text.encode(),
        )

    def _route(self, host: str, path: str, query: str, body: bytes) -> Response:
        if host in self.bare:
            target = path + (f"?{query}" if query else "")
            return 301, [("Location", f"http://{self.bare[host].host}{target}")], b""
        target = path + (f"?{query}" if query else "")
        if host in self.mirror_hosts:
            return self._mirror(self.mirror_hosts[host], host, target)
        if host not in self.by_host:
            return self._plain(404, f"sim: unknown host {host}", [("X-Sim", "unknown-host")])
        if wall := self.by_host[host].challenge:
            return challenge.response(wall, host, target)
        plan = self.plan(host)
        route = plan.routes.get(target)
        fam = families.family(plan.cfg)
        if route is None and fam and (answer := fam.dynamic(self, plan, path, query, body)):
            return answer
        if route is None and path == DATAPROXY and plan.cfg.cms == "hanweb":
            return self._dataproxy(plan, query, body)
        if route is None and path == CALENDAR and plan.cfg.trap:
            return self._calendar(plan, query)
        if route is None:
            return self._fallback(plan, path)
        kind = route[0]
        if kind == "robots":
            rules = plan.robots_disallow()
            if plan.cfg.robots_kind == "none":
                return self._not_found(plan)
            lines = ["User-agent: *"] + [f"Disallow: {p}" for p in rules or [""]]
            return 200, [("Content-Type", "text/plain")], ("\n".join(lines) + "\n").encode()
        if kind == "attachment":
            return self._attachment(plan, plan.by_id[route[1]])
        html, last = self._render(plan, route)
        return self._html(plan, html, last)

    def _html(self, plan: SitePlan, html: str, last: dt.date | None) -> Response:
        cfg = plan.cfg
        payload = html.encode(cfg.charset, errors="xmlcharrefreplace")
        ctype = f"text/html; charset={cfg.charset.upper()}" if cfg.charset_declared else "text/html"
        hdrs = [("Content-Type", ctype), ("Server", "SimCMS/1.0")]
        if cfg.validators:
            hdrs.append(("Last-Modified", _http_date(last or epoch_date(plan.epoch))))
            hdrs.append(("ETag", '"' + hashlib.blake2b(payload, digest_size=8).hexdigest() + '"'))
        return 200, hdrs, payload

    def _not_found(self, plan: SitePlan) -> Response:
        html = pages.page(
            plan.cfg, "404", "<p>您访问的页面不存在或已被删除。</p>", charset=self._meta(plan)
        )
        _status, hdrs, payload = self._html(plan, html, None)
        return 404, [h for h in hdrs if h[0] not in ("ETag", "Last-Modified")], payload

    def _fallback(self, plan: SitePlan, path: str) -> Response:
        match = _TRS_PAST_END.match(path)
        if plan.cfg.cms == "trs" and match and f"{match.group(1)}index.html" in plan.routes:
            # TRS answers pages past the end with a meta-refresh back to the column.
            return self._html(plan, pages.shell("meta", "./"), None)
        return self._not_found(plan)

    def _meta(self, plan: SitePlan) -> str | None:
        return plan.cfg.charset if plan.cfg.charset_declared else None

    # --- page rendering --------------------------------------------------------------------
    def _render(self, plan: SitePlan, route: tuple) -> tuple[str, dt.date | None]:
        kind = route[0]
        cfg, lay = plan.cfg, plan.layout
        cs = self._meta(plan)
        if kind == "home":
            return self._home(plan), None
        if kind == "shell":
            return pages.shell(cfg.shell or "meta", lay.xxgk), None
        if kind == "zwgk":
            xxgk = SHELL if cfg.shell else lay.xxgk
            links = [("政府信息公开", xxgk)] + [
                (text, lay.column_entry(key)) for key, text, _ in DECOY_COLUMNS if key != "fdzdgk"
            ]
            body = "<h2>政务公开</h2>" + pages.link_list(links)
            return pages.page(cfg, "政务公开", body, [("首页", "/")], cs), None
        if kind == "family":
            return families.FAMILIES[cfg.cms].render(self, plan, route), None
        if kind == "xxgk":
            fam = families.family(cfg)
            nb = fam.entry_links(plan) if fam else [(cfg.nb_text, lay.column_entry("nb"))]
            links = [
                ("法定主动公开内容", lay.column_entry("fdzdgk")),
                *nb,
                ("通知公告", lay.column_entry("tzgg")),
            ]
            body = "<h2>政府信息公开</h2>" + pages.link_list(links)
            crumbs = [("首页", "/"), ("政务公开", lay.zwgk)]
            return pages.page(cfg, "政府信息公开", body, crumbs, cs), None
        if kind == "list":
            return self._list(plan, route[1], route[2]), None
        if kind == "decoy":
            d = next(x for x in plan.decoys if x.key == route[1])
            text = f"<p>{escape(d.title)}。各有关单位：现将有关事项通知如下，请认真贯彻落实。</p>"
            body = pages.article(cfg, d.title, f"发布时间：{d.published}", text)
            return pages.page(cfg, d.title, body, [("首页", "/")], cs), d.published
        if kind == "report":
            r = plan.by_id[route[1]]
            return self._report_page(plan, r, route[2]), self._last_modified(plan, r)
        raise AssertionError(kind)

    def _last_modified(self, plan: SitePlan, r: ReportPlan) -> dt.date:
        revs = [e for e in r.revisions if e <= plan.epoch]
        return epoch_date(max(revs)) if revs else r.published

    def _home(self, plan: SitePlan) -> str:
        cfg, lay = plan.cfg, plan.layout
        zwgk = f"http://{cfg.bare_host}{lay.zwgk}" if cfg.bare_links and cfg.bare_host else lay.zwgk
        nav = [("首页", "/"), ("政务公开", zwgk), ("新闻动态", lay.column_entry("news"))]
        nav += [("通知公告", lay.column_entry("tzgg")), ("招标采购", lay.column_entry("zbcg"))]
        if cfg.trap:
            nav.append(("活动日历", plan.calendar_start()))
        news = plan.columns.get("news", [])[:5]
        body = (
            '<div class="nav">'
            + pages.link_list(nav)
            + "</div>\n<h2>新闻动态</h2>"
            + pages.link_list([(it.title, it.path) for it in news])
        )
        friends = [("中国政府网", "http://www.gov.cn/")]
        for m in plan.mirrors:
            friends.append(("便民服务" if m.kind == "spam" else "政务资讯", f"http://{m.host}/"))
        body += '\n<div class="links"><h3>友情链接</h3>' + pages.link_list(friends) + "</div>"
        return pages.page(cfg, f"{cfg.name}人民政府门户网站", body, None, self._meta(plan))

    def _list(self, plan: SitePlan, key: str, index: int) -> str:
        cfg, lay = plan.cfg, plan.layout
        items = plan.columns.get(key, [])
        total, npages = len(items), plan.pages[key]
        chunk = items[index * cfg.per_page : (index + 1) * cfg.per_page]
        name = cfg.nb_text if key == "nb" else {k: t for k, t, _ in DECOY_COLUMNS}[key]
        crumbs = [("首页", "/"), ("政务公开", lay.zwgk), ("政府信息公开", lay.xxgk)]
        if cfg.cms == "hanweb":
            body = f"<h2>{escape(name)}</h2>" + self._hanweb_list(plan, key, items)
        else:
            body = f"<h2>{escape(name)}</h2>" + pages.link_list(
                [(it.title, it.path) for it in chunk], [it.date.isoformat() for it in chunk]
            )
            if cfg.cms == "trs":
                body += pages.trs_pager(npages, index)
            elif cfg.cms == "vsb":
                body += pages.vsb_pager(
                    total, npages, index, lay.list_page(key, 0, 1)[:-4].rsplit("/", 1)[1]
                )
            else:
                prev = lay.list_page(key, index - 1, npages) if index > 0 else None
                nxt = lay.list_page(key, index + 1, npages) if index + 1 < npages else None
                body += pages.simple_pager(prev, nxt, index, npages)
        return pages.page(cfg, name, body, crumbs, self._meta(plan))

    def _hanweb_record(self, it: Item) -> str:
        return (
            f'<li><a href="{escape(it.path)}" title="{escape(it.title)}" target="_blank">'
            f"{escape(it.title)}</a><span>{it.date.isoformat()}</span></li>"
        )

    def _hanweb_list(self, plan: SitePlan, key: str, items: list[Item]) -> str:
        cfg, lay = plan.cfg, plan.layout
        colid = lay.colid(key)
        first = "".join(
            f"<record><![CDATA[{self._hanweb_record(it)}]]></record>"
            for it in items[: cfg.per_page]
        )
        div = f"div{colid}"
        return (
            f'<div id="{div}"><script type="text/xml"><datastore><nextgroup><![CDATA['
            f'<a href="{DATAPROXY}?page=1&webid={lay.webid()}&columnid={colid}"></a>]]></nextgroup>'
            f"<recordset>{first}</recordset></datastore></script></div>\n"
            '<script language="javascript" src="/module/jslib/jquery/jpage/dataproxy.js"></script>\n'
            "<script>$(document).ready(function(){$('#" + div + "').jpage({"
            f"proxyUrl:'{DATAPROXY}',perPage:{cfg.per_page},totalRecord:{len(items)},"
            f"ajaxParam:{{col:1,appid:1,webid:{lay.webid()},path:'/',columnid:{colid},"
            f"sourceContentType:1,unitid:{colid % 100000},webname:'{cfg.name}人民政府',"
            "permissiontype:0}});});</script>"
        )

    def _dataproxy(self, plan: SitePlan, query: str, body: bytes) -> Response:
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        if body:
            params.update({k: v[-1] for k, v in parse_qs(body.decode("latin-1")).items()})
        lay, cfg = plan.layout, plan.cfg
        key = next((k for k in plan.columns if str(lay.colid(k)) == params.get("columnid")), None)
        if key is None:
            return self._plain(200, "<datastore><totalrecord>0</totalrecord></datastore>")
        items = plan.columns[key]
        try:
            per = max(1, int(params.get("perpage", cfg.per_page)))
            if "startrecord" in params:
                start = max(1, int(params["startrecord"]))
                end = int(params.get("endrecord", start + per * 3 - 1))
            else:
                page = max(1, int(params.get("page", 1)))
                start, end = (page - 1) * per + 1, page * per
        except ValueError:
            return self._plain(400, "bad dataproxy parameters")
        end = min(end, start + 500)  # a bounded answer however wide the request
        chunk = items[start - 1 : end]
        records = "".join(f"<record><![CDATA[{self._hanweb_record(it)}]]></record>" for it in chunk)
        xml = (
            f'<?xml version="1.0" encoding="{cfg.charset}"?>\n<datastore>'
            f"<totalrecord>{len(items)}</totalrecord>"
            f"<totalpage>{max(1, -(-len(items) // per))}</totalpage>"
            f"<recordset>{records}</recordset></datastore>"
        )
        return (
            200,
            [("Content-Type", f"text/xml; charset={cfg.charset}")],
            xml.encode(cfg.charset, "xmlcharrefreplace"),
        )

    def _calendar(self, plan: SitePlan, query: str) -> Response:
        raw = parse_qs(query).get("date", [""])[-1]
        try:
            day = dt.date.fromisoformat(raw)
            prev, nxt = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
        except (ValueError, OverflowError):
            return self._not_found(plan)
        body = (
            f"<h2>活动日历 {day.isoformat()}</h2><p>当日无活动安排。</p>"
            f'<a href="{CALENDAR}?date={prev.isoformat()}">前一天</a> '
            f'<a href="{CALENDAR}?date={nxt.isoformat()}">后一天</a>'
        )
        html = pages.page(
            plan.cfg, f"活动日历 {day.isoformat()}", body, [("首页", "/")], self._meta(plan)
        )
        return self._html(plan, html, None)

    def _report_page(self, plan: SitePlan, r: ReportPlan, copy: int) -> str:
        cfg = plan.cfg
        meta = f"发布时间：{r.published.isoformat()}　来源：{r.issuer}"
        if r.format in ("pdf", "docx"):
            att = plan.attachment_paths(r)[copy]
            content = (
                f"<p>{escape(r.title)}已发布，详见附件。</p>"
                f'<p>附件：<a href="{escape(att)}">{escape(r.title)}.{r.format}</a></p>'
            )
        else:
            doc = self.document(plan, r)
            content = self._content(doc, r)
        body = pages.article(cfg, r.title, meta, content)
        crumbs = [
            ("首页", "/"),
            ("政府信息公开", plan.layout.xxgk),
            (cfg.nb_text, plan.layout.column_entry("nb")),
        ]
        if fam := families.family(cfg):
            crumbs = fam.report_crumbs(plan, r)
        return pages.page(cfg, r.title, body, crumbs, self._meta(plan))

    @staticmethod
    def _content(doc: document.Document, r: ReportPlan) -> str:
        if r.format == "text":
            lines = document.text_lines(doc, r.layout)[2:]
            return "\n".join(f"<p>{escape(line)}</p>" for line in lines)
        return document.html_fragment(doc)

    def attachment_bytes(self, plan: SitePlan, r: ReportPlan) -> bytes:
        key = (plan.cfg.host, r.report_id, r.revision_at(plan.epoch))
        data = self._attachments.get(key)
        if data is None:
            doc = self.document(plan, r)
            data = (
                attachments.render_pdf(doc) if r.format == "pdf" else attachments.render_docx(doc)
            )
            self._attachments.put(key, data)
        return data

    def _attachment(self, plan: SitePlan, r: ReportPlan) -> Response:
        payload = self.attachment_bytes(plan, r)
        hdrs = [("Content-Type", CONTENT_TYPES[r.format]), ("Server", "SimCMS/1.0")]
        if plan.cfg.validators:
            hdrs.append(("Last-Modified", _http_date(self._last_modified(plan, r))))
            hdrs.append(("ETag", '"' + hashlib.blake2b(payload, digest_size=8).hexdigest() + '"'))
        return 200, hdrs, payload

    def _mirror(self, cfg: SiteConfig, host: str, path: str) -> Response:
        plan = self.plan(cfg.host)
        mirror = next(m for m in plan.mirrors if m.host == host) if plan.mirrors else None
        if mirror is None:
            return self._plain(404, "not found")
        tx = self._mirror_tx(plan, mirror)
        hdrs = [("Content-Type", "text/html; charset=utf-8")]
        if path in ("/", "/index.html"):
            items = [(tx(plan.by_id[rid].title), p) for p, rid in mirror.copies.items()]
            body = pages.link_list(items)
            title = mirror.spam_name if mirror.kind == "spam" else tx(f"{cfg.name}政务资讯")
            html = pages.page(cfg, title, body, None, "utf-8", site_name=title)
            return 200, hdrs, html.encode()
        rid = mirror.copies.get(path)
        if rid is None:
            return self._plain(404, "not found")
        r = plan.by_id[rid]
        # A copy taken when the report was first posted: revision 0 text.
        doc = document.map_text(self._first_revision_doc(plan, r), tx)
        content = self._content(doc, r)
        title = tx(r.title)
        body = pages.article(cfg, title, tx(f"发布时间：{r.published.isoformat()}"), content)
        site_name = mirror.spam_name if mirror.kind == "spam" else tx(f"{cfg.name}人民政府")
        html = pages.page(cfg, title, body, None, "utf-8", site_name=site_name)
        return 200, hdrs, html.encode()

    def _first_revision_doc(self, plan: SitePlan, r: ReportPlan) -> document.Document:
        ctx = _context(plan, r)
        nums = self.numbers(plan, r, revision=0)
        return document.build(rng_for(self.seed, "text", plan.cfg.host, r.report_id), ctx, nums)

    @staticmethod
    def _mirror_tx(plan: SitePlan, mirror: Mirror) -> Callable[[str], str]:
        from sim.mirrors import spam_rewriter, traditional_with_pinyin

        if mirror.kind == "spam":
            names = [f"{plan.cfg.name}人民政府", plan.cfg.name]
            return spam_rewriter(mirror.spam_name, names)
        return traditional_with_pinyin

    # --- answer key ------------------------------------------------------------------------
    def truth(self, hosts: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        """The answer key at this epoch: sites, reports, decoys and mirrors (of `hosts` only,
        when given)."""
        wanted = set(hosts) if hosts is not None else None
        for cfg in self.configs:
            if wanted is not None and cfg.host not in wanted:
                continue
            plan = build_plan(cfg, self.epoch)
            yield from self._site_truth(plan)

    def _site_truth(self, plan: SitePlan) -> Iterator[dict[str, Any]]:
        cfg = plan.cfg
        fam = families.family(cfg)
        base = f"http://{cfg.host}"
        yield {
            "kind": "site",
            "host": cfg.host,
            "code": cfg.code,
            "name": cfg.name,
            "prefecture": cfg.row.get("prefecture_name"),
            "province": cfg.row.get("province_name"),
            "cms": cfg.cms,
            "charset": cfg.charset,
            "charset_declared": cfg.charset_declared,
            "validators": cfg.validators,
            "robots_disallow": plan.robots_disallow(),
            "robots_txt": cfg.robots_kind != "none",
            "home": cfg.home,
            "alias_hosts": [cfg.bare_host] if cfg.bare_host and cfg.bare_host in self.bare else [],
            "redirect_shell": cfg.shell,
            "report_column": base
            + (fam.report_column(plan) if fam else plan.layout.column_entry("nb")),
            "spider_trap": base + plan.calendar_start() if cfg.trap else None,
            "platform_style": cfg.platform_style,
            "challenge": cfg.challenge,
        }
        for r in plan.reports:
            if r.epoch_added > plan.epoch:
                continue
            yield self._report_truth(plan, r)
        for d in plan.decoys:
            yield {
                "kind": "decoy",
                "url": base + plan.decoy_path(d),
                "site_host": cfg.host,
                "reason": d.reason,
                "title": d.title,
            }
        if cfg.cms == "gkmlpt":
            for item in families.gkmlpt.cross_site(plan):
                yield {
                    "kind": "cross-site",
                    "url": item["url"],
                    "site_host": cfg.host,
                    "title": item["title"],
                }
        for m in plan.mirrors:
            hazards = (
                ["spam-hijack"]
                if m.kind == "spam"
                else ["traditional-script", "pinyin-annotations"]
            )
            for path, rid in m.copies.items():
                yield {
                    "kind": "mirror",
                    "url": f"http://{m.host}{path}",
                    "host": m.host,
                    "copy_of": rid,
                    "site_host": cfg.host,
                    "hazards": hazards,
                }

    def _report_truth(self, plan: SitePlan, r: ReportPlan) -> dict[str, Any]:
        cfg = plan.cfg
        base = f"http://{cfg.host}"
        pages_ = [base + p for p in plan.report_paths(r)]
        atts = [base + p for p in plan.attachment_paths(r)]
        urls = atts or pages_
        nums = self.numbers(plan, r)
        blocked_paths = [plan.report_paths(r)[0], *plan.attachment_paths(r)[:1]]
        return {
            "kind": "report",
            "report_id": r.report_id,
            "url": urls[0],
            "urls": urls,
            "attachment_of": pages_[0] if atts else None,
            "page_urls": pages_,
            "site_host": cfg.host,
            "region_code": cfg.code,
            "region_name": cfg.name,
            "year": r.year,
            "title": r.title,
            "published_at": r.published.isoformat(),
            "issuer": r.issuer,
            "issuer_kind": r.issuer_kind,
            "template": r.template,
            "format": r.format,
            "text_layout": r.layout if r.format == "text" else None,
            "charset": cfg.charset if r.format in ("html", "text") else None,
            "hazards": ["totals-dont-add-up"] if r.bad_totals else [],
            "active_disclosure": nums.active_disclosure,
            "applications": nums.applications,
            "review_litigation": nums.review_litigation,
            "epoch_added": r.epoch_added,
            "revised_in_epochs": [e for e in r.revisions if e <= plan.epoch],
            "gone_in_epoch": r.gone if r.gone is not None and r.gone <= plan.epoch else None,
            "robots_blocked": any(plan.blocked(p) for p in blocked_paths),
            "challenge_blocked": cfg.challenge is not None,
        }

    def write_truth(self, path: str | Path) -> int:
        count = 0
        with Path(path).open("w", encoding="utf-8") as fh:
            for entry in self.truth():
                fh.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
        return count

    def write_sites_csv(self, path: str | Path) -> int:
        """The served sites in the registry's exact CSV format, `url` pointing at the home page."""
        fields, _ = load_registry()
        with Path(path).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            for cfg in self.configs:
                writer.writerow({**cfg.row, "url": cfg.home, "host": cfg.host})
        return len(self.configs)


def _context(plan: SitePlan, r: ReportPlan) -> document.Context:
    """What a report's text is written from: its title, issuer, place and dates."""
    return document.Context(
        title=r.title,
        issuer=r.issuer,
        region_name=plan.cfg.name,
        host=plan.cfg.host,
        year=r.year,
        published=r.published.isoformat(),
        ascii_parens=r.ascii_parens,
    )
