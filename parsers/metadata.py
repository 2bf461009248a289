"""Report metadata: title, issuer and its kind, the year covered, the publication date."""

from __future__ import annotations

import re
from collections import Counter

from parsers import vocabulary
from parsers.scan import finditer_from, search_from

_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {
    "O": "0",
    "○": "0",
    "零": "0",
    "o": "0",
    "Ｏ": "0",
}
_YEAR = r"((?:19|20)\d{2}|[〇○O零一二][〇○O零一二三四五六七八九]{3})"
_YEAR_FIRST = "12〇○O零一二"  # what a _YEAR can begin with
_MONTH_DAY = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_DATE = re.compile(rf"{_YEAR}\s*[年\-/.]\s*{_MONTH_DAY}\s*[月\-/.]\s*{_MONTH_DAY}\s*日?")
_LABELED_DATE = re.compile(
    rf"(?:发布时间|发布日期|发文日期|成文日期|公开日期|生成日期|印发日期|时间|日期)\s*[:：]?\s*{_DATE.pattern}"
)
_SIGNATURE_DATE = re.compile(rf"^\s*{_DATE.pattern}\s*$")
_ORG_SUFFIX = (
    r"(?:人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府办|行政公署|办事处|管理委员会|管委会|"
    r"委员会|领导小组办公室|办公室|管理局|局|委|中心|厅|院|所|馆|站|队|镇|乡|街道|苏木|公司)"
)
_ORG_LINE = re.compile(rf"^[\u4e00-\u9fff()（）·]{{2,30}}{_ORG_SUFFIX}$")
_REPORT_WORDS = re.compile(r"报告|年报")
_NOT_TITLE = (
    "根据",
    "按照",
    "依据",
    "本报告",
    "本年报",
    "本年度",
    "现将",
    "为",
    "上一",
    "下一",
    "相关",
)


def chinese_number(text: str) -> int:
    """ "二O一五" → 2015, "十三" → 13, "12" → 12."""
    if text.isdigit():
        return int(text)
    if all(c in _CN_DIGITS for c in text):
        return int("".join(_CN_DIGITS[c] for c in text))
    tens, _, ones = text.partition("十")
    if "十" not in text:
        return int(_CN_DIGITS.get(text, "0"))
    return (int(_CN_DIGITS[tens]) if tens else 1) * 10 + (int(_CN_DIGITS[ones]) if ones else 0)


