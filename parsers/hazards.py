"""Hostile copies: SEO-spam names standing where the government's name belongs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from parsers.scan import finditer_from

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
# Any brand or word, found in one scan (the full pattern is slow to run over a whole report).
_SPAM_TRIGGER = re.compile("|".join(map(re.escape, f"{_SPAM_BRANDS}|{_SPAM_WORDS}".split("|"))))
_SPAM_GLUED_ENDINGS = r"官方网站|官网|登录入口|app|APP|[(（]中国[)）]"
SPAM_NAME = re.compile(
    rf"(?:(?:{_SPAM_BRANDS})[\w·\-()（）]{{0,16}}?(?:{_SPAM_ENDINGS})|(?:{_SPAM_WORDS})(?:{_SPAM_GLUED_ENDINGS}))"
    rf"(?:[·\-_]?\s?[(（](?:中国|官方|China)[)）]\s?(?:{_SPAM_ENDINGS})?)?"
    rf"(?:[\-_·]?[\w]{{0,8}}?(?:{_SPAM_ENDINGS}))*"
)


# Words only spam pages use, whatever stands around them ("365体育投注", "bt365备用网址",
# "《即时比分公报》", a porn header). Everyday words (体育, 平台, 久久为功) are not among them.
_SPAM_MARKER = re.compile(
    # every alternative starts with a literal, so the engine skips ahead to candidates: no
    # group or character class first ("沙巴体育|万博体育", not "(?:沙巴|万博)体育")
    r"投注(?<!彩票投注)(?!站)|博彩(?<!打击博彩)(?<!查处博彩)(?<!整治博彩)"
    r"|赌场(?<!打击赌场)(?<!查处赌场)(?<!整治赌场)|娱乐城|娱城|即时比分|比分直播|足球网"
    r"|备用网址|提款|网页版登录|官网入口|官方入口|百家乐|老虎机|六合彩|买球|菠萝视频|精品国产|国产精品"
    r"|中文字幕|欧美激情|澳门金沙|金沙城中心|葡京|威尼斯人"
    r"|威廉希尔|华体会|bt365|bet365|mobile365|365(?:体育|官方|提款)|hth(?<![A-Za-z]hth)(?![A-Za-z])"
    r"|太阳城|博狗|金宝博|乐天堂|沙巴体育|万博体育|皇冠体育|亚博体育|天博体育|开云体育|必威体育"
    r"|米乐体育|乐鱼体育|九游会|真人娱乐|真人视讯|ag真人|aG真人|Ag真人|AG真人|电子游艺|棋牌游戏"
    r"|时时彩|北京赛车|幸运飞艇|pk10|pK10|Pk10|PK10|女优|成人影院|av在线|aV在线|Av在线|AV在线"
    r"|日韩精品|亚洲精品|久久精品|精品一区"
)
# What such a name is made of around its marker: brand words, Latin letters, digits and the
# brackets and dashes hijackers write; ordinary Chinese text ends it.
_SPAM_PART = (
    r"(?:体育|彩票|娱乐|棋牌|真人|电竞|竞猜|官方|官网|平台|网站|网址|入口|登录|下载|中文|正版|中国|澳门"
    r"|欧洲杯|亚洲|国产|成人|一区|二区|日韩|韩日|欧美|精品|激情|一级|乱码|视频|足球|威廉|金沙|新甫京"
    r"|城中心|备用|网页版|提款|一直在处理中|[A-Za-z0-9ⅴ\-_*.·|【】\[\] ])"
)
_SPAM_LEFT = re.compile(rf"(?:{_SPAM_PART})+$")
_SPAM_RIGHT = re.compile(rf"(?:{_SPAM_PART})+")
# A non-government address given as the government's site: "门户网站(http://www.91mtk.com)",
# or standing where the name belongs at the start of a line ("puroview.com沙头镇"). The line
# is entered from its own newline (`[^\S\n]*+`, not `\s*` from the first newline of a run of
# blank lines, which rescanned the run from each of them); the address matched is the same.
_DOMAIN = r"(?:https?://)?(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,6}"
_PORTAL_ADDRESS = re.compile(
    rf"(?:网站|网址|政府网|门户|站)[^。\n,，]{{0,12}}?[(（“\":：]\s*({_DOMAIN})"
    rf"|(?:^|\n)[^\S\n]*+((?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+(?:com|net|cc|top|vip|xyz|info))(?=[\u4e00-\u9fff])"
)
# Where a match can begin (parsers.scan): a keyword with a bracket or colon close after it and
# then what can begin an address, or a line that begins with an address's first label and dot.
# One literal-first pattern per keyword, which the regex engine skips through (one alternation
# of them begins with the class of their first characters, 网政门站 and the line break, tested
# at every character; 政 and 网 stand everywhere in a report, 政府网 and 网站 seldom), and the
# window after it is tried only there. (No keyword holds its own first character again.)
_THEN_ADDRESS = r"[^。\n,，]{0,12}[(（“\":：]\s*[A-Za-z0-9]"
_PORTAL_ADDRESS_STARTS = (
    *(
        re.compile(f"{word}(?={_THEN_ADDRESS})")
        for word in ("网站", "网址", "政府网", "门户", "站")
    ),
    re.compile(r"\n(?=[^\S\n]*[A-Za-z0-9][A-Za-z0-9\-]*\.)"),
)
# The sentence names the government's site, or the place where the report itself is offered.
_OFFERS_THE_REPORT = re.compile(r"政府|门户|政务|电子版|下载|全文公开|本报告|本年报")
# (Written from the dot, a literal the regex engine skips ahead to; `[A-Za-z0-9]\.[A-Za-z]`
# tested a class at every character.)
_DOTTED = re.compile(r"\.(?<=[A-Za-z0-9]\.)(?=[A-Za-z])")
_GOVERNMENT_DOMAIN = re.compile(r"\.gov\b|gov\.cn|\.org\.cn|\.edu\.cn", re.IGNORECASE)


def _marker_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _SPAM_MARKER.finditer(text):
        start, end = match.span()
        left = _SPAM_LEFT.search(text[max(0, start - 60) : start])
        right = _SPAM_RIGHT.match(text, end)
        start -= len(left.group(0)) if left else 0
        end = right.end() if right else end
        spans.append((start + (len(text[start:end]) - len(text[start:end].lstrip())), end))
    return spans


def fake_address_spans(text: str) -> list[tuple[int, int]]:
    """Non-government addresses given as the government's site."""
    spans: list[tuple[int, int]] = []
    if not _DOTTED.search(text):  # no address at all (most texts): skip the scan
        return spans
    for match in finditer_from(_PORTAL_ADDRESS, _PORTAL_ADDRESS_STARTS, text):
        group = 1 if match.group(1) else 2
        if _GOVERNMENT_DOMAIN.search(match.group(group)):
            continue
        sentence = text[max(0, text.rfind("。", 0, match.start()) + 1) : match.start(group)]
        if group == 2 or _OFFERS_THE_REPORT.search(sentence):
            spans.append(match.span(group))
    return spans


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


