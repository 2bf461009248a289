"""Failed checks and hazards of a report version as bit masks, so filters read no child table.

`report_versions.failed_mask` has one bit per check family (storage.filters.CHECK_FAMILIES)
whose check fails, `hazard_mask` one bit per hazard tag (storage.filters.HAZARDS); rules and
tags outside those lists share a last bit each, so "any failure" stays `failed_mask <> 0`.
Both columns sit in the covering index `ix_report_versions_filters` (migration 0006):
`--failed-check FAMILY` and `--hazard TAG` become a bit test on index entries instead of a
probe into `checks` or `hazards` per report. A full rule name (`applications.flow.total`)
tests its family's bit first, then probes `checks` for the few reports left.
storage.reportindex keeps the masks up to date; nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Iterable

from storage.filters import ANY_CHECK, CHECK_FAMILIES, HAZARDS

OTHER_CHECK = 1 << len(CHECK_FAMILIES)
OTHER_HAZARD = 1 << len(HAZARDS)


def family_of(rule: str) -> str | None:
    """The family (CHECK_FAMILIES) a rule name belongs to, or None."""
    for family in CHECK_FAMILIES:
        if rule == family or rule.startswith(family + "."):
            return family
    return None


def check_bit(rule: str) -> int:
    family = family_of(rule)
    return OTHER_CHECK if family is None else 1 << CHECK_FAMILIES.index(family)


def hazard_bit(tag: str) -> int:
    return 1 << HAZARDS.index(tag) if tag in HAZARDS else OTHER_HAZARD


def failed_mask(failed_rules: Iterable[str]) -> int:
    """The mask of a version whose failing checks are `failed_rules`."""
    mask = 0
    for rule in failed_rules:
        mask |= check_bit(rule)
    return mask


def hazard_mask(tags: Iterable[str]) -> int:
    mask = 0
    for tag in tags:
        mask |= hazard_bit(tag)
    return mask


def failed_check_bits(wanted: str) -> tuple[int, bool]:
    """(bits any of which must be set, whether the exact rule must still be probed) for a
    `--failed-check` value: `any`, a family, or a full rule name within a family."""
    if wanted == ANY_CHECK:
        return (OTHER_CHECK << 1) - 1, False  # every bit, the other rules' too
    family = family_of(wanted)
    bit = check_bit(wanted)
    return bit, family != wanted
