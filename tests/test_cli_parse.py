"""`gov-reports parse`: records on stdout, one clear line per bad file, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.cli import main
from tests.cli import fault_env, run_cli

GOLDEN = Path(__file__).parent / "fixtures" / "golden"


def _good(tmp_path: Path) -> Path:
    target = tmp_path / "good.txt"
    shutil.copy(GOLDEN / "seed_000_6042ec2c999cb952" / "input.txt", target)
    return target


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"\x00\x01\x02binary\x00" * 50, "binary file"),
        (b"\xff\xfe\xfd\x80\x81" * 30, "undecodable"),
        ("今天天气很好，我们去公园散步。".encode(), "not a report"),
    ],
)
def test_bad_input_gets_one_line_and_the_rest_still_parse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    status = main(["parse", str(bad), str(_good(tmp_path))])
    out, err = capsys.readouterr()
    assert status == 1
    assert err.count("\n") == 1
    assert str(bad) in err and reason in err
    assert "Traceback" not in err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["region"]["name"] for r in records] == ["富源县"]


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(tmp_path / "nope.txt")]) == 1
    assert "nope.txt: No such file or directory" in capsys.readouterr().err


def test_gb18030_text_is_detected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(
        (GOLDEN / "seed_004_9f048f35e93c61c1" / "input.txt").read_text("utf-8").encode("gb18030")
    )
    assert main(["parse", str(path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["region"]["name"] == "博乐市"
    assert record["source"] == {"path": str(path)}


def test_source_path_is_the_name_as_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _good(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["parse", "./good.txt"]) == 0
    assert json.loads(capsys.readouterr().out)["source"] == {"path": "./good.txt"}


def test_record_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(_good(tmp_path))]) == 0
    record = json.loads(capsys.readouterr().out)
    assert list(record) == [
        "schema",
        "doc_id",
        "text_sha256",
        "simhash",
        "title",
        "issuer",
        "issuer_kind",
        "region",
        "report_year",
        "published_at",
        "template",
        "script",
        "sections",
        "active_disclosure",
        "applications",
        "review_litigation",
        "checks",
        "hazards",
        "source",
        "parser_version",
    ]
    assert record["schema"] == "gov-reports/record@1"
    assert record["doc_id"] == record["text_sha256"][:16]
    assert len(record["simhash"]) == 16


def test_jobs_keep_file_order_and_report_each_bad_file(tmp_path: Path) -> None:
    """Worker processes: records in the order of the files given, one stderr line per bad file,
    exit 1, and the same bytes as one process writes."""
    seeds = sorted(GOLDEN.glob("seed_*/input.txt"))
    files = []
    for i in range(12):
        target = tmp_path / f"{i:02d}.txt"
        if i in (3, 10):
            target.write_bytes(b"\x00binary\x00" * 20)
        else:
            shutil.copy(seeds[i % len(seeds)], target)
        files.append(str(target))
    one = run_cli("parse", "--jobs", "1", *files)
    two = run_cli("parse", "--jobs", "2", *files)
    assert one.returncode == two.returncode == 1
    assert two.stdout == one.stdout
    paths = [json.loads(line)["source"]["path"] for line in two.stdout.splitlines()]
    assert paths == [f for i, f in enumerate(files) if i not in (3, 10)]
    assert two.stderr.splitlines() == [
        f"gov-reports parse: {files[i]}: binary file, not text" for i in (3, 10)
    ]


def test_jobs_must_be_a_positive_number(tmp_path: Path) -> None:
    result = run_cli("parse", "--jobs", "0", str(_good(tmp_path)))
    assert result.returncode == 2
    assert "--jobs: expected a whole number ≥ 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_parse_loads_neither_the_crawler_nor_the_database(tmp_path: Path) -> None:
    code = (
        "import sys; from service.cli import main; main(['parse', sys.argv[1]]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('scrapy', 'sqlalchemy', 'crawler', 'storage', 'sim', 'twisted')), file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(_good(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "[]"
    assert json.loads(result.stdout)["region"]["name"] == "富源县"


def _run_with_fault(mode: str, hang: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = fault_env(GOV_REPORTS_TEST_PARSE_HANG=hang, GOV_REPORTS_TEST_PARSE_HANG_MODE=mode)
    command = [sys.executable, "-m", "service.cli", "parse", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=env, check=False
    )


def _seed_files(tmp_path: Path, count: int) -> list[str]:
    seeds = sorted(GOLDEN.glob("seed_*/input.txt"))
    files = []
    for i in range(count):
        target = tmp_path / f"{i:02d}.txt"
        shutil.copy(seeds[i % len(seeds)], target)
        files.append(str(target))
    return files


@pytest.mark.parametrize(
    ("mode", "jobs", "reason"),
    [
        ("slow", "1", "took longer than 1 s: refused"),
        ("slow", "2", "took longer than 1 s: refused"),
        # stuck where the alarm cannot reach it: the watchdog ends its worker
        ("deaf", "2", "took longer than 1 s and did not stop: refused"),
        ("crash", "2", "its worker process died: refused"),
    ],
)
def test_a_file_that_does_not_finish_is_refused_and_the_rest_are_parsed(
    tmp_path: Path, mode: str, jobs: str, reason: str
) -> None:
    """The time limit (and, in workers, the watchdog and a crash) costs one file, not the run:
    the others come out in order, byte for byte as without the fault, and the exit is 1."""
    files = _seed_files(tmp_path, 10)
    bad = files[6]
    result = _run_with_fault(mode, Path(bad).name, "--timeout", "1", "--jobs", jobs, *files)
    clean = run_cli("parse", "--jobs", "1", *[f for f in files if f != bad])
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [f"gov-reports parse: {bad}: {reason}"]
    assert result.stdout == clean.stdout
    assert len(result.stdout.splitlines()) == 9


def test_a_stuck_file_in_the_commands_own_process_stops_it_truthfully(tmp_path: Path) -> None:
    """With --jobs 1 no worker can be ended: the command stops at the stuck file (it used to
    hang) with the records before it written, one line naming it, and exit 1."""
    files = _seed_files(tmp_path, 10)
    bad = files[6]
    result = _run_with_fault("deaf", Path(bad).name, "--timeout", "1", "--jobs", "1", *files)
    clean = run_cli("parse", "--jobs", "1", *files[:6])
    assert result.returncode == 1, result.stderr
    reason = (
        "took longer than 1 s and did not stop: refused; parse stopped here, 3 file(s) after "
        "it not parsed (with --jobs 2 or more only this file is skipped)"
    )
    assert result.stderr.splitlines() == [f"gov-reports parse: {bad}: {reason}"]
    assert result.stdout == clean.stdout
    assert len(result.stdout.splitlines()) == 6


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_needs_more_memory_than_the_cap_is_refused(tmp_path: Path, jobs: str) -> None:
    files = _seed_files(tmp_path, 10)
    bad = files[3]
    result = _run_with_fault("greedy", Path(bad).name, "--memory-mb", "600", "--jobs", jobs, *files)
    clean = run_cli("parse", "--jobs", "1", *[f for f in files if f != bad])
    assert result.returncode == 1, result.stderr
    reason = "needed more memory than the cap (600 MB): refused"
    assert result.stderr.splitlines() == [f"gov-reports parse: {bad}: {reason}"]
    assert result.stdout == clean.stdout


def test_without_a_cap_the_same_file_parses(tmp_path: Path) -> None:
    files = _seed_files(tmp_path, 2)
    result = _run_with_fault("greedy", Path(files[1]).name, "--memory-mb", "0", *files)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_parsing_in_process_leaves_the_process_its_own_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`main(["parse", …])` in a caller's process (here pytest's) caps memory only while it
    parses: a 2 GB cap left behind made the Chromium a later test started crash at start."""
    import resource
    import threading

    before = resource.getrlimit(resource.RLIMIT_AS)
    threads = threading.active_count()
    assert main(["parse", "--jobs", "1", str(_good(tmp_path))]) == 0
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert json.loads(capsys.readouterr().out)["doc_id"]
    deadline = time.monotonic() + 5  # the watchdog thread ends within its one-second tick
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.1)
    assert threading.active_count() == threads


