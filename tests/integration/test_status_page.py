# SPDX-License-Identifier: Apache-2.0
"""The web status page (issue 14 item 1), driven in headless Chromium (Debian's chromium)
against a lab: served by sluiced at / on its TCP listener (and the unix socket), made of the
project's own files only; the VIP and its backends appear with their state and health; a
backend whose nginx is stopped turns down on the page; the connection rate moves while curl
runs; without `public: [page]` the page wants the token as the API does. Screenshots are
kept in build/test-output/."""

import re
import shutil
import subprocess
import threading
import time
from html.parser import HTMLParser

import pytest

from conftest import BUILD, VIP, api, http_many, wait_down, wait_http

SERVICE = f"{VIP}:80/tcp"
URL = "http://127.0.0.1:9180/"
OUT = BUILD / "test-output"


@pytest.fixture(autouse=True)
def need_chromium():
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (scripts/deps installs it)")


def chromium(lb, tmp_path, *args, budget_ms=4000):
    """Run headless Chromium in the balancer's namespace (where the listener is)."""
    argv = ["ip", "netns", "exec", lb.ns("lb"), "chromium", "--headless", "--no-sandbox",
            "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1200,1000",
            f"--virtual-time-budget={budget_ms}", *args]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout


def dom(lb, tmp_path, url=URL, budget_ms=4000):
    return chromium(lb, tmp_path, "--dump-dom", url, budget_ms=budget_ms)


def screenshot(lb, tmp_path, name, url=URL, budget_ms=4000):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    chromium(lb, tmp_path, f"--screenshot={path}", url, budget_ms=budget_ms)
    assert path.exists() and path.stat().st_size > 10000, path
    return path


class Rows(HTMLParser):
    """The backends' rows (data-backend, data-state) and a few ids' text."""

    def __init__(self):
        super().__init__()
        self.backends, self.weights, self.vips = {}, {}, []
        self.text, self._id = {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-backend" in a:
            self.backends[a["data-backend"]] = a.get("data-state")
            self.weights[a["data-backend"]] = a.get("data-weight")
        if "data-vip" in a:
            self.vips.append(a["data-vip"])
        self._id = a.get("id")

    def handle_data(self, data):
        if self._id:
            self.text[self._id] = self.text.get(self._id, "") + data


def parse(html):
    r = Rows()
    r.feed(html)
    return r


def si(v):
    m = re.match(r"^([\d.]+)([kMG]?)$", v.strip())
    assert m, v
    return float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]


def test_status_page(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    conf = lb.sluiced_config(listen="127.0.0.1:9180", public=["page"]).replace(
        "    backends:", "    health_check: {type: http, interval: 500ms, timeout: 400ms, rise: 1, fall: 1}\n"
        "    backends:", 1)
    d = sluiced(lb, conf)
    wait_http(lb, d)

    # the page's own files, from sluiced, nothing from elsewhere
    head = lb.run("lb", ["curl", "-sS", "-D", "-", "-o", "/dev/null", URL]).stdout
    assert "Content-Type: text/html" in head and "default-src 'self'" in head, head
    for f in ("ui/app.js", "ui/style.css"):
        assert lb.run("lb", ["curl", "-sSf", "-o", "/dev/null", URL + f]).returncode == 0
    html = lb.run("lb", ["curl", "-sS", URL]).stdout
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "the page loads from elsewhere"
    # the unix socket serves it too
    st, _ = api(d, "GET", "/v1/services")
    assert st == 200

    page = parse(dom(lb, tmp_path))
    assert page.vips == [SERVICE], page.vips
    assert page.backends == {"10.0.2.11:8080": "up", "10.0.2.12:8080": "up"}, page.backends
    assert "up " in page.text.get("node", ""), page.text
    screenshot(lb, tmp_path, "status-page.png")

    # a backend whose nginx stops turns down on the page
    lb.stop_server(2)
    wait_down(d, SERVICE, "10.0.2.12")
    page = parse(dom(lb, tmp_path))
    assert page.backends == {"10.0.2.11:8080": "up", "10.0.2.12:8080": "down"}, page.backends
    screenshot(lb, tmp_path, "status-page-backend-down.png")

    # the rates move while curl runs (the daemon's rates, read by the page every second)
    idle = si(page.text["node-cps"])
    stop = threading.Event()

    def load():
        while not stop.is_set():
            http_many(lb, 20)

    t = threading.Thread(target=load)
    t.start()
    try:
        time.sleep(3)
        busy = parse(dom(lb, tmp_path))
        # ten seconds of the page's polling: its plots draw the load's rates
        screenshot(lb, tmp_path, "status-page-under-load.png", budget_ms=10000)
    finally:
        stop.set()
        t.join(timeout=30)
    assert si(busy.text["node-cps"]) > max(idle, 1), (idle, busy.text["node-cps"])


def test_page_wants_the_token_unless_public(make_lab, sluiced, tmp_path):
    """Without `public: [page]` the page is the API's like the rest: a 401 without the token,
    the page with it."""
    lb = make_lab(backends=2)
    sluiced(lb, lb.sluiced_config(listen="127.0.0.1:9180", public=["metrics"]))
    code = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"]
    assert lb.run("lb", code + [URL]).stdout == "401"
    assert lb.run("lb", code + [URL + "ui/app.js"]).stdout == "401"
    auth = ["-H", f"Authorization: Bearer {lb.api_token()}"]
    assert lb.run("lb", code + auth + [URL]).stdout == "200"
