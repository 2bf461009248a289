"""Exact-copy key and near-duplicate fingerprint."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from parsers.fingerprint import hamming, simhash64, text_digest

SEED = Path(__file__).parent / "fixtures" / "golden" / "seed_000_6042ec2c999cb952" / "input.txt"


def test_digest_is_sha256_of_nfc_text() -> None:
    text = unicodedata.normalize("NFD", "统计tǒng")
    digest, doc_id = text_digest(text)
    assert digest == text_digest(unicodedata.normalize("NFC", text))[0]
    assert doc_id == digest[:16] and len(digest) == 64


def test_a_mirror_that_swaps_the_name_is_a_near_duplicate() -> None:
    original = SEED.read_text("utf-8")
    mirror = original.replace("富源县人民政府", "开云手机官网入口·(中国)官方网站")
    other = (SEED.parent.parent / "seed_003_38967d40d03fbadc" / "input.txt").read_text("utf-8")
    fp, fp_mirror, fp_other = simhash64(original), simhash64(mirror), simhash64(other)
    assert fp and fp_mirror and fp_other
    assert hamming(fp, fp_mirror) <= 6
    assert hamming(fp, fp_other) > 12


def test_short_text_has_no_fingerprint() -> None:
    assert simhash64("年报") is None


def test_a_traditional_script_mirror_groups_with_its_source() -> None:
    import opencc

    from parsers import parse_bytes

    original = SEED.read_text("utf-8")
    mirror = opencc.OpenCC("s2t").convert(original).replace("統計", "統(tǒng)計")
    record = parse_bytes(original.encode(), "a.txt")
    copy = parse_bytes(mirror.encode(), "b.txt")
    assert copy["script"] == "traditional"
    assert copy["text_sha256"] != record["text_sha256"]
    assert hamming(record["simhash"], copy["simhash"]) <= 3
