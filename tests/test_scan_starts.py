"""Patterns searched only where a start pattern says a match can begin (parsers.scan) find what
a plain search finds: on random texts made of the words, brackets, addresses and line breaks
the patterns look for."""

from __future__ import annotations

import re
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import hazards
from parsers.scan import finditer_from

PORTAL_TOKENS = [
    "网站", "网址", "政府网", "门户", "站", "网", "政", "政府", "门", "户", "府网", "址",
    "(", "（", "“", '"', ":", "：", "。", ",", "，", " ", "  ", "\n", "\n ", "\t",
    "http://", "https://", "www.", "91mtk.", "com", "gov.cn", "xyz", "a-b.", "cn", "abc",
    "门户网站", "本报告", "政府信息", "全文公开", "沙头镇", "12", "x", "：www.", "(http://",
]  # fmt: skip


@settings(
    max_examples=1500,
    deadline=timedelta(seconds=10),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(PORTAL_TOKENS), max_size=80).map("".join))
def test_portal_addresses_found_from_their_starts_as_by_a_plain_scan(text: str) -> None:
    expected = [m.span() for m in hazards._PORTAL_ADDRESS.finditer(text)]
    assert [
        m.span()
        for m in finditer_from(hazards._PORTAL_ADDRESS, hazards._PORTAL_ADDRESS_STARTS, text)
    ] == expected
    # The same starts as the one alternation of them (what the literal scans replaced), tried
    # with a single pattern too.
    assert [
        m.span() for m in finditer_from(hazards._PORTAL_ADDRESS, _ONE_START_PATTERN, text)
    ] == expected
    merged = sorted(m.start() for p in hazards._PORTAL_ADDRESS_STARTS for m in p.finditer(text))
    assert merged == [m.start() for m in _ONE_START_PATTERN.finditer(text)]


# The start pattern before the literal scans: one alternation, each keyword's first character
# with the rest of it in the lookahead.
_ONE_START_PATTERN = re.compile(
    "|".join(
        f"{first}(?={rest}{hazards._THEN_ADDRESS})"
        for first, rest in (("网", "[站址]"), ("政", "府网"), ("门", "户"), ("站", ""))
    )
    + r"|\n(?=[^\S\n]*[A-Za-z0-9][A-Za-z0-9\-]*\.)"
)


def test_every_portal_address_begins_where_the_start_pattern_matches() -> None:
    """Each keyword, with the longest run allowed before its bracket, is a start."""
    for keyword in ("网站", "网址", "政府网", "门户", "站"):
        text = f"本县{keyword}{'x' * 12}：www.example.com"
        match = hazards._PORTAL_ADDRESS.search(text)
        assert match is not None and match.start() == 2
        assert any(start.match(text, 2) for start in hazards._PORTAL_ADDRESS_STARTS)
        assert finditer_from(hazards._PORTAL_ADDRESS, hazards._PORTAL_ADDRESS_STARTS, text)


def test_a_page_of_near_misses_is_left_to_a_plain_search() -> None:
    """Past 256 starts without a match the rest is searched by the engine: the same matches."""
    text = "网站：a\n" * 300 + "门户网站（www.91mtk.com）" + "\nx.com沙头镇" * 3
    expected = [m.span() for m in hazards._PORTAL_ADDRESS.finditer(text)]
    found = finditer_from(hazards._PORTAL_ADDRESS, hazards._PORTAL_ADDRESS_STARTS, text)
    assert len(expected) == 4 and [m.span() for m in found] == expected
