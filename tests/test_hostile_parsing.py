"""Damaged and hostile documents: the parser fails with a declared error or reads what is
there, in time linear in the input, and never invents a number (issue 10)."""

from __future__ import annotations

import gc
import importlib
import pkgutil
import re
import time
from collections import deque
from pathlib import Path

import pytest

import crawler
import parsers
from parsers import ParseError, extract, parse_bytes
from parsers.normalize import normalize, strip_chrome
from parsers.tables import cells, to_int, to_number

GOLDEN = Path(__file__).parent / "fixtures" / "golden"


def _elapsed(func, *args) -> float:
    """CPU seconds `func(*args)` takes. Not wall time: on a loaded machine (the suite runs a
    worker per core beside crawls) a linear scan waited its turn long enough to pass a bound
    meant for backtracking. A super-linear pattern costs seconds of CPU at these sizes;
    the worst linear one ~0.1 s."""
    start = time.process_time()
    func(*args)
    return time.process_time() - start


# ----- markup --------------------------------------------------------------------------------


def test_html_with_an_xml_declaration_naming_an_encoding_is_read() -> None:
    page = GOLDEN / "html_2021_rowspan" / "input.html"
    data = b'<?xml version="1.0" encoding="utf-8"?>\n' + page.read_bytes()
    record = parse_bytes(data, "page.html")
    assert record["applications"]["new_received"]["total"] == 12


def test_control_characters_deep_in_html_do_not_stop_extraction() -> None:
    data = b"<html><body>" + b"<p>filler</p>" * 600 + b"<p>a\x00b\x01c</p></body></html>"
    assert extract(data, "x.html").text.endswith("abc")


@pytest.mark.parametrize("depth", [400, 3000])
def test_html_nested_past_libxml2s_limit_keeps_its_text(depth: int) -> None:
    data = (
        b"<html><body>"
        + b"<div><font>" * depth
        + b"deep text"
        + b"</font></div>" * depth
        + b"<p>after the nesting</p></body></html>"
    )
    text = extract(data, "x.html").text
    assert "deep text" in text
    assert "after the nesting" in text


def test_tables_nested_too_deep_fail_with_a_reason() -> None:
    data = b"<html><body>" + b"<table><tr><td>" * 300 + b"deep" + b"</td></tr></table>" * 300
    with pytest.raises(ParseError, match="nested deeper"):
        extract(data + b"</body></html>", "x.html")


# ----- numbers -------------------------------------------------------------------------------


def test_numbers_on_separate_lines_are_not_joined() -> None:
    stream = cells("本年新收 | \n236\n0 | 1 | 2 | 3 |")
    values = [cell.text for cell in stream if cell.kind == "value"]
    assert values == ["236", "0", "1", "2", "3"]


def test_numbers_wrapped_in_an_html_cell_are_not_joined() -> None:
    data = b"<html><body><table><tr><td>a</td><td>236\n0</td><td>1</td></tr></table></body></html>"
    assert extract(data, "x.html").text == "a | 236 0 | 1"


@pytest.mark.parametrize("digits", [16, 400, 5000])
def test_absurd_numbers_are_unreadable(digits: int) -> None:
    assert to_int("9" * digits) is None
    assert to_number("9" * digits) is None
    assert to_int("²") is None


def test_a_report_with_a_cell_of_hundreds_of_digits_parses_with_that_cell_null() -> None:
    page = (GOLDEN / "html_2021_rowspan" / "input.html").read_bytes()
    target = b"<td>10</td><td>2</td>"
    assert target in page
    record = parse_bytes(page.replace(target, b"<td>" + b"9" * 400 + b"</td><td>2</td>", 1))
    received = record["applications"]["new_received"]
    assert received["natural_person"] is None
    assert received["total"] == 12
    assert all(
        check["status"] != "fail" or "e+" not in check["detail"] for check in record["checks"]
    )


def test_prose_with_an_absurd_count_is_not_read() -> None:
    text = "某县2017年政府信息公开工作年度报告\n全年共收到政府信息公开申请" + "9" * 5000 + "件。"
    assert parse_bytes(text.encode(), "x.txt")["applications"] is None


# ----- time linear in the input --------------------------------------------------------------

# Inputs that made a regex rescan a run from every position (100k spaces took 25 s).
_HOSTILE_UNITS = [" ", "\xa0", "\u3000", "0", "1 ", "|", "(", "\n ", "1,", "<a ", "第", "1."]


