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
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
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
from parsers.runs import Run, resolve_applications, review_readings, unique_reading

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_VALUE = re.compile(rf"^(?:[+\-−]|增|减)?\s*(?:{_NUMBER})\s*(?:万元|万|元|件|个|项|条)?$")
_NOT_APPLICABLE = re.compile(r"^(?:[-—–－/／\\]{1,3}|无|空|—+)$")
# A label with a number glued to its end, e.g. "3.危及“三安全一稳定”0".
_GLUED = re.compile(r"^(.*[\u4e00-\u9fff”\"’)）])(\d+)$")


class Cell(NamedTuple):
    kind: str  # "label" | "value" | "blank"
    text: str


_Piece = tuple[str, str, tuple[Cell, ...], tuple[str | None, ...], tuple[str, ...]]
_KEY, _KINDS, _CELLS, _VALUES, _SQUEEZED = range(5)


class CellStream:
    """A table region's cells, and what the row reader needs of each in lists alongside, so
    rows are taken by slices, not by a Python step a cell. Only `key` and `values` are built
    at once; `kinds`, `cells` and `squeezed` when asked for (a table whose layout was met
    before needs none of them)."""

    __slots__ = ("_pieces", "key", "values")

    def __init__(self, pieces: list[_Piece]) -> None:
        self._pieces = pieces
        # The cells' kinds and labels, which alone decide where rows lie: each piece's key is
        # its kinds and its squeezed labels (squeezed text holds no "\0" nor "\1").
        self.key: str = "\0".join(map(itemgetter(_KEY), pieces))
        # a value's text; None for a label or a blank
        self.values: list[str | None] = self._column(_VALUES)

    def _column(self, index: int) -> list:  # type: ignore[type-arg]
        return list(chain.from_iterable(map(itemgetter(index), self._pieces)))

    @property
    def kinds(self) -> str:
        """One letter a cell: "L" label, "V" value, "B" blank."""
        return "".join(map(itemgetter(_KINDS), self._pieces))

    @property
    def cells(self) -> list[Cell]:
        return self._column(_CELLS)

    @property
    def squeezed(self) -> list[str]:
        """A label's squeezed text; "" for a value or a blank."""
        return self._column(_SQUEEZED)


def cells(region: str) -> list[Cell]:
    """Split a table region into cells, choosing the bar or the whitespace layout."""
    return cell_stream(region).cells


def cell_stream(region: str) -> CellStream:
    """The region's cells (see `cells`) with their kinds, values and squeezed labels."""
    if region.count("|") >= 4:
        # A line with bars inside but none at its end is a whole row ("规章 | 0 | 0 | 0"): close
        # it. Lines without bars are the wrapped content of the cell they run into.
        if _OPEN_ROW.search(region):
            region = _OPEN_ROW.sub(r"\g<0> |", region)
        return CellStream(_pieces(region.split("|"), _BAR_PIECES, _bar_cells, _CACHED_PIECE))
    # Whitespace layout: no token spans a line break, so the region is read line by line, and a
    # line (a row label, a row of cells) is looked up once instead of each of its tokens.
    return CellStream(_pieces(region.split("\n"), _LINE_PIECES, _line_cells, _CACHED_LINE))


# A line holding a bar whose last bar has text after it (other than spaces): a row whose last
# cell is not closed. (Tried at each bar: `[^|\n]*` cannot pass the next one, so a match begins
# at a line's last bar.)
_OPEN_ROW = re.compile(r"\|[^|\n]*[^|\s][^|\n]*$", re.MULTILINE)

# Pieces and lines repeat from report to report (row labels, "0 0 0 0 0 0 0", a blank between
# bars), so each distinct short one is read once; the caches are bounded (emptied when full), a
# piece dropped is simply read again. Long pieces (prose caught in a region) rarely recur: read,
# not kept.
_CACHED_PIECE = 120
_CACHED_LINE = 200
_CACHE_SIZE = 32768
_BAR_PIECES: dict[str, _Piece] = {}
_LINE_PIECES: dict[str, _Piece] = {}
_KIND_LETTER = {"label": "L", "value": "V", "blank": "B"}


def _pieces(
    parts: list[str],
    cache: dict[str, _Piece],
    read: Callable[[str], tuple[Cell, ...]],
    longest_kept: int,
) -> list[_Piece]:
    try:
        return list(map(cache.__getitem__, parts))  # the usual case: every part met before
    except KeyError:
        pass
    if len(cache) > _CACHE_SIZE:
        cache.clear()
    pieces = []
    for part in parts:
        piece = cache.get(part)
        if piece is None:
            piece = _piece(read(part))
            if len(part) <= longest_kept:
                cache[part] = piece
        pieces.append(piece)
    return pieces


