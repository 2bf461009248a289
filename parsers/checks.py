"""The accounting identities of tables 三 and 四 (RECORD.md `checks`, domain.md §1.4).

A check reads numbers; it never changes one. Missing cells make a check `skipped`.
"""

from __future__ import annotations

from collections.abc import Mapping

from parsers.labels import APPLICANT_COLUMNS, OTHER_2021_ROWS, OUTCOME_ROWS, REVIEW_GROUPS

Table = Mapping[str, Mapping[str, int | float | None]]


_NO_ROW: dict[str, None] = {}


def _cell(table: Table, row: str, column: str) -> int | float | None:
    value = table.get(row, _NO_ROW).get(column)
    return value if isinstance(value, (int, float)) else None  # a tuple: faster than a union


def _check(
    rule: str,
    left: list[int | float | None],
    right: list[int | float | None],
    left_name: str,
    right_name: str,
) -> dict[str, str]:
    if any(v is None for v in left + right):
        return {"rule": rule, "status": "skipped", "detail": "cells missing"}
    lhs, rhs = sum(left), sum(right)  # type: ignore[arg-type]
    status = "pass" if abs(lhs - rhs) < 1e-9 else "fail"
    detail = f"{left_name}={lhs:g} {'=' if status == 'pass' else 'but'} {right_name}={rhs:g}"
    return {"rule": rule, "status": status, "detail": detail}


def application_checks(apps: Table) -> list[dict[str, str]]:
    checks = []
    other_rows = ("other_handling",) if "other_handling" in apps else OTHER_2021_ROWS
    outcome_rows = (*OUTCOME_ROWS, *other_rows)
    for column in APPLICANT_COLUMNS:
        checks.append(
            _check(
                f"applications.flow.{column}",
                [_cell(apps, "new_received", column), _cell(apps, "carried_over", column)],
                [_cell(apps, "total_processed", column), _cell(apps, "carried_forward", column)],
                "一+二",
                "三(七)+四",
            )
        )
        checks.append(
            _check(
                f"applications.results.{column}",
                [_cell(apps, "total_processed", column)],
                [_cell(apps, row, column) for row in outcome_rows],
                "三(七)",
                "三(一)…三(六)",
            )
        )
    for row in apps:
        checks.append(
            _check(
                f"applications.row_total.{row}",
                [_cell(apps, row, "total")],
                [_cell(apps, row, column) for column in APPLICANT_COLUMNS[:-1]],
                "总计",
                "six columns",
            )
        )
    return checks


def review_checks(review: Table) -> list[dict[str, str]]:
    return [
        _check(
            f"review_litigation.{group}",
            [_cell(review, group, "total")],
            [_cell(review, group, cell) for cell in ("upheld", "corrected", "other", "pending")],
            "总计",
            "维持+纠正+其他+未审结",
        )
        for group in REVIEW_GROUPS
        if group in review
    ]
