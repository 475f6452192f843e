# SPDX-License-Identifier: Apache-2.0
"""Health checks and VIP announcement on one node (issue 4), against real nginx and dnsmasq.

A backend whose server stops is taken out within interval x fall (plus one timeout) and no
request after that fails; restarted, it is back after `rise` successes and takes traffic. The
state, the last result and the time of the last change are in the API and `sluicectl list`;
each change is logged once. A VIP is a /32 on the interface sl-vip while one of its backends
is usable, and not otherwise."""

import json
import re
import subprocess
import time

import pytest

from conftest import SLUICECTL, SLUICED, api, backend_name, dig_many, http_many, lab, wait_http

HC = {"type": "http", "path": "/healthz", "interval": "1s", "timeout": "500ms", "rise": 2,
      "fall": 2}
# What interval x fall (or rise) may take at most here: the count, one timeout, one interval
# of phase (the server stopped just after a check) and a second of slack for a loaded CI box.
FALL_LIMIT = 1.0 * 2 + 0.5 + 1.0 + 1.0


def health(d, vip="10.0.0.10:80/tcp"):
    return {backend_name(b["address"]): b for b in d.service(vip)["backends"]}


def wait_state(d, who, state, limit, vip="10.0.0.10:80/tcp"):
    """Seconds until backend `who` shows health state `state`; fails after `limit` s."""
    t0 = time.monotonic()
    while True:
        b = health(d, vip)[who]
        if b["health"] and b["health"]["state"] == state:
            return time.monotonic() - t0
        if time.monotonic() - t0 > limit:
            pytest.fail(f"{who} not {state} after {limit} s: {b}")
        time.sleep(0.1)


def announced(lb):
    """The /32s on sl-vip in the node's namespace."""
    out = lb.run("lb", ["ip", "-j", "addr", "show", "dev", "sl-vip"], check=False).stdout
    try:
        return sorted(a["local"] for i in json.loads(out) for a in i.get("addr_info", []))
    except ValueError:
        return None  # no such interface


def wait_announced(lb, want, limit=5):
    deadline = time.monotonic() + limit
    while announced(lb) != want and time.monotonic() < deadline:
        time.sleep(0.1)
    assert announced(lb) == want


