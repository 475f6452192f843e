# SPDX-License-Identifier: Apache-2.0
"""How a new backend starts (issue 8 item 19): `health_check.start`.

The first results of the checks are held back: each backend drops the SYNs of the node's
checks (they come from the node's port address 10.0.2.1; traffic through the VIP comes from
the LIP and passes), so no check has a result until its timeout. In that window:
  - start: up (the default): the backends take turns from the first request on;
  - start: down: no backend takes a conn; once one backend's check may pass (its drop rule
    removed, the check's SYN retransmitted), that backend alone takes them.
"""

import time

import pytest

from conftest import VIP, backend_name, http_many, lab, wait_http

SERVICE = f"{VIP}:80/tcp"
NODE_ADDR = "10.0.2.1"  # the backend port's address: the checks' source
TIMEOUT_S = 8


def hold_checks(lb, k):
    """Backend k drops the SYNs of the node's checks (not the LIP's traffic)."""
    lb.run(f"b{k}", ["nft", "-f", "-"], input=(
        "table inet hold {\n"
        "  chain in {\n"
        "    type filter hook input priority 0;\n"
        f"    ip saddr {NODE_ADDR} tcp dport {lab.HTTP_PORT} tcp flags syn drop\n"
        "  }\n"
        "}\n"))


def release_checks(lb, k):
    lb.run(f"b{k}", ["nft", "delete", "table", "inet", "hold"], check=False)


def config(lb, start):
    hc = {"type": "tcp", "interval": "20s", "timeout": f"{TIMEOUT_S}s", "rise": 2, "fall": 2}
    if start is not None:
        hc["start"] = start
    return lb.sluiced_config(services=[{
        "vip": SERVICE, "scheduler": "rr", "health_check": hc,
        "backends": [(f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", 1) for k in (1, 2, 3)]}])


def backends(d):
    return {backend_name(b["address"]): b for b in d.service(SERVICE)["backends"]}


def conns(d):
    return {k: b["stats"]["conns"] for k, b in backends(d).items()}


@pytest.mark.parametrize("start", [None, "up"])
def test_start_up_backends_take_turns_from_the_first_request(make_lab, sluiced, start):
    lb = make_lab(backends=3)
    for k in (1, 2, 3):
        hold_checks(lb, k)
    t0 = time.monotonic()
    d = sluiced(lb, config(lb, start))
    assert all(b["health"]["state"] == "up" for b in backends(d).values()), backends(d)
    first = wait_http(lb, d, timeout=5)
    answers = [first] + http_many(lb, 5)
    assert time.monotonic() - t0 < TIMEOUT_S, "too slow: the checks' first results came"
    # Round robin over three backends that are all up: the first six answers go round.
    assert sorted(answers) == ["b1", "b1", "b2", "b2", "b3", "b3"], answers
    # ... until the first results say otherwise: every check timed out, every backend down.
    deadline = time.monotonic() + TIMEOUT_S + 5
    while time.monotonic() < deadline:
        if all(b["health"]["state"] == "down" for b in backends(d).values()):
            break
        time.sleep(0.2)
    assert all(b["health"]["state"] == "down" for b in backends(d).values()), backends(d)


def test_start_down_no_conns_before_the_first_pass(make_lab, sluiced):
    lb = make_lab(backends=3)
    for k in (1, 2, 3):
        hold_checks(lb, k)
    t0 = time.monotonic()
    d = sluiced(lb, config(lb, "down"))
    states = {k: b["health"]["state"] for k, b in backends(d).items()}
    assert states == {"b1": "unknown", "b2": "unknown", "b3": "unknown"}, states
    # No backend has passed: nothing is sent to any of them.
    p = lb.run("cl", ["curl", "-sS", "-m", "1", f"http://{VIP}/"], check=False, timeout=10)
    assert p.returncode != 0, f"answered before any check passed: {p.stdout!r}"
    assert conns(d) == {"b1": 0, "b2": 0, "b3": 0}, conns(d)

    # b2's check may pass now (its SYN is retransmitted within a few seconds): b2 alone
    # takes the conns while b1's and b3's checks still wait for their timeout.
    release_checks(lb, 2)
    deadline = time.monotonic() + TIMEOUT_S
    while backends(d)["b2"]["health"]["state"] != "up" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert backends(d)["b2"]["health"]["state"] == "up", backends(d)["b2"]
    assert time.monotonic() - t0 < TIMEOUT_S, "too slow: b1's and b3's first results came"
    wait_http(lb, d, timeout=3)
    answers = http_many(lb, 6)
    assert set(answers) == {"b2"}, answers
    states = {k: b["health"]["state"] for k, b in backends(d).items()}
    if time.monotonic() - t0 < TIMEOUT_S:
        assert states["b1"] == states["b3"] == "unknown", states
    c = conns(d)
    assert c["b1"] == 0 and c["b3"] == 0 and c["b2"] >= 6, c
