# SPDX-License-Identifier: Apache-2.0
"""Mode dr with real nginx backends (issue 10, items 1, 6 and 7).

The backends hold the VIP on lo (arp_ignore=1, arp_announce=2) and route the client over a
link of their own (scripts/lab's bypass: the client's second leg on the backends' LAN), so
their answers never cross the node: the node's backend port receives next to nothing while a
download runs, and the bypass carries the data. Two workers; rr spreads requests over both
backends; a weight change and a new backend during a download keep the download whole; the
health checks, to each backend's own address, take a backend whose nginx stops out. The same
over IPv6 (the VIP a /128 on the backends' lo, the backends found by neighbour discovery)."""

import hashlib
import json
import subprocess
import time
from collections import Counter

from conftest import SLUICECTL, VIP, dual_stack, lab, wait_http

PORT = 8080  # DR forwards the client's header as it came: the VIP port is the backends'
URL = f"http://{VIP}:{PORT}"
SVC = f"{VIP}:{PORT}/tcp"


def dr_config(lb, ks):
    return lb.sluiced_config(workers=2, services=[{
        "vip": SVC, "mode": "dr", "scheduler": "rr",
        "health_check": {"type": "http", "path": "/healthz", "interval": "1s",
                         "timeout": "500ms", "rise": 1, "fall": 1},
        "backends": [(f"{lab.backend_addr(k)}:{PORT}", 1) for k in ks]}])


def iface_rx(lb, role, ifname):
    """Packets the interface ifname of NAME-role has received."""
    j = json.loads(lb.run(role, ["ip", "-j", "-s", "link", "show", "dev", ifname]).stdout)
    return j[0]["stats64"]["rx"]["packets"]


def names(lb, n):
    seen = Counter()
    for _ in range(n):
        p = lb.run("cl", ["curl", "-sS", "-m", "5", f"{URL}/"], check=False, timeout=15)
        assert p.returncode == 0, p.stderr
        seen[p.stdout.strip()] += 1
    return seen


