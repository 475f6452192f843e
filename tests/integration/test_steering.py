# SPDX-License-Identifier: Apache-2.0
"""Reply steering (issue 13, item 3; src/net/steer.c). With two workers, sluiced asks every
port's device, with rte_flow_validate, to send the backends' replies to the worker that owns
their conn (one rule per LIP, worker and protocol). No virtual device here takes such a
rule, so every port falls back to the software hand-off, says so in `sluicectl stats` with
the device's answer, and the replies still reach their conns: a reply that lands on the
other worker's queue is handed over (the workers' `handoffs` grow) and every request is
answered. With one worker there is nothing to steer and nothing is asked."""

import subprocess

from conftest import SLUICECTL, VIP, wait_http

N_REQUESTS = 40


def stats_text(d):
    """`sluicectl stats` as an operator reads it."""
    return subprocess.run([str(SLUICECTL), "-s", d.socket, "stats"], capture_output=True,
                          text=True, timeout=15, check=True).stdout


def test_steering_falls_back_to_handoff(make_lab, sluiced):
    # af_packet: two workers share an interface's queue by the kernel's fanout hash (the
    # lab's veths have one queue, which af_xdp cannot split between two workers)
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config(workers=2))
    wait_http(lb, d)
    for p in d.stats()["ports"]:
        st = p["steering"]
        assert st["mode"] == "software", p
        assert st["rules"] == 0, p
        assert st["reason"].startswith("rte_flow_validate: "), p
    text = stats_text(d)
    assert "Reply steering" in text and "software" in text and "rte_flow_validate" in text, text
    assert "steering" in d.log.read_text(), "the start log says nothing of the steering"

    before = sum(w["handoffs"] for w in d.stats()["workers"])
    # new conns from new source ports: the hash spreads them and their replies over both
    # queues, so some replies land on the worker that does not own their conn
    for i in range(N_REQUESTS):
        p = lb.run("cl", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5",
                          f"http://{VIP}/"], check=False, timeout=10)
        assert p.stdout == "200", f"request {i}: {p.stdout!r} {p.stderr}"
    after = sum(w["handoffs"] for w in d.stats()["workers"])
    assert after > before, f"no reply was handed over in {N_REQUESTS} requests ({before})"
    print(f"\nsteering: {d.stats()['ports'][1]['steering']}; handoffs {before} -> {after}")


def test_one_worker_steers_nothing(make_lab, sluiced):
    lb = make_lab(backends=1)
    d = sluiced(lb, lb.sluiced_config(workers=1))
    wait_http(lb, d)
    for p in d.stats()["ports"]:
        assert p["steering"] == {"mode": "none", "rules": 0, "reason": ""}, p
    text = stats_text(d)
    assert "Reply steering" not in text, text
