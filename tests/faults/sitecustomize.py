"""Archive faults for a crawl run as a child process (PYTHONPATH=tests/faults):
GOV_REPORTS_TEST_ARCHIVE_FAULT=readonly makes every WARC file fail to open (EROFS), =full makes
every write after the warcinfo record fail as on a full disk (the file is /dev/full: ENOSPC).
Root ignores directory permissions, so this is how CI sees the product's handling."""

import errno
import os

_FAULT = os.environ.get("GOV_REPORTS_TEST_ARCHIVE_FAULT")
if _FAULT:
    from storage import warc

    _original = warc.WarcWriter._open_next

    def _open_next(self) -> None:
        if _FAULT == "readonly":
            raise OSError(errno.EROFS, "Read-only file system", str(self.directory))
        _original(self)
        self._fh = open("/dev/full", "wb")  # noqa: SIM115 - the writer owns and closes it
        self._writer = warc._MemberWriter(self._fh)

    warc.WarcWriter._open_next = _open_next


def _on_parsing(target: str, fault) -> None:  # type: ignore[no-untyped-def]
    """Call `fault()` before parsing a file called `target` (parsers.parse_bytes replaced)."""
    import parsers
    from parsers import record

    parse = record.parse_bytes

    def parse_bytes(data, name="", **kwargs):  # type: ignore[no-untyped-def]
        if name == target:
            fault()
        return parse(data, name, **kwargs)

    record.parse_bytes = parsers.parse_bytes = parse_bytes


# GOV_REPORTS_TEST_PARSER_BUG=NAME: parsing a file called NAME raises a RuntimeError, as a
# parser bug would.
_BUG = os.environ.get("GOV_REPORTS_TEST_PARSER_BUG")
if _BUG:

    def _parser_bug() -> None:
        raise RuntimeError("a parser bug")

    _on_parsing(_BUG, _parser_bug)

# GOV_REPORTS_TEST_WORKER_HANG=PATH: the first document any extraction worker ingests (the one
# that creates PATH) hangs: as if stuck inside C code (SIGALRM blocked, so the time limit's
# handler never runs), or with GOV_REPORTS_TEST_WORKER_HANG_MODE=slow only slow, so the time
# limit stops it; with =always it is slow, and so is every later ingest of the same bytes
# (PATH holds their SHA-256), in this run or another. Replaced in `parsers.ingest` under its
# own name, so the pool's pickled reference to `parsers.ingest.ingest` finds it in the
# workers too.
_HANG = os.environ.get("GOV_REPORTS_TEST_WORKER_HANG")
if _HANG:
    import hashlib
    import signal
    import time

    from parsers import ingest as _ingest_module

    _ingest = _ingest_module.ingest
    _HANG_MODE = os.environ.get("GOV_REPORTS_TEST_WORKER_HANG_MODE")
    _DEAF = _HANG_MODE not in ("slow", "always")

    def ingest(*args, **kwargs):  # type: ignore[no-untyped-def]
        digest = hashlib.sha256(args[0] if args else kwargs["body"]).hexdigest()
        try:
            claim = os.open(_HANG, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            with open(_HANG) as claimed:
                if _HANG_MODE != "always" or claimed.read() != digest:
                    return _ingest(*args, **kwargs)
        else:
            os.write(claim, digest.encode())
            os.close(claim)
        if _DEAF:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)
        return _ingest(*args, **kwargs)

    ingest.__module__, ingest.__qualname__ = "parsers.ingest", "ingest"
    _ingest_module.ingest = ingest

# GOV_REPORTS_TEST_PARSE_HANG=NAME: parsing a file called NAME (`gov-reports parse`) never ends,
# as if stuck inside C code (SIGALRM blocked, so the time limit's handler never runs); with
# GOV_REPORTS_TEST_PARSE_HANG_MODE=slow it is only slow, so the time limit stops it, and with
# =crash its process dies as from a crash in a C library, and with =greedy it asks for 1 GB.
_PARSE_HANG = os.environ.get("GOV_REPORTS_TEST_PARSE_HANG")
if _PARSE_HANG:
    import signal
    import time

    _MODE = os.environ.get("GOV_REPORTS_TEST_PARSE_HANG_MODE", "deaf")

    def _hang() -> None:
        if _MODE == "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
        if _MODE == "greedy":
            bytearray(1 << 30)
            return
        if _MODE == "deaf":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)

    _on_parsing(_PARSE_HANG, _hang)
