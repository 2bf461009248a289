"""The web pages as a researcher uses them, in headless Chromium from Debian's packages
(`chromium`, `chromium-driver`, installed by `make`; Selenium is given both paths and never
downloads a browser or a driver).

Search for a two-character word, apply a facet, open a report, read a table cell and its
provenance, open the archived original and prove that its scripts did not run and that no
request left for the original site. Screenshots are saved in the test's tmp directory.
"""

from __future__ import annotations

import json
import shutil
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.required import missing
from tests.web_archive import HOSTILE_HOST, MARKER, WebArchive, serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
WORD = "复议"  # two characters: the kind of word a bigram index must find


@dataclass
class Outside:
    """A proxy that answers nothing and remembers every request sent to it: Chromium's
    --proxy-server, so any request for a host other than loopback lands here."""

    port: int = 0
    seen: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def outside() -> Iterator[Outside]:
    record = Outside()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            record.seen.append(f"{self.command} {self.path}")
            self.send_error(403)

        do_POST = do_HEAD = do_CONNECT = do_GET

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield record
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(outside: Outside, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        missing("Debian's chromium and chromium-driver are not installed (make installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # root in CI; what is tested is the page's sandbox (iframe, CSP)
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
        "--lang=zh-CN",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        f"--proxy-server=http://127.0.0.1:{outside.port}",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(web_archive: WebArchive) -> Iterator[str]:
    with serving("--db", web_archive.db_url) as base:
        yield base


def api(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def network(driver: Any) -> dict[str, str]:
    """URL → what became of it (`blocked:<reason>`, `failed`, `answered`), for every request
    Chromium started since the last call (its DevTools performance log)."""
    urls: dict[str, str] = {}
    fate: dict[str, str] = {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        method = message.get("method")
        if method == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif method == "Network.responseReceived":
            fate[params["requestId"]] = "answered"
        elif method == "Network.loadingFailed":
            reason = params.get("blockedReason")
            fate[params["requestId"]] = f"blocked:{reason}" if reason else "failed"
    return {url: fate.get(rid, "pending") for rid, url in urls.items()}


def _navigate(browser: Any, action: Callable[[], None]) -> None:
    """Run `action` (a submit or a click that opens another page) and wait until the new page
    has replaced the old one: WebDriver may return before the navigation it starts, and the
    old page's URL was then read under load (the suite's full run)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(By.TAG_NAME, "html")
    action()
    wait = WebDriverWait(browser, 60)
    wait.until(expected_conditions.staleness_of(old))
    wait.until(lambda b: b.execute_script("return document.readyState") == "complete")


def test_search_facet_report_cell_provenance_and_inert_original(
    browser: Any, site: str, web_archive: WebArchive, outside: Outside, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    shots = tmp_path / "screenshots"
    shots.mkdir()
    browser.get(site + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys(WORD)
    _navigate(browser, box.submit)
    assert parse_qs(urlsplit(browser.current_url).query)["q"] == [WORD]
    marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, ".snippet mark")]
    assert marks and all(m == WORD for m in marks)
    total = int(browser.find_element(By.ID, "total").text)
    assert total == api(f"{site}/api/reports?q={quote(WORD)}")["total"] > 0
    browser.save_screenshot(str(shots / "1-search.png"))

    # A facet: reports with a failed accounting identity, within the search.
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "applications.flow")
    facet_count = int(link.find_element(By.XPATH, "..").text.rsplit("(", 1)[1].rstrip(")"))
    _navigate(browser, link.click)
    query = parse_qs(urlsplit(browser.current_url).query)
    assert query["failed_check"] == ["applications.flow"] and query["q"] == [WORD]
    assert int(browser.find_element(By.ID, "total").text) == facet_count < total
    browser.save_screenshot(str(shots / "2-facet.png"))

    # Open the first report; read a failed (highlighted) cell and compare it with the API.
    _navigate(browser, browser.find_element(By.CSS_SELECTOR, ".result a.title").click)
    doc_id = urlsplit(browser.current_url).path.rsplit("/", 1)[1]
    detail = api(f"{site}/api/reports/{doc_id}")
    cells = {c["name"]: c["value"] for c in api(f"{site}/api/reports/{doc_id}/cells")["cells"]}
    failed = browser.find_elements(By.CSS_SELECTOR, "td.failed")
    assert failed and browser.find_elements(By.CSS_SELECTOR, "#failed-checks li")
    cell = failed[0]
    name = cell.get_attribute("data-cell")
    assert cell.text == ("" if cells[name] is None else str(cells[name]))
    assert "applications.flow" in cell.get_attribute("title")
    source = detail["record"]["source"]
    assert browser.find_element(By.ID, "warc-record-id").text == source["warc_record_id"]
    assert browser.find_element(By.ID, "source-url").text == source["final_url"]
    assert doc_id in browser.find_element(By.ID, "citation").text
    browser.save_screenshot(str(shots / "3-report.png"))

    # The hostile original, inside the report page's sandboxed iframe.
    network(browser)  # start the network log afresh
    browser.get(f"{site}/reports/{web_archive.hostile_doc_id}")
    frame = browser.find_element(By.ID, "original-frame")
    assert frame.get_attribute("sandbox") == ""
    browser.switch_to.frame(frame)
    text = browser.find_element(By.TAG_NAME, "body").text
    assert MARKER in text and "SCRIPT RAN" not in text and "ONLOAD RAN" not in text
    browser.switch_to.default_content()
    frame.screenshot(str(shots / "4-original-in-frame.png"))
    # … and opened on its own, where only the route's CSP stands between it and the browser.
    browser.get(site + frame.get_attribute("src").split(site, 1)[-1])
    assert browser.title != "PWNED"
    text = browser.find_element(By.TAG_NAME, "body").text
    assert MARKER in text and "SCRIPT RAN" not in text and "ONLOAD RAN" not in text
    browser.save_screenshot(str(shots / "5-original-alone.png"))
    requests = network(browser)
    outbound = {u: f for u, f in requests.items() if urlsplit(u).hostname != "127.0.0.1"}
    assert outbound, "the hostile page asks for its own site's image and stylesheet"
    assert all(f == "blocked:csp" for f in outbound.values()), outbound
    assert all(HOSTILE_HOST in u for u in outbound)
    assert not [r for r in outside.seen if HOSTILE_HOST in r], outside.seen
    refused = [
        e["message"]
        for e in browser.get_log("browser")
        if "Content Security Policy" in e["message"]
    ]
    assert refused, "the archived page's script should have been refused by the CSP"
    print("\nscreenshots:", shots)
