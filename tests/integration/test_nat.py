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
from collections import Counter

from conftest import (VIP, answers, backend_name, download_live_change, dual_stack,
                      ipv6_lab, lab, names, shown_modes, wait_down)

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


def test_nat_two_workers(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=3, dns=True, big_mb=16, rate="4m")
    route_via_node(lb, (1, 2, 3))
    d = sluiced(lb, lb.sluiced_config(workers=2, services=[
        {"vip": SVC, "mode": "nat", "scheduler": "rr", "health_check": HC,
         "backends": [(f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", 1) for k in (1, 2)]},
        {"vip": f"{VIP}:53/udp", "mode": "nat", "scheduler": "rr",
         "backends": [(f"{lab.backend_addr(k)}:53", 1) for k in (1, 2)]}]))
    url = f"http://{VIP}"
    assert answers(lb, url, 1)
    # 40 conns from as many client ports: both workers make conns, both hand some over
    assert names(lb, url, 40) == Counter({"b1": 20, "b2": 20})
    st = d.stats()
    assert len(st["workers"]) == 2 and all(w["conns"] > 0 for w in st["workers"]), \
        st["workers"]  # (closed conns wait in TIME_WAIT, on their owner)
    assert sum(w["handoffs"] for w in st["workers"]) > 0, st["workers"]
    # the backend saw the client's own address
    log = (lb.backend_dir(1) / "access.log").read_text()
    assert log.splitlines()[-1].startswith(lab.CLIENT_ADDR + " "), log.splitlines()[-1]
    assert shown_modes(d, SVC) == (["Masq"] * 4, "nat")
    # UDP: DNS through dnsmasq, answered from the VIP
    got = Counter()
    for _ in range(10):
        p = lb.run("cl", ["dig", "+short", "+time=2", "+tries=1", f"@{VIP}", "who.test", "TXT"],
                   check=False, timeout=10)
        assert p.returncode == 0 and p.stdout.strip(), p
        got[p.stdout.strip().strip('"')] += 1
    assert got == Counter({"b1": 5, "b2": 5}), got

    busy = download_live_change(lb, d, SVC, url, tmp_path,
                                f"{lab.backend_addr(3)}:{lab.HTTP_PORT}")
    seen = names(lb, url, 20)
    drained = backend_name(busy)
    assert drained not in seen and len(seen) == 2 and sum(seen.values()) == 20, seen
    lb.stop_server(3)
    wait_down(d, SVC, "10.0.2.13:")
    seen = names(lb, url, 6)
    assert len(seen) == 1 and drained not in seen, seen
    assert d.drops("handoff_full") == 0


VIP6 = "2001:db8:100::10"
SVC6 = f"[{VIP6}]:{PORT}/tcp"


def test_nat6(make_lab, sluiced, tmp_path):
    """IPv6: the backends route the client's /64 through the node; two workers."""
    lb = make_lab(backends=2, big_mb=8, rate="0")
    ipv6_lab(lb, (1, 2))
    for k in (1, 2):
        lb.extra_listens[k] = [f"[2001:db8:2::{10 + k}]:{lab.HTTP_PORT}"]
        lb.stop_server(k)
        lb.start_server(k)
    route_via_node(lb, (1, 2), six=True)
    conf = lb.sluiced_config(workers=2, services=[{
        "vip": f"'{SVC6}'", "mode": "nat", "scheduler": "rr",
        "backends": [(f"'[2001:db8:2::{10 + k}]:{lab.HTTP_PORT}'", 1) for k in (1, 2)]}])
    sluiced(lb, dual_stack(conf, "2001:db8:2::100"))
    url = f"http://[{VIP6}]"
    seen = answers(lb, url, 20)
    assert seen == Counter({"b1": 10, "b2": 10}), seen
    log = (lb.backend_dir(1) / "access.log").read_text()
    assert log.splitlines()[-1].startswith(lab.CLIENT_ADDR6 + " "), log.splitlines()[-1]
    out = tmp_path / "big6"
    lb.run("cl", ["curl", "-sS", "-g", "-m", "60", "-o", out, f"{url}/big"], timeout=70)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == \
        hashlib.sha256(lb.big_file.read_bytes()).hexdigest(), "the download is damaged"
