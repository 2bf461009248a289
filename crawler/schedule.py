"""When a known report page or attachment is due again: the revisit policy, with an injectable now.

Reports are due by 31 January (departments) and 31 March (governments), and are posted and
corrected around those dates, so the crawl polls hardest from January to April:

| state of the URL                         | revisited after |
| ---------------------------------------- | --------------- |
| any, 1 January – 30 April (the season)   | 1 day           |
| changed within the last 365 days         | 7 days          |
| unchanged for a year or more             | 28 days         |
| gone (404/410)                           | 28 days (it may come back) |

Nothing is skipped for good: every known URL comes due again. Listing and navigation pages are
not scheduled at all: every run fetches them (conditionally), since new reports appear there.
A page whose item has not been stored yet has no due time and is always fetched.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SEASON_MONTHS = (1, 2, 3, 4)
SEASON = timedelta(days=1)
ACTIVE = timedelta(days=7)
QUIET = timedelta(days=28)
GONE = timedelta(days=28)
QUIET_AFTER = timedelta(days=365)


class ScheduleError(ValueError):
    """A bad GOV_REPORTS_NOW value."""


def parse_now(value: str | None) -> datetime | None:
    """`2027-01-10` or `2027-01-10T06:00:00[Z|+08:00]` → aware UTC datetime; None if empty."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ScheduleError(f"bad --now {value!r}: expected an ISO date or date-time") from exc
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def revisit_interval(
    now: datetime, last_changed: datetime | None, *, gone: bool = False
) -> timedelta:
    if now.month in SEASON_MONTHS:
        return SEASON
    if gone:
        return GONE
    if last_changed is not None and now - _aware(last_changed) >= QUIET_AFTER:
        return QUIET
    return ACTIVE


def next_due(now: datetime, last_changed: datetime | None, *, gone: bool = False) -> datetime:
    return now + revisit_interval(now, last_changed, gone=gone)


def is_due(next_due_at: datetime | None, now: datetime) -> bool:
    return next_due_at is None or _aware(next_due_at) <= now


def _aware(when: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
