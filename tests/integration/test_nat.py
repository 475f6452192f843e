# SPDX-License-Identifier: Apache-2.0
"""Mode nat with real nginx and dnsmasq backends (issue 10, items 3, 6 and 7).

The backends route the clients' network through the node (10.0.2.1), as NAT's backends
must; they see the client's own address (nginx's access log says so) and their answers
come back through the node from the VIP. Two workers: a client's conns and the backends'
answers arrive on either worker and are handed to the one the client names, so a 16 MiB
download and many short requests work whichever worker RSS picks; a drain and a new
backend during the download keep it whole; health checks take a stopped backend out; UDP
(DNS through dnsmasq) works the same. The same over IPv6."""

import hashlib
import subprocess
import time
from collections import Counter

from conftest import SLUICECTL, VIP, dual_stack, lab

PORT = 80
SVC = f"{VIP}:{PORT}/tcp"
HC = {"type": "http", "path": "/healthz", "interval": "1s", "timeout": "500ms", "rise": 1,
      "fall": 1}


def route_via_node(lb, ks, six=False):
    """Backends ks send what is for the clients through the node, as NAT needs."""
    for k in ks:
        lb.run(f"b{k}", ["ip", "route", "replace", "10.0.1.0/24", "via", lab.LB_BACKEND_ADDR])
        if six:
            lb.run(f"b{k}", ["ip", "-6", "route", "replace", "2001:db8:1::/64", "via",
                             "2001:db8:2::1"])


def names(lb, url, n):
    seen = Counter()
    for _ in range(n):
        p = lb.run("cl", ["curl", "-sS", "-g", "-m", "5", f"{url}/"], check=False, timeout=15)
        assert p.returncode == 0, p.stderr
        seen[p.stdout.strip()] += 1
    return seen


def test_nat_two_workers(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=3, dns=True, big_mb=16, rate="4m")
    route_via_node(lb, (1, 2, 3))
    d = sluiced(lb, lb.sluiced_config(workers=2, services=[
        {"vip": SVC, "mode": "nat", "scheduler": "rr", "health_check": HC,
         "backends": [(f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", 1) for k in (1, 2)]},
        {"vip": f"{VIP}:53/udp", "mode": "nat", "scheduler": "rr",
         "backends": [(f"{lab.backend_addr(k)}:53", 1) for k in (1, 2)]}]))
    url = f"http://{VIP}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if lb.run("cl", ["curl", "-sS", "-m", "2", f"{url}/"], check=False).returncode == 0:
            break
        time.sleep(0.3)
    # 40 conns from as many client ports: both workers make conns, both hand some over
    assert names(lb, url, 40) == Counter({"b1": 20, "b2": 20})
    st = d.stats()
    assert len(st["workers"]) == 2 and all(w["conns"] > 0 for w in st["workers"]), \
        st["workers"]  # (closed conns wait in TIME_WAIT, on their owner)
    assert sum(w["handoffs"] for w in st["workers"]) > 0, st["workers"]
    # the backend saw the client's own address
    log = (lb.backend_dir(1) / "access.log").read_text()
    assert log.splitlines()[-1].startswith(lab.CLIENT_ADDR + " "), log.splitlines()[-1]
    table = subprocess.run([SLUICECTL, "-s", d.socket, "list"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=15).stdout
    lines = [ln for ln in table.splitlines() if ln.strip().startswith("-> 10.0.2.")]
    assert len(lines) == 4 and all("Masq" in ln for ln in lines), table
    # UDP: DNS through dnsmasq, answered from the VIP
    got = Counter()
    for _ in range(10):
        p = lb.run("cl", ["dig", "+short", "+time=2", "+tries=1", f"@{VIP}", "who.test", "TXT"],
                   check=False, timeout=10)
        assert p.returncode == 0 and p.stdout.strip(), p
        got[p.stdout.strip().strip('"')] += 1
    assert got == Counter({"b1": 5, "b2": 5}), got

    digest = hashlib.sha256(lb.big_file.read_bytes()).hexdigest()
    out = tmp_path / "big"
    dl = lb.spawn("cl", ["curl", "-sS", "-m", "60", "-o", out, f"{url}/big"], "download",
                  log=tmp_path / "download.log")
    try:
        time.sleep(1.5)
        conns = d.ctl("conns", SVC)
        conns = conns["conns"] if isinstance(conns, dict) else conns
        big = [c for c in conns if c["state"] == "ESTABLISHED"]
        assert big, conns
        busy = big[0]["backend"]
        assert big[0]["local"] == big[0]["client"], big[0]  # keyed by the client's own
        d.ctl("backend", "set", SVC, busy, "--weight", "0")
        d.ctl("backend", "add", SVC, f"{lab.backend_addr(3)}:{lab.HTTP_PORT}")
        dl.wait(timeout=60)
    finally:
        if dl.poll() is None:
            dl.kill()
    assert dl.returncode == 0, (tmp_path / "download.log").read_text()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest, "the download is damaged"
    seen = names(lb, url, 20)
    drained = f"b{int(busy.split(':')[0].rsplit('.', 1)[1]) - 10}"
    assert drained not in seen and len(seen) == 2 and sum(seen.values()) == 20, seen
    lb.stop_server(3)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        b3 = [b for b in d.service(SVC)["backends"] if b["address"].startswith("10.0.2.13:")]
        if b3[0]["state"] == "down":
            break
        time.sleep(0.2)
    assert b3[0]["state"] == "down", b3
    seen = names(lb, url, 6)
    assert len(seen) == 1 and drained not in seen, seen
    assert d.drops("handoff_full") == 0


VIP6 = "2001:db8:100::10"
SVC6 = f"[{VIP6}]:{PORT}/tcp"


def test_nat6(make_lab, sluiced, tmp_path):
    """IPv6: the backends route the client's /64 through the node; two workers."""
    lb = make_lab(backends=2, big_mb=8, rate="0")
    lb.run("cl", ["sysctl", "-qw", f"net.ipv6.conf.{lb.client_if}.disable_ipv6=0"])
    lb.run("cl", ["ip", "-6", "addr", "add", f"{lab.CLIENT_ADDR6}/64", "dev", lb.client_if,
                  "nodad"])
    lb.run("cl", ["ip", "-6", "route", "add", "2001:db8:100::/64", "via", "2001:db8:1::1"])
    for k in (1, 2):
        lb.run(f"b{k}", ["sysctl", "-qw", f"net.ipv6.conf.{lb.backend_if(k)}.disable_ipv6=0"])
        lb.run(f"b{k}", ["ip", "-6", "addr", "add", f"2001:db8:2::{10 + k}/64", "dev",
                         lb.backend_if(k), "nodad"])
        lb.extra_listens[k] = [f"[2001:db8:2::{10 + k}]:{lab.HTTP_PORT}"]
        lb.stop_server(k)
        lb.start_server(k)
    route_via_node(lb, (1, 2), six=True)
    conf = lb.sluiced_config(workers=2, services=[{
        "vip": f"'{SVC6}'", "mode": "nat", "scheduler": "rr",
        "backends": [(f"'[2001:db8:2::{10 + k}]:{lab.HTTP_PORT}'", 1) for k in (1, 2)]}])
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
    log = (lb.backend_dir(1) / "access.log").read_text()
    assert log.splitlines()[-1].startswith(lab.CLIENT_ADDR6 + " "), log.splitlines()[-1]
    out = tmp_path / "big6"
    lb.run("cl", ["curl", "-sS", "-g", "-m", "60", "-o", out, f"{url}/big"], timeout=70)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == \
        hashlib.sha256(lb.big_file.read_bytes()).hexdigest(), "the download is damaged"
