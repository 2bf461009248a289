"""Numbers that pre-2019 reports state in sentences rather than tables (RECORD.md keys).

Only the number of *information-disclosure* applications the reporting unit received counts:
"共受理政府信息公开申请5件", "收到12起政府信息依申请公开", "未收到…公开申请" (0). Counts of other
applications (行政审批 "受理申请121510件"), of a sub-unit ("其中…"), of another year, or of all
years together ("历年") are not it; where the sentences disagree, the number is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from parsers.tables import to_int

# What names a disclosure application, and what names any application (the latter only counts
# inside the section on applications).
_DISCLOSURE = (
    r"(?:政府信息公开申请|信息公开申请|公开政府信息(?:的)?申请|申请公开政府信息|政府信息依申请公开"
    r"|依申请公开(?:政府信息|信息)?(?:申请|事项)?|公开申请)"
)
_ANY = rf"(?:{_DISCLOSURE}|申请)"
_RECEIVE = r"(?:收到|受理|接到|接收|登记)"
_UNIT = r"(?:件|份|条|个|宗|起|次|人次)"
_CLAUSE_END = "。；;，,"


def _patterns(noun: str) -> tuple[re.Pattern[str], ...]:
    return (
        # "受理政府信息公开申请6件", "共受理依申请公开政府信息4件"
        re.compile(
            rf"{_RECEIVE}[^{_CLAUSE_END}\d]{{0,12}}?{noun}[^{_CLAUSE_END}\d]{{0,6}}?(\d+)\s*{_UNIT}"
        ),
        # "收到12起政府信息依申请公开", "共收到4件信息公开申请"
        re.compile(
            rf"{_RECEIVE}[^{_CLAUSE_END}\d]{{0,6}}?(\d+)\s*{_UNIT}\s*的?[^{_CLAUSE_END}\d]{{0,8}}?{noun}"
        ),
        # "政府信息公开申请共计5件"
        re.compile(rf"{noun}(?:数量|总数|数)?(?:共计|共|为|合计)+\s*(\d+)\s*{_UNIT}"),
    )


_COUNTS = {"disclosure": _patterns(_DISCLOSURE), "any": _patterns(_ANY)}
_NONE = {
    "disclosure": re.compile(
        rf"(?:(?:未|没有)(?:收到|受理|接到|发生|出现|有)?[^{_CLAUSE_END}]{{0,16}}?"
        rf"|无(?:收到|受理|接到)?(?:任何)?的?){_DISCLOSURE}"
    ),
    "any": re.compile(rf"(?:未|没有)(?:收到|受理|接到|发生)[^{_CLAUSE_END}]{{0,16}}?申请"),
}
# A clause about something else: review and lawsuits, fees, delays, a sub-unit, all years
# together, another year.
_OTHER_MATTER = re.compile(
    r"复议|诉讼|收费|减免|费用|超期|逾期|超时|纠错|被投诉|其中|历年|上年|去年|同比|比.{0,6}年"
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_APPLICATION_SECTION = re.compile(r"依申请|申请公开|收到和处理|申请情况|受理情况")

_NO_REVIEW = re.compile(
    r"(?:未|没有|无)(?:发生|收到|出现|有)?[^。；;]{0,40}?(?:行政)?复议[^。；;]{0,30}?(?:行政)?诉讼"
    r"|(?:行政复议|行政诉讼)[^。；;]{0,30}?(?:均为|为)\s*(?:0|零)\s*件?"
)
_REVIEW_COUNT = re.compile(r"行政复议(?:申请|案件)?(?:共|共计)?\s*(\d+)\s*(?:件|起|宗)")


def _clause(text: str, start: int, end: int) -> str:
    left = max(text.rfind(c, 0, start) for c in _CLAUSE_END + "\n") + 1
    rights = [i for c in _CLAUSE_END + "\n" if (i := text.find(c, end)) >= 0]
    return text[left : min(rights) if rights else len(text)]


def _readings(text: str, kind: str, year: int | None) -> set[int]:
    values: set[int] = set()
    # to_int is None for an absurd number (hundreds of digits): unreadable, never a count.
    found = [(m, to_int(m.group(1))) for p in _COUNTS[kind] for m in p.finditer(text)]
    found += [(m, 0) for m in _NONE[kind].finditer(text)]
    for match, value in found:
        if value is None:
            continue
        clause = _clause(text, match.start(), match.end())
        if _OTHER_MATTER.search(clause):
            continue
        years = {int(y) for y in _YEAR.findall(clause)}
        if year is not None and years - {year}:
            continue  # another year's count
        values.add(value)
    return values


def prose_applications(
    parts: Sequence[tuple[str, str]], year: int | None = None
) -> dict[str, dict[str, int]] | None:
    """`parts` are (heading, text) pairs; any application counts only in a section about
    applications, a disclosure application anywhere."""
    values: set[int] = set()
    for heading, text in parts:
        values |= _readings(text, "disclosure", year)
        if _APPLICATION_SECTION.search(heading):
            values |= _readings(text, "any", year)
    if len(values) != 1:
        return None  # nothing stated, or sentences that disagree
    return {"new_received": {"total": values.pop()}}


def prose_review_litigation(text: str) -> dict[str, dict[str, int]] | None:
    if _NO_REVIEW.search(text):
        return {
            group: {"total": 0}
            for group in ("review", "litigation_direct", "litigation_after_review")
        }
    match = _REVIEW_COUNT.search(text)
    if match and (total := to_int(match.group(1))) is not None:
        return {"review": {"total": total}}
    return None
