"""Stage 2: the text's identity: `text_sha256`, `doc_id` and the simhash fingerprint."""

from __future__ import annotations

from crawler.items import DocumentItem
from parsers import simhash64, text_digest


class HashPipeline:
    def process_item(self, item: DocumentItem) -> DocumentItem:
        if item.error or item.extracted is None:
            return item
        item.text_sha256, item.doc_id = text_digest(item.extracted.text)
        item.simhash = simhash64(item.extracted.text)
        return item
