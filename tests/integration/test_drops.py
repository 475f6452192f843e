# SPDX-License-Identifier: Apache-2.0
"""Drops and refusals.

A packet for an address that is neither a VIP nor one of sluiced's own is dropped, counted
under `not_for_us` in `sluicectl stats`, and reaches no backend (a capture on the switch port
facing the LB sees none of it; nginx logs nothing). A config with a bad backend weight is
refused, by --check and by a normal start, with one line naming the file, line and field."""

import re
import signal
import subprocess
import time

import pytest
from scapy.all import IP, rdpcap

from conftest import SLUICED, lab, wait_http

NOT_A_VIP = "10.0.0.99"
MARK = b"sluice-drop-probe"
PROBES = 3  # of each kind: TCP SYN and UDP

SEND_PROBES = f"""
from scapy.all import IP, TCP, UDP, Raw, conf, send
conf.verb = 0
send([IP(dst="{NOT_A_VIP}") / TCP(sport=40404, dport=80, flags="S") / Raw({MARK!r}),
      IP(dst="{NOT_A_VIP}") / UDP(sport=40405, dport=53) / Raw({MARK!r})],
     count={PROBES}, inter=0.05)
"""


def access_lines(lb):
    return [len((lb.backend_dir(k) / "access.log").read_text().splitlines())
            for k in range(1, lb.backends + 1)]


def test_not_for_us(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config())
    wait_http(lb, d)
    time.sleep(1)  # let the warm-up conn's last segments pass

    before = d.drops("not_for_us")
    logs_before = access_lines(lb)
    pcap = tmp_path / "sw.pcap"
    cap = lb.spawn("sw", ["tcpdump", "-i", lb.sw_lb_if, "-n", "-U", "-Z", "root", "-w", pcap, "ip"],
                   "tcpdump", log=tmp_path / "tcpdump.log")
    try:
        deadline = time.monotonic() + 10
        while "listening on" not in (tmp_path / "tcpdump.log").read_text():
            assert cap.poll() is None, (tmp_path / "tcpdump.log").read_text()
            assert time.monotonic() < deadline, "tcpdump did not start"
            time.sleep(0.1)

        lb.run("cl", ["/usr/bin/python3", "-c", SEND_PROBES], timeout=60)

        deadline = time.monotonic() + 10
        while d.drops("not_for_us") < before + 2 * PROBES and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
    finally:
        lb.stop("tcpdump", sig=signal.SIGINT)

    after = d.drops("not_for_us")
    assert after - before >= 2 * PROBES, \
        f"not_for_us went {before} -> {after}, sent {2 * PROBES} packets to {NOT_A_VIP}"

    leaked = [p for p in rdpcap(str(pcap)) if IP in p and (
        MARK in bytes(p) or p[IP].dst == NOT_A_VIP or p[IP].src == lab.CLIENT_ADDR)]
    assert not leaked, f"probe packets reached the backend side: {[p.summary() for p in leaked]}"
    assert access_lines(lb) == logs_before, "a backend logged a request during the probe"


def bad_config(lb, tmp_path, weight):
    """A config whose second backend has weight `weight`; returns (path, line of that backend)."""
    text = lb.sluiced_config(services=[{
        "vip": f"{lab.VIP}:80/tcp", "scheduler": "wrr",
        "backends": [(f"{lab.backend_addr(1)}:8080", 1), (f"{lab.backend_addr(2)}:8080", weight)]}])
    line = next(i for i, t in enumerate(text.splitlines(), 1) if f"{lab.backend_addr(2)}:8080" in t)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path, line


@pytest.mark.parametrize("weight", ["-3", "heavy"])
def test_bad_weight_refused(make_lab, tmp_path, weight):
    if not SLUICED.exists():
        pytest.fail(f"{SLUICED} does not exist: build first")
    lb = make_lab(backends=2)
    good = tmp_path / "good.yaml"
    good.write_text(lb.sluiced_config())
    p = subprocess.run([str(SLUICED), "--check", "-c", str(good)], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"--check refused a good config: {p.stderr}"

    path, line = bad_config(lb, tmp_path, weight)
    # "FILE:LINE: FIELD: MSG", maybe behind the program's name ("sluiced: ")
    want = re.compile(rf"^(?:sluiced: )?{re.escape(str(path))}:{line}: \S*weight\S*: \S.*$", re.M)

    p = subprocess.run([str(SLUICED), "--check", "-c", str(path)], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    msg = [m for m in p.stderr.splitlines() if m.strip()]
    assert p.returncode != 0, f"--check accepted weight {weight}"
    assert len(msg) == 1 and want.match(msg[0]), \
        f"--check should print one line '{path}:{line}: FIELD: MSG' naming the weight, printed: {p.stderr!r}"

    # A normal start (inside the lab, so a daemon that wrongly starts touches only the lab)
    # must refuse the same config the same way, without running.
    try:
        p = lb.run("lb", [SLUICED, "-c", path], check=False, timeout=30)
    except lab.LabError:
        pytest.fail("sluiced started with a bad config (still running after 30 s)")
    assert p.returncode != 0, f"sluiced started with weight {weight}"
    assert want.search(p.stderr), \
        f"sluiced's refusal does not name {path}:{line} and the weight: {p.stderr!r}"
