# SPDX-License-Identifier: Apache-2.0
"""IPv6 FULLNAT: curl from the client through VIP [2001:db8:100::10]:80/tcp to two backends
on [2001:db8:2::1k]:8080, over two workers: every request answered by both backends in
turn (rr), and a 100 MB transfer arrives whole. The node resolves the backends by neighbour
discovery and answers the client's and the backends' solicitations for the VIP and the LIP;
IPv4 keeps working beside it."""

import hashlib
import os
import time

import urllib.parse

from conftest import VIP, api, dual_stack, wait_http

VIP6 = "2001:db8:100::10"
CLIENT6 = "2001:db8:1::2"
LIP6 = "2001:db8:2::100"
BIG_MB = 100

SERVE = """
import functools, http.server, os, socket, sys
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
h.func.log_message = lambda *a: None
S((sys.argv[1], 8080), h).serve_forever()
"""


def backend6(k):
    return f"2001:db8:2::{10 + k}"


def setup_v6(lb, tmp_path):
    """Give the client and the backends IPv6 (the lab keeps it off), each backend a server
    of its name and of a 100 MB file."""
    lb.run("cl", ["sysctl", "-qw", f"net.ipv6.conf.{lb.client_if}.disable_ipv6=0"])
    lb.run("cl", ["ip", "-6", "addr", "add", f"{CLIENT6}/64", "dev", lb.client_if, "nodad"])
    lb.run("cl", ["ip", "-6", "route", "add", "2001:db8:100::/64", "via", "2001:db8:1::1"])
    big = tmp_path / "big"
    with open(big, "wb") as f:
        f.write(os.urandom(BIG_MB << 20))
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    for k in (1, 2):
        d = tmp_path / f"www{k}"
        d.mkdir()
        (d / "name").write_text(f"b{k}\n")
        os.link(big, d / "big")
        lb.run(f"b{k}", ["sysctl", "-qw", f"net.ipv6.conf.{lb.backend_if(k)}.disable_ipv6=0"])
        lb.run(f"b{k}", ["ip", "-6", "addr", "add", f"{backend6(k)}/64", "dev",
                         lb.backend_if(k), "nodad"])
        lb.spawn(f"b{k}", ["/usr/bin/python3", "-c", SERVE, backend6(k), str(d)], f"http6-b{k}")
    return digest


def config6(lb):
    services = [{"vip": f"{VIP}:80/tcp", "scheduler": "rr",
                 "backends": [("10.0.2.11:8080", 1), ("10.0.2.12:8080", 1)]},
                {"vip": f"'[{VIP6}]:80/tcp'", "scheduler": "rr",
                 "backends": [(f"'[{backend6(k)}]:8080'", 1) for k in (1, 2)]}]
    return dual_stack(lb.sluiced_config(services=services, workers=2), LIP6)


def curl6(lb, path, timeout=10, out="-"):
    return lb.run("cl", ["curl", "-sS", "-g", "--max-time", str(timeout), "-o", out,
                         "-w", "%{http_code} %{size_download}\\n" if out != "-" else "",
                         f"http://[{VIP6}]/{path}"], check=False, timeout=timeout + 10)


def test_fullnat6_http_two_workers(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    digest = setup_v6(lb, tmp_path)
    d = sluiced(lb, config6(lb))
    wait_http(lb, d)
    # the first answers wait for neighbour discovery of the backends (pinned at start)
    deadline, p = time.monotonic() + 20, None
    while time.monotonic() < deadline:
        p = curl6(lb, "name", timeout=3)
        if p.returncode == 0 and p.stdout.strip() in ("b1", "b2"):
            break
        time.sleep(0.5)
    assert p.returncode == 0 and p.stdout.strip() in ("b1", "b2"), (p.stdout, p.stderr)
    names = []
    for _ in range(40):
        p = curl6(lb, "name", timeout=5)
        names.append(p.stdout.strip() if p.returncode == 0 else "FAIL")
    assert names.count("FAIL") == 0, names
    assert abs(names.count("b1") - names.count("b2")) <= 2, names  # rr: in turn
    # a 100 MB transfer, whole and unchanged
    got = tmp_path / "got"
    p = curl6(lb, "big", timeout=240, out=str(got))
    assert p.returncode == 0 and p.stdout.split()[0] == "200", (p.stdout, p.stderr)
    assert got.stat().st_size == BIG_MB << 20
    assert hashlib.sha256(got.read_bytes()).hexdigest() == digest
    # the daemon's view: conns on the IPv6 service, on both workers, no damage counted
    svc = d.service(f"[{VIP6}]:80/tcp")
    assert svc["stats"]["conns"] >= 42, svc["stats"]
    assert svc["stats"]["out_bytes"] >= BIG_MB << 20, svc["stats"]
    st = d.stats()
    assert st["neighbours6"]["entries"] >= 3, st["neighbours6"]  # 2 backends and the client
    for reason in ("bad_icmp_checksum", "neigh_unresolved", "conn_table_full"):
        assert st["drops"].get(reason, 0) <= 1, st["drops"]
    assert sum(1 for w in st["workers"] if w["conns"] > 0 or w["handoffs"] > 0) >= 1
    # the conn table lists them with their IPv6 tuples, filtered by the IPv6 service key
    key = urllib.parse.quote(f"[{VIP6}]:80/tcp", safe="")
    status, doc = api(d, "GET", f"/v1/conns?service={key}")
    assert status == 200, doc
    assert doc["conns"], doc
    for c in doc["conns"]:
        assert c["vip"] == f"[{VIP6}]:80" and c["client"].startswith(f"[{CLIENT6}]:"), c
        assert c["local"].startswith(f"[{LIP6}]:"), c
        assert c["backend"] in (f"[{backend6(1)}]:8080", f"[{backend6(2)}]:8080"), c
    assert st["conns"]["current"] >= len(doc["conns"]), st["conns"]
    # and IPv4 still goes
    wait_http(lb, d)
