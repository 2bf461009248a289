"""Filter values as reserved full-text tokens (SQLite): a filtered search intersects in FTS5.

A search such as 复议 in one province walks the word's matches newest first and tests the
filter on each joined row: ten to twenty times as many matches as it keeps. With the filter
values of each document's newest version in its FTS5 entry (a second column, `filters`), the
MATCH expression carries the filter too (`"复议" AND "0筛p…"`), and FTS5 intersects the two
doclists in C, seeking through the longer one.

A token is `0筛` + a letter for the field + the value's UTF-8 in hex: `0筛p` + hex("河南省").
It mixes a digit, a CJK character and Latin letters, which storage.fulltext never puts in
one term (a term is a CJK run's bigram or character, or a word of letters and digits without
CJK), so no text indexes it and no user query can ask for it (a query's terms are made the
same way; the one prefix query, a single CJK character, cannot reach a token starting with
0). Hex keeps every value one `unicode61` token whatever characters it has (`_`, `-`).

The tokens only narrow: storage.query keeps every SQL condition, so the results are the
same as without them, provided each entry holds the tokens of its document's newest version
(storage.reportindex writes them with the entry; that is the version every search row is).
On PostgreSQL the same tokens are lexemes of the entry's tsvector, without positions (so
`ts_rank_cd`, which ranks by the query's own words, is unchanged), and the tsquery ANDs
those of a place: the GIN index intersects word and place, and the planner, seeing a
selective match, no longer walks the newest entries testing the word on each (migration
0010).
"""

from __future__ import annotations

from storage.filters import ReportFilter

_MARK = "0筛"
# Region-code prefixes indexed: every length a `--region` filter may have (storage.filters).
REGION_PREFIXES = range(2, 7)
# A year range wider than this is left to the SQL condition: an OR of many years' doclists
# costs about what walking the word's matches does.
MAX_YEARS = 8


def token(field: str, value: object) -> str:
    return f"{_MARK}{field}{str(value).encode().hex()}"


def entry_filters(
    province: str | None,
    prefecture: str | None,
    region_code: str | None,
    report_year: int | None,
    template: str | None,
    issuer_kind: str | None,
) -> str:
    """The `filters` column of a document's entry: its newest version's filter values."""
    tokens = []
    for field, value in (
        ("p", province),
        ("f", prefecture),
        ("y", report_year),
        ("t", template),
        ("k", issuer_kind),
    ):
        if value is not None and value != "":
            tokens.append(token(field, value))
    code = region_code or ""
    tokens += [token("r", code[:n]) for n in REGION_PREFIXES if len(code) >= n]
    return " ".join(tokens)


def filter_match(flt: ReportFilter, *, postgres: bool = False) -> str | None:
    """The expression that selects what `flt` selects by the fields tokenized (ANDed), in
    FTS5's syntax or (`postgres`) tsquery's, or None when nothing in it is: a superset of the
    filter's documents, never a subset.

    On PostgreSQL only the place (province, prefecture, region): with a year the planner
    turned to the GIN index and sorted the thousands of matches the word has in that year,
    which took twice as long as walking the newest entries (docs/benchmarks.md, "One
    request at a time"); a template or an issuer kind selects more still."""
    quote, and_, or_ = ("'", " & ", " | ") if postgres else ('"', " AND ", " OR ")
    fields = (("p", flt.province), ("f", flt.prefecture))
    if not postgres:
        fields += (("t", flt.template), ("k", flt.issuer_kind))
    parts = [quote + token(field, value) + quote for field, value in fields if value]
    if flt.region and len(flt.region) in REGION_PREFIXES:
        parts.append(quote + token("r", flt.region) + quote)
    if not postgres and flt.year_from is not None and flt.year_to is not None:
        years = range(flt.year_from, flt.year_to + 1)
        if 0 < len(years) <= MAX_YEARS:
            parts.append("(" + or_.join(quote + token("y", y) + quote for y in years) + ")")
    return and_.join(parts) or None


def tsvector_tokens(filters: str) -> str:
    """An entry's `filters` (entry_filters) as tsvector lexemes without positions."""
    return " ".join(f"'{t}'" for t in filters.split())
