"""Traditional to simplified script (OpenCC's "t2s"), skipped for a text it leaves unchanged.

Most reports are in simplified script already, and converting one still costs a dictionary
lookup per character. OpenCC replaces a piece of text only where a dictionary key stands in it
whose first value differs from the key ("國" → "国", "反覆" → "反复"); a text holding no such
key comes out as it went in. `parsers/data/opencc_t2s_changes.txt` lists those keys, read
from the dictionaries of the installed OpenCC, with their SHA-256: with other dictionaries
(another OpenCC version), every text is converted, as before.

Regenerate the list after an OpenCC upgrade (tests/test_parsers_normalize.py checks it):

    .venv/bin/python -m parsers.t2s
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tempfile
from collections import Counter
from functools import cache
from importlib import resources
from pathlib import Path

import opencc

KEYS_FILE = "opencc_t2s_changes.txt"
_HEADER = "# sha256 of t2s.json and its dictionaries: "


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    if _unchanged(text):
        return text
    return _converter().convert(text)


def _unchanged(text: str) -> bool:
    """True only when no changing key stands in the text (False when unsure)."""
    keys = _changing()
    if keys is None:
        return False
    found, phrases = keys
    try:  # (lone surrogates raise here, as in OpenCC)
        astral = len(text.encode("utf-16-le")) != 2 * len(text)
    except UnicodeEncodeError:
        return False
    if astral:  # characters outside the BMP are not listed: always converted
        return False
    for match in found.finditer(text):
        near = phrases.get(match.group())
        if near is None:
            return False  # a changing character
        at = match.start()  # a witness: is one of its phrases around it?
        if any(at >= k and text.startswith(phrase, at - k) for phrase, k in near):
            return False
    return True


@cache
def _changing() -> tuple[re.Pattern[str], dict[str, tuple[tuple[str, int], ...]]] | None:
    """(changing characters and phrase witnesses, witness → (phrase, the witness's offset in
    it)) for the installed dictionaries, or None when they are not the ones the list was read
    from."""
    digest = _dictionaries_digest()
    lines = resources.files("parsers").joinpath("data", KEYS_FILE).read_text("utf-8").split("\n")
    if digest is None or lines[0] != _HEADER + digest:
        return None
    keys = [line for line in lines[1:] if line and not line.startswith("#")]
    # (A text with characters outside the BMP is always converted: no such character is
    # looked for, which keeps the pattern fast.)
    keys = [key for key in keys if all(ord(c) <= 0xFFFF for c in key)]
    chars = {key for key in keys if len(key) == 1}
    # Phrases holding a changing character are found by that character already. Each other
    # phrase is looked for only where its witness stands: of its characters, the one most
    # such phrases share (沈 in 深沈, 覆 in 答覆), a variant that simplified text rarely
    # prints (any of its characters would be correct, only slower).
    rest = [key for key in keys if len(key) > 1 and not chars.intersection(key)]
    shared = Counter(c for key in rest for c in set(key))
    phrases: dict[str, list[tuple[str, int]]] = {}
    for key in rest:
        witness = max(key, key=shared.__getitem__)
        phrases.setdefault(witness, []).append((key, key.index(witness)))
    return (
        re.compile(f"[{''.join(sorted(chars | phrases.keys()))}]"),
        {witness: tuple(found) for witness, found in phrases.items()},
    )


def _share_dir() -> Path | None:
    """Where OpenCC read its "t2s" configuration from, when that is its own package data."""
    config = Path(getattr(_converter(), "config", ""))
    return config.parent if config.name == "t2s.json" and config.is_file() else None


def _dictionary_files(share: Path) -> list[Path]:
    config = json.loads((share / "t2s.json").read_text("utf-8"))
    names: list[str] = []

    def collect(entry: object) -> None:
        if isinstance(entry, dict):
            if isinstance(entry.get("file"), str):
                names.append(entry["file"])
            for value in entry.values():
                collect(value)
        elif isinstance(entry, list):
            for value in entry:
                collect(value)

    collect(config)
    return [share / name for name in names]


def _dictionaries_digest() -> str | None:
    share = _share_dir()
    if share is None:
        return None
    digest = hashlib.sha256((share / "t2s.json").read_bytes())
    for path in _dictionary_files(share):
        if not path.is_file():
            return None
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_changing_keys() -> list[str]:
    """Every key of the t2s dictionaries whose first value differs from it, read with the
    `opencc_dict` tool shipped beside the OpenCC library."""
    share = _share_dir()
    if share is None:
        raise RuntimeError("OpenCC's t2s configuration is not in its package data")
    tool = share.parent.parent / "bin" / "opencc_dict"
    keys: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for path in _dictionary_files(share):
            out = Path(tmp) / (path.stem + ".txt")
            subprocess.run(
                [str(tool), "-i", str(path), "-o", str(out), "-f", "ocd2", "-t", "text"],
                check=True,
                capture_output=True,
            )
            for line in out.read_text("utf-8").splitlines():
                key, _, values = line.partition("\t")
                if values.split(" ")[0] != key:
                    keys.add(key)
    return sorted(keys)


def main() -> int:
    digest = _dictionaries_digest()
    target = Path(__file__).parent / "data" / KEYS_FILE
    lines = [
        _HEADER + str(digest),
        f"# OpenCC {opencc.__version__}: each t2s key whose conversion differs from it, one a line",
        *read_changing_keys(),
    ]
    target.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{target}: {len(lines) - 2} keys")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
