"""Text normalization: one pass from extracted text to the clean simplified text the reader uses.

Each rule is a small function so it can be tested alone; `normalize` applies them in order and
reports which hazards it saw (RECORD.md tags) and the source script.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, repeat

import numpy as np

from parsers.t2s import to_simplified

# ㈠…㈩ (U+3220–3229) and ⑴…⒇ (U+2474–2487) become the usual "(一)" / "(1)".
_CHINESE_NUMERALS = "一二三四五六七八九十"
_ENCLOSED = {chr(0x3220 + i): f"({n})" for i, n in enumerate(_CHINESE_NUMERALS)}
_ENCLOSED |= {chr(0x2474 + i): f"({i + 1})" for i in range(20)}
# Full-width ASCII (U+FF01–FF5E) to ASCII, and the ideographic space to a space. Chinese
# sentence punctuation (。、“”《》〔〕) has no ASCII twin that parsing needs, so it stays.
_FULLWIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}
for _char, _repl in _ENCLOSED.items():
    _FULLWIDTH[ord(_char)] = _repl

_TONE_MARKS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN_LETTERS = f"a-zü{_TONE_MARKS}"
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_CJK = "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _CJK_RANGES)
# A gloss is a parenthesized pinyin syllable right after a Chinese character: 統(tǒng), 開(kai).
# (The pattern starts at the parenthesis, which the regex engine finds fast; the character
# before it is checked in code. It is written as one gloss then any more, not as a repeated
# group, because the engine skips ahead to a leading character class, never to a repeat.)
_ONE_GLOSS = rf"[(（][{_PINYIN_LETTERS}]{{1,6}}[1-5]?[)）]"
_GLOSS = re.compile(rf"{_ONE_GLOSS}(?:{_ONE_GLOSS})*")
# One gloss's text, applied to what _GLOSS matched (glosses hold no brackets). An opening
# bracket ends the scan too: with `[^)）]*` each of a run of "(" rescanned to the end.
_GLOSS_TEXT = re.compile(r"[(（]([^()（）]*+)[)）]")
_GLOSS_OPEN = re.compile(rf"\((?=[{_PINYIN_LETTERS}])")
_GLOSS_OPEN_WIDE = re.compile(rf"（(?=[{_PINYIN_LETTERS}])")
_CJK_ONE = re.compile(f"[{_CJK}]")
_SYLLABLE = re.compile(
    r"^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:[iuüv]?(?:a|o|e|ai|ei|ao|ou|an|en|ang|eng|ong|er)"
    r"|i|u|ü|v|in|ing|un|ün|ui|iu|ie|üe|ue|uo|ia|ua|uai|iao|ian|iang|iong|uan|uang|ve)[1-5]?$"
)
# Mirror mojibake: "。現(xiàn)" written through a 7-bit channel became "?,F(xiàn)": the full stop
# is lost to "?", and the character's GBK bytes lost their high bit. The gloss right after
# proves a character stood there, so setting the high bit back recovers it.
_MOJIBAKE = re.compile(rf"[?？]([\x21-\x7e])([\x40-\x7e])(?=[(（][{_PINYIN_LETTERS}]{{1,6}}[)）])")
_MOJIBAKE_CHARS = "\ufffd锟烫屯脙脗"
_MOJIBAKE_SIGNS = re.compile(r"[\ufffd]|锟斤拷|烫烫烫|屯屯屯|[脙脗][\x80-\xff]?")

# Page chrome that CMS templates put around the article.
_CHROME_LINE = re.compile(
    r"^\s*(?:[【\[]?\s*(?:上一[条篇页]|下一[条篇页])\s*[:：】\]].*"
    r"|(?:[【\[]\s*)?(?:打印(?:本页|此页)?|关闭(?:窗口|本页)?|收藏|返回顶部|返回)\s*[】\]]?"
    r"(?:\s*[【\[]?\s*(?:打印(?:本页|此页)?|关闭(?:窗口|本页)?|收藏|返回顶部|返回)\s*[】\]]?)*"
    r"|字号\s*[:：]?\s*[【\[]?\s*大.{0,8}小.*"
    r"|(?:分享到|扫一扫|微信扫一扫|相关链接|附件下载|浏览次数|访问量|阅读次数)\s*[:：]?.{0,40}"
    r"|当前位置\s*[:：].*"
    r"|(?:主办单位|主办|承办单位|承办|技术支持|维护单位|网站标识码|责任编辑|字体)\s*[:：].*"
    r"|(?:版权所有|Copyright|©).{0,60}"
    r"|(?:联系我们|网站地图|网站声明|关于本站)(?:\s*[|｜]?\s*(?:联系我们|网站地图|网站声明|关于本站))*"
    r"|.{0,30}(?:ICP备|公网安备)\s*\S*\d+号.*"
    r")\s*$"
)
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$"
)


# Spaces before a line break, dropped line by line with str.rstrip: linear in the text (a
# regex `[ ]+\n` rescanned a long run from every position: 100k spaces took 25 s; one with a
# lookbehind was linear but tried at every character).
_TRAILING_SPACES = " \t\u00a0\u3000"
# Whether any line ends in one: one scan from each line break, a literal the regex engine skips
# ahead to (a substring search per kind of space was four passes).
_SPACE_BEFORE_BREAK = re.compile(f"\n(?<=[{_TRAILING_SPACES}]\n)")


@dataclass(frozen=True)
class Normalized:
    """`text` keeps the source's punctuation and widths (what the record shows); `parse_text`
    is the same text with full-width forms folded to ASCII, character for character, so an
    offset found in one is the same place in the other."""

    text: str
    parse_text: str
    script: str  # "simplified" | "traditional"
    hazards: frozenset[str]


_ENCLOSED_CHAR = re.compile("[\u3220-\u3229\u2474-\u2487]")
# (in a group: split() then returns the characters between the pieces)
_FOLDABLE = re.compile("([\uff01-\uff5e\u3000\u3220-\u3229\u2474-\u2487])")
_FOLDED = {chr(c): chr(r) if isinstance(r, int) else r for c, r in _FULLWIDTH.items()}


def fold_width(text: str) -> str:
    """Full-width digits, letters and ASCII punctuation to ASCII; ㈠ to (一)."""
    # One character to one (no enclosed numeral, the usual case): the code points as an array,
    # folded by a few vectorized steps, which cost less than a regex's class test at each
    # character and a string per foldable character.
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    wide = (cps - _FULLWIDTH_FIRST) <= _FULLWIDTH_SPAN  # (unsigned: below the first wraps)
    space = cps == _IDEOGRAPHIC_SPACE
    enclosed = ((cps - _ENCLOSED_CJK) <= 9) | ((cps - _ENCLOSED_DIGITS) <= 19)
    if not enclosed.any():
        if not (wide.any() or space.any()):
            return text
        folded = cps - wide * _FULLWIDTH_SHIFT
        folded[space] = 0x20
        return folded.tobytes().decode("utf-32-le", "surrogatepass")
    return _fold_enclosed(text)


_FULLWIDTH_FIRST, _FULLWIDTH_SPAN = np.uint32(0xFF01), np.uint32(0x5D)
_FULLWIDTH_SHIFT = np.uint32(0xFF01 - 0x21)
_IDEOGRAPHIC_SPACE = np.uint32(0x3000)
_ENCLOSED_CJK, _ENCLOSED_DIGITS = np.uint32(0x3220), np.uint32(0x2474)


def _fold_enclosed(text: str) -> str:
    """`fold_width` for a text with enclosed numerals, which become several characters."""
    # Translating only where needed: str.translate with a dict costs a lookup per character.
    # The text is split at the foldable characters (every other piece is one) and those are
    # mapped by one map() in C: a report's full-width commas are hundreds of matches, too many
    # for a Python call each.
    pieces = _FOLDABLE.split(text)
    pieces[1::2] = map(_FOLDED.__getitem__, pieces[1::2])
    return "".join(pieces)


# UTF-8 bytes read as Windows-1252 or Latin-1: "æ”¿åºœ" for 政府. Each Chinese character
# became three such characters, the first of them in à-ï.
_LATIN_RUN = re.compile(
    "(?:[\u00e0-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d"
    "\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]{2})+"
)


_LATIN_HINT = re.compile("[\u00e0-\u00ef][\u0080-\u00bf\u0152-\u2122]")


def _undo_latin(match: re.Match[str]) -> str:
    run = match.group(0)
    for codec in ("cp1252", "latin-1"):
        try:
            return run.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return run


_RARE = re.compile(f"[\u2474-\u2487\u3220-\u3229\u00e0-\u00ef{_MOJIBAKE_CHARS}]")


def repair_mojibake(text: str, *, rare: bool = True) -> tuple[str, bool]:
    """Repair "?,F(xiàn)" to "。現(xiàn)" and "æ”¿åºœ" to "政府"; return the text and whether
    anything was garbled. `rare=False`: the caller found none of the _RARE characters, so no
    Latin-1 mojibake nor replacement mark is looked for."""
    found = False
    if rare and _LATIN_HINT.search(text):
        repaired_latin = _LATIN_RUN.sub(_undo_latin, text)
        if repaired_latin != text:
            found, text = True, repaired_latin

    def fix(match: re.Match[str]) -> str:
        nonlocal found
        try:
            char = bytes([ord(match.group(1)) | 0x80, ord(match.group(2))]).decode("gbk")
        except UnicodeDecodeError:
            return match.group(0)
        if not re.match(rf"[{_CJK}]", char):
            return match.group(0)
        found = True
        return "。" + char

    # The pattern starts at a question mark: without one there is nothing to scan for.
    repaired = _MOJIBAKE.sub(fix, text) if "?" in text or "？" in text else text
    signs = rare and any(c in text for c in _MOJIBAKE_CHARS) and bool(_MOJIBAKE_SIGNS.search(text))
    return repaired, found or signs


def strip_pinyin(text: str) -> tuple[str, bool]:
    """Remove pinyin glosses after characters; return the text and whether any were found."""
    found = False
    # A gloss opens with a bracket and a pinyin letter: two literal-first scans, fast, say
    # whether the sub (a class scan, character by character) has anything to find.
    if not (_GLOSS_OPEN.search(text) or _GLOSS_OPEN_WIDE.search(text)):
        return text, found

    def drop(match: re.Match[str]) -> str:
        nonlocal found
        start = match.start()
        if start == 0 or not _CJK_ONE.match(text, start - 1):
            return match.group(0)
        if _is_gloss(match.group(0)):
            found = True
            return ""
        return match.group(0)

    return _GLOSS.sub(drop, text), found


@lru_cache(maxsize=4096)
def _is_gloss(run: str) -> bool:
    """Whether each bracket of a run ("(tǒng)", "(xiàn)(zài)") holds pinyin: a tone mark or a
    syllable. Cached: a glossed text repeats its characters' readings."""
    glosses = _GLOSS_TEXT.findall(run)
    return all(any(c in _TONE_MARKS for c in g) or _SYLLABLE.match(g) for g in glosses)


