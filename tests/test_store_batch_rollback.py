"""A write batch that fails is written again item by item (crawler.batch): what the failed
attempt changed outside the database (the ids of the texts it stored, the fetch states it
advanced, the items it let go of) must go back with its rows, so that the good items are
stored right and only the bad one fails."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from crawler.batch import WriteBatch
from crawler.items import DocumentItem
from crawler.pipelines.store import StorePipeline
from crawler.recrawl import FetchStates
from parsers.ingest import ingest
from storage.db import open_database
from storage.models import Capture, Document, FetchState
from storage.repository import start_run

NOW = datetime(2026, 12, 1, tzinfo=UTC)


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


GOLDEN = Path(__file__).parent / "fixtures" / "golden"


def _item(n: int, record_id: str, report: str) -> DocumentItem:
    """A fetched report (a golden input) as the dedupe stage hands it to the store stage."""
    source = next((GOLDEN / report).glob("input.*"))
    url = f"http://example.gov.cn/{n}/{source.name}"
    item = DocumentItem(
        url=url,
        final_url=url,
        http_status=200,
        headers={},
        content_type="text/html" if source.suffix == ".html" else "text/plain",
        body=source.read_bytes(),
        site_code="X",
        kind="page",
        warc_file="a.warc.gz",
        warc_offset=n,
        warc_record_id=record_id,
        payload_sha256=f"{n:064x}",
        fetched_at=NOW,
    )
    item.ingested = ingest(item.body, url, content_type=item.content_type)
    return item


def test_a_failed_batch_is_written_again_item_by_item_from_a_clean_slate(tmp_path: Path) -> None:
    sessions = open_database(f"sqlite:///{tmp_path / 'a.sqlite'}")
    with sessions.begin() as session:
        run_id = start_run(session, "crawl-1", {}).id
    batch = WriteBatch(sessions, size=100, seconds=3600)
    states = FetchStates(sessions, NOW, batch)
    store = StorePipeline.__new__(StorePipeline)
    store.ctx = SimpleNamespace(
        batch=batch, doc_ids={}, site_ids={}, states=states, run_id=run_id, crawl_id="crawl-1"
    )
    store.stats = _Stats()
    # The second item's record id repeats the first's: its capture row breaks a unique
    # constraint, which fails the whole batch's transaction.
    items = [
        _item(1, "<urn:uuid:1>", "html_2019_gbk"),
        _item(2, "<urn:uuid:1>", "html_2021_rowspan"),
        _item(3, "<urn:uuid:3>", "huaian_pdf_text"),
    ]
    shas = {item.final_url: item.text_sha256 for item in items}
    for item in items:
        states.write(item.final_url, {"site": None}, NOW, http_status=200)
        store.process_item(item)
    batch.flush()

    assert [item.outcome for item in items] == ["new", "store-failed", "new"]
    with sessions() as session:
        texts = dict(session.execute(select(Document.id, Document.text_sha256)).all())
        captures = session.execute(select(Capture.final_url, Capture.document_id)).all()
        settled = dict(session.execute(select(FetchState.url, FetchState.document_id)).all())
    stored = {url: texts[doc] for url, doc in captures}  # each capture's text, by its URL
    good = (items[0].final_url, items[2].final_url)
    assert stored == {url: shas[url] for url in good}
    assert len(texts) == 2  # the failed item's text was not kept either
    assert {url for url, doc in settled.items() if doc is not None} == set(stored)
    for url, doc in settled.items():  # every state's document is the one its capture has
        if doc is not None:
            assert texts[doc] == stored[url]
    assert store.stats.values == {"pipeline/store/new": 2, "pipeline/store/store-failed": 1}
