"""hazards.garbled_gbk's shortcuts (marks found by substring searches, the out-of-step scan
skipped without two marks side by side) decide as the scans over the whole text did."""

from __future__ import annotations

import random
import re

from parsers import hazards


def _reference(text: str) -> bool:
    """garbled_gbk as it was: a class scan for the marks, the out-of-step scan always."""
    marks = text.count("?") + text.count("？")
    if not marks:
        return False
    if marks > 256:
        if hazards._HIGH_BIT_LOST.search(text):
            return True
    elif any(
        m.start() and hazards._HIGH_BIT_LOST.match(text, m.start() - 1)
        for m in re.finditer("[?？]", text)
    ):
        return True
    for match in hazards._OUT_OF_STEP.finditer(text):
        try:
            words = match.group(1).encode("gbk")[1:7].decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(words) >= 3 and words[:3] in text.replace(match.group(0), ""):
            return True
    return False


def _out_of_step(phrase: str) -> str:
    """A phrase's GBK bytes read one byte late, as a mirror that lost a byte prints it."""
    return "??" + (phrase.encode("gbk")[1:] + b"\xb0").decode("gbk", "replace")


def test_garbled_gbk_decides_as_the_full_scans() -> None:
    rng = random.Random(12)
    phrases = ["海口市人民政府", "政府信息公开", "年度报告", "三校”制度，"]
    pieces = ["?", "？", "??", "？？", "?？", "!", "a", "，", "\n", "是否", "人民政府", *phrases]
    pieces += [_out_of_step(p) for p in phrases] + ["三?!敝贫?,", "海?谑"]
    found = 0
    for _ in range(20000):
        text = "".join(rng.choices(pieces, k=rng.randrange(0, 12)))
        expected = _reference(text)
        assert hazards.garbled_gbk(text) == expected, text
        found += expected
    assert 1000 < found < 19000  # both outcomes were tried many times


def test_many_marks_and_a_lone_question() -> None:
    assert hazards.garbled_gbk("是否公开？") is False
    assert hazards.garbled_gbk(_out_of_step("海口市人民政府") + "海口市人民政府") is True
    text = "?" * 300 + "三?!敝贫?,"
    assert hazards.garbled_gbk(text) == _reference(text)
