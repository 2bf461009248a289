"""Property-based fuzzing of the parser and every extractor, seeded from the golden fixtures and
the attachment fixtures (issue 10).

Each input is a fixture mutated by a few random edits (bytes flipped, cut, repeated, spliced
from another fixture, hostile runs inserted). The properties: the only exception is the
project's declared ParseError (ExtractError is one), no input takes over 10 s, and the process
never grows past 1 GB. The budget is fixed and small (about a minute for the whole file);
GOV_REPORTS_FUZZ_EXAMPLES multiplies it for a longer local run. Examples are random on every
run (that is how the next bug is found); a failure prints the blob that reproduces it
(`@reproduce_failure`).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import ParseError, extract, parse_bytes, parse_text
from parsers.normalize import normalize
from parsers.tables import cells, read_applications, read_review_litigation

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = sorted((FIXTURES / "golden").glob("*/input.*"))
ATTACHMENTS = {
    p.suffix: p.read_bytes() for p in (FIXTURES / "attachments").iterdir() if p.suffix != ".md"
}
TEXT_SEEDS = [p.read_bytes() for p in GOLDEN]
SCALE = float(os.environ.get("GOV_REPORTS_FUZZ_EXAMPLES", "1"))
# Runs that made regexes rescan (quadratic), markup past libxml2's depth, absurd numbers, bars.
HOSTILE = [
    b" " * 5000, "\xa0".encode() * 3000, b"&nbsp;" * 2000, b"9" * 400, b"<div>" * 600,
    b"<?xml version='1.0' encoding='utf-8'?>", b"\x00\x01\xff\xfe", b" | " * 300, b"\n0 |\n" * 50,
    "（一）".encode() * 200, b"<table><tr><td>" * 100, b"\r" * 1000, "²³".encode(),
]  # fmt: skip


def _budget(examples: int):
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=timedelta(seconds=10),
        database=None,  # nothing written to the work tree
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with 1-4 random edits."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        edit = draw(
            st.sampled_from(["flip", "cut", "truncate", "repeat", "splice", "hostile", "insert"])
        )
        if edit == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "cut":
            del data[at : at + draw(st.integers(1, 2000))]
        elif edit == "truncate":
            del data[at:]
        elif edit == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 500))] * draw(st.integers(2, 50))
        elif edit == "splice":
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, max(0, len(other) - 1)))
            data[at:at] = other[start : start + draw(st.integers(1, 3000))]
        elif edit == "hostile":
            data[at:at] = draw(st.sampled_from(HOSTILE))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data)


def _holds(data: bytes, name: str) -> None:
    """The properties for one input: a record that serialises, or a declared error."""
    with under_1gb():
        try:
            record = parse_bytes(data, name)
        except ParseError as error:
            assert str(error)  # a reason is given
            return
    json.dumps(record, ensure_ascii=False, allow_nan=False)


def rss_mb() -> int:
    """Peak RSS of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def current_mb() -> int:
    """Resident memory now (MB)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 2**20


@contextlib.contextmanager
def under_1gb() -> Iterator[None]:
    """Fail if the block took the process more than 1 GB above where it started. (The peak is
    the whole process's: one that rose during the block rose because of it.)"""
    start, peak_before = current_mb(), rss_mb()
    yield
    peak = rss_mb()
    assert peak == peak_before or peak <= start + 1024, f"peak RSS {peak} MB (start {start} MB)"


@_budget(150)
@given(data=mutated(TEXT_SEEDS), name=st.sampled_from(["r.html", "r.txt", "r", "r.pdf"]))
def test_parser_on_mutated_golden_reports(data: bytes, name: str) -> None:
    _holds(data, name)


@_budget(100)
@given(text=st.text(max_size=3000))
def test_parser_on_arbitrary_text(text: str) -> None:
    try:
        record = parse_text(text)
    except ParseError:
        return
    json.dumps(record, ensure_ascii=False, allow_nan=False)


@_budget(150)
@given(
    text=st.text(
        alphabet=st.sampled_from(
            list("0123456789 |\n\t\xa0-—,.增减万元件（一）总计本年新收行政复议二三四维持纠正")
        ),
        max_size=4000,
    )
)
def test_table_reader_on_table_shaped_noise(text: str) -> None:
    normalize(text)
    cells(text)
    read_applications("本年新收\n" + text)
    read_review_litigation(text)


def _extracts(data: bytes, name: str) -> None:
    """An extractor's properties: text, or a declared error; the process stays under 1 GB."""
    with under_1gb(), contextlib.suppress(ParseError):
        extract(data, name)


@_budget(40)
@given(data=mutated([ATTACHMENTS[".pdf"]]))
def test_pdf_extractor_on_mutated_pdfs(data: bytes) -> None:
    _extracts(data, "a.pdf")


@_budget(60)
@given(data=mutated([ATTACHMENTS[".docx"]]))
def test_docx_extractor_on_mutated_docx(data: bytes) -> None:
    _extracts(data, "a.docx")


@_budget(30)
@given(data=mutated([ATTACHMENTS[".doc"]]))
def test_doc_extractor_on_mutated_doc(data: bytes) -> None:
    _extracts(data, "a.doc")
