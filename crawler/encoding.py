"""The encoding decision for text bodies: header, then meta, then detection (domain.md §2.4).

GBK and GB2312 labels are decoded as GB18030 (a superset). A declared charset that does not
decode strictly is skipped, so a wrong `charset=utf-8` header does not produce U+FFFD text.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.IGNORECASE)
_TRANSLATE = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "zh_cn": "gb18030",
    "cp936": "gb18030",
    "utf8": "utf-8",
    "big5": "big5hkscs",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def normalize_label(label: str | None) -> str | None:
    """A Python codec name for a charset label, GBK family → gb18030; None if unknown."""
    if not label:
        return None
    low = label.strip().strip("\"'").lower()
    low = _TRANSLATE.get(low, low)
    try:
        name = codecs.lookup(low).name
    except LookupError:
        return None
    return _TRANSLATE.get(name, name)


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def decide_encoding(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(encoding, source) where source is bom | header | meta | detected | fallback."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, "bom"
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        enc = normalize_label(m.group(1))
        if enc and _decodes(body, enc):
            return enc, "header"
    head = body[:4096]
    for pattern in (_META_CHARSET, _XML_DECL):
        if m := pattern.search(head):
            enc = normalize_label(m.group(1).decode("ascii", "ignore"))
            if enc and _decodes(body, enc):
                return enc, "meta"
    for enc in ("utf-8", "gb18030"):
        if _decodes(body, enc):
            return enc, "detected"
    return "gb18030", "fallback"  # decodes with replacement; the parser flags mojibake
