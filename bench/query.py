"""The researcher's side at scale: 100,000 generated reports in SQLite and in PostgreSQL.

The reports are the golden fixtures parsed once, then varied (another county of the registry,
another year and issuer, other numbers) and written straight into the archive's tables in
bulk; `storage.reportindex.rebuild_all` (what migration 0005 runs on an existing archive)
then builds the flags, the full-text index and the carry-over checks. Measured:

- search: `storage.query.search` (limit 20, ranked among the 500 newest matches, with
  snippets) over a set of queries: two-character words, phrases, several words, traditional
  script; p50/p95 in ms, without a filter and with one of the random filters below;
- filter + count: `storage.query.count` under random filters (province, region prefix, year
  range, template, issuer kind, hazard, failed check); p50/p95 in ms;
- for each: wall time and CPU time (this thread's: all of SQLite's work; on PostgreSQL the
  client's, plus the server backend's mean from /proc), and the load average, because the
  machine these run on is often shared;
- baseline in the same process: fetching one report's summary by doc_id (an index lookup);
- export: `gov-reports export` of every report to CSV and to Parquet (a subprocess each:
  wall time, CPU time and peak RSS), and of a tenth of them, so "memory flat" is a ratio.

Nothing is cached between queries: each call runs its SQL (the engines' page caches are warm
after the first round of three).

    python -m bench.query [--reports 100000] [--engine sqlite|postgresql|both] [--out DIR]
    python -m bench.query --build URL [--reports N]     # only build an archive, to reuse
    python -m bench.query --db URL [--rebuild] [--no-export]   # measure one built before
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from bench.parse import varied_reports
from parsers import ParseError, parse_bytes
from parsers.registry import divisions
from storage.db import create_db_engine, open_database, open_existing
from storage.filters import ReportFilter
from storage.models import (
    Capture,
    Check,
    CrawlRun,
    Document,
    Hazard,
    ReportCell,
    ReportVersion,
    Site,
)
from storage.query import count, list_reports, search
from storage.records import iter_cells, version_columns
from storage.reportindex import rebuild_all

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
QUERIES = [
    "复议", "诉讼", "预算", "不予公开", "依申请公开", "行政复议 诉讼", '"政府信息公开"',
    "復議", "国家秘密", "政务公开 网站", "收费", "年度报告", "信访", "第三方", "结转",
]  # fmt: skip
KINDS = ("government", "department", "department", "government_office", "township")


def base_records(seed: int) -> list[tuple[dict[str, Any], str]]:
    """(record, text) of the golden fixtures and some variations, parsed by the real parser."""
    out = []
    for name, data in varied_reports(40, seed=seed):
        try:
            record = parse_bytes(data, name)
        except ParseError:  # a notice among the fixtures: not a report
            continue
        if record.get("applications"):
            body = "\n".join(f"{s['heading']}\n{s['text']}" for s in record.get("sections") or [])
            out.append((record, body))
    return out


def generate(n: int, seed: int = 11) -> Any:
    """Batches of rows per table for `n` reports: counties × years × issuer kinds."""
    rng = random.Random(seed)
    bases = base_records(seed)
    pool = [rng.choice((0, 0, 1, 2, 3, rng.randint(0, 500), None)) for _ in range(100_003)]
    numbers = itertools.cycle(pool)
    counties = [d for d in divisions() if d.status == "在用"]
    rng.shuffle(counties)
    now = datetime(2026, 11, 30, tzinfo=UTC)
    vid = 0
    batch: dict[str, list[dict[str, Any]]] = {}
    per_county = max(1, n // len(counties) + 1)
    for county in counties:
        for k in range(per_county):
            if vid >= n:
                break
            vid += 1
            year, kind = 2008 + k % 18, KINDS[(k // 18) % len(KINDS)]
            base, body = rng.choice(bases)
            record = dict(base)  # shallow: only the tables and checks below are changed
            issuer = county.name + ("人民政府" if kind == "government" else f"第{k // 18}局")
            record.update(
                title=f"{county.name}{year}年政府信息公开工作年度报告",
                issuer=issuer,
                issuer_kind=kind,
                report_year=year,
                published_at=f"{year + 1}-0{1 + vid % 5}-1{vid % 10}",
                region={"name": county.name, "code": county.code,
                        "prefecture": county.prefecture, "province": county.province},
            )  # fmt: skip
            for table in ("applications", "review_litigation"):
                record[table] = {
                    row: {col: next(numbers) for col in cells}
                    for row, cells in (base.get(table) or {}).items()
                }
            record["checks"] = [
                {**c, "status": "fail"} if next(numbers) == 499 else c
                for c in base.get("checks") or []
            ]
            text_body = body.replace("富源县", county.name) + f"\n{vid}"
            sha = hashlib.sha256(text_body.encode()).hexdigest()
            record["doc_id"], record["text_sha256"] = sha[:16], sha
            add = batch.setdefault
            add("documents", []).append(
                {"id": vid, "text_sha256": sha, "doc_id": sha[:16], "title": record["title"],
                 "text": text_body, "site_id": None, "first_seen_at": now, "format": "html"}
            )  # fmt: skip
            add("captures", []).append(
                {"id": vid, "crawl_run_id": 1, "document_id": vid, "http_status": 200,
                 "url": f"http://{county.code}.example.gov.cn/nb/{vid}.html",
                 "final_url": f"http://{county.code}.example.gov.cn/nb/{vid}.html",
                 "fetched_at": now, "warc_file": "bench-00000.warc.gz", "warc_offset": vid,
                 "warc_record_id": f"<urn:uuid:{uuid.UUID(int=vid)}>", "payload_sha256": sha,
                 "outcome": "new", "headers": {}}
            )  # fmt: skip
            add("report_versions", []).append(
                {"id": vid, "document_id": vid, "capture_id": vid, "parser_version": "bench",
                 "created_at": now, "official": True, "record": record, "latest": True,
                 "current": True, **version_columns(record)}
            )  # fmt: skip
            cells = add("report_cells", [])
            for c in iter_cells(record):
                cells.append(
                    {"report_version_id": vid, "table_name": c.table, "row_key": c.row,
                     "column_key": c.column, "value": c.value, "raw": c.raw,
                     "value_int": c.value if isinstance(c.value, int) else None}
                )  # fmt: skip
            add("checks", []).extend(
                {"report_version_id": vid, "rule": c["rule"], "status": c["status"],
                 "detail": c.get("detail")}
                for c in record.get("checks") or []
            )  # fmt: skip
            add("hazards", []).extend(
                {"report_version_id": vid, "tag": t} for t in record.get("hazards") or []
            )
            if vid % 2000 == 0:
                yield batch
                batch = {}
    if batch:
        yield batch


# The big tables go in through the driver (COPY on PostgreSQL): millions of cell rows.
BULK = {
    "report_cells": ("report_version_id", "table_name", "row_key", "column_key", "value",
                     "value_int", "raw"),
    "checks": ("report_version_id", "rule", "status", "detail"),
    "hazards": ("report_version_id", "tag"),
}  # fmt: skip


def _bulk(conn: Any, name: str, rows: list[dict[str, Any]]) -> None:
    columns = BULK[name]
    tuples = [tuple(r[c] for c in columns) for r in rows]
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.dbapi_connection.cursor()
        with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in tuples:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", tuples)


def build(url: str, n: int) -> dict[str, float]:
    sessions = open_database(url)
    engine = sessions.kw["bind"]
    started = time.perf_counter()
    tables = {
        "documents": Document.__table__,
        "captures": Capture.__table__,
        "report_versions": ReportVersion.__table__,
        "report_cells": ReportCell.__table__,
        "checks": Check.__table__,
        "hazards": Hazard.__table__,
    }
    with engine.begin() as conn:
        conn.execute(
            CrawlRun.__table__.insert(),
            [{"id": 1, "crawl_id": "bench", "started_at": datetime.now(UTC), "status": "finished",
              "settings": {"archive_dir": "/nonexistent"}, "sites": 0, "pages": 0,
              "reports_found": 0, "new": 0, "duplicate": 0, "failed": 0}],
        )  # fmt: skip
        conn.execute(
            Site.__table__.insert(),
            [{"code": d.code, "host": f"{d.code}.example.gov.cn", "name": d.name,
              "url": f"http://{d.code}.example.gov.cn/", "prefecture": d.prefecture,
              "province": d.province, "last_status": "ok"}
             for d in divisions() if d.status == "在用"],
        )  # fmt: skip
    for batch in generate(n):
        with engine.begin() as conn:
            for name, table in tables.items():
                if not batch.get(name):
                    continue
                if name in BULK:
                    _bulk(conn, name, batch[name])
                else:
                    conn.execute(table.insert(), batch[name])
        print(f"  inserted {batch['report_versions'][-1]['id']} reports", file=sys.stderr)
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for name in tables:
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                         f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)")
                )  # fmt: skip
        rebuild_all(conn)
    indexed = time.perf_counter() - started
    # Statistics for the planner, and on PostgreSQL the visibility map that index-only scans
    # need (what autovacuum does on an archive in use; a bulk load has not waited for it).
    vacuum = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(vacuum))
    engine.dispose()
    return {"insert_s": round(inserted, 1), "rebuild_index_s": round(indexed, 1)}


def _pct(samples: list[float], q: float) -> float:
    samples = sorted(samples)
    return round(samples[min(len(samples) - 1, int(q * len(samples)))] * 1000, 1)


class _Clock:
    """Wall time and CPU time of each call: this process's CPU (all of SQLite's work) plus,
    on PostgreSQL, the server backend's (read from /proc: same machine, 10 ms ticks, so only
    its sum over many calls means something)."""

    def __init__(self, session: Any) -> None:
        self.backend: Path | None = None
        if session.get_bind().dialect.name == "postgresql":
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            stat = Path(f"/proc/{pid}/stat")
            self.backend = stat if stat.exists() else None
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.server: dict[str, float] = {}

    def _server_ticks(self) -> int:
        if self.backend is None:
            return 0
        fields = self.backend.read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def time(self, name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        ticks, cpu, wall = self._server_ticks(), time.thread_time(), time.perf_counter()
        result = fn(*args, **kwargs)
        self.wall.setdefault(name, []).append(time.perf_counter() - wall)
        self.cpu.setdefault(name, []).append(time.thread_time() - cpu)
        spent = (self._server_ticks() - ticks) / os.sysconf("SC_CLK_TCK")
        self.server[name] = self.server.get(name, 0.0) + spent
        return result

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, samples in self.wall.items():
            out[f"{name}_p50_ms"] = _pct(samples, 0.5)
            out[f"{name}_p95_ms"] = _pct(samples, 0.95)
            out[f"{name}_cpu_p50_ms"] = _pct(self.cpu[name], 0.5)
            out[f"{name}_cpu_p95_ms"] = _pct(self.cpu[name], 0.95)
            if self.backend is not None:
                out[f"{name}_server_cpu_mean_ms"] = round(
                    self.server[name] / len(samples) * 1000, 1
                )
        return out


def measure_queries(url: str, rounds: int = 3, seed: int = 5) -> dict[str, Any]:
    rng = random.Random(seed)
    sessions = open_existing(url)
    provinces = sorted({d.province for d in divisions() if d.status == "在用"})
    codes = [d.code for d in divisions() if d.status == "在用"]
    filters = []
    for _ in range(60):
        first = rng.randint(2008, 2024)
        choice = rng.randrange(7)
        params: dict[str, str] = {"year": f"{first}-{min(2025, first + rng.randint(0, 6))}"}
        if choice == 0:
            params["province"] = rng.choice(provinces)
        elif choice == 1:
            params["region"] = rng.choice(codes)[:4]
        elif choice == 2:
            params["template"] = rng.choice(("2021", "2019", "pre2019"))
        elif choice == 3:
            params["issuer_kind"] = rng.choice(KINDS)
        elif choice == 4:
            params["hazard"] = "boilerplate"
        elif choice == 5:
            params["failed_check"] = rng.choice(("any", "carry_over", "applications.flow"))
        filters.append(ReportFilter.parse(**params))
    slow: dict[str, float] = {}
    with sessions() as s:
        clock = _Clock(s)
        doc_ids = [r.doc_id for r in list_reports(s, limit=200)]
        searched = [(q, None) for q in QUERIES] + [(rng.choice(QUERIES), f) for f in filters[:20]]
        for _ in range(rounds):
            for q, flt in searched:
                name = "search" if flt is None else "search_filtered"
                t = time.perf_counter()
                clock.time(name, search, s, q, flt or ReportFilter(), limit=20)
                key = f"{name} {q} {flt.describe() if flt else ''}"
                slow[key] = max(slow.get(key, 0.0), time.perf_counter() - t)
            for flt in filters:
                t = time.perf_counter()
                clock.time("count", count, s, flt)
                key = f"count {flt.describe()}"
                slow[key] = max(slow.get(key, 0.0), time.perf_counter() - t)
            for doc_id in doc_ids[:50]:
                clock.time(
                    "lookup",
                    lambda d: s.execute(select(Document.id).where(Document.doc_id == d)).all(),
                    doc_id,
                )
        total = count(s)
    sessions.kw["bind"].dispose()
    out: dict[str, Any] = {"reports": total, "load_average": os.getloadavg()}
    out.update(clock.summary())
    out["slowest"] = {
        k: round(v * 1000, 1) for k, v in sorted(slow.items(), key=lambda kv: -kv[1])[:5]
    }
    out["search_p95_over_lookup_p95"] = round(
        out["search_p95_ms"] / max(out["lookup_p95_ms"], 0.01), 1
    )
    return out


def _export(db: str, fmt: str, out: Path, *extra: str) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MB, CPU seconds) of one `gov-reports export` subprocess (its
    own CPU: on PostgreSQL the server's is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    t = time.perf_counter()
    cmd = [sys.executable, "-m", "service.cli", "export", "--format", fmt, "--out", str(out),
           "--db", db, "-q", *extra]  # fmt: skip
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu
    return round(wall, 1), round(max(usage.ru_maxrss, before) / 1024, 1), round(cpu, 1)


def measure_exports(db: str, out_dir: Path) -> dict[str, Any]:
    res: dict[str, Any] = {}
    for fmt in ("csv", "parquet"):
        # Each in a fresh child so ru_maxrss is its own peak: a tenth first, then all.
        script = (
            "import json, sys; from bench.query import _export; from pathlib import Path; "
            f"print(json.dumps(_export({db!r}, {fmt!r}, Path(sys.argv[1]), *sys.argv[2:])))"
        )
        for label, extra in (("tenth", ["--year", "2008-2009"]), ("all", [])):
            path = out_dir / f"{label}.{fmt}"
            done = subprocess.run(
                [sys.executable, "-c", script, str(path), *extra],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            wall, rss, cpu = json.loads(done.stdout)
            res[f"export_{fmt}_{label}_s"] = wall
            res[f"export_{fmt}_{label}_cpu_s"] = cpu
            res[f"export_{fmt}_{label}_peak_mb"] = rss
            res[f"export_{fmt}_{label}_bytes"] = path.stat().st_size
    return res


def run_engine(engine: str, n: int, out_dir: Path) -> dict[str, Any]:
    from contextlib import nullcontext

    from tests.pg import fresh_database

    ctx = fresh_database("gov_reports_bench") if engine == "postgresql" else nullcontext(None)
    with ctx as pg_url:
        (out_dir / "bench.sqlite").unlink(missing_ok=True)
        url = pg_url or f"sqlite:///{out_dir / 'bench.sqlite'}"
        result: dict[str, Any] = {"engine": engine}
        result.update(build(url, n))
        result.update(measure_queries(url))
        result.update(measure_exports(url if pg_url else str(out_dir / "bench.sqlite"), out_dir))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--out", type=Path, help="working directory (default: a temporary one)")
    parser.add_argument("--db", help="measure this archive built before (no build)")
    parser.add_argument(
        "--build", metavar="URL", help="only build the archive at URL (an empty database)"
    )
    parser.add_argument("--rebuild", action="store_true", help="with --db: rebuild the index")
    parser.add_argument("--no-export", action="store_true", help="with --db: queries only")
    args = parser.parse_args()
    if args.build:
        print(json.dumps(build(args.build, args.reports)), flush=True)
        return
    if args.db:
        out = args.out or Path(tempfile.mkdtemp(prefix="bench-query-"))
        result: dict[str, Any] = {"db": args.db}
        if args.rebuild:
            started = time.perf_counter()
            engine = create_db_engine(args.db)
            with engine.begin() as conn:
                rebuild_all(conn)
            engine.dispose()
            result["rebuild_index_s"] = round(time.perf_counter() - started, 1)
        result.update(measure_queries(args.db))
        print(json.dumps(result, ensure_ascii=False), flush=True)
        if not args.no_export:
            result.update(measure_exports(args.db.removeprefix("sqlite:///"), out))
            print(json.dumps(result, ensure_ascii=False), flush=True)
        return
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for engine in engines:
            result = run_engine(engine, args.reports, out)
            print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
