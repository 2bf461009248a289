"""A large archive for the read-side benchmarks, generated without crawling (SQLite).

1. `--distinct` reports of the simulated web (a few per registry county: real titles,
   issuers, years, templates and numbers, flattened to text) are parsed by the real parser
   and stored through the crawler's own store step (storage.repository.store_capture), so
   every row and index the read side keeps is made as in production (~30 ms a report).
2. Those rows are then copied in SQL until the archive holds `--reports`: each copy is its
   own document (own text hash and doc_id), capture, report version, cells, checks, hazards
   and full-text entry. The search index so holds 100,000 reports' postings, though the
   texts repeat. The WARC pointers are placeholders: nothing here reads an original.

    python -m bench.archive --reports 100000 --db data/bench/archive.sqlite
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from parsers import PARSER_VERSION, parse_text, simhash64, text_digest
from sim import SimWeb
from sim.document import text_lines
from sim.registry import load_registry
from storage.db import open_database
from storage.repository import (
    CaptureData,
    DocumentData,
    SiteData,
    start_run,
    store_capture,
    upsert_sites,
)

BATCH = 500


def sim_reports(seed: int, per_site: int) -> Iterator[tuple[SiteData, str, str, datetime]]:
    """(site, url, text, fetched_at) for `per_site` reports of every registry county."""
    _, rows = load_registry()
    web = SimWeb(sites=len(rows), seed=seed)
    for cfg in web.configs:
        plan = web.plan(cfg.host)
        site = SiteData(
            code=cfg.code, host=cfg.host, url=cfg.home, name=cfg.name,
            prefecture=cfg.row.get("prefecture_name"), province=cfg.row.get("province_name"),
        )  # fmt: skip
        for r in plan.reports[:per_site]:
            text = "\n".join(text_lines(web.document(plan, r), r.layout or "rows"))
            url = f"http://{cfg.host}{plan.report_paths(r)[0]}"
            fetched = datetime(r.published.year, r.published.month, r.published.day, tzinfo=UTC)
            yield site, url, text, fetched


def build(db: str, reports: int, seed: int = 1, per_site: int = 3) -> int:
    """Store `reports` generated reports in `db` (created); returns how many were stored."""
    sessions = open_database(db)
    stored = 0
    started = time.monotonic()
    source = sim_reports(seed, per_site)
    with sessions.begin() as session:
        run = start_run(session, "bench-archive", {"archive_dir": "bench-placeholder"})
        run_id = run.id
    site_ids: dict[str, int] = {}
    while stored < reports:
        with sessions.begin() as session:
            for _ in range(BATCH):
                try:
                    site, url, text, fetched = next(source)
                except StopIteration:
                    return stored
                if site.code not in site_ids:
                    site_ids.update(upsert_sites(session, [site]))
                sha, doc_id = text_digest(text)
                try:
                    record = parse_text(text, source={"url": url})
                except Exception:  # noqa: BLE001, S112 -- a text the parser refuses: skip it
                    continue
                n = stored
                capture = CaptureData(
                    url=url, final_url=url, http_status=200, fetched_at=fetched,
                    warc_file="bench-placeholder.warc.gz", warc_offset=n,
                    warc_record_id=f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
                    payload_sha256=sha, content_type="text/html; charset=UTF-8",
                )  # fmt: skip
                document = DocumentData(
                    text_sha256=sha, doc_id=doc_id, text=text, simhash=simhash64(text),
                    format="text", title=record.get("title"),
                )  # fmt: skip
                outcome = store_capture(
                    session, capture, run_id=run_id, site_id=site_ids[site.code],
                    document=document, record=record, parser_version=PARSER_VERSION,
                )  # fmt: skip
                stored += outcome == "new"
                if stored >= reports:
                    break
        rate = stored / (time.monotonic() - started)
        print(f"\r{stored:,} reports stored ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    sessions.kw["bind"].dispose()
    return stored


# The tables a report lives in, with the columns a copy changes (`{k}` is the copy number,
# `{off}` the id offset); every other column is copied as it is.
COPIES = (
    ("documents", "id", {
        "text_sha256": "substr(text_sha256, 1, 10) || printf('%06x', {k}) || substr(text_sha256, 17)",
        "doc_id": "substr(doc_id, 1, 10) || printf('%06x', {k})",
        "near_dup_of": "NULL", "previous_id": "NULL",
    }),
    ("captures", "id", {
        "document_id": "document_id + {off}", "url": "url || '#copy{k}'",
        "final_url": "final_url || '#copy{k}'",
        "warc_record_id": "substr(warc_record_id, 1, 30) || printf('%06x', {k}) || substr(warc_record_id, 37)",
    }),
    ("report_versions", "id", {
        "document_id": "document_id + {off}", "capture_id": "capture_id + {off}",
        "superseded_by": "NULL",
        "record": "json_set(record, '$.doc_id', substr(json_extract(record, '$.doc_id'), 1, 10) "
                  "|| printf('%06x', {k}))",
    }),
    ("report_cells", "id", {"report_version_id": "report_version_id + {off}"}),
    ("checks", "id", {"report_version_id": "report_version_id + {off}"}),
    ("hazards", "id", {"report_version_id": "report_version_id + {off}"}),
)  # fmt: skip
OFFSET = 10_000_000  # above any id of the distinct rows


def replicate(db_file: Path, target: int) -> int:
    """Copy the stored reports (in SQL) until there are `target`; returns the count."""
    import sqlite3

    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # a generated benchmark file: rebuilt if torn
    base = conn.execute("SELECT count(*) FROM report_versions").fetchone()[0]
    top = {
        t: conn.execute(f"SELECT max({key}) FROM {t}").fetchone()[0] or 0 for t, key, _ in COPIES
    }
    assert max(top.values()) < OFFSET, "too many distinct rows for the id offset"
    k, count = 0, base
    while count < target:
        k += 1
        off = k * OFFSET
        with conn:
            for table, key, changed in COPIES:
                cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
                exprs = [
                    f"{key} + {off}" if c == key else changed.get(c, c).format(k=k, off=off)
                    for c in cols
                ]
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} "
                    f"FROM {table} WHERE {key} <= {top[table]}"
                )
            conn.execute(
                f"INSERT INTO report_fts (rowid, terms) SELECT rowid + {off}, terms "
                f"FROM report_fts WHERE rowid <= {top['documents']}"
            )
        count += base
        print(f"\r{count:,} reports", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    conn.execute("ANALYZE")
    conn.close()
    return count


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reports", type=int, default=100_000)
    p.add_argument("--distinct", type=int, default=2_000, help="reports parsed and stored")
    p.add_argument("--db", default="data/bench/archive.sqlite", help="SQLite file (new)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    db_file = Path(args.db)
    if db_file.exists():
        print(f"{db_file} exists; remove it to build anew", file=sys.stderr)
        return 2
    db_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    n = build(f"sqlite:///{db_file}", min(args.distinct, args.reports), args.seed)
    n = replicate(db_file, args.reports)
    print(f"{n:,} reports in {db_file} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
