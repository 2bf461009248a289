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
        self._writer = warc.WARCWriter(self._fh, gzip=True, warc_version="1.1")

    warc.WarcWriter._open_next = _open_next

# GOV_REPORTS_TEST_PARSER_BUG=NAME: parsing a file called NAME raises a RuntimeError, as a
# parser bug would.
_BUG = os.environ.get("GOV_REPORTS_TEST_PARSER_BUG")
if _BUG:
    from parsers import record

    _parse_bytes = record.parse_bytes

    def parse_bytes(data, name="", **kwargs):  # type: ignore[no-untyped-def]
        if name == _BUG:
            raise RuntimeError("a parser bug")
        return _parse_bytes(data, name, **kwargs)

    record.parse_bytes = parse_bytes
    import parsers

    parsers.parse_bytes = parse_bytes
