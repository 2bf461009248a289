"""The county-level division registry shipped with the package, and name → region resolution.

Data: `parsers/data/cn_county_divisions.csv` (MCA codes via yescallop/areacodes, CC0; portal URLs
from Laosheng.top, CC BY-NC-ND 3.0; see `parsers/data/REGISTRY_SOURCES.md`).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

REGISTRY_FILE = "cn_county_divisions.csv"
_SUFFIXES = "县区市旗"
_PREFECTURE_SUFFIXES = "市州盟区"
# Names that are also everyday words ("城区", "郊区") or sit inside them ("和县" in "市和县").
_GENERIC = frozenset({"城区", "郊区", "矿区", "新区", "东区", "西区", "市中区"})
_WEAK = re.compile(r"^(?:.[县区市旗]|城区|郊区|矿区|新区|东区|西区|市中区)$")
_PROVINCE_ABBREVIATIONS = {
    "京": "北京市",
    "津": "天津市",
    "冀": "河北省",
    "晋": "山西省",
    "蒙": "内蒙古自治区",
    "辽": "辽宁省",
    "吉": "吉林省",
    "黑": "黑龙江省",
    "沪": "上海市",
    "苏": "江苏省",
    "浙": "浙江省",
    "皖": "安徽省",
    "闽": "福建省",
    "赣": "江西省",
    "鲁": "山东省",
    "豫": "河南省",
    "鄂": "湖北省",
    "湘": "湖南省",
    "粤": "广东省",
    "桂": "广西壮族自治区",
    "琼": "海南省",
    "渝": "重庆市",
    "川": "四川省",
    "黔": "贵州省",
    "滇": "云南省",
    "藏": "西藏自治区",
    "陕": "陕西省",
    "甘": "甘肃省",
    "青": "青海省",
    "宁": "宁夏回族自治区",
    "新": "新疆维吾尔自治区",
}
# "辽政发〔2014〕14号": a provincial document number, after a non-Chinese character or a word
# that introduces a citation (not inside a longer city abbreviation such as "锦政发").
_PROVINCE_DOC = re.compile(
    r"(?:^|[^\u4e00-\u9fff]|根据|依据|按照|转发|和|及|与)(["
    + "".join(_PROVINCE_ABBREVIATIONS)
    + r"])政(?:办)?[发函]\s*[〔【\[(]"
)


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    prefecture: str | None
    province: str
    status: str
    active_from: int | None
    active_until: int | None
    host: str | None

    def active_in(self, year: int | None) -> bool:
        if year is None:
            return self.status == "在用"
        starts = self.active_from or 0
        return starts <= year and (self.active_until is None or year < self.active_until)


@dataclass(frozen=True)
class Region:
    name: str | None = None
    code: str | None = None
    prefecture: str | None = None
    province: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "code": self.code,
            "prefecture": self.prefecture,
            "province": self.province,
        }


def _year(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@cache
def divisions() -> tuple[Division, ...]:
    """Every row of the shipped registry (in use and historic)."""
    text = resources.files("parsers").joinpath("data", REGISTRY_FILE).read_text("utf-8-sig")
    rows = csv.reader(text.splitlines())
    # (columns by position, found from the header: a dict per row cost more than the rest of
    # loading, which every process that parses pays once)
    at = {column: i for i, column in enumerate(next(rows))}
    code, name, prefecture, province, status, active_from, active_until, host = (
        at[column]
        for column in (
            "code",
            "name",
            "prefecture_name",
            "province_name",
            "status",
            "active_from",
            "active_until",
            "host",
        )
    )
    return tuple(
        Division(
            code=row[code],
            name=row[name],
            prefecture=None if row[prefecture] in ("", "直辖") else row[prefecture],
            province=row[province],
            status=row[status],
            active_from=_year(row[active_from]),
            active_until=_year(row[active_until]),
            host=row[host] or None,
        )
        for row in rows
    )


@cache
def _by_name() -> dict[str, tuple[Division, ...]]:
    index: dict[str, list[Division]] = {}
    for division in divisions():
        index.setdefault(division.name, []).append(division)
    return {name: tuple(rows) for name, rows in index.items()}


@cache
def _prefectures() -> dict[str, str]:
    """Prefecture name → province name."""
    return {d.prefecture: d.province for d in divisions() if d.prefecture}


@cache
def _provinces() -> frozenset[str]:
    return frozenset(d.province for d in divisions())


def provinces_in(text: str, ends: list[int] | None = None) -> set[str]:
    """The province names the text contains.

    Every name ends in 省, 市 or 区: each is found from its last character (one literal scan
    per suffix, which the regex engine skips through, with a lookbehind for the character
    before it), and the names ending there are looked up. One alternation of the 31 names
    begins with a class of their first characters (上, 北, 江, 河…), which the engine tests
    at every character of the text: about five times the cost. `ends`: see _region_ends."""
    if ends is None:
        ends = _ends(_province_ends(), text)
    return _names_ending_at(text, ends, _provinces(), _province_lengths())


def _names_ending_at(
    text: str, ends: Iterable[int], names: Collection[str], by_ending: dict[str, tuple[int, ...]]
) -> set[str]:
    """The `names` that end at one of `ends` in the text (`by_ending`: _lengths_by_ending's
    table of the names)."""
    found = set()
    for end in ends:
        for length in by_ending.get(text[end - 2 : end], ()):
            if end - length >= 0 and text[end - length : end] in names:
                found.add(text[end - length : end])
    return found


@cache
def _longest_prefecture() -> int:
    return max(len(name) for name in _prefectures())


def _lengths_by_ending(names: Iterable[str], suffixes: str) -> dict[str, tuple[int, ...]]:
    """Last two characters → the lengths of the names ending so, longest first: a lookup tries
    only the lengths a name could have. Only names that end in one of `suffixes` (what the
    lookup scans for)."""
    lengths: dict[str, set[int]] = {}
    for name in names:
        if len(name) >= 2 and name[-1] in suffixes:
            lengths.setdefault(name[-2:], set()).add(len(name))
    return {ending: tuple(sorted(found, reverse=True)) for ending, found in lengths.items()}


@cache
def _prefecture_lengths() -> dict[str, tuple[int, ...]]:
    return _lengths_by_ending(_prefectures(), _PREFECTURE_SUFFIXES)


@cache
def _name_lengths() -> dict[str, tuple[int, ...]]:
    return _lengths_by_ending(_by_name(), _SUFFIXES)


@cache
def _province_lengths() -> dict[str, tuple[int, ...]]:
    return _lengths_by_ending(_provinces(), _province_suffixes())


def _ending_patterns(suffixes: str, endings: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """Per suffix, that suffix where it ends some name's last two characters: "源县" when a
    name ends so, never "全县" or "我区". Names are looked up only there (a county's report
    prints its suffix hundreds of times, mostly in such words).

    One pattern per suffix, each beginning with its suffix, a literal the regex engine skips
    ahead to; one pattern for all would begin with a class, which the engine tests at every
    character. The character before the suffix is checked by a lookbehind after it."""
    before: dict[str, set[str]] = {}
    for ending in endings:
        if ending[1] in suffixes:
            before.setdefault(ending[1], set()).add(ending[0])
    return tuple(
        re.compile(f"{suffix}(?<=[{''.join(sorted(map(re.escape, chars)))}]{suffix})")
        for suffix, chars in sorted(before.items())
    )


def _ends(patterns: tuple[re.Pattern[str], ...], text: str) -> list[int]:
    """Where the patterns' matches end, in text order."""
    return sorted(match.end() for pattern in patterns for match in pattern.finditer(text))


