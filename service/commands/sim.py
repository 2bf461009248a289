"""`gov-reports sim`: serve the simulated county web (an HTTP forward proxy) with its answer key."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from service.options import fail


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="serve a simulated county-government web on loopback, with ground truth",
        description="A deterministic stand-in for the county portals: N sites from the registry, "
        "served by an HTTP forward proxy on 127.0.0.1 (point Scrapy's http_proxy at it).",
    )
    actions = parser.add_subparsers(dest="sim_command", metavar="ACTION")
    for name, text in (
        ("serve", "write sites.csv and truth.jsonl, then serve the proxy until interrupted"),
        ("write", "write sites.csv and truth.jsonl and exit"),
    ):
        sub = actions.add_parser(name, help=text, description=text)
        sub.add_argument(
            "--sites", type=int, default=50, help="number of county sites (default 50)"
        )
        sub.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        sub.add_argument("--epoch", type=int, default=0, help="time step of the web (default 0)")
        sub.add_argument("--out", type=Path, default=Path("data/sim"), help="output directory")
        sub.add_argument(
            "--faults", type=float, default=0.0, help="share of requests that fail (default 0)"
        )
        sub.add_argument(
            "--platforms",
            type=float,
            default=0.0,
            help="share of sites on a real portal platform (Hanweb xxgk module, "
            "OpennessAnnualReport, gkmlpt, ID-named pages), some behind anti-bot walls "
            "(default 0: the four classic CMS families only)",
        )
        if name == "serve":
            sub.add_argument("--port", type=int, default=8899, help="proxy port (default 8899)")
        sub.set_defaults(func=run)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _fail(message: str) -> int:
    return fail("sim", message)


def run(args: argparse.Namespace) -> int:
    from sim import SimWeb, serve_in_thread
    from sim.registry import available_sites

    if args.sites < 1:
        return _fail(f"--sites must be at least 1, got {args.sites}")
    if args.epoch < 0:
        return _fail(f"--epoch must be 0 or more, got {args.epoch}")
    if not 0.0 <= args.faults <= 1.0:
        return _fail(f"--faults must be between 0 and 1, got {args.faults}")
    if not 0.0 <= args.platforms <= 1.0:
        return _fail(f"--platforms must be between 0 and 1, got {args.platforms}")
    port = getattr(args, "port", None)
    if port is not None and not 0 <= port <= 65535:
        return _fail(f"--port must be 0-65535, got {port}")
    limit = available_sites()
    if args.sites > limit:
        print(
            f"gov-reports sim: the registry has {limit} sites with a host; serving {limit}",
            file=sys.stderr,
        )
    start = time.perf_counter()
    web = SimWeb(
        sites=min(args.sites, limit),
        seed=args.seed,
        epoch=args.epoch,
        faults=args.faults,
        platforms=args.platforms,
    )
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        web.write_sites_csv(args.out / "sites.csv")
    except OSError as exc:
        return _fail(f"cannot write to {args.out}: {exc.strerror or exc}")
    server = None
    if args.sim_command == "serve":
        try:
            server = serve_in_thread(web, port=port)
        except RuntimeError as exc:
            return _fail(str(exc))
        print(
            f"sim: {len(web.configs)} sites (seed {args.seed}, epoch {args.epoch}) ready in "
            f"{time.perf_counter() - start:.2f}s; HTTP proxy at {server.proxy_url} "
            f"(e.g. http_proxy={server.proxy_url} curl http://{web.configs[0].host}/)",
            flush=True,
        )
    try:
        # The proxy already answers while the answer key is written (that takes ~15 s for
        # 3,000 sites); the rename makes truth.jsonl appear only once complete.
        partial = args.out / "truth.jsonl.partial"
        entries = web.write_truth(partial)
        partial.replace(args.out / "truth.jsonl")
    except OSError as exc:
        if server:
            server.close()
        return _fail(f"cannot write to {args.out}: {exc.strerror or exc}")
    print(
        f"sim: wrote {args.out / 'sites.csv'} and {args.out / 'truth.jsonl'} ({entries} entries)",
        flush=True,
    )
    if server is None:
        return 0
    print("sim: serving; Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        server.close()
