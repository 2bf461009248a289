"""Canonical labels of the report templates (domain.md §1, the official 2021 Word template).

Keys are the RECORD.md keys; labels are printed exactly as the templates issue them. The
simulator keeps its own copy rather than importing the parser's row patterns on purpose: the
answer key must not share a mistake with the code it grades.
"""

from __future__ import annotations

SECTION_HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)

APP_COLUMNS = (
    "natural_person",
    "commercial",
    "research",
    "social_welfare",
    "legal_services",
    "other_org",
    "total",
)
APPLICANT_COLUMNS = APP_COLUMNS[:-1]
ORG_COLUMN_LABELS = ("商业\n企业", "科研\n机构", "社会公益组织", "法律服务机构", "其他")
FLOW_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

# (key, group label or None, row label). Groups are the rowspan labels under 三、本年度办理结果.
_OUTCOMES_HEAD = (
    ("granted", None, "（一）予以公开"),
    ("partially_granted", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("denied_prohibited_by_law", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("denied_security_stability", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("denied_third_party", "（三）不予公开", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "（三）不予公开", "5.属于三类内部事务信息"),
    ("denied_process_info", "（三）不予公开", "6.属于四类过程性信息"),
    ("denied_enforcement_file", "（三）不予公开", "7.属于行政执法案卷"),
    ("denied_admin_query", "（三）不予公开", "8.属于行政查询事项"),
    ("unable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unable_needs_creation", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unable_unclear", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("not_processed_complaint", "（五）不予处理", "1.信访举报投诉类申请"),
    ("not_processed_repeat", "（五）不予处理", "2.重复申请"),
    ("not_processed_publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("not_processed_mass", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("not_processed_confirm", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
)
_OTHER_2019 = (("other_handling", None, "（六）其他处理"),)
_OTHER_2021 = (
    (
        "other_overdue_correction",
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        "other_overdue_fee",
        "（六）其他处理",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other_reasons", "（六）其他处理", "3.其他"),
)
OUTCOME_ROWS = {"2019": _OUTCOMES_HEAD + _OTHER_2019, "2021": _OUTCOMES_HEAD + _OTHER_2021}
NEW_RECEIVED = ("new_received", "一、本年新收政府信息公开申请数量")
CARRIED_OVER = ("carried_over", "二、上年结转政府信息公开申请数量")
RESULTS_GROUP = "三、本年度办理结果"
TOTAL_PROCESSED = ("total_processed", "（七）总计")
CARRIED_FORWARD = ("carried_forward", "四、结转下年度继续办理")

REVIEW_GROUPS = ("review", "litigation_direct", "litigation_after_review")
REVIEW_CELLS = ("upheld", "corrected", "other", "pending", "total")
REVIEW_CELL_LABELS = ("结果维持", "结果\n纠正", "其他\n结果", "尚未\n审结", "总计")

# Table 二: (block header, column headers, [(row key, row label, cell keys)]).
ACTIVE_2019 = (
    (
        "第二十条第（一）项",
        ("本年新制作数量", "本年新公开数量", "对外公开总数量"),
        (
            ("regulations", "规章", ("made", "published", "total_published")),
            ("normative_documents", "规范性文件", ("made", "published", "total_published")),
        ),
    ),
    (
        "第二十条第（五）项",
        ("上一年项目数量", "本年增/减", "处理决定数量"),
        (
            ("licensing", "行政许可", ("previous_year", "change", "decisions")),
            ("other_services", "其他对外管理服务事项", ("previous_year", "change", "decisions")),
        ),
    ),
    (
        "第二十条第（六）项",
        ("上一年项目数量", "本年增/减", "处理决定数量"),
        (
            ("punishment", "行政处罚", ("previous_year", "change", "decisions")),
            ("coercion", "行政强制", ("previous_year", "change", "decisions")),
        ),
    ),
    (
        "第二十条第（八）项",
        ("上一年项目数量", "本年增/减"),
        (("fees", "行政事业性收费", ("previous_year", "change")),),
    ),
    (
        "第二十条第（九）项",
        ("采购项目数量", "采购总金额"),
        (("procurement", "政府集中采购", ("projects", "amount")),),
    ),
)
ACTIVE_2021 = (
    (
        "第二十条第（一）项",
        ("本年制发件数", "本年废止件数", "现行有效件数"),
        (
            ("regulations", "规章", ("issued", "repealed", "in_force")),
            ("normative_documents", "行政规范性文件", ("issued", "repealed", "in_force")),
        ),
    ),
    (
        "第二十条第（五）项",
        ("本年处理决定数量",),
        (("licensing", "行政许可", ("decisions",)),),
    ),
    (
        "第二十条第（六）项",
        ("本年处理决定数量",),
        (
            ("punishment", "行政处罚", ("decisions",)),
            ("coercion", "行政强制", ("decisions",)),
        ),
    ),
    (
        "第二十条第（八）项",
        ("本年收费金额（单位：万元）",),
        (("fees", "行政事业性收费", ("amount_wan_yuan",)),),
    ),
)
ACTIVE = {"2019": ACTIVE_2019, "2021": ACTIVE_2021}
