"""Report or not: decided from the text's structure, not from one phrase.

A disclosure report shows at least one of: the template's tables with numbers; the statistics
period it covers ("本报告中所列数据的统计期限自2013年1月1日起"); a sentence that presents
itself ("本报告根据…编制", "现将…年度报告公布如下"); numbered sections on the report's topics,
each with a body. A notice, plan or rule *about* reports has none of these, or lists the
report's topics as items to write (no bodies), or is built of articles (第一条…) and orders.
"""

from __future__ import annotations

import re
from typing import Literal

from parsers import vocabulary
from parsers.metadata import PERIOD, PERIOD_START
from parsers.scan import search_from
from parsers.sections import Section, topic_of

Kind = Literal["report", "notice", "none"]

# The report speaking of itself, or presenting itself.
_SELF = re.compile(
    r"本(?:年度)?报告|本年报|编制本报告"
    r"|(?:现将|(?:现|特)(?:予以?)?(?:向社会)?(?:公布|发布|公开|公示|印发)|予以公[布开示])"
    r"[^。]{0,60}?(?:报告|年报)"
    r"(?!》?(?:格式|制度|模板|样本|编制|有关事项|工作的))"
    r"|(?:报告|年报)(?:如下|予以公[布开示])|(?:年度报告|年报)是?(?:根据|依据|按照)"
    r"|由[^。]{0,80}?[一二三四五六七八九十\d]个?(?:大)?部分组成"
)
_ABOUT_DISCLOSURE = re.compile(r"信息公开|政务公开|年报|公开条例")
# A rule or an order: articles, and the words of instructions. (Lines start after the last
# newline before the article, `[^\S\n]*+`, not `\s*` from the first: that rescanned a run of
# blank lines from each of its lines, quadratic in the run; the same lines match.)
_ARTICLE = re.compile(r"^[^\S\n]*+第[一二三四五六七八九十]{1,3}条", re.MULTILINE)
_RULE_SELF = re.compile(
    r"制定本(?:制度|办法|规定|细则|方案)|本(?:制度|办法|规定|细则)(?:所称|由|自|适用|第)"
)
_ORDERS = re.compile(
    r"应当|务必|不得|请各|要(?:严格|认真|按照|对照|及时|确保)|各(?:地|单位|部门)要"
)
# Sub-headings "(一)主动公开方面" carry the report's topics too, in excerpts cut short.
# (From the last line start before the bracket, as _ARTICLE.)
_SUB_HEADING = re.compile(
    r"^[^\S\n]*+[(（][一二三四五六七八九十]{1,2}[)）]\s*([^。:：，,;；\n]{2,24})", re.MULTILINE
)


def report_evidence(text: str, sections: list[Section], has_tables: bool) -> set[str]:
    """What in the text shows a report: "tables", "period", "self", "sections"."""
    found = set()
    if has_tables:
        found.add("tables")
    if search_from(PERIOD, PERIOD_START, text):
        found.add("period")
    if any(_ABOUT_DISCLOSURE.search(_sentence(text, m.start())) for m in _SELF.finditer(text)):
        found.add("self")
    topics = {topic_of(s.heading) for s in sections if len(s.text) >= 20}
    topics |= {topic_of(m.group(1)) for m in _SUB_HEADING.finditer(text) if _has_body(text, m)}
    topics.discard(None)
    # One section on its own topic with a real body ("一、总体情况" and a paragraph) is enough.
    whole = any(topic_of(s.heading) == s.number and len(s.text) >= 60 for s in sections)
    if whole or len(topics) >= 2:
        found.add("sections")
    return found


def _has_body(text: str, match: re.Match[str]) -> bool:
    """A sub-heading that heads text, not an item of a list of what to write ("(一)概述；")."""
    line_start = text.rfind("\n", 0, match.start(1)) + 1
    line_end = text.find("\n", match.start(1))
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    if line.endswith((";", "；")):
        return False
    if len(line) >= len(match.group(1)) + 14:  # the text runs on after the heading
        return True
    following = text[line_end + 1 :].lstrip() if line_end >= 0 else ""
    next_line = following.split("\n", 1)[0]
    return len(next_line) >= 10 and not _SUB_HEADING.match(next_line)


def _sentence(text: str, at: int) -> str:
    start = max(text.rfind("。", 0, at), text.rfind("\n", 0, at)) + 1
    ends = [i for i in (text.find("。", at), text.find("\n", at)) if i >= 0]
    return text[start : min(ends) if ends else len(text)]


def rule_evidence(text: str) -> set[str]:
    """What shows a rule, plan or notice: "articles", "rule", "orders"."""
    found = set()
    if len(_ARTICLE.findall(text)) >= 2:
        found.add("articles")
    if _RULE_SELF.search(text):
        found.add("rule")
    if len(_ORDERS.findall(text)) >= 3:
        found.add("orders")
    return found


def classify(head_titles: list[str], text: str, sections: list[Section], has_tables: bool) -> Kind:
    """ "report", "notice" (about reports: kept, tagged not-a-report) or "none" (refused).

    `head_titles` are the title candidates near the top (the found title first).
    """
    if has_tables:
        return "report"  # the template's tables with numbers decide alone: skip the scans
    kinds = [vocabulary.title_kind(t) for t in head_titles]
    kind = next((k for k in kinds if k), None)
    about_reports = kind is not None or vocabulary.names_report(text[:400])
    report = report_evidence(text, sections, has_tables)
    rule = rule_evidence(text)
    if kind == "other":  # 法治政府建设报告, 工作要点, or a menu item naming one above a report
        return "report" if {"self", "period"} <= report else "none"
    if kind == "notice" or rule & {"articles", "rule"}:
        # A report that cites a notice about reports still presents itself and its period.
        strong = {"self", "period"} <= report or {"self", "sections"} <= report
        if strong and not rule & {"articles", "rule"}:
            return "report"
        return "notice" if about_reports else "none"
    if kind == "report" or report & {"self", "period"}:
        return "report"
    return "report" if "sections" in report and "orders" not in rule else "none"
