"""The report-title vocabulary the parser and the spider share: what names a disclosure annual
report, what names a notice, plan or rule *about* such reports, and what names another kind of
annual report. One module, so a link the spider follows is a page the parser accepts.

    title_kind("富源县2019年政府信息公开工作年度报告")                   -> "report"
    title_kind("关于发布2023年度政府信息公开工作年度报告的公告")          -> "report"  (a cover)
    title_kind("关于做好2023年度政府信息公开工作年度报告编制工作的通知")  -> "notice"
    title_kind("宿松县2020年度法治政府建设情况报告")                    -> "other"
"""

from __future__ import annotations

import re
from typing import Literal

TitleKind = Literal["report", "notice", "other"]

_SPACE = re.compile(r"\s+")
# "XX县2020年政府信息公开工作年度报告", "2019年度政务公开年报", "政府信息公开年度报告（2018年）"
REPORT_NAME = re.compile(
    r"(?:(?:政府|政务)?信息公开|政务公开).{0,12}?(?:工作)?(?:年度报告|年报|工作报告|情况报告)"
    r"|(?:19|20)\d{2}\s*年度?.{0,24}?(?:年度报告|年报)"
)
_YEAR = re.compile(r"(?:19|20)\d{2}")
# A cover that publishes a report: "关于公布/印发/发布…年度报告的通知/公告". The object must be
# the report itself, not its format or rules ("…年度报告格式》的通知" is a notice).
_PUBLISHES = re.compile(
    r"关于(?:公布|发布|印发|公开|刊发|公示|刊登)[^的]{0,60}?(?:年度报告|年报)》?\s*的?(?:通知|公告|通告|函)$"
)
# Words that make a title a notice, plan, rule or event about reports rather than a report.
_NOTICE = re.compile(
    r"(?:通知|通报|公告|通告|公示|的函|意见|方案|计划|要点|提醒|说明|解读|图解|目录|指南|索引|制度"
    r"|办法|规定|细则|格式|模板|样本|范本|提纲|问答|征集|评议|考核|检查|督查|培训|会议?|部署会)$"
    r"|^关于(?:做好|认真做好|进一步|报送|编制|开展|印发|转发)|编制(?:发布|和发布|报送)?(?:工作)?"
    r"|^(?:图解|解读|一图读懂|图说)"
    r"|报送|有关事项|部署|培训|督查"
)
# Other kinds of annual reports and work documents that are not disclosure reports.
_OTHER = re.compile(
    r"法治政府建设|依法行政|政府工作报告|工作总结|年终总结|述职|工作要点|实施方案|预算|决算|审计|统计公报"
)
# The same words anywhere in a link text (menus and article lists, not only titles).
_NOTICE_WORDS = re.compile(
    r"关于|通知|通报|公告|公示|的函|意见|方案|计划|要点|征集|评议|考核|检查|培训|会议|解读|图解"
    r"|模板|格式|编制|报送|提纲|问答|指南|目录$"
)
_FILE_EXTENSION = re.compile(r"\.(?:docx?|pdf|wps|xlsx?|html?)$", re.IGNORECASE)


def clean(text: str | None) -> str:
    """The title without spaces or a trailing file extension."""
    return _FILE_EXTENSION.sub("", _SPACE.sub("", text or ""))


def names_report(text: str | None) -> bool:
    """The text names a disclosure annual report (a report, a notice about reports, a column)."""
    return bool(REPORT_NAME.search(clean(text)))


def publishes_report(text: str | None) -> bool:
    """A cover notice that publishes a report ("关于发布…年度报告的公告")."""
    return bool(_PUBLISHES.search(clean(text)))


def title_kind(text: str | None) -> TitleKind | None:
    """What a title names: a report, a notice/plan/rule about reports, another kind of document,
    or None when it names no disclosure report at all."""
    t = clean(text)
    if not t:
        return None
    if _OTHER.search(t) and not (REPORT_NAME.search(t) and "信息公开" in t):
        return "other"
    if not REPORT_NAME.search(t):
        return None
    if publishes_report(t):
        return "report"
    if _NOTICE.search(t):
        return "notice"
    return "report"


def is_report_title(text: str | None) -> bool:
    """A report's title or link text: a disclosure annual report with a year, or the cover
    notice that publishes one."""
    t = clean(text)
    return title_kind(t) == "report" and bool(_YEAR.search(t))


def is_notice_title(text: str | None) -> bool:
    """A title about reports that is not a report (关于做好…的通知, 编制要点, 解读, 制度)."""
    return title_kind(text) == "notice"


def is_notice_words(text: str | None) -> bool:
    """Link text about reports that is not itself a report: any notice, plan or event word
    (关于…的通知, 编制要点, 解读, 培训), unless the title names a report or publishes one."""
    t = clean(text)
    return bool(_NOTICE_WORDS.search(t)) and title_kind(t) != "report"
