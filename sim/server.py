"""The simulator's HTTP/1.1 server: a forward proxy on 127.0.0.1 for the simulated hosts.

It answers absolute-URI requests (`GET http://www.x.gov.cn/path HTTP/1.1`, what a client sends
to an HTTP proxy) and origin-form requests dispatched by the `Host` header. Keep-alive is on
by default; every read is bounded in size and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Self
from urllib.parse import urlsplit

from sim.web import SimWeb

MAX_HEADER = 64 * 1024
MAX_BODY = 1 << 20
IDLE_TIMEOUT = 30.0
MAX_REQUESTS_PER_CONNECTION = 100_000


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _head(status: int, headers: list[tuple[str, str]], length: int, keep: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {_reason(status)}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in ("content-length", "connection")]
    lines.append(f"Content-Length: {length}")
    lines.append("Connection: keep-alive" if keep else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# (monotonic time the request line was read, host, method): what a politeness test inspects.
RequestLog = list[tuple[float, str, str]]


async def _handle(
    web: SimWeb,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    log: RequestLog | None = None,
) -> None:
    try:
        for _ in range(MAX_REQUESTS_PER_CONNECTION):
            try:
                raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                return
            lines = raw.decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                writer.write(_head(400, [], 0, False))
                return
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if ":" in line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            if log is not None:
                host = urlsplit(target).hostname or headers.get("host", "").split(":")[0]
                log.append((time.monotonic(), host, method))
            body = b""
            try:
                length = int(headers.get("content-length", "0") or 0)
            except ValueError:
                length = -1
            if length < 0:
                writer.write(_head(400, [], 0, False))
                return
            if length > MAX_BODY:
                writer.write(_head(413, [], 0, False))
                return
            if length:
                body = await asyncio.wait_for(reader.readexactly(length), IDLE_TIMEOUT)
            conn = headers.get("connection", "").lower()
            keep = "keep-alive" in conn if version == "HTTP/1.0" else "close" not in conn
            if method == "CONNECT":
                writer.write(_head(501, [("Content-Type", "text/plain")], 0, False))
                return
            fault = web.choose_fault()
            if fault == "reset":
                _reset(writer)
                return
            if fault == "500":
                status, hdrs, payload = (
                    500,
                    [("Content-Type", "text/plain")],
                    b"sim: injected fault",
                )
            else:
                # HEAD gets the GET headers (Content-Length included) without the body.
                verb = "GET" if method == "HEAD" else method
                try:
                    status, hdrs, payload = web.respond(verb, target, headers, body)
                except Exception as exc:  # noqa: BLE001 - a sim bug must not look like a network fault
                    status, hdrs = 500, [("Content-Type", "text/plain"), ("X-Sim", "error")]
                    payload = f"sim: internal error: {exc!r}".encode()
            if fault == "slow":
                await asyncio.sleep(web.slow_seconds)
            if method == "HEAD":
                writer.write(_head(status, hdrs, len(payload), keep))
            elif fault == "truncate" and payload:
                writer.write(
                    _head(status, hdrs, len(payload), False) + payload[: len(payload) // 2]
                )
                await writer.drain()
                return
            else:
                writer.write(_head(status, hdrs, len(payload), keep) + payload)
            await writer.drain()
            if not keep:
                return
    except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
        return
    finally:
        with contextlib.suppress(Exception):
            writer.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0) rather than a clean FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def start(
    web: SimWeb, port: int = 0, host: str = "127.0.0.1", log: RequestLog | None = None
) -> asyncio.Server:
    return await asyncio.start_server(
        lambda r, w: _handle(web, r, w, log), host, port, limit=MAX_HEADER, reuse_address=True
    )


def serve_forever(
    web: SimWeb, port: int, host: str = "127.0.0.1", ready: Callable[[int], None] | None = None
) -> None:
    """Serve until the process is stopped; `ready(port)` is called once listening."""

    async def main() -> None:
        server = await start(web, port, host)
        if ready:
            ready(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class ServerHandle:
    """A server running in a background thread; use as a context manager.

    `requests` logs every request received: (time.monotonic(), host, method).
    """

    def __init__(self, web: SimWeb, port: int = 0) -> None:
        self.web = web
        self.requests: RequestLog = []
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(port,), daemon=True, name="sim-proxy"
        )
        self._thread.start()
        if not self._started.wait(10) or self._error:
            raise RuntimeError(f"sim: the proxy could not start on port {port}: {self._error}")
        assert self._server is not None
        self.port: int = self._server.sockets[0].getsockname()[1]

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, port: int) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(start(self.web, port, log=self.requests))
        except OSError as exc:
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        # Stop accepting, cancel the open connections, then close the loop cleanly.
        self._server.close()
        tasks = asyncio.all_tasks(self._loop)
        for task in tasks:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self._loop.run_until_complete(self._server.wait_closed())
        self._loop.close()

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_in_thread(web: SimWeb, port: int = 0) -> ServerHandle:
    """Start the proxy on 127.0.0.1:`port` (0 picks a free port) in a daemon thread."""
    return ServerHandle(web, port)
