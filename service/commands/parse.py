"""`gov-reports parse FILE...`: one record per file on stdout (JSON Lines).

With `--jobs N` the files are parsed by N worker processes; records and error lines still come
out in the order of the files given. Each worker returns the finished JSON line, so the parent
only writes.

Each file has a time limit (`--timeout`). A file over it gets an error line and the others go
on; in a worker, a file stuck inside C code (where the alarm cannot reach) ends its worker, and
the files after it are parsed in a new pool (`parsers.limits`). In the command's own process
(`--jobs 1`) such a file ends the command, with the records before it written and exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from parsers import ParseError, parse_bytes
from parsers.extract import read_input
from parsers.limits import (
    BACKSTOP_SECONDS,
    bounded_here,
    init_worker,
    memory_cap,
    run_limited,
    tasks_in_flight,
)

if TYPE_CHECKING:
    from concurrent.futures import Executor

# Files handed to a worker at a time: large enough that inter-process traffic stays small next
# to parsing, small enough that output starts early and the last batch does not leave cores idle.
_CHUNK = 8
# By default, one more worker per this many files (up to the cores): a handful of files parse
# faster in the command's own process than a pool starts.
_FILES_PER_WORKER = 16


# One encoder for every record (json.dumps builds one per call): the same text as
# json.dumps(record, ensure_ascii=False). A record is a tree of dicts and lists, never
# circular, so the check for cycles (an id-keyed dict entry per container) is left out: it
# only turns a cycle's ValueError into a RecursionError. (timeit under load: 263 -> 210 us a
# seed record; callgrind, with the handler swap in parsers.limits: -1 % of a CLI record.)
_encode = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


class Bounds(NamedTuple):
    """What each file may take: seconds (0: no limit) and a worker's memory in MB (0: no cap)."""

    timeout: float
    memory_mb: int


class Outcome(NamedTuple):
    line: str | None  # the record as one JSON line (with its newline), or None
    error: str | None  # the one-line message for stderr, or None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="parse report files (.txt, .html, .pdf, .docx, .doc) into JSON Lines records",
        description="Parse each FILE into one record (RECORD.md) and print it as a JSON line. "
        "Files that fail get a one-line error on stderr; the others are still parsed.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--indent", action="store_true", help="pretty-print (not JSON Lines)")
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=None,
        metavar="N",
        help="parse with N processes (default: one per available core, fewer for a handful "
        "of files)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"give up on a file after this long (default: {DEFAULT_TIMEOUT:.0f}; 0: no limit). "
        "A file stuck inside a C library, where the limit cannot reach, is stopped "
        f"{BACKSTOP_SECONDS:.0f} s later: in a worker process (--jobs 2 or more) the other "
        "files go on; with --jobs 1 the command stops there (exit 1)",
    )
    parser.add_argument(
        "--memory-mb",
        type=_whole,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help=f"cap each parsing process's memory (default: {DEFAULT_MEMORY_MB}; 0: no cap); a "
        "file that needs more is refused and the others go on",
    )
    parser.set_defaults(func=run)


# The crawl's defaults too (GOV_REPORTS_EXTRACT_TIMEOUT, GOV_REPORTS_WORKER_MEMORY_MB): a large
# PDF takes seconds and a few hundred MB, not minutes and gigabytes.
DEFAULT_TIMEOUT = 180.0
DEFAULT_MEMORY_MB = 2048


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds ≥ 0, got {value!r}")
    return seconds


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 1, got {value!r}")
    return int(value)


