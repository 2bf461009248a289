"""What a test needs from the machine (a server, a browser, a font): a test without it is
skipped with the reason, but fails when CI sets GOV_REPORTS_REQUIRE_SERVICES=1, where
everything must be there."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str, *, required: str | None = None) -> NoReturn:
    """Skip the test for `reason`; fail it instead (with `required`, if given) in CI."""
    if os.environ.get("GOV_REPORTS_REQUIRE_SERVICES") == "1":
        pytest.fail(required or reason)
    pytest.skip(reason)