@pytest.mark.parametrize("value", ["-1", "1.5", "lots"])
def test_memory_cap_must_be_a_whole_number(tmp_path: Path, value: str) -> None:
    result = run_cli("parse", "--memory-mb", value, str(_good(tmp_path)))
    assert result.returncode == 2
    assert "--memory-mb: expected a whole number ≥ 0" in result.stderr


def test_timeout_must_be_seconds(tmp_path: Path) -> None:
    result = run_cli("parse", "--timeout", "soon", str(_good(tmp_path)))
    assert result.returncode == 2
    assert "--timeout: expected a number of seconds ≥ 0" in result.stderr


def test_lines_are_json_dumps_of_parse_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's records, written by a shared encoder without the cycle check, are what
    json.dumps(parse_bytes(...), ensure_ascii=False) gives for every golden input (text, HTML,
    GBK pages), named relatively with "./" and ".."."""
    from parsers import ParseError, parse_bytes

    inputs = sorted(GOLDEN.glob("*/input.*"))
    assert len(inputs) > 10
    names, expected = [], []
    for i, source in enumerate(inputs):
        target = tmp_path / f"d{i}" / source.name
        target.parent.mkdir()
        shutil.copy(source, target)
        name = f"./d{i}/../d{i}/{source.name}"
        names.append(name)
        try:
            record = parse_bytes(source.read_bytes(), source.name, source={"path": name})
        except ParseError:
            continue
        expected.append(json.dumps(record, ensure_ascii=False) + "\n")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        main(["parse", "--jobs", "1", *names])
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().out == "".join(expected)


def test_parsing_in_a_process_larger_than_the_cap_parses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a caller's process already past `--memory-mb` (pytest's, after many tests), the
    command's watchdog thread starts and the file parses: before, the thread, started under
    the cap, never ran and `main` waited for it for good; and the cap would have refused
    every file."""
    from parsers.limits import _address_space_mb

    size = _address_space_mb()
    assert size > 200  # pytest with the parser loaded: the cap below is under it
    assert main(["parse", "--jobs", "1", "--memory-mb", str(size // 2), str(_good(tmp_path))]) == 0
    assert json.loads(capsys.readouterr().out)["doc_id"]
