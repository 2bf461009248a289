"""The parser's output on every fixture set, as one SHA-256 per input: a speed change must leave
every record byte for byte as it was (tests/test_parse_snapshot.py compares).

Inputs: the golden fixtures (their seeds are `../shared/seeds/`, byte for byte), the attachment
fixtures (PDF, DOCX), the real texts in `../shared/real/` when that directory exists (read in
place, never copied), and a sample of the simulated web's reports as tests/test_parse_sim.py
fetches them (every HTML and text report, every eighth PDF and DOCX). A record is hashed as the
CLI prints it (json.dumps, ensure_ascii=False, key order kept); a refused input as its reason.
No field varies between runs: records carry no time, and `source` is left empty here. `.doc`
fixtures are left out: their text depends on whether antiword is installed.

When the parser's output is meant to change (a fidelity fix), regenerate and commit:

    .venv/bin/python -m tests.parse_snapshot
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from parsers import ParseError, parse_bytes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SNAPSHOT = FIXTURES / "parse_snapshot.json"
SHARED_REAL = ROOT.parent / "shared" / "real"
REAL_PREFIX = "shared/real/"
SIM_PREFIX = "sim/"


def digest(data: bytes, name: str, content_type: str | None = None) -> str:
    """SHA-256 of the record's JSON, or "refused: <reason>"."""
    try:
        record = parse_bytes(data, name, content_type=content_type)
    except ParseError as error:
        return f"refused: {error}"
    line = json.dumps(record, ensure_ascii=False)
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def fixture_inputs() -> Iterator[tuple[str, bytes, str | None]]:
    """(key, bytes, content type) for the inputs shipped in tests/fixtures."""
    for path in sorted(FIXTURES.glob("golden/*/input.*")):
        yield path.relative_to(FIXTURES).as_posix(), path.read_bytes(), None
    for suffix in ("pdf", "docx"):
        for path in sorted(FIXTURES.glob(f"attachments/*.{suffix}")):
            yield path.relative_to(FIXTURES).as_posix(), path.read_bytes(), None


def real_inputs(directory: Path = SHARED_REAL) -> Iterator[tuple[str, bytes, str | None]]:
    if directory.is_dir():
        for path in sorted(directory.glob("*.txt")):
            yield REAL_PREFIX + path.name, path.read_bytes(), None


def sim_inputs() -> Iterator[tuple[str, bytes, str | None]]:
    from sim import SimWeb

    web = SimWeb(sites=12, seed=3)
    seen: dict[str, int] = {}
    for truth in web.truth():
        if truth["kind"] != "report" or truth.get("robots_blocked"):
            continue
        fmt = truth["format"]
        seen[fmt] = seen.get(fmt, 0) + 1
        if fmt in ("pdf", "docx") and seen[fmt] % 8 != 1:
            continue
        status, headers, body = web.respond("GET", truth["url"], {})
        if status != 200:
            raise RuntimeError(f"simulated web answered {status} for {truth['url']}")
        content_type = {k.lower(): v for k, v in headers}.get("content-type")
        yield SIM_PREFIX + truth["url"], body, content_type


def snapshot() -> dict[str, str]:
    """Every input's digest, keyed by where it comes from."""
    inputs = [*fixture_inputs(), *real_inputs(), *sim_inputs()]
    return {key: digest(data, key.rsplit("/", 1)[-1], ctype) for key, data, ctype in inputs}


def main() -> int:
    current = snapshot()
    if not any(key.startswith(REAL_PREFIX) for key in current) and SNAPSHOT.exists():
        # Without ../shared/real here, keep the entries made where it was.
        stored = json.loads(SNAPSHOT.read_text("utf-8"))
        current |= {k: v for k, v in stored.items() if k.startswith(REAL_PREFIX)}
    SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"{SNAPSHOT.relative_to(ROOT)}: {len(current)} inputs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
