"""The crawl-side CLI on bad input (one-line errors), the layering rule, and the demo crawl."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from service.cli import main


def test_bad_sites_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["crawl", "--sites", str(tmp_path / "missing.csv"), "--db", "sqlite://"]) == 2
    err = capsys.readouterr().err.strip()
    assert "missing.csv" in err and "\n" not in err and "Traceback" not in err


def test_bad_setting_and_bad_database_url_are_one_line_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["crawl", "--max-sites", "1", "-s", "NOEQUALS"]) == 2
    assert "NOEQUALS" in capsys.readouterr().err
    assert main(["verify", "--db", "nonsense://"]) == 2
    err = capsys.readouterr().err.strip()
    assert "nonsense://" in err and "\n" not in err


def test_verify_and_export_on_an_empty_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert main(["verify", "--db", db]) == 0
    assert "verified 0 captures" in capsys.readouterr().out
    out = tmp_path / "x.jsonl"
    assert main(["export", "--db", db, "--out", str(out)]) == 0
    assert out.read_text() == ""


def test_storage_never_imports_scrapy() -> None:
    code = (
        "import sys, storage.db, storage.models, storage.query, storage.repository, storage.warc\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in {'scrapy', 'twisted'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_demo_crawl_builds_a_fresh_archive(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code = f"from service.commands.demo import run_demo; raise SystemExit(run_demo({str(out)!r}, sites=2, seed=3))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "reports found" in result.stdout
    assert (out / "archive.sqlite").exists() and list((out / "warc").glob("*.warc.gz"))
    assert (out / "truth.jsonl").exists()
