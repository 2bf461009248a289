"""The accounting identities of tables 三 and 四 (RECORD.md `checks`, domain.md §1.4).

A check reads numbers; it never changes one. Missing cells make a check `skipped`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from parsers.labels import (
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    OTHER_2021_ROWS,
    OUTCOME_ROWS,
    REVIEW_GROUPS,
)

Table = Mapping[str, Mapping[str, int | float | None]]


def _check(
    rule: str,
    left: Sequence[int | float | None],
    right: Sequence[int | float | None],
    left_name: str,
    right_name: str,
) -> dict[str, str]:
    if None in left or None in right:
        return {"rule": rule, "status": "skipped", "detail": "cells missing"}
    lhs, rhs = sum(left), sum(right)  # type: ignore[arg-type]
    status = "pass" if abs(lhs - rhs) < 1e-9 else "fail"
    if type(lhs) is int and type(rhs) is int:  # counts: the same sums recur, print them once
        detail = _detail(left_name, lhs, status, right_name, rhs)
    else:  # (floats: -0.0 equals 0 but prints otherwise, so no shared cache entry)
        detail = _detail.__wrapped__(left_name, lhs, status, right_name, rhs)
    return {"rule": rule, "status": status, "detail": detail}


@lru_cache(maxsize=8192)
def _detail(left_name: str, lhs: float, status: str, right_name: str, rhs: float) -> str:
    return f"{left_name}={lhs:g} {'=' if status == 'pass' else 'but'} {right_name}={rhs:g}"


# Rule names, built once (a check's rule used to be an f-string per report).
_FLOW_RULES = tuple(f"applications.flow.{column}" for column in APPLICANT_COLUMNS)
_RESULT_RULES = tuple(f"applications.results.{column}" for column in APPLICANT_COLUMNS)
_ROW_TOTAL_RULES = {row.key: f"applications.row_total.{row.key}" for row in APPLICATION_ROWS}
_REVIEW_RULES = {group: f"review_litigation.{group}" for group in REVIEW_GROUPS}
_REVIEW_ORDER = ("total", "upheld", "corrected", "other", "pending")
_NUMBER_TYPES = {int, type(None)}


def _row_numbers(cells: Mapping[str, int | float | None], order: tuple[str, ...]) -> list:  # type: ignore[type-arg]
    """A row's numbers in `order`, None where missing or not a number."""
    numbers = list(map(cells.get, order))
    if _NUMBER_TYPES.issuperset(map(type, numbers)):  # the usual case: counts and blanks
        return numbers
    return [v if isinstance(v, (int, float)) else None for v in numbers]


def application_checks(apps: Table) -> list[dict[str, str]]:
    # Each row's numbers in column order, read once: the checks then index lists, and the
    # results check reads its outcome rows a column at a time (one zip, not a loop a column).
    rows = {row: _row_numbers(cells, APPLICANT_COLUMNS) for row, cells in apps.items()}
    blank = [None] * len(APPLICANT_COLUMNS)
    other_rows = ("other_handling",) if "other_handling" in apps else OTHER_2021_ROWS
    outcome_rows = [rows.get(row, blank) for row in (*OUTCOME_ROWS, *other_rows)]
    outcomes = list(zip(*outcome_rows, strict=True))  # column i: every outcome row's cell i
    new, carried, processed, forward = (
        rows.get(row, blank)
        for row in ("new_received", "carried_over", "total_processed", "carried_forward")
    )
    checks = []
    for i in range(len(APPLICANT_COLUMNS)):
        checks.append(
            _check(
                _FLOW_RULES[i],
                [new[i], carried[i]],
                [processed[i], forward[i]],
                "一+二",
                "三(七)+四",
            )
        )
        checks.append(
            _check(_RESULT_RULES[i], [processed[i]], outcomes[i], "三(七)", "三(一)…三(六)")
        )
    for row, numbers in rows.items():  # the last column is the total
        rule = _ROW_TOTAL_RULES.get(row) or f"applications.row_total.{row}"
        checks.append(_check(rule, numbers[-1:], numbers[:-1], "总计", "six columns"))
    return checks


def review_checks(review: Table) -> list[dict[str, str]]:
    checks = []
    for group in REVIEW_GROUPS:
        if group in review:
            total, *parts = _row_numbers(review[group], _REVIEW_ORDER)
            checks.append(
                _check(_REVIEW_RULES[group], [total], parts, "总计", "维持+纠正+其他+未审结")
            )
    return checks
