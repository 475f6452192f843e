# SPDX-License-Identifier: Apache-2.0
"""Mode tun with real nginx backends that decapsulate with sluice-decap (issue 10, items 2,
6 and 7): this kernel has no ipip or fou module, so each backend runs sluice-decap on its
interface, as a container backend would.

The backends hold the VIPs on lo and answer the client over scripts/lab's bypass, so their
answers never cross the node. Two workers; one VIP over IPIP, one over GUE. A download over
IPIP keeps whole while the busy backend is drained and a third one added; an upload over
GUE, whose full-sized segments no longer fit the 1500-byte link once wrapped, completes
because the node answers them with fragmentation-needed (too_big) and the client's TCP
sends smaller ones; health checks go to each backend's own address. The same over IPv6
(IPv6 in IPv6, packet-too-big)."""

import re
import time
from collections import Counter

import pytest

from conftest import (BUILD, VIP, answers, backend_name, bypass_download, dual_stack,
                      ipv6_lab, lab, names, shown_modes, upload, wait_down)

DECAP = BUILD / "src" / "tools" / "sluice-decap"
pytestmark = pytest.mark.skipif(not DECAP.exists(), reason="sluice-decap not built (clang, libbpf)")

PORT = 8080  # TUN forwards the client's header as it came: the VIP port is the backends'
VIP_GUE = "10.0.0.11"
SVC = f"{VIP}:{PORT}/tcp"
SVC_GUE = f"{VIP_GUE}:{PORT}/tcp"
HC = {"type": "http", "path": "/healthz", "interval": "1s", "timeout": "500ms", "rise": 1,
      "fall": 1}


def start_decap(lb, ks):
    """sluice-decap on backend k's interface for each k, ready (its banner printed)."""
    for k in ks:
        log = lb.backend_dir(k) / "decap.out"
        lb.spawn(f"b{k}", [DECAP, lb.backend_if(k), "--gue-port", "6080"], f"decap-b{k}",
                 log=log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if log.exists() and "decapsulating" in log.read_text():
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"sluice-decap on b{k} did not start: {log.read_text()}")


def test_tun_ipip_and_gue_bypass_the_node(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=3, big_mb=16, rate="4m")
    lb.direct_return([VIP, VIP_GUE])
    start_decap(lb, (1, 2, 3))
    d = sluiced(lb, lb.sluiced_config(workers=2, services=[
        {"vip": SVC, "mode": "tun", "scheduler": "rr", "health_check": HC,
         "backends": [(f"{lab.backend_addr(k)}:{PORT}", 1) for k in (1, 2)]},
        {"vip": SVC_GUE, "mode": "tun", "scheduler": "rr",
         "tunnel": {"type": "gue", "port": 6080},
         "backends": [(f"{lab.backend_addr(1)}:{PORT}", 1)]}]))
    url, url_gue = f"http://{VIP}:{PORT}", f"http://{VIP_GUE}:{PORT}"
    assert answers(lb, url, 2)
    assert names(lb, url, 20) == Counter({"b1": 10, "b2": 10})
    assert names(lb, url_gue, 4) == Counter({"b1": 4})
    assert d.service(SVC)["mode"] == "tun"
    svcs = {s["vip"]: s for s in d.ctl("config", "show")["services"]}
    assert svcs[SVC_GUE]["tunnel"] == {"type": "gue", "port": 6080}, svcs
    assert svcs[SVC]["tunnel"] == {"type": "ipip"}, svcs
    # sluicectl takes the tunnel too; the service view shows it; a bad one changes nothing.
    d.ctl("service", "add", "10.0.0.12:8080/tcp", "--mode", "tun", "--tunnel", "gue:7000",
          "--tunnel-source", lab.LIP)
    added = d.service("10.0.0.12:8080/tcp")
    assert added["tunnel"] == {"type": "gue", "port": 7000}, added
    assert added["tunnel_source"] == lab.LIP, added
    assert d.ctl("service", "add", "10.0.0.13:8080/tcp", "--mode", "tun", "--tunnel", "vxlan",
                 check=False) is None
    assert "10.0.0.13:8080/tcp" not in [x["vip"] for x in d.services()]
    d.ctl("service", "del", "10.0.0.12:8080/tcp")
    # ipvsadm's word for the method, on every backend line; the mode in the metrics
    assert shown_modes(d, SVC) == (["Tunnel"] * 3, "tun")

    # An upload over GUE: 1500-byte segments are 1532 once wrapped, over the backend link's
    # MTU; the node answers frag-needed (1468) and the client's TCP goes on with smaller ones.
    too_big0 = d.drops("too_big")
    upload(lb, tmp_path, url_gue, (1,), "gue.bin", 4)
    assert d.drops("too_big") > too_big0
    conns = d.ctl("conns", SVC_GUE)
    conns = conns["conns"] if isinstance(conns, dict) else conns
    assert conns and all(c["local"].startswith(f"{lab.LB_BACKEND_ADDR}:") and
                         int(c["local"].rsplit(":", 1)[1]) >= 49152 for c in conns), conns
    decap_b1 = (lb.backend_dir(1) / "decap.out").read_text()

    # 16 MiB over the bypass, under live changes: the busy backend drained, a third added.
    busy = bypass_download(lb, d, url, tmp_path, SVC, f"{lab.backend_addr(3)}:{PORT}")
    seen = names(lb, url, 20)
    drained = backend_name(busy)
    assert drained not in seen and len(seen) == 2 and sum(seen.values()) == 20, seen
    # Health checks go to each backend's own address: b3's nginx stopped, it goes down.
    lb.stop_server(3)
    wait_down(d, SVC, "10.0.2.13:")
    seen = names(lb, url, 6)
    assert len(seen) == 1 and drained not in seen, seen
    # sluice-decap on b1 took both tunnels apart (its counts come at exit).
    lb.stop("decap-b1")
    counts = (lb.backend_dir(1) / "decap.out").read_text()
    assert "decapsulating" in decap_b1
    for what in ("ipip", "gue"):
        m = re.search(rf"\b{what} (\d+)", counts)
        assert m and int(m.group(1)) > 0, counts


