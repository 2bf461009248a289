"""The accounting identities of tables 三 and 四 (RECORD.md `checks`, domain.md §1.4).

A check reads numbers; it never changes one. Missing cells make a check `skipped`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

from parsers.labels import APPLICANT_COLUMNS, OTHER_2021_ROWS, OUTCOME_ROWS, REVIEW_GROUPS

Table = Mapping[str, Mapping[str, int | float | None]]


Cell = Callable[[tuple[str, str]], int | float | None]


def _cells(table: Table) -> Cell:
    """(row, column) → the number there, None when missing or not a number. One dict built per
    table: a check then reads each cell with a lookup in C, not a Python call."""
    numbers = {
        (row, column): value
        for row, columns in table.items()
        for column, value in columns.items()
        if isinstance(value, (int, float))
    }
    return numbers.get


def _check(
    rule: str,
    left: list[int | float | None],
    right: list[int | float | None],
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


def application_checks(apps: Table) -> list[dict[str, str]]:
    # Each row's numbers in column order (None where missing or not a number), read once: the
    # checks then index lists instead of looking up each (row, column) again.
    rows = {
        row: [v if isinstance(v, (int, float)) else None for v in map(cells.get, APPLICANT_COLUMNS)]
        for row, cells in apps.items()
    }
    blank = [None] * len(APPLICANT_COLUMNS)
    other_rows = ("other_handling",) if "other_handling" in apps else OTHER_2021_ROWS
    outcomes = [rows.get(row, blank) for row in (*OUTCOME_ROWS, *other_rows)]
    new, carried, processed, forward = (
        rows.get(row, blank)
        for row in ("new_received", "carried_over", "total_processed", "carried_forward")
    )
    checks = []
    for i, column in enumerate(APPLICANT_COLUMNS):
        checks.append(
            _check(
                f"applications.flow.{column}",
                [new[i], carried[i]],
                [processed[i], forward[i]],
                "一+二",
                "三(七)+四",
            )
        )
        checks.append(
            _check(
                f"applications.results.{column}",
                [processed[i]],
                [outcome[i] for outcome in outcomes],
                "三(七)",
                "三(一)…三(六)",
            )
        )
    for row, numbers in rows.items():  # the last column is the total
        checks.append(
            _check(
                f"applications.row_total.{row}",
                numbers[-1:],
                numbers[:-1],
                "总计",
                "six columns",
            )
        )
    return checks


def review_checks(review: Table) -> list[dict[str, str]]:
    cell = _cells(review)
    return [
        _check(
            f"review_litigation.{group}",
            [cell((group, "total"))],
            [cell((group, name)) for name in ("upheld", "corrected", "other", "pending")],
            "总计",
            "维持+纠正+其他+未审结",
        )
        for group in REVIEW_GROUPS
        if group in review
    ]
