"""Fixtures shared by several test modules, and the mark on this test process's children."""

import atexit
import os
import shutil
import tempfile
import uuid

from tests.web_archive import web_archive

# Every process this test process starts (crawls, their forkservers and workers) inherits
# this variable: `tests.cli.pool_processes` finds them by it, not mistaking the processes of
# another test process (pytest-xdist runs several) or of another crawl on the machine.
os.environ["GOV_REPORTS_TEST_PROCESS"] = uuid.uuid4().hex

# Temporary files of this test process and its children go to a directory of its own, removed
# when it exits: the tests SIGKILL crawls, whose forkservers and distributed workers then
# cannot remove their own (`pymp-*`, `gov-reports-worker-*`) from the machine's /tmp. Short
# prefix: multiprocessing's AF_UNIX sockets live under it (a path of at most 107 bytes).
_OWN_TMP = tempfile.mkdtemp(prefix="gr-tests-")
os.environ["TMPDIR"] = tempfile.tempdir = _OWN_TMP
atexit.register(shutil.rmtree, _OWN_TMP, ignore_errors=True)

__all__ = ["web_archive"]
