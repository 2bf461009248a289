"""`export --format txt`: one `NNN_<doc_id>.txt` per report (as in the seeds) and manifest.csv."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from sqlalchemy.orm import Session

from service.options import Progress, make_temp_dir
from service.writers import CSV_ENCODING, REPORT_COLUMNS, Column, write_codebook
from storage.filters import ReportFilter

MANIFEST = ("file", "doc_id", "title", "issuer", "issuer_kind", "region_code", "region_name",
            "prefecture", "province", "report_year", "published_at", "template", "url",
            "fetched_at", "warc_path")  # fmt: skip


def write_txt(session: Session, flt: ReportFilter, out: Path, progress: Progress) -> int:
    """Fill a new directory beside `out`, then rename it to `out` (which must not exist or be
    empty), so an interrupted export leaves nothing."""
    from storage.query import count, iter_texts

    width = max(3, len(str(count(session, flt))))
    tmp = make_temp_dir(out)
    n = 0
    try:
        with (tmp / "manifest.csv").open("w", encoding=CSV_ENCODING, newline="") as fh:
            manifest = csv.writer(fh)
            manifest.writerow(MANIFEST)
            for summary, text, extra in iter_texts(session, flt):
                name = f"{n:0{width}d}_{summary.doc_id}.txt"
                (tmp / name).write_text(text, encoding="utf-8")
                row = {**summary.as_dict(), **extra, "file": name}
                manifest.writerow(["" if row.get(k) is None else row.get(k) for k in MANIFEST])
                n += 1
                progress.step()
        keep = {c.name for c in REPORT_COLUMNS} & set(MANIFEST)
        columns = [Column("file", "text", meaning="the text file in this directory")]
        columns += [c for c in REPORT_COLUMNS if c.name in keep]
        write_codebook(tmp, columns)
        if out.exists():
            out.rmdir()  # empty (checked before): replaced by the finished directory
        tmp.replace(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return n