@cache
def _division_ends() -> tuple[re.Pattern[str], ...]:
    return _ending_patterns(_SUFFIXES, _name_lengths())


@cache
def _prefecture_ends() -> tuple[re.Pattern[str], ...]:
    return _ending_patterns(_PREFECTURE_SUFFIXES, _prefecture_lengths())


@cache
def _province_ends() -> tuple[re.Pattern[str], ...]:
    return _ending_patterns(_province_suffixes(), _province_lengths())


@cache
def _province_suffixes() -> str:
    return "".join(sorted({name[-1] for name in _provinces()}))


@cache
def _region_ends() -> tuple[re.Pattern[str], ...]:
    """One scan per suffix for the three lookups a report's text goes through (divisions,
    prefectures, provinces: 县区市旗, 市州盟区, 省市区), where some name of any of them ends.
    Each lookup given these ends skips those whose last two characters end none of its names,
    so it finds what its own scans would: 7 scans instead of 11."""
    endings = {**_name_lengths(), **_prefecture_lengths(), **_province_lengths()}
    suffixes = "".join(sorted({ending[1] for ending in endings}))
    return _ending_patterns(suffixes, endings)


def find_division_names(text: str, ends: list[int] | None = None) -> Counter[str]:
    """Count registry names in the text (names end in 县/区/市/旗), the longest name first.
    `ends`: see _region_ends."""
    index = _by_name()
    by_ending = _name_lengths()
    found: Counter[str] = Counter()
    for end in _ends(_division_ends(), text) if ends is None else ends:
        for length in by_ending.get(text[end - 2 : end], ()):
            start = end - length
            if start < 0:
                continue
            name = text[start:end]
            if name in index:
                if _WEAK.match(name) and not _strong_context(text, start, end):
                    continue
                found[name] += 1
                break
    return found


