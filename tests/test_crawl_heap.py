"""The crawl process's garbage collection: the start-up heap frozen for the crawl, and pages
freed by reference counting (no cycle through Scrapy's cached selector)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from scrapy.http import Request

from crawler import heap
from tests.test_crawl_discovery import _response, _spider


def test_the_start_up_heap_is_frozen_for_the_crawl_and_given_back_after() -> None:
    before = gc.get_threshold()
    kept = [object() for _ in range(3)], {"a": [1]}
    heap.freeze()
    try:
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, *before[1:])
        assert not any(o is kept for o in gc.get_objects())  # in no generation: frozen
    finally:
        heap.thaw()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    assert any(o is kept for o in gc.get_objects(generation=2))


def test_automatic_collection_turned_off_stays_off() -> None:
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        heap.freeze()
        assert gc.get_threshold()[0] == 0
        heap.thaw()
        assert gc.get_threshold()[0] == 0
    finally:
        heap.thaw()
        gc.set_threshold(*before)


def test_a_parsed_page_is_freed_without_the_cyclic_collector(tmp_path: Path) -> None:
    spider = _spider(tmp_path)
    title = "某县2020年政府信息公开工作年度报告"
    html = f"<title>{title}</title><a href='/nb/t2.html'>{title}</a>" + "<p>正文。</p>" * 50
    response = _response("http://www.a.gov.cn/nb/index.html", html, "nav")
    gone = weakref.ref(response)
    gc.disable()
    try:
        out = list(spider.parse(response))
        assert any(isinstance(o, Request) for o in out)
        del response, out
        assert gone() is None  # Scrapy's response.selector would hold it until a collection
    finally:
        gc.enable()
