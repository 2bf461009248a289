"""The parser's one family of exceptions; the CLI turns them into one-line messages."""

from __future__ import annotations


class ParseError(Exception):
    """A document could not be turned into a record (empty, binary, undecodable, not a report…)."""


class ExtractError(ParseError):
    """A file could not be turned into text: corrupt, encrypted, truncated, or a missing tool."""


class ExtractTimeout(ExtractError):
    """Extraction ran out of time. Unlike its parent this says nothing of the file (a loaded
    machine is slower), so a crawl tries the file again at its next run."""
