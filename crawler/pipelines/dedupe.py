"""Stage 3: a text is stored once; near copies on the same site are grouped.

Exact copies are found by `text_sha256` in the database. Near copies (the HTML page and the PDF
of one report, a re-post with a changed footer) are found by simhash Hamming distance and
confirmed by 5-gram Jaccard, scoped to one site because the mandated template makes reports
look alike.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import select

from crawler.context import CrawlContext
from crawler.items import DocumentItem
from parsers import PARSER_VERSION
from parsers.fingerprint import hamming
from storage.models import Document, Site
from storage.repository import find_document, has_version

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

NEAR_DUP_BITS = 3
# Simhash alone groups different reports of one site (same template and phrasing, other
# numbers: 3 bits apart but 5-gram Jaccard 0.4-0.66 on the simulated web); a re-post with a
# changed header or footer stays above 0.9. So a simhash candidate is confirmed by Jaccard.
NEAR_DUP_JACCARD = 0.85
_SPACE = re.compile(r"\s+")


def shingles(text: str, n: int = 5) -> set[str]:
    flat = _SPACE.sub("", text)
    return {flat[i : i + n] for i in range(max(1, len(flat) - n + 1))}


def is_near_duplicate(text: str, other: str) -> bool:
    """Character 5-gram Jaccard similarity at or above NEAR_DUP_JACCARD."""
    a, b = shingles(text), shingles(other)
    return len(a & b) / max(1, len(a | b)) >= NEAR_DUP_JACCARD


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.ctx = CrawlContext.of(crawler)
        self.stats = crawler.stats
        # site code → [(simhash, text_sha256 of the group head)]
        self._fingerprints: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._loaded: set[str] = set()
        self._seen: set[str] = set()  # text hashes seen earlier in this run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def _load_site(self, code: str) -> None:
        if code in self._loaded:
            return
        self._loaded.add(code)
        with self.ctx.sessions() as session:
            rows = session.execute(
                select(Document.simhash, Document.text_sha256, Document.near_dup_of)
                .join(Site, Site.id == Document.site_id)
                .where(Site.code == code, Document.simhash.is_not(None))
            ).all()
            heads = {sha for fp, sha, near in rows if near is None}
            self._fingerprints[code].extend((fp, sha) for fp, sha, near in rows if sha in heads)

    def _near_head(self, group: list[tuple[str, str]], item: DocumentItem) -> str | None:
        """The group head this text nearly copies: simhash first, then the Jaccard check."""
        if item.simhash is None or item.extracted is None:
            return None
        for fp, sha in group:
            if hamming(fp, item.simhash) > NEAR_DUP_BITS:
                continue
            with self.ctx.sessions() as session:
                head = find_document(session, sha)
            if head is not None and is_near_duplicate(item.extracted.text, head.text):
                return sha
        return None

    def process_item(self, item: DocumentItem) -> DocumentItem:
        if item.error or not item.text_sha256:
            return item
        with self.ctx.sessions() as session:
            doc = find_document(session, item.text_sha256)
            if doc is not None:
                item.duplicate_of = doc.id
                item.needs_parse = not has_version(session, doc.id, PARSER_VERSION)
                self.stats.inc_value("pipeline/dedupe/duplicate")
                return item
        if item.text_sha256 in self._seen:  # stored moments ago by this run
            self.stats.inc_value("pipeline/dedupe/duplicate")
            return item
        self._seen.add(item.text_sha256)
        self._load_site(item.site_code)
        if item.simhash:
            group = self._fingerprints[item.site_code]
            head = self._near_head(group, item)
            if head is not None:
                item.extra["near_dup_sha"] = head
                self.stats.inc_value("pipeline/dedupe/near_duplicate")
            else:
                group.append((item.simhash, item.text_sha256))
        return item
