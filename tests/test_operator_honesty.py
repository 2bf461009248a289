"""What operators see: exit codes, one-line errors, nothing deleted or created that should not
be (issue 10)."""

from __future__ import annotations

from pathlib import Path

from service.commands.crawl import _fresh_demo_dir
from tests.cli import run_cli


def test_demo_never_deletes_a_directory_it_did_not_create(tmp_path: Path) -> None:
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.tex").write_text("two years of work")
    done = run_cli("demo", "--out", str(mine), "--sites", "1", timeout=120)
    assert done.returncode == 2
    assert "not made by gov-reports demo" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (mine / "chapter1.tex").read_text() == "two years of work"


def test_demo_reuses_its_own_directory_removing_only_its_outputs(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    _fresh_demo_dir(out)  # created: marked as the demo's
    (out / "warc").mkdir()
    (out / "warc" / "old.warc.gz").write_bytes(b"old")
    (out / "archive.sqlite").write_bytes(b"old")
    (out / "notes.txt").write_text("the operator's")
    _fresh_demo_dir(out)
    assert sorted(p.name for p in out.iterdir()) == [".gov-reports-demo", "notes.txt"]
