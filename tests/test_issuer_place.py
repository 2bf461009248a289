"""metadata.place_government (substring searches) finds what the patterns built from the place
found."""

from __future__ import annotations

import random
import re

from parsers.metadata import find_issuer, place_government


def _reference(prefix: str, text: str, site_name: str | None) -> str | None:
    """As find_issuer did it: patterns built from the escaped place name."""
    place = re.escape(prefix)
    found = re.search(rf"{place}人民政府(?!办)", text)
    if found:
        return found.group(0)
    if site_name and re.fullmatch(rf"{place}人民政府", site_name):
        return site_name
    found = re.search(rf"{place}人民政府办公[室厅]", text)
    return found.group(0) if found else None


def test_place_government_matches_the_patterns() -> None:
    rng = random.Random(3)
    places = ["富源县", "县", "A.B(县)", "[区]", "富源县富源县", "源县"]
    pieces = [*places, "人民政府", "办", "办公室", "办公厅", "办公", "政府", "，", "\n", "。"]
    found = 0
    for _ in range(20000):
        place = rng.choice(places)
        text = "".join(rng.choices(pieces, k=rng.randrange(0, 14)))
        site = rng.choice([None, "", place + "人民政府", place + "人民政府网", "人民政府"])
        expected = _reference(place, text, site)
        assert place_government(place, text, site) == expected, (place, text, site)
        found += expected is not None
    assert 2000 < found < 18000  # both outcomes were tried many times


def test_find_issuer_takes_the_government_of_the_titles_place() -> None:
    text = "富源县人民政府办公室编制。富源县人民政府办事处……富源县人民政府2023年"
    title = "富源县2023年政府信息公开工作年度报告"
    assert find_issuer(title, text, text.split("\n")) == "富源县人民政府"
    text = "富源县人民政府办公厅、富源县人民政府办公室"
    assert find_issuer(title, text, text.split("\n")) == "富源县人民政府办公厅"
