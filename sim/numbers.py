"""Report numbers: generated so every accounting identity (domain.md §1.4) holds, unless the
report carries the `totals-dont-add-up` hazard, in which case exactly one printed cell is off.

Each table comes back twice: the RECORD.md-shaped values (for truth.jsonl) and the printed text
of every cell (for the renderers), so "增9" and "7976.14万元" stay beside their values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sim.labels import (
    ACTIVE,
    APP_COLUMNS,
    APPLICANT_COLUMNS,
    CARRIED_FORWARD,
    CARRIED_OVER,
    NEW_RECEIVED,
    OUTCOME_ROWS,
    REVIEW_CELLS,
    REVIEW_GROUPS,
    TOTAL_PROCESSED,
)

# Rough magnitude of requests by issuer kind: (max new requests of natural persons, share of orgs).
SCALE = {"government": 120, "government_office": 40, "department": 25, "township": 6}
# Weights of the outcome rows (a grant is by far the most common outcome).
OUTCOME_WEIGHTS = {
    "granted": 50,
    "partially_granted": 6,
    "denied_state_secret": 0.3,
    "denied_prohibited_by_law": 0.5,
    "denied_security_stability": 0.3,
    "denied_third_party": 1,
    "denied_internal_affairs": 1,
    "denied_process_info": 1.5,
    "denied_enforcement_file": 0.5,
    "denied_admin_query": 1,
    "unable_not_held": 12,
    "unable_needs_creation": 2,
    "unable_unclear": 2,
    "not_processed_complaint": 2,
    "not_processed_repeat": 2,
    "not_processed_publication": 0.5,
    "not_processed_mass": 0.3,
    "not_processed_confirm": 0.5,
    "other_handling": 3,
    "other_overdue_correction": 2,
    "other_overdue_fee": 0.2,
    "other_reasons": 1,
}


@dataclass
class Numbers:
    template: str
    applications: dict[str, dict[str, int]]
    review_litigation: dict[str, dict[str, int]]
    active_disclosure: dict[str, dict[str, Any]] | None
    active_printed: dict[str, dict[str, str]] = field(default_factory=dict)
    # pre2019 prose facts
    proactive_items: int = 0
    broken: str | None = None  # which cell the hazard changed, for debugging


def _split(rng: random.Random, total: int, weights: dict[str, float]) -> dict[str, int]:
    """Deal `total` requests out to the outcome rows at random, in proportion to `weights`."""
    keys = list(weights)
    out = dict.fromkeys(keys, 0)
    if total:
        for key in rng.choices(keys, weights=list(weights.values()), k=total):
            out[key] += 1
    return out


def _applications(rng: random.Random, template: str, kind: str) -> dict[str, dict[str, int]]:
    scale = SCALE[kind]
    quiet = rng.random() < (0.35 if kind in ("department", "township") else 0.1)
    new: dict[str, int] = {}
    carried: dict[str, int] = {}
    for col in APPLICANT_COLUMNS:
        top = scale if col == "natural_person" else max(1, scale // 12)
        chance = 1.0 if col == "natural_person" else 0.35
        new[col] = 0 if quiet or rng.random() > chance else rng.randint(0, top)
        carried[col] = rng.randint(0, max(0, new[col] // 8)) if new[col] else 0
    keys = [k for k, _, _ in OUTCOME_ROWS[template]]
    weights = {k: OUTCOME_WEIGHTS[k] for k in keys}
    rows: dict[str, dict[str, int]] = {k: {} for k in keys}
    forward: dict[str, int] = {}
    for col in APPLICANT_COLUMNS:
        pool = new[col] + carried[col]
        forward[col] = rng.randint(0, pool // 6) if pool else 0
        split = _split(rng, pool - forward[col], weights)
        for k in keys:
            rows[k][col] = split[k]
    apps: dict[str, dict[str, int]] = {NEW_RECEIVED[0]: new, CARRIED_OVER[0]: carried}
    apps.update(rows)
    apps[TOTAL_PROCESSED[0]] = {c: sum(rows[k][c] for k in keys) for c in APPLICANT_COLUMNS}
    apps[CARRIED_FORWARD[0]] = forward
    for row in apps.values():
        row["total"] = sum(row[c] for c in APPLICANT_COLUMNS)
    # Keep RECORD.md's column order in every row.
    return {k: {c: v[c] for c in APP_COLUMNS} for k, v in apps.items()}


def _review(rng: random.Random, kind: str) -> dict[str, dict[str, int]]:
    out = {}
    busy = kind == "government" and rng.random() < 0.4
    for group in REVIEW_GROUPS:
        cells = {c: (rng.randint(0, 3) if busy and rng.random() < 0.5 else 0) for c in REVIEW_CELLS}
        cells["total"] = cells["upheld"] + cells["corrected"] + cells["other"] + cells["pending"]
        out[group] = cells
    return out


def _signed(rng: random.Random, value: int) -> str:
    if value == 0:
        return "0"
    style = rng.choice(("cn", "cn", "sign"))
    if style == "cn":
        return f"增{value}" if value > 0 else f"减{-value}"
    return f"+{value}" if value > 0 else str(value)


def _active(rng: random.Random, template: str, kind: str) -> tuple[dict, dict]:
    big = kind == "government"
    values: dict[str, dict[str, Any]] = {}
    printed: dict[str, dict[str, str]] = {}
    for _header, _cols, rows in ACTIVE[template]:
        for key, _label, cells in rows:
            vals: dict[str, Any] = {}
            text: dict[str, str] = {}
            if key == "regulations":
                for c in cells:
                    vals[c] = 0
            elif key == "normative_documents":
                a = rng.randint(0, 25 if big else 4)
                b = rng.randint(0, a) if template == "2019" else rng.randint(0, 6)
                base = rng.randint(a, a + (150 if big else 20))
                if template == "2019":
                    vals = {"made": a, "published": b, "total_published": base}
                else:
                    vals = {"issued": a, "repealed": b, "in_force": base}
            elif key == "fees" and template == "2021":
                amount = (
                    0 if rng.random() < 0.5 else round(rng.uniform(0.5, 3000 if big else 80), 2)
                )
                vals = {"amount_wan_yuan": amount}
                text = {"amount_wan_yuan": "0" if amount == 0 else f"{amount:g}"}
            elif key == "procurement":
                projects = rng.randint(0, 150 if big else 8)
                yuan = round(rng.uniform(1e4, 9e7), 2) if projects else 0.0
                style = rng.choice(("wan", "yuan", "bare"))
                if not projects:
                    raw, parsed = "0", None  # no unit printed: RECORD.md says null
                elif style == "wan":
                    raw = f"{yuan / 1e4:.2f}万元"
                    parsed = round(float(f"{yuan / 1e4:.2f}") * 1e4, 2)
                elif style == "yuan":
                    raw, parsed = f"{int(yuan)}元", float(int(yuan))
                else:
                    raw, parsed = str(int(yuan)), None
                vals = {"projects": projects, "amount": {"raw": raw, "yuan": parsed}}
                text = {"projects": str(projects), "amount": raw}
            else:
                top = {"licensing": 60000, "other_services": 9000, "punishment": 5000}.get(key, 600)
                top = top if big else max(10, top // 50)
                if template == "2019":
                    prev = rng.randint(0, 400 if big else 30)
                    change = rng.randint(-min(prev, 50), 30)
                    vals = {"previous_year": prev, "change": change}
                    text = {"previous_year": str(prev), "change": _signed(rng, change)}
                    if "decisions" in cells:
                        vals["decisions"] = rng.randint(0, top)
                else:
                    vals = {"decisions": rng.randint(0, top)}
            for c in cells:
                text.setdefault(c, str(vals[c]))
            values[key] = vals
            printed[key] = text
    return values, printed


def _break_totals(rng: random.Random, nums: Numbers) -> None:
    """Change one printed cell so that at least one identity fails (a source-table anomaly)."""
    delta = rng.choice((1, 2, 3, 10))
    choice = rng.choice(("total_processed", "new_received", "granted", "review"))
    if choice == "review":
        nums.review_litigation["review"]["total"] += delta
        nums.broken = "review_litigation.review.total"
        return
    col = rng.choice(("natural_person", "total"))
    nums.applications[choice][col] += delta
    nums.broken = f"applications.{choice}.{col}"


def generate(rng: random.Random, template: str, kind: str, bad_totals: bool) -> Numbers:
    if template == "pre2019":
        received = 0 if rng.random() < 0.4 else rng.randint(1, SCALE[kind])
        reviews = 0 if rng.random() < 0.85 else rng.randint(1, 3)
        review = {"review": {"total": reviews}}
        if reviews == 0:
            review.update(
                {"litigation_direct": {"total": 0}, "litigation_after_review": {"total": 0}}
            )
        return Numbers(
            template=template,
            applications={"new_received": {"total": received}},
            review_litigation=review,
            active_disclosure=None,
            proactive_items=rng.randint(30, 4000 if kind == "government" else 300),
        )
    active, printed = _active(rng, template, kind)
    nums = Numbers(
        template=template,
        applications=_applications(rng, template, kind),
        review_litigation=_review(rng, kind),
        active_disclosure=active,
        active_printed=printed,
        proactive_items=rng.randint(30, 4000 if kind == "government" else 300),
    )
    if bad_totals:
        _break_totals(rng, nums)
    return nums


def revise(nums: Numbers, delta: int) -> None:
    """A corrected re-issue: `delta` more requests received from and granted to natural persons."""
    apps = nums.applications
    if nums.template == "pre2019":
        apps["new_received"]["total"] += delta
        return
    for row in ("new_received", "granted", "total_processed"):
        apps[row]["natural_person"] += delta
        apps[row]["total"] += delta
    nums.proactive_items += delta


def identities_hold(nums: Numbers) -> bool:
    """True when every hard identity of domain.md §1.4 holds (used by tests and by generation)."""
    if nums.template == "pre2019":
        return True
    apps = nums.applications
    outcome_keys = [k for k, _, _ in OUTCOME_ROWS[nums.template]]
    for row in apps.values():
        if row["total"] != sum(row[c] for c in APPLICANT_COLUMNS):
            return False
    for col in APP_COLUMNS:
        flow_in = apps["new_received"][col] + apps["carried_over"][col]
        if flow_in != apps["total_processed"][col] + apps["carried_forward"][col]:
            return False
        if apps["total_processed"][col] != sum(apps[k][col] for k in outcome_keys):
            return False
    for cells in nums.review_litigation.values():
        if (
            cells["total"]
            != cells["upheld"] + cells["corrected"] + cells["other"] + cells["pending"]
        ):
            return False
    return True
