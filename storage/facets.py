"""Facet counts for the search page: the reports a filter (and a full-text query) selects,
counted by province, year, template, issuer kind, hazard tag and failed-check family.

What it costs: the total is one count (storage.query.count / search_count). The facets are
one statement over the matches, found once (a materialized CTE read from the covering
index), grouped by the four columns, with hazards and failed checks probed per report
through their (report, …) indexes. Grouping and probing cost time per match (~1 ms per 100
matches on a generated archive, whose reports fail ~20 checks each), so:

- up to `exact_limit` matches every count is exact;
- above it, every facet is counted on a sample of about `sample_size` of the matches (those
  whose document id hashes below a threshold: spread over the whole set, with no period the
  ids might have) and scaled by total / sampled. `FacetCounts.sample` then says how many of
  how many, for the page to label the counts as estimates; the total stays exact, and a
  value never seen in the sample is not listed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, func, literal, null, select
from sqlalchemy.orm import Session

from storage.filters import CHECK_FAMILIES, NO_FILTER, ReportFilter
from storage.fulltext import parse_query
from storage.models import Check, Hazard, ReportVersion

COLUMN_FACETS = ("province", "report_year", "template", "issuer_kind")
FACETS = (*COLUMN_FACETS, "hazard", "failed_check")
EXACT_LIMIT = 1000  # up to this many matches every count is exact
SAMPLE_SIZE = 1000  # above it, about this many (at least half) are counted and scaled
# Fibonacci hashing: (id × ⌊2^32/φ⌋) mod 2^32 spreads consecutive or periodic ids evenly
# over [0, 2^32); a report is in the sample when its hash is below 2^32 / step.
_HASH, _SPAN = 2654435761, 2**32


@dataclass
class FacetCounts:
    """(value, count) per facet (FACETS), largest first. `total` is exact; `sample` is None
    when the counts are too, else (reports sampled, reports matched) and they are estimates."""

    total: int
    counts: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    sample: tuple[int, int] | None = None


def facet_counts(
    session: Session,
    flt: ReportFilter = NO_FILTER,
    query: str | None = None,
    *,
    exact_limit: int | None = None,
    sample_size: int | None = None,
) -> FacetCounts:
    """Reports selected by `flt` (and matching `query`, when given) counted by province,
    year, template, issuer kind, hazard tag and failed-check family (CHECK_FAMILIES); over
    `exact_limit` matches, estimated from a sample (see the module). QueryError for a
    malformed query."""
    from storage.query import _conditions, _fts_key, _fulltext, count, search_count

    exact_limit = EXACT_LIMIT if exact_limit is None else exact_limit
    sample_size = SAMPLE_SIZE if sample_size is None else sample_size
    total = search_count(session, query, flt) if query else count(session, flt)
    step = 1 if total <= exact_limit else math.ceil(total / sample_size)

    def sampled(key: Any) -> Any:
        big = [literal(n, BigInteger) for n in (_HASH, _SPAN, _SPAN // step)]
        return (cast(key, BigInteger) * big[0]) % big[1] < big[2]  # 64-bit: ids below 2^32

    rv = ReportVersion
    conds = _conditions(flt)
    if query:
        match, _rank = _fulltext(session, parse_query(query))
        key = _fts_key(session)
        # Sampled inside the full-text subquery: only the sampled matches are joined.
        inner = select(key).where(match, *([sampled(key)] if step > 1 else []))
        conds.append(rv.document_id.in_(inner))
    elif step > 1:
        conds.append(sampled(rv.document_id))
    m = (
        select(rv.id, *[getattr(rv, name) for name in COLUMN_FACETS])
        .where(and_(*conds))
        .cte("m")
        .prefix_with("MATERIALIZED")  # found once, read by each part below
    )
    columns = [m.c[name] for name in COLUMN_FACETS]
    family = case(
        *[
            (and_(Check.rule >= fam + ".", Check.rule < fam + "/"), literal(fam))
            for fam in CHECK_FAMILIES
        ],
        else_=null(),
    )
    # IN (not a join): the planner then probes the (report, …) indexes per match instead of
    # scanning every hazard or check and looking each up among the matches.
    failed = (
        select(Check.report_version_id, family.label("family"))
        .where(Check.report_version_id.in_(select(m.c.id)), Check.status == "fail")
        .distinct()
        .subquery()
    )
    blank = [null()] * (len(COLUMN_FACETS) - 1)
    stmt = (
        select(literal("column"), *columns, func.count())
        .group_by(*columns)
        .union_all(
            select(
                literal("hazard"),
                Hazard.tag,
                *blank,
                func.count(Hazard.report_version_id.distinct()),
            )
            .where(Hazard.report_version_id.in_(select(m.c.id)))
            .group_by(Hazard.tag),
            select(literal("failed_check"), failed.c.family, *blank, func.count())
            .where(failed.c.family.is_not(None))
            .group_by(failed.c.family),
        )
    )
    return _tally(session.execute(stmt).all(), total, sample=step > 1)


def _tally(rows: list[Any], total: int, *, sample: bool) -> FacetCounts:
    tallies: dict[str, dict[Any, int]] = {name: {} for name in FACETS}
    for kind, *values, n in rows:
        if kind == "column":
            for name, value in zip(COLUMN_FACETS, values, strict=True):
                tallies[name][value] = tallies[name].get(value, 0) + int(n)
        elif values[0] is not None:
            tallies[kind][values[0]] = int(n)
    sampled = sum(tallies[COLUMN_FACETS[0]].values())
    out = FacetCounts(total=total)
    if sample:
        out.sample = (sampled, total)
        scale = total / sampled if sampled else 0.0
        tallies = {k: {v: round(n * scale) for v, n in t.items()} for k, t in tallies.items()}
    for name, tally in tallies.items():
        out.counts[name] = sorted(tally.items(), key=lambda vk: (-vk[1], str(vk[0])))
    return out
