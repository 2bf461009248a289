"""`export --format wacz`: the archived originals of the selected reports as a WACZ package.

The response record each report was parsed from is copied byte for byte (one gzip member per
record) from the crawl's WARC files into `archive/reports.warc.gz`; the `wacz` package indexes
it (CDXJ), lists one page per report and writes the package that ReplayWeb.page opens.
`<name>.records.jsonl` beside the package holds the records, their `source` pointing into it
(`wacz`, `warc_file` inside the package, `warc_offset` in that file).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import zlib
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from service.options import CommandError, Progress, atomic_output
from storage.filters import ReportFilter

WARC_NAME = "reports.warc.gz"


def copy_member(src: BinaryIO, offset: int, dst: BinaryIO) -> None:
    """Copy the gzip member (one WARC record) starting at `offset` of `src` to `dst`."""
    src.seek(offset)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while not inflater.eof:
        chunk = src.read(65536)
        if not chunk:
            raise CommandError(f"{getattr(src, 'name', 'WARC')}@{offset}: record cut short")
        inflater.decompress(chunk)
        used = len(chunk) - len(inflater.unused_data)
        dst.write(chunk[:used])


def write_wacz(session: Session, flt: ReportFilter, out: Path, progress: Progress) -> int:
    from wacz.main import main as wacz_main
    from warcio.warcwriter import WARCWriter

    from storage.query import iter_captures, iter_records

    records_path = out.with_name(out.stem + ".records.jsonl")
    with tempfile.TemporaryDirectory(prefix=".wacz-", dir=out.resolve().parent) as tmpdir:
        tmp = Path(tmpdir)
        warc = tmp / WARC_NAME
        offsets: dict[str, int] = {}
        pages = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "gov-reports"})]
        with warc.open("wb") as dst:
            writer = WARCWriter(dst, gzip=True, warc_version="1.1")
            writer.write_record(
                writer.create_warcinfo_record(WARC_NAME, {"software": "gov-reports export"})
            )
            for summary, cap in iter_captures(session, flt):
                if cap.warc_record_id in offsets:
                    continue
                offsets[cap.warc_record_id] = dst.tell()
                try:
                    with open(cap.warc_path, "rb") as src:
                        copy_member(src, cap.warc_offset, dst)
                except OSError as exc:
                    raise CommandError(f"cannot read {cap.warc_path}: {exc.strerror}") from exc
                pages.append(
                    json.dumps(
                        {
                            "url": cap.final_url,
                            "ts": cap.fetched_at,
                            "title": summary.title or summary.doc_id,
                        },
                        ensure_ascii=False,
                    )
                )
                progress.step()
        (tmp / "pages.jsonl").write_text("\n".join(pages) + "\n", encoding="utf-8")
        built = tmp / "package.wacz"
        with contextlib.redirect_stdout(io.StringIO()) as log:
            status = wacz_main(
                ["create", "-o", str(built), "-p", str(tmp / "pages.jsonl"), str(warc)]
            )
        if status:
            raise CommandError(f"wacz create failed: {log.getvalue().strip().splitlines()[-1:]}")
        with atomic_output(records_path, "w", encoding="utf-8") as fh:
            n = 0
            for record in iter_records(session, flt):
                source = record.get("source") or {}
                if source.get("warc_record_id") in offsets:
                    source.update(
                        wacz=out.name,
                        warc_file=f"archive/{WARC_NAME}",
                        warc_offset=offsets[source["warc_record_id"]],
                    )
                    source.pop("warc_path", None)
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                n += 1
        built.replace(out)
    from service.writers import wide_columns, write_codebook

    write_codebook(out.resolve().parent, wide_columns())
    return n
