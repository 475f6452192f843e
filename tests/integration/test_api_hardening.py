# SPDX-License-Identifier: Apache-2.0
"""The API under bad input and abuse (issue 8, item 11).

- A NUL or other control character in a path is a 404: `.../tcp%00/backends/ADDR` used to be
  cut at the NUL, and its DELETE removed the whole service.
- 100 connections trickling bytes on the unix socket do not lock sluicectl out; each is cut
  once it has held on for 10 s without a whole request, and counted.
- On the TCP listener, a write with a foreign Origin or a body that is not JSON is refused,
  so a web page cannot change the node.
"""

import socket
import subprocess
import threading
import time

from conftest import SLUICECTL, VIP, api, lab, wait_http

SVC = f"{VIP}:80/tcp"


def test_control_characters_in_paths(make_lab, sluiced):
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config())
    wait_http(lb, d)
    b1 = f"{lab.backend_addr(1)}:{lab.HTTP_PORT}"
    for esc in ("%00", "%01", "%0a", "%1f", "%7f"):
        got, doc = api(d, "DELETE", f"/v1/services/{VIP}:80/tcp{esc}/backends/{b1}")
        assert got == 404, (esc, got, doc)
        got, doc = api(d, "GET", f"/v1/services/{VIP}:80/tcp{esc}")
        assert got == 404, (esc, got, doc)
    # Nothing changed: the service and both its backends are there.
    _, svc = api(d, "GET", f"/v1/services/{SVC}")
    assert len(svc["backends"]) == 2, svc


def trickle(path, stop, opened):
    """Open a connection, send the start of a request, then one byte a second until stop."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        s.sendall(b"GET /v1/stats HTTP/1.1\r\nHost: sluiced\r\nX-Slow: ")
        opened.append(s)
        while not stop.is_set():
            s.sendall(b"a")
            stop.wait(1)
    except OSError:
        pass  # cut by the server: what it should do
    finally:
        s.close()


def test_slow_clients_do_not_lock_out_the_cli(make_lab, sluiced):
    lb = make_lab(backends=1)
    d = sluiced(lb, lb.sluiced_config())
    stop = threading.Event()
    opened = []
    threads = [threading.Thread(target=trickle, args=(d.socket, stop, opened), daemon=True)
               for _ in range(100)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 5
        while len(opened) < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(opened) == 100
        # sluicectl answers at once, again and again, while the 100 trickle.
        for _ in range(5):
            t0 = time.monotonic()
            p = subprocess.run([str(SLUICECTL), "-s", d.socket, "list"], capture_output=True,
                               text=True, timeout=20)
            took = time.monotonic() - t0
            assert p.returncode == 0 and took < 2, (took, p.stderr)
            time.sleep(0.5)
        # Past the 10 s bound every trickler has been cut, and counted.
        time.sleep(9)
        st = d.stats()["api"]
        print(st)
        assert st["cut_slow"] >= 100, st
        assert st["open"] < 10, st
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=5)


def curl(lb, method, url, body=None, headers=()):
    argv = ["curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", "-X", method,
            "-H", f"Authorization: Bearer {lb.api_token()}"]
    for h in headers:
        argv += ["-H", h]
    if body is not None:
        argv += ["--data-binary", body]
    return lb.run("lb", argv + [url]).stdout.strip()


def test_tcp_listener_refuses_browser_writes(make_lab, sluiced):
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config(listen="127.0.0.1:9180"))
    wait_http(lb, d)
    base = "http://127.0.0.1:9180/v1/services"
    body = '{"vip": "10.0.0.61:80/tcp"}'
    json_type = "Content-Type: application/json"
    # A page's cross-origin form post (text/plain, no preflight) and a foreign Origin.
    assert curl(lb, "POST", base, body, ["Content-Type: text/plain"]) == "415"
    assert curl(lb, "POST", base, body, ["Content-Type: application/x-www-form-urlencoded"]) \
        == "415"
    assert curl(lb, "POST", base, body) == "415"  # curl's default is a form
    assert curl(lb, "POST", base, body, [json_type, "Origin: http://evil.example"]) == "403"
    assert curl(lb, "POST", base, body, [json_type, "Origin: http://127.0.0.1:8080"]) == "403"
    assert curl(lb, "DELETE", f"{base}/{SVC}", None, ["Origin: http://evil.example"]) == "403"
    assert curl(lb, "GET", f"{base}/10.0.0.61:80/tcp") == "404"  # nothing was made
    assert curl(lb, "GET", f"{base}/{SVC}") == "200"  # nothing was removed
    # The listener's own origin, or none, with a JSON body: accepted. Reads need neither.
    assert curl(lb, "POST", base, body, [json_type, "Origin: http://127.0.0.1:9180"]) == "201"
    assert curl(lb, "DELETE", f"{base}/10.0.0.61:80/tcp") == "204"
    assert curl(lb, "POST", base, body, ["Content-Type: application/json; charset=utf-8"]) \
        == "201"
    assert curl(lb, "GET", f"{base}", None, ["Origin: http://evil.example"]) == "200"