def detect_script(text: str, simplified: str) -> str:
    """Traditional when conversion changes a real share of the Chinese characters."""
    if text == simplified:
        return "simplified"
    # Code points as arrays: counting over a whole report is one vectorized step each.
    before, after = _code_points(text), _code_points(simplified)
    cjk = int(
        sum(np.count_nonzero((before >= low) & (before <= high)) for low, high in _CJK_RANGES)
    )
    common = min(len(before), len(after))
    changed = int(np.count_nonzero(before[:common] != after[:common]))  # position by position
    return "traditional" if changed >= max(3, cjk * 0.04) else "simplified"


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _legible(text: str, simplified: str) -> tuple[str, str]:
    """The lines that are not mis-decoded (no U+FFFD), which alone tell the script: UTF-8 read
    as GBK is full of rare characters that conversion changes."""
    if "\ufffd" not in text:
        return text, simplified
    pairs = zip(text.split("\n"), simplified.split("\n"), strict=False)
    kept = [(a, b) for a, b in pairs if "\ufffd" not in a]
    return "\n".join(a for a, _ in kept), "\n".join(b for _, b in kept)


def strip_chrome(text: str) -> tuple[str, bool]:
    """Drop navigation lines ("上一条:…", 打印/关闭, 字号, share buttons) and page numbers."""
    lines = text.split("\n")
    # Each line's kind looked up in C (one map over the lines), as one character of a string:
    # the lines not met before (and long lines, which are never kept in the cache) are found
    # by str.find, and what the text holds by substring tests, all in C (a list of kinds was
    # searched by comparing each item, a rich comparison per line and per search).
    kinds = "".join(map(_LINE_KINDS.get, lines, repeat(_UNKNOWN)))
    missing = kinds.count(_UNKNOWN)
    if missing > _FEW:  # a text of new lines (a cold cache): one pass over all
        pairs = zip(kinds, lines, strict=True)
        kinds = "".join([kind if kind != _UNKNOWN else _line_kind(line) for kind, line in pairs])
    elif missing:  # a few new or long lines: found where they are
        known, at = list(kinds), kinds.find(_UNKNOWN)
        while at >= 0:
            known[at] = _line_kind(lines[at])
            at = kinds.find(_UNKNOWN, at + 1)
        kinds = "".join(known)
    if _CHROME not in kinds and _PAGE not in kinds:
        return text, False  # the usual case: nothing to drop, no copy
    kept = compress(lines, kinds.encode("ascii").translate(_KEPT))
    return "\n".join(kept), _CHROME in kinds


