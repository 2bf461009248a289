"""Anti-bot walls as real portals serve them (issue 16): nothing behind them is reachable.

- `412`: a 瑞数-style script challenge, HTTP 412 with `$_ts` and an obfuscated script.
- `jsl`: a 加速乐 `__jsl_clearance` cookie challenge served with HTTP 200.
- `521`: the same cookie challenge with HTTP 521.
"""

from __future__ import annotations

from sim.rng import stable_hex

Response = tuple[int, list[tuple[str, str]], bytes]


def _jsl(host: str, path: str) -> str:
    token = stable_hex("jsl", host, path, length=24)
    return (
        "<html><script>document.cookie=('__jsl_clearance=1764480000.123|0|"
        f"{token}%3D')+';max-age=3600;path=/';"
        "location.href=location.pathname+location.search</script></html>"
    )


def response(kind: str, host: str, path: str) -> Response:
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Server", "WAF")]
    if kind == "412":
        meta = stable_hex("rs", host, length=22)
        body = (
            '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" '
            f'content="text/html; charset=utf-8"><meta id="{meta}" content="{meta * 3}">'
            "<script type=\"text/javascript\">$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};"
            f'$_ts.nsd=84312;$_ts.cd="{meta}qqqAcAkr";</script>'
            f'<script type="text/javascript" charset="utf-8" src="/{meta[:12]}/{meta[12:]}.js">'
            "</script></head><body></body></html>"
        )
        return 412, headers, body.encode()
    cookie = [("Set-Cookie", f"__jsluid_h={stable_hex('jsluid', host, length=32)}; path=/")]
    status = 200 if kind == "jsl" else 521
    return status, headers + cookie, _jsl(host, path).encode()
