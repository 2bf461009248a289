"""The researcher's side end to end: an archive built once by crawling the simulated web,
then every read command and filter on SQLite and on PostgreSQL (the same archive copied
across, its search index built by the migration's own rebuild).

Library results are checked against the records themselves (every filter, every search),
the commands through subprocesses as a researcher runs them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from parsers.labels import APPLICANT_COLUMNS
from sim import SimWeb, serve_in_thread
from storage.db import create_db_engine, open_database, open_existing
from storage.filters import ReportFilter
from storage.fulltext import to_simplified
from storage.models import Base
from storage.query import (
    count,
    coverage_matrix,
    facets,
    get_report,
    iter_long_cells,
    iter_records,
    iter_texts,
    iter_wide_rows,
    original,
    panel_rows,
    search,
)
from storage.reportindex import rebuild_all
from tests.cli import crawl_sim
from tests.pg import fresh_database

SITES, SEED = 2, 1
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


@dataclass
class Archive:
    db: str  # what --db gets: a plain SQLite path, or a PostgreSQL URL
    sessions: sessionmaker[Session]
    engine: str


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Crawl the simulated web once: a few county sites, every kind of report."""
    out = tmp_path_factory.mktemp("research")
    web = SimWeb(sites=SITES, seed=SEED)
    web.write_sites_csv(out / "sites.csv")
    with serve_in_thread(web, port=0) as server:
        result = crawl_sim(out, f"sqlite:///{out / 'archive.sqlite'}", server.proxy_url)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def copy_archive(src_url: str, dst_url: str) -> None:
    """Every row of the archive into a freshly migrated database, then its read-side index
    built as migration 0005 builds it for an existing archive."""
    src = create_db_engine(src_url)
    dst = open_database(dst_url).kw["bind"]
    with src.connect() as a, dst.begin() as b:
        for table in Base.metadata.sorted_tables:
            rows = [
                dict(r._mapping) for r in a.execute(table.select().order_by(*table.primary_key))
            ]
            if rows:
                b.execute(table.insert(), rows)
        for table in Base.metadata.sorted_tables:  # explicit ids left the sequences at 1
            b.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                     f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)")
            )  # fmt: skip
        rebuild_all(b)
    src.dispose()
    dst.dispose()


@pytest.fixture(scope="module")
def sqlite_archive(crawled: Path) -> Archive:
    path = crawled / "archive.sqlite"
    return Archive(str(path), open_existing(str(path)), "sqlite")  # --db as a plain path


@pytest.fixture(scope="module")
def pg_archive(crawled: Path) -> Iterator[Archive]:
    with fresh_database("gov_reports_research") as url:
        copy_archive(f"sqlite:///{crawled / 'archive.sqlite'}", url)
        sessions = open_existing(url)
        yield Archive(url, sessions, "postgresql")
        sessions.kw["bind"].dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request: pytest.FixtureRequest) -> Archive:
    return request.getfixturevalue(f"{'pg' if request.param == 'postgresql' else 'sqlite'}_archive")


_RECORDS: dict[str, list[dict[str, Any]]] = {}


def _records(archive: Archive) -> list[dict[str, Any]]:
    if archive.db not in _RECORDS:
        with archive.sessions() as s:
            _RECORDS[archive.db] = list(iter_records(s))
    return _RECORDS[archive.db]


@pytest.fixture
def records(archive: Archive) -> list[dict[str, Any]]:
    return _records(archive)


def _ids(recs: Any) -> set[str]:
    return {r["doc_id"] for r in recs}


# --- the library, against the records ------------------------------------------------------


