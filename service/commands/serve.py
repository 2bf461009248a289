"""`gov-reports serve`: the read-only JSON API and web pages over an archive (uvicorn)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.options import add_db_option, fail
from storage.db import open_readonly


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "serve",
        help="serve the archive read-only: JSON API under /api, web pages at /",
        description="Serve the archive read-only: a JSON API (/api, OpenAPI at "
        "/api/openapi.json) and web pages. Nothing in the process can write to the database.",
    )
    add_db_option(p)
    p.add_argument(
        "--archive", metavar="DIR", help="WARC directory (default: each crawl run's own)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        return fail("serve", f"bad port {args.port}")
    if args.archive and not Path(args.archive).is_dir():
        return fail("serve", f"no archive directory {args.archive!r}")
    sessions = open_readonly(args.db)
    import uvicorn

    from service.web.app import create_app

    app = create_app(sessions, args.archive)
    print(
        f"gov-reports serve: http://{args.host}:{args.port}/ (read-only; API docs at /api/docs)",
        file=sys.stderr,
    )
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        server_header=False,
        proxy_headers=True,  # trusts X-Forwarded-* from 127.0.0.1 only (uvicorn's default)
        log_level="info",
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1
