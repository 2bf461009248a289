"""Stable seeding: every random choice in the simulator derives from a hash of named parts.

Python's built-in `hash()` is salted per process, so it must never feed a seed.
"""

from __future__ import annotations

import hashlib
import random


def stable_int(*parts: object, bits: int = 64) -> int:
    """A stable non-negative integer from the string forms of `parts`."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big") >> (128 - bits)


def stable_hex(*parts: object, length: int = 16) -> str:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return digest[:length]


def rng_for(*parts: object) -> random.Random:
    """A `random.Random` seeded from `parts`, identical in every process."""
    return random.Random(stable_int(*parts))
