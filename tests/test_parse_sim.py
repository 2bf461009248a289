"""The parser against the simulated web's answer key: every format, template and layout.

Each report the simulator serves (HTML pages, flattened text, PDF and DOCX attachments) is
fetched with `SimWeb.respond` (no server needed) and parsed; its table cells must match the
truth for ≥ 99% of cells overall and for each attachment format.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from parsers import ParseError, parse_bytes
from sim import SimWeb

TABLES = ("active_disclosure", "applications", "review_litigation")


def _leaves(node: Any, path: tuple[str, ...] = ()):
    if isinstance(node, dict) and node and not {"raw", "yuan"} >= set(node):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, node


def _lookup(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = record
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return "(missing)"
        node = node[key]
    return node


@pytest.fixture(scope="module")
def scores() -> dict[str, Counter[str]]:
    web = SimWeb(sites=12, seed=3)
    by_format: dict[str, Counter[str]] = {}
    for truth in web.truth():
        if truth["kind"] != "report" or truth.get("robots_blocked"):
            continue
        status, headers, body = web.respond("GET", truth["url"], {})
        assert status == 200, truth["url"]
        content_type = {k.lower(): v for k, v in headers}.get("content-type")
        score = by_format.setdefault(truth["format"], Counter())
        try:
            record = parse_bytes(body, truth["url"].rsplit("/", 1)[-1], content_type=content_type)
        except ParseError:
            score["unparsed"] += 1
            continue
        score["reports"] += 1
        score["year_right"] += record["report_year"] == truth["year"]
        score["template_right"] += record["template"] == truth["template"]
        score["region_right"] += record["region"]["code"] == truth["region_code"]
        for table in TABLES:
            for path, want in _leaves({table: truth[table]}):
                score["cells"] += 1
                score["cells_right"] += _lookup(record, path) == want
    return by_format


def test_every_format_is_served(scores: dict[str, Counter[str]]) -> None:
    assert {"html", "text", "pdf", "docx"} <= set(scores)


@pytest.mark.parametrize("fmt", ["html", "text", "pdf", "docx"])
def test_cells_match_the_truth(scores: dict[str, Counter[str]], fmt: str) -> None:
    score = scores[fmt]
    assert score["unparsed"] == 0
    assert score["cells"] > 0
    assert score["cells_right"] / score["cells"] >= 0.99, score


def test_metadata_matches_the_truth(scores: dict[str, Counter[str]]) -> None:
    total = sum((s for s in scores.values()), Counter())
    assert total["year_right"] == total["reports"], total
    assert total["template_right"] == total["reports"], total
    assert total["region_right"] / total["reports"] >= 0.99, total
