"""The report filter every front end shares (CLI options, API query parameters).

`ReportFilter.parse(...)` takes the strings a user typed (`--year 2019-2024`, `--region 5303`)
and returns a validated, immutable filter, or raises FilterError with a one-line message that
names the bad input. `storage.query` turns a filter into SQL; nothing here touches a database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from functools import cache
from typing import Any

TEMPLATES = ("2021", "2019", "pre2019", "unknown")
ISSUER_KINDS = ("government", "government_office", "department", "township", "unknown")
HAZARDS = (
    "spam-hijack",
    "traditional-script",
    "pinyin-annotations",
    "mojibake",
    "mislabeled-heading",
    "totals-dont-add-up",
    "boilerplate",
    "needs-ocr",
    "not-a-report",
    "cells-run-together",
)
# Families of check rules (RECORD.md `checks`); `--failed-check` takes one, a full rule name,
# or nothing (then any failed identity counts).
CHECK_FAMILIES = (
    "applications.flow",
    "applications.results",
    "applications.row_total",
    "review_litigation",
    "carry_over",
)
ANY_CHECK = "any"
FIRST_YEAR, LAST_YEAR = 2000, 2100

_YEAR = re.compile(r"^\s*(\d{4})\s*(?:[-–~]\s*(\d{4})\s*)?$")
_REGION = re.compile(r"^\d{2,6}$")


class FilterError(ValueError):
    """A filter name or value the archive cannot answer; the message names it."""


@dataclass(frozen=True)
class ReportFilter:
    """Which reports a command looks at. Empty members do not filter.

    `region` is a division-code prefix (`53` Yunnan, `5303` Qujing, `530325` one county).
    `failed_check` is None (no filter), `"any"` (any identity fails) or a rule name / family
    prefix such as `carry_over` or `applications.flow.total`. By default only the newest
    version of each current official report is seen; `all_versions` adds superseded ones.
    """

    province: str | None = None
    prefecture: str | None = None
    region: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    template: str | None = None
    issuer_kind: str | None = None
    hazard: str | None = None
    failed_check: str | None = None
    all_versions: bool = False

    @classmethod
    def parse(
        cls,
        *,
        province: str | None = None,
        prefecture: str | None = None,
        region: str | None = None,
        year: str | None = None,
        template: str | None = None,
        issuer_kind: str | None = None,
        hazard: str | None = None,
        failed_check: str | None = None,
        all_versions: bool | str = False,
    ) -> ReportFilter:
        """A filter from user strings; FilterError names the first bad one."""
        year_from, year_to = parse_years(year)
        return cls(
            province=_known(province, "province", _provinces()),
            prefecture=_known(prefecture, "prefecture", _prefectures()),
            region=_region(region),
            year_from=year_from,
            year_to=year_to,
            template=_known(template, "template", TEMPLATES),
            issuer_kind=_known(issuer_kind, "issuer kind", ISSUER_KINDS),
            hazard=_known(hazard, "hazard", HAZARDS),
            failed_check=_check(failed_check),
            all_versions=_flag(all_versions),
        )

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ReportFilter:
        """A filter from query parameters named as the CLI options (`issuer_kind` or
        `issuer-kind`, `year`, `all_versions`…); an unknown name is a FilterError."""
        names = {
            "province",
            "prefecture",
            "region",
            "year",
            "template",
            "issuer_kind",
            "hazard",
            "failed_check",
            "all_versions",
        }
        given: dict[str, Any] = {}
        for key, value in params.items():
            name = key.replace("-", "_")
            if name not in names:
                raise FilterError(f"unknown filter {key!r} (known: {', '.join(sorted(names))})")
            given[name] = value
        return cls.parse(**given)

    def describe(self) -> dict[str, Any]:
        """The members that filter, for manifests and headers."""
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, False) for f in fields(self))


NO_FILTER = ReportFilter()


def parse_years(text: str | None) -> tuple[int | None, int | None]:
    """`2019` → (2019, 2019); `2019-2024` → (2019, 2024); None → (None, None)."""
    if text is None or str(text).strip() == "":
        return None, None
    match = _YEAR.match(str(text))
    if not match:
        raise FilterError(f"bad year {text!r}: expected YYYY or YYYY-YYYY")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if not (FIRST_YEAR <= first <= LAST_YEAR and FIRST_YEAR <= last <= LAST_YEAR):
        raise FilterError(f"bad year {text!r}: outside {FIRST_YEAR}-{LAST_YEAR}")
    if last < first:
        raise FilterError(f"bad year range {text!r}: {last} is before {first}")
    return first, last


def _known(value: str | None, what: str, allowed: Any) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    if value not in allowed:
        hint = f" (one of: {', '.join(allowed)})" if len(allowed) <= 12 else ""
        raise FilterError(f"unknown {what} {value!r}{hint}")
    return value


def _region(value: str | None) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    if not _REGION.match(value):
        raise FilterError(f"bad region code {value!r}: expected 2 to 6 digits, e.g. 5303")
    return value


def _check(value: str | None) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    if value == ANY_CHECK:
        return value
    if not any(value == fam or value.startswith(fam + ".") for fam in CHECK_FAMILIES):
        raise FilterError(
            f"unknown check {value!r} (one of: {ANY_CHECK}, {', '.join(CHECK_FAMILIES)}, "
            "or a full rule name such as applications.flow.total)"
        )
    return value


def _flag(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", ""):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise FilterError(f"bad all_versions value {value!r}: expected true or false")


@cache
def _provinces() -> frozenset[str]:
    from parsers.registry import divisions

    return frozenset(d.province for d in divisions())


@cache
def _prefectures() -> frozenset[str]:
    from parsers.registry import divisions

    return frozenset(d.prefecture for d in divisions() if d.prefecture)
