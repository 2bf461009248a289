"""`gov-reports serve`: the read-only JSON API and web pages over an archive (uvicorn)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path
from typing import Any

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
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1); one per CPU core serves pages in parallel",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="requests each worker handles at once (default 1: the work is CPU-bound and "
        "one thread at a time is fastest; raise it when the database is slow to answer)",
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        return fail("serve", f"bad port {args.port}")
    if not 1 <= args.workers <= 64:
        return fail("serve", f"bad number of workers {args.workers}: expected 1 to 64")
    if not 1 <= args.threads <= 64:
        return fail("serve", f"bad number of threads {args.threads}: expected 1 to 64")
    if args.archive and not Path(args.archive).is_dir():
        return fail("serve", f"no archive directory {args.archive!r}")
    sessions = open_readonly(args.db)
    import uvicorn

    from service.web.app import ARCHIVE_ENV, DB_ENV, THREADS_ENV, create_app

    print(
        f"gov-reports serve: http://{args.host}:{args.port}/ (read-only; API docs at /api/docs)",
        file=sys.stderr,
    )
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "server_header": False,
        "proxy_headers": True,  # trusts X-Forwarded-* from 127.0.0.1 only (uvicorn's default)
        "log_level": "info",
    }
    if args.workers > 1:
        # Each worker imports the app by name and opens the database itself (read-only, as
        # checked above); the supervisor restarts a worker that dies.
        from uvicorn.supervisors import Multiprocess

        sessions.kw["bind"].dispose()
        os.environ[DB_ENV] = args.db or ""  # none: $GOV_REPORTS_DB or the default, as here
        os.environ[ARCHIVE_ENV] = args.archive or ""
        os.environ[THREADS_ENV] = str(args.threads)
        config = uvicorn.Config(
            "service.web.app:app_from_env", factory=True, workers=args.workers, **options
        )
        Multiprocess(config, sockets=[tcp_listener(config)]).run()
        return 0
    server = uvicorn.Server(
        uvicorn.Config(create_app(sessions, args.archive, args.threads), **options)
    )
    server.run()
    return 0 if server.started else 1


def tcp_listener(config: Any) -> socket.socket:
    """The listening socket uvicorn binds for its workers, labelled as TCP.

    uvicorn's says protocol 0, so asyncio in the workers never sets TCP_NODELAY on the
    connections it accepts (it checks for IPPROTO_TCP), and every response on a kept-alive
    connection waits ~40 ms for the client's delayed ACK (uvicorn issue #3149)."""
    sock: socket.socket = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, sock.detach())
        sock.set_inheritable(True)
    return sock
