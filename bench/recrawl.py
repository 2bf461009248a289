"""Recrawl benchmark: what a recrawl costs as a share of the first crawl.

    .venv/bin/python -m bench.recrawl [--sites 20] [--seed 5] [--json]

Crawls the simulated web once (epoch 0), again at the same epoch (everything due: --now a week
later), then at epoch 1 (a month later), all into one archive, each `gov-reports crawl` in its
own subprocess. Reports bytes on the wire, responses and wall time of each recrawl as a ratio
of the first crawl, overall and on the sites that send validators (ETag / Last-Modified), plus
the WARC bytes each run added and what the epoch-1 run found (new, revised, gone).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sim import SimWeb, serve_in_thread

RUNS = [("first", 0, "2027-06-01"), ("same epoch", 0, "2027-06-09"), ("epoch+1", 1, "2027-07-09")]


def _crawl(out: Path, proxy: str, now: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "crawl",
            "--sites",
            str(out / "sites.csv"),
            "--db",
            f"sqlite:///{out / 'archive.sqlite'}",
            "--archive",
            str(out / "warc"),
            "--proxy",
            proxy,
            "--fast",
            "--json",
            "--now",
            now,
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench.recrawl: crawl failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout), time.monotonic() - started


def _warc_bytes(out: Path, crawl_id: str) -> int:
    return sum(p.stat().st_size for p in (out / "warc").glob(f"gov-reports-{crawl_id}-*"))


def run(sites: int, seed: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-recrawl-") as tmp:
        out = Path(tmp)
        validators: set[str] = set()
        for name, epoch, now in RUNS:
            web = SimWeb(sites=sites, seed=seed, epoch=epoch)
            web.write_sites_csv(out / "sites.csv")
            validators = {e["host"] for e in web.truth() if e["kind"] == "site" and e["validators"]}
            with serve_in_thread(web, port=0) as server:
                report, wall = _crawl(out, server.proxy_url, now)
            t = report["totals"]
            on_v = [s for s in report["sites"] if s["host"] in validators]
            rows.append(
                {
                    "run": name,
                    "wall_s": round(wall, 2),
                    "responses": t["responses"],
                    "bytes": t["bytes"],
                    "bytes_validator_sites": sum(s["bytes"] for s in on_v),
                    "warc_bytes": _warc_bytes(out, report["crawl_id"]),
                    "new": t["new"],
                    "revised": t["revised"],
                    "unchanged": t["unchanged"],
                    "revisits": t["revisits"],
                    "gone": t["gone"],
                }
            )
    first = rows[0]
    for row in rows[1:]:
        row["ratio"] = {
            k: round(row[k] / first[k], 3) if first[k] else None
            for k in ("bytes", "bytes_validator_sites", "responses", "wall_s", "warc_bytes")
        }
    return {"sites": sites, "seed": seed, "validator_sites": len(validators), "runs": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.recrawl", description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.sites, args.seed)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(
        f"{result['sites']} sites (seed {result['seed']}), {result['validator_sites']} with validators"
    )
    print(f"{'run':<11} {'wall s':>7} {'responses':>9} {'MB wire':>8} {'MB valid.':>9} {'MB WARC':>8} "
          f"{'new':>5} {'revised':>7} {'unchanged':>9} {'gone':>5}")  # fmt: skip
    for r in result["runs"]:
        print(
            f"{r['run']:<11} {r['wall_s']:>7} {r['responses']:>9} {r['bytes'] / 1e6:>8.2f} "
            f"{r['bytes_validator_sites'] / 1e6:>9.2f} {r['warc_bytes'] / 1e6:>8.2f} {r['new']:>5} "
            f"{r['revised']:>7} {r['unchanged']:>9} {r['gone']:>5}"
        )
    for r in result["runs"][1:]:
        ratio = ", ".join(f"{k} {v}" for k, v in r["ratio"].items())
        print(f"{r['run']} / first: {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
