"""Decompression bombs and inputs that are not files: refused with a reason, in bounded memory
and time (issue 10)."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from parsers import ParseError, extract
from parsers.extract import MAX_INPUT_BYTES, MAX_TEXT_BYTES
from tests.bombs import docx_bomb, lzw_encode, pdf_bomb, pdf_with_content, wrapped_pdf_bomb
from tests.cli import fault_env, run_cli

MB = 1024 * 1024

# `gov-reports parse FILE` in a child, then the child's peak RSS (kB) on the last line.
_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "print(done.stderr.strip())\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _parse_peak_rss(path: Path) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, sys.executable, "-m", "service.cli", "parse", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    *message, peak = done.stdout.strip().splitlines()
    return "\n".join(message), int(peak) // 1024


@pytest.mark.parametrize(("name", "build"), [("bomb.pdf", pdf_bomb), ("bomb.docx", docx_bomb)])
def test_decompression_bombs_are_refused_while_inflating(tmp_path: Path, name, build) -> None:
    path = tmp_path / name
    path.write_bytes(build(200 * MB))  # under 1 MB on disk
    message, peak_mb = _parse_peak_rss(path)
    assert "bomb" in message, message
    assert len(message.splitlines()) == 1
    assert peak_mb < 250, f"peak RSS {peak_mb} MB while refusing {name}"


@pytest.mark.parametrize("wrapper", ["ascii85", "hex", "runlength", "lzw"])
def test_bombs_behind_other_filters_are_refused(tmp_path: Path, wrapper: str) -> None:
    # Before the whole filter chain was followed, the ASCII85-wrapped 1 GB stream was read
    # at 2.1 GB of RSS: an inflater fed the ASCII85 text saw no Flate data and counted 0.
    path = tmp_path / f"{wrapper}.pdf"
    path.write_bytes(wrapped_pdf_bomb(200 * MB, wrapper))  # 0.2 to 3 MB on disk
    message, peak_mb = _parse_peak_rss(path)
    assert "decompression bomb" in message, message
    assert len(message.splitlines()) == 1
    assert peak_mb < 250, f"peak RSS {peak_mb} MB while refusing {wrapper}"


def _run_length_encode(data: bytes) -> bytes:
    """Runs of a repeated byte as repeats, the rest as literal pieces of up to 128 bytes."""
    out = bytearray()
    for run in re.finditer(rb"(.)\1{2,127}|(?:(.)(?!\2\2)){1,128}", data, re.DOTALL):
        piece = run.group(0)
        if run.group(1) is not None:
            out += bytes((257 - len(piece),)) + piece[:1]
        else:
            out += bytes((len(piece) - 1,)) + piece
    return bytes(out + b"\x80")


_CONTENT = "\n".join(
    f"BT /F1 12 Tf 72 {700 - i} Td (第{i}行 政府信息公开 {i * 37 % 1000}) Tj ET"
    for i in range(3000)
).encode()


@pytest.mark.parametrize(
    ("stream", "filters", "parms"),
    [
        (zlib.compress(zlib.compress(_CONTENT)), b"[/FlateDecode /FlateDecode]", b""),
        (base64.a85encode(zlib.compress(_CONTENT), adobe=True)[2:], b"[/A85 /Fl]", b""),
        (zlib.compress(_CONTENT).hex().encode() + b">", b"[/ASCIIHexDecode /FlateDecode]", b""),
        (lzw_encode(_CONTENT), b"/LZWDecode", b""),
        (lzw_encode(_CONTENT, early_change=False), b"/LZW", b" /DecodeParms << /EarlyChange 0 >>"),
        (_run_length_encode(_CONTENT), b"/RunLengthDecode", b""),
        (lzw_encode(zlib.compress(_CONTENT)), b"[/LZWDecode /FlateDecode]", b""),
        (zlib.compress(_run_length_encode(_CONTENT)), b"[/FlateDecode /RL]", b""),
    ],
)
@pytest.mark.parametrize("length", ["direct", "indirect", "unresolved"])
def test_decoded_size_follows_the_whole_filter_chain(
    stream: bytes, filters, parms, length: str
) -> None:
    from parsers.extract._pdffilters import IndirectLengths, decoded_size

    pdf = pdf_with_content(stream, filters, parms, length=length)
    start = pdf.index(b"stream\n") + len(b"stream\n")
    head = pdf[pdf.rindex(b" obj", 0, start) + 1 : start]
    lengths = IndirectLengths(pdf)
    # Whatever the length's form, each decoder stops at the stream's own end.
    assert decoded_size(pdf, start, head, 10**9, lengths) == len(_CONTENT)
    assert decoded_size(pdf, start, head, 1000, lengths) > 1000  # over a limit: seen as over it
    if length == "direct":  # (the reader's check is of the test's encoders: once is enough)
        assert extract(pdf, "a.pdf").format == "pdf"  # and a reader reads it as a page


# RunLength's 128 spaces a pair behind a literal "endstream" inside the stream's data.
_HIDDEN_BOMB = b"\x08endstream" + b"\x81 " * (200 * MB // 128) + b"\x80"


@pytest.mark.parametrize("length", ["indirect", "unresolved"])
def test_a_bomb_behind_endstream_inside_its_data_is_refused(length: str) -> None:
    # Before, the check cut a stream whose /Length is an object ("5 0 R") at the first
    # "endstream" and counted 9 bytes; pdfminer resolves the length, reads past it and
    # decoded the 200 MB (24 s, 1.9 GB of RSS).
    pdf = pdf_with_content(_HIDDEN_BOMB, b"/RunLengthDecode", length=length)
    with pytest.raises(ParseError, match="decompression bomb"):
        extract(pdf, "hidden.pdf")


def test_a_length_of_thousands_of_digits_is_no_length_not_a_crash() -> None:
    # int() refuses a string of over 4,300 digits: the check raised ValueError on such a file.
    pdf = pdf_with_content(b"\x81 " * 10 + b"\x80", b"/RunLengthDecode", length="indirect")
    huge = b"9" * 5000
    for damaged in (
        pdf.replace(b"5 0 obj\n", b"5 0 obj\n" + huge + b"\nendobj\n6 0 obj\n", 1),
        pdf.replace(b"/Length 5 0 R", b"/Length " + huge, 1),
    ):
        start = damaged.index(b"stream\n") + len(b"stream\n")
        head = damaged[damaged.rindex(b" obj", 0, start) + 1 : start]
        from parsers.extract._pdffilters import IndirectLengths, decoded_size

        assert decoded_size(damaged, start, head, 10**9, IndirectLengths(damaged)) == 1280


def test_indirect_lengths_are_read_by_number_and_generation_the_latest_first() -> None:
    from parsers.extract._pdffilters import IndirectLengths

    data = b"%PDF\n5 0 obj 10 endobj\n5 1 obj\n20\nendobj\n15 0 obj 30 endobj 5 0 obj 40 endobj"
    lengths = IndirectLengths(data)
    assert lengths.get(5, 0) == 40  # redefined by an incremental update
    assert lengths.get(5, 1) == 20
    assert lengths.get(15, 0) == 30
    assert lengths.get(1, 0) is None


def test_the_test_encoders_agree_with_pdfminer() -> None:
    from pdfminer.lzw import lzwdecode
    from pdfminer.runlength import rldecode

    assert lzwdecode(lzw_encode(_CONTENT)) == _CONTENT
    assert rldecode(_run_length_encode(_CONTENT)) == _CONTENT


def test_nested_flate_layers_are_counted_through() -> None:
    from parsers.extract._inflate import inflated_size
    from tests.bombs import _deflate

    inner = _deflate(80 * MB)
    outer = zlib.compress(inner)
    assert inflated_size(outer, 0, 10**10, layers=2) == 80 * MB
    assert inflated_size(outer, 0, 10 * MB, layers=2) <= 12 * MB


def test_a_real_docx_and_pdf_pass_the_inflation_checks() -> None:
    attachments = Path(__file__).parent / "fixtures" / "attachments"
    assert extract((attachments / "annual-report-template-2021.docx").read_bytes(), "a.docx").text
    assert extract((attachments / "huaian-2024-annual-report.pdf").read_bytes(), "a.pdf").text


def test_devices_fifos_and_directories_are_refused_unread(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = run_cli("parse", str(fifo), "/dev/zero", str(tmp_path), timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3
    assert all("not a regular file" in line for line in lines), lines


def test_read_input_reads_a_file_whole_or_refuses_it_at_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files shorter, as long as and longer than the limit; and a file longer than its size says
    (a /proc file says 0 bytes): read on to the limit, not cut at the size."""
    extract_module = sys.modules["parsers.extract"]  # (`parsers.extract` is also a function)
    monkeypatch.setattr(extract_module, "MAX_INPUT_BYTES", 100)
    for size in (0, 1, 99, 100):
        path = tmp_path / f"{size}.txt"
        path.write_bytes(bytes(range(size)))
        assert extract_module.read_input(path) == bytes(range(size))
    (tmp_path / "101.txt").write_bytes(bytes(101))
    with pytest.raises(ParseError, match="larger than"):
        extract_module.read_input(tmp_path / "101.txt")
    proc = Path("/proc/self/status")
    if proc.is_file() and proc.stat().st_size == 0:
        monkeypatch.setattr(extract_module, "MAX_INPUT_BYTES", 10 * MB)
        text = extract_module.read_input(proc)
        assert text.startswith(b"Name:") and b"\nPid:" in text


