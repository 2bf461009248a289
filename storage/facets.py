"""Facet counts for the search page: the reports a filter (and a full-text query) selects,
counted by province, year, template, issuer kind, hazard tag and failed-check family.

Every count is read from the report versions' covering indexes: the four columns and the
two bit masks of storage.flags (the columns the `--hazard` / `--failed-check` filters test),
tallied here; no probe into `hazards` or `checks` per report. So a facet's count is what
its link selects, by construction. Hazards are counted by the tags the filter takes
(storage.filters.HAZARDS; any other tag only sets a shared bit, which no link can select),
failed checks by family (CHECK_FAMILIES).

How exact the counts are (`FacetCounts.basis`, which the page shows):

- "exact": every match counted: a search with at most storage.query.TOTAL_CAP matches, a
  listing (no query) with at most `exact_limit`.
- "newest": a search with more matches. Its count stops after TOTAL_CAP matches
  (storage.query.search_results: the total is then a lower bound), and each facet count is
  the number among those TOTAL_CAP most recently archived matches: a lower bound too (the
  page shows "≥"), and not a random sample (an archive's newest reports may lean to the
  sites crawled last). A sample spread over every match, as below, would cost a pass over
  every match in the full-text index: what the exact total costs (40-100 ms of CPU for a
  word most of 100,000 reports contain).
- "sample": a listing of more than `exact_limit` reports. The total is exact (count(*) over
  the covering index, cheap without a query); every facet is counted on a sample of about
  `sample_size` of them (those whose document id hashes below a threshold: spread over the
  whole set, with no period the ids might have) and scaled by total / sampled: estimates
  (the page shows "≈"). A value never seen in the sample is not listed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, and_, cast, literal, select
from sqlalchemy.orm import Session

from storage.filters import CHECK_FAMILIES, HAZARDS, NO_FILTER, ReportFilter
from storage.flags import check_bit, hazard_bit
from storage.models import ReportVersion

COLUMN_FACETS = ("province", "report_year", "template", "issuer_kind")
FACETS = (*COLUMN_FACETS, "hazard", "failed_check")
EXACT_LIMIT = 1000  # a listing of up to this many reports is counted exactly
SAMPLE_SIZE = 1000  # above it, about this many (at least half) are counted and scaled
# Fibonacci hashing: (id × ⌊2^32/φ⌋) mod 2^32 spreads consecutive or periodic ids evenly
# over [0, 2^32); a report is in the sample when its hash is below 2^32 / step.
_HASH, _SPAN = 2654435761, 2**32
# The columns each match is read with, from the covering index (storage.query.newest_matches
# for a search, `facet_counts` for a listing): enough to rank it and to tally it here
# without another query. Rows are read by position, found from these names.
MATCH_COLUMNS = (
    "vid",
    "doc",
    "province",
    "report_year",
    "template",
    "issuer_kind",
    "hazard_mask",
    "failed_mask",
)
_AT = {name: MATCH_COLUMNS.index(name) for name in COLUMN_FACETS}
_HAZARD_MASK, _FAILED_MASK = MATCH_COLUMNS.index("hazard_mask"), MATCH_COLUMNS.index("failed_mask")
_HAZARD_BITS = [(tag, hazard_bit(tag)) for tag in HAZARDS]
_FAILED_BITS = [(family, check_bit(family)) for family in CHECK_FAMILIES]


@dataclass
class FacetCounts:
    """(value, count) per facet (FACETS), largest first, and how far to trust them.

    `total`: how many reports match; exact when `total_exact`, else a lower bound (more
    match). `basis`: "exact" (every match counted), "newest" (counted among the `total`
    most recently archived matches: each count a lower bound) or "sample" (estimates scaled
    from `sample` = (reports sampled, reports matched))."""

    total: int
    counts: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    sample: tuple[int, int] | None = None
    total_exact: bool = True
    basis: str = "exact"


def facet_counts(
    session: Session,
    flt: ReportFilter = NO_FILTER,
    *,
    exact_limit: int | None = None,
    sample_size: int | None = None,
) -> FacetCounts:
    """The reports a listing's filter selects, counted by province, year, template, issuer
    kind, hazard tag and failed-check family: exactly up to `exact_limit`, else estimated
    from a sample (see the module). A search's facets are `of_matches` of its counted
    matches (storage.query.search_results), which cost no query of their own."""
    from storage.query import _conditions, count

    exact_limit = EXACT_LIMIT if exact_limit is None else exact_limit
    sample_size = SAMPLE_SIZE if sample_size is None else sample_size
    total = count(session, flt)
    step = 1 if total <= exact_limit else math.ceil(total / sample_size)
    rv = ReportVersion
    conds = _conditions(flt)
    if step > 1:
        big = [literal(n, BigInteger) for n in (_HASH, _SPAN, _SPAN // step)]
        conds.append((cast(rv.document_id, BigInteger) * big[0]) % big[1] < big[2])
    rows = (
        session.connection()
        .execute(
            select(rv.id, rv.document_id, *(getattr(rv, name) for name in MATCH_COLUMNS[2:])).where(
                and_(*conds)
            )
        )
        .all()
    )
    out = FacetCounts(total=total, counts=tally(rows))
    if step > 1:
        out.basis, out.sample = "sample", (len(rows), total)
        scale = total / len(rows) if rows else 0.0
        out.counts = {
            name: _largest_first((v, round(n * scale)) for v, n in values)
            for name, values in out.counts.items()
        }
    return out


def of_matches(matches: Sequence[Any], *, exact: bool) -> FacetCounts:
    """The facet counts of a search's counted matches (storage.query.SearchResults:
    `matches`, `total_exact`): exact when every match was counted, else lower bounds."""
    return FacetCounts(
        total=len(matches),
        counts=tally(matches),
        total_exact=exact,
        basis="exact" if exact else "newest",
    )


def tally(rows: Sequence[Any]) -> dict[str, list[tuple[Any, int]]]:
    """Count rows of MATCH_COLUMNS by each facet, largest first; the masks
    are counted once per distinct value, then spread over their bits."""
    out = {name: _largest_first(Counter(r[i] for r in rows).items()) for name, i in _AT.items()}
    for name, at, bits in (
        ("hazard", _HAZARD_MASK, _HAZARD_BITS),
        ("failed_check", _FAILED_MASK, _FAILED_BITS),
    ):
        per_value: Counter[str] = Counter()
        for mask, n in Counter(r[at] for r in rows).items():
            for value, bit in bits:
                if mask & bit:
                    per_value[value] += n
        out[name] = _largest_first(per_value.items())
    return out


def _largest_first(pairs: Iterable[tuple[Any, int]]) -> list[tuple[Any, int]]:
    return sorted(((v, int(n)) for v, n in pairs), key=lambda vn: (-vn[1], str(vn[0])))
