"""`gov-reports sim`: writes the answer key and serves the proxy."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from service.cli import main
from sim.explore import decode


def test_sim_write_writes_sites_and_truth(tmp_path: Path, capsys) -> None:
    out = tmp_path / "sim"
    assert main(["sim", "write", "--sites", "3", "--seed", "2", "--out", str(out)]) == 0
    sites = (out / "sites.csv").read_text(encoding="utf-8").splitlines()
    assert len(sites) == 4 and sites[0].startswith("code,name,type")
    kinds = {json.loads(line)["kind"] for line in (out / "truth.jsonl").open(encoding="utf-8")}
    assert {"site", "report", "decoy"} <= kinds
    printed = capsys.readouterr().out
    assert "wrote" in printed and "proxy" not in printed  # write does not serve
    assert not (out / "truth.jsonl.partial").exists()


def test_bad_input_is_one_clear_line(tmp_path: Path, capsys) -> None:
    assert main(["sim", "write", "--sites", "0", "--out", str(tmp_path)]) == 2
    assert main(["sim", "write", "--faults", "2", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "gov-reports sim: --sites must be at least 1, got 0",
        "gov-reports sim: --faults must be between 0 and 1, got 2.0",
    ]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["sim", "write", "--sites", "1", "--out", str(blocker / "sub")]) == 2
    assert "cannot write to" in capsys.readouterr().err


def test_sim_serve_answers_as_a_proxy(tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "service.cli",
        "sim",
        "serve",
        "--sites",
        "2",
        "--port",
        "0",
        "--out",
        str(tmp_path),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    try:
        proxy = None
        for _ in range(5):
            line = proc.stdout.readline()
            found = re.search(r"HTTP proxy at (http://127\.0\.0\.1:\d+)", line)
            if found:
                proxy = found.group(1)
            if line.startswith("sim: wrote"):
                break
        assert proxy, "the server announces its proxy URL"
        site = next(json.loads(line) for line in (tmp_path / "truth.jsonl").open(encoding="utf-8"))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
        with opener.open(site["home"], timeout=10) as resp:
            assert resp.status == 200
            assert f"{site['name']}人民政府" in decode(resp.read(), resp.headers["Content-Type"])
    finally:
        proc.terminate()
        proc.wait(10)
