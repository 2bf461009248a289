"""The `gov-reports` console script: one thin dispatcher over small subcommand modules.

Each module in `service.commands` exposes `register(subparsers)`, which adds its subcommand and
sets `func(args) -> int` as the handler. The project's errors become one-line messages and
exit codes here (service.exits), never tracebacks.

A command whose module is named after it is loaded alone: `gov-reports parse` imports neither
the crawler nor the database (`python -X importtime -m service.cli parse …` shows it). Only
`--help` and commands from other modules load them all.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

from service.exits import exit_code_for

# Subcommand modules, in the order `--help` lists them. Add a module here to add a command.
COMMAND_MODULES = [
    "service.commands.parse",
    "service.commands.demo",
    "service.commands.crawl",
    "service.commands.worker",
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


class _PrintVersion(argparse.Action):
    """`--version`, looked up only when asked: the lookup imports importlib.metadata, tens of
    milliseconds every other command would pay at start-up."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"gov-reports {version()}")
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for every command, or for `command` alone when its module is named after it."""
    parser = OneLineParser(
        prog="gov-reports",
        description="Crawl, archive and parse Chinese government information-disclosure "
        "annual reports (政府信息公开工作年度报告).",
    )
    parser.add_argument(
        "--version", action=_PrintVersion, help="show program's version number and exit"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    own = [name for name in COMMAND_MODULES if name.rpartition(".")[2] == command]
    for module_name in own or COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def _command(argv: list[str]) -> str | None:
    """The command word: the first argument, as the top-level parser has no options of its own
    other than --help and --version."""
    return argv[0] if argv and not argv[0].startswith("-") else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except Exception as exc:
        mapped = exit_code_for(exc)
        if mapped is None:
            raise
        code, message = mapped
        print(f"gov-reports {args.command}: {message}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print("gov-reports: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
