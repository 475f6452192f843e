# SPDX-License-Identifier: Apache-2.0
"""Backend changes through sluicectl while a long TCP transfer is in flight.

The service starts with b1 and b2. A client downloads /big (several MiB, rate-limited by nginx
to last about ten seconds) through the VIP. While it runs: b3 is added, the backend serving
the download is reweighted, and the other one is deleted. The download completes intact, and
new requests after the delete never reach the deleted backend."""

import hashlib
import subprocess
import time

from conftest import VIP, backend_name, http_many, lab, wait_http

SERVICE = f"{VIP}:80/tcp"
N_AFTER = 40


def established_8080(lb, k):
    out = lb.run(f"b{k}", ["ss", "-Htn", "state", "established", "( sport = :8080 )"],
                 check=False).stdout
    return [line for line in out.splitlines() if line.strip()]


def access_lines(lb, k):
    try:
        return len((lb.backend_dir(k) / "access.log").read_text().splitlines())
    except OSError:
        return 0


def test_changes_during_transfer(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=3)
    addr = {k: f"{lab.backend_addr(k)}:{lab.HTTP_PORT}" for k in (1, 2, 3)}
    d = sluiced(lb, lb.sluiced_config(services=[{
        "vip": SERVICE, "scheduler": "wrr", "backends": [(addr[1], 1), (addr[2], 1)]}]))
    wait_http(lb, d)

    out = tmp_path / "big.out"
    meta = tmp_path / "big.meta"
    t0 = time.monotonic()
    with open(meta, "w") as mf:
        curl = subprocess.Popen(["ip", "netns", "exec", lb.ns("cl"), "curl", "-sS", "-m", "90",
                                 "-o", str(out), "-w", "%{http_code} %{size_download}",
                                 f"http://{VIP}/big"],
                                stdin=subprocess.DEVNULL, stdout=mf, stderr=subprocess.STDOUT)
    try:
        # Which backend serves the download? The one with an established conn on :8080.
        serving = None
        deadline = time.monotonic() + 10
        while serving is None and time.monotonic() < deadline:
            busy = [k for k in (1, 2) if established_8080(lb, k)]
            if len(busy) == 1:
                serving = busy[0]
            else:
                assert curl.poll() is None, f"download ended early: {meta.read_text()}"
                time.sleep(0.1)
        assert serving is not None, "the download never showed up on b1 or b2"
        other = 3 - serving

        # add b3, reweight the serving backend, delete the other one
        d.ctl("backend", "add", SERVICE, addr[3], "--weight", 1)
        d.ctl("backend", "set", SERVICE, addr[serving], "--weight", 2)
        d.ctl("backend", "del", SERVICE, addr[other])
        assert curl.poll() is None, \
            f"the download ended before the changes were made: {meta.read_text()}"

        svc = d.service(SERVICE)
        weights = {backend_name(b["address"]): b["weight"] for b in svc["backends"]}
        assert weights == {f"b{serving}": 2, "b3": 1}, svc["backends"]

        before = access_lines(lb, other)
        answers = http_many(lb, N_AFTER)
        assert "FAIL" not in answers, answers
        assert f"b{other}" not in answers, f"deleted backend b{other} answered: {answers}"
        assert set(answers) == {f"b{serving}", "b3"}, answers
        assert access_lines(lb, other) == before, f"b{other}'s access log grew after its delete"

        assert curl.wait(timeout=90) == 0, f"download failed: {meta.read_text()}"
    finally:
        if curl.poll() is None:
            curl.kill()
            curl.wait(timeout=5)
    elapsed = time.monotonic() - t0

    code, size = meta.read_text().split()
    want = lb.big_mb << 20
    assert code == "200" and int(size) == want, f"download: http {code}, {size} bytes, want {want}"
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(lb.big_file.read_bytes()).digest(), \
        "download completed with the right size but the wrong bytes"
    assert elapsed > 3, f"the download took {elapsed:.1f} s: too short to have overlapped the changes"
    assert established_8080(lb, serving) == [], "the download's conn is still established on the backend"