def test_http_check_takes_backend_out_and_back(make_lab, sluiced):
    lb = make_lab(backends=3)
    svc = {"vip": "10.0.0.10:80/tcp", "scheduler": "rr", "health_check": HC,
           "backends": [(f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", 1) for k in (1, 2, 3)]}
    d = sluiced(lb, lb.sluiced_config(services=[svc]))
    for k in ("b1", "b2", "b3"):
        wait_state(d, k, "up", 10)
    wait_http(lb, d)

    lb.stop_server(2)
    took = wait_state(d, "b2", "down", FALL_LIMIT)
    b2 = health(d)["b2"]
    assert b2["state"] == "down" and b2["health"]["last_ok"] is False, b2
    assert "connect" in b2["health"]["last_result"].lower(), b2
    assert b2["health"]["last_change"] and b2["health"]["seconds_in_state"] <= 2, b2
    # No request after that fails, and none goes to b2.
    answers = http_many(lb, 30)
    assert "FAIL" not in answers and "b2" not in answers, answers
    assert set(answers) == {"b1", "b3"}, answers

    # The list shows it: state column, and the check with its last result.
    p = subprocess.run([str(SLUICECTL), "-s", d.socket, "list"], capture_output=True,
                       text=True, timeout=15, stdin=subprocess.DEVNULL)
    row = next(line for line in p.stdout.splitlines() if lab.backend_addr(2) in line)
    assert re.search(r"\bdown\s+http down for \d+s: ", row), p.stdout
    assert "withdrawn" not in p.stdout and "announced" in p.stdout, p.stdout

    lb.start_server(2)
    took_up = wait_state(d, "b2", "up", FALL_LIMIT)
    answers = http_many(lb, 30)
    assert "FAIL" not in answers and "b2" in answers, answers

    # Each change logged once: one down and one up for b2. (It started up, health_check.start's
    # default, so its first pass changed nothing and said nothing.)
    log = d.log.read_text()
    b2log = [line for line in log.splitlines() if f"health: {lab.backend_addr(2)}:" in line]
    assert [("down" if " is down " in line else "up") for line in b2log] == \
        ["down", "up"], b2log
    print(f"down after {took:.1f} s, up after {took_up:.1f} s")


def test_dns_check_and_backend_override(make_lab, sluiced):
    lb = make_lab(backends=3, dns=True)
    svc = {"vip": "10.0.0.10:53/udp", "scheduler": "rr",
           "health_check": {"type": "dns", "query": lab.DNS_NAME, "interval": "1s",
                            "timeout": "500ms", "rise": 1, "fall": 1},
           # b3 asks for a name its dnsmasq refuses: its own check fails, the others pass.
           "backends": [{"address": f"{lab.backend_addr(1)}:53"},
                        {"address": f"{lab.backend_addr(2)}:53"},
                        {"address": f"{lab.backend_addr(3)}:53",
                         "health_check": {"query": "not.served"}}]}
    d = sluiced(lb, lb.sluiced_config(services=[svc]))
    vip = "10.0.0.10:53/udp"
    wait_state(d, "b1", "up", 10, vip)
    wait_state(d, "b2", "up", 10, vip)
    wait_state(d, "b3", "down", 10, vip)
    assert health(d, vip)["b3"]["health"]["last_result"] == "REFUSED"
    answers = dig_many(lb, 20, name="who.test", qtype="TXT")
    assert "FAIL" not in answers and set(answers) == {'"b1"', '"b2"'}, answers

    # A stopped dnsmasq: the ICMP port unreachable comes back through the kernel twin, so
    # the check fails at once rather than at its timeout.
    lb.stop_server(1, "dnsmasq")
    wait_state(d, "b1", "down", 4, vip)
    assert "refused" in health(d, vip)["b1"]["health"]["last_result"].lower()
    answers = dig_many(lb, 10, name="who.test", qtype="TXT")
    assert set(answers) == {'"b2"'}, answers


def test_vip_announcement(make_lab, sluiced):
    lb = make_lab(backends=2)
    be = [(f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", 1) for k in (1, 2)]
    svcs = [{"vip": "10.0.0.10:80/tcp", "health_check": HC, "backends": be},
            {"vip": "10.0.0.11:80/tcp", "announce": "never", "backends": be},
            {"vip": "10.0.0.12:80/tcp", "announce": "always", "backends": []},
            {"vip": "10.0.0.13:80/tcp", "backends": []}]  # healthy: nothing to announce
    d = sluiced(lb, lb.sluiced_config(services=svcs))
    wait_announced(lb, ["10.0.0.10", "10.0.0.12"])
    s = {x["vip"]: x for x in d.services()}
    assert s["10.0.0.10:80/tcp"]["announced"] and not s["10.0.0.11:80/tcp"]["announced"]
    # Taken off by someone else: put back within the upkeep second.
    lb.run("lb", ["ip", "addr", "del", "10.0.0.10/32", "dev", "sl-vip"])
    wait_announced(lb, ["10.0.0.10", "10.0.0.12"], limit=3)
    assert "had been taken off sl-vip" in d.log.read_text()

    # Every backend of 10.0.0.10 failing withdraws it; one back announces it again.
    lb.stop_server(1)
    lb.stop_server(2)
    wait_announced(lb, ["10.0.0.12"], limit=FALL_LIMIT + 1)
    assert d.service("10.0.0.10:80/tcp")["announced"] is False
    lb.start_server(2)
    wait_announced(lb, ["10.0.0.10", "10.0.0.12"], limit=FALL_LIMIT + 1)

    # An operator taking the last usable backend out withdraws too (weight 0 = drain).
    status, _ = api(d, "PATCH", f"/v1/services/10.0.0.10:80/tcp/backends/{be[1][0]}",
                    {"weight": 0})
    assert status in (200, 204)
    wait_announced(lb, ["10.0.0.12"])
    status, _ = api(d, "PATCH", f"/v1/services/10.0.0.10:80/tcp/backends/{be[1][0]}",
                    {"weight": 1})
    wait_announced(lb, ["10.0.0.10", "10.0.0.12"])

    # A deleted service is withdrawn; one added with a usable backend is announced.
    status, _ = api(d, "DELETE", "/v1/services/10.0.0.12:80/tcp")
    assert status in (200, 204)
    wait_announced(lb, ["10.0.0.10"])
    status, _ = api(d, "POST", "/v1/services/10.0.0.13:80/tcp/backends", {"address": be[1][0]})
    assert status in (200, 201)
    wait_announced(lb, ["10.0.0.10", "10.0.0.13"])

    # SIGKILL: the interface, and with it every announced address, goes with the process.
    d.proc.kill()
    d.proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while announced(lb) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert announced(lb) is None, "sl-vip outlived sluiced"


def test_announce_interface_clash_and_off(make_lab, sluiced, tmp_path):
    """An interface of that name exists (adopting it would announce after a crash): named in
    the config, sluiced refuses to start with a clear line; the default only warns (a node
    that cannot announce still forwards). announce_interface: false starts without one."""
    lb = make_lab(backends=1)
    lb.run("lb", ["ip", "tuntap", "add", "sl-vip", "mode", "tun"])
    cfg = lb.sluiced_config()
    bad = tmp_path / "clash.yaml"
    bad.write_text(cfg.replace("control:\n", "control:\n  announce_interface: sl-vip\n"))
    p = lb.run("lb", [SLUICED, "-c", bad], check=False, timeout=60)
    assert p.returncode != 0
    assert "control.announce_interface" in p.stderr and "sl-vip" in p.stderr, p.stderr

    d = sluiced(lb, cfg, tag="default")
    wait_http(lb, d)
    assert "no VIP is announced" in d.log.read_text()
    assert d.service("10.0.0.10:80/tcp")["announced"] is False
    d.stop()
    lb.run("lb", ["ip", "link", "del", "sl-vip"])

    off = cfg.replace("control:\n", "control:\n  announce_interface: false\n")
    d = sluiced(lb, off)
    wait_http(lb, d)
    assert announced(lb) is None



def test_check_added_to_live_backend_keeps_it(make_lab, sluiced):
    """A check added to backends that serve (PUT of the service) does not take them out until
    it has said something: no flap of the VIP, no `down` in between."""
    lb = make_lab(backends=2)
    be = [(f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", 1) for k in (1, 2)]
    d = sluiced(lb, lb.sluiced_config(services=[{"vip": "10.0.0.10:80/tcp", "backends": be}]))
    wait_http(lb, d)
    wait_announced(lb, ["10.0.0.10"])
    body = {"vip": "10.0.0.10:80/tcp", "health_check": HC,
            "backends": [{"address": a, "weight": w} for a, w in be]}
    status, doc = api(d, "PUT", "/v1/services/10.0.0.10:80/tcp", body)
    assert status == 200, doc
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        assert announced(lb) == ["10.0.0.10"]
        assert {b["state"] for b in health(d).values()} == {"up"}, health(d)
    log = d.log.read_text()
    assert "withdrawn" not in log and " is down " not in log, log
    assert {b["health"]["last_result"] for b in health(d).values()} == {"status 200"}