def test_dr_answers_bypass_the_node(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=3, big_mb=16, rate="4m")
    lb.direct_return([VIP])
    d = sluiced(lb, dr_config(lb, (1, 2)))
    wait_http(lb, d, url=f"{URL}/")
    assert names(lb, 20) == Counter({"b1": 10, "b2": 10})
    assert d.service(SVC)["mode"] == "dr"
    # ipvsadm's word for the method, on every backend line
    table = subprocess.run([SLUICECTL, "-s", d.socket, "list"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=15).stdout
    lines = [ln for ln in table.splitlines() if ln.strip().startswith("->") and ":8080" in ln]
    assert len(lines) == 2 and all("Route" in ln for ln in lines), table
    metrics = subprocess.run(["curl", "-sS", "--unix-socket", d.socket, "http://x/metrics"],
                             capture_output=True, text=True, stdin=subprocess.DEVNULL,
                             timeout=15).stdout
    assert f'sluice_service_info{{service="{SVC}",mode="dr",scheduler="rr"}} 1' in metrics

    digest = hashlib.sha256(lb.big_file.read_bytes()).hexdigest()
    out = tmp_path / "big"
    rx_node0 = d.port("backend")["rx_packets"]
    rx_bypass0 = iface_rx(lb, "cl", lb.bypass_if)
    dl = lb.spawn("cl", ["curl", "-sS", "-m", "60", "-o", out, f"{URL}/big"], "download",
                  log=tmp_path / "download.log")
    try:
        time.sleep(1.5)  # established, about a third through
        conns = d.ctl("conns", SVC)
        conns = conns["conns"] if isinstance(conns, dict) else conns
        big = [c for c in conns if c["state"] == "ESTABLISHED"]
        assert big, conns
        busy = big[0]["backend"]
        # Live changes under load: the busy backend drained, a third one added.
        d.ctl("backend", "set", SVC, busy, "--weight", "0")
        d.ctl("backend", "add", SVC, f"{lab.backend_addr(3)}:{PORT}")
        dl.wait(timeout=60)
    finally:
        if dl.poll() is None:
            dl.kill()
    assert dl.returncode == 0, (tmp_path / "download.log").read_text()
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest, "the download is damaged"
    rx_node = d.port("backend")["rx_packets"] - rx_node0
    rx_bypass = iface_rx(lb, "cl", lb.bypass_if) - rx_bypass0
    # 16 MiB in segments of at most 1448 bytes: at least ~11600 packets came over the bypass;
    # the node's backend port saw only ARP and the health checks' answers.
    assert rx_bypass > (16 << 20) // 1448, rx_bypass
    assert rx_node < 300, f"{rx_node} packets from the backends reached the node"
    # New requests go to the two backends that take conns now, never to the drained one.
    seen = names(lb, 20)
    drained = f"b{int(busy.split(':')[0].rsplit('.', 1)[1]) - 10}"
    assert drained not in seen and sum(seen.values()) == 20, seen
    assert len(seen) == 2, seen
    # Health checks go to each backend's own address: b3's nginx stopped, it goes down
    # (though the VIP still answers on it) and the third takes everything.
    lb.stop_server(3)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        b3 = [b for b in d.service(SVC)["backends"] if b["address"].startswith("10.0.2.13:")]
        if b3[0]["state"] == "down":
            break
        time.sleep(0.2)
    assert b3[0]["state"] == "down", b3
    seen = names(lb, 6)
    assert len(seen) == 1 and drained not in seen, seen


VIP6 = "2001:db8:100::10"
SVC6 = f"[{VIP6}]:{PORT}/tcp"


def test_dr6_answers_bypass_the_node(make_lab, sluiced, tmp_path):
    """The same over IPv6: the backends found by neighbour discovery, the VIP a /128 on
    their lo, their answers over the bypass."""
    lb = make_lab(backends=2, big_mb=8, rate="0")
    lb.run("cl", ["sysctl", "-qw", f"net.ipv6.conf.{lb.client_if}.disable_ipv6=0"])
    lb.run("cl", ["ip", "-6", "addr", "add", f"{lab.CLIENT_ADDR6}/64", "dev", lb.client_if,
                  "nodad"])
    lb.run("cl", ["ip", "-6", "route", "add", "2001:db8:100::/64", "via", "2001:db8:1::1"])
    for k in (1, 2):
        lb.run(f"b{k}", ["sysctl", "-qw", f"net.ipv6.conf.{lb.backend_if(k)}.disable_ipv6=0"])
        lb.run(f"b{k}", ["ip", "-6", "addr", "add", f"2001:db8:2::{10 + k}/64", "dev",
                         lb.backend_if(k), "nodad"])
    lb.direct_return([], vips6=[VIP6])
    conf = lb.sluiced_config(workers=2, services=[{
        "vip": f"'{SVC6}'", "mode": "dr", "scheduler": "rr",
        "backends": [(f"'[2001:db8:2::{10 + k}]:{PORT}'", 1) for k in (1, 2)]}])
    d = sluiced(lb, dual_stack(conf, "2001:db8:2::100"))
    url = f"http://[{VIP6}]:{PORT}"
    seen, deadline = Counter(), time.monotonic() + 20
    while time.monotonic() < deadline and sum(seen.values()) < 10:
        p = lb.run("cl", ["curl", "-sS", "-g", "-m", "3", f"{url}/"], check=False, timeout=10)
        if p.returncode == 0:
            seen[p.stdout.strip()] += 1
        else:
            time.sleep(0.3)  # neighbour discovery of the backends
    assert seen == Counter({"b1": 5, "b2": 5}), seen
    assert d.service(SVC6)["mode"] == "dr"
    rx_node0 = d.port("backend")["rx_packets"]
    rx_bypass0 = iface_rx(lb, "cl", lb.bypass_if)
    out = tmp_path / "big6"
    p = lb.run("cl", ["curl", "-sS", "-g", "-m", "60", "-o", out, f"{url}/big"], timeout=70)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == \
        hashlib.sha256(lb.big_file.read_bytes()).hexdigest(), "the download is damaged"
    rx_node = d.port("backend")["rx_packets"] - rx_node0
    rx_bypass = iface_rx(lb, "cl", lb.bypass_if) - rx_bypass0
    assert rx_bypass > (8 << 20) // 1428, rx_bypass
    assert rx_node < 300, f"{rx_node} packets from the backends reached the node"
