"""Bounded runs of extraction: a time limit per task, a memory cap and a watchdog per worker.

A document is hostile input, and a parser runs it in a worker process (the crawl's extraction
pool, `gov-reports parse --jobs N`) under these bounds:

- a time limit per task: a SIGALRM turns a runaway document into an ExtractTimeout;
- a watchdog thread: a document stuck inside C code (PDFium), where the alarm's handler never
  runs, ends its worker BACKSTOP_SECONDS past the limit; the pool breaks and its owner starts
  a new one (a process without a pool can watch itself the same way: `bounded_here`);
- an address-space cap: a bomb a parser did not foresee becomes a MemoryError for that
  document, not a machine out of memory;
- the end of the worker with its parent: after a `kill -9` of the parent nothing else would
  end it (a forkserver and its workers wait on each other for good);
- optionally a task log, a small file per worker naming the task it is running (and whether
  the watchdog ended it), so that after a broken pool the owner knows which input broke it.
"""

from __future__ import annotations

import _signal
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from parsers.errors import ExtractTimeout

T = TypeVar("T")

# How long past its time limit a task may run before the watchdog ends the worker.
BACKSTOP_SECONDS = 5.0

_time_limit = 0.0
_memory_mb = 0  # the address-space cap cap_memory set, if any
_backstop_at: float | None = None  # when the running task's backstop fires (monotonic)
_task_log: int | None = None  # this worker's task log (a file descriptor), if kept
_task: int | None = None  # the running task's name in the log, if it has one
_TASK_FIELD = 32  # bytes: "<task> running" or "<task> stuck", space-padded


def set_time_limit(seconds: float) -> None:
    """The time limit of each `run_limited` task in this process (0: none). Without
    `init_worker` there is no watchdog: a process cannot end itself and still report."""
    global _time_limit
    _time_limit = seconds


def init_worker(
    parent_pid: int, memory_mb: int, time_limit: float, task_dir: str | None = None
) -> None:
    """A pool's initializer: runs once in every worker process. `task_dir`: where to keep the
    task log (see `tasks_in_flight`)."""
    global _task_log
    set_time_limit(time_limit)
    threading.Thread(target=_die_with, args=(parent_pid,), daemon=True).start()
    if time_limit > 0:
        threading.Thread(
            target=_watchdog, args=(_log_stuck, threading.Event()), daemon=True
        ).start()
    if task_dir is not None:
        log = Path(task_dir) / str(os.getpid())
        _task_log = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    cap_memory(memory_mb)


def cap_memory(memory_mb: int) -> None:
    """Cap this process's address space at `memory_mb` (0: no cap): past it, an allocation
    raises MemoryError in the task that asked, and the process lives on."""
    global _memory_mb
    if memory_mb > 0:
        import resource

        limit = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        else:  # a lower hard limit stands: that is the cap in force
            limit = hard
        _memory_mb = limit // (1024 * 1024)


@contextmanager
def bounded_here(
    time_limit: float, memory_mb: int, on_stuck: Callable[[int | None], object]
) -> Iterator[None]:
    """This process's `run_limited` tasks under a time limit, a memory cap and a watchdog
    (a watchdog thread) for the block only: afterwards the process has its own limits
    back (a caller running a command in-process, a test, keeps no 2 GB cap, which the
    programs it starts would inherit)."""
    global _memory_mb
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS), _memory_mb, _time_limit
    stop = threading.Event()
    set_time_limit(time_limit)
    # The thread first: under the cap a new thread may not get its stack and arena, and
    # `Thread.start` then waits for it for good.
    if time_limit > 0:
        threading.Thread(target=_watchdog, args=(on_stuck, stop), daemon=True).start()
    in_use = _address_space_mb()
    # A caller already past the cap (a large process running the command in-process) gets
    # the cap's worth more than it has: an address space capped below its size would fail
    # every allocation, however small the document.
    cap_memory(memory_mb if memory_mb <= 0 or in_use < memory_mb else in_use + memory_mb)
    try:
        yield
    finally:
        stop.set()
        limits, _memory_mb, previous_time_limit = before
        resource.setrlimit(resource.RLIMIT_AS, limits)
        set_time_limit(previous_time_limit)


