"""The simulator's forward proxy over real TCP on loopback."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.request

from sim import SimWeb, serve_in_thread


def test_proxy_answers_absolute_and_origin_form_requests_with_keep_alive() -> None:
    web = SimWeb(sites=5, seed=3)
    host = web.configs[0].host
    with serve_in_thread(web, port=0) as server:
        assert server.proxy_url == f"http://127.0.0.1:{server.port}"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", f"http://{host}/")  # what a client sends to a proxy
        first = conn.getresponse()
        body = first.read()
        assert first.status == 200 and body == web.respond("GET", f"http://{host}/", {})[2]
        sock = conn.sock
        conn.request("GET", "/robots.txt", headers={"Host": host})  # origin form, same socket
        second = conn.getresponse()
        second.read()
        assert second.status in (200, 404) and conn.sock is sock
        conn.request("HEAD", f"http://{host}/")
        head = conn.getresponse()
        assert head.read() == b"" and int(head.headers["Content-Length"]) == len(body)
        conn.close()
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": server.proxy_url})
        )
        with opener.open(f"http://{host}/", timeout=10) as resp:
            assert resp.read() == body


def _fetch(port: int, url: str) -> str:
    """One request on a fresh connection; returns how it went."""
    start = time.monotonic()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", url)
        resp = conn.getresponse()
        resp.read()
        conn.close()
    except http.client.IncompleteRead:
        return "truncate"
    except (TimeoutError, ConnectionError, http.client.RemoteDisconnected):
        return "reset"
    if resp.status == 500:
        return "500"
    return "slow" if time.monotonic() - start > 0.2 else "ok"


def test_faults_appear_at_roughly_the_configured_rate() -> None:
    web = SimWeb(sites=3, seed=5, faults=0.2, slow_seconds=0.3)
    url = f"http://{web.configs[0].host}/"
    with serve_in_thread(web, port=0) as server:
        outcomes = [_fetch(server.port, url) for _ in range(400)]
    counts = {k: outcomes.count(k) for k in ("ok", "500", "slow", "truncate", "reset")}
    rate = 1 - counts["ok"] / len(outcomes)
    assert 0.13 < rate < 0.27, counts
    assert all(counts[k] > 0 for k in ("500", "slow", "truncate", "reset")), counts


def test_malformed_requests_get_400_and_the_server_keeps_serving() -> None:
    web = SimWeb(sites=2, seed=5)
    with serve_in_thread(web, port=0) as server:
        for raw in (b"NONSENSE\r\n\r\n", b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                sock.sendall(raw)
                assert sock.recv(100).startswith(b"HTTP/1.1 400")
        assert _fetch(server.port, f"http://{web.configs[0].host}/") == "ok"


def test_no_faults_by_default() -> None:
    web = SimWeb(sites=2, seed=5)
    url = f"http://{web.configs[0].host}/"
    with serve_in_thread(web, port=0) as server:
        assert {_fetch(server.port, url) for _ in range(50)} == {"ok"}


def test_a_busy_port_is_a_clear_error() -> None:
    web = SimWeb(sites=1, seed=1)
    with serve_in_thread(web, port=0) as server:
        try:
            serve_in_thread(web, port=server.port)
        except RuntimeError as exc:
            assert str(server.port) in str(exc)
        else:
            raise AssertionError("a second server on the same port should fail")
