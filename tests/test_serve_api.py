"""The JSON API and the pages' HTTP behaviour on SQLite and PostgreSQL: every endpoint, bad
input answered with a 4xx and a message (never a traceback), every method but GET/HEAD
refused, and the archive unchanged afterwards."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.web.app import create_app
from service.web.security import ORIGINAL_CSP, PAGE_CSP
from storage.db import StorageError, open_readonly
from tests.cli import run_cli
from tests.pg import fresh_database
from tests.web_archive import HOSTILE_TEXT, MARKER, WebArchive, copy_to, file_digest, serving

WORD = "复议"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, web_archive: WebArchive) -> Iterator[str]:
    if request.param == "sqlite":
        yield web_archive.db_url
        return
    with fresh_database("serve") as url:
        copy_to(web_archive.db_url, url)
        yield url


@pytest.fixture(scope="module")
def client(db: str) -> Iterator[TestClient]:
    sessions = open_readonly(db)
    with TestClient(create_app(sessions)) as c:
        yield c
    sessions.kw["bind"].dispose()


def get(client: TestClient, url: str, status: int = 200) -> Any:
    resp = client.get(url)
    assert resp.status_code == status, resp.text[:500]
    assert "Traceback" not in resp.text
    return resp.json()


def all_pages(client: TestClient, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = get(client, url + (f"&cursor={cursor}" if cursor else ""))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_list_paginates_every_report_once(client: TestClient) -> None:
    first = get(client, "/api/reports?limit=100")
    assert first["total"] > 100 and len(first["items"]) == 100 and first["next_cursor"]
    items = all_pages(client, "/api/reports?limit=100")
    ids = [i["doc_id"] for i in items]
    assert len(ids) == first["total"] == len(set(ids))
    assert all(i["links"]["self"] == f"/api/reports/{i['doc_id']}" for i in items)


def test_search_finds_a_two_character_word_with_highlighted_snippets(client: TestClient) -> None:
    found = get(client, f"/api/reports?q={WORD}&limit=100")
    assert found["total"] > 0 and found["items"]
    assert all(f"【{WORD}】" in i["snippet"] for i in found["items"])
    for item in found["items"]:  # the offsets of the matches in the snippet, inside 【】
        spans = item["snippet_matches"]
        assert spans and all(item["snippet"][a - 1 : b + 1] == f"【{WORD}】" for a, b in spans)
    narrowed = get(client, f"/api/reports?q={WORD}&province=河南省&limit=100")
    assert 0 < narrowed["total"] < found["total"]
    assert all(i["province"] == "河南省" for i in narrowed["items"])


@pytest.mark.parametrize(
    ("param", "value", "field"),
    [
        ("province", "安徽省", "province"),
        ("template", "2019", "template"),
        ("issuer_kind", "department", "issuer_kind"),
        ("year", "2020", "report_year"),
    ],
)
def test_filters_select_what_they_name(
    client: TestClient, param: str, value: str, field: str
) -> None:
    page = get(client, f"/api/reports?{param}={value}&limit=100")
    assert page["total"] > 0 and page["filter"]
    assert all(str(i[field]) == value for i in page["items"])


def test_hazard_and_failed_check_filters(client: TestClient) -> None:
    flagged = all_pages(client, "/api/reports?hazard=totals-dont-add-up&limit=100")
    failing = all_pages(client, "/api/reports?failed_check=any&limit=100")
    assert flagged and failing
    for item in flagged[:3]:
        detail = get(client, item["links"]["self"])
        assert "totals-dont-add-up" in detail["record"]["hazards"]
        assert any(c["status"] == "fail" for c in detail["checks"])


def test_report_has_record_versions_captures_checks_and_carry_over(
    client: TestClient, web_archive: WebArchive
) -> None:
    doc_id = get(client, "/api/reports?limit=1")["items"][0]["doc_id"]
    detail = get(client, f"/api/reports/{doc_id}")
    assert detail["doc_id"] == doc_id == detail["record"]["doc_id"]
    assert detail["versions"] and any(v["this"] for v in detail["versions"])
    source = detail["record"]["source"]
    assert source["warc_record_id"] in {c["warc_record_id"] for c in detail["captures"]}
    assert all(c["rule"].startswith("carry_over.") for c in detail["carry_over"])
    assert {c["rule"] for c in detail["carry_over"]} <= {c["rule"] for c in detail["checks"]}
    # Some report has a previous year archived, so some carry_over check was decided.
    carried = get(client, "/api/reports?failed_check=carry_over&limit=1")["items"]
    if carried:
        worse = get(client, carried[0]["links"]["self"])
        assert any(c["status"] == "fail" for c in worse["carry_over"])


def test_cells_are_the_records_numbers(client: TestClient) -> None:
    doc_id = get(client, "/api/reports?template=2021&limit=1")["items"][0]["doc_id"]
    record = get(client, f"/api/reports/{doc_id}")["record"]
    cells = get(client, f"/api/reports/{doc_id}/cells")["cells"]
    assert len(cells) > 100
    for cell in cells:
        value = record[cell["table"]][cell["row"]][cell["column"]]
        assert cell["value"] == (value.get("yuan") if isinstance(value, dict) else value)
    resp = client.get(f"/api/reports/{doc_id}/cells.csv")
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert resp.status_code == 200 and len(rows) == len(cells) + 1


def test_coverage(client: TestClient) -> None:
    cov = get(client, "/api/coverage")
    assert cov["years"] and cov["rows"] and cov["deadlines"]
    found = sum(1 for r in cov["rows"] for s in r["cells"].values() if s == "found")
    assert found == cov["totals"]["found"] > 0
    assert get(client, "/api/coverage?province=河南省")["rows"]
    get(client, "/api/coverage?bogus=1", 400)


def test_exports_stream_every_selected_report(client: TestClient) -> None:
    import pyarrow.parquet as pq

    flt = "province=河南省"
    total = get(client, f"/api/reports?{flt}")["total"]
    resp = client.get(f"/api/export.jsonl?{flt}")
    lines = [json.loads(x) for x in resp.text.splitlines()]
    assert len(lines) == total and all(r["region"]["province"] == "河南省" for r in lines)
    assert all(r["source"]["warc_record_id"] for r in lines)
    resp = client.get(f"/api/export.csv?{flt}")
    assert resp.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert len(rows) == total and "applications.new_received.total" in rows[0]
    assert rows[0]["schema"] == "gov-reports/record@1"
    resp = client.get(f"/api/export.parquet?{flt}")
    table = pq.read_table(io.BytesIO(resp.content))
    assert table.num_rows == total
    assert sorted(table.column("doc_id").to_pylist()) == sorted(r["doc_id"] for r in lines)
    get(client, "/api/export.xml", 404)
    get(client, "/api/export.csv?year=20x9", 400)


def test_original_is_the_archived_bytes_as_an_attachment(
    client: TestClient, web_archive: WebArchive
) -> None:
    rid = web_archive.hostile_record_id.strip("<>")
    resp = client.get(f"/api/captures/{rid}/original")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/html; charset=UTF-8"
    assert resp.headers["content-disposition"].startswith("attachment")
    assert resp.headers["content-security-policy"] == ORIGINAL_CSP
    assert resp.headers["x-content-type-options"] == "nosniff"
    detail = get(client, f"/api/reports/{web_archive.hostile_doc_id}")
    assert hashlib.sha256(resp.content).hexdigest() == detail["record"]["source"]["payload_sha256"]
    inline = client.get(f"/captures/{rid}/original")
    assert inline.headers["content-security-policy"] == ORIGINAL_CSP
    assert inline.headers["content-disposition"].startswith("inline")
    assert inline.content == resp.content and b"<script>" in inline.content


def test_pages_escape_archived_text_and_carry_a_strict_csp(
    client: TestClient, web_archive: WebArchive
) -> None:
    html_headers = {"accept": "text/html"}
    doc_id = web_archive.hostile_doc_id
    record = get(client, f"/api/reports/{doc_id}")["record"]
    assert any(HOSTILE_TEXT in (s.get("text") or "") for s in record["sections"])
    page = client.get(f"/reports/{doc_id}", headers=html_headers)
    assert page.status_code == 200 and page.headers["content-security-policy"] == PAGE_CSP
    assert MARKER in page.text and "<script" not in page.text.lower()
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in page.text
    assert 'sandbox=""' in page.text and "allow-scripts" not in page.text
    found = client.get("/?q=xss", headers=html_headers)
    assert "<script" not in found.text.lower() and doc_id in found.text
    region = record["region"]["code"]
    for url in (
        "/",
        f"/?q={WORD}&failed_check=any",
        "/coverage",
        f"/regions/{region}",
        "/api/docs",
    ):
        resp = client.get(url, headers=html_headers)
        assert resp.status_code == 200, url
        assert resp.headers["content-security-policy"] == PAGE_CSP
        assert resp.headers["x-frame-options"] == "DENY"
        assert "<script" not in resp.text.lower()
    assert 'href="/api/' in client.get("/", headers=html_headers).text


def facet_filter(field: str, value: Any) -> dict[str, str]:
    return {{"report_year": "year"}.get(field, field): str(value)}


def page_facets(session: Any, flt: Any, q: str | None, limit: int = 20) -> Any:
    """The facet counts the search page shows (`limit` hits a page): of a search's counted
    matches, or of a listing's filter."""
    from storage.facets import facet_counts, of_matches
    from storage.query import search_results

    if not q:
        return facet_counts(session, flt)
    found = search_results(session, q, flt, limit=limit)
    return of_matches(found.matches, exact=found.total_exact)


