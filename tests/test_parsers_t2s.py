"""The t2s shortcut (parsers/t2s.py): a text is left unconverted only when OpenCC would leave
it unchanged, and the list of changing keys is the installed dictionaries' own."""

from __future__ import annotations

import random
from importlib import resources

import pytest

from parsers import t2s


def _shipped_keys() -> list[str]:
    text = resources.files("parsers").joinpath("data", t2s.KEYS_FILE).read_text("utf-8")
    return [line for line in text.split("\n") if line and not line.startswith("#")]


def test_the_list_is_read_from_the_installed_dictionaries() -> None:
    if t2s._changing() is None:
        pytest.skip("the installed OpenCC dictionaries are not the ones listed: always converted")
    try:
        keys = t2s.read_changing_keys()
    except (RuntimeError, OSError) as error:
        pytest.skip(f"opencc_dict unavailable: {error}")
    assert keys == _shipped_keys()


def test_shortcut_gives_what_opencc_gives() -> None:
    convert = t2s._converter().convert
    keys = _shipped_keys()
    chars = sorted({c for key in keys for c in key})
    everyday = "政府信息公开工作年度报告本机关收到申请件予以答复覆盖破坏沉着了解借助\n 0123,。（）"
    rng = random.Random(14)
    skipped = 0
    for _ in range(20_000):
        pieces = []
        for _ in range(rng.randint(1, 40)):
            roll = rng.random()
            pool = keys if roll < 0.03 else chars if roll < 0.08 else everyday
            pieces.append(rng.choice(pool))
        text = "".join(pieces)
        skipped += t2s._unchanged(text)
        assert t2s.to_simplified(text) == convert(text), text
    assert skipped > 1000  # the shortcut is taken, and was checked each time


@pytest.mark.parametrize(
    "text",
    ["覆盖全县", "答覆申请人", "深沈", "反反覆覆", "藉此", "𠀀國", "政府\U00020000", "信息公开"],
)
def test_phrases_and_rare_characters(text: str) -> None:
    assert t2s.to_simplified(text) == t2s._converter().convert(text)


def test_lone_surrogate_still_raises() -> None:
    with pytest.raises(UnicodeEncodeError):
        t2s.to_simplified("政府\ud800")
