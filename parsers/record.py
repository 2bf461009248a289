"""Assemble one record (RECORD.md) from a document's extracted text."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from parsers import doctype, metadata, prose
from parsers import hazards as hazard_rules
from parsers.checks import application_checks, review_checks
from parsers.errors import ParseError
from parsers.extract import Extracted, extract
from parsers.fingerprint import nfc_text_digest, simhash64
from parsers.labels import TEMPLATE_SIGNATURES
from parsers.normalize import normalize, normalize_nfc
from parsers.registry import resolve_region
from parsers.sections import Section, mislabeled, split_sections
from parsers.tables import read_active_disclosure, read_applications, read_review_litigation

SCHEMA = "gov-reports/record@1"
PARSER_VERSION = "0.2.0"

_TABLE3_START = re.compile(r"申请人情况|本年新收")
_TABLE4_START = re.compile(r"行政复议")
# What only reports under the 2019 regulation say (its article 50, its decree number, the
# section on applications "收到和处理", the national format).
_POST_2019 = re.compile(r"第五十条|711号|收到和处理政府信息公开申请|年度报告格式")


def parse_bytes(
    data: bytes,
    name: str = "",
    *,
    source: dict[str, Any] | None = None,
    encoding: str | None = None,
    content_type: str | None = None,
) -> dict[str, Any]:
    """Extract and parse one document; raise ParseError with a reason on bad input."""
    extracted = extract(data, name, encoding=encoding, content_type=content_type)
    return parse_extracted(extracted, source=source)


def parse_text(text: str, *, source: dict[str, Any] | None = None) -> dict[str, Any]:
    return parse_extracted(Extracted(text=text, format="text"), source=source)


def parse_extracted(
    extracted: Extracted, *, source: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Parse extracted text into a record. Raise ParseError for a page that is not a report;
    a notice *about* annual reports becomes a record tagged `not-a-report`."""
    nfc = unicodedata.normalize("NFC", extracted.text)  # once, for the digest and normalization
    text_sha256, doc_id = nfc_text_digest(nfc)
    norm = normalize_nfc(nfc)
    hazards = set(norm.hazards) | set(extracted.hazards)
    if hazard_rules.garbled_gbk(extracted.text):
        hazards.add("mojibake")
    # Parse the folded text; show what was printed (the two are aligned character for character).
    printed, text = norm.text, norm.parse_text
    declared = normalize(extracted.title) if extracted.title else None
    declared_printed = declared.text if declared else None
    declared_title = declared.parse_text if declared else None

    names = hazard_rules.spam_name_spans(text)
    spans = hazard_rules.merged(names + hazard_rules.fake_address_spans(text))
    title_spans = hazard_rules.spam_name_spans(declared_title) if declared_title else []
    spam = bool(spans or title_spans)
    if spam:
        hazards.add("spam-hijack")
        text, printed = hazard_rules.cut(text, spans), hazard_rules.cut(printed, spans)
        if declared_title and declared_printed:
            declared_title = hazard_rules.cut(declared_title, title_spans)
            declared_printed = hazard_rules.cut(declared_printed, title_spans)
    lines = text.split("\n")
    title = metadata.find_title(lines, declared_title)
    year = metadata.report_year(title, text)
    template = detect_template(text, year)
    sections = split_sections(text, canonical=template in ("2019", "2021"))

    notes: set[str] = set()
    tables = _tables(text, sections, template, year, notes)
    kind = doctype.classify(
        metadata.head_titles(lines, title),
        text,
        sections,
        template in ("2019", "2021") and _has_numbers(tables),
    )
    if kind == "notice":
        hazards.add("not-a-report")
        template = "unknown"
        notes.clear()
        tables = _tables(text, sections, template, year, notes)
    elif kind == "none" and "needs-ocr" not in hazards:
        raise ParseError("not a report: no report title, numbered sections or report tables")

    # Where a spam name stood, it stood where the issuer's name belongs: the name is unknown. A
    # fake portal address alone leaves the printed name standing.
    site_name = metadata.split_page_title(declared_title)[1] if declared_title else None
    spam_name = bool(names or title_spans)
    issuer = None if spam_name else metadata.find_issuer(title, text, lines, site_name)
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "doc_id": doc_id,
        "text_sha256": text_sha256,
        "simhash": simhash64(text),
        "title": _printed(title, (text, printed), (declared_title, declared_printed)),
        "issuer": issuer,
        "issuer_kind": metadata.issuer_kind(issuer, text),
        "region": resolve_region(title=title, issuer=issuer, text=text, year=year).as_dict(),
        "report_year": year,
        "published_at": metadata.published_at(lines, year),
        "template": template,
        "script": norm.script,
        "sections": [_section(s, printed) for s in sections],
    }
    if any(mislabeled(s) for s in sections) and template in ("2019", "2021"):
        hazards.add("mislabeled-heading")
    record.update(tables)
    hazards |= notes
    checks = []
    if template in ("2019", "2021"):
        checks = application_checks(record["applications"] or {}) + review_checks(
            record["review_litigation"] or {}
        )
    if any(check["status"] == "fail" for check in checks):
        hazards.add("totals-dont-add-up")
    record["checks"] = checks
    record["hazards"] = sorted(hazards)
    record["source"] = source if source is not None else {}
    record["parser_version"] = PARSER_VERSION
    return record


