"""Anti-bot walls (JS-challenge firewalls): recognised, never solved.

Seen on real portals: HTTP 412 with a script challenge (瑞数: `$_ts`, an obfuscated script),
加速乐's `__jsl_clearance` cookie challenge (HTTP 521, sometimes 200), and bare 521 pages. A
site whose home page answers one is recorded as `challenge-blocked`; the crawler moves on.
"""

from __future__ import annotations

import re

WALL_STATUSES = (412, 521)
_SCRIPT_WALL = re.compile(rb"__jsl_clearance|\$_ts\s*=\s*window\[")
MAX_WALL_BYTES = 16_384  # a challenge page is a short script; a real page is longer


def wall(status: int, body: bytes) -> str | None:
    """The kind of wall a response is (`412`, `521`, `jsl`, `script`), or None."""
    head = body[:MAX_WALL_BYTES]
    if status in WALL_STATUSES and (status == 521 or b"<script" in head.lower()):
        return "jsl" if b"__jsl" in head else str(status)
    if (
        len(body) <= MAX_WALL_BYTES
        and (b"__jsl" in head or b"$_ts" in head)
        and _SCRIPT_WALL.search(head)
    ):
        return "jsl" if b"__jsl_clearance" in head else "script"
    return None
