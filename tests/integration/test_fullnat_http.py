# SPDX-License-Identifier: Apache-2.0
"""FULLNAT HTTP: curl from the client through VIP 10.0.0.10:80/tcp to three nginx backends on
:8080, weighted round robin 1:1:2. Every request is answered and each backend's share of the
answers is within 10 percentage points of its share of the weight; once over DPDK's af_packet
ports, and once (fewer requests) over af_xdp ports."""

from conftest import VIP, backend_name, http_many, shares, wait_http

WEIGHTS = [1, 1, 2]
SERVICE = f"{VIP}:80/tcp"


def check_wrr(lb, d, n, tolerance, driver):
    wait_http(lb, d)
    answers = http_many(lb, n)
    counts, pct = shares(answers)
    assert counts.get("FAIL", 0) == 0, f"{counts['FAIL']} of {n} requests failed: {dict(counts)}"
    assert set(counts) <= {f"b{k}" for k in range(1, len(WEIGHTS) + 1)}, dict(counts)
    for k, w in enumerate(WEIGHTS, 1):
        want = 100.0 * w / sum(WEIGHTS)
        got = pct.get(f"b{k}", 0.0)
        assert abs(got - want) <= tolerance, \
            f"b{k}: {got:.1f}% of answers, weight share {want:.1f}% (answers {dict(counts)})"

    # The daemon's own view agrees: the service exists as configured and counted the conns.
    svc = d.service(SERVICE)
    assert svc["scheduler"] == "wrr" and svc["mode"] == "fullnat", svc
    assert svc["stats"]["conns"] >= n, svc["stats"]
    by_name = {backend_name(b["address"]): b for b in svc["backends"]}
    assert sorted(by_name) == [f"b{k}" for k in range(1, len(WEIGHTS) + 1)], svc["backends"]
    for name, b in by_name.items():
        assert b["weight"] == WEIGHTS[int(name[1:]) - 1], b
        assert b["stats"]["conns"] >= counts.get(name, 0), b

    # ... and the packets went through the DPDK driver under test.
    ports = d.stats()["ports"]
    assert len(ports) == 2, ports
    for p in ports:
        assert p["device"].startswith(driver), p
        assert p["rx_packets"] > 0 and p["tx_packets"] > 0, p
    return counts


def test_wrr_af_packet(make_lab, sluiced):
    lb = make_lab(backends=3)
    d = sluiced(lb, lb.sluiced_config(backend_weights=WEIGHTS))
    check_wrr(lb, d, n=300, tolerance=10, driver="net_af_packet")


def test_wrr_af_xdp(make_lab, sluiced):
    lb = make_lab(backends=3)
    d = sluiced(lb, lb.sluiced_config(backend_weights=WEIGHTS, xdp=True))
    counts = check_wrr(lb, d, n=40, tolerance=15, driver="net_af_xdp")
    assert all(counts.get(f"b{k}") for k in range(1, 4)), dict(counts)
