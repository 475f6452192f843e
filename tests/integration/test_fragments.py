# SPDX-License-Identifier: Apache-2.0
"""IPv4 fragments by port kind (issue 8, item 17; docs/operations.md, "IP fragments").

sluiced does not reassemble: a fragment that reaches it is dropped as `ip_fragment`. What
reaches it depends on the port. DPDK's af_packet PMD joins a packet fanout group with the
kernel's defrag flag, so on `net_af_packet` the kernel reassembles first: a datagram that
fits the port's frames goes on whole, a larger one arrives cut and is dropped as
`bad_ip_length`, and a fragment whose siblings never come is held by the kernel and never
seen. On `net_af_xdp` (and a NIC) every fragment reaches sluiced and is dropped as
`ip_fragment`."""

import time

import pytest

from conftest import VIP, lab

PORT = 5300

LISTEN = f"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", {PORT}))
while True:
    d, a = s.recvfrom(65535)
    print(len(d), flush=True)
"""

SEND = f"""
import sys
from scapy.all import IP, UDP, Raw, conf, fragment, send
conf.verb = 0
size, fragsize, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
pkt = IP(dst="{VIP}", id=size) / UDP(sport=41000 + size % 1000, dport={PORT}) / Raw(b"x" * size)
frags = fragment(pkt, fragsize=fragsize)
send(frags[:n] if n else frags)
print(len(frags))
"""


def received(log):
    return [int(x) for x in log.read_text().split()] if log.exists() else []


def drops(d):
    return d.stats()["drops"]


@pytest.mark.parametrize("xdp", [False, True], ids=["af_packet", "af_xdp"])
def test_fragments_by_port_kind(make_lab, sluiced, tmp_path, xdp):
    lb = make_lab(backends=1)
    log = tmp_path / "udp.log"
    lb.spawn("b1", ["/usr/bin/python3", "-c", LISTEN], "udp-listen", log=log)
    svc = {"vip": f"{VIP}:{PORT}/udp", "scheduler": "rr",
           "backends": [(f"{lab.backend_addr(1)}:{PORT}", 1)]}
    d = sluiced(lb, lb.sluiced_config(services=[svc], xdp=xdp))

    def send(size, fragsize, n=0):
        lb.run("cl", ["/usr/bin/python3", "-c", SEND, size, fragsize, n], timeout=60)

    # A whole datagram first: the path works (and ARP is done) before fragments go.
    deadline = time.monotonic() + 15
    while 1200 not in received(log) and time.monotonic() < deadline:
        send(1200, 1480)
        time.sleep(0.5)
    assert 1200 in received(log), "an unfragmented datagram did not get through"
    before = drops(d)

    send(1000, 400)          # 3 fragments, 1028 bytes whole
    send(3000, 1200)         # 3 fragments, 3028 bytes whole: more than a port's frame
    send(900, 400, n=1)      # the first fragment alone
    time.sleep(1.5)
    got, after = received(log), drops(d)
    delta = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    print(f"received {got}; new drops {delta}")
    if xdp:
        assert 1000 not in got and 3000 not in got
        assert delta.get("ip_fragment", 0) == 7, delta
    else:
        assert 1000 in got, "af_packet: the kernel's reassembled datagram was not forwarded"
        assert 3000 not in got
        assert delta.get("bad_ip_length", 0) == 1, delta
        assert delta.get("ip_fragment", 0) == 0, delta
