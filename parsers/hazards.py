"""Hostile copies: SEO-spam names standing where the government's name belongs."""

from __future__ import annotations

import re

# Gambling, lottery and porn brands seen on hijacked mirrors (domain.md §2.7). A brand counts
# when followed, within a few characters, by the site-name endings hijackers use (官网, 入口,
# 平台, app…). Everyday words that such names also use (体育, 彩票, 娱乐) count only glued to
# such an ending: a 文体局 report may well mention a "体育公共服务平台".
_SPAM_BRANDS = (
    "开云|九游|华体会|乐鱼|爱游戏|米乐|必威|威廉希尔|新葡京|葡京|威尼斯人|百家乐|博彩|赌场|买球|"
    "菠萝视频|亚洲国产|国产精品|麻豆|欧洲杯|kaiyun|KAIYUN"
)
_SPAM_WORDS = "体育|彩票|娱乐|棋牌|真人|电竞|竞猜"
_SPAM_ENDINGS = "官方网站|官网入口|官网|登录入口|入口|平台|网站|app下载|APP下载|app|APP|下载"
_SPAM_TRIGGERS = tuple(f"{_SPAM_BRANDS}|{_SPAM_WORDS}".split("|"))
_SPAM_GLUED_ENDINGS = r"官方网站|官网|登录入口|app|APP|[(（]中国[)）]"
SPAM_NAME = re.compile(
    rf"(?:(?:{_SPAM_BRANDS})[\w·\-()（）]{{0,16}}?(?:{_SPAM_ENDINGS})|(?:{_SPAM_WORDS})(?:{_SPAM_GLUED_ENDINGS}))"
    rf"(?:[·\-_]?\s?[(（](?:中国|官方|China)[)）]\s?(?:{_SPAM_ENDINGS})?)?"
    rf"(?:[\-_·]?[\w]{{0,8}}?(?:{_SPAM_ENDINGS}))*"
)


def find_spam(text: str) -> list[str]:
    """The distinct spam names standing in the text, longest first."""
    names = {text[start:end] for start, end in spam_spans(text)}
    return sorted(names, key=len, reverse=True)


def spam_spans(text: str) -> list[tuple[int, int]]:
    """Where spam names stand in the text (start, end), in order."""
    if not any(word in text for word in _SPAM_TRIGGERS):
        return []
    return [m.span() for m in SPAM_NAME.finditer(text)]


def cut(text: str, spans: list[tuple[int, int]]) -> str:
    """The text without the given spans (spans found in a text aligned with this one)."""
    kept, position = [], 0
    for start, end in spans:
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    return "".join(kept)
