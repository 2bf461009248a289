"""parsers/ must import neither Scrapy nor SQLAlchemy (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_parsers_loads_neither_scrapy_nor_sqlalchemy() -> None:
    code = (
        "import sys, parsers, parsers.extract.html, parsers.extract.text, parsers.record\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'scrapy', 'sqlalchemy', 'twisted'}]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
