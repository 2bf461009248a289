"""The crawl extracts bytes met twice in a run once: the second capture reuses the first's
`Ingested` with its own provenance, which must equal ingesting the bytes for it afresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.pipelines.workers import WORKER_MODULES, forkserver_preload
from parsers.ingest import ingest

FIXTURES = Path(__file__).parent / "fixtures"


def _source(url: str) -> dict[str, object]:
    return {"url": url, "final_url": url, "fetched_at": "2026-01-01T00:00:00Z", "crawl_id": "x"}


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("golden/html_2019_gbk/input.html", "http://a.gov.cn/xxgk/2019.html"),
        ("attachments/huaian-2024-annual-report.pdf", "http://a.gov.cn/files/report.pdf"),
        ("attachments/annual-report-template-2021.docx", "http://a.gov.cn/files/report.docx"),
    ],
)
def test_with_source_equals_a_fresh_ingest_for_the_other_capture(path: str, url: str) -> None:
    body = (FIXTURES / path).read_bytes()
    first = ingest(body, url, source=_source(url))
    other = url.replace("a.gov.cn", "www.a.gov.cn")
    fresh = ingest(body, other, source=_source(other))
    shared = first.with_source(_source(other))
    assert shared == fresh
    assert first.record is None or first.record["source"]["url"] == url  # the first kept its own


def test_forkserver_preload_names_importable_worker_modules() -> None:
    import importlib.util

    assert forkserver_preload()[0] == "__main__"
    for name in WORKER_MODULES:
        assert importlib.util.find_spec(name) is not None, name