def test_every_filter_selects_exactly_the_reports_it_names(
    archive: Archive, records: list[dict[str, Any]]
) -> None:
    assert len(records) > 50
    sample = next(r for r in records if r["region"]["code"] and r["hazards"])
    code, year = sample["region"]["code"], sample["report_year"]
    tags = Counter(tag for r in records for tag in r["hazards"])
    rare = min(tags, key=tags.__getitem__)
    failed = {r["doc_id"] for r in records if any(c["status"] == "fail" for c in r["checks"])}

    def failing(prefix: str) -> set[str]:
        return {
            r["doc_id"]
            for r in records
            if any(c["status"] == "fail" and c["rule"].startswith(prefix) for c in r["checks"])
        }

    cases = {
        "province": ({"province": sample["region"]["province"]},
                     lambda r: r["region"]["province"] == sample["region"]["province"]),
        "prefecture": ({"prefecture": sample["region"]["prefecture"]},
                       lambda r: r["region"]["prefecture"] == sample["region"]["prefecture"]),
        "region": ({"region": code[:4]}, lambda r: (r["region"]["code"] or "").startswith(code[:4])),
        "year": ({"year": str(year)}, lambda r: r["report_year"] == year),
        "years": ({"year": "2019-2021"}, lambda r: 2019 <= (r["report_year"] or 0) <= 2021),
        "template": ({"template": "pre2019"}, lambda r: r["template"] == "pre2019"),
        "issuer_kind": ({"issuer_kind": "department"}, lambda r: r["issuer_kind"] == "department"),
        "hazard": ({"hazard": rare}, lambda r: rare in r["hazards"]),
        "failed": ({"failed_check": "any"}, lambda r: r["doc_id"] in failed),
        "carry_over": ({"failed_check": "carry_over"},
                       lambda r: r["doc_id"] in failing("carry_over.")),
        "flow": ({"failed_check": "applications.flow"},
                 lambda r: r["doc_id"] in failing("applications.flow.")),
        "combined": ({"year": "2019-2025", "issuer_kind": "government", "region": code[:4]},
                     lambda r: 2019 <= (r["report_year"] or 0) <= 2025
                     and r["issuer_kind"] == "government"
                     and (r["region"]["code"] or "").startswith(code[:4])),
    }  # fmt: skip
    with archive.sessions() as s:
        for name, (params, keep) in cases.items():
            flt = ReportFilter.parse(**params)
            expected = {r["doc_id"] for r in records if keep(r)}
            got = _ids(iter_records(s, flt))
            assert got == expected, name
            assert count(s, flt) == len(expected), name
            assert 0 < len(expected) < len(records) or name == "flow", (name, len(expected))
        assert count(s, ReportFilter(all_versions=True)) == len(records)  # nothing revised
        assert sum(n for _, n in facets(s)["report_year"]) == len(records)


def _contents(archive: Archive) -> dict[str, str]:
    with archive.sessions() as s:
        return {
            summary.doc_id: to_simplified(f"{summary.title or ''}\n{text}")
            for summary, text, _ in iter_texts(s)
        }


def test_search_finds_exactly_the_reports_containing_the_words(archive: Archive) -> None:
    contents = _contents(archive)

    def having(*words: str) -> set[str]:
        return {d for d, c in contents.items() if all(w in c for w in words)}

    phrase = re.compile(rf"行政复议(?![{CJK}])[\W_]*行政诉讼")
    expectations = {
        "复议": having("复议"),  # two-character words
        "诉讼": having("诉讼"),
        "预算": having("预算"),
        "依申请公开": having("依申请公开"),
        "行政复议 不予公开": having("行政复议", "不予公开"),  # words are ANDed
        '"行政复议、行政诉讼"': {d for d, c in contents.items() if phrase.search(c)},
        "復議 訴訟": having("复议", "诉讼"),  # traditional script finds simplified text
        "复议' ; \"诉讼* --": having("复议", "诉讼"),  # FTS/SQL syntax is plain text
        "诉讼'); DROP TABLE documents; --": set(),  # 'drop', 'table' are in no report
    }
    with archive.sessions() as s:
        for query, expected in expectations.items():
            hits = search(s, query, limit=10_000)
            assert {h.report.doc_id for h in hits} == expected, query
        assert len(expectations["复议"]) > 0 and len(expectations["诉讼"]) > 0
        assert expectations['"行政复议、行政诉讼"']
        top = search(s, "不予公开", limit=3)
        assert top and all("【不予公开】" in h.snippet for h in top)
        ranks = [h.rank for h in search(s, "复议", limit=50)]
        assert ranks == sorted(ranks, reverse=True)
        assert count(s) == len(contents)  # the DROP TABLE query dropped nothing


