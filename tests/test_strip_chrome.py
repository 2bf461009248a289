"""strip_chrome (kinds cached per line, kept as one character each) drops what classifying
every line afresh drops."""

from __future__ import annotations

import random

from parsers import normalize


def _reference(text: str) -> tuple[str, bool]:
    """Each line classified by the two patterns, no cache."""
    kept, chrome, page = [], False, False
    for line in text.split("\n"):
        if len(line) <= 80 and normalize._CHROME_LINE.match(line):
            chrome = True
        elif len(line) <= 80 and normalize._PAGE_NUMBER.match(line):
            page = True
        else:
            kept.append(line)
    if not (chrome or page):
        return text, False
    return "\n".join(kept), chrome


_LINES = [
    "上一篇：2020年报",
    "【打印本页】【关闭窗口】",
    "字号：大 中 小",
    "当前位置：首页 > 政务公开",
    "版权所有：某县人民政府",
    "苏ICP备12345678号",
    "- 3 -",
    "第 2 页 共 5 页",
    "3/12",
    "一、总体情况",
    "主动公开政府信息 120 条。",
    "",
    "   ",
    "打印",
    "返回顶部",
    "本年新收政府信息公开申请数量",
    "打印" * 41,  # chrome-like but long: kept
    "政府信息公开工作" * 12,
]


def test_strip_chrome_matches_a_fresh_classification() -> None:
    rng = random.Random(9)
    for round_ in range(3000):
        if round_ % 50 == 0:
            normalize._LINE_KINDS.clear()  # cold and warm caches both
        lines = rng.choices(_LINES, k=rng.randrange(1, 60))
        lines += [f"第{i}条 {rng.random()}" for i in range(rng.choice((0, 1, 40)))]  # new lines
        text = "\n".join(lines)
        assert normalize.strip_chrome(text) == _reference(text), text


def test_nothing_to_drop_returns_the_same_text() -> None:
    text = "一、总体情况\n主动公开政府信息 120 条。"
    assert normalize.strip_chrome(text) == (text, False)
    assert normalize.strip_chrome("- 3 -\n正文") == ("正文", False)
    assert normalize.strip_chrome("【打印本页】\n正文\n- 3 -") == ("正文", True)
