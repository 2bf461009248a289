"""Attachment extraction throughput: attachments per second by format, on generated fixtures.

    python -m bench.parse_attachments [seconds]

PDF: a 3-page report with table 三 split across pages (reportlab); DOCX: the same report built
with python-docx; DOC: a real Word 97 file, only when antiword is installed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from parsers.extract import extract
from parsers.extract.doc import antiword_available
from tests.samples import report_docx, report_pdf

REAL_DOC = Path(__file__).resolve().parent.parent / "tests/fixtures/attachments/olefile-test.doc"


def _rate(run: Callable[[], object], seconds: float) -> float:
    """Calls per second of `run` over about `seconds` (at least one call)."""
    start = time.perf_counter()
    calls = 0
    while True:
        run()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed


def measure(seconds: float = 5.0) -> dict[str, float]:
    """Attachments extracted per second, by format; the time is shared among the formats."""
    fixtures: dict[str, tuple[bytes, str]] = {
        "pdf": (report_pdf(), "report.pdf"),
        "docx": (report_docx(), "report.docx"),
    }
    if antiword_available() and REAL_DOC.exists():
        fixtures["doc"] = (REAL_DOC.read_bytes(), "report.doc")
    share = seconds / len(fixtures)
    return {
        fmt: round(_rate(lambda d=data, n=name: extract(d, n), share), 2)
        for fmt, (data, name) in fixtures.items()
    }


if __name__ == "__main__":
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    for fmt, rate in measure(budget).items():
        print(f"{fmt:5s} {rate:8.2f} attachments/s")
