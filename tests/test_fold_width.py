"""Width folding by code-point arrays gives what the regex split gave, on random texts."""

from __future__ import annotations

import random
import re

from parsers.normalize import _FOLDED, fold_width

# The folding as it was: split at each foldable character, each mapped by the table.
_FOLDABLE = re.compile("([\uff01-\uff5e\u3000\u3220-\u3229\u2474-\u2487])")


def _by_split(text: str) -> str:
    pieces = _FOLDABLE.split(text)
    pieces[1::2] = map(_FOLDED.__getitem__, pieces[1::2])
    return "".join(pieces)


# Each range's edges and neighbours, a lone surrogate, characters outside the BMP, NUL.
_EDGES = [0x0, 0x20, 0x21, 0x7E, 0xFF00, 0xFF01, 0xFF0C, 0xFF10, 0xFF5E, 0xFF5F, 0x2FFF, 0x3000]
_EDGES += [0x3001, 0x321F, 0x3220, 0x3229, 0x322A, 0x2473, 0x2474, 0x2487, 0x2488, 0x4E00]
_EDGES += [0xD800, 0xDFFF, 0xFEFF, 0xFFFF, 0x1F600, 0x10FFFF]


def test_fold_width_equals_the_split_on_random_texts() -> None:
    rng = random.Random(14)
    alphabet = [chr(c) for c in _EDGES]
    for _ in range(50_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert fold_width(text) == _by_split(text), repr(text)


def test_fold_width_on_a_report_line() -> None:
    text = "一、总体情况\u3000（１）公开：１２件，㈠加强⑴组织"
    assert fold_width(text) == _by_split(text) == "一、总体情况 (1)公开:12件,(一)加强(1)组织"
