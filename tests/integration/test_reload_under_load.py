# SPDX-License-Identifier: Apache-2.0
"""Reload under load (issue 14 item 5): during a 60 s wrk run through the VIP (keep-alive),
with new connections made beside it all along, 20 changes of backends and weights, half by
SIGHUP after editing the file and half by `sluicectl config apply`, lose no request: wrk's
and curl's failures are printed and asserted to be none. After each change the status page
(headless Chromium) shows the weights the change set."""

import os
import re
import shutil
import signal
import subprocess
import threading
import time

import pytest

from conftest import SLUICECTL, VIP, http_many, lab, wait_http
from test_status_page import dom, parse

SERVICE = f"{VIP}:80/tcp"
SECONDS = 60

# The changes, in turn: backend number -> weight (a backend left out is removed).
STEPS = [{1: 1, 2: 1, 3: 1}, {1: 3, 2: 1, 3: 1}, {1: 3, 2: 1}, {1: 1, 2: 2},
         {1: 1, 2: 2, 3: 5}, {1: 0, 2: 2, 3: 5}, {2: 2, 3: 5}, {1: 2, 2: 2, 3: 5},
         {1: 2, 3: 1}, {1: 2, 2: 7, 3: 1}]
CHANGES = 20


def config(lb, weights):
    return lb.sluiced_config(listen="127.0.0.1:9180", public=["page"], services=[{
        "vip": SERVICE, "scheduler": "wrr",
        "backends": [(f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", w)
                     for k, w in sorted(weights.items())]}])


def test_twenty_changes_under_wrk_lose_nothing(make_lab, sluiced, tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (scripts/deps installs it)")
    lb = make_lab(backends=3)
    d = sluiced(lb, config(lb, STEPS[0]))
    wait_http(lb, d)

    wrk = subprocess.Popen(["ip", "netns", "exec", lb.ns("cl"), "wrk", "-t2", "-c20",
                            f"-d{SECONDS}s", "--timeout", "5s", f"http://{VIP}/"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           stdin=subprocess.DEVNULL)
    stop, curl_fail, curl_n = threading.Event(), [], [0]

    def new_conns():  # a new connection per request, all along
        while not stop.is_set():
            out = http_many(lb, 10)
            curl_n[0] += len(out)
            curl_fail.extend(x for x in out if x == "FAIL")

    t = threading.Thread(target=new_conns)
    t.start()
    shown = []
    try:
        start = time.monotonic()
        for i in range(CHANGES):
            weights = STEPS[(i + 1) % len(STEPS)]
            text = config(lb, weights)
            if i % 2 == 0:  # edit the file, SIGHUP
                d.config.write_text(text)
                os.kill(d.proc.pid, signal.SIGHUP)
            else:  # sluicectl config apply
                f = tmp_path / f"change{i}.yaml"
                f.write_text(text)
                p = subprocess.run([str(SLUICECTL), "-s", d.socket, "config", "apply", str(f)],
                                   capture_output=True, text=True, timeout=30)
                assert p.returncode == 0, p.stderr
            want = {f"{lab.backend_addr(k)}:{lab.HTTP_PORT}": str(w)
                    for k, w in weights.items()}
            deadline = time.monotonic() + 10
            while True:  # the API, then the page, show the change
                got = {b["address"]: str(b["weight"]) for b in d.service(SERVICE)["backends"]}
                if got == want or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert got == want, (i, got, want)
            page = parse(dom(lb, tmp_path, budget_ms=1500))
            assert page.weights == want, (i, page.weights, want)
            shown.append(i)
            # spread the changes over the run
            time.sleep(max(0.0, start + (i + 1) * (SECONDS - 8) / CHANGES - time.monotonic()))
    finally:
        out, _ = wrk.communicate(timeout=SECONDS + 60)
        stop.set()
        t.join(timeout=60)
    print(out)
    n = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(f"wrk: {n} requests, socket errors: {errors.group(1) if errors else 'none'}, "
          f"non-2xx: {non2xx.group(1) if non2xx else 0}; curl: {curl_n[0]} new connections, "
          f"{len(curl_fail)} failed; {len(shown)} changes shown on the page")
    assert n > 1000 and errors is None and non2xx is None, out
    assert curl_n[0] > 50 and not curl_fail
    assert len(shown) == CHANGES
    assert "not applied" not in d.log.read_text()
