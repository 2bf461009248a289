"""Benchmark of the simulated web: start-up, pages per second over loopback, peak memory.

    .venv/bin/python -m bench.sim [--sites 3000] [--requests 20000] [--connections 16]

The server runs in a child process (one core, one asyncio thread) exactly as `gov-reports sim
serve` runs it; a small asyncio client in this process drives it over keep-alive connections.
Every run is bounded by a request count and a time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = """
import sys, time
t0 = time.perf_counter()
from sim import SimWeb
from sim.server import serve_forever
web = SimWeb(sites=int(sys.argv[1]), seed=int(sys.argv[2]))
serve_forever(web, int(sys.argv[3]), ready=lambda port: print(f"ready {time.perf_counter() - t0:.3f}", flush=True))
"""
TIME_LIMIT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample_urls(sites: int, seed: int, count: int) -> tuple[list[str], list[str]]:
    """(HTML pages, attachments) of randomly chosen sites, as a crawler would meet them."""
    from sim import SimWeb

    web = SimWeb(sites=sites, seed=seed)
    rng = random.Random(0)
    pages: list[str] = []
    files: list[str] = []
    hosts = [c.host for c in web.configs]
    rng.shuffle(hosts)
    for host in hosts:
        plan = web.plan(host)
        for path, route in plan.routes.items():
            (files if route[0] == "attachment" else pages).append(f"http://{host}{path}")
        if len(pages) >= count:
            break
    rng.shuffle(pages)
    return pages[:count], files


async def _worker(port: int, urls: list[str], stats: dict[str, int], deadline: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for url in urls:
            if time.perf_counter() > deadline:
                return
            host = url.split("/")[2]
            writer.write(f"GET {url} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = await reader.readexactly(length)
            stats["requests"] += 1
            stats["bytes"] += len(body)
            stats[f"status_{status}"] = stats.get(f"status_{status}", 0) + 1
    finally:
        writer.close()


async def load(port: int, urls: list[str], connections: int) -> tuple[float, dict[str, int]]:
    stats = {"requests": 0, "bytes": 0}
    chunks = [urls[i::connections] for i in range(connections)]
    deadline = time.perf_counter() + TIME_LIMIT
    start = time.perf_counter()
    await asyncio.gather(*(_worker(port, c, stats, deadline) for c in chunks))
    return time.perf_counter() - start, stats


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sim", description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=20000, help="pages per pass (bounded)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--attachments", type=int, default=20, help="PDF/DOCX to fetch cold")
    args = parser.parse_args(argv)
    if args.sites < 1 or args.requests < 1 or args.connections < 1:
        print("bench.sim: --sites, --requests and --connections must be positive", file=sys.stderr)
        return 2

    from sim.registry import available_sites

    pages, files = sample_urls(args.sites, args.seed, args.requests)
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(args.sites), str(args.seed), str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("ready"):
            print(f"bench.sim: the server did not start: {line!r}", file=sys.stderr)
            return 1
        startup = time.perf_counter() - started
        inside = float(line.split()[1])
        print(f"sites served: {min(args.sites, available_sites())} (asked for {args.sites})")
        print(f"start-up: {startup:.2f} s to a listening proxy ({inside:.2f} s inside the process)")
        for label in ("cold (pages generated)", "warm (response cache)"):
            elapsed, stats = asyncio.run(load(port, pages, args.connections))
            rate = stats["requests"] / elapsed
            codes = {k: v for k, v in stats.items() if k.startswith("status_")}
            print(
                f"{label}: {stats['requests']} pages in {elapsed:.2f} s = {rate:,.0f} pages/s, "
                f"{stats['bytes'] / elapsed / 1e6:.1f} MB/s over {args.connections} connections "
                f"{codes}"
            )
        picked = random.Random(1).sample(files, k=min(args.attachments, len(files)))
        elapsed, stats = asyncio.run(load(port, picked, 1))
        print(
            f"attachments (PDF/DOCX rendered on first request): {stats['requests']} in "
            f"{elapsed:.2f} s = {elapsed / max(1, stats['requests']) * 1000:.0f} ms each"
        )
        print(f"server peak RSS: {peak_rss_mb(proc.pid):.0f} MB")
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
