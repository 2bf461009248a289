"""Peak memory of one crawl of every registry site of the simulator (or the first N).

    .venv/bin/python -m bench.rss [--sites 0 (= all)] [--budget 40] [--seconds 1800]

Serves the simulated web in a child process, runs `gov-reports crawl --fast` over it with a
per-site request budget (`GOV_REPORTS_SITE_PAGE_BUDGET`), and samples every second the RSS of
the crawl process and of its children (the extraction workers), reporting the peaks of the
crawl process alone and of the whole process tree. The crawl is stopped (SIGINT, then
SIGKILL) after --seconds; the JSON says whether it finished.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text("ascii").split()]
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.rss", description=__doc__.splitlines()[0])
    p.add_argument("--sites", type=int, default=0, help="simulated sites (0: the registry's all)")
    p.add_argument("--budget", type=int, default=40, help="requests per site")
    p.add_argument("--seconds", type=float, default=1800)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    from sim.registry import available_sites

    sites = args.sites or available_sites()
    with tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp:
        work = Path(tmp)
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "sim", "serve", "--sites", str(sites),
             "--seed", str(args.seed), "--port", "0", "--out", str(work)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        proxy = ""
        assert server.stdout is not None
        for line in server.stdout:
            if "HTTP proxy at " in line:
                proxy = line.split("HTTP proxy at ", 1)[1].split()[0]
                break
        crawl = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "crawl", "--sites", str(work / "sites.csv"),
             "--db", f"sqlite:///{work / 'a.sqlite'}", "--archive", str(work / "warc"),
             "--proxy", proxy, "--fast", "-q",
             "-s", f"GOV_REPORTS_SITE_PAGE_BUDGET={args.budget}"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        started = time.monotonic()
        peak_main = peak_tree = 0
        while crawl.poll() is None:
            if time.monotonic() - started > args.seconds:
                crawl.send_signal(signal.SIGINT)
                try:
                    crawl.wait(120)
                except subprocess.TimeoutExpired:
                    crawl.kill()
                break
            pids = _tree(crawl.pid)
            peak_main = max(peak_main, _rss_kb(crawl.pid))
            peak_tree = max(peak_tree, sum(_rss_kb(pid) for pid in pids))
            time.sleep(1)
        out, err = crawl.communicate()
        server.terminate()
        server.wait(30)
    print(
        json.dumps(
            {
                "sites": sites,
                "budget": args.budget,
                "seconds": round(time.monotonic() - started, 1),
                "exit": crawl.returncode,
                "summary": out.strip().splitlines()[-1:] or err.strip().splitlines()[-1:],
                "peak_rss_crawl_mb": round(peak_main / 1024, 1),
                "peak_rss_tree_mb": round(peak_tree / 1024, 1),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
