"""The numbered sections of a report ("一、总体情况" … "六、其他需要报告的事项")."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

NUMERALS = "一二三四五六七八九十"
_HEADING = re.compile(rf"^\s*([{NUMERALS}]{{1,2}})\s*[、.．]\s*(.{{2,40}}?)\s*\|?\s*$")
# A line whose first character other than spaces is a numeral: the only lines worth trying.
# (Found from the newline before it, a literal the regex engine skips to fast.)
_NUMBERED_LINE = re.compile(rf"\n[^\S\n]*[{NUMERALS}]")
# (Only from a run's first space: else each space of a long run rescanned the rest of it.)
_NUMBERED_START = re.compile(rf"(?<![^\S\n])[^\S\n]*+[{NUMERALS}]")
# "一、总体情况。2020年，…": a heading with its text on the same line.
_INLINE_HEADING = re.compile(
    rf"^\s*([{NUMERALS}]{{1,2}})\s*[、.．]\s*([^。:：，,]{{2,24}}?)\s*[。:：]\s*\S"
)
# Table 三's own row labels also start "一、"…"四、"; they are rows, not headings.
_TABLE_ROW = re.compile(r"本年新收|上年度?结转|本年度?办理结果|结转下年|办理结果")
# What each canonical section is about, tried in this order (复议 before 申请: the section-4
# heading "因政府信息公开申请行政复议…" also mentions 申请).
TOPICS = (
    (4, re.compile(r"复议|诉讼")),
    (2, re.compile(r"主动公开")),
    (3, re.compile(r"申请")),
    (5, re.compile(r"问题|改进|不足|整改")),
    (6, re.compile(r"其他需要|其他事项|需要报告|需要说明")),
    (1, re.compile(r"总体|概述|概况|基本情况")),
)


class Section(NamedTuple):
    """A numbered section. (A named tuple: a frozen dataclass sets each field through
    object.__setattr__: ~1.1 us a section against ~0.2 us, and a report has six or more.)"""

    number: int
    heading: str
    text: str
    start: int  # offset of the heading line in the normalized text
    heading_span: tuple[int, int] = (0, 0)
    body_span: tuple[int, int] = (0, 0)

    def printed(self, text: str) -> tuple[str, str]:
        """Heading and body as printed, cut from a text aligned with the one parsed."""
        (h0, h1), (b0, b1) = self.heading_span, self.body_span
        return text[h0:h1].strip(), text[b0:b1].strip()


def numeral_value(numeral: str) -> int:
    if numeral == "十":
        return 10
    if numeral.startswith("十"):
        return 10 + NUMERALS.index(numeral[1]) + 1
    if numeral.endswith("十"):
        return (NUMERALS.index(numeral[0]) + 1) * 10
    if len(numeral) == 2:
        return (NUMERALS.index(numeral[0]) + 1) * 10 + NUMERALS.index(numeral[1]) + 1
    return NUMERALS.index(numeral) + 1


@lru_cache(maxsize=8192)
def topic_of(heading: str) -> int | None:
    """The canonical section a heading is about. Cached: headings recur across reports."""
    heading = heading.replace("其它", "其他")
    for number, pattern in TOPICS:
        if pattern.search(heading):
            return number
    return None


# Heading lines and table rows recur from report to report: each distinct short line is read
# once (long ones, paragraphs that begin with a numeral, rarely recur and are read each time).
_CACHED_LINE = 200


@lru_cache(maxsize=16384)
def _heading_line(line: str, canonical: bool) -> tuple[int, str, tuple[int, int], int] | None:
    """A numbered line as a heading: (number, heading, the heading's span, where the body
    begins), offsets from the line's start; None for a line that is no heading."""
    match = _INLINE_HEADING.match(line) if canonical else None
    if match and topic_of(match.group(2)) == numeral_value(match.group(1)):
        body = match.end() - 1  # a heading with its text on the same line
    else:
        match = _HEADING.match(line)
        body = len(line) + 1
    if not match or _TABLE_ROW.search(match.group(2)):
        return None
    return numeral_value(match.group(1)), match.group(2).strip(), match.span(2), body


def split_sections(text: str, *, canonical: bool) -> list[Section]:
    """Find headings numbered 一、二、… in order and cut the text at them.

    For post-2019 reports (`canonical`), a candidate whose wording fits its number is preferred
    over an earlier one that does not, so an item list ("二、加强组织领导") inside a section is
    not taken for the next heading.
    """
    candidates: list[tuple[int, int, str, int]] = []  # (number, offset, heading, body offset)
    spans: dict[int, tuple[int, int]] = {}  # heading line offset -> the heading's own span
    starts = [0] if _NUMBERED_START.match(text) else []
    starts += [numbered.start() + 1 for numbered in _NUMBERED_LINE.finditer(text)]
    for offset in starts:  # only lines that start with a numeral
        end = text.find("\n", offset)
        line = text[offset:] if end < 0 else text[offset:end]
        read = _heading_line if len(line) <= _CACHED_LINE else _heading_line.__wrapped__
        found = read(line, canonical)
        if found:
            number, heading, (start, stop), body = found
            spans[offset] = (offset + start, offset + stop)
            candidates.append((number, offset, heading, offset + body))
    chosen: list[tuple[int, int, str, int]] = []
    last, position = 0, -1
    while True:
        following = [c for c in candidates if c[1] > position and last < c[0] <= last + 2]
        if not following:
            break
        pick = following[0]
        if canonical:
            fitting = [c for c in following if c[0] == last + 1 and topic_of(c[2]) == c[0]]
            if fitting and pick[0] == last + 1 and topic_of(pick[2]) != pick[0]:
                pick = fitting[0]
        chosen.append(pick)
        last, position = pick[0], pick[1]
    sections = []
    for i, (number, start, heading, body) in enumerate(chosen):
        end = chosen[i + 1][1] if i + 1 < len(chosen) else len(text)
        body_span = (min(body, end), end)
        sections.append(
            Section(
                number, heading, text[body_span[0] : end].strip(), start, spans[start], body_span
            )
        )
    return sections


def mislabeled(section: Section) -> bool:
    """A canonical section whose heading names another section's topic."""
    topic = topic_of(section.heading)
    return topic is not None and topic != section.number and section.number <= 6