def find_prefecture_names(text: str, ends: list[int] | None = None) -> set[str]:
    """Prefecture names in the text (they end in 市/州/盟/地区). `ends`: see _region_ends."""
    if ends is None:
        ends = _ends(_prefecture_ends(), text)
    return _names_ending_at(text, ends, _prefectures(), _prefecture_lengths())


def _strong_context(text: str, start: int, end: int) -> bool:
    """A weak name counts at the start of a title or issuer ("文县教育局"), before 人民政府/政府,
    or right after its prefecture's name."""
    if start == 0 and text[:end] not in _GENERIC:
        return True
    after = text[end : end + 4]
    if after.startswith(("人民政府", "政府")):
        return start == 0 or not re.match(r"[\u4e00-\u9fff]", text[start - 1])
    names = _prefectures()
    longest = _longest_prefecture()
    return any(text[start - n : start] in names for n in range(2, longest + 1) if start - n >= 0)


def resolve_region(*, title: str | None, issuer: str | None, text: str, year: int | None) -> Region:
    """The county-level division a report belongs to, from its title, issuer and text.

    Title and issuer weigh most; a name shared by several divisions is settled by the
    prefecture or province the text mentions, then by which division existed that year.
    Without a county name, the prefecture and province alone are returned when the text names
    them, or the province from a provincial document number such as "辽政发〔2014〕14号".
    """
    ends = _ends(_region_ends(), text)
    counts = find_division_names(text, ends)
    for strong in (title, issuer):
        for name, n in find_division_names(strong or "").items():
            counts[name] += 10 * n
    prefectures = list(find_prefecture_names(text, ends))
    provinces = list(provinces_in(text, ends))
    if counts:
        best_name = max(counts, key=lambda name: (counts[name], len(name)))
        candidates = _by_name()[best_name]
        chosen = max(
            candidates,
            key=lambda d: (
                d.prefecture in prefectures,
                d.province in provinces,
                d.active_in(year),
                d.status == "在用",
            ),
        )
        return Region(chosen.name, chosen.code, chosen.prefecture, chosen.province)
    for strong in (title, issuer):
        named = sorted(find_prefecture_names(strong or ""))
        if named:
            return Region(None, None, named[0], _prefectures()[named[0]])
    if len(prefectures) == 1:
        return Region(None, None, prefectures[0], _prefectures()[prefectures[0]])
    if len(set(provinces)) == 1:
        return Region(None, None, None, provinces[0])
    abbreviations = {_PROVINCE_ABBREVIATIONS[m] for m in _PROVINCE_DOC.findall(text)}
    if len(abbreviations) == 1:
        return Region(None, None, None, abbreviations.pop())
    return Region()
