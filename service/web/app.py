"""The read-only web application: a JSON API under /api and server-rendered pages.

`create_app(sessions, archive_dir)` takes a session factory that cannot write
(storage.db.open_readonly); every route calls storage.query functions and nothing else.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from service.web import errors
from service.web.security import SecurityHeaders

HERE = Path(__file__).resolve().parent
API_DESCRIPTION = (
    "Read-only access to the archive of Chinese government information-disclosure annual "
    "reports (政府信息公开工作年度报告): search, filter, one report with its versions, captures "
    "and checks, coverage, exports. Only GET and HEAD are answered."
)


def create_app(
    sessions: sessionmaker[Session],
    archive_dir: str | Path | None = None,
    threads: int | None = None,
) -> FastAPI:
    """The application over `sessions`; `archive_dir` overrides where WARC files are found;
    `threads` caps the requests handled at once (None: anyio's default of 40)."""
    from service.web import api, pages

    app = FastAPI(
        lifespan=thread_cap(threads) if threads else None,
        title="gov-reports archive",
        description=API_DESCRIPTION,
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI needs scripts from a CDN; /api/docs is rendered here
        redoc_url=None,
    )
    app.state.sessions = sessions
    app.state.archive_dir = Path(archive_dir) if archive_dir else None
    app.state.templates = templates()
    errors.install(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(SecurityHeaders)
    return app


def thread_cap(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that lets at most `threads` threads run the routes of this process.

    Every route is synchronous (SQLAlchemy, Jinja2), so FastAPI runs it in anyio's thread
    pool, 40 threads by default. The work is CPU-bound Python: the GIL lets one thread run
    at a time whatever the pool's size, and with several requests in flight the threads hand
    the GIL to each other at every row SQLite returns. Measured at 8 clients on 2 workers
    (docs/benchmarks.md, "One request at a time"): 40 threads cost ~25 % more CPU a search
    than one and doubled the p95 latency; requests waiting their turn in order do better.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        # The limiter belongs to this event loop: set it in the loop that serves requests.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    return lifespan


# `serve --workers N` hands each worker process the database, archive directory and thread
# cap here.
DB_ENV, ARCHIVE_ENV = "GOV_REPORTS_SERVE_DB", "GOV_REPORTS_SERVE_ARCHIVE"
THREADS_ENV = "GOV_REPORTS_SERVE_THREADS"


def app_from_env() -> FastAPI:
    """The application over the database named in DB_ENV (opened read-only), for uvicorn's
    worker processes, which import the app by name (`serve --workers N`)."""
    from storage.db import open_readonly

    sessions = open_readonly(os.environ.get(DB_ENV) or None)
    threads = int(os.environ.get(THREADS_ENV) or 0) or None
    return create_app(sessions, os.environ.get(ARCHIVE_ENV) or None, threads)


def templates() -> Jinja2Templates:
    """Jinja2 with autoescaping on for every template: archived text is hostile input."""
    from service.web.archive import original_link
    from service.web.layout import highlight, show_value

    tpl = Jinja2Templates(directory=HERE / "templates")
    tpl.env.autoescape = True
    tpl.env.filters["cell"] = show_value
    tpl.env.filters["highlight"] = highlight
    tpl.env.filters["original_link"] = original_link
    return tpl


def get_session(request: Request) -> Iterator[Session]:
    """One read-only session per request."""
    with request.app.state.sessions() as session:
        yield session


def archive_dir(request: Request) -> Any:
    return request.app.state.archive_dir