# A line's kind, one character: kept text, chrome, page number (or not looked up yet).
_KEEP, _CHROME, _PAGE, _UNKNOWN = "kcp?"
_KEPT = bytes.maketrans(b"kcp", b"\1\0\0")  # kind → whether the line is kept
_FEW = 24  # lines to classify, past which one pass over all lines costs less than a search each
# Short lines (table cells, template labels, page furniture) repeat from report to report, and
# the chrome pattern is slow to try: each distinct one is classified once (the cache is emptied
# when full).
_LINE_KINDS: dict[str, str] = {}
_LINE_KINDS_SIZE = 65536


def _line_kind(line: str) -> str:
    """Chrome, page number or text; kept in _LINE_KINDS when short."""
    # Navigation lines are short; article paragraphs are not.
    if len(line) > 80:
        return _KEEP
    if _CHROME_LINE.match(line):
        kind = _CHROME
    elif _PAGE_NUMBER.match(line):
        kind = _PAGE
    else:
        kind = _KEEP
    if len(_LINE_KINDS) >= _LINE_KINDS_SIZE:
        _LINE_KINDS.clear()
    _LINE_KINDS[line] = kind
    return kind


def normalize(text: str) -> Normalized:
    return normalize_nfc(unicodedata.normalize("NFC", text))


