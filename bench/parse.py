"""Parse throughput on one core: simulated reports, real-size reports, and the CLI end to end.

- simulated: ≥ 1,000 varied reports (the golden fixtures with other counties' names and other
  numbers, text and HTML), mostly short.
- real-size: the five seed reports and the Huaian report (7–10 KB of text, full tables), the
  same six as HTML pages (each line a paragraph, as county portals print them), and the real
  texts in `../shared/real/` when that directory exists (read where they lie, never copied),
  repeated and, in a new process, each parsed once (cold caches).
  Beside the HTML rate, the rate of lxml alone on the same pages: the floor for any HTML parser
  in Python.
- CLI: `gov-reports parse` on 1,000 seed-size files (copies of the seeds in a temporary
  directory), with one job and with one per core: records per second, start-up included.

    python -m bench.parse [--reports 1000] [--cli-files 1000] [--profile] [--real DIR]

`--profile` prints cProfile's top entries for parsing the real-size set (CPU time).

Each rate is given twice: per second of wall time, and per second of CPU time (the process's
own, or the CLI child's). On a machine shared with other work the wall rate falls with the load
while the CPU rate stays close to what an idle machine shows; compare runs by the CPU rate and
by ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import html
import io
import pstats
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import lxml.html

from parsers import ParseError, parse_bytes
from parsers.registry import divisions

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
SHARED_REAL = ROOT.parent / "shared" / "real"
Report = tuple[str, bytes]


def varied_reports(count: int, seed: int = 7) -> list[Report]:
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


def seed_paths() -> list[Path]:
    """The five seed reports and the Huaian report: the real-size inputs shipped in tests."""
    return [*sorted(GOLDEN.glob("seed_*/input.txt")), GOLDEN / "huaian_pdf_text" / "input.txt"]


def real_texts(directory: Path = SHARED_REAL) -> list[Report]:
    """The shared real texts, read where they lie; none when the directory is absent."""
    if not directory.is_dir():
        return []
    return [(p.name, p.read_bytes()) for p in sorted(directory.glob("*.txt"))]


def as_html_page(name: str, text: str) -> Report:
    """A text report as a portal would serve it: a page with a title, each line a paragraph."""
    title = html.escape(text.strip().split("\n", 1)[0][:60])
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line.strip())
    page = (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body><div class="header">首页 | 政府信息公开</div><div class="article">\n{body}\n'
        f"</div><div>【打印本页】【关闭窗口】</div></body></html>"
    )
    return Path(name).with_suffix(".html").name, page.encode("utf-8")


class Rate(NamedTuple):
    wall: float  # per second of wall time
    cpu: float  # per second of CPU time

    def __str__(self) -> str:
        return f"{self.wall:,.0f}/s wall, {self.cpu:,.0f}/s CPU"


def rate(reports: list[Report], work: Callable[[Report], object], minimum: int) -> Rate:
    """Reports per second for `work` over the set, repeated until `minimum` reports are done."""
    rounds = max(1, -(-minimum // len(reports)))
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for report in reports:
            work(report)
    done = rounds * len(reports)
    return Rate(done / (time.perf_counter() - start), done / (time.process_time() - cpu))


def _parse(report: Report) -> None:
    # The shared texts include near-misses: a refusal is work done too.
    with contextlib.suppress(ParseError):
        parse_bytes(report[1], report[0])


def _lxml(report: Report) -> None:
    lxml.html.document_fromstring(report[1])


def measure_simulated(count: int) -> dict[str, Rate | int]:
    reports = varied_reports(count)
    pages = [r for r in reports if r[0].endswith(".html")]
    return {
        "reports": len(reports),
        "reports_per_second": rate(reports, _parse, 0),
        "html_reports": len(pages),
        "html_reports_per_second": rate(pages, _parse, 0),
        "lxml_only_html_per_second": rate(pages, _lxml, 0),
    }


def measure_real_size(minimum: int, real: list[Report]) -> dict[str, Rate | int]:
    seeds = [(p.name, p.read_bytes()) for p in seed_paths()]
    pages = [as_html_page(name, data.decode("utf-8")) for name, data in seeds]
    result: dict[str, Rate | int] = {
        "seed_text_per_second": rate(seeds, _parse, minimum),
        "seed_html_per_second": rate(pages, _parse, minimum),
        "lxml_only_seed_html_per_second": rate(pages, _lxml, minimum),
    }
    if real:
        result["real_texts"] = len(real)
        result["real_per_second"] = rate(real, _parse, minimum)
    return result


def measure_first_pass(directory: Path) -> Rate:
    """The real texts parsed once each in a new process (its caches cold but for the
    registry and OpenCC, loaded before): the case of a folder of reports parsed once, where
    the repeated sets above measure only warm caches (a seed parsed a first time costs about
    twice a warm one)."""
    code = (
        "import sys, time; from pathlib import Path; "
        "from bench.parse import _parse, real_texts, seed_paths; "
        "real = real_texts(Path(sys.argv[1])); "
        "_parse((seed_paths()[0].name, seed_paths()[0].read_bytes())); "
        "start, cpu = time.perf_counter(), time.process_time(); "
        "[_parse(r) for r in real]; "
        "print(len(real), time.perf_counter() - start, time.process_time() - cpu)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(directory)], capture_output=True, check=True, cwd=ROOT
    )
    count, wall, cpu = done.stdout.split()
    return Rate(int(count) / float(wall), int(count) / float(cpu))


def measure_cli(count: int, jobs: list[int]) -> dict[int, Rate]:
    """Records per second printed by `gov-reports parse --jobs N` on `count` seed copies (CPU:
    the CLI's processes' user and system time)."""
    seeds = seed_paths()[:5]
    rates = {}
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        files = []
        for i in range(count):
            target = Path(tmp) / f"{i:05d}.txt"
            shutil.copyfile(seeds[i % len(seeds)], target)
            files.append(str(target))
        for n in jobs:
            command = [sys.executable, "-m", "service.cli", "parse", "--jobs", str(n), *files]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, check=False, cwd=ROOT)
            seconds = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                raise SystemExit(f"bench.parse: CLI failed: {done.stderr.decode()[-300:]}")
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            records = done.stdout.count(b"\n")
            rates[n] = Rate(records / seconds, records / cpu)
    return rates


def profile_real_size(real: list[Report], top: int = 20) -> str:
    reports = [(p.name, p.read_bytes()) for p in seed_paths()] + real
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(20):
        for report in reports:
            _parse(report)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--cli-files", type=int, default=1000)
    parser.add_argument("--real", type=Path, default=SHARED_REAL, help="real texts directory")
    parser.add_argument("--profile", action="store_true", help="print the real-size profile")
    parser.add_argument("--attachment-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    real = real_texts(args.real)
    _parse((seed_paths()[0].name, seed_paths()[0].read_bytes()))  # warm registry and OpenCC

    sim = measure_simulated(args.reports)
    print(f"simulated: {sim['reports']} reports ({sim['html_reports']} HTML, the rest text)")
    print(f"  parse_bytes:              {sim['reports_per_second']}")
    print(f"  parse_bytes, HTML only:   {sim['html_reports_per_second']}")
    print(f"  lxml alone, same HTML:    {sim['lxml_only_html_per_second']}")
    size = measure_real_size(args.reports, real)
    print("real-size: 5 seeds + Huaian (7-10 KB of text, full tables)")
    print(f"  parse_bytes, text:        {size['seed_text_per_second']}")
    print(f"  parse_bytes, as HTML:     {size['seed_html_per_second']}")
    print(f"  lxml alone, same HTML:    {size['lxml_only_seed_html_per_second']}")
    if real:
        print(f"{args.real}: {len(real)} texts")
        print(f"  parse_bytes:              {size['real_per_second']}")
        print(f"  each once, new process:   {measure_first_pass(args.real)}")
    else:
        print(f"{args.real}: absent, skipped")
    if args.cli_files:
        for jobs, per_second in measure_cli(args.cli_files, sorted({1, _cores()})).items():
            print(f"CLI parse --jobs {jobs}, {args.cli_files} seed files: {per_second} (records)")
    if args.profile:
        print(profile_real_size(real))
    try:
        from bench.parse_attachments import measure as measure_attachments
    except ImportError:
        return 0
    for fmt, per_second in measure_attachments(args.attachment_seconds).items():
        print(f"{fmt} attachments per second: {per_second:.1f}")
    return 0


def _cores() -> int:
    from service.commands.parse import available_cores

    return available_cores()


if __name__ == "__main__":
    raise SystemExit(main())
