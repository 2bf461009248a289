"""The revisit schedule: harder polling in the reporting season, nothing skipped for good."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from crawler.schedule import (
    ACTIVE,
    GONE,
    QUIET,
    SEASON,
    ScheduleError,
    is_due,
    next_due,
    parse_now,
    revisit_interval,
)


@pytest.mark.parametrize("month", [1, 2, 3, 4])
def test_the_reporting_season_polls_daily(month: int) -> None:
    now = datetime(2027, month, 15, tzinfo=UTC)
    assert revisit_interval(now, now - timedelta(days=900)) == SEASON == timedelta(days=1)
    assert revisit_interval(now, None, gone=True) == SEASON


def test_outside_the_season_recent_changes_weekly_old_ones_monthly_gone_monthly() -> None:
    now = datetime(2027, 7, 1, tzinfo=UTC)
    assert revisit_interval(now, now - timedelta(days=30)) == ACTIVE
    assert revisit_interval(now, now - timedelta(days=400)) == QUIET
    assert revisit_interval(now, None, gone=True) == GONE
    # Every interval is finite: no permanent skip list.
    assert max(ACTIVE, QUIET, GONE, SEASON) <= timedelta(days=28)


def test_due_times_and_naive_database_datetimes() -> None:
    now = datetime(2027, 7, 1, 6, tzinfo=UTC)
    due = next_due(now, now)
    assert due == now + ACTIVE
    assert not is_due(due, now) and is_due(due, due) and is_due(None, now)
    # SQLite returns naive datetimes (stored as UTC).
    assert not is_due(due.replace(tzinfo=None), now)


def test_now_is_injectable_and_checked() -> None:
    assert parse_now("2027-01-10") == datetime(2027, 1, 10, tzinfo=UTC)
    assert parse_now("2027-01-10T08:00:00+08:00") == datetime(2027, 1, 10, tzinfo=UTC)
    assert parse_now("") is None
    with pytest.raises(ScheduleError, match="yesterday"):
        parse_now("yesterday")


def test_a_bad_now_is_a_one_line_error_with_exit_2(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "crawl", "--now", "soon", "--max-sites", "1",
         "--db", f"sqlite:///{tmp_path}/a.sqlite", "--archive", f"{tmp_path}/warc"],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "soon" in result.stderr