def _piece(found: tuple[Cell, ...]) -> _Piece:
    """A piece's cells as the stream's columns, and its key."""
    kinds = "".join(_KIND_LETTER[c.kind] for c in found)
    squeezed = tuple(squeeze(c.text) if c.kind == "label" else "" for c in found)
    return (
        kinds + "\1" + "\1".join(squeezed),
        kinds,
        found,
        tuple(c.text if c.kind == "value" else None for c in found),
        squeezed,
    )


def _line_cells(line: str) -> tuple[Cell, ...]:
    """The cells of one line of a whitespace-separated table: its tokens, unglued, read."""
    return tuple(
        cell
        for token in line.split()
        for piece in _unglue(token)
        for cell in (
            _classify(piece) if len(piece) <= _CACHED_PIECE else _classify.__wrapped__(piece)
        )
    )


def _bar_cells(raw: str) -> tuple[Cell, ...]:
    """The cells of what lies between two bars: wrapped lines joined, a blank kept."""
    # Wrapped lines join without a space, except between two numbers: "236" over "0" are two
    # cells, never 2360.
    piece = (join_wrapped(raw.split("\n")) if "\n" in raw else raw).strip()
    if not piece:
        return (Cell("blank", ""),)
    if " " in piece and all(_VALUE.match(t) for t in piece.split()):
        return tuple(Cell("value", t) for t in piece.split())  # "0 0 0" inside one cell
    return _classify(piece) if len(piece) <= _CACHED_PIECE else _classify.__wrapped__(piece)


# A table flattened without any separator: "…对外公开总数量规章555规范性文件141414第二十条…".
# Such a piece carries the tables' own headers; its digit runs glued between labels are cells.
_FLAT_TABLE = re.compile(r"信息内容|本年新制作数量|本年制发件数|申请人情况|自然人|结果维持")
_GLUED_RUN = re.compile(
    r"(?<=[\u4e00-\u9fff)）”\"’》])(?<!第)(\d+)"
    r"(?=[\u4e00-\u9fff(（《“]|[.、](?=[\u4e00-\u9fff])|$)(?![条件个项万元年月日号次人份篇期余多家名位天])"
)


def _unglue(piece: str) -> list[str]:
    """A flattened table's piece cut into labels and digit runs; any other piece as it is."""
    if len(piece) < 20 or not _FLAT_TABLE.search(piece):
        return [piece]
    out, position = [], 0
    for match in _GLUED_RUN.finditer(piece):
        start, end = match.span()
        if piece[end : end + 1] in (".", "、"):
            end -= 1  # the last digit numbers the next label ("…0000000" + "6.属于四类过程性信息")
            if end <= start:
                continue
        out += [piece[position:start], piece[start:end]]
        position = end
    out.append(piece[position:])
    return [p for p in out if p]


@lru_cache(maxsize=32768)
def _classify(piece: str) -> tuple[Cell, ...]:
    if piece.isdigit() or _VALUE.match(piece):
        return (Cell("value", piece),)
    if _NOT_APPLICABLE.match(piece):
        return (Cell("blank", piece),)
    glued = _GLUED.match(piece)
    if glued and not glued.group(1).endswith(("增", "减")):
        return (Cell("label", glued.group(1)), Cell("value", glued.group(2)))
    return (Cell("label", piece),)


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


# A row: a run of label cells, then the value and blank cells after it.
_ROW_CELLS = re.compile("L+([VB]+)")


class _Plan(NamedTuple):
    """Where a table's rows lie in its stream, which depends on its cells' kinds and labels
    only (not on the numbers): tables of one template and one site's layout share it."""

    groups: tuple[tuple[str, int, int, int], ...]  # (row key, first cell, end, width)
    # The rows kept, as _keep would keep them; None when a row is one value cell where several
    # belong, which is a digit run or not by its text (each read then goes through _keep).
    kept: tuple[tuple[str, int, int, int], ...] | None


_PLANS: dict[tuple[str, int, object], _Plan] = {}


