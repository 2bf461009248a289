"""Fixtures shared by several test modules, and the mark on this test process's children."""

import os
import uuid

from tests.web_archive import web_archive

# Every process this test process starts (crawls, their forkservers and workers) inherits
# this variable: `tests.cli.pool_processes` finds them by it, not mistaking the processes of
# another test process (pytest-xdist runs several) or of another crawl on the machine.
os.environ["GOV_REPORTS_TEST_PROCESS"] = uuid.uuid4().hex

__all__ = ["web_archive"]
