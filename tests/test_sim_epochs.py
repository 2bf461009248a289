"""Time in the simulated web: epoch K+1 adds, revises and removes exactly what the truth says."""

from __future__ import annotations

import pytest

from sim import SimWeb

SEED, SITES = 11, 25


def reports(web: SimWeb) -> dict[str, dict]:
    return {e["report_id"]: e for e in web.truth() if e["kind"] == "report"}


@pytest.mark.parametrize("epoch", [0, 2])
def test_next_epoch_changes_exactly_what_the_truth_says(epoch: int) -> None:
    before, after = SimWeb(SITES, SEED, epoch), SimWeb(SITES, SEED, epoch + 1)
    old, new = reports(before), reports(after)
    nxt = epoch + 1
    added = {rid for rid, r in new.items() if r["epoch_added"] == nxt}
    assert added and set(new) - set(old) == added
    assert set(old) <= set(new), "truth keeps every report, gone ones flagged"
    revised = {rid for rid, r in new.items() if nxt in r["revised_in_epochs"]}
    gone = {rid for rid, r in new.items() if r["gone_in_epoch"] == nxt}
    assert revised and gone
    for rid, r in new.items():
        if rid in added:
            assert before.respond("GET", r["url"], {})[0] == 404
            assert after.respond("GET", r["url"], {})[0] == 200
            continue
        if old[rid]["gone_in_epoch"] is not None:
            continue
        # Whatever else changed, the report keeps its URLs from one epoch to the next.
        assert r["urls"] == old[rid]["urls"]
        if r["format"] in ("pdf", "docx") and rid not in revised | gone:
            continue  # attachments are slow to render; the revised ones are checked below
        a = before.respond("GET", r["url"], {})
        b = after.respond("GET", r["url"], {})
        assert a[0] == 200
        if rid in gone:
            assert b[0] == 404 and r["gone_in_epoch"] == nxt
        elif rid in revised:
            assert b[0] == 200 and a[2] != b[2], f"{rid} revised in {nxt} but bytes unchanged"
            assert r["applications"] != old[rid]["applications"]
        else:
            assert a[2] == b[2], f"{rid} changed in {nxt} without a revision"
            assert r["applications"] == old[rid]["applications"]
            assert r["revised_in_epochs"] == old[rid]["revised_in_epochs"]


def test_truth_never_reveals_the_future() -> None:
    for r in reports(SimWeb(SITES, SEED, 1)).values():
        assert r["epoch_added"] <= 1
        assert all(e <= 1 for e in r["revised_in_epochs"])
        assert r["gone_in_epoch"] in (None, 1)


def test_new_reports_are_listed_in_the_report_column() -> None:
    after = SimWeb(SITES, SEED, 1)
    new = [r for r in reports(after).values() if r["epoch_added"] == 1]
    for r in new[:5]:
        page = r["attachment_of"] or r["url"]
        path = page.split("/", 3)[3]
        site = next(s for s in after.truth() if s["kind"] == "site" and s["host"] == r["site_host"])
        # Newest first: a report published this epoch sits on the column's first page (Hanweb
        # embeds its first records in the page itself, so the same check holds there).
        status, _, body = after.respond("GET", site["report_column"], {})
        assert status == 200 and f"/{path}".encode() in body