def _iso(match: re.Match[str]) -> str | None:
    year, month, day = (chinese_number(g) for g in match.groups()[-3:])
    if not (1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def split_page_title(declared: str) -> tuple[str, str | None]:
    """ "XX报告_XX县人民政府" → ("XX报告", "XX县人民政府"): the document and the site's name."""
    parts = [p for p in re.split(r"\s*[_|]\s*|\s+-\s+", declared.strip()) if p]
    if not parts:
        return "", None
    return parts[0], (parts[-1] if len(parts) > 1 else None)


def find_title(lines: list[str], declared: str | None) -> str | None:
    """The report's title: the page's declared title, or a title line near the top.

    Near the top of a web page stand menu items such as "政府信息公开年报", so a title line
    further down must name a year; the first line may do without. A title run into the first
    paragraph on one line ("…年度报告,根据《条例》…") is cut where the report's name ends.
    """
    if declared and _REPORT_WORDS.search(declared):
        return split_page_title(declared)[0] or None
    head = [_without_label(line.strip()).strip(" |") for line in lines[:20] if line.strip()]
    for i, line in enumerate(head[:12]):
        line = _title_of(line)
        if not line:
            continue
        if i == 0 or re.search(rf"{_YEAR}\s*年", line):
            # A title printed on two lines: "左贡县人民政府2021年度" / "信息公开年度报告".
            after_issuer = i > 0 and bool(
                _ORG_LINE.match(head[i - 1]) or _ENDS_WITH_YEAR.search(head[i - 1])
            )
            if after_issuer and (
                re.match(rf"\s*{_YEAR}", line) or not re.search(rf"{_YEAR}\s*年", line)
            ):
                return head[i - 1] + re.sub(r"\s+", "", line)
            return line + _continuation(head[i + 1 : i + 2])
        if i > 0 and _ENDS_WITH_YEAR.search(head[i - 1]) and len(head[i - 1]) <= 30:
            return head[i - 1] + line
    return None


# "标 题 | …", "名  称: …": a metadata table's label before the title.
_TITLE_LABEL = re.compile(r"^[-•·?？\s]*(?:(?:标\s*题|名\s*称|题\s*目|文章标题)(?:\s*[:|]|\s)\s*)?")


def _without_label(line: str) -> str:
    """The line after a leading label: `_TITLE_LABEL.sub("", line)`, as the pattern matches
    only at the start, without trying it at every other position."""
    first = line[:1]
    if first not in _LABEL_FIRST and not first.isspace():  # most lines: nothing to cut
        return line
    return line[_TITLE_LABEL.match(line).end() :]  # type: ignore[union-attr]  # may be empty


# What a label or the marks before it can begin with (besides a space).
_LABEL_FIRST = frozenset("-•·?？标名题文")


_ENDS_WITH_YEAR = re.compile(rf"^[\u4e00-\u9fff()]{{2,30}}{_YEAR}\s*年度?$")
_SENTENCE_MARK = re.compile(r"[,;:。，；：]")
_RUN_ON = re.compile(r"(?:报告|年报)(?:根据|依据|按照|是)|《$")
_BREADCRUMB = re.compile(r"(?:/.*){2}|(?:>.*){2}|(?:».*){2}")


_DOCUMENT_NOUN = re.compile(r"(?:通知|公告|通告|意见|的函|报告|年报|说明|方案|办法|制度|规定)$")


def _continuation(following: list[str]) -> str:
    """The rest of a title broken before its last words ("关于…年度报告" / "有关事项的通知")."""
    if following and len(following[0]) <= 20 and _DOCUMENT_NOUN.search(following[0]):
        tail = following[0]
        if not _SENTENCE_MARK.search(tail) and not vocabulary.REPORT_NAME.search(tail):
            return tail
    return ""


def _title_of(line: str) -> str | None:
    """The line as a title, or its leading report name when a paragraph runs on after it."""
    if " | " in line:  # "每日一报 | 辽宁2015年…年度报告": the part that names the report
        line = next((part for part in line.split(" | ") if _REPORT_WORDS.search(part)), line)
    if not _REPORT_WORDS.search(line) or line.startswith(_NOT_TITLE) or _BREADCRUMB.search(line):
        return None
    if len(line) <= 60 and not _SENTENCE_MARK.search(line) and not _RUN_ON.search(line):
        return line
    name = vocabulary.REPORT_NAME.search(line)
    if not name or name.end() > 60 or not re.search("信息公开|政务公开", name.group(0)):
        return None
    title = line[: name.end()].strip()
    return None if _SENTENCE_MARK.search(title) else title


def head_titles(lines: list[str], title: str | None) -> list[str]:
    """The title, then the title-like lines near the top (a notice's or a plan's title has no
    report words, so find_title does not return it)."""
    head = [line.strip() for line in lines[:30] if line.strip()][:9]
    joined = [line + _continuation(head[i + 1 : i + 2]) for i, line in enumerate(head)]
    titles = [line for line in joined if 10 <= len(line) <= 60 and not _SENTENCE_MARK.search(line)]
    return ([title] if title else []) + titles


# The period a report's statistics cover: "统计期限自2013年1月1日起至12月31日止", "统计时限为
# 2019年度", and with 年 and 月 lost on the way: "202111日起至20211230日止".
PERIOD = re.compile(
    rf"(?:统计|期限|时限|时间|区间|所列数据|数据为|涵盖|起止)[^。]{{0,16}}?{_YEAR}\s*年\s*(?:度|1\s*月\s*1\s*日)"
    rf"|{_YEAR}\s*年\s*1\s*月\s*1\s*日\s*起?\s*(?:至|到|-|—)\s*(?:{_YEAR}\s*年\s*)?12\s*月\s*31\s*日"
    rf"|{_YEAR}1\s*1\s*日\s*起?\s*(?:至|到)\s*(?:{_YEAR})?\s*12\s*3[01]\s*日"
)
_YEAR_PATTERNS = tuple(
    re.compile(p)
    for p in (
        PERIOD.pattern,
        rf"(?:截至|截止)\s*{_YEAR}\s*年\s*(?:12\s*月\s*31\s*日|底)",
        # the report presenting itself: "现发布《辽宁省2019年度…报告》"
        rf"(?:现将|现就|现予?以?(?:公布|发布|公开)|向社会公[布开])[^。\n]{{0,30}}?{_YEAR}\s*年",
        # the year's work: "2019年度我局共收到…", "2016年初,我乡…", a paragraph "2019年,辽宁省…"
        # (entered from the last newline before the year, `[^\S\n]*+`: `\s*` from the first
        # newline of a run of blank lines rescanned the run from each of them)
        rf"(?:^|\n|。)[^\S\n]*+{_YEAR}\s*年(?:度|初)?\s*[,，]?\s*(?:我|本|全)(?:县|区|市|局|镇|乡|街道|办|委|中心|省|厅|单位|部门|旗|苏木)",
        rf"(?:^|\n|。)[^\S\n]*+{_YEAR}\s*年度?\s*(?:[,，]|年报|年度报告)",
        # the report naming itself anywhere
        rf"{_YEAR}\s*年度?(?:政府信息公开|政务公开|信息公开)[^。\n]{{0,12}}?(?:年度)?(?:报告|工作)",
        rf"(?:公布|发布)[^。\n]{{0,30}}?{_YEAR}\s*年",
    )
)


# Where a match of each of _YEAR_PATTERNS can begin, for the ones the engine would try at every
# character (parsers.scan): a statistics word (PERIOD's first alternative), a line start or a
# full stop, or a year ("19", "20", two Chinese numerals). Each starts with a character class
# and checks the second character ahead, so it finds every start and few others.
_NUMERAL_DIGITS = "〇○O零一二三四五六七八九"
_YEAR_START = re.compile(f"[12〇○O零一二](?=[09{_NUMERAL_DIGITS}])")
PERIOD_START = re.compile(f"[统期时区所数涵起12〇○O零一二](?=[计限间列据盖止09{_NUMERAL_DIGITS}])")
# A line start or a full stop with a year's first character after it (past spaces): of the
# hundreds of lines in a report's head, the few a paragraph "2019年,我县…" can begin.
_LINE_THEN_YEAR = re.compile(rf"[\n。](?=[^\S\n]*+[{_YEAR_FIRST}])")
_YEAR_PATTERN_STARTS = (
    PERIOD_START,
    None,  # begins with a literal: fast
    None,  # begins with literals: fast
    _LINE_THEN_YEAR,
    _LINE_THEN_YEAR,
    _YEAR_START,
    None,  # begins with literals: fast
)


def report_year(title: str | None, text: str) -> int | None:
    """The year the report covers: from the title, else from the statistics period or the
    opening sentences. Never from the publication date alone."""
    if title:
        match = re.search(rf"{_YEAR}\s*年", title)
        if match:
            return chinese_number(match.group(1))
    head = text[:6000]
    for pattern, starts in zip(_YEAR_PATTERNS, _YEAR_PATTERN_STARTS, strict=True):
        match = search_from(pattern, starts, head) if starts else pattern.search(head)
        if match:
            year = chinese_number(next(g for g in match.groups() if g))
            if 2000 <= year <= 2100:
                return year
    return None


def published_at(lines: list[str], report_year_: int | None) -> str | None:
    """A date labelled as the publication date, else the signature date at the end."""
    for line in lines[:15]:
        # (Every label ends in 时间 or 日期: a line without either is not searched.)
        match = _LABELED_DATE.search(line) if "时间" in line or "日期" in line else None
        if match and (iso := _iso(match)) and _after_year(iso, report_year_):
            return iso
    for line in reversed(lines[-15:]):
        match = _SIGNATURE_DATE.match(line)
        if match and (iso := _iso(match)) and _after_year(iso, report_year_):
            return iso
    return None


def _after_year(iso: str, year: int | None) -> bool:
    return year is None or int(iso[:4]) > year or iso[5:] == "12-31"


def find_issuer(
    title: str | None, text: str, lines: list[str], site_name: str | None = None
) -> str | None:
    """The issuing body as printed: the title's prefix, the intro, or the signature.

    `site_name` is the site's own name from the page title ("…报告_平江县人民政府").
    """
    prefix = None
    if title:
        match = re.match(rf"^(.*?)\s*{_YEAR}\s*年", title)
        prefix = re.sub(r"关于$", "", match.group(1).strip(" ·")) if match else None
        if prefix and vocabulary.publishes_report(title):  # "关于公布《云岭县2023年…》的通知"
            prefix = re.sub(r"^.*?关于(?:公布|发布|印发|公开|刊发|公示|刊登)《?", "", prefix)
    if prefix:
        if re.search(f"{_ORG_SUFFIX}$", prefix):
            return prefix
        body = place_government(prefix, text, site_name)
        if body:
            return body
    head = text[:2000]
    for frame, starts in zip(_ISSUER_FRAMES, _ISSUER_FRAME_STARTS, strict=True):
        for match in finditer_from(frame, starts, head) if starts else frame.finditer(head):
            if not match.group(1).startswith(("我", "本", "各", "全")):
                return match.group(1)
    for line in reversed(lines[-8:]):
        candidate = line.strip()
        if _ORG_LINE.match(candidate) and len(candidate) <= 30:
            return candidate
    return None


def place_government(place: str, text: str, site_name: str | None) -> str | None:
    """A bare place name in the title ("富源县") names its government: the body as the text or
    the site spells it out, the office that compiled the report only as a last resort.

    (Substring searches for the place's words: a pattern built from the place, as these were,
    is compiled once per place, ~12 us each, and a stream of reports names a new place in
    nearly every one.)"""
    government = place + "人民政府"
    at = text.find(government)
    while at >= 0:  # not the government's office ("人民政府办"), overlapping names included
        if not text.startswith("办", at + len(government)):
            return government
        at = text.find(government, at + 1)
    if site_name == government:
        return site_name
    offices = (text.find(government + "办公室"), text.find(government + "办公厅"))
    found = [at for at in offices if at >= 0]
    if not found:
        return None
    at = min(found)  # the leftmost, as one search for both did
    return text[at : at + len(government) + 3]


_ORG = rf"[\u4e00-\u9fff()]{{2,30}}?{_ORG_SUFFIX}"
# Where reports name their issuer when the title does not: "现将富县人民政府2024年…报告予以公开",
# "由北京市商务委员会编制的2013年度…", a line "武江区龙归镇人民政府2016年政府信息公开年度报告".
_ISSUER_FRAMES = (
    re.compile(
        rf"(?:现将|现予?以?(?:公布|发布|公开)|向社会公[布开]|特此公布|编制)\s*({_ORG})\s*{_YEAR}\s*年"
    ),
    re.compile(rf"由\s*({_ORG}|[\u4e00-\u9fff]{{2,20}}?办)\s*(?:负责)?编制"),
    # (from the line's own newline, as _YEAR_PATTERNS' paragraphs)
    re.compile(rf"(?:^|\n)[^\S\n]*+({_ORG})\s*{_YEAR}\s*年度?[^\n。]{{0,20}}?(?:报告|年报)"),
)

# The third frame begins at a line start, which the regex engine would try at every character
# (parsers.scan); the others begin with literals.
# A line that begins with three or more Chinese characters (an organisation's name, its suffix
# included) and a year's first character after them: most lines of a report's head do not.
_ISSUER_FRAME_STARTS = (
    None,
    None,
    re.compile(rf"\n(?=[^\S\n]*+[\u4e00-\u9fff()]{{3,}}\s*[{_YEAR_FIRST}])"),
)

# How a body speaks of itself ("我县", "本局", "全镇"): words of four kinds. Each begins with
# 我/本/全 and its next character tells its kind (the four sets are disjoint, so no two kinds'
# words overlap); the pair "县委、县政府" is looked for on its own.
_SELF_WORD_REST = (
    r"(?:(?P<government>[县区市旗](?!委|直))|(?P<township>镇|乡|街道|苏木)"
    r"|(?<=[我本])(?P<department>局|委|单位|部门|中心|院|所|厅|馆|站|队|公司)"
    r"|(?<=[我本])(?P<government_office>办(?!公)))"
)
# One pattern per first character, each beginning with a literal the regex engine skips ahead
# to (one beginning with the class [我本全] was tested at every character). The words never
# overlap (none holds 我, 本 or 全 after its first character), so the three scans find the
# words one scan would, and the kinds are counted whatever the order.
_SELF_WORDS = tuple(re.compile(first + _SELF_WORD_REST) for first in "我本全")
# "县委、县政府", found from its "委、" (a literal; the pair's first character, 县, 区 or 市,
# stands everywhere): the same pairs, counted (none can begin inside another).
_SELF_PAIR = re.compile(r"委、(?<=[县区市旗]委、)(?:县|区|市|旗)政府")
_SELF_KINDS = ("government", "township", "department", "government_office")


def issuer_kind(issuer: str | None, text: str) -> str:
    """government | government_office | department | township | unknown."""
    if issuer:
        if re.search(r"(?:镇|乡|街道|苏木)(?:人民政府)?$|街道办事处$", issuer):
            return "township"
        if re.search(r"政府办公[室厅]$|政府办$", issuer):
            return "government_office"
        if re.search(r"(?:人民政府|行政公署)$", issuer):
            return "government"
        return "department"
    found: Counter[str] = Counter()
    for pattern in _SELF_WORDS:
        for word in pattern.finditer(text):
            found[word.lastgroup] += 1 if word.group().startswith("全") else 3  # type: ignore[index]
    if "委、" in text:
        found["government"] += 3 * len(_SELF_PAIR.findall(text))
    # (in the kinds' order: most_common breaks a tie by it)
    counts = Counter({kind: found[kind] for kind in _SELF_KINDS if found[kind]})
    if not counts:
        return "unknown"
    kind, _ = counts.most_common(1)[0]
    if kind == "government_office" and "政府办" not in text:
        return "department"
    return kind