def _printed_form(signature: str) -> str:
    """A signature as printed may carry spaces and punctuation ("本年增/减", "第（九）项")."""
    return r"[\s\W]{0,3}".join(map(re.escape, signature))


def _signature_patterns(signatures: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The signatures grouped by first character, one pattern per group beginning with that
    character: a literal the regex engine skips ahead to (one pattern for all begins with the
    class of their first characters, which the engine tests at every character)."""
    groups: dict[str, list[str]] = {}
    for sig in signatures:
        groups.setdefault(sig[0], []).append(sig)
    return tuple(
        re.compile(
            re.escape(first)
            + "(?:"
            + "|".join(r"[\s\W]{0,3}" + _printed_form(sig[1:]) for sig in group)
            + ")"
        )
        for first, group in groups.items()
    )


# Every template's signatures, found in one scan per first character. No signature is a prefix
# of another and none begins inside another (its first word characters would have to be
# another's last), so two never match at one place nor overlap: the scans find what a scan per
# template would. A match is told by its words (what is left without spaces and punctuation).
_SIGNATURES = _signature_patterns(
    tuple(sig for sigs in TEMPLATE_SIGNATURES.values() for sig in sigs)
)
_TEMPLATE_OF = {sig: name for name, sigs in TEMPLATE_SIGNATURES.items() for sig in sigs}
_SEPARATORS = re.compile(r"[\s\W]")


def _section(section: Section, printed: str) -> dict[str, Any]:
    heading, body = section.printed(printed)
    return {"number": section.number, "heading": heading, "text": body}


def _printed(found: str | None, *pairs: tuple[str | None, str | None]) -> str | None:
    """`found` (from a folded text) as printed: the same span of the aligned printed text."""
    if found is None:
        return None
    for folded, shown in pairs:
        if folded and shown and (at := folded.find(found)) >= 0:
            return shown[at : at + len(found)]
    return found  # assembled from two lines: no single span to show


def detect_template(text: str, year: int | None) -> str:
    """ "2021", "2019" or "pre2019", from the tables' own column headers and row labels."""
    printed: dict[str, set[str]] = {name: set() for name in TEMPLATE_SIGNATURES}
    for match in {found for pattern in _SIGNATURES for found in pattern.findall(text)}:
        printed[_TEMPLATE_OF[_SEPARATORS.sub("", match)]].add(match)
    scores = {name: len(forms) for name, forms in printed.items()}
    if scores["2021"] or scores["2019"]:
        return "2021" if scores["2021"] > scores["2019"] else "2019"
    if "本年新收" in text or ("予以公开" in text and re.search(r"七\W{0,2}总计", text)):
        # Table 三 without table 二's signatures: the year decides which format it was.
        return "2021" if year and year >= 2021 else "2019"
    if (year is not None and year >= 2019) or (year is None and _POST_2019.search(text)):
        return "unknown"  # a report under the 2019 regulation whose tables are not in the text
    return "pre2019"


def _has_numbers(tables: dict[str, Any]) -> bool:
    """Any number read from the template's tables (table 二, 三 or 四)."""
    for table in tables.values():
        for row in (table or {}).values():
            if any(isinstance(v, (int, float, dict)) and v is not None for v in row.values()):
                return True
    return False


def _region(
    text: str, sections: list[Section], number: int, start: re.Pattern[str], end_number: int
) -> str:
    """A table's text: its section if numbered, else from its first label to the next section."""
    for section in sections:
        if section.number == number and section.text:
            return section.text
    match = start.search(text)
    if not match:
        return ""
    end = next(
        (s.start for s in sections if s.number >= end_number and s.start > match.start()), len(text)
    )
    return text[match.start() : end]


def _tables(
    text: str,
    sections: list[Section],
    template: str,
    year: int | None,
    notes: set[str] | None = None,
) -> dict[str, Any]:
    """The three tables; `notes` receives the hazards the table reader noticed."""
    if template not in ("2019", "2021"):
        if template == "pre2019":
            parts = [(s.heading, s.text) for s in sections] or [("", text)]
            return {
                "active_disclosure": None,
                "applications": prose.prose_applications(parts, year),
                "review_litigation": prose.prose_review_litigation("\n".join(t for _, t in parts)),
            }
        return {"active_disclosure": None, "applications": None, "review_litigation": None}
    table2 = _region(text, sections, 2, re.compile(r"第二十条"), 3)
    table3 = _region(text, sections, 3, _TABLE3_START, 4)
    table4 = _region(text, sections, 4, _TABLE4_START, 5)
    return {
        "active_disclosure": read_active_disclosure(table2, template, notes),
        "applications": read_applications(table3, notes),
        "review_litigation": read_review_litigation(table4, notes),
    }