_CJK = "\u4e00-\u9fff"
# GBK text that lost a byte on a mirror: the characters after the loss are read one byte out of
# step ("海口市人民政府" → "??谑腥嗣裾"), or bytes lost their high bit and became ASCII between
# the characters ("三校”制度，" → "三?!敝贫?,").
_OUT_OF_STEP = re.compile(rf"[?？]{{2}}([{_CJK}]{{3,12}})")
_HIGH_BIT_LOST = re.compile(rf"[{_CJK}][?？][!-~][{_CJK}]{{1,8}}[?？][!-~]")


def _high_bit_lost(text: str, marks: int) -> bool:
    """Whether `_HIGH_BIT_LOST` matches: tried one character before each question mark (its
    second character; its first, a Chinese character, stands almost everywhere, so the regex
    engine would try it there), or by a plain search when the marks are many."""
    if marks > 256:
        return bool(_HIGH_BIT_LOST.search(text))
    # The marks found by a substring search for each of the two (a class of the two would be
    # tested at every character); in any order, as any one match decides.
    return any(
        at and _HIGH_BIT_LOST.match(text, at - 1) for mark in "?？" for at in _places(text, mark)
    )


def _places(text: str, char: str) -> Iterator[int]:
    """Where `char` stands in the text, in order."""
    at = text.find(char)
    while at >= 0:
        yield at
        at = text.find(char, at + 1)


