"""How a record is laid out for people: the three tables as the template prints them, the
cells each failed identity involves, hazards and checks explained in words (Chinese first).

Presentation only: the row and column keys come from parsers.labels, the labels are the
template's printed ones (RECORD.md, domain.md §1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from parsers.labels import (
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    OTHER_2021_ROWS,
    OUTCOME_ROWS,
    REVIEW_CELLS,
    REVIEW_GROUPS,
)
from storage.columns import (
    ACTIVE_CELLS,
    APPLICANTS,
    APPLICATION_ROWS,
)
from storage.columns import REVIEW_CELLS as REVIEW_CELL_NAMES
from storage.columns import REVIEW_GROUPS as REVIEW_GROUP_LABELS

# Labels as the templates print them, from the codebook (storage.columns).
APPLICANT_LABELS = {key: label for key, label, _ in APPLICANTS}
APPLICATION_LABELS = {key: label for key, label, _ in APPLICATION_ROWS}
ACTIVE_LABELS: dict[str, str] = {}
ACTIVE_CELL_LABELS: dict[str, str] = {}
for _row, _row_label, _cell, _header, *_ in ACTIVE_CELLS:
    ACTIVE_LABELS.setdefault(_row, _row_label)
    ACTIVE_CELL_LABELS.setdefault(_cell, _header)
REVIEW_LABELS = {key: label for key, label, _ in REVIEW_GROUP_LABELS}
REVIEW_CELL_LABELS = {key: label for key, label, _ in REVIEW_CELL_NAMES}
TABLE_TITLES = {
    "active_disclosure": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
}
HAZARD_WORDS = {
    "spam-hijack": "网页被博彩等垃圾内容劫持：发布机关处的名称已删除，发布机关记为空。"
    " The page is an SEO-spam copy; the hijacked name was removed.",
    "traditional-script": "原文为繁体字，记录中已转换为简体。 The source is in traditional script.",
    "pinyin-annotations": "原文字后带拼音注音，记录中已删除。 Pinyin glosses were removed.",
    "mojibake": "原文有乱码，已修复。 Garbled characters were repaired.",
    "mislabeled-heading": "某节标题与内容不符。 A section heading does not match its content.",
    "totals-dont-add-up": "至少一个统计等式不成立（见下方标出的单元格）。"
    " At least one accounting identity fails (cells marked below).",
    "boilerplate": "已删除网站导航等页面框架文字。 Site navigation and chrome were removed.",
    "needs-ocr": "原件为扫描件，表格无法读取，未做 OCR。 A scan: the tables could not be read.",
    "not-a-report": "这是关于年度报告的通知等，并非年度报告本身。 About reports, not a report.",
    "cells-run-together": "表格数字粘连，只保留唯一可解读的数值，其余为空。"
    " Digits of adjacent cells touch; ambiguous rows are left empty.",
}
CHECK_WORDS = {
    "applications.flow": "一(本年新收) + 二(上年结转) 应等于 三(七)总计 + 四(结转下年)",
    "applications.results": "三(七)总计 应等于 三(一)至三(六) 各项之和",
    "applications.row_total": "“总计”列 应等于 六类申请人之和",
    "review_litigation": "总计 应等于 维持 + 纠正 + 其他 + 尚未审结",
    "carry_over": "本年“二、上年结转” 应等于 同一机关上一年报告的“四、结转下年度继续办理”",
}


@dataclass
class TableCell:
    value: Any
    key: tuple[str, str, str]
    failed: list[str] = field(default_factory=list)  # rules of failed identities using it
    # Worked out once here: a report page has ~230 cells, and a filter call per cell in the
    # template costs more than the rest of the page.
    name: str = field(init=False)  # "table.row.column"
    shown: str = field(init=False)  # the value as printed (show_value)
    html: Markup = field(init=False)  # the cell as report.html prints it

    def __post_init__(self) -> None:
        self.name = ".".join(self.key)
        self.shown = show_value(self.value)
        self.html = cell_html(self.name, self.shown, self.failed)


def cell_html(name: str, shown: str, failed: Sequence[str]) -> Markup:
    """A table cell's <td>, with the whitespace around it that report.html's loop over the
    cells printed when it wrote the cell itself (the page is byte for byte the same): ~160
    cells a page, each a handful of lookups, tests and escapes in the template (this, with
    the page's dicts given to it as objects, took ~9 % off a report page's instructions).
    Every piece of text escaped, as the template's autoescape did."""
    css = "num failed" if failed else "num"
    title = f'title="未通过：{_escape("，".join(failed))}"' if failed else ""
    return Markup(
        f'\n      <td class="{css}" data-cell="{_escape(name)}"'
        f"\n          {title}>{_escape(shown)}</td>\n    "
    )


