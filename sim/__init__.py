"""A deterministic simulated county-government web, served on loopback, with an answer key.

from sim import SimWeb, serve_in_thread
web = SimWeb(sites=50, seed=1, epoch=0, faults=0.0)
status, headers, body = web.respond("GET", "http://www.qjfy.gov.cn/", {})
with serve_in_thread(web, port=0) as server:
    server.proxy_url   # "http://127.0.0.1:PORT", an HTTP forward proxy
"""

from __future__ import annotations

from sim.server import ServerHandle, serve_in_thread
from sim.web import SimWeb

__all__ = ["ServerHandle", "SimWeb", "serve_in_thread"]