# Two marks side by side, which every match of `_OUT_OF_STEP` begins with.
_MARK_PAIRS = ("??", "？？", "?？", "？?")


def garbled_gbk(text: str) -> bool:
    """Signs of GBK bytes read out of step: the characters read one byte later spell words
    the text also prints correctly, or ASCII stands where bytes lost their high bit."""
    marks = text.count("?") + text.count("？")
    if not marks:
        return False
    if _high_bit_lost(text, marks):
        return True
    # A class scan over the whole text, skipped when no two marks stand side by side (a
    # substring search each: most texts with a mark or two, in a question, have none).
    if marks < 2 or not any(pair in text for pair in _MARK_PAIRS):
        return False
    for match in _OUT_OF_STEP.finditer(text):
        try:
            words = match.group(1).encode("gbk")[1:7].decode("gbk")  # the first three
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(words) >= 3 and words[:3] in text.replace(match.group(0), ""):
            return True
    return False


def find_spam(text: str) -> list[str]:
    """The distinct spam names standing in the text, longest first."""
    names = {text[start:end] for start, end in spam_spans(text)}
    return sorted(names, key=len, reverse=True)


def spam_spans(text: str) -> list[tuple[int, int]]:
    """Where spam names and fake portal addresses stand in the text (start, end), in order."""
    return merged(spam_name_spans(text) + fake_address_spans(text))


def spam_name_spans(text: str) -> list[tuple[int, int]]:
    """Where gambling, lottery or porn names stand in the text (start, end), in order."""
    if not _SPAM_ANY.search(text):  # most texts: no marker nor trigger word, one scan
        return []
    return merged(_marker_spans(text) + [m.span() for m in _spam_names(text)])


def _alternatives(pattern: str) -> list[str]:
    """A pattern's top-level alternatives (its "|" outside groups and classes)."""
    parts, depth, start, i = [], 0, 0, 0
    in_class = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1  # the escaped character is never a delimiter
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*parts, pattern[start:]]


def _by_first_character(alternatives: list[str]) -> str:
    """The alternatives grouped under their first character, each a literal ("投注…|投…" →
    "投(?:注…|…)"): at a place whose character begins some of them, the regex engine then steps
    over one alternative per first character instead of one per word. The same matches."""
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        first = alternative[0]
        assert first not in "\\[(.^$*+?{|", f"not a literal first character: {alternative}"
        groups.setdefault(first, []).append(alternative[1:])
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


# Every marker and trigger word in one pattern: where it finds nothing, neither the marker scan
# nor the trigger scan would (each alternative is tried at every place the two would try it), so
# a clean text costs one scan of the regex engine instead of two.
_SPAM_ANY = re.compile(
    _by_first_character(_alternatives(_SPAM_MARKER.pattern) + _alternatives(_SPAM_TRIGGER.pattern))
)


def _spam_names(text: str) -> list[re.Match[str]]:
    """`SPAM_NAME.finditer(text)`, tried only where a brand or trigger word stands (the
    pattern begins with a group, which the regex engine would try at every character). Every
    match begins at such a word, and every such word begins inside a match of the trigger scan
    (which skips only what its own matches cover), so no match is missed."""
    triggers = list(_SPAM_TRIGGER.finditer(text))
    if len(triggers) > 64:  # a page full of them (a spam page): one scan costs less
        return list(SPAM_NAME.finditer(text))
    found: list[re.Match[str]] = []
    position = 0
    for trigger in triggers:
        for at in range(trigger.start(), trigger.end()):
            match = SPAM_NAME.match(text, at) if at >= position else None
            if match:
                found.append(match)
                position = match.end()
    return found


def cut(text: str, spans: list[tuple[int, int]]) -> str:
    """The text without the given spans (spans found in a text aligned with this one)."""
    kept, position = [], 0
    for start, end in spans:
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    return "".join(kept)
