"""Numbers that pre-2019 reports state in sentences rather than tables (RECORD.md keys)."""

from __future__ import annotations

import re

from parsers.tables import to_int

_RECEIVED = re.compile(
    r"(?:共|累计|全年|总计)?(?:收到|受理|接到|接收|办理)[^。；;，,]{0,24}?申请[^。；;\d]{0,6}?(\d+)\s*(?:件|份|条|个|宗|人次)"
)
# "政府信息公开申请共计5件" / "依申请公开信息数量为3件": the count without a verb.
_RECEIVED_COUNT = re.compile(
    r"(?:政府信息公开|信息公开|依申请公开)(?:申请|信息)(?:数量|总数|数)?(?:共计|共|为|合计)+\s*(\d+)\s*(?:件|份|条)"
)
_NONE_RECEIVED = re.compile(r"(?:未|没有|无)(?:收到|受理|接到)[^。；;]{0,16}?(?:公开)?申请")
_NO_REVIEW = re.compile(
    r"(?:未|没有|无)(?:发生|收到|出现|有)?[^。；;]{0,40}?(?:行政)?复议[^。；;]{0,30}?(?:行政)?诉讼"
    r"|(?:行政复议|行政诉讼)[^。；;]{0,30}?(?:均为|为)\s*(?:0|零)\s*件?"
)
_REVIEW_COUNT = re.compile(r"行政复议(?:申请|案件)?(?:共|共计)?\s*(\d+)\s*(?:件|起|宗)")


def prose_applications(text: str) -> dict[str, dict[str, int]] | None:
    match = _RECEIVED.search(text) or _RECEIVED_COUNT.search(text)
    if match:
        total = to_int(match.group(1))  # None when absurd (hundreds of digits)
        return {"new_received": {"total": total}} if total is not None else None
    if _NONE_RECEIVED.search(text):
        return {"new_received": {"total": 0}}
    return None


def prose_review_litigation(text: str) -> dict[str, dict[str, int]] | None:
    if _NO_REVIEW.search(text):
        return {
            group: {"total": 0}
            for group in ("review", "litigation_direct", "litigation_after_review")
        }
    match = _REVIEW_COUNT.search(text)
    if match and (total := to_int(match.group(1))) is not None:
        return {"review": {"total": total}}
    return None