VIP6 = "2001:db8:100::10"
SVC6 = f"[{VIP6}]:{PORT}/tcp"


VIP6_GUE = "2001:db8:100::11"


def test_tun6_ip6ip6_bypasses_the_node(make_lab, sluiced, tmp_path):
    """IPv6 in IPv6: the backends found by neighbour discovery, the VIP a /128 on their lo,
    their answers over the bypass; an upload's full-sized segments answered with
    packet-too-big. A second VIP over GUE on IPv6 (its UDP checksum summed by the node)."""
    lb = make_lab(backends=2, big_mb=8, rate="0")
    ipv6_lab(lb, (1, 2))
    lb.direct_return([], vips6=[VIP6, VIP6_GUE])
    start_decap(lb, (1, 2))
    conf = lb.sluiced_config(workers=2, services=[
        {"vip": f"'{SVC6}'", "mode": "tun", "scheduler": "rr",
         "backends": [(f"'[2001:db8:2::{10 + k}]:{PORT}'", 1) for k in (1, 2)]},
        {"vip": f"'[{VIP6_GUE}]:{PORT}/tcp'", "mode": "tun", "scheduler": "rr",
         "tunnel": "gue",
         "backends": [(f"'[2001:db8:2::{10 + k}]:{PORT}'", 1) for k in (1, 2)]}])
    d = sluiced(lb, dual_stack(conf, "2001:db8:2::100"))
    url = f"http://[{VIP6}]:{PORT}"
    seen = answers(lb, url, 10)
    assert seen == Counter({"b1": 5, "b2": 5}), seen
    seen = answers(lb, f"http://[{VIP6_GUE}]:{PORT}", 10)
    assert seen == Counter({"b1": 5, "b2": 5}), seen
    too_big0 = d.drops("too_big")
    bypass_download(lb, d, url, tmp_path, mss=1428)
    upload(lb, tmp_path, url, (1, 2), "six.bin", 2)
    assert d.drops("too_big") > too_big0
    lb.stop("decap-b1")
    counts = (lb.backend_dir(1) / "decap.out").read_text()
    for what in ("ip6ip6", "gue"):
        m = re.search(rf"\b{what} (\d+)", counts)
        assert m and int(m.group(1)) > 0, counts
