"""Headers on every response, and the one rule that keeps the server read-only at the door:
only GET and HEAD are answered (anything else is a 405 before any route runs).

Pure ASGI middleware, so streamed exports pass through unbuffered.
"""

from __future__ import annotations

import json
from typing import Any

# Our own pages: no script at all, styles and images from this origin only, frames only from
# this origin (the inert original), forms only to this origin.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# An archived original: hostile markup shown as it was, with nothing able to run or leave.
ORIGINAL_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
ORIGINAL_PREFIXES = ("/captures/", "/api/captures/")
ALLOWED_METHODS = ("GET", "HEAD")

COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


class SecurityHeaders:
    """Adds CSP and friends to every response; refuses every method but GET/HEAD with 405."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        original = path.startswith(ORIGINAL_PREFIXES) and path.endswith("/original")
        csp = (ORIGINAL_CSP if original else PAGE_CSP).encode()

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {b"content-security-policy", b"x-frame-options"}
                ]
                headers.append((b"content-security-policy", csp))
                headers.append((b"x-frame-options", b"SAMEORIGIN" if original else b"DENY"))
                headers.extend(COMMON_HEADERS)
                message = {**message, "headers": headers}
            await send(message)

        if scope["method"] not in ALLOWED_METHODS:
            await _method_not_allowed(scope, send_with_headers)
            return
        if scope["method"] == "HEAD":  # answered as GET without the body
            await self.app({**scope, "method": "GET"}, receive, _headers_only(send_with_headers))
            return
        await self.app(scope, receive, send_with_headers)


def _headers_only(send: Any) -> Any:
    done = False

    async def send_head(message: dict[str, Any]) -> None:
        nonlocal done
        if message["type"] == "http.response.start":
            await send(message)
        elif not done:
            done = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    return send_head


async def _method_not_allowed(scope: dict[str, Any], send: Any) -> None:
    body = json.dumps(
        {
            "error": "method not allowed",
            "detail": f"{scope['method']} is refused: this server is read-only (GET and HEAD only)",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 405,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"allow", b"GET, HEAD"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
