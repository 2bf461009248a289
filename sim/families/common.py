"""What the platform families share: the publishing units of a site and their list items."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.rng import stable_int
from sim.site import all_slots, issuer_of

if TYPE_CHECKING:
    from sim.plan import Item, SitePlan
    from sim.site import SiteConfig


def units(plan: SitePlan) -> list[tuple[str, str]]:
    """(slot, unit name) of every publishing unit: government, office, departments, towns."""
    return [(slot, issuer_of(plan.cfg, slot)[0]) for slot in all_slots()]


def unit_name(plan: SitePlan, slot: str) -> str:
    return issuer_of(plan.cfg, slot)[0]


def items_of(plan: SitePlan, slots: set[str] | None = None) -> list[Item]:
    """The annual-report column's items (reports and notices), newest first, of `slots`."""
    return [it for it in plan.columns.get("nb", []) if slots is None or it.slot in slots]


def number(cfg: SiteConfig, *parts: object, digits: int) -> int:
    """A stable id of exactly `digits` digits."""
    low = 10 ** (digits - 1)
    return low + stable_int(cfg.seed, cfg.host, *parts) % (9 * low)


def abbr(host: str) -> str:
    """`www.qjfy.gov.cn` → `qjfy`: the short name platforms put in unit paths."""
    labels = host.split(".")
    return labels[1] if labels[0] == "www" and len(labels) > 2 else labels[0]
