"""One report-title vocabulary: the spider follows exactly the titles the parser takes as reports."""

from __future__ import annotations

import pytest

from crawler.discovery import text as links
from parsers import parse_text
from parsers.vocabulary import is_report_title, title_kind

REPORTS = [
    "富源县2019年政府信息公开工作年度报告",
    "关于发布2023年度政府信息公开工作年度报告的公告",
    "关于公布《某县2022年政府信息公开工作年度报告》的通知",
    "某县人民政府关于2019年度政府信息公开工作年度报告",
]
NOT_REPORTS = [
    "关于做好2020年度政府信息公开工作年度报告编制发布工作的通知",
    "关于报送2021年政府信息公开工作年度报告的通知",
    "关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知",
    "某县政府信息公开工作年度报告制度",
    "某县2020年度法治政府建设情况报告",
    "某县召开2023年度政府信息公开工作年报编制和发布部署会",
    "图解：某县2022年政府信息公开工作年度报告",
]


@pytest.mark.parametrize("title", REPORTS)
def test_the_spider_follows_what_the_parser_reads_as_a_report(title: str) -> None:
    assert title_kind(title) == "report"
    assert is_report_title(title) and links.is_report_title(title)
    assert not links.is_notice(title)


@pytest.mark.parametrize("title", NOT_REPORTS)
def test_notices_rules_and_other_reports_are_neither_followed_nor_read(title: str) -> None:
    assert title_kind(title) in ("notice", "other")
    assert not links.is_report_title(title)


def test_a_cover_announcement_with_the_report_below_is_a_report() -> None:
    text = (
        "关于发布2023年度政府信息公开工作年度报告的公告\n"
        "现将《某县2023年政府信息公开工作年度报告》予以发布。\n"
        "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n"
        "一、总体情况\n2023年，我县全年主动公开政府信息1200条。\n"
    )
    record = parse_text(text)
    assert "not-a-report" not in record["hazards"]
    assert record["report_year"] == 2023
