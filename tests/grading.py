"""Grade a record against a partial expectation, as ../shared/tools/grade_records.py does.

Every leaf of the expectation must equal the record's value at the same path; the special keys
(section_numbers, hazards_include/exclude, checks_all_pass, checks_fail_include,
text_contains/excludes) test lists and text.
"""

from __future__ import annotations

from typing import Any

SPECIAL = {
    "section_numbers",
    "hazards_include",
    "hazards_exclude",
    "checks_all_pass",
    "checks_fail_include",
    "text_contains",
    "text_excludes",
}
_MISSING = object()


def _leaves(expected: Any, path: tuple[str, ...] = ()):
    if isinstance(expected, dict) and expected:
        for key, value in expected.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, expected


def _lookup(record: Any, path: tuple[str, ...]) -> Any:
    node = record
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, float) or isinstance(got, float):
        try:
            return abs(float(want) - float(got)) < 1e-6 * max(1.0, abs(float(want)))
        except (TypeError, ValueError):
            return False
    return want == got and type(want) is type(got)


def misses(record: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Every graded field the record gets wrong, as readable lines (empty when all match)."""
    out = []
    plain = {k: v for k, v in expected.items() if k not in SPECIAL}
    for path, want in _leaves(plain):
        got = _lookup(record, path)
        if got is _MISSING or not _same(want, got):
            out.append(f"{'.'.join(path)}: want {want!r}, got {got!r}")
    hazards = set(record.get("hazards") or [])
    statuses = {c["rule"]: c["status"] for c in record.get("checks") or []}
    text = "\n".join(
        [record.get("title") or ""]
        + [f"{s.get('heading') or ''}\n{s.get('text') or ''}" for s in record.get("sections") or []]
    )
    if "section_numbers" in expected:
        got = [s["number"] for s in record.get("sections") or []]
        if got != expected["section_numbers"]:
            out.append(f"section_numbers: want {expected['section_numbers']}, got {got}")
    out += [f"hazards lack {t}" for t in expected.get("hazards_include", []) if t not in hazards]
    out += [f"hazards have {t}" for t in expected.get("hazards_exclude", []) if t in hazards]
    if expected.get("checks_all_pass"):
        failed = [r for r, s in statuses.items() if s == "fail"]
        if failed or not statuses:
            out.append(f"checks failed: {failed} (of {len(statuses)})")
    out += [
        f"check {r} is {statuses.get(r)!r}, want fail"
        for r in expected.get("checks_fail_include", [])
        if statuses.get(r) != "fail"
    ]
    out += [f"text lacks {n!r}" for n in expected.get("text_contains", []) if n not in text]
    out += [f"text has {n!r}" for n in expected.get("text_excludes", []) if n in text]
    return out
