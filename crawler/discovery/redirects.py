"""Tiny shell pages that forward with JavaScript or meta refresh (domain.md §2.5)."""

from __future__ import annotations

import re

from crawler.discovery.families import caseless

# Lowercase, searched without IGNORECASE in the page's `caseless` copy (shared with the CMS
# fingerprints), which matches where IGNORECASE would at the same positions; the URL is then
# cut from the page itself, in its own case.
_META_REFRESH = re.compile(
    r"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']\s*\d*\s*;?\s*"""
    r"""(?:url\s*=\s*)?['"]?([^"'>\s]+)"""
)
_JS_LOCATION = re.compile(
    r"""(?:window\.|document\.|self\.|top\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']"""
    r"""|location\.(?:replace|assign)\(\s*["']([^"']+)["']\s*\)"""
)
SHELL_MAX_TEXT = 400  # visible characters: a real page is longer than its forwarding stub
SEARCHED_CHARS = 20000  # a shell's forwarding sits near the top


def redirect_target(html: str, visible_text_len: int) -> str | None:
    """The URL a forwarding shell sends the browser to, or None for a normal page.

    Only short pages count as shells, so a report page with a `location.href` in a menu
    script is not mistaken for one.
    """
    if visible_text_len > SHELL_MAX_TEXT:
        return None
    low = caseless(html)
    for pattern in (_META_REFRESH, _JS_LOCATION):
        if m := pattern.search(low, 0, SEARCHED_CHARS):
            group = 1 if m.start(1) >= 0 else 2
            return html[m.start(group) : m.end(group)]
    return None
