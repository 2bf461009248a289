"""The accounting checks against the way they were computed before (rule names built per
report, each check reading its cells one by one): same checks, same order, same details, on
random tables with counts, floats, booleans, text and missing cells."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.checks import Table, _check, application_checks, review_checks
from parsers.labels import (
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    OTHER_2021_ROWS,
    OUTCOME_ROWS,
    REVIEW_CELLS,
    REVIEW_GROUPS,
)

# ----- the reference: the checks before ---------------------------------------------------------


def reference_cells(table: Table) -> Callable[[tuple[str, str]], int | float | None]:
    """(row, column) → the number there, None when missing or not a number. One dict built per
    table: a check then reads each cell with a lookup in C, not a Python call."""
    numbers = {
        (row, column): value
        for row, columns in table.items()
        for column, value in columns.items()
        if isinstance(value, (int, float))
    }
    return numbers.get


def reference_application_checks(apps: Table) -> list[dict[str, str]]:
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


def reference_review_checks(review: Table) -> list[dict[str, str]]:
    cell = reference_cells(review)
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


# ----- the comparison -----------------------------------------------------------------------------

ODD_VALUES = st.one_of(
    st.none(),
    st.floats(0, 30, allow_nan=False).map(lambda f: round(f, 1)),
    st.booleans(),
    st.just("3"),
    st.just(-0.0),
)
ROW_KEYS = [row.key for row in APPLICATION_ROWS] + ["unheard_of"]


@st.composite
def tables(draw: st.DrawFn, keys: list[str], columns: tuple[str, ...]) -> Table:
    """A table of counts with a few rows or cells dropped and a few odd values put in."""
    kept = draw(st.lists(st.sampled_from(keys), unique=True, min_size=len(keys) - 3))
    table = {key: {c: draw(st.integers(0, 9)) for c in columns} for key in kept}
    for _ in range(draw(st.integers(0, 4))):
        if table:
            row = table[draw(st.sampled_from(sorted(table)))]
            column = draw(st.sampled_from([*columns, "extra"]))
            if draw(st.booleans()):
                row.pop(column, None)
            else:
                row[column] = draw(ODD_VALUES)
    return table


@settings(max_examples=300, deadline=timedelta(seconds=10), database=None)
@given(apps=tables(ROW_KEYS, APPLICANT_COLUMNS), review=tables(list(REVIEW_GROUPS), REVIEW_CELLS))
def test_checks_as_before(apps: Table, review: Table) -> None:
    assert application_checks(apps) == reference_application_checks(apps)
    assert review_checks(review) == reference_review_checks(review)
