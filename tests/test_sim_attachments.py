"""PDF and DOCX reports of the simulated web open with the usual readers and carry the labels."""

from __future__ import annotations

import io
import re
from functools import lru_cache

import docx
import pdfplumber
import pytest

from sim import SimWeb


@lru_cache(maxsize=1)
def web() -> SimWeb:
    return SimWeb(sites=30, seed=4)


def attachment(fmt: str, template: str) -> dict:
    for e in web().truth():
        if e["kind"] == "report" and e["format"] == fmt and e["template"] == template:
            return e
    pytest.skip(f"no {fmt} report with the {template} template")


def fetch(report: dict) -> bytes:
    status, _headers, body = web().respond("GET", report["url"], {})
    assert status == 200
    # The stub page links the attachment.
    stub = web().respond("GET", report["attachment_of"], {})[2]
    assert report["url"].split("/", 3)[3].encode() in stub
    return body


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            # A merged cell repeats across the cells it spans: keep each underlying cell once.
            unique = {id(c._tc): c.text for c in row.cells}
            parts.append(" ".join(unique.values()))
    return "\n".join(parts)


@pytest.mark.parametrize(("fmt", "reader"), [("pdf", pdf_text), ("docx", docx_text)])
@pytest.mark.parametrize("template", ["2021", "2019", "pre2019"])
def test_attachments_open_and_carry_the_report(fmt: str, reader, template: str) -> None:
    report = attachment(fmt, template)
    data = fetch(report)
    assert data.startswith(b"%PDF" if fmt == "pdf" else b"PK")
    text = re.sub(r"[ \t]+", " ", reader(data))
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", report["title"]) in flat
    if template == "pre2019":
        n = report["applications"]["new_received"]["total"]
        assert f"共收到政府信息公开申请{n}件" in flat or (
            n == 0 and "未收到政府信息公开申请" in flat
        )
        return
    for label in (
        "二、主动公开政府信息情况",
        "本年新收政府信息公开申请数量",
        "结转下年度继续办理",
        "属于国家秘密",
        "未经复议直接起诉",
    ):
        assert label in flat, label
    row = report["applications"]["carried_forward"]
    numbers = " ".join(str(v) for v in row.values())
    assert numbers in text
    marker = "本年制发件数" if template == "2021" else "本年新制作数量"
    assert marker in flat


def test_attachment_bytes_are_cached_and_stable() -> None:
    report = attachment("pdf", "2021")
    first = fetch(report)
    again = SimWeb(sites=30, seed=4).respond("GET", report["url"], {})[2]
    assert first == again
