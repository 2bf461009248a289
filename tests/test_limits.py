"""`parsers.limits.run_limited` in this process: the alarm stops a runaway task, and the
SIGALRM handler in place before a task is the one in place after it (the handler is swapped
with `_signal.signal`, which returns raw handlers rather than `signal`'s enum members)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from parsers.errors import ExtractTimeout
from parsers.limits import run_limited, set_time_limit


def _own_handler(signum: int, frame: object) -> None:
    raise AssertionError("the task's alarm reached the handler in place before it")


@pytest.fixture
def limited() -> Iterator[None]:
    before = signal.getsignal(signal.SIGALRM)
    set_time_limit(0.2)
    try:
        yield
    finally:
        set_time_limit(0)
        signal.signal(signal.SIGALRM, before)


@pytest.mark.parametrize("handler", [signal.SIG_DFL, signal.SIG_IGN, _own_handler])
def test_handler_restored_after_a_task(limited: None, handler: object) -> None:
    signal.signal(signal.SIGALRM, handler)
    assert run_limited(sum, ([1, 2],), {}) == 3
    assert signal.getsignal(signal.SIGALRM) == handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize("handler", [signal.SIG_DFL, _own_handler])
def test_runaway_task_stopped_and_handler_restored(limited: None, handler: object) -> None:
    signal.signal(signal.SIGALRM, handler)
    with pytest.raises(ExtractTimeout, match=r"took longer than 0\.2 s"):
        run_limited(time.sleep, (5,), {})
    assert signal.getsignal(signal.SIGALRM) == handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
