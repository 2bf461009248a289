"""Pure parts of the fast read side: the failed-check/hazard masks and candidate ranking."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment

from service.web.layout import cell_html
from service.web.params import query_string
from storage.filters import CHECK_FAMILIES, HAZARDS
from storage.flags import (
    OTHER_CHECK,
    OTHER_HAZARD,
    failed_check_bits,
    failed_mask,
    hazard_bit,
    hazard_mask,
)
from storage.fulltext import (
    QueryError,
    bm25,
    bm25_scores,
    index_text,
    parse_query,
    phrase_count,
    phrase_patterns,
)


def test_masks_have_a_bit_per_family_and_tag_and_one_for_the_rest() -> None:
    mask = failed_mask(["applications.flow.total", "carry_over.total", "carry_over.commercial"])
    assert mask == 1 << CHECK_FAMILIES.index("applications.flow") | 1 << CHECK_FAMILIES.index(
        "carry_over"
    )
    assert failed_mask(["something.new"]) == OTHER_CHECK
    assert failed_mask([]) == 0
    assert hazard_mask(["boilerplate", "mojibake", "boilerplate"]) == (
        hazard_bit("boilerplate") | hazard_bit("mojibake")
    )
    assert hazard_mask(["a-tag-from-a-newer-parser"]) == OTHER_HAZARD
    assert len({hazard_bit(t) for t in HAZARDS}) == len(HAZARDS)


def test_failed_check_filter_bits() -> None:
    every, probe = failed_check_bits("any")
    assert (
        not probe
        and every & failed_mask(["something.new"])
        and every & failed_mask(["review_litigation.total"])
    )
    family, probe = failed_check_bits("carry_over")
    assert not probe and family == failed_mask(["carry_over.total"])
    rule, probe = failed_check_bits("carry_over.total")  # a full rule: bit, then the checks
    assert probe and rule == family
    # "applications.flow" is not a prefix of "applications.flowers"
    assert failed_mask(["applications.flowers"]) == OTHER_CHECK


def test_phrase_frequency_is_counted_in_the_index_terms() -> None:
    terms = " " + index_text("行政复议和行政复议，复议；行政诉讼。年度报告") + " "
    patterns = phrase_patterns(parse_query('复议 "行政复议" 年'))
    assert [terms.count(p) for p in patterns] == [3, 2, 1]  # 年 is a prefix term: 年度
    assert terms.count(phrase_patterns(parse_query("议和"))[0]) == 1
    assert terms.count(phrase_patterns(parse_query("政复议"))[0]) == 2


# Few characters, so that entries often open or close with a phrase, or repeat one right
# after itself (复复复: the terms 复复 复复 复): the cases where the padding counts.
_TEXT = st.text(alphabet="复议复行政 a，", max_size=14)


@given(text=_TEXT, query=_TEXT)
def test_phrase_count_is_the_count_in_the_padded_entry(text: str, query: str) -> None:
    terms = index_text(text).encode()
    try:
        patterns = [p.encode() for p in phrase_patterns(parse_query(query))]
    except QueryError:  # nothing to search for
        return
    for pattern in patterns:
        assert phrase_count(terms, pattern) == (b" " + terms + b" ").count(pattern)


def test_phrase_count_at_the_ends_of_an_entry() -> None:
    def count(text: str, query: str) -> int:
        return phrase_count(
            index_text(text).encode(), phrase_patterns(parse_query(query))[0].encode()
        )

    assert count("复议", "复议") == 1  # opens the entry (复议 议)
    assert count("和复议", "复议") == 1  # closes it (和复 复议 议)
    assert count("复议和复议", "复议") == 2
    assert count("行政复议", "复议") == 1
    assert count("复复复", "复复") == 1  # 复复 复复 复: the second shares the first's space
    assert count("", "复议") == 0


def test_bm25_grows_with_frequency_and_falls_with_length() -> None:
    assert bm25([3], 100, 100, [1.0]) > bm25([1], 100, 100, [1.0]) > bm25([0], 100, 100, [1.0])
    assert bm25([2], 50, 100, [1.0]) > bm25([2], 200, 100, [1.0])
    assert bm25([1, 1], 100, 100, [1.0, 1.0]) > bm25([2, 0], 100, 100, [1.0, 1.0])


@given(
    st.integers(1, 3).flatmap(
        lambda phrases: st.lists(
            st.tuples(
                st.lists(st.integers(0, 40), min_size=phrases, max_size=phrases),
                st.integers(2, 60_000),
            ),
            min_size=1,
            max_size=30,
        )
    ),
    st.floats(0.0, 60_000.0),
)
def test_bm25_scores_are_bm25_of_each_document(
    docs: list[tuple[list[int], int]], average: float
) -> None:
    tfs = [d[0] for d in docs]
    lengths = [d[1] for d in docs]
    idfs = [1.0] * len(tfs[0])
    expected = [bm25(t, n, average, idfs) for t, n in docs]
    assert bm25_scores(tfs, lengths, average, idfs) == expected  # the same floats, exactly


_TEXT = st.text(st.sampled_from("a z&=+%/ ?#\"'<>é复议【】\n\u3000"), max_size=8)


@given(st.dictionaries(_TEXT, _TEXT, max_size=6))
def test_query_string_is_urlencode(params: dict[str, str]) -> None:
    assert query_string(params) == urlencode(params)
    assert query_string(params) == urlencode(params)  # again, from the quoted pairs kept


@given(_TEXT, _TEXT, st.lists(_TEXT, max_size=3))
def test_a_table_cell_is_printed_as_the_template_printed_it(
    name: str, shown: str, failed: list[str]
) -> None:
    """layout.cell_html is what report.html's loop printed for a cell before the cell's
    markup moved to Python (the template as it was, autoescaped)."""
    before = Environment(autoescape=True).from_string(
        """{% for cell in cells %}
      <td class="num{% if cell.failed %} failed{% endif %}" data-cell="{{ cell.name }}"
          {% if cell.failed %}title="未通过：{{ cell.failed|join('，') }}"{% endif %}>{{ cell.shown }}</td>
    {% endfor %}"""
    )
    cell = {"name": name, "shown": shown, "failed": failed}
    assert cell_html(name, shown, failed) == before.render(cells=[cell])


def test_snippet_matches_are_told_apart_from_brackets_in_the_text() -> None:
    """Report text has 【】 of its own: the offsets say which pairs mark a match, and the page
    marks only those (the text's own brackets stay, escaped, as text)."""
    from service.web.layout import highlight
    from storage.query import snippet, snippet_spans

    text = "【复议】<b>本机关收到行政复议申请3件】【打印本页】"
    marked, spans = snippet_spans(text, ["复议"])
    assert marked == "【【复议】】<b>本机关收到行政【复议】申请3件】【打印本页】"
    assert marked == snippet(text, ["复议"])
    assert [marked[a:b] for a, b in spans] == ["复议", "复议"]
    assert str(highlight(marked, spans)) == (
        "【<mark>复议</mark>】&lt;b&gt;本机关收到行政<mark>复议</mark>申请3件】【打印本页】"
    )
    long = "前" * 100 + "复议" + "后" * 100
    marked, spans = snippet_spans(long, ["复议"])
    assert marked.startswith("…") and marked.endswith("…")
    assert [marked[a:b] for a, b in spans] == ["复议"]
    assert snippet_spans("没有", ["复议"]) == ("没有", ())
    assert str(highlight("a<b", ())) == "a&lt;b"
