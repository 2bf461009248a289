"""The WARC archive: records as received, one warcinfo per file, read back by offset."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage.warc import ArchiveCorrupt, WarcWriter, read_response

PAGE = "<html><body>宿松县2020年政府信息公开工作年度报告</body></html>".encode("gbk")


def _write(writer: WarcWriter, url: str, body: bytes, headers: list[tuple[str, str]]) -> object:
    return writer.write_exchange(
        url=url,
        method="GET",
        request_headers=[("User-Agent", "gov-reports-test")],
        request_body=b"",
        status=200,
        response_headers=headers,
        body=body,
        ip_address="127.0.0.1",
    )


def test_exchange_round_trips_by_offset_with_payload_as_received(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "t", info={"isPartOf": "run-1"})
    gz = gzip.compress(PAGE)
    ref1 = _write(
        writer,
        "http://www.a.gov.cn/x.html",
        gz,
        [("Content-Type", "text/html; charset=gbk"), ("Content-Encoding", "gzip")],
    )
    ref2 = _write(
        writer, "http://www.a.gov.cn/y.pdf", b"%PDF-1.4 tiny", [("Content-Type", "application/pdf")]
    )
    writer.close()
    got = read_response(tmp_path / ref1.warc_file, ref1.offset)
    assert got.raw_payload == gz  # still Content-Encoded, as received
    assert got.body == PAGE  # decoded for the parsers
    assert got.payload_sha256 == ref1.payload_sha256 == hashlib.sha256(gz).hexdigest()
    assert got.record_id == ref1.record_id and got.url == "http://www.a.gov.cn/x.html"
    assert got.header("content-type") == "text/html; charset=gbk"
    assert read_response(tmp_path / ref2.warc_file, ref2.offset).body == b"%PDF-1.4 tiny"


def test_file_layout_warcinfo_then_response_request_pairs(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "t", info={"isPartOf": "run-1"})
    ref = _write(writer, "http://www.a.gov.cn/", b"hello", [("Content-Type", "text/plain")])
    writer.close()
    with (tmp_path / ref.warc_file).open("rb") as fh:
        records = [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Concurrent-To"),
                r.rec_headers.get_header("WARC-Record-ID"),
                r.rec_headers.protocol,
            )
            for r in ArchiveIterator(fh, check_digests=True)
        ]
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    assert records[2][1] == records[1][2] == ref.record_id  # request points at its response
    assert {r[3] for r in records} == {"WARC/1.1"}


def test_files_roll_over_and_each_starts_with_warcinfo(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "t", max_file_size=200)
    refs = [_write(writer, f"http://www.a.gov.cn/{i}", b"x" * 300, []) for i in range(3)]
    writer.close()
    assert len({r.warc_file for r in refs}) == 3
    for ref in refs:
        with (tmp_path / ref.warc_file).open("rb") as fh:
            assert next(iter(ArchiveIterator(fh))).rec_type == "warcinfo"
        assert read_response(tmp_path / ref.warc_file, ref.offset).body == b"x" * 300


def test_missing_file_wrong_offset_and_damage_raise_archive_corrupt(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "t")
    ref = _write(writer, "http://www.a.gov.cn/", b"payload" * 100, [])
    writer.close()
    with pytest.raises(ArchiveCorrupt, match="cannot open"):
        read_response(tmp_path / "nope.warc.gz", 0)
    with pytest.raises(ArchiveCorrupt, match="expected a response"):
        read_response(tmp_path / ref.warc_file, 0)  # the warcinfo record
    path = tmp_path / ref.warc_file
    data = bytearray(path.read_bytes())
    data[ref.offset + 20 : ref.offset + 60] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveCorrupt):
        read_response(path, ref.offset)


def test_writers_sharing_a_directory_and_prefix_never_share_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Distributed workers on one machine write one archive directory under one crawl id.

    Each existence check is made to miss the other writer's file, as when two processes
    check at the same moment: the file must still not be opened twice.
    """
    monkeypatch.setattr(Path, "exists", lambda self: False)
    first, second = WarcWriter(tmp_path, prefix="run"), WarcWriter(tmp_path, prefix="run")
    html = [("Content-Type", "text/html")]
    a = _write(first, "http://a.example/", PAGE, html)
    b = _write(second, "http://b.example/", PAGE, html)
    first.close()
    second.close()
    assert a.warc_file != b.warc_file
    assert read_response(tmp_path / a.warc_file, a.offset).raw_payload == PAGE
    assert read_response(tmp_path / b.warc_file, b.offset).raw_payload == PAGE


def test_compressed_payloads_are_stored_and_text_deflated_each_record_one_gzip_member(
    tmp_path: Path,
) -> None:
    """A payload that does not deflate (a PDF's streams, a ZIP) is written at gzip level 0,
    text at warcio's level 9; both read back byte for byte, and each record is still a gzip
    member of its own (a reader may start at any record's offset)."""
    import os
    import zlib

    writer = WarcWriter(tmp_path, "t")
    packed = b"%PDF-1.7\n" + os.urandom(200_000)  # deflated streams look like noise
    text = ("<tr><td>收到申请数</td><td>12</td></tr>" * 4000).encode()
    ref_packed = _write(
        writer, "http://www.a.gov.cn/r.pdf", packed, [("Content-Type", "application/pdf")]
    )
    ref_text = _write(writer, "http://www.a.gov.cn/r.html", text, [("Content-Type", "text/html")])
    writer.close()
    data = (tmp_path / ref_packed.warc_file).read_bytes()
    for ref, payload in ((ref_packed, packed), (ref_text, text)):
        assert read_response(tmp_path / ref.warc_file, ref.offset).body == payload
        member = data[ref.offset : ref.offset + ref.length]
        inflater = zlib.decompressobj(zlib.MAX_WBITS + 16)
        record = inflater.decompress(member)
        assert inflater.eof and not inflater.unused_data  # exactly one whole member
        assert record.startswith(b"WARC/1.1") and payload in record
    # The gzip header's XFL byte names the level: 4 "fastest" (level 0 or 1), 2 "best" (9).
    assert data[ref_packed.offset + 8] == 4
    assert data[ref_text.offset + 8] == 2
    assert ref_text.length < len(text) / 20


def test_the_level_follows_what_the_payload_is_not_its_name() -> None:
    import os
    import zlib

    from storage.warc import _level_for

    noise = os.urandom(100_000)
    assert _level_for(noise) == 0
    assert _level_for(zlib.compress(b"1234567890" * 50_000)[:100] + noise) == 0
    assert _level_for(b"%PDF-1.3\n" + b"BT /F1 12 Tf (2023) Tj ET\n" * 5000) == 9  # plain streams
    assert _level_for(noise[:20_000]) == 9  # small: not worth a probe
