# SPDX-License-Identifier: Apache-2.0
"""An idle node: with no traffic but three health-checked backends, the workers wait in
poll() on the ports' kernel sockets (af_packet here) instead of waking every half
millisecond, and the first packets after idleness are still answered and forwarded: pings
of the node's port address 1 s apart (each after the workers went back to waiting) and an
HTTP request through the VIP. Prints what the daemon's threads cost idle (CPU seconds per
second, all threads) and the ping times, the figures docs/benchmarks.md records."""

import os
import re
import time

from conftest import VIP, wait_http

HC = {"type": "http", "path": "/healthz", "interval": "2s", "timeout": "1s"}


def cpu_seconds(pid):
    """utime + stime of every thread of pid, in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_idle_workers_wait_and_wake(make_lab, sluiced):
    lb = make_lab(backends=3)
    svc = {"vip": f"{VIP}:80/tcp", "scheduler": "rr", "health_check": HC,
           "backends": [(f"10.0.2.1{k}:8080", 1) for k in (1, 2, 3)]}
    d = sluiced(lb, lb.sluiced_config(services=[svc], workers=2))
    wait_http(lb, d)
    workers = d.stats()["workers"]
    assert [w["idle"] for w in workers] == ["wait", "wait"], workers
    time.sleep(2)
    waits0 = [w["idle_waits"] for w in d.stats()["workers"]]
    c0, t0 = cpu_seconds(d.proc.pid), time.monotonic()
    time.sleep(10)
    c1, t1 = cpu_seconds(d.proc.pid), time.monotonic()
    waits1 = [w["idle_waits"] for w in d.stats()["workers"]]
    # every worker went back to waiting, again and again (the health checks wake them)
    assert all(b > a for a, b in zip(waits0, waits1)), (waits0, waits1)
    print(f"\nidle: sluiced used {100 * (c1 - c0) / (t1 - t0):.2f}% of a core over "
          f"{t1 - t0:.1f} s (2 workers, 3 backends checked every 2 s); "
          f"idle waits {waits0} -> {waits1}")
    # the first packet after idleness: each ping comes 1 s after the last packet
    p = lb.run("cl", ["ping", "-n", "-c", "5", "-i", "1", "-W", "2", "10.0.1.1"], check=False,
               timeout=30)
    assert " 0% packet loss" in p.stdout, p.stdout
    rtts = [float(x) for x in re.findall(r"time=([\d.]+) ms", p.stdout)]
    print(f"ping of the port address after 1 s idle, ms: {rtts}")
    time.sleep(1)
    wait_http(lb, d, timeout=5)