def test_search_ranks_blocks_of_the_newest_matches_and_pages_continue(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.query

    monkeypatch.setattr(storage.query, "RANK_CANDIDATES", 7)  # blocks of 7 in a small archive
    with archive.sessions() as s:
        every = search(s, "复议", limit=10_000)
        n = min(len(every), 40)
        assert n > 14
        whole = search(s, "复议", limit=n)
        pages = [h for off in range(0, n, 6) for h in search(s, "复议", limit=6, offset=off)][:n]
    assert [h.report.version_id for h in pages] == [h.report.version_id for h in whole]
    newest = sorted((h.report.document_id for h in every), reverse=True)
    for start in range(0, n, 7):
        block = whole[start : start + 7]
        # a block holds the next 7 most recently archived matches (the best of them when
        # the page ends inside it), best first
        docs = {h.report.document_id for h in block}
        assert docs <= set(newest[start : start + 7]) and len(docs) == len(block)
        ranks = [h.rank for h in block]
        assert ranks == sorted(ranks, reverse=True)


def test_sqlite_ranks_are_bm25_of_each_candidates_index_entry(
    sqlite_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ranks search gives on SQLite are storage.fulltext.bm25 of each candidate's
    full-text entry (phrase frequency, length against its block's mean, idf 1)."""
    import storage.query
    from storage.fulltext import bm25, parse_query, phrase_patterns

    monkeypatch.setattr(storage.query, "RANK_CANDIDATES", 7)
    for query in ("复议", "行政复议 不予公开"):
        patterns = [p.encode() for p in phrase_patterns(parse_query(query))]
        with sqlite_archive.sessions() as s:
            hits = search(s, query, limit=21)
            entries = dict(
                s.execute(text("SELECT id, CAST(c0 AS BLOB) FROM report_fts_content")).all()
            )
            newest = [
                h.report.document_id for h in search(s, query, limit=10_000)
            ]  # every match; blocks by recency
        newest.sort(reverse=True)
        assert len(hits) > 7, query
        for block in range(0, len(hits), 7):
            docs = newest[block : block + 7]
            bodies = {d: b" " + entries[d] + b" " for d in docs}
            mean = sum(map(len, bodies.values())) / len(bodies)
            for hit in hits[block : block + 7]:
                body = bodies[hit.report.document_id]
                tfs = [body.count(p) for p in patterns]
                assert hit.rank == bm25(tfs, len(body), mean, [1.0] * len(patterns)), query


def test_a_report_shows_its_captures_original_and_cross_year_check(
    archive: Archive, records: list[dict[str, Any]]
) -> None:
    by_key = {(r["region"]["code"], r["issuer"], r["report_year"]): r for r in records}
    with archive.sessions() as s:
        failing = list(iter_records(s, ReportFilter.parse(failed_check="carry_over")))
        assert failing
        for rec in failing[:5]:
            detail = get_report(s, rec["doc_id"])
            prev = by_key[(rec["region"]["code"], rec["issuer"], rec["report_year"] - 1)]
            ours = rec["applications"]["carried_over"]
            theirs = prev["applications"]["carried_forward"]
            for check in detail.carry_over:
                col = check["rule"].removeprefix("carry_over.")
                if ours.get(col) is None or theirs.get(col) is None:
                    assert check["status"] == "skipped"
                else:
                    assert check["status"] == ("pass" if ours[col] == theirs[col] else "fail")
                    assert prev["doc_id"] in check["detail"]
            assert {c["rule"] for c in detail.carry_over} == {
                f"carry_over.{c}" for c in APPLICANT_COLUMNS
            }
        detail = get_report(s, failing[0]["doc_id"])
        assert detail.captures and all(Path(c.warc_path).is_file() for c in detail.captures)
        assert get_report(s, detail.captures[0].final_url).summary.doc_id == failing[0]["doc_id"]
        cap, stored = original(s, failing[0]["doc_id"])
        assert hashlib.sha256(stored.raw_payload).hexdigest() == cap.payload_sha256
        assert stored.record_id == cap.warc_record_id


def test_panel_coverage_and_cell_rows_agree_with_the_records(
    archive: Archive, records: list[dict[str, Any]]
) -> None:
    government = {}
    for r in records:
        if r["issuer_kind"] == "government":
            government.setdefault((r["region"]["code"], r["report_year"]), []).append(r)
    with archive.sessions() as s:
        rows = list(panel_rows(s))
        assert {(p.region_code, p.report_year) for p in rows} == set(government)
        for p in rows:
            chosen = next(
                r for r in government[(p.region_code, p.report_year)] if r["doc_id"] == p.doc_id
            )
            assert p.candidates == len(government[(p.region_code, p.report_year)])
            for row, cells in (chosen["applications"] or {}).items():
                for col, value in cells.items():
                    assert p.cells.get(f"applications.{row}.{col}") == value
        cov = coverage_matrix(s)
        found = {
            (r.code, y) for r in cov.rows for y, st in r.cells.items() if st.startswith("found")
        }
        assert found == set(government)
        assert sum(d.reports for d in cov.deadlines) == len(records)
        assert all(d.on_time + d.late + d.undated == d.reports for d in cov.deadlines)
        wide = {summary.doc_id: values for summary, values in iter_wide_rows(s)}
        long_cells = list(iter_long_cells(s))
    assert set(wide) == _ids(records)
    for r in records[::5]:
        for row, cells in (r["review_litigation"] or {}).items():
            for col, value in cells.items():
                assert wide[r["doc_id"]][f"review_litigation.{row}.{col}"] == value
    assert len(long_cells) == sum(
        len(cells) for r in records for t in ("active_disclosure", "applications", "review_litigation")
        for cells in (r[t] or {}).values()
    )  # fmt: skip


# --- the commands, as a researcher runs them -----------------------------------------------


def _run_all(*commands: list[str]) -> list[subprocess.CompletedProcess[bytes]]:
    """The commands at once (each a CLI process starting up), in order of the arguments."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "service.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for args in commands
    ]
    done = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


def test_search_and_show_commands(sqlite_archive: Archive, tmp_path: Path) -> None:
    archive, records = sqlite_archive, _records(sqlite_archive)
    with archive.sessions() as s:
        doc_id = search(s, "复议", limit=1)[0].report.doc_id
    expected = next(r for r in records if r["doc_id"] == doc_id)
    db = ["--db", archive.db]
    found, shown, table, text_out, raw = _run_all(
        ["search", "復議", *db, "--format", "jsonl", "--limit", "5"],
        ["show", doc_id, *db, "--format", "json"],
        ["search", "行政复议", *db, "--region", expected["region"]["code"]],
        ["show", doc_id, *db],
        ["show", doc_id, "--original", *db],
    )
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.decode().splitlines()]
    assert len(hits) == 5 and all("【复议】" in h["snippet"] for h in hits)
    assert hits[0]["doc_id"] == doc_id  # the traditional query, ranked as the simplified one
    assert shown.returncode == 0, shown.stderr
    detail = json.loads(shown.stdout)
    assert detail["record"]["applications"] == expected["applications"]
    assert detail["captures"][0]["warc_path"] == expected["source"]["warc_path"]
    assert {c["rule"] for c in detail["carry_over"]} == {
        f"carry_over.{c}" for c in APPLICANT_COLUMNS
    }
    assert table.returncode == 0, table.stderr
    assert re.match(r"\d+ reports match", table.stdout.decode())
    listing = text_out.stdout.decode()
    assert text_out.returncode == 0 and "cross-year check" in listing
    assert expected["source"]["warc_path"] in listing and "new_received" in listing
    assert raw.returncode == 0
    assert hashlib.sha256(raw.stdout).hexdigest() == expected["source"]["payload_sha256"]


def test_csv_parquet_and_jsonl_exports(sqlite_archive: Archive, tmp_path: Path) -> None:
    archive, records = sqlite_archive, _records(sqlite_archive)
    import pyarrow.parquet as pq

    by_id = {r["doc_id"]: r for r in records}
    csv_path, pq_path = tmp_path / "reports.csv", tmp_path / "reports.parquet"
    code = records[0]["region"]["code"]
    jsonl = tmp_path / "sub" / "r.jsonl"
    jsonl.parent.mkdir()
    results = _run_all(
        ["export", "--format", "csv", "--out", str(csv_path), "--db", archive.db, "-q"],
        ["export", "--format", "parquet", "--out", str(pq_path), "--db", archive.db, "-q"],
        ["export", "--out", str(jsonl), "--db", archive.db,
         "--region", code, "--year", "2019-2024", "--template", "2021"],
    )  # fmt: skip
    for result in results:
        assert result.returncode == 0, result.stderr
    assert results[0].stderr == b"" and results[1].stderr == b""  # -q: silent
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    header = list(rows[0])
    assert header[:3] == ["doc_id", "title", "issuer"]
    assert (
        "applications.new_received.total" in header and "review_litigation.review.total" in header
    )
    assert len(rows) == len(records)
    for row in rows[::7]:
        rec = by_id[row["doc_id"]]
        assert row["title"] == (rec["title"] or "")  # Chinese intact
        total = rec["applications"].get("new_received", {}).get("total")
        assert row["applications.new_received.total"] == ("" if total is None else str(total))
    codebook = {
        r["column"]: r
        for r in csv.DictReader((tmp_path / "codebook.csv").open(encoding="utf-8-sig"))
    }
    assert (
        codebook["applications.new_received.total"]["label_zh"]
        == "一、本年新收政府信息公开申请数量·总计"
    )
    assert codebook["applications.new_received.total"]["unit"] == "件"
    assert codebook["schema"]["schema"] == "gov-reports/record@1"
    table = pq.read_table(pq_path)
    assert table.num_rows == len(records)
    types = {f.name: str(f.type) for f in table.schema}
    assert types["report_year"] == "int64" and types["applications.new_received.total"] == "int64"
    assert types["published_at"] == "date32[day]" and types["title"] == "string"
    assert types["active_disclosure.procurement.amount"] == "double"
    assert table.schema.metadata[b"gov-reports.schema"] == b"gov-reports/record@1"
    first = table.slice(0, 1).to_pylist()[0]
    rec = by_id[first["doc_id"]]
    assert first["applications.new_received.total"] == rec["applications"].get(
        "new_received", {}
    ).get("total")
    got = {json.loads(line)["doc_id"] for line in jsonl.read_text().splitlines()}
    assert got == {
        r["doc_id"] for r in records
        if r["region"]["code"] == code and 2019 <= r["report_year"] <= 2024 and r["template"] == "2021"
    } and got  # fmt: skip


def test_long_txt_and_wacz_exports(sqlite_archive: Archive, tmp_path: Path) -> None:
    archive, records = sqlite_archive, _records(sqlite_archive)
    long_path, txt_dir, wacz = tmp_path / "cells.csv", tmp_path / "txt", tmp_path / "o.wacz"
    year = "2020-2021"
    procs = [
        subprocess.Popen([sys.executable, "-m", "service.cli", *args, "--db", archive.db, "-q"])
        for args in (
            ("export", "--format", "csv", "--long", "--out", str(long_path)),
            ("export", "--format", "txt", "--out", str(txt_dir)),
            ("export", "--format", "wacz", "--out", str(wacz), "--year", year),
        )
    ]
    assert [p.wait(timeout=180) for p in procs] == [0, 0, 0]
    cells = list(csv.DictReader(long_path.open(encoding="utf-8-sig")))
    assert list(cells[0]) == ["doc_id", "table", "row", "column", "value", "raw"]
    one = next(c for c in cells if c["table"] == "applications" and c["value"])
    rec = next(r for r in records if r["doc_id"] == one["doc_id"])
    assert int(one["value"]) == rec["applications"][one["row"]][one["column"]]
    files = sorted(p.name for p in txt_dir.glob("*.txt"))
    assert len(files) == len(records) and re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", files[0])
    manifest = list(csv.DictReader((txt_dir / "manifest.csv").open(encoding="utf-8-sig")))
    assert [m["file"] for m in manifest] == files
    text = (txt_dir / files[0]).read_text(encoding="utf-8")
    assert hashlib.sha256(text.encode()).hexdigest().startswith(manifest[0]["doc_id"])
    # The WACZ passes the wacz package's own validation, and each record points into it.
    from wacz.main import main as wacz_main

    assert wacz_main(["validate", "-f", str(wacz)]) == 0
    exported = [json.loads(x) for x in (tmp_path / "o.records.jsonl").read_text().splitlines()]
    assert len(exported) == len([r for r in records if 2020 <= r["report_year"] <= 2021])
    with zipfile.ZipFile(wacz) as zf:
        warc_bytes = zf.read(exported[0]["source"]["warc_file"])
        assert "pages/pages.jsonl" in zf.namelist()
    from warcio.archiveiterator import ArchiveIterator

    stream = io.BytesIO(warc_bytes)
    stream.seek(exported[0]["source"]["warc_offset"])
    record = next(iter(ArchiveIterator(stream)))
    assert (
        record.rec_headers.get_header("WARC-Record-ID") == exported[0]["source"]["warc_record_id"]
    )


def test_panel_and_coverage_commands(sqlite_archive: Archive, tmp_path: Path) -> None:
    archive = sqlite_archive
    panel, plot = tmp_path / "panel.csv", tmp_path / "cov.png"
    made, result = _run_all(
        ["panel", "--out", str(panel), "--db", archive.db, "--year", "2010-2025"],
        ["coverage", "--db", archive.db, "--plot", str(plot), "--format", "json"],
    )
    assert made.returncode == 0, made.stderr
    assert b"region-year rows" in made.stderr
    rows = list(csv.DictReader(panel.open(encoding="utf-8-sig")))
    keys = [(r["region_code"], int(r["year"])) for r in rows]
    assert len(keys) == len(set(keys)) > 10 and all(2010 <= y <= 2025 for _, y in keys)
    assert (tmp_path / "codebook.csv").is_file()
    assert result.returncode == 0, result.stderr
    cov = json.loads(result.stdout)
    assert len(cov["counties"]) == SITES and cov["totals"]["found"] > 10
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_the_commands_on_postgresql(pg_archive: Archive, tmp_path: Path) -> None:
    records = _records(pg_archive)
    db = ["--db", pg_archive.db]
    doc_id = records[0]["doc_id"]
    found, shown, exported, panel, coverage = _run_all(
        ["search", "诉讼", *db, "--format", "jsonl", "--limit", "3"],
        ["show", doc_id, *db, "--format", "json"],
        ["export", "--format", "parquet", "--out", str(tmp_path / "r.parquet"), *db, "-q"],
        ["panel", "--out", str(tmp_path / "p.parquet"), *db, "-q", "--issuer-kind", "department"],
        ["coverage", *db, "--plot", str(tmp_path / "c.svg"), "--format", "json"],
    )
    for result in (found, shown, exported, panel, coverage):
        assert result.returncode == 0, result.stderr
    assert len(found.stdout.decode().splitlines()) == 3
    assert json.loads(shown.stdout)["record"]["doc_id"] == doc_id
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "r.parquet")
    assert sorted(table.column("doc_id").to_pylist()) == sorted(r["doc_id"] for r in records)
    kinds = set(pq.read_table(tmp_path / "p.parquet").column("issuer_kind").to_pylist())
    assert kinds == {"department"}
    assert json.loads(coverage.stdout)["totals"]["found"] > 10
    assert b"<svg" in (tmp_path / "c.svg").read_bytes()[:2000]


def test_bad_input_is_one_line_exit_2_and_writes_nothing(crawled: Path, tmp_path: Path) -> None:
    db = str(crawled / "archive.sqlite")
    missing_db = tmp_path / "nowhere" / "archive.sqlite"
    cases = {
        "province": (["search", "复议", "--province", "火星省"], "火星省"),
        "year": (["export", "--format", "csv", "--out", str(tmp_path / "a.csv"), "--year", "2019-20x"], "2019-20x"),
        "doc_id": (["show", "0123456789abcdef"], "0123456789abcdef"),
        "out": (["export", "--format", "parquet", "--out", str(tmp_path / "no" / "r.parquet")], "no/r.parquet"),
        "option": (["export", "--colour", "red"], "--colour"),
    }  # fmt: skip
    cases["db"] = (["search", "复议"], str(missing_db))
    runs = _run_all(
        *[
            [*args, "--db", str(missing_db) if name == "db" else db]
            for name, (args, _) in cases.items()
        ]
    )
    for (name, (_, named)), proc in zip(cases.items(), runs, strict=True):
        err = proc.stderr.decode()
        assert proc.returncode == 2, (name, err)
        assert proc.stdout == b"" and len(err.strip().splitlines()) == 1, (name, err)
        assert named in err and "Traceback" not in err, (name, err)
    assert not missing_db.parent.exists()  # a read command never creates a database
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_migration_builds_the_index_for_an_existing_archive(crawled: Path, tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from storage.db import MIGRATIONS_DIR

    path = tmp_path / "old.sqlite"
    shutil.copy(crawled / "archive.sqlite", path)
    sizes = _sizes(f"sqlite:///{path}")
    engine = create_db_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")  # as an archive from before this issue
    engine.dispose()
    sessions = open_existing(str(path))  # migrates 0004 and 0005
    with sessions() as s:
        hits = {h.report.doc_id for h in search(s, "复议", limit=10_000)}
        assert hits and hits == {h.report.doc_id for h in _search_original(crawled)}
        from storage.models import ReportCell

        exact = s.scalars(
            select(ReportCell.value_int).where(ReportCell.value_int.is_not(None))
        ).all()
        assert len(exact) > 1000
        assert count(s, ReportFilter.parse(failed_check="carry_over")) > 0
    sessions.kw["bind"].dispose()
    assert _sizes(f"sqlite:///{path}") == sizes  # nothing lost on the way down or up


def _sizes(url: str) -> dict[str, int]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        sizes = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("documents", "report_versions", "report_cells", "checks", "hazards")
        }
    engine.dispose()
    return sizes


def _search_original(crawled: Path) -> list[Any]:
    with open_existing(str(crawled / "archive.sqlite"))() as s:
        return search(s, "复议", limit=10_000)
