"""One-way layers: each package imports only what it is allowed to (checked on the source of
every module, lazy imports inside functions included), and importing `parsers` in a fresh
interpreter loads neither Scrapy nor SQLAlchemy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"parsers", "storage", "crawler", "service", "sim"}
FRAMEWORKS = {"scrapy", "twisted", "sqlalchemy", "alembic"}
# Package → the project packages and frameworks it may import (the rest of the standard
# library and third-party parsing libraries are free).
ALLOWED = {
    "parsers": {"parsers"},
    # storage reads the record's row labels and the division registry from parsers (pure
    # Python, importing nothing of ours: no cycle), never the crawler or Scrapy.
    "storage": {"storage", "parsers", "sqlalchemy", "alembic"},
    "crawler": {"crawler", "parsers", "storage", "scrapy", "twisted", "sqlalchemy"},
    "service": {"service", "crawler", "parsers", "storage", "sim", "sqlalchemy", "scrapy"},
    "sim": {"sim"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & (PROJECT | FRAMEWORKS)


def test_every_package_imports_only_its_allowed_layers() -> None:
    wrong = {}
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            if bad := _imports(path) - allowed:
                wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert wrong == {}


def test_importing_parsers_loads_neither_scrapy_nor_sqlalchemy() -> None:
    code = (
        "import sys, parsers, parsers.extract.html, parsers.extract.text, parsers.record\n"
        "import parsers.ingest, parsers.encoding\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'scrapy', 'sqlalchemy', 'twisted'}]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
