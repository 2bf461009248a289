"""The table reader's row plans (rows found from the cells' kinds and labels, cached per layout)
against the reader they replaced: a Python step per cell, kept here as the reference.

Both read the same cells (`tables._bar_cells`, `tables._line_cells`); what differs is how a
region is cut into them (bars closed by a regex instead of line by line) and how rows, the
15 cells of table 四 and the stream's columns are found. Each region is read twice: the first
read builds the plan, the second finds it cached.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import record, tables
from parsers.labels import APPLICATION_ROWS, Row, squeeze
from parsers.normalize import normalize
from parsers.sections import split_sections
from parsers.tables import Cell

ROOT = Path(__file__).resolve().parent.parent
SHARED_REAL = ROOT.parent / "shared" / "real"


# ----- the reference: the reader before row plans ---------------------------------------------


def reference_cells(region: str) -> list[Cell]:
    if region.count("|") >= 4:
        lines = [
            line + " |" if "|" in line and not line.rstrip().endswith("|") else line
            for line in region.split("\n")
        ]
        return [c for piece in "\n".join(lines).split("|") for c in tables._bar_cells(piece)]
    return [c for line in region.split("\n") for c in tables._line_cells(line)]


def reference_read_rows(
    stream: list[Cell], rows: tuple[Row, ...], width: int | dict[str, int]
) -> dict[str, list[str | None]]:
    found: dict[str, list[str | None]] = {}
    label = ""
    current: Row | None = None
    taken: list[str | None] = []
    n = 0
    for kind, text in stream:
        if kind == "label":
            if current is not None:
                tables._keep(found, current.key, taken, n)
                current, taken = None, []
            label += squeeze(text)
            continue
        if current is None:
            if not label:
                continue
            current = tables._latest_match(label, rows)
            label = ""
            if current is None:
                continue
            n = width if isinstance(width, int) else width[current.key]
        taken.append(text if kind == "value" else None)
        if len(taken) >= n:
            tables._keep(found, current.key, taken, n)
            current, taken = None, []
    if current is not None:
        tables._keep(found, current.key, taken, n)
    return tables._runs_only_if_flattened(found)


def reference_fifteen(stream: list[Cell]) -> list[Cell] | None:
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


# ----- the comparison ---------------------------------------------------------------------------

ROW_SETS: list[tuple[tuple[Row, ...], int | dict[str, int]]] = [
    (APPLICATION_ROWS, 7),
    (APPLICATION_ROWS, 8),
    *((tables._ACTIVE_ROW_SETS[t], tables._ACTIVE_WIDTHS[t]) for t in ("2019", "2021")),
]


def assert_same_reading(region: str) -> None:
    expected_cells = reference_cells(region)
    for _ in range(2):  # the plan built, then found cached
        stream = tables.cell_stream(region)
        assert stream.cells == expected_cells
        assert stream.kinds == "".join(tables._KIND_LETTER[c.kind] for c in expected_cells)
        assert stream.values == [c.text if c.kind == "value" else None for c in expected_cells]
        for rows, width in ROW_SETS:
            assert tables.read_rows(stream, rows, width) == reference_read_rows(
                expected_cells, rows, width
            )
        assert tables._fifteen_in_a_row(stream) == reference_fifteen(expected_cells)


TOKENS = [
    "|", "|", "|", "\n", "\n", " ", "  ", "\t", "\u3000", "0", "0", "1", "12", "3", "236",
    "640020470", "1234567890123456", "1,234", "增3", "减2", "—", "/", "无", "5件", "万元",
    "本年新收", "申请数量", "上年结转", "（一）予以公开", "部分公开", "国家秘密", "危及", "三安全一稳定",
    "其他", "其它", "七总计", "总计", "合计", "结转下年", "其他处理", "不补正", "小计",
    "规章", "规范性文件", "行政许可", "行政处罚", "集中采购", "事业性收费", "行政复议",
    "维持", "纠正", "信息内容", "本年新制作数量", "、", "，", "3.", "第二十条",
]  # fmt: skip


@settings(
    max_examples=400,
    deadline=timedelta(seconds=10),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(st.sampled_from(TOKENS), max_size=120).map("".join))
def test_plans_read_as_the_cell_by_cell_reader(region: str) -> None:
    assert_same_reading(region)


def _report_regions() -> list[str]:
    """The three table regions of every fixture report and real text, cut as the parser cuts
    them (its steps up to the tables)."""
    paths = sorted((ROOT / "tests" / "fixtures" / "golden").glob("*/input.txt"))
    if SHARED_REAL.is_dir():
        paths += sorted(SHARED_REAL.glob("*.txt"))
    regions = []
    for path in paths:
        text = normalize(path.read_text("utf-8", "replace")).parse_text
        sections = split_sections(text, canonical=True)
        regions += [
            record._region(text, sections, 2, re.compile(r"第二十条"), 3),
            record._region(text, sections, 3, record._TABLE3_START, 4),
            record._region(text, sections, 4, record._TABLE4_START, 5),
        ]
    return [region for region in regions if region]


@pytest.mark.parametrize("region", _report_regions())
def test_plans_read_every_report_region_as_before(region: str) -> None:
    assert_same_reading(region)
