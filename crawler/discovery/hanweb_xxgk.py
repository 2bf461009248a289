"""Hanweb's information-disclosure module (`/module/xxgk/…`): annual reports listed nowhere.

A report is `/module/xxgk/xxgkAnnualReport.jsp?area=<unit>&fbtime=<year>`, one per unit and
year. Units appear as `vc_xxgkarea=<area>` (unit pages), `area=<area>` (the category tree, the
`search.jsp` list script) and as the prefix of documents' 索引号 (`<area>/2021-00012`). So the
family collects every area code a page names and asks the module for each year from 2008 to
this year. A year without a report answers an empty page: the spider reads each answer as a
page (`parse_as`), so only a page titled as a report is stored.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from crawler.discovery.families import FollowUp, no_answer, no_links

NAME = "hanweb_xxgk"
ANNUAL = "/module/xxgk/xxgkAnnualReport.jsp"
FIRST_YEAR = 2008  # the first reports cover 2008 (the 2007 条例 took effect in May 2008)
# An area is 15 digits (Zhejiang) or an 18-character credit-code-like id (Shandong).
_AREA = re.compile(r"(?:vc_xxgkarea|[?&;]area)=([0-9A-Z]{15,18})\b|\b([0-9A-Z]{15,18})/\d{4}-\d+")
_VAR_AREA = re.compile(r"""(?:\b|_)area\s*[:=]\s*['"]([0-9A-Z]{15,18})['"]""")


def detect(html: str) -> bool:
    return "vc_xxgkarea=" in html or "/module/xxgk/" in html


def areas(html: str) -> list[str]:
    """Every unit code the page names, once each."""
    found = [a or b for a, b in _AREA.findall(html)] + _VAR_AREA.findall(html)
    return list(dict.fromkeys(found))


def annual_report_urls(page_url: str, units: list[str], last_year: int) -> list[str]:
    """Newest year first, every unit of a year together: if the site's request budget runs
    out (a big county has a hundred units), it is the oldest years that are left."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page_url))
    return [
        f"{origin}{ANNUAL}?area={area}&fbtime={year}"
        for year in range(last_year, FIRST_YEAR - 1, -1)
        for area in units
    ]


def list_pages(html: str, page_url: str, max_pages: int) -> list[str]:
    return []


def follow_ups(html: str, page_url: str, today: dt.date | None = None) -> list[FollowUp]:
    """The annual-report page of every unit the page names, for every year up to this one."""
    if ANNUAL in urlsplit(page_url).path:
        return []  # a report page names its own unit, already enumerated
    year = (today or dt.date.today()).year
    return [
        FollowUp(url, {"parse_as": "nav"})
        for url in annual_report_urls(page_url, areas(html), year)
    ]


# The answers are read as pages (`parse_as`), never handed back; no links hidden in scripts.
embedded_links, on_follow_up = no_links, no_answer
