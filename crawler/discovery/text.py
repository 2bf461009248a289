"""Link-text and title tests: a report, a notice about reports, a column worth opening."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
# "XX县2020年政府信息公开工作年度报告", "2019年度政务公开年报", "政府信息公开年度报告（2018年）"
_REPORT = re.compile(
    r"(?:(?:政府|政务)?信息公开|政务公开).{0,12}?(?:工作)?(?:年度报告|年报)"
    r"|(?:19|20)\d{2}\s*年度?.{0,24}?(?:年度报告|年报)"
)
_YEAR = re.compile(r"(?:19|20)\d{2}")
# A notice, plan or request about the reports, not a report: "关于做好…年度报告工作的通知".
_NOTICE = re.compile(
    r"关于|通知|通报|公告|公示|的函|意见|方案|计划|要点|征集|评议|考核|检查|培训|会议|解读|图解"
    r"|模板|格式|编制|报送|提纲|问答|指南|目录$"
)
# Column names of the disclosure section and of its annual-report sub-column.
_REPORT_COLUMN = re.compile(r"(?:信息公开|政务公开)?(?:工作)?(?:年度报告|年报)")
_DISCLOSURE_COLUMN = re.compile(
    r"政府信息公开|信息公开|政务公开|法定主动公开|主动公开|公开目录|信息公开目录|部门信息|乡镇信息"
    r"|部门公开|镇街公开|乡镇公开"
)
_NOISE = re.compile(
    r"登录|注册|无障碍|长者|english|繁體|繁体|首页$|返回|打印|关闭|收藏|分享|微信|微博|邮箱"
    r"|留言|信访|投诉|网站地图|联系我们|隐私|版权|纠错",
    re.IGNORECASE,
)


def clean(text: str | None) -> str:
    return _SPACE.sub("", text or "")


def is_notice(text: str) -> bool:
    """Text about reports that is not itself a report (关于…的通知, 编制要点, 解读)."""
    return bool(_NOTICE.search(clean(text)))


def is_report_title(text: str) -> bool:
    """A report's title or link text: a disclosure annual report with a year, no notice words."""
    t = clean(text)
    return bool(_REPORT.search(t) and _YEAR.search(t) and not is_notice(t))


def is_report_column(text: str) -> bool:
    """The annual-report column itself ("政府信息公开年报", "年度报告"), not one report."""
    t = clean(text)
    return bool(t) and len(t) <= 20 and bool(_REPORT_COLUMN.search(t)) and not _YEAR.search(t)


def is_disclosure_column(text: str) -> bool:
    t = clean(text)
    return bool(t) and len(t) <= 20 and bool(_DISCLOSURE_COLUMN.search(t)) and not is_notice(t)


def is_noise(text: str) -> bool:
    return bool(_NOISE.search(clean(text)))
