"""Region lookup's suffix scans find what a plain search for every name finds."""

from __future__ import annotations

import random
import re

from parsers import registry


def _random_texts(count: int, seed: int) -> list[str]:
    """Texts made of province names, their pieces, the suffixes and filler, so names stand
    glued to each other, cut short or doubled ("江苏省省", "自治区区")."""
    rng = random.Random(seed)
    names = sorted(registry._provinces())
    pieces = [*names, "省", "市", "区", "自治", "治区", "江", "海", "\n", "，", "a", "全省", "本市"]
    pieces += [name[: rng.randrange(1, len(name))] for name in names]
    pieces += [name[rng.randrange(1, len(name)) :] for name in names]
    return ["".join(rng.choices(pieces, k=rng.randrange(0, 30))) for _ in range(count)]


def test_provinces_in_finds_every_name_the_text_contains() -> None:
    names = registry._provinces()
    alternation = re.compile("|".join(map(re.escape, sorted(names))))  # the scan it replaced
    for text in _random_texts(5000, seed=14):
        expected = {name for name in names if name in text}
        assert registry.provinces_in(text) == expected, text
        assert set(alternation.findall(text)) == expected, text


def test_provinces_in_on_a_report_line() -> None:
    text = "根据《江苏省政府信息公开规定》，本机关与上海市、新疆维吾尔自治区……江苏"
    assert registry.provinces_in(text) == {"江苏省", "上海市", "新疆维吾尔自治区"}
    assert registry.provinces_in("") == set()


def test_the_shared_scans_find_what_each_lookup_finds_alone() -> None:
    rng = random.Random(15)
    divisions = sorted({d.name for d in registry.divisions()})
    prefectures = sorted(registry._prefectures())
    provinces = sorted(registry._provinces())
    filler = [*"县区市旗州盟省\n，", "人民政府", "全县", "我区", "城区"]
    for _ in range(3000):
        pieces = rng.choices(divisions, k=3) + rng.choices(prefectures, k=2)
        pieces += rng.choices(provinces, k=1) + rng.choices(filler, k=4)
        pieces += [name[: rng.randrange(1, len(name))] for name in rng.choices(divisions, k=2)]
        rng.shuffle(pieces)
        text = "".join(pieces)
        ends = registry._ends(registry._region_ends(), text)
        assert registry.find_division_names(text, ends) == registry.find_division_names(text)
        assert registry.find_prefecture_names(text, ends) == registry.find_prefecture_names(text)
        assert registry.provinces_in(text, ends) == registry.provinces_in(text)
