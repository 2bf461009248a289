"""The web pages: server-rendered (Jinja2), Chinese first, usable without JavaScript.

Each page is a view of the same storage.query calls the JSON API makes, and links to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from service.web import archive, charts, layout
from service.web.api import DB, find_report, page_of_reports
from service.web.app import get_session
from service.web.errors import BadRequest, NotFound
from service.web.params import listing, query_string, report_filter
from storage import query
from storage.diff import DiffError, diffs_around, resolve
from storage.facets import of_matches as facets_of_matches
from storage.filters import ReportFilter
from storage.fulltext import QueryError

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
SESSION = Annotated[Session, Depends(get_session)]

FACET_TITLES = {
    "province": "省份 Province",
    "report_year": "年度 Year",
    "template": "模板 Template",
    "issuer_kind": "发布机关类型 Issuer kind",
    "hazard": "问题标记 Hazard",
    "failed_check": "未通过的校验 Failed check",
}
# Before each facet count: "≈" an estimate (scaled from a sample), "≥" a lower bound
# (counted among the newest matches of a search with more than TOTAL_CAP).
FACET_MARKS = {"exact": "", "sample": "≈", "newest": "≥"}
# The facet field → the filter parameter that selects one of its values.
FACET_PARAMS = {"report_year": "year"}
ISSUER_KIND_WORDS = {
    "government": "县(区、市)人民政府",
    "government_office": "政府办公室",
    "department": "部门",
    "township": "乡镇(街道)",
    "unknown": "未知",
}
TEMPLATE_WORDS = {
    "2021": "2021年版",
    "2019": "2019年版(试行)",
    "pre2019": "2019年以前",
    "unknown": "未知",
}


@dataclass(frozen=True, slots=True)
class FacetOption:
    """One value of a facet as the search page lists it (attributes, not a dict: see
    search_page)."""

    label: str
    count: int
    mark: str
    on: bool
    href: str


@dataclass(frozen=True, slots=True)
class Facet:
    title: str
    options: list[FacetOption]
    reset: str | None


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def facet_label(field: str, value: Any) -> str:
    if value is None:
        return "（空）"
    if field == "issuer_kind":
        return ISSUER_KIND_WORDS.get(value, value)
    if field == "template":
        return TEMPLATE_WORDS.get(value, value)
    return str(value)


@router.get("/")
def search_page(request: Request, session: SESSION) -> Response:
    page = listing(request.query_params)
    found = None
    try:
        if page.q:
            # One scan of the newest matches ranks, counts (up to TOTAL_CAP) and facets.
            found = query.search_results(
                session, page.q, page.flt, limit=page.limit + 1, offset=page.offset
            )
            counts = facets_of_matches(found.matches, exact=found.total_exact)
        else:  # a listing: its facets also count it
            counts = query.facet_counts(session, page.flt)
    except QueryError as exc:
        raise BadRequest(f"bad query {page.q!r}: {exc}") from exc
    result = page_of_reports(session, request, total=counts.total, found=found)
    facets = []
    for field, values in counts.counts.items():
        param = FACET_PARAMS.get(field, field)
        chosen = page.params().get(param)
        options = [
            FacetOption(
                label=facet_label(field, value),
                count=n,
                mark=FACET_MARKS[counts.basis],
                on=chosen is not None and str(value) == chosen,
                href="/?" + query_string(page.params(**{param: value, "cursor": None})),
            )
            for value, n in values
            if value is not None
        ]
        clear = (
            "/?" + query_string(page.params(**{param: None, "cursor": None})) if chosen else None
        )
        facets.append(Facet(title=FACET_TITLES[field], options=options, reset=clear))
    json_link = "/api/reports?" + query_string(page.params())
    next_link = (
        "/?" + query_string(page.params(cursor=result["next_cursor"]))
        if result["next_cursor"]
        else None
    )
    return render(
        request,
        "search.html",
        {
            "page": page,
            "result": result,
            # The hits as objects: the template reads ~13 fields of each, and Jinja looks a
            # name up as an attribute first, which on a dict raises (~4 µs, 0.5 µs here).
            "items": [SimpleNamespace(**item) for item in result["items"]],
            "facets": facets,
            "sample": counts.sample,
            "basis": counts.basis,
            "json_link": json_link,
            "next_link": next_link,
            "first_link": "/?" + query_string(page.params(cursor=None)) if page.offset else None,
            "issuer_words": ISSUER_KIND_WORDS,
            "template_words": TEMPLATE_WORDS,
            "csv_link": "/api/export.csv?" + query_string(page.params(q=None)),
        },
    )


@router.get("/reports/{doc_id}")
def report_page(doc_id: str, request: Request, session: DB) -> Response:
    report_filter(request.query_params)
    detail = find_report(session, doc_id)
    record = detail.record
    checks = record.get("checks") or []
    # Dicts the template reads by name go to it as objects (see search_page's hits).
    failed = [
        SimpleNamespace(**{**c, "explained": layout.explain_check(str(c.get("rule")))})
        for c in checks
        if c.get("status") == "fail"
    ]
    diffs = []
    # Only a report revised at its URL has a diff: the version list already walked the chain.
    if len({v.document_id for v in detail.versions}) > 1:
        try:
            diffs = diffs_around(session, resolve(session, detail.summary.doc_id), whole_chain=True)
        except DiffError:
            diffs = []
    source = record.get("source") or {}
    capture = next(
        (c for c in detail.captures if c.warc_record_id == source.get("warc_record_id")),
        detail.captures[0] if detail.captures else None,
    )
    return render(
        request,
        "report.html",
        {
            "d": detail,
            "r": record,
            "s": detail.summary,
            "tables": layout.table_views(record, checks),
            "failed": failed,
            "passed": sum(1 for c in checks if c.get("status") == "pass"),
            "skipped": sum(1 for c in checks if c.get("status") == "skipped"),
            "hazards": [(h, layout.HAZARD_WORDS.get(h, h)) for h in record.get("hazards") or []],
            "diffs": diffs,
            "capture": capture,
            "source": SimpleNamespace(**source),
            "sections": [SimpleNamespace(**sec) for sec in record.get("sections") or []],
            "inline_original": (
                archive.original_link(capture.warc_record_id, inline=True)
                if capture is not None and archive.is_html(capture.content_type)
                else None
            ),
            "download_original": (
                archive.original_link(capture.warc_record_id) if capture is not None else None
            ),
            "issuer_words": ISSUER_KIND_WORDS,
            "template_words": TEMPLATE_WORDS,
            "citation": layout.citation(detail.summary, source),
        },
    )


@router.get("/captures/{warc_record_id}/original")
def original_inline(warc_record_id: str, request: Request, session: DB) -> Response:
    """The archived page itself, for the report page's sandboxed iframe (ORIGINAL_CSP)."""
    report_filter(request.query_params)
    return archive.original_response(session, request, warc_record_id, attachment=False)


@router.get("/regions/{code}")
def region_page(code: str, request: Request, session: DB) -> Response:
    report_filter(request.query_params)
    if not (code.isdigit() and len(code) == 6):
        raise BadRequest(f"bad region code {code!r}: expected a 6-digit county code")
    rows = list(query.panel_rows(session, ReportFilter(region=code)))
    if not rows:
        raise NotFound(f"no county government report archived for region {code}")
    series = layout.key_series(rows)
    return render(
        request,
        "region.html",
        {
            "code": code,
            "first": rows[0],
            "series": series,
            "chart": charts.line_chart(series),
            "json_link": f"/api/reports?region={code}",
            "reports_link": f"/?region={code}",
        },
    )


@router.get("/coverage")
def coverage_page(request: Request, session: DB) -> Response:
    flt = report_filter(request.query_params)
    cov = query.coverage_matrix(session, flt)
    return render(
        request,
        "coverage.html",
        {
            "cov": cov,
            "json_link": "/api/coverage?" + urlencode(request.query_params),
        },
    )
