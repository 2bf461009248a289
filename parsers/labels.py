"""The report templates' tables as data: each row's key, the label patterns that find it, and
the cells it holds in each template (RECORD.md, domain.md §1).

Patterns match a row label "squeezed" (spaces and punctuation removed, simplified script), so
"3.危及“三安全一稳定”" and "3、危及三安全一稳定" read alike. A pattern is a distinctive fragment,
not the whole label: labels arrive wrapped, split across PDF lines, or prefixed by group labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

APPLICANT_COLUMNS = (
    "natural_person",
    "commercial",
    "research",
    "social_welfare",
    "legal_services",
    "other_org",
    "total",
)
REVIEW_GROUPS = ("review", "litigation_direct", "litigation_after_review")
REVIEW_CELLS = ("upheld", "corrected", "other", "pending", "total")


@dataclass(frozen=True)
class Row:
    key: str
    pattern: re.Pattern[str]


def _row(key: str, pattern: str) -> Row:
    return Row(key, re.compile(pattern))


APPLICATION_ROWS = (
    _row("new_received", r"本年新收|新收.{0,8}申请"),
    _row("carried_over", r"上年度?结转"),
    _row("granted", r"予以公开"),
    _row("partially_granted", r"部分公开"),
    _row("denied_state_secret", r"国家秘密"),
    _row("denied_prohibited_by_law", r"法律行政法规禁止|法规禁止公开"),
    _row("denied_security_stability", r"三安全一稳定|危及"),
    _row("denied_third_party", r"第三方合法权益|保护第三方"),
    _row("denied_internal_affairs", r"内部事务"),
    _row("denied_process_info", r"过程性信息"),
    _row("denied_enforcement_file", r"执法案卷"),
    _row("denied_admin_query", r"行政查询"),
    _row("unable_not_held", r"不掌握"),
    _row("unable_needs_creation", r"另行制作|没有现成"),
    _row("unable_unclear", r"仍不明确|内容不明确"),
    _row("not_processed_complaint", r"信访|举报投诉"),
    _row("not_processed_repeat", r"重复申请"),
    _row("not_processed_publication", r"出版物"),
    _row("not_processed_mass", r"大量反复|反复申请"),
    _row("not_processed_confirm", r"重新出具|要求行政机关确认"),
    _row("other_overdue_correction", r"不补正"),
    _row("other_overdue_fee", r"收费通知|缴纳费用"),
    _row("other_reasons", r"(?:^|[0-9一二三四五六七八九十])其他$"),
    _row("other_handling", r"其他处理"),
    _row("total_processed", r"七(?:总|合)计|^(?:总|合)计$"),
    _row("carried_forward", r"结转下年|转下年度"),
)

# The outcome rows that add up to 三(七) 总计 (the 其他处理 rows are chosen per template).
OUTCOME_ROWS = tuple(
    row.key
    for row in APPLICATION_ROWS
    if row.key.startswith(("granted", "partially", "denied", "unable", "not_processed"))
)
OTHER_2021_ROWS = ("other_overdue_correction", "other_overdue_fee", "other_reasons")

ACTIVE_ROWS = {
    "2019": (
        (_row("regulations", r"规章"), ("made", "published", "total_published")),
        (_row("normative_documents", r"规范性文件"), ("made", "published", "total_published")),
        (_row("licensing", r"行政许可"), ("previous_year", "change", "decisions")),
        (_row("other_services", r"对外管理服务"), ("previous_year", "change", "decisions")),
        (_row("punishment", r"行政处罚"), ("previous_year", "change", "decisions")),
        (_row("coercion", r"行政强制"), ("previous_year", "change", "decisions")),
        (_row("fees", r"事业性收费"), ("previous_year", "change")),
        (_row("procurement", r"集中采购"), ("projects", "amount")),
    ),
    "2021": (
        (_row("regulations", r"规章"), ("issued", "repealed", "in_force")),
        (_row("normative_documents", r"规范性文件"), ("issued", "repealed", "in_force")),
        (_row("licensing", r"行政许可"), ("decisions",)),
        (_row("punishment", r"行政处罚"), ("decisions",)),
        (_row("coercion", r"行政强制"), ("decisions",)),
        (_row("fees", r"事业性收费"), ("amount_wan_yuan",)),
    ),
}

# Column headers and row labels that only one template prints (domain.md §1.1–1.2).
TEMPLATE_SIGNATURES = {
    "2021": (
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "本年处理决定数量",
        "本年收费金额",
        "逾期不补正",
        "收费通知要求",
    ),
    "2019": (
        "本年新制作数量",
        "本年新公开数量",
        "对外公开总数量",
        "上一年项目数量",
        "本年增减",
        "采购总金额",
        "第二十条第九项",
        "对外管理服务事项",
    ),
}

_SQUEEZE = re.compile(r"[^\w]|_", re.UNICODE)


@lru_cache(maxsize=16384)
def squeeze(text: str) -> str:
    """Drop spaces and punctuation so labels compare by their words alone; 其它 reads as 其他."""
    return _SQUEEZE.sub("", text).replace("其它", "其他")
