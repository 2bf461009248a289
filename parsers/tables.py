"""The template-driven table reader for tables 二, 三 and 四.

A table region becomes a stream of cells: label text, values, and blanks. Where the text marks
cells with "|" (HTML tables rendered by the extractors, and most pasted layouts), cells are
exactly what lies between bars and a blank cell is a blank; otherwise cells are the
whitespace-separated tokens of a row-per-line layout. Rows are then found by label, never by
position: label text accumulates until values follow, the most recent row label in it names
the row, and the row takes the next N cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from parsers.extract._layout import join_wrapped
from parsers.labels import (
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    REVIEW_CELLS,
    REVIEW_GROUPS,
    Row,
    squeeze,
)

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_VALUE = re.compile(rf"^(?:[+\-−]|增|减)?\s*(?:{_NUMBER})\s*(?:万元|万|元|件|个|项|条)?$")
_NOT_APPLICABLE = re.compile(r"^(?:[-—–－/／\\]{1,3}|无|空|—+)$")
# A label with a number glued to its end, e.g. "3.危及“三安全一稳定”0".
_GLUED = re.compile(r"^(.*[\u4e00-\u9fff”\"’)）])(\d+)$")


class Cell(NamedTuple):
    kind: str  # "label" | "value" | "blank"
    text: str


def cells(region: str) -> list[Cell]:
    """Split a table region into cells, choosing the bar or the whitespace layout."""
    if region.count("|") >= 4:
        # A line with bars inside but none at its end is a whole row ("规章 | 0 | 0 | 0"): close
        # it. Lines without bars are the wrapped content of the cell they run into.
        lines = [
            line + " |" if "|" in line and not line.rstrip().endswith("|") else line
            for line in region.split("\n")
        ]
        joined = "\n".join(lines)
        pieces: Iterator[str] = (
            # Wrapped pieces join without a space, except between two numbers: "236" over "0"
            # are two cells, never 2360.
            (join_wrapped(p.split("\n")) if "\n" in p else p).strip()
            for p in joined.split("|")
        )
        bars = True
    else:
        pieces = iter(region.split())
        bars = False
    out: list[Cell] = []
    for piece in pieces:
        if not piece:
            if bars:
                out.append(Cell("blank", ""))
            continue
        if bars and " " in piece and all(_VALUE.match(t) for t in piece.split()):
            out.extend(Cell("value", t) for t in piece.split())  # "0 0 0" inside one cell
            continue
        out.extend(_classify(piece))
    return out


def _classify(piece: str) -> list[Cell]:
    if piece.isdigit() or _VALUE.match(piece):
        return [Cell("value", piece)]
    if _NOT_APPLICABLE.match(piece):
        return [Cell("blank", piece)]
    glued = _GLUED.match(piece)
    if glued and not glued.group(1).endswith(("增", "减")):
        return [Cell("label", glued.group(1)), Cell("value", glued.group(2))]
    return [Cell("label", piece)]


_BEST_ROW_CACHE: dict[tuple[str, int], Row | None] = {}
_ROW_SETS_SEEN: dict[int, Sequence[Row]] = {}


def _best_row(label: str, rows: Sequence[Row]) -> Row | None:
    """The row whose pattern occurs latest in the accumulated label text (longest on ties).

    Template labels repeat across reports, so answers are cached per label and row set.
    """
    key = (label, id(rows))
    _ROW_SETS_SEEN.setdefault(id(rows), rows)  # keeps the row set alive, so its id stays its own
    if key not in _BEST_ROW_CACHE:
        if len(_BEST_ROW_CACHE) > 50_000:
            _BEST_ROW_CACHE.clear()
        _BEST_ROW_CACHE[key] = _latest_match(label, rows)
    return _BEST_ROW_CACHE[key]


def _latest_match(label: str, rows: Sequence[Row]) -> Row | None:
    best: tuple[int, int, Row] | None = None
    for row in rows:
        for match in row.pattern.finditer(label):
            candidate = (match.start(), match.end() - match.start(), row)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    return best[2] if best else None


def read_rows(
    stream: Sequence[Cell], rows: Sequence[Row], width: int | dict[str, int]
) -> dict[str, list[str | None]]:
    """Find each row by label and take its cells; of several occurrences of a row, the first
    with the most cells filled wins."""
    found: dict[str, list[str | None]] = {}
    label = ""
    current: Row | None = None
    taken: list[str | None] = []

    def finish() -> None:
        nonlocal current, taken
        if current is not None and any(v is not None for v in taken):
            n = width if isinstance(width, int) else width[current.key]
            row = (taken + [None] * n)[:n]
            # A row label may first occur in prose before the table ("共制发规范性文件 3 件"):
            # the occurrence with more cells filled is the table's.
            previous = found.get(current.key)
            if previous is None or _filled(row) > _filled(previous):
                found[current.key] = row
        current, taken = None, []

    for cell in stream:
        if cell.kind == "label":
            if current is not None:
                finish()
            label += squeeze(cell.text)
            continue
        if current is None:
            if not label:
                continue
            current = _best_row(label, rows)
            label = ""
            if current is None:
                continue
        taken.append(cell.text if cell.kind == "value" else None)
        n = width if isinstance(width, int) else width[current.key]
        if len(taken) >= n:
            finish()
    finish()
    return found


def _filled(row: list[str | None]) -> int:
    return sum(value is not None for value in row)


# ----- cell values --------------------------------------------------------------------------


# More digits than any count or amount in a report (and than a float holds exactly): such a
# cell is unreadable, not a number (hundreds of digits crashed the checks with OverflowError).
MAX_DIGITS = 15


def to_int(text: str | None) -> int | None:
    if text is not None and text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)  # the common case, without the regex
    number = to_number(text)
    if number is None:
        return None
    return int(number) if float(number).is_integer() else None


def to_number(text: str | None) -> int | float | None:
    """ "增9" → 9, "减6" → -6, "1,234" → 1234, "96171.6" → 96171.6; units dropped."""
    if text is None:
        return None
    match = re.search(_NUMBER, text)
    if not match:
        return None
    raw = match.group(0).replace(",", "")
    if sum(c.isdigit() for c in raw) > MAX_DIGITS:
        return None
    value: int | float = float(raw) if "." in raw else int(raw)
    if text.lstrip().startswith(("减", "-", "−")):
        value = -value
    return value


def money(text: str | None) -> dict[str, object] | None:
    """Procurement amounts keep the printed text; yuan only when a unit is printed."""
    if text is None:
        return None
    number = to_number(text)
    if "万" in text and number is not None:
        yuan: float | None = round(float(number) * 10_000, 2)
    elif text.rstrip().endswith("元") and number is not None:
        yuan = float(number)
    else:
        yuan = None
    return {"raw": text.strip(), "yuan": yuan}


# ----- the three tables ----------------------------------------------------------------------


def read_applications(region: str) -> dict[str, dict[str, int | None]] | None:
    """Table 三: rows × (six applicant columns + total). None when no row is found."""
    stream = cells(region)
    head = squeeze(region[: region.find("本年新收")] if "本年新收" in region else "")
    # Some provinces add a "法人或其他组织小计" column before 总计; read it and drop it.
    columns = list(APPLICANT_COLUMNS)
    if "小计" in head:
        columns.insert(6, "_subtotal")
    found = read_rows(stream, APPLICATION_ROWS, len(columns))
    if not found:
        return None
    order = [row.key for row in APPLICATION_ROWS]
    return {
        key: {
            col: to_int(v)
            for col, v in zip(columns, found[key], strict=True)
            if not col.startswith("_")
        }
        for key in sorted(found, key=order.index)
    }


def read_review_litigation(region: str) -> dict[str, dict[str, int | None]] | None:
    """Table 四: one row of 15 cells after the headers, or (a layout some sites use) three rows
    of five, one per group, under their labels. None unless all 15 cells are there."""
    stream = cells(region)
    found = _fifteen_in_a_row(stream)
    if found is None:
        values = [c for c in stream if c.kind == "value"]
        found = values if len(values) == 15 else None
    if found is None:
        return None
    numbers = [to_int(c.text) if c.kind == "value" else None for c in found]
    return {
        group: dict(zip(REVIEW_CELLS, numbers[i * 5 : i * 5 + 5], strict=True))
        for i, group in enumerate(REVIEW_GROUPS)
    }


def _fifteen_in_a_row(stream: list[Cell]) -> list[Cell] | None:
    run: list[Cell] = []
    for cell in [*stream, Cell("label", "")]:
        if cell.kind != "label":
            run.append(cell)
            continue
        while run and run[0].kind == "blank":
            run.pop(0)
        if sum(c.kind == "value" for c in run) >= 5 and len(run) >= 15:
            return run[:15]
        run = []
    return None


def read_active_disclosure(region: str, template: str) -> dict[str, dict[str, object]] | None:
    """Table 二 for the 2019 or 2021 template; None when no row is found."""
    spec = ACTIVE_ROWS.get(template)
    if not spec:
        return None
    rows = _ACTIVE_ROW_SETS[template]
    widths = {row.key: len(names) for row, names in spec}
    found = read_rows(cells(region), rows, widths)
    if not found:
        return None
    result: dict[str, dict[str, object]] = {}
    for row, names in spec:
        if row.key not in found:
            continue
        result[row.key] = {
            name: _active_value(name, text)
            for name, text in zip(names, found[row.key], strict=True)
        }
    return result


_ACTIVE_ROW_SETS = {name: tuple(row for row, _ in spec) for name, spec in ACTIVE_ROWS.items()}


def _active_value(name: str, text: str | None) -> object:
    if name == "amount":
        return money(text)
    if name == "amount_wan_yuan":
        return to_number(text)
    return to_int(text) if name != "change" else _to_change(text)


def _to_change(text: str | None) -> int | None:
    number = to_number(text)
    return int(number) if number is not None and float(number).is_integer() else None
