# SPDX-License-Identifier: Apache-2.0
"""sluice's counters through DPDK telemetry (issue 14 item 8): DPDK's own
dpdk-telemetry.py, given the file prefix sluiced logs, shows /sluice/stats, /sluice/drops,
/sluice/services and /sluice/service,VIP beside DPDK's /ethdev commands, with the counts the
REST API gives; two nodes on one machine each have their own socket."""

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import VIP, http_many, wait_http

SERVICE = f"{VIP}:80/tcp"


def prefix_of(d):
    m = re.search(r"telemetry: dpdk-telemetry.py -f (\S+), then /sluice/stats",
                  d.log.read_text())
    assert m, d.log_tail()
    return m.group(1)


def telemetry(prefix, *cmds):
    """{command: answer} from dpdk-telemetry.py, its commands on stdin as a user types them."""
    p = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input="\n".join(cmds) + "\n",
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    out = {}
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            out.update(json.loads(line))
    return out


@pytest.fixture(autouse=True)
def need_client():
    if shutil.which("dpdk-telemetry.py") is None:
        pytest.skip("dpdk-telemetry.py (Debian's dpdk package) is not installed")


def test_sluice_counters_in_dpdk_telemetry(make_lab, sluiced):
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config())
    wait_http(lb, d)
    assert "FAIL" not in http_many(lb, 20)
    prefix = prefix_of(d)
    t = telemetry(prefix, "/", "/sluice/stats", "/sluice/drops", "/sluice/services",
                  f"/sluice/service,{SERVICE}", "/sluice/service,10.9.9.9:1/tcp",
                  "/ethdev/list")
    assert {"/sluice/stats", "/sluice/drops", "/sluice/services",
            "/sluice/service"} <= set(t["/"]), t["/"]
    stats, api = t["/sluice/stats"], d.stats()
    assert stats["conns"]["created"] == api["conns"]["created"] >= 21, (stats, api["conns"])
    assert stats["conns"]["capacity"] == 65536
    # a list of objects, flattened: the workers' and ports' counters by index
    assert stats["ports"]["0/name"] == "client" and stats["ports"]["1/name"] == "backend"
    assert stats["workers"]["0/rx_packets"] > 0 and stats["workers"]["0/conns"] >= 1, \
        stats["workers"]
    assert set(t["/sluice/drops"]) == set(api["drops"]), t["/sluice/drops"]
    assert t["/sluice/services"] == [SERVICE]
    one = telemetry(prefix, f"/sluice/service,{SERVICE}")["/sluice/service"]
    assert one["vip"] == SERVICE and one["stats"]["conns"] >= 21, one
    assert {one["backends"]["0/address"], one["backends"]["1/address"]} == \
        {"10.0.2.11:8080", "10.0.2.12:8080"}, one["backends"]
    assert telemetry(prefix, "/sluice/service,10.9.9.9:1/tcp")["/sluice/service"] is None
    assert len(t["/ethdev/list"]) >= 2  # DPDK's own commands answer on the same socket


def test_two_nodes_two_sockets(make_lab, sluiced):
    la, lb = make_lab(backends=1), make_lab(backends=1)
    da = sluiced(la, la.sluiced_config(), tag="a")
    db = sluiced(lb, lb.sluiced_config(), tag="b")
    pa, pb = prefix_of(da), prefix_of(db)
    assert pa != pb
    for prefix, lab_ in ((pa, la), (pb, lb)):
        params = " ".join(telemetry(prefix, "/eal/params")["/eal/params"])
        # each socket is its own node's: its EAL was given its own lab's interfaces
        assert f"iface={lab_.lb_client_if}" in params and prefix in params, params
        assert telemetry(prefix, "/sluice/services")["/sluice/services"] == [SERVICE]
    # a clean stop leaves no runtime directory behind (the EAL would leave it, empty)
    assert os.path.isdir(f"/var/run/dpdk/{pa}")
    assert da.stop() == 0
    assert not os.path.exists(f"/var/run/dpdk/{pa}") and os.path.isdir(f"/var/run/dpdk/{pb}")
