# SPDX-License-Identifier: Apache-2.0
"""Mode dr with real nginx backends (issue 10, items 1, 6 and 7).

The backends hold the VIP on lo (arp_ignore=1, arp_announce=2) and route the client over a
link of their own (scripts/lab's bypass: the client's second leg on the backends' LAN), so
their answers never cross the node: the node's backend port receives next to nothing while a
download runs, and the bypass carries the data. Two workers; rr spreads requests over both
backends; a weight change and a new backend during a download keep the download whole; the
health checks, to each backend's own address, take a backend whose nginx stops out. The same
over IPv6 (the VIP a /128 on the backends' lo, the backends found by neighbour discovery)."""

from collections import Counter

from conftest import (VIP, answers, backend_name, bypass_download, dual_stack,
                      ipv6_lab, lab, names, shown_modes, wait_down, wait_http)

PORT = 8080  # DR forwards the client's header as it came: the VIP port is the backends'
URL = f"http://{VIP}:{PORT}"
SVC = f"{VIP}:{PORT}/tcp"


def dr_config(lb, ks):
    return lb.sluiced_config(workers=2, services=[{
        "vip": SVC, "mode": "dr", "scheduler": "rr",
        "health_check": {"type": "http", "path": "/healthz", "interval": "1s",
                         "timeout": "500ms", "rise": 1, "fall": 1},
        "backends": [(f"{lab.backend_addr(k)}:{PORT}", 1) for k in ks]}])


def test_dr_answers_bypass_the_node(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=3, big_mb=16, rate="4m")
    lb.direct_return([VIP])
    d = sluiced(lb, dr_config(lb, (1, 2)))
    wait_http(lb, d, url=f"{URL}/")
    assert names(lb, URL, 20) == Counter({"b1": 10, "b2": 10})
    assert d.service(SVC)["mode"] == "dr"
    # ipvsadm's word for the method, on every backend line; the mode in the metrics
    assert shown_modes(d, SVC) == (["Route", "Route"], "dr")

    # 16 MiB over the bypass, under live changes: the busy backend drained, a third added.
    busy = bypass_download(lb, d, URL, tmp_path, SVC, f"{lab.backend_addr(3)}:{PORT}")
    # New requests go to the two backends that take conns now, never to the drained one.
    seen = names(lb, URL, 20)
    drained = backend_name(busy)
    assert drained not in seen and sum(seen.values()) == 20, seen
    assert len(seen) == 2, seen
    # Health checks go to each backend's own address: b3's nginx stopped, it goes down
    # (though the VIP still answers on it) and the third takes everything.
    lb.stop_server(3)
    wait_down(d, SVC, "10.0.2.13:")
    seen = names(lb, URL, 6)
    assert len(seen) == 1 and drained not in seen, seen


VIP6 = "2001:db8:100::10"
SVC6 = f"[{VIP6}]:{PORT}/tcp"


def test_dr6_answers_bypass_the_node(make_lab, sluiced, tmp_path):
    """The same over IPv6: the backends found by neighbour discovery, the VIP a /128 on
    their lo, their answers over the bypass."""
    lb = make_lab(backends=2, big_mb=8, rate="0")
    ipv6_lab(lb, (1, 2))
    lb.direct_return([], vips6=[VIP6])
    conf = lb.sluiced_config(workers=2, services=[{
        "vip": f"'{SVC6}'", "mode": "dr", "scheduler": "rr",
        "backends": [(f"'[2001:db8:2::{10 + k}]:{PORT}'", 1) for k in (1, 2)]}])
    d = sluiced(lb, dual_stack(conf, "2001:db8:2::100"))
    url = f"http://[{VIP6}]:{PORT}"
    seen = answers(lb, url, 10)  # the first wait for neighbour discovery of the backends
    assert seen == Counter({"b1": 5, "b2": 5}), seen
    assert d.service(SVC6)["mode"] == "dr"
    bypass_download(lb, d, url, tmp_path, mss=1428)