def test_oversized_inputs_are_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:
        handle.truncate(MAX_INPUT_BYTES + 1)  # sparse: no disk used
    text = tmp_path / "big.txt"
    text.write_bytes(
        ("政府信息公开工作年度报告\n" + "一" * 60 + "\n").encode() * (MAX_TEXT_BYTES // 190 + 10)
    )
    done = run_cli("parse", str(huge), str(text), timeout=120)
    assert done.returncode == 1
    assert "larger than 100 MB" in done.stderr
    assert "larger than 20 MB" in done.stderr
    assert "Traceback" not in done.stderr


def test_extract_refuses_oversized_text_from_any_caller() -> None:
    with pytest.raises(ParseError, match="larger than"):
        extract(b"<html><body>" + b"x" * (MAX_TEXT_BYTES + 1), "x.html")


def test_a_parser_bug_on_one_file_does_not_stop_the_others(tmp_path: Path) -> None:
    golden = Path(__file__).parent / "fixtures" / "golden" / "html_2021_rowspan" / "input.html"
    (tmp_path / "bug.html").write_bytes(golden.read_bytes())
    (tmp_path / "good.html").write_bytes(golden.read_bytes())
    env = fault_env(GOV_REPORTS_TEST_PARSER_BUG="bug.html")
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", str(tmp_path / "bug.html"),
         str(tmp_path / "good.html")],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().endswith("bug.html: internal error (RuntimeError: a parser bug)")
    assert "Traceback" not in done.stderr
    assert len(done.stdout.splitlines()) == 1  # good.html's record
