"""Never invent a number: every number in a record's tables occurs in the source text.

Checked on every golden input and, where the shared sample of real reports sits beside the
repository (../shared/real, as in CI), on every one of those. A number counts as shown when it
stands in the normalized text as a number of its own; a 0 also when the text states an absence
(未/没有/无…); and, in a record tagged `cells-run-together`, when its digits stand inside a run
of digits the table printed without separators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from parsers import ParseError, parse_bytes
from parsers.extract import extract
from parsers.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = sorted((ROOT / "tests" / "fixtures" / "golden").glob("*/input.*"))
REAL_DIR = ROOT.parent / "shared" / "real"
REAL = sorted(REAL_DIR.glob("*.txt")) if REAL_DIR.is_dir() else []
TABLES = ("active_disclosure", "applications", "review_litigation")
_ABSENCE = re.compile(r"未|没有|无|零|均为0")


def numbers(record: dict) -> Iterator[tuple[str, int | float]]:
    """(path, value) for every number in the record's three tables."""
    for table in TABLES:
        for row, cells in (record.get(table) or {}).items():
            for column, value in cells.items():
                if isinstance(value, dict):  # procurement amounts: {"raw", "yuan"}
                    value = value.get("raw")
                    match = re.search(r"\d+(?:\.\d+)?", value or "")
                    value = float(match.group(0)) if match else None
                if isinstance(value, (int, float)):
                    yield f"{table}.{row}.{column}", value


def source_text(data: bytes, name: str) -> str:
    text = normalize(extract(data, name).text).parse_text
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 1,234 as 1234


def unjustified(record: dict, text: str) -> list[str]:
    """The numbers of the record the text does not show."""
    runs = "cells-run-together" in (record.get("hazards") or [])
    digit_runs = re.findall(r"\d+", text) if runs else []
    missing = []
    for path, value in numbers(record):
        shown = f"{abs(value):g}" if isinstance(value, float) else str(abs(value))
        if re.search(rf"(?<![\d.]){re.escape(shown)}(?![\d])", text):
            continue
        if (
            isinstance(value, float)
            and value.is_integer()
            and re.search(rf"(?<![\d.]){int(abs(value))}(?:\.0+)?(?![\d])", text)
        ):
            continue
        if value == 0 and _ABSENCE.search(text):
            continue
        if runs and any(shown in run for run in digit_runs):
            continue
        missing.append(f"{path}={value}")
    return missing


@pytest.mark.parametrize("path", GOLDEN + REAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_number_in_a_record_is_in_its_source(path: Path) -> None:
    data = path.read_bytes()
    try:
        record = parse_bytes(data, path.name)
    except ParseError:
        return  # not a report: no record, no numbers
    assert unjustified(record, source_text(data, path.name)) == []


def test_the_property_covers_the_golden_tables() -> None:
    """The property checks real numbers, not empty records: the golden inputs alone give
    hundreds of table cells, run-together tables among them."""
    checked = 0
    for path in GOLDEN:
        try:
            checked += sum(1 for _ in numbers(parse_bytes(path.read_bytes(), path.name)))
        except ParseError:
            continue
    assert checked >= 500


def test_an_invented_number_is_caught() -> None:
    case = ROOT / "tests" / "fixtures" / "golden" / "seed_003_38967d40d03fbadc" / "input.txt"
    data = case.read_bytes()
    record = parse_bytes(data, case.name)
    assert unjustified(record, source_text(data, case.name)) == []
    record["applications"]["new_received"]["natural_person"] = 987654
    assert unjustified(record, source_text(data, case.name)) == [
        "applications.new_received.natural_person=987654"
    ]
