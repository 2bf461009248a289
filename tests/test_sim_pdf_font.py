"""The simulator's PDFs embed a TrueType CJK font when it is installed, as real reports embed
theirs, and fall back to reportlab's CID font otherwise: the same text either way."""

from __future__ import annotations

import pytest

from parsers.extract.pdf import extract_pdf
from sim import attachments
from tests.required import missing
from tests.samples import sim_attachments


def _rendered(monkeypatch: pytest.MonkeyPatch, truetype: bool) -> list[bytes]:
    with monkeypatch.context() as patch:
        if not truetype:
            patch.setattr(attachments, "TRUETYPE_FONT", attachments.TRUETYPE_FONT / "absent")
        _forget_font()
        try:
            return sim_attachments("pdf", 6)
        finally:
            _forget_font()  # the next renderer chooses again, with the real path


def _forget_font() -> None:
    attachments.pdf_font.cache_clear()
    attachments._pdf_styles.cache_clear()


def test_the_embedded_and_the_fallback_font_give_the_same_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not attachments.TRUETYPE_FONT.is_file():
        missing(
            f"{attachments.TRUETYPE_FONT} not installed (fonts-wqy-microhei)",
            required=f"{attachments.TRUETYPE_FONT} is missing: `make install` installs it",
        )
    embedded = _rendered(monkeypatch, truetype=True)
    fallback = _rendered(monkeypatch, truetype=False)
    assert all(b"/FontFile2" in pdf for pdf in embedded)  # a TrueType program inside
    assert not any(b"/FontFile" in pdf for pdf in fallback)  # the reader substitutes one
    assert [extract_pdf(p).text for p in embedded] == [extract_pdf(p).text for p in fallback]
