"""Every fixture set parses to the records stored in tests/fixtures/parse_snapshot.json.

Speed work must not change a record. When a fidelity fix changes records on purpose,
regenerate the snapshot (`python -m tests.parse_snapshot`, see tests/parse_snapshot.py) in the
same commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from sim import attachments
from tests import parse_snapshot as snap
from tests.required import missing

SETS: dict[str, tuple[str, Callable[[], Iterator[tuple[str, bytes, str | None]]]]] = {
    "fixtures": ("", snap.fixture_inputs),
    "shared-real": (snap.REAL_PREFIX, snap.real_inputs),
    "simulated": (snap.SIM_PREFIX, snap.sim_inputs),
}


def _in_set(key: str, prefix: str) -> bool:
    if prefix:
        return key.startswith(prefix)
    return not key.startswith((snap.REAL_PREFIX, snap.SIM_PREFIX))


@pytest.mark.parametrize("name", list(SETS))
def test_records_are_unchanged(name: str) -> None:
    prefix, inputs = SETS[name]
    stored = json.loads(snap.SNAPSHOT.read_text("utf-8"))
    want = {key: value for key, value in stored.items() if _in_set(key, prefix)}
    got = {key: snap.digest(data, key.rsplit("/", 1)[-1], ctype) for key, data, ctype in inputs()}
    if name == "shared-real" and not got:
        pytest.skip(f"{snap.SHARED_REAL} is absent on this machine")
    if name == "simulated" and not attachments.TRUETYPE_FONT.is_file():
        # The snapshot's PDFs embed that font; the fallback font wraps one title elsewhere.
        missing(f"{attachments.TRUETYPE_FONT} is missing (fonts-wqy-microhei, `make install`)")
    assert want, "the snapshot holds no entry for this set"
    assert sorted(got) == sorted(want), "inputs added or gone: regenerate the snapshot"
    changed = sorted(key for key in want if got[key] != want[key])
    assert not changed, f"{len(changed)} of {len(want)} records changed: {changed[:10]}"
