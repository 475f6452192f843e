# SPDX-License-Identifier: Apache-2.0
"""NAT64 (issue 10, items 4 and 7): an IPv6 client, an IPv6 VIP, IPv4 nginx backends.

The service is a fullnat one whose backends are IPv4: the node translates the client's
IPv6 packets to IPv4 from its IPv4 LIP, and the answers back. Two workers (the answers to
one worker's LIP ports handed there); rr over two backends; a 100 MB download arrives whole;
an upload arrives whole, no segment too big either way;
the conns are listed with the client's IPv6 tuple and the IPv4 LIP and backend; a drain and
a new backend during the download keep it whole."""

import hashlib
import os
import time
from collections import Counter

from conftest import dual_stack, lab

VIP6 = "2001:db8:100::10"
SVC6 = f"[{VIP6}]:80/tcp"
BIG_MB = 100


def test_nat64_two_workers(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=3, big_mb=BIG_MB, rate="25m")  # about four seconds
    lb.run("cl", ["sysctl", "-qw", f"net.ipv6.conf.{lb.client_if}.disable_ipv6=0"])
    lb.run("cl", ["ip", "-6", "addr", "add", f"{lab.CLIENT_ADDR6}/64", "dev", lb.client_if,
                  "nodad"])
    lb.run("cl", ["ip", "-6", "route", "add", "2001:db8:100::/64", "via", "2001:db8:1::1"])
    conf = lb.sluiced_config(workers=2, services=[{
        "vip": f"'{SVC6}'", "scheduler": "rr",
        "backends": [(f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", 1) for k in (1, 2)]}])
    d = sluiced(lb, dual_stack(conf, "2001:db8:2::100"))
    url = f"http://[{VIP6}]"
    seen, deadline = Counter(), time.monotonic() + 20
    while time.monotonic() < deadline and sum(seen.values()) < 20:
        p = lb.run("cl", ["curl", "-sS", "-g", "-m", "3", f"{url}/"], check=False, timeout=10)
        if p.returncode == 0:
            seen[p.stdout.strip()] += 1
        else:
            time.sleep(0.3)
    assert seen == Counter({"b1": 10, "b2": 10}), seen
    # the IPv4 backend saw the LIP (FULLNAT), over IPv4
    log = (lb.backend_dir(1) / "access.log").read_text().splitlines()
    assert log[-1].startswith(lab.LIP + " "), log[-1]
    # a 100 MB download, whole, while its backend is drained and a third one added
    out = tmp_path / "big"
    dl = lb.spawn("cl", ["curl", "-sS", "-g", "-m", "240", "-o", out, "-w", "%{http_code}",
                         f"{url}/big"], "download", log=tmp_path / "download.log")
    try:
        time.sleep(1.5)
        conns = d.ctl("conns", SVC6)
        conns = conns["conns"] if isinstance(conns, dict) else conns
        big = [c for c in conns if c["state"] == "ESTABLISHED"]
        assert big, conns
        d.ctl("backend", "set", SVC6, big[0]["backend"], "--weight", "0")
        d.ctl("backend", "add", SVC6, f"{lab.backend_addr(3)}:{lab.HTTP_PORT}")
        dl.wait(timeout=240)
    finally:
        if dl.poll() is None:
            dl.kill()
    assert dl.returncode == 0, (tmp_path / "download.log").read_text()
    assert out.stat().st_size == BIG_MB << 20
    assert hashlib.sha256(out.read_bytes()).hexdigest() == \
        hashlib.sha256(lb.big_file.read_bytes()).hexdigest(), "the download is damaged"
    # an upload, whole
    src = tmp_path / "up.bin"
    src.write_bytes(os.urandom(8 << 20))
    p = lb.run("cl", ["curl", "-sS", "-g", "-m", "60", "-o", "/dev/null", "-w", "%{http_code}",
                      "-T", src, f"{url}/up/up.bin"], check=False, timeout=70)
    assert p.returncode == 0 and p.stdout in ("201", "204"), (p.stdout, p.stderr)
    stored = [lb.backend_dir(k) / "up" / "up.bin" for k in (1, 2, 3)
              if (lb.backend_dir(k) / "up" / "up.bin").exists()]
    assert len(stored) == 1 and stored[0].read_bytes() == src.read_bytes()
    st = d.stats()
    assert st["drops"].get("too_big", 0) == 0, st["drops"]
    # the conns: the client's IPv6 tuple, the IPv4 LIP and backend
    conns = d.ctl("conns", SVC6)
    conns = conns["conns"] if isinstance(conns, dict) else conns
    assert conns, conns
    for c in conns:
        assert c["client"].startswith(f"[{lab.CLIENT_ADDR6}]:"), c
        assert c["local"].startswith(lab.LIP + ":"), c
        assert c["backend"] in (f"{lab.backend_addr(k)}:{lab.HTTP_PORT}" for k in (1, 2, 3)), c
    assert sum(w["conns"] for w in st["workers"]) > 0