def _whole(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, got {value!r}")
    return int(value)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parse_file(name: str, indent: bool = False, task: int | None = None) -> Outcome:
    """Parse one file into its JSON line, or the reason it failed, under the time limit.
    `task` (the file's place in the command line) names it in a worker's task log."""
    try:
        record = run_limited(_parse_path, (name,), {}, task)
    except (OSError, ParseError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        return _refused(name, str(reason))
    except MemoryError:  # past the cap (--memory-mb): the allocation failed, the process lives
        return _refused(name, f"needed more memory than the cap ({memory_cap()} MB): refused")
    except Exception as error:  # noqa: BLE001 - a parser bug must not stop the other files
        return _refused(name, f"internal error ({type(error).__name__}: {error})")
    line = (json.dumps(record, ensure_ascii=False, indent=2) if indent else _encode(record)) + "\n"
    if "not-a-report" in record["hazards"]:
        reason = "not a report (a document about annual reports)"
        return Outcome(line, _error_line(name, reason))
    return Outcome(line, None)


def _parse_path(name: str) -> dict:
    path = Path(name)  # `source.path` keeps the name as given (Path would normalize "./a.txt")
    return parse_bytes(read_input(path), path.name, source={"path": name})


def run(args: argparse.Namespace) -> int:
    if args.jobs:
        jobs = min(args.jobs, len(args.files))
    else:  # a worker is worth starting for a few dozen files, not for a handful
        jobs = min(available_cores(), max(1, len(args.files) // _FILES_PER_WORKER))
    if jobs <= 1:
        # In this process the alarm stops a runaway file, but nothing can stop one stuck
        # inside C code without ending the command: the watchdog ends it, truthfully.
        stuck = partial(_stop_at_stuck_file, args.files, args.timeout)
        with bounded_here(args.timeout, args.memory_mb, stuck):
            return _write(
                parse_file(name, args.indent, task) for task, name in enumerate(args.files)
            )
    bounds = Bounds(args.timeout, args.memory_mb)
    return _write(_in_workers(args.files, args.indent, jobs, bounds))


def _stop_at_stuck_file(files: list[str], timeout: float, task: int | None) -> None:
    """From the watchdog thread, while file `task` holds the main thread in C code: write
    the records so far, say which file stopped the command and how many were left, exit 1."""
    name = files[task] if task is not None else "a file"
    left = len(files) - task - 1 if task is not None else 0
    reason = (
        f"took longer than {timeout:g} s and did not stop: refused; parse stopped here, "
        f"{left} file(s) after it not parsed (with --jobs 2 or more only this file is skipped)"
    )
    try:
        sys.stdout.flush()
        print(_error_line(name, reason), file=sys.stderr, flush=True)
    finally:
        os._exit(1)


def _parse_chunk(names: list[str], tasks: list[int], indent: bool) -> list[Outcome]:
    return [parse_file(name, indent, task) for name, task in zip(names, tasks, strict=True)]


def _in_workers(files: list[str], indent: bool, jobs: int, bounds: Bounds) -> Iterator[Outcome]:
    """Each file's outcome in file order, parsed in a pool of `jobs` workers. When a worker
    dies (a file stuck in C code past its time limit, a crash in a C library), the pool
    breaks: the files it was running are found in the workers' task logs, the one that broke
    it gets an error line, and the files not yet written go to a new pool."""
    import tempfile
    from concurrent.futures.process import BrokenProcessPool

    known: dict[int, Outcome] = {}  # outcomes not yet written, by file index
    start = 0  # the first file not yet written
    fruitless = 0  # broken rounds in a row that wrote no file
    while True:
        while start in known:
            yield known.pop(start)
            start += 1
        if start == len(files):
            return
        todo = [i for i in range(start, len(files)) if i not in known]
        size = max(1, min(_CHUNK, len(todo) // (4 * jobs)))
        chunks = [todo[j : j + size] for j in range(0, len(todo), size)]
        before = start
        with (
            tempfile.TemporaryDirectory(prefix="gov-reports-parse-") as task_dir,
            _bounded_pool(jobs, bounds, task_dir) as pool,
        ):
            futures = [pool.submit(_parse_chunk, [files[i] for i in c], c, indent) for c in chunks]
            try:
                for chunk, future in zip(chunks, futures, strict=True):
                    known.update(zip(chunk, future.result(), strict=True))
                    while start in known:
                        yield known.pop(start)
                        start += 1
                continue
            except BrokenProcessPool:
                in_flight = tasks_in_flight(task_dir)
        fruitless = 0 if start > before else fruitless + 1
        if fruitless > 2 and not in_flight:  # the workers die before they take a file
            rest = [i for i in range(start, len(files)) if i not in known]
            known.update(
                {i: _refused(files[i], "not parsed: its workers kept dying") for i in rest}
            )
        known.update(_blame(files, in_flight, indent, bounds, give_up=fruitless > 2))


def _blame(
    files: list[str], in_flight: dict[int, bool], indent: bool, bounds: Bounds, give_up: bool
) -> dict[int, Outcome]:
    """The outcomes of the files a broken pool was running. A file the watchdog stopped is
    refused; otherwise, when several were in flight, each is run alone to find the one that
    kills its worker (the others parse as usual)."""
    stuck = [i for i, ended in in_flight.items() if ended]
    if stuck:
        reason = f"took longer than {bounds.timeout:g} s and did not stop: refused"
        return {i: _refused(files[i], reason) for i in stuck}
    if len(in_flight) == 1 or give_up:
        return {i: _refused(files[i], "its worker process died: refused") for i in in_flight}
    return {i: _alone(files[i], i, indent, bounds) for i in sorted(in_flight)}


def _alone(name: str, index: int, indent: bool, bounds: Bounds) -> Outcome:
    """One file in a worker of its own: its outcome, or refused if it kills the worker."""
    from concurrent.futures.process import BrokenProcessPool

    with _bounded_pool(1, bounds) as pool:
        try:
            return pool.submit(_parse_chunk, [name], [index], indent).result()[0]
        except BrokenProcessPool:
            return _refused(name, "its worker process died: refused")


def _bounded_pool(jobs: int, bounds: Bounds, task_dir: str | None = None) -> Executor:
    """Worker processes under `parsers.limits` (time limit and watchdog, memory cap, ending
    with this process), keeping task logs in `task_dir` if given."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        jobs,
        initializer=init_worker,
        initargs=(os.getpid(), bounds.memory_mb, bounds.timeout, task_dir),
    )


def _refused(name: str, reason: str) -> Outcome:
    return Outcome(None, _error_line(name, reason))


def _error_line(name: str, reason: str) -> str:
    return f"gov-reports parse: {name}: {reason}"


def _write(outcomes: Iterable[Outcome]) -> int:
    """Print each outcome as it arrives, in file order; 1 if any file failed."""
    status = 0
    out, err = sys.stdout, sys.stderr
    for outcome in outcomes:
        if outcome.error:
            # Keep stdout and stderr in step for a reader that merges them.
            out.flush()
            print(outcome.error, file=err)
            status = 1
        if outcome.line:
            out.write(outcome.line)
    return status