@pytest.mark.parametrize(("q", "params"), [(WORD, {}), (None, {}), (WORD, {"failed_check": "any"})])
def test_facet_counts_are_what_each_facet_filter_selects(
    db: str, q: str | None, params: dict[str, str]
) -> None:
    """Exact facets: every count is the total of the page that facet's link opens."""
    from storage.filters import ReportFilter
    from storage.query import count, search_count

    sessions = open_readonly(db)
    with sessions() as s:
        flt = ReportFilter.from_params(params)
        found = page_facets(s, flt, q)
        assert found.sample is None
        assert found.total == (search_count(s, q, flt) if q else count(s, flt)) > 0
        assert {f for f, values in found.counts.items() if values} >= {"province", "failed_check"}
        for field, values in found.counts.items():
            for value, n in values:
                if value is None:
                    continue
                narrowed = ReportFilter.from_params({**params, **facet_filter(field, value)})
                assert n == (search_count(s, q, narrowed) if q else count(s, narrowed)), field
    sessions.kw["bind"].dispose()


def test_facet_counts_over_the_limit_are_a_labelled_sample(
    db: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.facets
    from storage.filters import NO_FILTER

    sessions = open_readonly(db)
    with sessions() as s:
        exact = storage.facets.facet_counts(s, NO_FILTER)
        est = storage.facets.facet_counts(s, NO_FILTER, exact_limit=10, sample_size=5)
    sessions.kw["bind"].dispose()
    assert est.total == exact.total > 10 and est.sample is not None
    sampled, matched = est.sample
    assert 0 < sampled < matched == exact.total
    for field, values in est.counts.items():
        seen = dict(exact.counts[field])
        for value, n in values:  # only values that occur, scaled up from the sample
            assert seen[value] > 0 and n >= matched / sampled - 1, (field, value)
    # The page says so: "≈" before each count and a note with both numbers.
    html = client.get("/", headers={"accept": "text/html"}).text
    assert "≈" not in html and "facet-sample" not in html
    monkeypatch.setattr(storage.facets, "EXACT_LIMIT", 10)
    monkeypatch.setattr(storage.facets, "SAMPLE_SIZE", 5)
    html = client.get("/", headers={"accept": "text/html"}).text
    assert "(≈" in html and 'id="facet-sample"' in html and f"{matched:,}" in html


def test_a_search_counts_up_to_the_cap_and_says_when_it_stopped(
    db: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over TOTAL_CAP matches the total is the cap, marked as a lower bound (API field,
    page text); the hits and their order are the same whatever the cap."""
    import storage.query
    from storage.filters import NO_FILTER

    # Blocks of 4 candidates (a small archive): the count then stops before the matches end.
    monkeypatch.setattr(storage.query, "RANK_CANDIDATES", 4)
    sessions = open_readonly(db)
    with sessions() as s:
        exact = storage.query.search_count(s, WORD, NO_FILTER)
        hits = storage.query.search(s, WORD, NO_FILTER, limit=6)
        full = storage.query.search_results(s, WORD, NO_FILTER, limit=6)
        capped = storage.query.search_results(s, WORD, NO_FILTER, limit=6, cap=5)
        at_cap = storage.query.search_results(s, WORD, NO_FILTER, limit=6, cap=exact)
    sessions.kw["bind"].dispose()
    assert exact > 8 and (full.total, full.total_exact) == (exact, True)
    assert (at_cap.total, at_cap.total_exact) == (exact, True)  # counted to the end: exact
    # Never fewer counted than the candidates ranked (two blocks of 4 for 6 hits).
    assert (capped.total, capped.total_exact) == (8, False)
    for found in (full, capped, at_cap):
        assert [(h.report.doc_id, h.rank, h.snippet) for h in found.hits] == [
            (h.report.doc_id, h.rank, h.snippet) for h in hits
        ]
    body = get(client, f"/api/reports?q={WORD}&limit=3")  # 4 ranked, TOTAL_CAP counted
    assert (body["total"], body["total_exact"]) == (exact, True)
    assert get(client, "/api/reports?limit=3")["total_exact"] is True  # a listing: exact
    monkeypatch.setattr(storage.query, "TOTAL_CAP", 5)
    body = get(client, f"/api/reports?q={WORD}&limit=3")
    assert (body["total"], body["total_exact"]) == (5, False)
    assert [i["doc_id"] for i in body["items"]] == [h.report.doc_id for h in hits[:3]]
    html = client.get(f"/?q={WORD}&limit=3", headers={"accept": "text/html"}).text
    assert '超过 <strong id="total" class="lower-bound">5</strong>' in html
    assert 'id="total-note"' in html and "more than 5 match" in html
    spec = get(client, "/api/openapi.json")
    described = spec["paths"]["/api/reports"]["get"]
    assert "total_exact" in described["description"]
    assert (
        "total_exact"
        in described["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    )


def test_facets_of_a_capped_search_are_lower_bounds_among_the_newest(
    db: str, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the cap, each facet count is counted among the newest `cap` matches: never more
    than what its link selects, adding up to the cap per column facet, labelled "≥"."""
    import storage.query
    from storage.filters import NO_FILTER, ReportFilter
    from storage.query import search_count

    sessions = open_readonly(db)
    with monkeypatch.context() as patch, sessions() as s:
        # Ranked and counted: the 5 newest matches (the test archive has more).
        patch.setattr(storage.query, "RANK_CANDIDATES", 5)
        patch.setattr(storage.query, "TOTAL_CAP", 5)
        low = page_facets(s, NO_FILTER, WORD, limit=5)
        assert (low.total, low.total_exact, low.basis, low.sample) == (5, False, "newest", None)
        for field, values in low.counts.items():
            if field in ("province", "report_year", "template", "issuer_kind"):
                assert sum(n for _v, n in values) == 5, field
            for value, n in values:
                if value is not None:
                    narrowed = ReportFilter.from_params(facet_filter(field, value))
                    assert 0 < n <= search_count(s, WORD, narrowed), (field, value)
        # The same rows the search ranks first: the 5 most recently archived matches.
        newest = storage.query.search_results(s, WORD, NO_FILTER, limit=5, cap=5)
        assert [r.doc for r in newest.matches] == sorted(
            (r.doc for r in newest.matches), reverse=True
        )
    sessions.kw["bind"].dispose()
    monkeypatch.setattr(storage.query, "RANK_CANDIDATES", 4)  # so that 5 can be the cap
    html = client.get(f"/?q={WORD}&limit=3", headers={"accept": "text/html"}).text
    assert "(≥" not in html and "facet-newest" not in html and "(≈" not in html
    monkeypatch.setattr(storage.query, "TOTAL_CAP", 5)
    html = client.get(f"/?q={WORD}&limit=3", headers={"accept": "text/html"}).text
    assert "(≥" in html and 'id="facet-newest"' in html and "(≈" not in html


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/reports?color=red", 400, "unknown filter 'color'"),
        ("/api/reports?limit=101", 400, "over the cap"),
        ("/api/reports?limit=-1", 400, "bad limit"),
        ("/api/reports?cursor=zzz", 400, "bad cursor"),
        ("/api/reports?year=19", 400, "bad year"),
        ("/api/reports?province=火星省", 400, "unknown province"),
        ("/api/reports?q=%22%22", 400, "bad query"),
        ("/api/reports?q=..", 400, "bad query"),
        ("/api/reports?province=河南省&province=安徽省", 400, "more than once"),
        ("/api/reports/0123456789abcdef", 404, "no report"),
        ("/api/reports/nonsense/cells", 404, "no report"),
        ("/api/captures/urn:uuid:00000000-0000-0000-0000-000000000000/original", 404, "no capture"),
        ("/api/captures/not-an-id/original", 400, "bad WARC record id"),
        ("/api/nothing", 404, "no page"),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(
    client: TestClient, url: str, status: int, words: str
) -> None:
    body = get(client, url, status)
    assert words in body["detail"], body


def test_bad_input_on_a_page_is_a_page(client: TestClient) -> None:
    resp = client.get("/reports/0123456789abcdef", headers={"accept": "text/html"})
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
    assert "no report" in resp.text and "Traceback" not in resp.text
    resp = client.get("/regions/12", headers={"accept": "text/html"})
    assert resp.status_code == 400 and "6-digit" in resp.text


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
def test_only_get_and_head_are_answered(client: TestClient, method: str) -> None:
    for url in ("/api/reports", "/", "/api/export.csv"):
        resp = client.request(method, url)
        assert resp.status_code == 405 and resp.headers["allow"] == "GET, HEAD"
        assert "read-only" in resp.json()["detail"]
    head = client.head("/api/reports")
    assert head.status_code == 200 and head.content == b""


def test_nothing_in_the_process_can_write(db: str) -> None:
    sessions = open_readonly(db)
    with sessions() as session, pytest.raises(DBAPIError):
        session.execute(text("DELETE FROM report_cells"))
        session.commit()
    sessions.kw["bind"].dispose()


def test_openapi(client: TestClient) -> None:
    spec = get(client, "/api/openapi.json")
    paths = set(spec["paths"])
    assert {"/api/reports", "/api/reports/{doc_id}", "/api/coverage"} <= paths
    assert "/api/captures/{warc_record_id}/original" in paths
    listed = {p["name"] for p in spec["paths"]["/api/reports"]["get"]["parameters"]}
    assert {"q", "province", "year", "failed_check", "limit", "cursor"} <= listed
    docs = client.get("/api/docs", headers={"accept": "text/html"})
    assert "/api/reports/{doc_id}/cells" in docs.text and "failed_check" in docs.text


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_command_starts_read_only_and_refuses_a_missing_archive(
    web_archive: WebArchive, tmp_path: Any, workers: str
) -> None:
    missing = run_cli("serve", "--db", str(tmp_path / "none.sqlite"), "--workers", workers)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert not (tmp_path / "none.sqlite").exists()
    import urllib.error
    import urllib.request

    archive = ("--archive", str(web_archive.warc_dir))
    with serving("--db", web_archive.db_url, *archive, "--workers", workers) as base:
        with urllib.request.urlopen(base + f"/api/reports?q={urllib.parse.quote(WORD)}") as r:
            assert json.loads(r.read())["total"] > 0
        req = urllib.request.Request(base + "/api/reports", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req)
        assert refused.value.code == 405


@pytest.mark.parametrize("made_by", ["create_app", "serve --workers (environment)"])
@pytest.mark.parametrize("threads", [1, 3])
def test_threads_cap_the_requests_a_worker_handles_at_once(
    web_archive: WebArchive, monkeypatch: pytest.MonkeyPatch, threads: int, made_by: str
) -> None:
    """`serve --threads N`: at most N requests run their route at once in a process, the
    others wait their turn (and are all answered)."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from service.web import api, app

    running, peak, lock = 0, 0, threading.Lock()
    find_report = api.find_report

    def slow_find_report(*args: Any) -> Any:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.2)  # long enough for every request sent at once to arrive meanwhile
        with lock:
            running -= 1
        return find_report(*args)

    monkeypatch.setattr(api, "find_report", slow_find_report)
    with TestClient(create_app(open_readonly(web_archive.db_url))) as c:
        doc_id = get(c, "/api/reports?limit=1")["items"][0]["doc_id"]
    if made_by == "create_app":
        application = create_app(open_readonly(web_archive.db_url), threads=threads)
    else:
        monkeypatch.setenv(app.DB_ENV, web_archive.db_url)
        monkeypatch.setenv(app.THREADS_ENV, str(threads))
        application = app.app_from_env()
    with TestClient(application) as c, ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: c.get(f"/api/reports/{doc_id}"), range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert peak == threads


def test_serve_refuses_a_bad_number_of_threads(web_archive: WebArchive) -> None:
    for bad in ("0", "65"):
        refused = run_cli("serve", "--db", web_archive.db_url, "--threads", bad)
        assert refused.returncode == 2 and f"bad number of threads {bad}" in refused.stderr


def test_workers_listen_on_a_socket_labelled_tcp() -> None:
    """asyncio sets TCP_NODELAY on accepted connections only when the listener says TCP."""
    import socket

    import uvicorn

    from service.commands.serve import tcp_listener

    sock = tcp_listener(uvicorn.Config("service.web.app:app_from_env", port=0))
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.getsockname()[1] > 0
        assert sock.get_inheritable()
    finally:
        sock.close()


def test_the_database_file_is_unchanged(web_archive: WebArchive) -> None:
    """Runs last in this module: every test above read the archive through the app."""
    assert file_digest(web_archive.db_file) == web_archive.db_digest


def test_open_readonly_refuses_what_it_cannot_read(tmp_path: Any) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        open_readonly(str(tmp_path / "nothing.sqlite"))
    (tmp_path / "empty.sqlite").write_bytes(b"")
    with pytest.raises(StorageError, match="not a gov-reports archive"):
        open_readonly(str(tmp_path / "empty.sqlite"))
