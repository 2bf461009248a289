"""Seed sites: the shipped county registry (or a file in the same CSV format), filtered."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

IN_USE = "在用"


class SitesError(ValueError):
    """The sites file cannot be read or has no usable rows; the message names the file."""


@dataclass(frozen=True)
class SeedSite:
    code: str
    name: str
    host: str
    url: str
    prefecture: str | None = None
    province: str | None = None


def _open_registry(path: str | Path | None) -> tuple[str, list[dict[str, str]]]:
    if path is None:
        ref = resources.files("parsers") / "data" / "cn_county_divisions.csv"
        label = "parsers/data/cn_county_divisions.csv"
        text = ref.read_text(encoding="utf-8")
    else:
        label = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise SitesError(f"cannot read sites file {label}: {exc}") from exc
    rows = list(csv.DictReader(text.splitlines()))
    if rows and not {"code", "host"} <= set(rows[0]):
        raise SitesError(f"sites file {label} lacks the columns 'code' and 'host'")
    return label, rows


def _seed_url(row: dict[str, str]) -> str:
    """The site root: the registry URL may point at a sub-page, the crawl starts at /."""
    host = row["host"].strip()
    scheme = urlsplit((row.get("url") or "").strip()).scheme or "http"
    return f"{scheme}://{host}/"


def load_sites(
    path: str | Path | None = None,
    *,
    codes: list[str] | None = None,
    max_sites: int | None = None,
) -> list[SeedSite]:
    """In-use rows with a host, optionally only `codes` (prefixes allowed) and the first N."""
    label, rows = _open_registry(path)
    sites: list[SeedSite] = []
    seen: set[str] = set()
    for row in rows:
        host = (row.get("host") or "").strip().lower()
        status = (row.get("status") or IN_USE).strip()
        code = (row.get("code") or "").strip()
        if not host or not code or status != IN_USE or code in seen:
            continue
        if codes and not any(code.startswith(c) for c in codes):
            continue
        seen.add(code)
        sites.append(
            SeedSite(
                code=code,
                name=(row.get("name") or "").strip(),
                host=host,
                url=_seed_url({**row, "host": host}),
                prefecture=(row.get("prefecture_name") or "").strip() or None,
                province=(row.get("province_name") or "").strip() or None,
            )
        )
    if max_sites is not None:
        sites = sites[: max(0, max_sites)]
    if not sites:
        raise SitesError(f"sites file {label} has no in-use rows with a host (after filters)")
    return sites
