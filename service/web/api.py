"""The JSON API: thin routes over storage.query (no SQL here)."""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from service.web import archive, exports
from service.web.app import get_session
from service.web.errors import BadRequest, NotFound
from service.web.params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    encode_cursor,
    listing,
    report_filter,
)
from storage import query
from storage.columns import cell_columns, column_index
from storage.fulltext import QueryError

router = APIRouter(prefix="/api", tags=["api"])
DB = Annotated[Session, Depends(get_session)]

FILTER_DOC = (
    "Filters (as the CLI options): province, prefecture, region (division-code prefix), "
    "year (YYYY or YYYY-YYYY), template, issuer_kind, hazard, failed_check (any, a family "
    "such as carry_over, or a full rule), all_versions. An unknown parameter is a 400."
)


def _param(name: str, description: str, example: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if example:
        schema["examples"] = [example]
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


FILTER_PARAMS = [
    _param("province", "province as printed", "云南省"),
    _param("prefecture", "prefecture-level city as printed", "曲靖市"),
    _param("region", "division-code prefix", "5303"),
    _param("year", "year covered, or a range", "2019-2024"),
    _param("template", "2021 | 2019 | pre2019 | unknown"),
    _param("issuer_kind", "government | government_office | department | township | unknown"),
    _param("hazard", "a hazard tag (RECORD.md)", "totals-dont-add-up"),
    _param("failed_check", "any, a family (carry_over, applications.flow…) or a full rule"),
    _param("all_versions", "true: also reports superseded by a revision"),
]
LIST_PARAMS = [
    _param("q", 'search words or "a phrase" (Chinese: any two characters or more)', "复议"),
    *FILTER_PARAMS,
    _param("limit", f"page size, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})"),
    _param("cursor", "next_cursor from the previous page"),
]


def find_report(session: Session, doc_id: str) -> query.ReportDetail:
    try:
        return query.get_report(session, doc_id)
    except query.NotFound as exc:
        raise NotFound(str(exc)) from exc


def links(doc_id: str) -> dict[str, str]:
    return {
        "self": f"/api/reports/{doc_id}",
        "cells": f"/api/reports/{doc_id}/cells",
        "page": f"/reports/{doc_id}",
    }


def page_of_reports(
    session: Session,
    request: Request,
    *,
    total: int | None = None,
    found: query.SearchResults | None = None,
) -> dict[str, Any]:
    """One page of reports (search hits when `q` is given) with the next page's cursor.
    `total`: how many match, when the caller has counted them already (the search page's
    facet counts do, for a listing); `found`: the search, when the caller has run it (the
    search page, for its facets)."""
    page = listing(request.query_params)
    exact = True
    try:
        if page.q:
            if found is None:
                found = query.search_results(
                    session,
                    page.q,
                    page.flt,
                    limit=page.limit + 1,
                    offset=page.offset,
                    facets=False,
                )
            items = [
                {
                    **h.report.as_dict(),
                    "snippet": h.snippet,
                    "snippet_matches": [list(span) for span in h.matches],
                    "rank": h.rank,
                }
                for h in found.hits
            ]
            total, exact = found.total, found.total_exact
        else:
            rows = query.list_reports(session, page.flt, limit=page.limit + 1, offset=page.offset)
            items = [r.as_dict() for r in rows]
            if total is None:
                total = query.count(session, page.flt)
    except QueryError as exc:
        raise BadRequest(f"bad query {page.q!r}: {exc}") from exc
    more = len(items) > page.limit
    items = items[: page.limit]
    for item in items:
        item["links"] = links(item["doc_id"])
    return {
        "q": page.q,
        "filter": page.flt.describe(),
        "total": total,
        "total_exact": exact,
        "limit": page.limit,
        "items": items,
        "next_cursor": encode_cursor(page.offset + page.limit) if more else None,
    }


LIST_DOC = f"""{FILTER_DOC}

With `q`: the hits, best first, each with a `snippet` (matches between 【 and 】), its
`snippet_matches` (the [start, end) character offsets of each match in `snippet`, inside
its 【】: report text has 【】 of its own, which these tell apart) and a `rank`. Ranked are the {query.RANK_CANDIDATES} most recently archived matches, then the next
{query.RANK_CANDIDATES}, and so on (pages continue each other).

`total` is how many reports match. `total_exact` says whether it is exact: a search counts
its matches up to {query.TOTAL_CAP:,} and stops there, so for a query with more matches
`total` is {query.TOTAL_CAP:,} and `total_exact` is false, meaning *more than* `total`
reports match (narrow the query or the filters for an exact count). A listing without `q`
is always counted exactly."""
LIST_RESPONSE = {
    "200": {
        "description": "One page of reports",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "q": {"type": ["string", "null"]},
                        "filter": {"type": "object"},
                        "total": {
                            "type": "integer",
                            "description": "reports matching; a lower bound when "
                            "total_exact is false (then more than this many match)",
                        },
                        "total_exact": {
                            "type": "boolean",
                            "description": "false when a search stopped counting at "
                            f"{query.TOTAL_CAP:,} matches",
                        },
                        "limit": {"type": "integer"},
                        "items": {"type": "array", "items": {"type": "object"}},
                        "next_cursor": {"type": ["string", "null"]},
                    },
                }
            }
        },
    }
}