# What markupsafe.escape replaces: a text without any of these is its own escape.
_HTML_SPECIAL = re.compile("[&<>'\"]")


def _escape(text: str) -> str:
    """markupsafe.escape(text) for a str: the cells' names and numbers hardly ever need it,
    and looking is cheaper than escaping (~0.4 against ~1.1 µs, two a cell)."""
    return escape(text) if _HTML_SPECIAL.search(text) else text


@dataclass
class TableRow:
    key: str
    label: str
    cells: list[TableCell]
    cells_html: Markup = field(init=False)  # the row's cells as report.html prints them

    def __post_init__(self) -> None:
        self.cells_html = Markup("".join(cell.html for cell in self.cells))


@dataclass
class TableView:
    name: str
    title: str
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[TableRow]


def cells_of_rule(rule: str, record: dict[str, Any]) -> set[tuple[str, str, str]]:
    """The (table, row, column) cells an identity reads, for highlighting a failed one."""
    family, _, arg = rule.rpartition(".")
    apps = record.get("applications") or {}
    if family == "applications.flow":
        rows = ("new_received", "carried_over", "total_processed", "carried_forward")
        return {("applications", r, arg) for r in rows}
    if family == "applications.results":
        others = ("other_handling",) if "other_handling" in apps else OTHER_2021_ROWS
        rows = ("total_processed", *OUTCOME_ROWS, *others)
        return {("applications", r, arg) for r in rows}
    if family == "applications.row_total":
        return {("applications", arg, c) for c in APPLICANT_COLUMNS}
    if family == "review_litigation":
        return {("review_litigation", arg, c) for c in REVIEW_CELLS}
    if family == "carry_over":
        return {("applications", "carried_over", arg)}
    return set()


def explain_check(rule: str) -> str:
    family = rule.rpartition(".")[0]
    return CHECK_WORDS.get(family, rule)


def table_views(record: dict[str, Any], checks: list[dict[str, Any]]) -> list[TableView]:
    """The record's three tables laid out as the template prints them, failed cells marked."""
    failed: dict[tuple[str, str, str], list[str]] = {}
    for check in checks:
        if check.get("status") == "fail":
            for key in cells_of_rule(str(check.get("rule")), record):
                failed.setdefault(key, []).append(str(check.get("rule")))
    views = []
    active = record.get("active_disclosure")
    if isinstance(active, dict) and active:
        views.append(_active_view(active, record.get("template"), failed))
    apps = record.get("applications")
    if isinstance(apps, dict) and apps:
        # The printed order (parsers.labels lists rows in label-matching order instead).
        order = list(APPLICATION_LABELS)
        views.append(
            _grid(
                "applications",
                apps,
                order,
                APPLICATION_LABELS,
                [(c, APPLICANT_LABELS[c]) for c in APPLICANT_COLUMNS],
                failed,
            )
        )
    review = record.get("review_litigation")
    if isinstance(review, dict) and review:
        views.append(
            _grid(
                "review_litigation",
                review,
                list(REVIEW_GROUPS),
                REVIEW_LABELS,
                [(c, REVIEW_CELL_LABELS[c]) for c in REVIEW_CELLS],
                failed,
            )
        )
    return views


