"""Stage 2: a text is stored once; near copies on the same site are grouped.

Fills typed fields on the item for the store stage: `duplicate_of` (the stored document with
this exact text) and `needs_version`, `near_dup_head` (the group a near copy joins) and
`previous_id` (what this URL served before). Exact copies are found by `text_sha256`, in the
database and among this run's texts. Near copies (the HTML page and the PDF of one report, a
re-post with a changed footer) are found by simhash Hamming distance and confirmed by 5-gram
Jaccard, scoped to one site because the mandated template makes reports look alike.
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from crawler.context import CrawlContext
from crawler.items import DocumentItem
from parsers import PARSER_VERSION
from parsers.fingerprint import hamming
from storage.models import Document, Site
from storage.repository import document_id_for_text, find_document, has_version

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

NEAR_DUP_BITS = 3
# Simhash alone groups different reports of one site (same template and phrasing, other
# numbers: 3 bits apart but 5-gram Jaccard 0.4-0.66 on the simulated web); a re-post with a
# changed header or footer stays above 0.9. So a simhash candidate is confirmed by Jaccard.
NEAR_DUP_JACCARD = 0.85
# This run's newest group heads' texts, kept to compare near copies with: a head stored by this
# run may still be queued in the write batch, which would otherwise be committed early to read
# it back.
RECENT_HEADS = 256
_SPACE = re.compile(r"\s+")
_DOCS, _SITES = Document.__table__, Site.__table__
# A site's near-copy group heads: a Core statement built once (a crawl runs it once a site,
# 200 times on 200 sites, and the ORM's compile and session work cost more than the query).
_SITE_HEADS = (
    select(_DOCS.c.id, _DOCS.c.simhash, _DOCS.c.text_sha256)
    .join(_SITES, _SITES.c.id == _DOCS.c.site_id)
    .where(
        _SITES.c.code == bindparam("code"),
        _DOCS.c.simhash.is_not(None),
        _DOCS.c.near_dup_of.is_(None),
    )
)


def shingles(text: str, n: int = 5) -> set[str]:
    flat = _SPACE.sub("", text)
    return {flat[i : i + n] for i in range(max(1, len(flat) - n + 1))}


def is_near_duplicate(text: str, other: str) -> bool:
    """Character 5-gram Jaccard similarity at or above NEAR_DUP_JACCARD."""
    a, b = shingles(text), shingles(other)
    return len(a & b) / max(1, len(a | b)) >= NEAR_DUP_JACCARD


class DedupePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.ctx = CrawlContext.of(crawler)
        self.stats = crawler.stats
        # site code → [(simhash, text_sha256 of the group head)]
        self._fingerprints: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._loaded: set[str] = set()
        self._seen: set[str] = set()  # text hashes this run stores (perhaps still queued)
        self._recent_heads: OrderedDict[str, str] = OrderedDict()  # sha → text, bounded
        self._stored_before: frozenset[str] | None = None

    def _archived(self) -> frozenset[str]:
        """The text hashes the archive held when the run started, read once: only these can
        be found in the database (this run's own texts are in `_seen`), so a new text costs
        no query. A text another process stores meanwhile (a distributed crawl) is refused by
        the unique text hash, and the store stage makes the item a duplicate of it."""
        if self._stored_before is None:
            with self.ctx.sessions() as session:
                self._stored_before = frozenset(session.scalars(select(Document.text_sha256)))
        return self._stored_before

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def _load_site(self, code: str) -> None:
        if code in self._loaded:
            return
        self._loaded.add(code)
        with self.ctx.sessions() as session:
            rows = session.connection().execute(_SITE_HEADS, {"code": code}).all()
        for doc_id, fp, sha in rows:
            self._fingerprints[code].append((fp, sha))
            self.ctx.doc_ids[sha] = doc_id

    def _head_text(self, sha: str) -> str | None:
        text = self._recent_heads.get(sha)
        if text is not None:
            return text
        if sha in self._seen and sha not in self.ctx.doc_ids:
            self.ctx.batch.flush()  # the head is queued in the current batch: store it first
        with self.ctx.sessions() as session:
            head = find_document(session, sha)
            return head.text if head is not None else None

    def _near_head(self, item: DocumentItem) -> str | None:
        """The group head this text nearly copies: simhash first, then the Jaccard check."""
        ingested = item.ingested
        if ingested is None or ingested.simhash is None:
            return None
        for fp, sha in self._fingerprints[item.site_code]:
            if hamming(fp, ingested.simhash) > NEAR_DUP_BITS:
                continue
            text = self._head_text(sha)
            if text is not None and is_near_duplicate(ingested.extracted.text, text):
                return sha
        return None

    def process_item(self, item: DocumentItem) -> DocumentItem:
        ingested = item.ingested
        if ingested is None or item.outcome == "unchanged":
            return item
        sha = ingested.text_sha256
        state = self.ctx.states.get(item.final_url)
        item.previous_id = state.get("document_id") if state else None
        if sha in self._seen:  # stored by this run (the store stage resolves its id)
            item.needs_version = False
            self.stats.inc_value("pipeline/dedupe/duplicate")
            return item
        if sha in self._archived():
            with self.ctx.sessions() as session:
                doc_id = document_id_for_text(session, sha)
                if doc_id is not None:
                    item.duplicate_of = doc_id
                    item.needs_version = not has_version(session, doc_id, PARSER_VERSION)
                    self.stats.inc_value("pipeline/dedupe/duplicate")
                    return item
        self._seen.add(sha)
        self._load_site(item.site_code)
        if ingested.simhash:
            item.near_dup_head = self._near_head(item)
            if item.near_dup_head is not None:
                self.stats.inc_value("pipeline/dedupe/near_duplicate")
            else:
                self._fingerprints[item.site_code].append((ingested.simhash, sha))
                self._recent_heads[sha] = ingested.extracted.text
                if len(self._recent_heads) > RECENT_HEADS:
                    self._recent_heads.popitem(last=False)
        return item