def read_rows(
    stream: CellStream, rows: Sequence[Row], width: int | dict[str, int]
) -> dict[str, list[str | None]]:
    """Find each row by label and take its cells; of several occurrences of a row, the first
    with the most cells filled wins.

    A run of labels names the row (the row whose pattern occurs latest in their squeezed text),
    and the row takes the first N of the cells that follow before the next label (blanks as
    None); labels at the end, cells before any label and cells past N are nobody's."""
    # A plan is cached per layout (the stream's key), row set and widths; the row sets and
    # widths are the module's constants, kept alive by _ROW_SETS_SEEN so their ids stay theirs.
    _ROW_SETS_SEEN.setdefault(id(rows), rows)
    if not isinstance(width, int):
        _ROW_SETS_SEEN.setdefault(id(width), width)  # type: ignore[arg-type]
    key = (
        stream.key,
        id(rows),
        width if isinstance(width, int) else id(width),
    )
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) > 4096:
            _PLANS.clear()
        plan = _PLANS[key] = _plan(stream, rows, width)
    values = stream.values
    if plan.kept is not None:  # no digit run possible: no Run, so nothing to null either
        return {k: values[a:b] + [None] * (n - b + a) for k, a, b, n in plan.kept}
    found: dict[str, list[str | None]] = {}
    for row_key, start, end, n in plan.groups:
        _keep(found, row_key, values[start:end], n)
    return _runs_only_if_flattened(found)


def _plan(stream: CellStream, rows: Sequence[Row], width: int | dict[str, int]) -> _Plan:
    kinds, squeezed = stream.kinds, stream.squeezed
    groups = []
    for match in _ROW_CELLS.finditer(kinds):
        cells_at, end = match.span(1)
        label = "".join(squeezed[match.start() : cells_at])
        if not label:
            continue
        current = _best_row(label, rows)
        if current is None:
            continue
        n = width if isinstance(width, int) else width[current.key]
        groups.append((current.key, cells_at, min(end, cells_at + n), n))
    # What _keep would keep, told from the kinds alone: a row's filled cells are its values.
    filled: dict[str, tuple[int, tuple[str, int, int, int]]] = {}
    for group in groups:
        _, start, end, n = group
        values = kinds.count("V", start, end)
        if values == 1 and end - start == 1 and n >= 2:
            return _Plan(tuple(groups), None)  # a lone value: a digit run or not, by its text
        if values and (group[0] not in filled or values > filled[group[0]][0]):
            filled[group[0]] = (values, group)
    kept = tuple((key, start, end, n) for key, (_, (_, start, end, n)) in filled.items())
    return _Plan(tuple(groups), kept)


def _runs_only_if_flattened(found: dict[str, list[str | None]]) -> dict[str, list[str | None]]:
    """A lone digit run is cells run together only in a table whose rows all ran together;
    beside rows printed cell by cell, it is one cell whose place is unknown: null."""
    if not any(isinstance(row[0], Run) for row in found.values()):
        return found
    if not any(_filled(row) >= 2 for row in found.values()):
        return found
    return {k: [None] * len(r) if isinstance(r[0], Run) else r for k, r in found.items()}


def _keep(found: dict[str, list[str | None]], key: str, taken: list[str | None], n: int) -> None:
    """Record a row's cells unless all are blank, padded to its width."""
    if taken.count(None) == len(taken):
        return
    row = (taken + [None] * n)[:n]
    lone = taken[0] if len(taken) == 1 else None
    if lone is not None and 2 <= n <= len(lone) and lone.isdigit():
        row = [Run(lone)] + [None] * (n - 1)  # one digit run where n cells belong
    # A row label may first occur in prose before the table ("共制发规范性文件 3 件"): the
    # occurrence with more cells filled is the table's.
    previous = found.get(key)
    if previous is None or _filled(row) > _filled(previous):
        found[key] = row


def _filled(row: list[str | None]) -> int:
    return len(row) - row.count(None)


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


# Cell texts recur ("0", "12", None): each is converted once.
_cell_int = lru_cache(maxsize=65536)(to_int)


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


RUN_TOGETHER = "cells-run-together"


def read_applications(
    region: str, notes: set[str] | None = None
) -> dict[str, dict[str, int | None]] | None:
    """Table 三: rows × (six applicant columns + total). None when no row is found.

    A row whose digits ran together is read through its identities (parsers.runs); `notes`
    then receives "cells-run-together".
    """
    stream = cell_stream(region)
    head = squeeze(region[: region.find("本年新收")] if "本年新收" in region else "")
    # Some provinces add a "法人或其他组织小计" column before 总计; read it and drop it.
    columns = list(APPLICANT_COLUMNS)
    if "小计" in head:
        columns.insert(6, "_subtotal")
    found = read_rows(stream, APPLICATION_ROWS, len(columns))
    if not found:
        return None
    if len(columns) == len(APPLICANT_COLUMNS) and not any(
        isinstance(row[0], Run) for row in found.values()
    ):  # the usual table: each row's cells are its numbers, in column order
        # (read_rows pads or cuts every row to its width, 7 here: zip needs no length check)
        return {
            key: dict(zip(APPLICANT_COLUMNS, map(_cell_int, found[key]), strict=False))
            for key in sorted(found, key=_APPLICATION_ORDER.__getitem__)
        }
    numbers: dict[str, list[object]] = {
        key: [row[0]] if isinstance(row[0], Run) else list(map(_cell_int, row))
        for key, row in found.items()
    }
    if any(isinstance(row[0], Run) for row in numbers.values()):
        if notes is not None:
            notes.add(RUN_TOGETHER)
        if "_subtotal" in columns:  # no identity covers the extra column: unknown
            numbers = {
                k: [None] * len(columns) if isinstance(r[0], Run) else r for k, r in numbers.items()
            }
        else:
            numbers = dict(resolve_applications(numbers)[0])
    if "_subtotal" in columns:
        kept = [i for i, col in enumerate(columns) if not col.startswith("_")]
        numbers = {key: [row[i] for i in kept] for key, row in numbers.items()}
    return {
        key: dict(zip(APPLICANT_COLUMNS, numbers[key], strict=True))  # type: ignore[arg-type]
        for key in sorted(numbers, key=_APPLICATION_ORDER.__getitem__)
    }


