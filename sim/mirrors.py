"""Text rewrites for hostile mirrors: gambling-name substitution and traditional script with
pinyin glosses (domain.md §2.7)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

# Tone-marked readings for common characters of these reports, keyed by the simplified form.
PINYIN = {
    "统": "tǒng",
    "务": "wù",
    "机": "jī",
    "构": "gòu",
    "现": "xiàn",
    "关": "guān",
    "发": "fā",
    "数": "shù",
    "据": "jù",
    "执": "zhí",
    "业": "yè",
    "态": "tài",
    "续": "xù",
    "规": "guī",
    "开": "kāi",
    "县": "xiàn",
    "质": "zhì",
    "权": "quán",
    "专": "zhuān",
    "项": "xiàng",
    "处": "chǔ",
    "决": "jué",
    "复": "fù",
    "诉": "sù",
    "讼": "sòng",
    "责": "zé",
    "监": "jiān",
    "网": "wǎng",
    "门": "mén",
    "户": "hù",
    "请": "qǐng",
    "应": "yìng",
    "实": "shí",
}


@lru_cache(maxsize=1)
def _s2t() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("s2t").convert


def traditional_with_pinyin(text: str) -> str:
    """Convert to traditional script and gloss the characters in `PINYIN`, e.g. 統(tǒng)."""
    trad = _s2t()(text)
    if len(trad) != len(text):  # phrase conversions can change length: skip the glosses
        return trad
    out = []
    for simp, char in zip(text, trad, strict=True):
        out.append(char)
        reading = PINYIN.get(simp)
        if reading:
            out.append(f"({reading})")
    return "".join(out)


def spam_rewriter(spam_name: str, names: list[str]) -> Callable[[str], str]:
    """Replace each government name (longest first) with the gambling site's name."""
    ordered = sorted(set(names), key=len, reverse=True)

    def rewrite(text: str) -> str:
        for name in ordered:
            text = text.replace(name, spam_name)
        return text

    return rewrite
