"""Archived originals: the response body read back from its WARC record, served inertly.

The body is served with the content type it was archived with; the route's CSP
(security.ORIGINAL_CSP) forbids scripts, and every fetch but inline `data:` images, so
a hostile page shows as it was and can neither run nor call home.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from service.web.errors import BadRequest, NotFound, Unavailable
from storage import query
from storage.warc import ArchiveCorrupt, read_response

_UUID = re.compile(r"^(?:<?urn:uuid:)?([0-9a-fA-F-]{36})>?$")


def record_id(text: str) -> str:
    """`urn:uuid:…`, `<urn:uuid:…>` or a bare UUID → the WARC-Record-ID as stored."""
    match = _UUID.match(text.strip())
    if not match:
        raise BadRequest(f"bad WARC record id {text[:80]!r}: expected urn:uuid:<uuid>")
    return f"<urn:uuid:{match.group(1).lower()}>"


def original_link(warc_record_id: str, *, inline: bool = False) -> str:
    """The URL of a capture's original (the inline view, or the API's attachment)."""
    rid = quote(warc_record_id.strip("<>"), safe=":")
    return f"/captures/{rid}/original" if inline else f"/api/captures/{rid}/original"


def is_html(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in (
        "text/html",
        "application/xhtml+xml",
    )


def original_response(
    session: Session, request: Request, warc_record_id: str, *, attachment: bool
) -> Response:
    """The archived body of capture `warc_record_id`, with its original content type."""
    rid = record_id(warc_record_id)
    try:
        cap = query.capture_info(session, rid)
    except query.NotFound as exc:
        raise NotFound(str(exc)) from exc
    archive_dir: Path | None = request.app.state.archive_dir
    path = archive_dir / Path(cap.warc_file).name if archive_dir else Path(cap.warc_path)
    try:
        stored = read_response(path, cap.warc_offset)
    except ArchiveCorrupt as exc:
        raise Unavailable(f"the archived original of {rid} cannot be read: {exc}") from exc
    content_type = stored.header("Content-Type") or cap.content_type or "application/octet-stream"
    name = Path(cap.final_url.split("?", 1)[0]).name or "original"
    disposition = "attachment" if attachment else "inline"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
        "X-Archived-URL": quote(cap.final_url, safe=":/?&=%#"),
        "X-Archived-At": cap.fetched_at or "",
        "X-WARC-Record-ID": rid,
        "Cache-Control": "private, max-age=3600",
    }
    return Response(stored.body, media_type=None, headers={**headers, "Content-Type": content_type})