_APPLICATION_ORDER = {row.key: i for i, row in enumerate(APPLICATION_ROWS)}


def read_review_litigation(
    region: str, notes: set[str] | None = None
) -> dict[str, dict[str, int | None]] | None:
    """Table 四: one row of 15 cells after the headers, or (a layout some sites use) three rows
    of five, one per group, under their labels. None unless all 15 cells are there. Fifteen
    cells run together are read through the groups' identities."""
    stream = cell_stream(region)
    found = _fifteen_in_a_row(stream)
    if found is None:
        values = [c for c, kind in zip(stream.cells, stream.kinds, strict=True) if kind == "V"]
        found = values if len(values) == 15 else None
        if len(values) == 1 and len(values[0].text) >= 15 and values[0].text.isdigit():
            if notes is not None:
                notes.add(RUN_TOGETHER)
            cuts = review_readings(values[0].text)
            numbers: list[int | None] = list(cuts[0]) if len(cuts) == 1 else [None] * 15
            return _review_groups(numbers)
    if found is None:
        return None
    return _review_groups([_cell_int(c.text) if c.kind == "value" else None for c in found])


def _review_groups(numbers: list[int | None]) -> dict[str, dict[str, int | None]]:
    return {
        group: dict(zip(REVIEW_CELLS, numbers[i * 5 : i * 5 + 5], strict=True))
        for i, group in enumerate(REVIEW_GROUPS)
    }


# The cells between two labels (or before the first, or after the last).
_UNLABELLED = re.compile("[VB]+")


def _fifteen_in_a_row(stream: CellStream) -> list[Cell] | None:
    """The first 15 cells of the first unlabelled run that holds 15 from its first value on, 5
    of them values."""
    kinds = stream.kinds
    for match in _UNLABELLED.finditer(kinds):
        start, end = match.span()
        start += len(match.group()) - len(match.group().lstrip("B"))  # leading blanks dropped
        if end - start >= 15 and kinds.count("V", start, end) >= 5:
            return stream.cells[start : start + 15]
    return None


def read_active_disclosure(
    region: str, template: str, notes: set[str] | None = None
) -> dict[str, dict[str, object]] | None:
    """Table 二 for the 2019 or 2021 template; None when no row is found. A row whose digits
    ran together is kept only where its cells can be cut one way alone ("规章555" → 5, 5, 5)."""
    spec = ACTIVE_ROWS.get(template)
    if not spec:
        return None
    rows = _ACTIVE_ROW_SETS[template]
    found = read_rows(cell_stream(region), rows, _ACTIVE_WIDTHS[template])
    if not found:
        return None
    result: dict[str, dict[str, object]] = {}
    for row, names in spec:
        if row.key not in found:
            continue
        texts: list[str | None] = found[row.key]
        if isinstance(texts[0], Run):
            if notes is not None:
                notes.add(RUN_TOGETHER)
            cut = unique_reading(texts[0], len(names))
            texts = [str(v) for v in cut] if cut else [None] * len(names)
        result[row.key] = {
            name: _active_value(name, text) for name, text in zip(names, texts, strict=True)
        }
    return result


_ACTIVE_ROW_SETS = {name: tuple(row for row, _ in spec) for name, spec in ACTIVE_ROWS.items()}
_ACTIVE_WIDTHS = {
    name: {row.key: len(names) for row, names in spec} for name, spec in ACTIVE_ROWS.items()
}


def _active_value(name: str, text: str | None) -> object:
    if name == "amount":
        return money(text)
    if name == "amount_wan_yuan":
        return to_number(text)
    return to_int(text) if name != "change" else _to_change(text)


def _to_change(text: str | None) -> int | None:
    number = to_number(text)
    return int(number) if number is not None and float(number).is_integer() else None
