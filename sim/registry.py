"""The shipped county registry, and the deterministic draw of N sites from it."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from sim.rng import stable_int

REGISTRY_PATH = (
    Path(__file__).resolve().parent.parent / "parsers" / "data" / "cn_county_divisions.csv"
)
IN_USE = "在用"


@lru_cache(maxsize=1)
def load_registry() -> tuple[list[str], list[dict[str, str]]]:
    """(column names, in-use rows that have a host), in file order."""
    try:
        with REGISTRY_PATH.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = [r for r in reader if r["status"] == IN_USE and r["host"].strip()]
            return list(reader.fieldnames or []), rows
    except OSError as exc:
        raise SystemExit(f"sim: cannot read the county registry {REGISTRY_PATH}: {exc}") from exc


def draw_sites(count: int, seed: int) -> list[dict[str, str]]:
    """`count` registry rows chosen by `seed`, in a stable order (capped at the registry size)."""
    _, rows = load_registry()
    ranked = sorted(rows, key=lambda r: stable_int("site-draw", seed, r["code"]))
    return ranked[: max(0, count)]


def available_sites() -> int:
    return len(load_registry()[1])