def normalize_nfc(text: str) -> Normalized:
    """`normalize` for a text already in NFC."""
    hazards: set[str] = set()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # One scan for what the rarer repairs need (enclosed numerals, the first character of
    # Latin-1 mojibake, replacement marks): most texts hold none, and skip those passes.
    rare = _RARE.search(text) is not None
    if rare:
        text = _ENCLOSED_CHAR.sub(lambda m: _ENCLOSED[m.group()], text)
    text, garbled = repair_mojibake(text, rare=rare)
    if garbled:
        hazards.add("mojibake")
    text, glossed = strip_pinyin(text)
    if glossed:
        hazards.add("pinyin-annotations")
    simplified = to_simplified(text)
    script = detect_script(*_legible(text, simplified))
    if script == "traditional":
        hazards.add("traditional-script")
    text, chrome = strip_chrome(simplified)
    if chrome:
        hazards.add("boilerplate")
    if _SPACE_BEFORE_BREAK.search(text):
        lines = text.split("\n")  # every line but the last ends in a line break
        text = "\n".join([line.rstrip(_TRAILING_SPACES) for line in lines[:-1]] + lines[-1:])
    text = text.strip("\n")
    # Folding is the last step and maps one character to one, so offsets stay aligned.
    return Normalized(
        text=text, parse_text=fold_width(text), script=script, hazards=frozenset(hazards)
    )
