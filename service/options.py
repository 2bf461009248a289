"""What the read commands share: the filter options, opening an existing archive, one-line
errors, writing an output file only once it is complete, and a progress bar."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session, sessionmaker

from storage.filters import (
    ANY_CHECK,
    CHECK_FAMILIES,
    HAZARDS,
    ISSUER_KINDS,
    TEMPLATES,
    ReportFilter,
)


class CommandError(Exception):
    """Bad input or an unusable output: printed as one line, exit status 2."""


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="URL|PATH",
        help="the archive: a SQLAlchemy URL or a SQLite file path (default: $GOV_REPORTS_DB, "
        "else data/archive.sqlite); it must exist",
    )


def add_filter_options(p: argparse.ArgumentParser) -> None:
    """The filters every read command takes (storage.filters.ReportFilter)."""
    g = p.add_argument_group("filters")
    g.add_argument("--province", metavar="NAME", help="province as printed, e.g. 云南省")
    g.add_argument("--prefecture", metavar="NAME", help="prefecture-level city, e.g. 曲靖市")
    g.add_argument("--region", metavar="CODE", help="division-code prefix, e.g. 53 or 5303")
    g.add_argument("--year", metavar="YYYY[-YYYY]", help="year covered, or a range: 2019-2024")
    g.add_argument("--template", metavar="T", help=f"one of {', '.join(TEMPLATES)}")
    g.add_argument("--issuer-kind", metavar="KIND", help=f"one of {', '.join(ISSUER_KINDS)}")
    g.add_argument("--hazard", metavar="TAG", help=f"one of {', '.join(HAZARDS)}")
    g.add_argument(
        "--failed-check",
        metavar="RULE",
        nargs="?",
        const=ANY_CHECK,
        help="reports failing any identity, or RULE: a family "
        f"({', '.join(CHECK_FAMILIES)}) or a full rule name",
    )
    g.add_argument(
        "--all-versions",
        action="store_true",
        help="also reports superseded by a revision (they carry superseded_by)",
    )


def filter_from(args: argparse.Namespace) -> ReportFilter:
    """The ReportFilter the options name; FilterError (a ValueError) on a bad value."""
    return ReportFilter.parse(
        province=args.province,
        prefecture=args.prefecture,
        region=args.region,
        year=args.year,
        template=args.template,
        issuer_kind=args.issuer_kind,
        hazard=args.hazard,
        failed_check=args.failed_check,
        all_versions=args.all_versions,
    )


def open_archive(args: argparse.Namespace) -> sessionmaker[Session]:
    """The archive `--db` names; it must exist (a read command never creates one)."""
    from storage.db import open_existing

    return open_existing(args.db)


def fail(command: str, message: object) -> int:
    print(f"gov-reports {command}: {message}", file=sys.stderr)
    return 2


@contextmanager
def atomic_output(path: str | Path, mode: str = "w", **kw: Any) -> Iterator[IO[Any]]:
    """A file written under a temporary name beside `path` and renamed into place only when
    the block finishes, so a failed export leaves nothing; CommandError if not writable."""
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        Path(tmp).chmod(0o666 & ~_umask())  # mkstemp makes 0600; a finished file is as usual
        with os.fdopen(fd, mode, **kw) as fh:
            yield fh
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_temp_dir(beside: Path) -> Path:
    """A new directory beside `beside` (renamed into place when complete), usual mode."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{beside.name}.", dir=beside.resolve().parent))
    except OSError as exc:
        raise CommandError(f"cannot write {beside}: {exc.strerror or exc}") from exc
    tmp.chmod(0o777 & ~_umask())
    return tmp


def check_writable_dir(path: str | Path) -> Path:
    """`path`'s directory must exist and be writable; returns it."""
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise CommandError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise CommandError(f"cannot write {path}: directory {parent} is not writable")
    return parent


class Progress:
    """`done/total` on one self-rewriting stderr line, only when stderr is a terminal and
    not quiet; at most ten updates a second."""

    def __init__(self, total: int | None, label: str, quiet: bool = False) -> None:
        self.total = total
        self.label = label
        self.enabled = not quiet and sys.stderr.isatty()
        self.done = 0
        self._shown = 0.0

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.enabled and time.monotonic() - self._shown > 0.1:
            self._draw()

    def _draw(self) -> None:
        self._shown = time.monotonic()
        if self.total:
            width = 30
            filled = int(width * min(self.done, self.total) / self.total)
            bar = "#" * filled + "-" * (width - filled)
            text = f"\r{self.label} [{bar}] {self.done}/{self.total}"
        else:
            text = f"\r{self.label} {self.done}"
        sys.stderr.write(text)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw()
            sys.stderr.write("\n")
            sys.stderr.flush()
