"""Searching a long text with a pattern the regex engine cannot skip through.

Python's engine jumps ahead to the candidates of a pattern that begins with a literal or a
character class, but tries a pattern that begins with a group of alternatives (one starting
with a group, an anchor or a class) at every character: over a report, several times slower.
Such a pattern is tried here only where a second, fast pattern says a match can begin.
"""

from __future__ import annotations

import re
from bisect import bisect_left

# One pattern, or several each beginning with a literal (see finditer_from).
Starts = re.Pattern[str] | tuple[re.Pattern[str], ...]


def search_from(
    pattern: re.Pattern[str], starts: re.Pattern[str], text: str
) -> re.Match[str] | None:
    """The same match as `pattern.search(text)`, trying `pattern` only at the start of the text
    and where `starts` matches. `starts` must begin with a character class or a literal, match
    (at least) wherever a match of `pattern` can begin, and consume one character, so that no
    start is skipped.

    `pattern.match(text, i)` sees the text before `i` (lookbehinds) as `search` does, and the
    positions are tried in order, so the first match found is the leftmost one.
    """
    return _first(pattern, starts, text, 0)


def finditer_from(pattern: re.Pattern[str], starts: Starts, text: str) -> list[re.Match[str]]:
    """The same matches as `pattern.finditer(text)` for a pattern that never matches the empty
    string: each search resumes where the last match ended, as finditer's does.

    `starts` may be several patterns, each beginning with a literal (several characters, as
    "政府网", which the regex engine skips through faster still), that together match wherever
    a match can begin, none of whose matches holds a start of its own pattern after its first
    character: one alternation of them would begin with the class of their first characters,
    which the engine tests at every character. Their starts are found once and merged."""
    places = None
    if isinstance(starts, tuple):
        places = sorted(found.start() for start in starts for found in start.finditer(text, 1))
    found = []
    match = _first(pattern, starts, text, 0, places)
    while match:
        found.append(match)
        match = _first(pattern, starts, text, match.end(), places)
    return found


def _first(
    pattern: re.Pattern[str],
    starts: Starts,
    text: str,
    position: int,
    places: list[int] | None = None,
) -> re.Match[str] | None:
    if position == 0:
        match = pattern.match(text)  # "^" matches here, where `starts` need not
        if match:
            return match
    if places is not None:
        at = bisect_left(places, max(position, 1))
        for tried, start in enumerate(places[at:]):
            if tried == _MAX_TRIES:
                return pattern.search(text, start)
            match = pattern.match(text, start)
            if match:
                return match
        return None
    assert isinstance(starts, re.Pattern)
    for tried, found in enumerate(starts.finditer(text, max(position, 1))):
        if tried == _MAX_TRIES:  # a page of near misses (hostile input): the engine scans on
            return pattern.search(text, found.start())
        match = pattern.match(text, found.start())
        if match:
            return match
    return None


# Candidates tried one by one before the rest is left to a plain search (which finds the same
# match): each try is a Python call, so a page made of candidates would cost more than a scan.
_MAX_TRIES = 256