def _grid(
    name: str,
    table: dict[str, Any],
    order: list[str],
    labels: dict[str, str],
    columns: list[tuple[str, str]],
    failed: dict[tuple[str, str, str], list[str]],
) -> TableView:
    rows = []
    for row in [r for r in order if r in table] + [r for r in table if r not in order]:
        values = table.get(row) or {}
        cells = [
            TableCell(values.get(col), (name, row, col), failed.get((name, row, col), []))
            for col, _ in columns
        ]
        rows.append(TableRow(row, labels.get(row, row), cells))
    return TableView(name, TABLE_TITLES[name], columns, rows)


def _active_view(
    active: dict[str, Any], template: Any, failed: dict[tuple[str, str, str], list[str]]
) -> TableView:
    # Table 二's rows hold different cells; one column per distinct cell in template order.
    spec = ACTIVE_ROWS.get(str(template)) or ACTIVE_ROWS["2019"]
    columns: list[str] = []
    for _, cells in spec:
        columns.extend(c for c in cells if c not in columns)
    for cells in active.values():
        if isinstance(cells, dict):
            columns.extend(c for c in cells if c not in columns)
    order = [row.key for row, _ in spec]
    return _grid(
        "active_disclosure",
        active,
        order,
        ACTIVE_LABELS,
        [(c, ACTIVE_CELL_LABELS.get(c, c)) for c in columns],
        failed,
    )


def show_value(value: Any) -> str:
    """A cell as printed: money shows its printed text, blank is an empty string."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("raw") or value.get("yuan") or "")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- the region page's key series -------------------------------------------------------

DENIED_ROWS = tuple(r for r in OUTCOME_ROWS if r.startswith("denied_"))
SERIES = (
    ("received", "收到申请 Received", ("applications.new_received.total",)),
    ("refused", "不予公开 Refused", tuple(f"applications.{r}.total" for r in DENIED_ROWS)),
    ("reviews", "行政复议 Reviews", ("review_litigation.review.total",)),
    (
        "lawsuits",
        "行政诉讼 Lawsuits",
        (
            "review_litigation.litigation_direct.total",
            "review_litigation.litigation_after_review.total",
        ),
    ),
)


@dataclass
class SeriesRow:
    year: int
    doc_id: str
    values: dict[str, int | float | None]


def key_series(panel_rows: list[Any]) -> list[SeriesRow]:
    """Per year: the key series from the panel's cells; a sum is null if any part is null
    (a number the report does not show is never made up)."""
    out = []
    for row in panel_rows:
        values: dict[str, int | float | None] = {}
        for key, _, parts in SERIES:
            nums = [row.cells.get(p) for p in parts]
            values[key] = None if any(n is None for n in nums) else sum(nums)  # type: ignore[misc]
        out.append(SeriesRow(row.report_year, row.doc_id, values))
    return out


def citation(summary: Any, source: dict[str, Any]) -> str:
    """One line to cite a report by: issuer, title, year, doc_id, URL and capture time."""
    parts = [
        summary.issuer or summary.region_name or "",
        f"《{summary.title}》" if summary.title else "",
        f"{summary.report_year}年度" if summary.report_year else "",
        f"gov-reports doc_id {summary.doc_id}",
        source.get("final_url") or source.get("url") or "",
        f"captured {source['fetched_at']}" if source.get("fetched_at") else "",
    ]
    return ". ".join(p for p in parts if p) + "."


def highlight(snippet: str, matches: Sequence[Sequence[int]] = ()) -> Markup:
    """A search snippet with its matches (their [start, end) offsets, inside the 【】 the
    snippet puts around each) as <mark>, those marks dropped; every piece of text escaped,
    and any 【】 of the text itself kept as text."""
    out, at = [], 0
    for start, end in matches:
        out += [str(escape(snippet[at : start - 1])), f"<mark>{escape(snippet[start:end])}</mark>"]
        at = end + 1
    out.append(str(escape(snippet[at:])))
    return Markup("".join(out))
