"""Document identity: the exact-copy key (SHA-256 of the text) and a near-duplicate fingerprint."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from itertools import repeat

import numpy as np

# A feature is a run of two or more word characters other than "_": the pieces left when the
# text is split at spaces, punctuation and "_". The runs of word characters ("_" included) are
# found in one pass and split at "_" after, in the rare text that has one: the engine tests
# `\w` faster than `[^\W_]`, which it checks as a class, character by character. (Written
# `\w\w+`, not `\w{2,}`: the same runs, but a pattern that begins with a class, not a
# repeat, is searched for by testing the class alone until a character passes, without a
# match attempt at each character that does not.)
_WORD_RUN = re.compile(r"\w\w+")
_SECOND_SEED = 0x9E3779B9


def text_digest(text: str) -> tuple[str, str]:
    """Return (text_sha256, doc_id) for extracted text: SHA-256 of its NFC UTF-8 bytes."""
    return nfc_text_digest(unicodedata.normalize("NFC", text))


def nfc_text_digest(nfc: str) -> tuple[str, str]:
    """`text_digest` of a text already in NFC (the caller normalized it once for this and
    for `normalize`: the check that a text is in NFC is a pass over it)."""
    digest = hashlib.sha256(nfc.encode("utf-8")).hexdigest()
    return digest, digest[:16]


def simhash64(text: str) -> str | None:
    """64-bit SimHash over the text's distinct clauses, as 16 hex digits.

    Clauses are the runs between punctuation and spaces, so features are content-defined: a
    mirror that swaps a name changes only the clauses holding it and stays within a few bits of
    the original, and near-duplicates group by Hamming distance. Returns None for texts too
    short to say anything.
    """
    features = set(_WORD_RUN.findall(text))
    if "_" in text:
        features = {piece for run in features for piece in run.split("_") if len(piece) >= 2}
    if len(features) < 8:
        return None
    # Two CRC32s with different seeds make one 64-bit feature hash (the first the high half);
    # zlib keeps it fast, and map() keeps the loop in C. The second is derived from the first:
    # a CRC is affine in its start value, so crc32(b, seed) = crc32(b) ^ _SEED_SHIFTS[len(b)].
    encoded = list(map(str.encode, features))
    n = len(encoded)
    high = np.fromiter(map(zlib.crc32, encoded), np.uint64, n)
    lengths = np.fromiter(map(len, encoded), np.intp, n)
    if lengths.max() < len(_SEED_SHIFTS):
        low = high ^ _SEED_SHIFTS[lengths]
    else:  # a feature longer than the table: each computed with its seed
        low = np.fromiter(map(zlib.crc32, encoded, repeat(_SECOND_SEED)), np.uint64, n)
    hashes = (high << np.uint64(32)) | low
    # Count, for each of the 64 bits, how many features set it (big-endian bit order).
    bits = np.unpackbits(hashes.astype(">u8").view(np.uint8).reshape(-1, 8), axis=1)
    ones = np.add.reduce(bits, axis=0, dtype=np.uint32)  # (sum() would count in 64 bits)
    return np.packbits(ones * 2 > len(hashes)).tobytes().hex()


def _seed_shifts(count: int) -> np.ndarray:
    """crc32(zeros(k), seed) ^ crc32(zeros(k)) for k < count, one zero byte at a time."""
    seeded, plain, shifts = _SECOND_SEED, 0, []
    for _ in range(count):
        shifts.append(seeded ^ plain)
        seeded, plain = zlib.crc32(b"\0", seeded), zlib.crc32(b"\0", plain)
    return np.array(shifts, np.uint64)


# Features are clauses: a few hundred bytes at most but for run-on text, computed directly.
_SEED_SHIFTS = _seed_shifts(1024)


def hamming(a: str, b: str) -> int:
    """Bits that differ between two fingerprints; ≤ 3 of 64 means near-duplicate."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
