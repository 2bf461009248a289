"""The one encoding decision for text bodies (domain.md §2.4), used by the crawl, `reparse`
and `gov-reports parse` alike: BOM, then the HTTP header, then `<meta charset>` / the XML
declaration, then detection.

GBK and GB2312 labels are decoded as GB18030 (a superset), as browsers do. A declared charset
that does not decode strictly is skipped, so a wrong `charset=utf-8` header does not produce
U+FFFD text. Detection tries UTF-8, then GB18030; GB18030 also "decodes" most Big5 bytes into
nonsense, so when Big5 decodes too, charset-normalizer chooses between the two.
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

from parsers.errors import ParseError

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.IGNORECASE)
_TRANSLATE = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "gb-2312": "gb18030",
    "x-gbk": "gb18030",
    "zh_cn": "gb18030",
    "zh-cn": "gb18030",
    "euc-cn": "gb18030",
    "euc_cn": "gb18030",
    "cp936": "gb18030",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf_8": "utf-8",
    "big5": "big5hkscs",
}
# Control bytes other than tab/newline/carriage return/form feed mark a binary file.
_BINARY_BYTES = bytes(range(9)) + bytes(range(14, 32))


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


def _decoded(body: bytes, encoding: str) -> str | None:
    """The body decoded strictly, None when it does not decode."""
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


class _Decision(NamedTuple):
    encoding: str
    source: str
    text: str | None  # the body decoded strictly with `encoding`, when the decision did so


def decide_encoding(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(encoding, source) where source is bom | header | meta | detected | fallback.

    `fallback` (gb18030) means nothing decodes strictly: `decode` then refuses the bytes.
    """
    decision = _decide(body, content_type)
    return decision.encoding, decision.source


def _decide(body: bytes, content_type: str | None) -> _Decision:
    """The decision, with the text it decoded on the way: `decode` keeps it instead of decoding
    the body a second time (a report's UTF-8 decoding was a few percent of its parse). The text
    is what `decode` would get: a body with a BOM is decided before any decoding."""
    # Only UTF-8's BOM: UTF-16 text is full of NUL bytes, which `decode` refuses as binary,
    # and bytes that merely start like a UTF-16 BOM (ff fe …) must not be read as UTF-16.
    if body.startswith(codecs.BOM_UTF8):
        return _Decision("utf-8", "bom", None)
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        enc = normalize_label(m.group(1))
        if enc and (text := _decoded(body, enc)) is not None:
            return _Decision(enc, "header", text)
    head = body[:4096]
    # Both declarations open with "<": a plain text has none, and skips the two scans (the
    # patterns ignore case, so the engine tries them at every byte).
    for pattern in (_META_CHARSET, _XML_DECL) if b"<" in head else ():
        if m := pattern.search(head):
            enc = normalize_label(m.group(1).decode("ascii", "ignore"))
            if enc and (text := _decoded(body, enc)) is not None:
                return _Decision(enc, "meta", text)
    if (text := _decoded(body, "utf-8")) is not None:
        return _Decision("utf-8", "detected", text)
    if (text := _decoded(body, "gb18030")) is not None:
        if _decoded(body, "big5hkscs") is not None and _big5_rather_than_gb(body):
            return _Decision("big5hkscs", "detected", None)
        return _Decision("gb18030", "detected", text)
    return _Decision("gb18030", "fallback", None)


def _big5_rather_than_gb(body: bytes) -> bool:
    """Both decode strictly: ask charset-normalizer which reads as language (last resort)."""
    from charset_normalizer import from_bytes

    best = from_bytes(body, cp_isolation=["gb18030", "big5"]).best()
    return best is not None and normalize_label(best.encoding) == "big5hkscs"


class Decoded(NamedTuple):
    text: str
    encoding: str
    replaced: int  # undecodable byte sequences replaced by U+FFFD (0: decoded strictly)


# Bytes that decode strictly in no candidate are decoded with replacement, unless more than
# this share of the characters would be replacements: then the text is garbage, refused.
MAX_REPLACED_SHARE = 0.1


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Bytes → (text, codec used, replacements): `encoding` (else the decision above) if it
    decodes strictly, else UTF-8, else GB18030. One bad byte does not lose a document: when
    none decodes strictly, the candidate with the fewest undecodable sequences is used with
    U+FFFD in their place (normalization then tags the text `mojibake`). A leading UTF-8 BOM
    is dropped. Raise ParseError for binary bytes or text that is mostly undecodable."""
    sample = data[:4096]
    # (The control bytes counted in one pass: the length deleting them removes.)
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    if b"\x00" in sample or controls > len(sample) // 100:
        raise ParseError("binary file, not text")
    if encoding:
        first = normalize_label(encoding)
    else:
        decision = _decide(data, None)
        if decision.text is not None:  # decoded strictly while deciding
            return Decoded(decision.text, decision.encoding, 0)
        first = decision.encoding
    names = [name for name in dict.fromkeys([first, "utf-8", "gb18030"]) if name]
    for name in names:
        try:
            return Decoded(data.decode(_codec(name)), name, 0)
        except (UnicodeDecodeError, LookupError):
            continue
    best: Decoded | None = None
    for name in names:
        try:
            text = data.decode(_codec(name), errors="replace")
        except LookupError:
            continue
        replaced = text.count("\ufffd") - data.count("\ufffd".encode())
        if best is None or replaced < best.replaced:
            best = Decoded(text, name, replaced)
    if best is None or best.replaced > MAX_REPLACED_SHARE * max(len(best.text), 1):
        share = f" ({best.replaced} of {len(best.text)} characters)" if best else ""
        raise ParseError(f"undecodable text: neither UTF-8 nor GB18030{share}")
    return best


def _codec(name: str) -> str:
    return "utf-8-sig" if name == "utf-8" else name
