# SPDX-License-Identifier: Apache-2.0
"""IPv6 services and backends through the operator's interfaces of a real sluiced: the
REST API (paths with bracketed addresses), sluicectl and /metrics; bad IPv6 input refused
with a 4xx naming the field, changing nothing. (The IPv6 data path has tests of its own.)"""

import subprocess
import urllib.parse

from conftest import SLUICECTL, api, wait_http

VIP6 = "2001:db8:100::10"
SVC6 = f"[{VIP6}]:80/tcp"
BE6 = ["2001:db8:2::11", "2001:db8:2::12"]


def v6_config(lb, **kw):
    """The lab's config with an IPv6 address on both ports and an IPv6 LIP."""
    conf = lb.sluiced_config(**kw)
    conf = conf.replace("      address: 10.0.1.1/24", "      address: [10.0.1.1/24, 2001:db8:1::1/64]", 1)
    conf = conf.replace("      address: 10.0.2.1/24", "      address: [10.0.2.1/24, 2001:db8:2::1/64]", 1)
    conf = conf.replace("  local_addresses: [", "  local_addresses: [2001:db8:2::100, ", 1)
    assert conf.count("2001:db8") == 3, conf
    return conf


def ctl(d, *args):
    return subprocess.run([str(SLUICECTL), "-s", d.socket, *map(str, args)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15)


def test_ipv6_service_through_api_cli_metrics(make_lab, sluiced):
    lb = make_lab(backends=1)
    d = sluiced(lb, v6_config(lb, listen="127.0.0.1:9180"))
    wait_http(lb, d)
    st, _ = api(d, "POST", "/v1/services", {
        "vip": SVC6, "scheduler": "maglev", "persistence": 60, "persistence_netmask": 64,
        "backends": [{"address": f"[{BE6[0]}]:8080", "weight": 2}]})
    assert st == 201, st
    # the key, canonical, names it in the path: raw and percent-encoded alike
    st, svc = api(d, "GET", f"/v1/services/{SVC6}")
    assert st == 200 and svc["vip"] == SVC6 and svc["persistence_netmask"] == 64, svc
    st, svc2 = api(d, "GET", "/v1/services/" + urllib.parse.quote(SVC6, safe=""))
    assert st == 200 and svc2["vip"] == SVC6
    st, _ = api(d, "GET", "/v1/services/[2001:DB8:100:0::10]:80/tcp")
    assert st == 200
    st, _ = api(d, "POST", f"/v1/services/{SVC6}/backends", {"address": f"[{BE6[1]}]:8080"})
    assert st == 201, st
    st, _ = api(d, "PATCH", f"/v1/services/{SVC6}/backends/[{BE6[1]}]:8080", {"weight": 5})
    assert st == 200, st
    st, bes = api(d, "GET", f"/v1/services/{SVC6}/backends")
    assert st == 200
    got = {b["address"]: b["weight"] for b in bes["backends"]}
    assert got == {f"[{BE6[0]}]:8080": 2, f"[{BE6[1]}]:8080": 5}, got
    # sluicectl, ipvsadm-shaped, shows it and changes it
    p = ctl(d, "list")
    assert p.returncode == 0 and f"TCP  [{VIP6}]:80 maglev" in p.stdout, p.stdout
    assert f"-> [{BE6[1]}]:8080" in p.stdout, p.stdout
    p = ctl(d, "backend", "set", SVC6, f"[{BE6[1]}]:8080", "--weight", "3")
    assert p.returncode == 0, p.stdout + p.stderr
    st, bes = api(d, "GET", f"/v1/services/{SVC6}/backends")
    assert {b["address"]: b["weight"] for b in bes["backends"]}[f"[{BE6[1]}]:8080"] == 3
    # /metrics labels carry the bracketed keys
    text = lb.run("lb", ["curl", "-sS", "-m", "5", "-H", f"Authorization: Bearer {lb.api_token()}",
                         "http://127.0.0.1:9180/metrics"]).stdout
    assert f'sluice_service_connections_total{{service="{SVC6}"}} 0' in text, text[:3000]
    assert f'backend="[{BE6[0]}]:8080"' in text
    st, _ = api(d, "DELETE", f"/v1/services/{SVC6}/backends/[{BE6[0]}]:8080")
    assert st == 204, st
    st, _ = api(d, "DELETE", f"/v1/services/{SVC6}")
    assert st == 204, st
    st, _ = api(d, "GET", f"/v1/services/{SVC6}")
    assert st == 404
    # IPv4 is served all along
    wait_http(lb, d)


def test_bad_ipv6_input_changes_nothing(make_lab, sluiced):
    lb = make_lab(backends=1)
    d = sluiced(lb, v6_config(lb))
    wait_http(lb, d)
    st, _ = api(d, "POST", "/v1/services", {"vip": SVC6,
                                            "backends": [{"address": f"[{BE6[0]}]:8080"}]})
    assert st == 201
    _, before = api(d, "GET", "/v1/services")
    cases = [
        ({"vip": "[2001:db8:100::11]:80/tcp", "mode": "dr",
          "backends": [{"address": "10.0.2.11:80"}]},
         "backends[0].address: an IPv4 backend behind an IPv6 VIP is NAT64, which mode fullnat "
         "does"),
        ({"vip": "[2001:db8:100::11]:80/tcp",
          "backends": [{"address": "[2001:db8:2::11]:8080"}, {"address": "10.0.2.11:8080"}]},
         "backends[1].address: 10.0.2.11: backends of both families behind one VIP"),
        ({"vip": "[2001:db8:1::50]:80/tcp"}, "vip: 2001:db8:1::50 is inside the subnet of port"),
        ({"vip": "[::1]:80/tcp"}, "vip: ::1 is a loopback address"),
        ({"vip": "[fe80::1]:80/tcp"}, "vip: '[fe80::1]:80/tcp' is not a unicast address"),
        ({"vip": "2001:db8:100::11:80/tcp"}, "vip: '2001:db8:100::11:80/tcp' is not a service"),
        ({"vip": "[2001:db8:100::11]:80/tcp", "persistence_netmask": 129},
         "persistence_netmask: 129 is out of range (0..128)"),
        ({"vip": "[2001:db8:100::11]:80/tcp", "backends": [{"address": "[2001:db8:2::100]:80"}]},
         "is a local address (LIP) of this node"),
    ]
    for body, want in cases:
        st, err = api(d, "POST", "/v1/services", body)
        assert st == 400, (body, st, err)
        text = err.get("detail", "")
        assert want in text, (body, err)
    st, err = api(d, "POST", f"/v1/services/{SVC6}/backends", {"address": "10.0.2.12:8080"})
    assert st == 400 and "backends of both families" in err.get("detail", ""), err
    st, _ = api(d, "PATCH", f"/v1/services/{SVC6}/backends/[2001:db8:2::99]:8080",
                {"weight": 1})
    assert st == 404
    _, after = api(d, "GET", "/v1/services")
    strip = lambda doc: [{k: s[k] for k in ("vip", "backends")} for s in doc["services"]]
    assert strip(before) == strip(after)
