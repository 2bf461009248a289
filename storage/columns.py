"""The stable names of every table cell as a column (`applications.new_received.total` …) and
the data dictionary (codebook) that explains them: the template's Chinese label as printed, the
meaning in English, the unit. CSV, Parquet, the panel and the API all use these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class CellColumn:
    name: str  # table.row.column
    table: str
    row: str
    column: str
    label: str  # as printed in the template (row label · column header)
    meaning: str
    unit: str
    kind: str = "int"  # int | float | text


APPLICANTS = (
    ("natural_person", "自然人", "natural persons"),
    ("commercial", "法人或其他组织·商业企业", "commercial enterprises"),
    ("research", "法人或其他组织·科研机构", "research institutions"),
    ("social_welfare", "法人或其他组织·社会公益组织", "social-welfare organizations"),
    ("legal_services", "法人或其他组织·法律服务机构", "legal-service organizations"),
    ("other_org", "法人或其他组织·其他", "other organizations"),
    ("total", "总计", "all applicants"),
)

APPLICATION_ROWS = (
    ("new_received", "一、本年新收政府信息公开申请数量", "requests received this year"),
    ("carried_over", "二、上年结转政府信息公开申请数量", "requests carried over from last year"),
    ("granted", "三、本年度办理结果·（一）予以公开", "granted in full"),
    ("partially_granted", "三、本年度办理结果·（二）部分公开", "granted in part"),
    ("denied_state_secret", "（三）不予公开·1.属于国家秘密", "refused: state secret"),
    (
        "denied_prohibited_by_law",
        "（三）不予公开·2.其他法律行政法规禁止公开",
        "refused: prohibited by other laws",
    ),
    (
        "denied_security_stability",
        "（三）不予公开·3.危及“三安全一稳定”",
        "refused: endangers security or stability",
    ),
    ("denied_third_party", "（三）不予公开·4.保护第三方合法权益", "refused: third-party rights"),
    (
        "denied_internal_affairs",
        "（三）不予公开·5.属于三类内部事务信息",
        "refused: internal affairs",
    ),
    ("denied_process_info", "（三）不予公开·6.属于四类过程性信息", "refused: process information"),
    ("denied_enforcement_file", "（三）不予公开·7.属于行政执法案卷", "refused: enforcement file"),
    ("denied_admin_query", "（三）不予公开·8.属于行政查询事项", "refused: administrative query"),
    ("unable_not_held", "（四）无法提供·1.本机关不掌握相关政府信息", "unable: not held"),
    (
        "unable_needs_creation",
        "（四）无法提供·2.没有现成信息需要另行制作",
        "unable: would need to be created",
    ),
    ("unable_unclear", "（四）无法提供·3.补正后申请内容仍不明确", "unable: still unclear"),
    ("not_processed_complaint", "（五）不予处理·1.信访举报投诉类申请", "not processed: complaint"),
    ("not_processed_repeat", "（五）不予处理·2.重复申请", "not processed: repeated request"),
    (
        "not_processed_publication",
        "（五）不予处理·3.要求提供公开出版物",
        "not processed: asks for a publication",
    ),
    (
        "not_processed_mass",
        "（五）不予处理·4.无正当理由大量反复申请",
        "not processed: mass repeated requests",
    ),
    (
        "not_processed_confirm",
        "（五）不予处理·5.要求行政机关确认或重新出具已获取信息",
        "not processed: asks to confirm or reissue",
    ),
    ("other_handling", "（六）其他处理", "other handling (2019 template)"),
    (
        "other_overdue_correction",
        "（六）其他处理·1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other: applicant did not correct in time (2021 template)",
    ),
    (
        "other_overdue_fee",
        "（六）其他处理·2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other: fee not paid in time (2021 template)",
    ),
    ("other_reasons", "（六）其他处理·3.其他", "other: other reasons (2021 template)"),
    ("total_processed", "三、本年度办理结果·（七）总计", "requests processed this year"),
    ("carried_forward", "四、结转下年度继续办理", "carried forward to next year"),
)

REVIEW_GROUPS = (
    ("review", "行政复议", "administrative reconsideration"),
    ("litigation_direct", "行政诉讼·未经复议直接起诉", "lawsuits without prior reconsideration"),
    ("litigation_after_review", "行政诉讼·复议后起诉", "lawsuits after reconsideration"),
)
REVIEW_CELLS = (
    ("upheld", "结果维持", "decision upheld"),
    ("corrected", "结果纠正", "decision corrected"),
    ("other", "其他结果", "other result"),
    ("pending", "尚未审结", "not yet concluded"),
    ("total", "总计", "total"),
)

# (row, row label, cell, cell header, meaning, unit, kind); 2019 and 2021 cells together.
ACTIVE_CELLS = (
    ("regulations", "规章", "made", "本年新制作数量", "regulations made (2019)", "件", "int"),
    ("regulations", "规章", "published", "本年新公开数量", "regulations published (2019)", "件", "int"),
    ("regulations", "规章", "total_published", "对外公开总数量", "regulations public in total (2019)", "件", "int"),
    ("regulations", "规章", "issued", "本年制发件数", "regulations issued (2021)", "件", "int"),
    ("regulations", "规章", "repealed", "本年废止件数", "regulations repealed (2021)", "件", "int"),
    ("regulations", "规章", "in_force", "现行有效件数", "regulations in force (2021)", "件", "int"),
    ("normative_documents", "规范性文件", "made", "本年新制作数量", "normative documents made (2019)", "件", "int"),
    ("normative_documents", "规范性文件", "published", "本年新公开数量", "normative documents published (2019)", "件", "int"),
    ("normative_documents", "规范性文件", "total_published", "对外公开总数量", "normative documents public in total (2019)", "件", "int"),
    ("normative_documents", "行政规范性文件", "issued", "本年制发件数", "normative documents issued (2021)", "件", "int"),
    ("normative_documents", "行政规范性文件", "repealed", "本年废止件数", "normative documents repealed (2021)", "件", "int"),
    ("normative_documents", "行政规范性文件", "in_force", "现行有效件数", "normative documents in force (2021)", "件", "int"),
    ("licensing", "行政许可", "previous_year", "上一年项目数量", "licensing items last year (2019)", "项", "int"),
    ("licensing", "行政许可", "change", "本年增/减", "change in licensing items (2019)", "项", "int"),
    ("licensing", "行政许可", "decisions", "处理决定数量", "licensing decisions", "件", "int"),
    ("other_services", "其他对外管理服务事项", "previous_year", "上一年项目数量", "other service items last year (2019)", "项", "int"),
    ("other_services", "其他对外管理服务事项", "change", "本年增/减", "change in other service items (2019)", "项", "int"),
    ("other_services", "其他对外管理服务事项", "decisions", "处理决定数量", "other service decisions (2019)", "件", "int"),
    ("punishment", "行政处罚", "previous_year", "上一年项目数量", "punishment items last year (2019)", "项", "int"),
    ("punishment", "行政处罚", "change", "本年增/减", "change in punishment items (2019)", "项", "int"),
    ("punishment", "行政处罚", "decisions", "处理决定数量", "punishment decisions", "件", "int"),
    ("coercion", "行政强制", "previous_year", "上一年项目数量", "coercion items last year (2019)", "项", "int"),
    ("coercion", "行政强制", "change", "本年增/减", "change in coercion items (2019)", "项", "int"),
    ("coercion", "行政强制", "decisions", "处理决定数量", "coercion decisions", "件", "int"),
    ("fees", "行政事业性收费", "previous_year", "上一年项目数量", "fee items last year (2019)", "项", "int"),
    ("fees", "行政事业性收费", "change", "本年增/减", "change in fee items (2019)", "项", "int"),
    ("fees", "行政事业性收费", "amount_wan_yuan", "本年收费金额（单位：万元）", "fees collected (2021)", "万元", "float"),
    ("procurement", "政府集中采购", "projects", "采购项目数量", "central procurement projects (2019)", "个", "int"),
    ("procurement", "政府集中采购", "amount", "采购总金额", "central procurement amount in yuan (2019)", "元", "float"),
)  # fmt: skip


@cache
def cell_columns() -> tuple[CellColumn, ...]:
    """Every cell column, in table order (applications, review_litigation, active_disclosure)."""
    cols: list[CellColumn] = []
    for row, row_label, row_meaning in APPLICATION_ROWS:
        for col, col_label, col_meaning in APPLICANTS:
            cols.append(
                CellColumn(
                    f"applications.{row}.{col}",
                    "applications",
                    row,
                    col,
                    f"{row_label}·{col_label}",
                    f"{row_meaning}, {col_meaning}",
                    "件",
                )
            )
    for group, group_label, group_meaning in REVIEW_GROUPS:
        for cell, cell_label, cell_meaning in REVIEW_CELLS:
            cols.append(
                CellColumn(
                    f"review_litigation.{group}.{cell}",
                    "review_litigation",
                    group,
                    cell,
                    f"{group_label}·{cell_label}",
                    f"{group_meaning}: {cell_meaning}",
                    "件",
                )
            )
    for row, row_label, cell, header, meaning, unit, kind in ACTIVE_CELLS:
        cols.append(
            CellColumn(
                f"active_disclosure.{row}.{cell}",
                "active_disclosure",
                row,
                cell,
                f"{row_label}·{header}",
                meaning,
                unit,
                kind,
            )
        )
        if cell == "amount":
            cols.append(
                CellColumn(
                    f"active_disclosure.{row}.{cell}_raw",
                    "active_disclosure",
                    row,
                    f"{cell}_raw",
                    f"{row_label}·{header}（原文）",
                    "procurement amount as printed",
                    "",
                    "text",
                )
            )
    return tuple(cols)


@cache
def column_index() -> dict[tuple[str, str, str], CellColumn]:
    """(table, row, column) → its column; money's printed text is under column `<col>_raw`."""
    return {(c.table, c.row, c.column): c for c in cell_columns()}