@router.get(
    "/reports",
    summary="Search and list reports",
    description=LIST_DOC,
    openapi_extra={"parameters": LIST_PARAMS, "responses": LIST_RESPONSE},
)
def reports(request: Request, session: DB) -> Response:
    # Plain JSON values already: rendered as they are, without FastAPI's jsonable_encoder
    # walking every item (~1 ms a page of 20 hits, ~5 % of a search).
    return JSONResponse(page_of_reports(session, request))


@router.get("/reports/{doc_id}", summary="One report: record, versions, captures, checks")
def report(doc_id: str, request: Request, session: DB) -> dict[str, Any]:
    report_filter(request.query_params)  # no parameters are taken: refuse unknown ones
    detail = find_report(session, doc_id)
    return {
        "doc_id": detail.summary.doc_id,
        "summary": detail.summary.as_dict(),
        "record": detail.record,
        "checks": detail.record.get("checks") or [],
        "carry_over": detail.carry_over,
        "versions": [dataclasses.asdict(v) for v in detail.versions],
        "captures": [
            {**dataclasses.asdict(c), "original": archive.original_link(c.warc_record_id)}
            for c in detail.captures
        ],
        "links": links(detail.summary.doc_id),
    }


def report_cells(session: Session, detail: query.ReportDetail) -> list[dict[str, Any]]:
    """The stored cells of the report version, labelled from the codebook, in table order."""
    values = query.cells_of(session, detail.summary.version_id)
    index = column_index()
    order = {c.name: n for n, c in enumerate(cell_columns())}
    out = []
    for (table, row, column), value in values.items():
        col = index.get((table, row, column))
        out.append(
            {
                "name": f"{table}.{row}.{column}",
                "table": table,
                "row": row,
                "column": column,
                "label": col.label if col else None,
                "value": value,
            }
        )
    return sorted(out, key=lambda c: (order.get(c["name"], len(order)), c["name"]))


@router.get("/reports/{doc_id}/cells", summary="Every table cell of a report, long form")
def cells(doc_id: str, request: Request, session: DB) -> dict[str, Any]:
    report_filter(request.query_params)
    detail = find_report(session, doc_id)
    return {"doc_id": detail.summary.doc_id, "cells": report_cells(session, detail)}


@router.get("/reports/{doc_id}/cells.csv", summary="The same cells as CSV")
def cells_csv(doc_id: str, request: Request, session: DB) -> Response:
    report_filter(request.query_params)
    detail = find_report(session, doc_id)
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow(["doc_id", "name", "table", "row", "column", "label", "value"])
    for c in report_cells(session, detail):
        writer.writerow([detail.summary.doc_id, *c.values()])
    name = f"{detail.summary.doc_id}-cells.csv"
    return Response(
        buf.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/coverage", summary="Coverage: county × year, deadline compliance", description=FILTER_DOC
)
def coverage(request: Request, session: DB) -> dict[str, Any]:
    flt = report_filter(request.query_params)
    cov = query.coverage_matrix(session, flt)
    return {
        "filter": flt.describe(),
        "years": cov.years,
        "rows": [dataclasses.asdict(r) for r in cov.rows],
        "deadlines": [dataclasses.asdict(d) for d in cov.deadlines],
        "totals": dict(cov.totals),
    }


@router.get(
    "/export.{fmt}",
    summary="Export the filtered reports (csv, jsonl, parquet), streamed",
    openapi_extra={"parameters": FILTER_PARAMS},
)
def export(fmt: str, request: Request) -> Response:
    flt = report_filter(request.query_params)
    return exports.stream(request.app.state.sessions, fmt, flt)


@router.get(
    "/captures/{warc_record_id}/original",
    summary="The archived response body with its original content type, as an attachment",
)
def original(warc_record_id: str, request: Request, session: DB) -> Response:
    report_filter(request.query_params)
    return archive.original_response(session, request, warc_record_id, attachment=True)


@router.get("/docs", include_in_schema=False, response_class=HTMLResponse)
def docs(request: Request) -> Response:
    spec = request.app.openapi()
    return request.app.state.templates.TemplateResponse(request, "api_docs.html", {"spec": spec})
