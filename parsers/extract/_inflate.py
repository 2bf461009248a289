"""Counting what compressed data inflates to, a megabyte at a time, without keeping it.

Containers (PDF streams, DOCX parts) declare sizes they need not honour: a 1 MB file can
inflate to gigabytes. Inflating in bounded steps and discarding the output measures the
real size in constant memory, before any reader inflates it whole.
"""

from __future__ import annotations

import zlib

_STEP = 1024 * 1024  # most output one decompress call may produce
_CHUNK = 64 * 1024  # compressed bytes fed per call


def inflated_size(
    data: bytes,
    start: int,
    limit: int,
    *,
    end: int | None = None,
    layers: int = 1,
    wbits: int = zlib.MAX_WBITS,
) -> int:
    """Bytes `data[start:end]` inflates to through `layers` nested deflate filters, counting
    stops soon after `limit` is passed. Damaged data counts what inflated before the damage
    (the readers then decide on it)."""
    stop = len(data) if end is None else min(end, len(data))
    inflaters = [
        zlib.decompressobj(wbits if level == 0 else zlib.MAX_WBITS) for level in range(layers)
    ]
    size = 0

    def feed(level: int, piece: bytes) -> None:
        nonlocal size
        inflater = inflaters[level]
        while piece and not inflater.eof and size <= limit:
            out = inflater.decompress(piece, _STEP)
            piece = inflater.unconsumed_tail
            if level + 1 == layers:
                size += len(out)
            elif out:
                feed(level + 1, out)

    position = start
    try:
        while position < stop and not inflaters[0].eof and size <= limit:
            feed(0, data[position : min(position + _CHUNK, stop)])
            position += _CHUNK
    except zlib.error:
        pass
    return size
