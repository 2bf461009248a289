"""Shared text-layout helpers for the attachment extractors (PDF, DOCX, DOC).

They produce the package's one layout: a table row is one line of cells joined by `" | "`,
a line break inside a cell is joined without a space between CJK characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

CELL_SEPARATOR = " | "

# Han ideographs (incl. extension A and compatibility ideographs).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_HAN = re.compile(f"(?<=[{_HAN}])[ \t\u3000]+(?=[{_HAN}])")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CELL_BREAKS = re.compile(r"[\r\n\v\x07]+")
_NUMBER = re.compile(r"^[-+]?\d[\d,，]*(?:\.\d+)?%?$")
# Enumeration markers that open a new row label: "（五）", "五、", "1.", "2、", "(3)".
_ENUMERATED = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+[.、．])"
)


def _ascii_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "%.,)")


def join_wrapped(parts: Iterable[str]) -> str:
    """Join wrapped pieces of one logical line: no space unless both sides are ASCII words."""
    out = ""
    for raw in parts:
        part = raw.strip()
        if not part:
            continue
        if out and _ascii_word_char(out[-1]) and _ascii_word_char(part[0]):
            out += " "
        out += part
    return out


def clean_cell(text: str | None) -> str | None:
    """Normalise one table cell; None (a cell covered by a merge) stays None."""
    if text is None:
        return None
    joined = join_wrapped(_CELL_BREAKS.split(text))
    joined = _SPACES.sub(" ", joined).strip()
    # Justified PDF cells spread Han characters apart ("结 果维持"); the gap carries no meaning.
    joined = _SPACE_BETWEEN_HAN.sub("", joined)
    # A literal bar would read as a cell boundary.
    return joined.replace("|", "｜")


def format_row(cells: Sequence[str | None]) -> str | None:
    """One table row as one line; None cells (merged away) are skipped, blank rows give None."""
    kept = [cell for cell in cells if cell is not None]
    if not any(kept):
        return None
    return CELL_SEPARATOR.join(kept)


def is_number(text: str | None) -> bool:
    return bool(text) and bool(_NUMBER.match(text.strip()))


def is_enumerated(text: str) -> bool:
    return bool(_ENUMERATED.match(text))


def rejoin_vertical_labels(lines: list[str], min_run: int = 3) -> list[str]:
    """Join runs of one-character lines (a label typeset one character per line) into one line."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= min_run:
            out.append("".join(run))
        else:
            out.extend(run)
        run.clear()

    for line in lines:
        stripped = line.strip()
        if len(stripped) == 1 and re.match(f"[{_HAN}\u3000-\u303f\uff00-\uffef]", stripped):
            run.append(stripped)
            continue
        flush()
        out.append(line)
    flush()
    return out


_AUTHORING_PREFIX = re.compile(r"^(?:Microsoft\s+Word\s*-\s*|WPS\s*-\s*)", re.IGNORECASE)
_FILE_SUFFIX = re.compile(r"\.(?:docx?|wps|pdf|rtf)$", re.IGNORECASE)


def declared_title(title: object) -> str | None:
    """A container's metadata title, if it is specific enough to trust.

    PDF and Word metadata titles are often leftovers of the template ("政府信息公开工作年度报告")
    or of the authoring tool ("Microsoft Word - 报告.docx"); one without a year says less than
    the document's own first lines, so it is dropped.
    """
    if not isinstance(title, str):
        return None
    title = _FILE_SUFFIX.sub("", _AUTHORING_PREFIX.sub("", title.strip())).strip()
    if not title or "\ufffd" in title or "ÿþ" in title:
        return None
    return title if re.search(r"(?:19|20)\d\d", title) else None
