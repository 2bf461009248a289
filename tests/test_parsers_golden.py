"""Golden files: each folder under fixtures/golden holds an input and its hand-checked record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers import parse_bytes
from tests.grading import misses

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "expected.json").exists())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_record(case: Path) -> None:
    source = next(case.glob("input.*"))
    record = parse_bytes(source.read_bytes(), source.name, source={"path": str(source)})
    expected = json.loads((case / "expected.json").read_text("utf-8"))
    assert misses(record, expected) == []


def test_there_is_a_golden_case_per_template_and_layout() -> None:
    names = {c.name for c in CASES}
    assert {
        "html_2021_rowspan",
        "html_2019_gbk",
        "pre2019_traditional_pinyin",
        "notice_not_a_report",
        "huaian_pdf_text",
    } <= names
    assert sum(n.startswith("seed_") for n in names) == 5
    # each behaviour read from real county sites (issue 9) has its own fixture
    assert {
        "real_cells_run_together",
        "real_cites_notice_prose",
        "real_cover_notice",
        "real_no_title_excerpt",
        "real_prose_unclear",
        "real_rules_about_reports",
        "real_spam_brand",
        "real_spam_fake_portal",
        "real_title_run_in",
    } <= names


def test_grading_catches_a_wrong_number() -> None:
    case = GOLDEN / "seed_003_38967d40d03fbadc"
    record = parse_bytes((case / "input.txt").read_bytes(), "input.txt")
    record["applications"]["new_received"]["natural_person"] = 6
    expected = json.loads((case / "expected.json").read_text("utf-8"))
    assert misses(record, expected) == ["applications.new_received.natural_person: want 5, got 6"]


def test_the_published_pdf_grades_like_its_text() -> None:
    """The Huaian report as published (PDF, tables across pages) against the same truth."""
    pdf = Path(__file__).parent / "fixtures" / "attachments" / "huaian-2024-annual-report.pdf"
    record = parse_bytes(pdf.read_bytes(), pdf.name)
    expected = json.loads((GOLDEN / "huaian_pdf_text" / "expected.json").read_text("utf-8"))
    assert misses(record, expected) == []


def test_sections_keep_the_printed_punctuation() -> None:
    """Full-width forms are folded only to parse; the record shows the text as printed."""
    text = (GOLDEN / "huaian_pdf_text" / "input.txt").read_bytes()
    record = parse_bytes(text, "input.txt")
    overview = record["sections"][0]["text"]
    assert "（一）主动公开情况。2024 年，" in overview
    assert record["applications"]["new_received"]["total"] == 3119


def test_a_full_width_spam_name_is_removed_from_the_printed_text() -> None:
    seed = (GOLDEN / "seed_002_ef700086e5424d77" / "input.txt").read_text("utf-8")
    record = parse_bytes(seed.replace("(中国)", "（中国）").encode(), "input.txt")
    shown = "\n".join([record["title"] or ""] + [s["text"] for s in record["sections"]])
    assert "spam-hijack" in record["hazards"]
    assert "开云" not in shown and "官方网站" not in shown
    assert record["issuer"] is None
