"""The filter parser and the full-text terms, without a database."""

from __future__ import annotations

import pytest

from storage.filters import FilterError, ReportFilter, parse_years
from storage.fulltext import (
    QueryError,
    fts5_match,
    index_terms,
    parse_query,
    tsquery_literal,
    tsvector_literal,
)


def test_filters_parse_what_users_type() -> None:
    flt = ReportFilter.parse(
        province="云南省",
        prefecture="曲靖市",
        region="5303",
        year="2019-2024",
        template="2021",
        issuer_kind="department",
        hazard="needs-ocr",
        failed_check="carry_over",
        all_versions=True,
    )
    assert (flt.year_from, flt.year_to, flt.region, flt.failed_check) == (
        2019,
        2024,
        "5303",
        "carry_over",
    )
    assert parse_years("2020") == (2020, 2020) and parse_years(None) == (None, None)
    assert (
        ReportFilter.from_params({"issuer-kind": "government", "year": "2021"}).issuer_kind
        == "government"
    )
    assert (
        ReportFilter.parse(failed_check="applications.flow.total").failed_check
        == "applications.flow.total"
    )


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"province": "火星省"}, "火星省"),
        ({"prefecture": "不存在市"}, "不存在市"),
        ({"region": "53x"}, "53x"),
        ({"region": "5303251"}, "5303251"),
        ({"year": "2019-20"}, "2019-20"),
        ({"year": "2024-2019"}, "2024-2019"),
        ({"year": "1900"}, "1900"),
        ({"template": "2030"}, "2030"),
        ({"issuer_kind": "emperor"}, "emperor"),
        ({"hazard": "ghosts"}, "ghosts"),
        ({"failed_check": "applications.flo"}, "applications.flo"),
        ({"all_versions": "perhaps"}, "perhaps"),
    ],
)
def test_a_bad_filter_names_itself(params: dict[str, str], named: str) -> None:
    with pytest.raises(FilterError, match=named.replace(".", r"\.")):
        ReportFilter.parse(**params)


def test_an_unknown_filter_name_is_refused() -> None:
    with pytest.raises(FilterError, match="colour"):
        ReportFilter.from_params({"colour": "red"})


def test_index_terms_are_bigrams_plus_each_runs_last_character() -> None:
    assert index_terms("行政复议、诉讼 2019年") == [
        "行政",
        "政复",
        "复议",
        "议",
        "诉讼",
        "讼",
        "2019",
        "年",
    ]
    assert index_terms("ABC abc") == ["abc", "abc"]
    assert tsvector_literal("复议复议") == "'复议':1,3 '议复':2 '议':4"


def test_queries_become_phrases_of_terms() -> None:
    assert fts5_match(parse_query("复议")) == '"复议"'
    assert fts5_match(parse_query("行政复议 诉讼")) == '"行政 政复 复议" AND "诉讼"'
    assert fts5_match(parse_query("年")) == '"年" *'  # one character: any term starting with it
    assert fts5_match(parse_query('"本年度 未发生"')) == '"本年 年度 度未 未发 发生"'
    assert fts5_match(parse_query("復議")) == '"复议"'  # traditional → simplified
    assert tsquery_literal(parse_query("复议 年")) == "('复议') & ('年':*)"
    # Operators and quotes are text, never syntax.
    assert fts5_match(parse_query('复议" OR NEAR(x*')) == '"复议" AND "or" AND "near x"'
    for empty in ("", "   ", "'\"*", "-- ;"):
        with pytest.raises(QueryError):
            parse_query(empty)
