"""Template signatures found by one scan per first character are the matches of the single
alternation they replaced (record.detect_template reads the set of matches), on random texts
made of the signatures' pieces, separators and near misses."""

from __future__ import annotations

import re
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import record
from parsers.labels import TEMPLATE_SIGNATURES

SIGNATURES = tuple(sig for sigs in TEMPLATE_SIGNATURES.values() for sig in sigs)
# The pattern before: every signature's printed form in one alternation.
ONE_PATTERN = re.compile("|".join(record._printed_form(sig) for sig in SIGNATURES))

PIECES = [
    *SIGNATURES,
    *(f"{sig[0]} {sig[1:]}" for sig in SIGNATURES),  # spaced after the first character
    *(f"{sig[:2]}/ {sig[2:]}" for sig in SIGNATURES), *{c for sig in SIGNATURES for c in sig}, " ", "  ", "/", "（", "(", "、", "\n",
    "本年", "本年增", "第二十条", "第二十条第（九）项", "上一年", "收费", "对外", "采购", "现行",
]  # fmt: skip


@settings(max_examples=1500, deadline=timedelta(seconds=10), database=None)
@given(st.lists(st.sampled_from(PIECES), max_size=50).map("".join))
def test_signatures_as_one_scan_finds_them(text: str) -> None:
    found = {m for pattern in record._SIGNATURES for m in pattern.findall(text)}
    assert found == set(ONE_PATTERN.findall(text))