@pytest.mark.parametrize("unit", [" ", "\xa0", "&nbsp;"])
def test_runs_of_spaces_normalize_in_linear_time(unit: str) -> None:
    text = "政府信息公开" + (unit if unit != "&nbsp;" else "\xa0") * 200_000 + "年度报告"
    assert _elapsed(normalize, text) < 3
    html = f"<html><body><p>报告{unit * 150_000}</p><table><tr><td>a{' ' * 100_000}b</td>"
    assert _elapsed(extract, (html + "</tr></table></body></html>").encode(), "x.html") < 3


def test_vsb_page_count_in_linear_time() -> None:
    from crawler.discovery.vsb import _PAGES

    assert _elapsed(_PAGES.search, "1" * 200_000) < 3


def _module_patterns() -> dict[str, re.Pattern]:
    """Every compiled regex held at module level (also inside tuples, dicts, named tuples) in
    parsers/ and crawler/, so a new pattern is audited without anyone listing it."""
    found: dict[re.Pattern, str] = {}

    def collect(obj: object, name: str, depth: int = 0) -> None:
        if isinstance(obj, re.Pattern):
            found.setdefault(obj, name)
        elif depth < 3 and isinstance(obj, (list, tuple, set, frozenset)):
            for i, item in enumerate(obj):
                collect(item, f"{name}[{i}]", depth + 1)
        elif depth < 3 and isinstance(obj, dict):
            for key, item in obj.items():
                collect(item, f"{name}[{key}]", depth + 1)

    for package in (parsers, crawler):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for attr, value in vars(module).items():
                collect(value, f"{info.name}.{attr}")
    return {name: pattern for pattern, name in found.items()}


# Patterns only ever applied with .match to short pieces, each covered by its own test below.
_ANCHORED_USE = {"parsers.normalize._CHROME_LINE", "parsers.extract.pdf._TOKEN"}


def _scan_seconds(pattern: re.Pattern, unit: str, size: int) -> float:
    """CPU seconds to find every match of `pattern` in `unit` repeated to `size` characters
    (matches dropped as found, the collector off: a list of 60,000 match objects made the
    cyclic GC cost more than many a scan)."""
    text = unit * (size // len(unit))
    subject = text.encode() if isinstance(pattern.pattern, bytes) else text
    gc.disable()
    try:
        return _elapsed(deque, pattern.finditer(subject), 0)
    finally:
        gc.enable()


def test_no_module_regex_backtracks_super_linearly() -> None:
    """A pattern is flagged when scanning 4x the text costs over 8x the time (linear: 4x,
    quadratic: 16x) and the longer scan takes long enough to measure. A bound on the time
    alone depends on the machine: a quadratic `\\s*x` over 30,000 spaces took 0.65 s here."""
    patterns = _module_patterns()
    assert len(patterns) > 50  # the walk found the modules' patterns
    slow = []
    for name, pattern in patterns.items():
        if name in _ANCHORED_USE:
            continue
        for unit in _HOSTILE_UNITS:
            if (long := _scan_seconds(pattern, unit, 60_000)) < 0.2:
                continue
            if (growth := long / max(_scan_seconds(pattern, unit, 15_000), 1e-3)) > 8:
                slow.append(f"{name} on {unit!r}: {long:.2f} s, {growth:.0f}x for 4x the text")
    assert not slow, slow


def test_the_super_linear_check_finds_a_quadratic_pattern() -> None:
    quadratic = re.compile(r"\s*x")  # tried at every space, each try runs to the end
    long = _scan_seconds(quadratic, " ", 60_000)
    assert long > 0.2 and long > 8 * _scan_seconds(quadratic, " ", 15_000)


def test_anchored_patterns_in_use_are_linear() -> None:
    from parsers.extract.pdf import _shown_strings

    assert _elapsed(strip_chrome, "\xa0" * 200_000 + "\n" + ("\xa0" * 79 + "x\n") * 2000) < 3
    assert _elapsed(_shown_strings, b"1." * 200_000) < 3


# ----- damaged bytes -------------------------------------------------------------------------


def test_one_bad_byte_does_not_lose_the_document() -> None:
    page = (GOLDEN / "seed_000_6042ec2c999cb952" / "input.txt").read_bytes()
    at = page.index(b"\n") + 1  # a character boundary
    damaged = page[:at] + b"\xff" + page[at:]
    with pytest.raises(UnicodeDecodeError):
        damaged.decode("utf-8")
    extracted = extract(damaged, "r.txt")
    assert extracted.replaced == 1
    assert "mojibake" in extracted.hazards
    record = parse_bytes(damaged, "r.txt")
    assert "mojibake" in record["hazards"]
    assert record["applications"] == parse_bytes(page, "r.txt")["applications"]


def test_mostly_undecodable_text_is_refused() -> None:
    with pytest.raises(ParseError, match="undecodable"):
        extract(b"\xff\xfe\xfd\x80\x81" * 30 + "政府".encode(), "r.txt")
