"""Every error as a 4xx/5xx with a one-line message: JSON under /api, a page elsewhere.

No traceback ever reaches a client; an unexpected exception is logged and answered with a
plain 500 message.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("gov_reports.serve")

TITLES = {
    400: "请求有误 Bad request",
    404: "未找到 Not found",
    405: "不允许的方法 Method not allowed",
    500: "服务器错误 Server error",
    503: "暂不可用 Unavailable",
}


class BadRequest(StarletteHTTPException):
    """A query the archive cannot answer (unknown filter, malformed query, over the cap)."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


class NotFound(StarletteHTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(404, detail)


class Unavailable(StarletteHTTPException):
    """Something the archive points to cannot be read (a WARC file moved or damaged)."""

    def __init__(self, detail: str) -> None:
        super().__init__(503, detail)


def error_response(request: Request, status: int, detail: str) -> Response:
    """JSON for the API (and for clients that ask for JSON), an HTML page for people."""
    wants_json = request.url.path.startswith("/api") or "text/html" not in request.headers.get(
        "accept", ""
    )
    headers = {"Allow": "GET, HEAD"} if status == 405 else None
    if wants_json:
        body = {"error": TITLES.get(status, "error").split(" ", 1)[-1].lower(), "detail": detail}
        return JSONResponse(body, status_code=status, headers=headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, "错误 Error"), "detail": detail},
        status_code=status,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no page at {request.url.path}"
        return error_response(request, exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def bad_params(request: Request, exc: RequestValidationError) -> Response:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "query")
        return error_response(request, 400, f"bad parameter {where!r}: {first.get('msg', '')}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error_response(request, 500, "internal error; the server log has the details")
