"""The `gov-reports` console script: one thin dispatcher over small subcommand modules.

Each module in `service.commands` exposes `register(subparsers)`, which adds its subcommand and
sets `func(args) -> int` as the handler. Domain errors become one-line messages here, never
tracebacks.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

# Subcommand modules, in the order `--help` lists them. Add a module here to add a command.
COMMAND_MODULES = [
    "service.commands.parse",
    "service.commands.demo",
    "service.commands.crawl",
    "service.commands.verify",
    "service.commands.search",
    "service.commands.show",
    "service.commands.export",
    "service.commands.panel",
    "service.commands.coverage",
    "service.commands.reparse",
    "service.commands.sim",
    "service.commands.diff",
    "service.commands.serve",
]


class OneLineParser(argparse.ArgumentParser):
    """Bad usage is one line on stderr naming the problem (exit 2), not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("gov-reports")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="gov-reports",
        description="Crawl, archive and parse Chinese government information-disclosure "
        "annual reports (政府信息公开工作年度报告).",
    )
    parser.add_argument("--version", action="version", version=f"gov-reports {version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("gov-reports: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
