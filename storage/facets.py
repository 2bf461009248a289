"""Facet counts for the search page: the selected reports (and those matching a full-text
query) counted by province, year, template, issuer kind, hazard tag and failed-check family.

One statement: the matches are found once (a materialized CTE: the full-text match and the
filter, read from the covering index), then grouped by the four columns; hazards and failed
checks are probed per report through their (report, …) indexes.

The column facets are always exact. The hazard and failed-check facets cost an index probe per
report (a generated archive has ~20 failed checks per report), so over more than
`exact_limit` matches they are counted on a systematic sample of the matches (every k-th
report id, at most ~`exact_limit` reports) and scaled to the number of matches: estimates,
and `FacetCounts.sample` says so, for the page to label them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, literal, null, select
from sqlalchemy.orm import Session

from storage.filters import CHECK_FAMILIES, NO_FILTER, ReportFilter
from storage.fulltext import parse_query
from storage.models import Check, Hazard, ReportVersion

COLUMN_FACETS = ("province", "report_year", "template", "issuer_kind")
# Above this many matches the hazard and failed-check facets are estimated from a sample of
# about this many reports (~20 index probes each); below it they are exact.
EXACT_LIMIT = 2000


@dataclass
class FacetCounts:
    """(value, count) per facet, largest first; `total` is exact.

    `sample` is None when every count is exact, else (reports sampled, reports matched):
    the hazard and failed-check counts are then estimates scaled from the sample."""

    total: int
    counts: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    sample: tuple[int, int] | None = None

    @property
    def estimated(self) -> frozenset[str]:
        """The facets whose counts are estimates."""
        return frozenset(("hazard", "failed_check") if self.sample else ())


def facet_counts(
    session: Session,
    flt: ReportFilter = NO_FILTER,
    query: str | None = None,
    *,
    exact_limit: int = EXACT_LIMIT,
) -> FacetCounts:
    """Reports selected by `flt` (and matching `query`, when given) counted by province,
    year, template, issuer kind, hazard tag and failed-check family (CHECK_FAMILIES).
    QueryError for a malformed query."""
    from storage.query import _conditions, _fts_key, _fulltext

    rv = ReportVersion
    conds = _conditions(flt)
    if query:
        match, _rank = _fulltext(session, parse_query(query))
        conds.append(rv.document_id.in_(select(_fts_key(session)).where(match)))
    cols = [getattr(rv, name) for name in COLUMN_FACETS]
    # Found once for the whole statement: the full-text match is the costly part.
    m = select(rv.id, *cols).where(and_(*conds)).cte("m").prefix_with("MATERIALIZED")
    # Every k-th report id, k chosen so that at most ~exact_limit reports are probed (k = 1,
    # every report, up to exact_limit matches).
    step = select((func.count() + exact_limit - 1) // exact_limit).select_from(m).scalar_subquery()
    larger = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max
    s = select(m.c.id).where(m.c.id % larger(step, 1) == 0).cte("s").prefix_with("MATERIALIZED")
    family = case(
        *[
            (and_(Check.rule >= fam + ".", Check.rule < fam + "/"), literal(fam))
            for fam in CHECK_FAMILIES
        ],
        else_=null(),
    )
    failed = (
        select(Check.report_version_id, family.label("family"))
        .where(Check.report_version_id.in_(select(s.c.id)), Check.status == "fail")
        .distinct()
        .subquery()
    )
    blank = [null()] * (len(COLUMN_FACETS) - 1)
    stmt = (
        select(literal("column"), *[m.c[name] for name in COLUMN_FACETS], func.count())
        .group_by(*[m.c[name] for name in COLUMN_FACETS])
        .union_all(
            select(literal("sampled"), null(), *blank, func.count()).select_from(s),
            select(
                literal("hazard"),
                Hazard.tag,
                *blank,
                func.count(Hazard.report_version_id.distinct()),
            )
            .where(Hazard.report_version_id.in_(select(s.c.id)))
            .group_by(Hazard.tag),
            select(literal("failed_check"), failed.c.family, *blank, func.count())
            .where(failed.c.family.is_not(None))
            .group_by(failed.c.family),
        )
    )
    return _tally(session.execute(stmt).all())


def _tally(rows: list[Any]) -> FacetCounts:
    columns: dict[str, dict[Any, int]] = {name: {} for name in COLUMN_FACETS}
    other: dict[str, dict[Any, int]] = {"hazard": {}, "failed_check": {}}
    sampled = 0
    for kind, *values, n in rows:
        if kind == "column":
            for name, value in zip(COLUMN_FACETS, values, strict=True):
                columns[name][value] = columns[name].get(value, 0) + int(n)
        elif kind == "sampled":
            sampled = int(n)
        elif values[0] is not None:
            other[kind][values[0]] = int(n)
    total = sum(columns[COLUMN_FACETS[0]].values())
    out = FacetCounts(total=total)
    if sampled < total:
        out.sample = (sampled, total)
        scale = total / sampled if sampled else 0.0
        other = {k: {v: round(n * scale) for v, n in t.items()} for k, t in other.items()}
    for name, tally in (*columns.items(), *other.items()):
        out.counts[name] = sorted(tally.items(), key=lambda vk: (-vk[1], str(vk[0])))
    return out
