"""How a report speaks of itself (metadata.issuer_kind): the words found by one literal-first
scan per first character, and the "县委、县政府" pairs found from their "委、", are the words and
pairs of the single patterns they replaced, on random texts of those words' pieces."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import metadata

# The patterns before: the class [我本全] first, and the pair from its first character.
SELF_WORD = re.compile(f"[我本全]{metadata._SELF_WORD_REST}")
SELF_PAIR = re.compile(r"(?:县|区|市|旗)委、(?:县|区|市|旗)政府")

PIECES = [
    *"我本全县区市旗委直镇乡街道苏木局单位部门中心院所厅馆站队公司办、政府人民",
    "县委、县政府", "我县", "本局", "全镇", "我办", "本办公室", "全县", "区委、区政府", "委、",
    "委、县政府", "党委、区政府", "市委、旗政府",
]  # fmt: skip


@settings(max_examples=1500, deadline=timedelta(seconds=10), database=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
def test_self_words_and_pairs_as_one_scan_finds_them(text: str) -> None:
    before = Counter((m.lastgroup, m.span()) for m in SELF_WORD.finditer(text))
    after = Counter(
        (m.lastgroup, m.span()) for pattern in metadata._SELF_WORDS for m in pattern.finditer(text)
    )
    assert after == before
    assert len(metadata._SELF_PAIR.findall(text)) == len(SELF_PAIR.findall(text))
