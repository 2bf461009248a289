"""Parse throughput: reports per second on ≥ 1,000 varied reports (text and HTML), one core.

The reports are the golden fixtures varied: another county's name, other numbers, text and HTML
inputs. Beside it, the time lxml alone needs to parse the same HTML, the floor for any HTML
parser in Python. Attachments per second by format come from bench.parse_attachments.

    python -m bench.parse [--reports 1000]
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

import lxml.html

from parsers import parse_bytes
from parsers.registry import divisions

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "golden"


def varied_reports(count: int, seed: int = 7) -> list[tuple[str, bytes]]:
    """(name, bytes) pairs: each golden input with its place names and numbers redrawn."""
    rng = random.Random(seed)
    bases = [(p.name, p.read_bytes()) for p in sorted(GOLDEN.glob("*/input.*"))]
    names = [d.name for d in divisions() if d.status == "在用" and len(d.name) >= 3]
    reports = []
    for i in range(count):
        name, data = bases[i % len(bases)]
        encoding = "gbk" if b"charset" not in data[:300] and name.endswith(".html") else "utf-8"
        text = data.decode("gb18030" if encoding == "gbk" else "utf-8")
        for place in ("富源县", "平江县", "定远县", "栾城区", "博乐市", "义乌市"):
            text = text.replace(place, rng.choice(names))
        text = re.sub(r"(?<=[\s|>])\d{1,4}(?=[\s|<])", lambda _: str(rng.randint(0, 999)), text)
        reports.append((name, text.encode(encoding, "replace")))
    return reports


def measure(reports: list[tuple[str, bytes]]) -> dict[str, float]:
    start = time.perf_counter()
    for name, data in reports:
        parse_bytes(data, name)
    parse_seconds = time.perf_counter() - start
    html = [data for name, data in reports if name.endswith(".html")]
    start = time.perf_counter()
    for data in html:
        lxml.html.document_fromstring(data)
    lxml_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for name, data in reports:
        if name.endswith(".html"):
            parse_bytes(data, name)
    html_parse_seconds = time.perf_counter() - start
    return {
        "reports": len(reports),
        "reports_per_second": len(reports) / parse_seconds,
        "html_reports": len(html),
        "html_reports_per_second": len(html) / html_parse_seconds,
        "lxml_only_html_per_second": len(html) / lxml_seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--attachment-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    reports = varied_reports(args.reports)
    parse_bytes(*reversed(reports[0]))  # warm caches (registry, OpenCC) outside the timing
    result = measure(reports)
    print(
        f"reports parsed:            {result['reports']} "
        f"({result['html_reports']} HTML, the rest text)"
    )
    print(f"reports per second:        {result['reports_per_second']:.0f}")
    print(
        f"HTML reports per second:   {result['html_reports_per_second']:.0f} "
        f"(lxml alone parses the same HTML at {result['lxml_only_html_per_second']:.0f}/s)"
    )
    try:
        from bench.parse_attachments import measure as measure_attachments
    except ImportError:
        return 0
    for fmt, rate in measure_attachments(args.attachment_seconds).items():
        print(f"{fmt} attachments per second: {rate:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