def _address_space_mb() -> int:
    """This process's address space now, in MB (VmSize; 0 where /proc does not tell)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) // 1024
    return 0


def memory_cap() -> int:
    """The address-space cap in force after `cap_memory`, in MB (0: none set)."""
    return _memory_mb


def run_limited(
    func: Callable[..., T], args: tuple, kwargs: dict[str, Any], task: int | None = None
) -> T:
    """`func(*args, **kwargs)` under the time limit (SIGALRM: call it in the main thread).
    `task` names it in the task log, if the worker keeps one."""
    global _backstop_at, _task
    _task = task
    if task is not None:
        _log_task(f"{task} running")
    try:
        if _time_limit <= 0:
            return func(*args, **kwargs)
        # The handler is swapped with `_signal.signal`, the C function `signal.signal` wraps:
        # the wrapper turns the handler it gets back into an enum member, which for a Python
        # function fails by an exception caught inside it (~10 us a task, 1 % of a seed file
        # in `gov-reports parse`). Same calls, same handlers.
        previous = _signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, _time_limit)
        _backstop_at = time.monotonic() + _time_limit + BACKSTOP_SECONDS
        try:
            return func(*args, **kwargs)
        finally:
            _backstop_at = None
            signal.setitimer(signal.ITIMER_REAL, 0)
            _signal.signal(signal.SIGALRM, previous)
    finally:
        if task is not None:
            _task = None
            _log_task("")


def tasks_in_flight(task_dir: str | Path) -> dict[int, bool]:
    """After a broken pool: the tasks its workers were running (task → whether the watchdog
    ended it). A worker that crashed leaves its task marked running, as do the others, which
    the pool ends when one dies."""
    found: dict[int, bool] = {}
    for log in Path(task_dir).iterdir():
        words = log.read_bytes().split()
        if len(words) == 2 and words[0].isdigit():
            found[int(words[0])] = words[1] == b"stuck"
    return found


def _log_task(state: str) -> None:
    if _task_log is not None:
        os.pwrite(_task_log, state.encode().ljust(_TASK_FIELD), 0)


def _on_alarm(signum: int, frame: object) -> None:
    raise ExtractTimeout(f"took longer than {_time_limit:g} s: refused")


def _watchdog(on_stuck: Callable[[int | None], object], stop: threading.Event) -> None:
    """End this process when a task runs BACKSTOP_SECONDS past its time limit, after
    `on_stuck(task)` (outside a pool, `on_stuck` says why and ends the process itself with
    `os._exit`: the task holds the main thread). SIGALRM's handler runs only between Python
    bytecodes, so a document stuck inside C code (PDFium's loading and parsing calls release
    the GIL, so this thread still runs; only the constant-time getters of the character loop,
    `parsers.extract.pdf._api`, keep it) never sees the alarm. Until `stop` is set."""
    while not stop.wait(1.0):
        deadline = _backstop_at
        if deadline is not None and time.monotonic() > deadline:
            try:
                on_stuck(_task)
            finally:
                os.kill(os.getpid(), signal.SIGKILL)


def _log_stuck(task: int | None) -> None:
    """A worker's last word: its task log names the task the watchdog ended."""
    if task is not None:
        _log_task(f"{task} stuck")


def _die_with(parent_pid: int) -> None:
    """Wait until the parent process is gone, then take a forkserver between us and this
    worker down with it."""
    try:
        handle = os.pidfd_open(parent_pid)  # Linux ≥ 5.3: readable once the process exits
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:
        while _alive(parent_pid):
            time.sleep(1.0)
    parent = os.getppid()
    if parent not in (1, parent_pid):
        os.kill(parent, signal.SIGKILL)  # the forkserver
    os.kill(os.getpid(), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
