"""Compare every record, in full, between this tree's parser and another tree's (a base commit).

tests/test_parse_snapshot.py keeps one SHA-256 per input; this script is the wider check a
speed change is proved with: the same inputs go through both trees' `parse_bytes`, and each
record's full JSON (or the refusal's reason) must be the same text. Inputs: the seeds
(`../shared/seeds`), the real texts (`../shared/real`), the samples (`../shared/samples`),
every fixture in tests/fixtures, `bench.parse`'s simulated set, the seeds and the real texts
as HTML pages, the simulated web's reports, and fixtures and pages changed at random (control
characters, blank lines, carriage returns, decomposed accents, spaces, full-width forms and
bytes cut out), so the rarer paths are compared too.

    git worktree add /tmp/base <commit>
    .venv/bin/python -m tests.record_compare /tmp/base

Both trees parse the same inputs, built here once and handed to each in a file; the other
tree's `parsers` runs in a child process with that tree first on the path. Exit status 1 and
the first differences when a record differs.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
Input = tuple[str, str, bytes, str | None]  # key, file name, bytes, content type

# Run in each tree: parse every input, print one JSON line per input (the record as the CLI
# prints it, or the refusal's reason).
_CHILD = """
import json, pickle, sys
from parsers import ParseError, parse_bytes
inputs = pickle.load(open(sys.argv[1], "rb"))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for key, name, data, ctype in inputs:
        try:
            line = json.dumps(parse_bytes(data, name, content_type=ctype), ensure_ascii=False)
        except ParseError as error:
            line = "refused: " + str(error)
        out.write(json.dumps([key, line], ensure_ascii=False) + "\\n")
"""

# Characters a change might treat differently: controls, line breaks, blank lines, spaces of
# each kind, a decomposed accent (NFC), full-width forms, enclosed numerals, tags.
_NOISE_TEXT = (
    "\x00|\x01|\x08|\x0b|\x0c|\x1f|\ufffe|\uffff|\r|\r\n|\n|\n\n|\n\n\n|\n \n\n| \n|\t|\u3000|\xa0"
    "|e\u0301|\ufffd|，|（１）|㈠|⑴|<br>|<p>|</p>|<p>\n\n</p>|<table><tr><td>1</td></tr>|</td><td>"
    "|<!-- x -->|<script>x</script>|&nbsp;|&#12;"
)
_NOISE = _NOISE_TEXT.split("|")


def fixture_inputs() -> Iterator[Input]:
    fixtures = ROOT / "tests" / "fixtures"
    for path in sorted(fixtures.rglob("*")):
        if path.is_file() and path.suffix != ".json" and path.name != "README.md":
            yield f"fixtures/{path.relative_to(fixtures)}", path.name, path.read_bytes(), None


def shared_inputs() -> Iterator[Input]:
    for folder in ("seeds", "real", "samples"):
        directory = SHARED / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.suffix in (".txt", ".pdf", ".docx", ".html"):
                yield f"shared/{folder}/{path.name}", path.name, path.read_bytes(), None


def bench_inputs() -> Iterator[Input]:
    from bench.parse import as_html_page, varied_reports

    for i, (name, data) in enumerate(varied_reports(1000)):
        yield f"bench/varied/{i}", name, data, None
    for folder in ("seeds", "real"):
        directory = SHARED / folder
        for path in sorted(directory.glob("*.txt")) if directory.is_dir() else []:
            name, page = as_html_page(path.name, path.read_text("utf-8", "replace"))
            yield f"bench/html/{folder}/{path.name}", name, page, None


def sim_inputs() -> Iterator[Input]:
    from tests.parse_snapshot import sim_inputs as snapshot_sim

    for key, data, ctype in snapshot_sim():
        yield key, key.rsplit("/", 1)[-1], data, ctype


def mutated(inputs: list[Input], count: int, seed: int = 14) -> Iterator[Input]:
    """Text and HTML inputs with noise put in at random places and bytes cut out."""
    rng = random.Random(seed)
    texts = [i for i in inputs if i[1].endswith((".txt", ".html", ".htm"))]
    for n in range(count):
        key, name, data, ctype = rng.choice(texts)
        text = data.decode("utf-8", "replace")
        for _ in range(rng.randint(1, 12)):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.8:
                text = text[:at] + rng.choice(_NOISE) + text[at:]
            else:
                text = text[:at] + text[at + rng.randint(1, 40) :]
        if rng.random() < 0.1:
            text = unicodedata.normalize("NFD", text)
        encoding = "gb18030" if rng.random() < 0.2 else "utf-8"
        yield f"mutated/{n}/{key}", name, text.encode(encoding, "replace"), ctype


def all_inputs(mutations: int) -> list[Input]:
    inputs = [*fixture_inputs(), *shared_inputs(), *bench_inputs(), *sim_inputs()]
    return inputs + list(mutated(inputs, mutations))


def run_tree(tree: Path, inputs_file: str, out_file: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
    subprocess.run(
        [sys.executable, "-c", _CHILD, inputs_file, out_file], env=env, cwd=tree, check=True
    )
    with open(out_file, encoding="utf-8") as lines:
        return dict(json.loads(line) for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="the other tree (a worktree of the base commit)")
    parser.add_argument("--mutations", type=int, default=4000)
    args = parser.parse_args(argv)
    inputs = all_inputs(args.mutations)
    with tempfile.TemporaryDirectory(prefix="record-compare-") as tmp:
        inputs_file = str(Path(tmp) / "inputs.pickle")
        with open(inputs_file, "wb") as out:
            pickle.dump(inputs, out)
        base = run_tree(args.base.resolve(), inputs_file, str(Path(tmp) / "base.jsonl"))
        here = run_tree(ROOT, inputs_file, str(Path(tmp) / "here.jsonl"))
    differ = [key for key in base if base[key] != here.get(key)]
    refused = sum(line.startswith("refused: ") for line in here.values())
    print(f"{len(inputs)} inputs ({refused} refused), {len(differ)} differ")
    for key in differ[:10]:
        print(f"  {key}\n    base: {base[key][:300]}\n    here: {here.get(key, '')[:300]}")
    return 1 if differ or len(base) != len(inputs) or len(here) != len(inputs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
