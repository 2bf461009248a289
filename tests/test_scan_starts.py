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
        for m in finditer_from(hazards._PORTAL_ADDRESS, hazards._PORTAL_ADDRESS_START, text)
    ] == expected


def test_every_portal_address_begins_where_the_start_pattern_matches() -> None:
    """Each keyword, with the longest run allowed before its bracket, is a start."""
    for keyword in ("网站", "网址", "政府网", "门户", "站"):
        text = f"本县{keyword}{'x' * 12}：www.example.com"
        match = hazards._PORTAL_ADDRESS.search(text)
        assert match is not None and match.start() == 2
        assert re.compile(hazards._PORTAL_ADDRESS_START.pattern).match(text, 2)
        assert finditer_from(hazards._PORTAL_ADDRESS, hazards._PORTAL_ADDRESS_START, text)
