"""Cells run together: a table flattened without separators prints a row as
"本年新收政府信息公开申请数量640020470" (64, 0, 0, 2, 0, 4, 70).

The digits are cut into the template's cells every possible way (a number has no leading zero
unless it is 0), and a reading is kept only when the template's identities leave exactly one:
a row's total is the sum of its six applicant columns, the flow (一 + 二 = 三(七) + 四) and the
results (三(七) = the sum of the outcome rows) hold per column, a table 四 group's total is the
sum of its four results. Where more than one reading remains, or none, the cells are null.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import product

from parsers.labels import APPLICANT_COLUMNS, OTHER_2021_ROWS, OUTCOME_ROWS

Cells = tuple[int, ...]
# Past these sizes the readings are too many to tell apart: the cells stay null.
_MAX_DIGITS_PER_CELL = 4
_MAX_COMBINATIONS = 20_000


class Run(str):
    """A digit run standing for several cells of one row (a str, so readers that do not know
    about runs see one value, as before)."""


def splits(digits: str, n: int) -> Iterator[Cells]:
    """Every way to cut `digits` into `n` numbers without leading zeros."""
    if n == 1:
        if digits and (digits == "0" or digits[0] != "0"):
            yield (int(digits),)
        return
    if digits[:1] == "0":
        heads: Sequence[str] = ("0",)  # a cell starting with 0 is the cell 0
    else:
        heads = [digits[:k] for k in range(1, len(digits) - n + 2)]
    for head in heads:
        for rest in splits(digits[len(head) :], n - 1):
            yield (int(head), *rest)


def readings(digits: str, n: int, holds: Callable[[Cells], bool] | None = None) -> list[Cells]:
    """The cuts of `digits` into `n` cells that satisfy `holds` (all cuts when None)."""
    if not digits.isdigit() or len(digits) < n or len(digits) > n * _MAX_DIGITS_PER_CELL:
        return []
    return [cut for cut in splits(digits, n) if holds is None or holds(cut)]


def _row_total_holds(cut: Cells) -> bool:
    return sum(cut[:-1]) == cut[-1]


def _groups_hold(cut: Cells) -> bool:
    return all(sum(cut[i : i + 4]) == cut[i + 4] for i in range(0, len(cut), 5))


def review_readings(digits: str) -> list[Cells]:
    """Table 四 as one run of 15 cells: three groups whose total is the sum of their four."""
    if not digits.isdigit() or len(digits) < 15:
        return []
    found: list[Cells] = []
    for first in range(5, len(digits) - 9):
        for group in readings(digits[:first], 5, _groups_hold):
            for second in range(first + 5, len(digits) - 4):
                for middle in readings(digits[first:second], 5, _groups_hold):
                    for last in readings(digits[second:], 5, _groups_hold):
                        found.append(group + middle + last)
    return found


Table = dict[str, list[int | None]]


def resolve_applications(rows: Mapping[str, Sequence[object]]) -> tuple[Table, bool]:
    """Table 三 rows (seven cells each; a Run in the first cell stands for the row) → numbers.

    Returns the rows as integers (None where unknown) and whether any row was run together.
    """
    width = len(APPLICANT_COLUMNS)
    fixed: Table = {}
    options: dict[str, list[Cells]] = {}
    for key, cells in rows.items():
        if isinstance(cells[0], Run):
            options[key] = readings(str(cells[0]), width, _row_total_holds)
        else:
            fixed[key] = [_int(c) for c in cells]
    if not options:
        return fixed, False
    ambiguous = [key for key, cuts in options.items() if len(cuts) > 1]
    combos = 1
    for key in ambiguous:
        combos *= len(options[key])
    if combos > _MAX_COMBINATIONS:
        ambiguous, options = [], {k: (v if len(v) == 1 else []) for k, v in options.items()}
    chosen: dict[str, set[Cells]] = {key: set() for key in ambiguous}
    settled = {key: cuts[0] for key, cuts in options.items() if len(cuts) == 1}
    for combo in product(*(options[key] for key in ambiguous)):
        trial: Table = {**fixed, **{k: list(v) for k, v in settled.items()}}
        trial |= {key: list(cut) for key, cut in zip(ambiguous, combo, strict=True)}
        if _identities_hold(trial):
            for key, cut in zip(ambiguous, combo, strict=True):
                chosen[key].add(cut)
    result = dict(fixed)
    for key in options:
        if key in settled:
            result[key] = list(settled[key])
        elif len(chosen.get(key, ())) == 1:
            result[key] = list(next(iter(chosen[key])))
        else:
            result[key] = [None] * width
    return result, True


def _identities_hold(table: Table) -> bool:
    """The flow and results identities, per column, wherever all their cells are known."""
    others = ("other_handling",) if "other_handling" in table else OTHER_2021_ROWS
    outcome = [*OUTCOME_ROWS, *others]
    for col in range(len(APPLICANT_COLUMNS)):
        flow = [_cell(table, r, col) for r in ("new_received", "carried_over")]
        out = [_cell(table, r, col) for r in ("total_processed", "carried_forward")]
        if None not in flow + out and sum(flow) != sum(out):  # type: ignore[arg-type]
            return False
        total = _cell(table, "total_processed", col)
        parts = [_cell(table, r, col) for r in outcome]
        if total is not None and None not in parts and sum(parts) != total:  # type: ignore[arg-type]
            return False
    return True


def _cell(table: Table, row: str, col: int) -> int | None:
    cells = table.get(row)
    return cells[col] if cells is not None else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def unique_reading(digits: str, n: int) -> Cells | None:
    """A row without identities (table 二): kept only when the digits allow one cut alone."""
    found = readings(digits, n)
    return found[0] if len(found) == 1 else None
