"""Tiny shell pages that forward with JavaScript or meta refresh (domain.md §2.5)."""

from __future__ import annotations

import re

_META_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']\s*\d*\s*;?\s*"""
    r"""(?:url\s*=\s*)?['"]?([^"'>\s]+)""",
    re.IGNORECASE,
)
_JS_LOCATION = re.compile(
    r"""(?:window\.|document\.|self\.|top\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']"""
    r"""|location\.(?:replace|assign)\(\s*["']([^"']+)["']\s*\)""",
    re.IGNORECASE,
)
SHELL_MAX_TEXT = 400  # visible characters: a real page is longer than its forwarding stub


def redirect_target(html: str, visible_text_len: int) -> str | None:
    """The URL a forwarding shell sends the browser to, or None for a normal page.

    Only short pages count as shells, so a report page with a `location.href` in a menu
    script is not mistaken for one.
    """
    if visible_text_len > SHELL_MAX_TEXT:
        return None
    if m := _META_REFRESH.search(html):
        return m.group(1)
    if m := _JS_LOCATION.search(html):
        return m.group(1) or m.group(2)
    return None
