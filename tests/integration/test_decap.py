# SPDX-License-Identifier: Apache-2.0
"""sluice-decap on a backend whose kernel has no ipip or fou module (this machine): IPIP,
IPv6-in-IPv6 and GUE (version 0 and 1, both families) for one of the host's addresses are
decapsulated and the inner datagrams reach a UDP listener; before sluice-decap runs they do
not; a tunnel packet for an address that is not the host's is left alone and counted; on
SIGTERM the program is detached, the clsact qdisc it added removed, and the counts printed."""

import signal
import subprocess
import time
import uuid

import pytest

from conftest import BUILD, lab

DECAP = BUILD / "src" / "tools" / "sluice-decap"
pytestmark = pytest.mark.skipif(not DECAP.exists(), reason="sluice-decap not built (clang, libbpf)")

A4, B4, A6, B6 = "10.77.0.1", "10.77.0.2", "2001:db8:77::1", "2001:db8:77::2"

LISTEN = r"""
import select, socket, sys
socks = []
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 5000))
    socks.append(s)
print("ready", flush=True)
while True:
    r, _, _ = select.select(socks, [], [], 30)
    if not r:
        break
    for s in r:
        print(s.recv(100).decode(), flush=True)
"""

SEND = r"""
import sys
from scapy.all import Ether, IP, IPv6, UDP, Raw, sendp, get_if_hwaddr
iface, dmac, which = sys.argv[1], sys.argv[2], sys.argv[3:]
A4, B4, A6, B6 = "10.77.0.1", "10.77.0.2", "2001:db8:77::1", "2001:db8:77::2"
e = Ether(src=get_if_hwaddr(iface), dst=dmac)
def in4(tag, dst=B4): return IP(src=A4, dst=dst) / UDP(sport=4000, dport=5000) / tag
def in6(tag): return IPv6(src=A6, dst=B6) / UDP(sport=4000, dport=5000) / tag
pkts = {
    "ipip": e / IP(src=A4, dst=B4, proto=4) / in4("ipip"),
    "ip6ip6": e / IPv6(src=A6, dst=B6, nh=41) / in6("ip6ip6"),
    "gue0": e / IP(src=A4, dst=B4) / UDP(sport=50001, dport=6080) / Raw(b"\x00\x04\x00\x00") / in4("gue0"),
    "gue1": e / IP(src=A4, dst=B4) / UDP(sport=50002, dport=6080) / in4("gue1"),
    "gue6": e / IPv6(src=A6, dst=B6) / UDP(sport=50003, dport=6080) / in6("gue6"),
    "far": e / IP(src=A4, dst=B4, proto=4) / in4("far", dst="10.77.9.9"),
}
for w in which:
    sendp(pkts[w], iface=iface, verbose=False)
"""


def sh(ns, *argv, check=True):
    return lab.run(["ip", "netns", "exec", ns, *map(str, argv)], check=check)


def test_decap_ipip_ip6ip6_gue(tmp_path):
    tag = uuid.uuid4().hex[:6]
    na, nb = f"dc{tag}a", f"dc{tag}b"
    procs = []
    try:
        for ns in (na, nb):
            lab.run(["ip", "netns", "add", ns])
            sh(ns, "ip", "link", "set", "lo", "up")
        lab.run(["ip", "link", "add", "dca", "netns", na, "type", "veth", "peer", "name", "dcb",
                 "netns", nb])
        for ns, dev, a4, a6 in ((na, "dca", A4, A6), (nb, "dcb", B4, B6)):
            sh(ns, "ethtool", "-K", dev, "tx", "off", check=False)
            sh(ns, "ip", "addr", "add", f"{a4}/24", "dev", dev)
            sh(ns, "ip", "addr", "add", f"{a6}/64", "dev", dev, "nodad")
            sh(ns, "ip", "link", "set", dev, "up")
        bmac = sh(nb, "cat", "/sys/class/net/dcb/address").stdout.strip()
        out = tmp_path / "listen.out"
        listen = subprocess.Popen(["ip", "netns", "exec", nb, "/usr/bin/python3", "-c", LISTEN],
                                  stdout=open(out, "w"), stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
        procs.append(listen)
        deadline = time.monotonic() + 10
        while "ready" not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)

        def send(*which):
            sh(na, "/usr/bin/python3", "-c", SEND, "dca", bmac, *which)

        def got():
            time.sleep(0.5)
            return out.read_text().split()[1:]

        # without sluice-decap the kernel cannot take them apart (no ipip, no fou)
        send("ipip", "gue1")
        assert got() == [], out.read_text()
        dout = tmp_path / "decap.out"
        decap = subprocess.Popen(["ip", "netns", "exec", nb, DECAP, "dcb", "--gue-port", "6080"],
                                 stdout=open(dout, "w"), stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
        procs.append(decap)
        deadline = time.monotonic() + 10
        while "decapsulating" not in dout.read_text() and time.monotonic() < deadline:
            assert decap.poll() is None, dout.read_text()
            time.sleep(0.1)
        assert "(IPIP, IPv6-in-IPv6, GUE on UDP 6080)" in dout.read_text(), dout.read_text()
        assert "clsact" in sh(nb, "tc", "qdisc", "show", "dev", "dcb").stdout
        send("ipip", "ip6ip6", "gue0", "gue1", "gue6", "far")
        assert sorted(got()) == ["gue0", "gue1", "gue6", "ip6ip6", "ipip"], out.read_text()
        decap.send_signal(signal.SIGTERM)
        assert decap.wait(timeout=10) == 0, dout.read_text()
        text = dout.read_text()
        assert "ipip 1 ip6ip6 1 gue 3 not_local 1 malformed 0 failed 0" in text, text
        # detached, and the qdisc it added gone
        assert "clsact" not in sh(nb, "tc", "qdisc", "show", "dev", "dcb").stdout
        send("ipip")
        assert sorted(got()) == ["gue0", "gue1", "gue6", "ip6ip6", "ipip"], out.read_text()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for ns in (na, nb):
            lab.run(["ip", "netns", "del", ns], check=False)
