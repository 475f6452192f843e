# SPDX-License-Identifier: Apache-2.0
"""A port with an IPv6 address beside its IPv4 one answers the client's kernel: neighbour
discovery (the kernel's solicitation to the solicited-node multicast address) and ping, on
af_packet and af_xdp; TCP to it reaches the kernel twin, and the twin's own IPv6 traffic
follows the config's IPv6 routes. IPv4 keeps working beside it."""

import re
import time

import pytest

from conftest import wait_http

PORT6 = "2001:db8:1::1"
CLIENT6 = "2001:db8:1::2"


@pytest.mark.parametrize("xdp", [False, True], ids=["af_packet", "af_xdp"])
def test_ping6_the_port(make_lab, sluiced, xdp):
    lb = make_lab(backends=1)
    conf = lb.sluiced_config(xdp=xdp).replace(
        "      address: 10.0.1.1/24", f"      address: [10.0.1.1/24, {PORT6}/64]", 1)
    assert PORT6 in conf, conf
    # the lab keeps IPv6 off its interfaces; the client's gets it back, with its own
    # address and without duplicate-address detection's delay
    lb.run("cl", ["sysctl", "-qw", f"net.ipv6.conf.{lb.client_if}.disable_ipv6=0"])
    lb.run("cl", ["ip", "-6", "addr", "add", f"{CLIENT6}/64", "dev", lb.client_if, "nodad"])
    d = sluiced(lb, conf)
    wait_http(lb, d)
    out = ""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        p = lb.run("cl", ["ping", "-6", "-n", "-c", "3", "-i", "0.2", "-W", "1", PORT6],
                   check=False, timeout=20)
        out = p.stdout + p.stderr
        if p.returncode == 0:
            break
        time.sleep(0.5)
    assert re.search(r"3 packets transmitted, 3 received", out), out
    # the kernel learnt the port's MAC from the advertisement
    neigh = lb.run("cl", ["ip", "-6", "neigh", "show", PORT6]).stdout
    assert "lladdr" in neigh and ("REACHABLE" in neigh or "STALE" in neigh or
                                  "DELAY" in neigh or "PROBE" in neigh), neigh
    st = d.stats()
    assert st["drops"].get("bad_icmp_checksum", 0) == 0, st["drops"]
    # IPv4 through the VIP still works beside it
    wait_http(lb, d)


SERVE = """
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 2222))
s.listen(4)
while True:
    c, a = s.accept()
    c.sendall(b"twin " + a[0].encode() + b"\\n")
    c.close()
"""

CONNECT = """
import socket, sys
c = socket.create_connection((sys.argv[1], 2222), timeout=3)
print(c.recv(100).decode().strip())
"""


def test_tcp6_to_the_port_reaches_the_kernel_twin(make_lab, sluiced):
    """TCP over IPv6 to the port's own address is the node's: it reaches a listener on the
    kernel twin (which has the port's IPv6 address), and the twin's answers, with its own
    neighbour discovery, leave through the port."""
    lb = make_lab(backends=1)
    conf = lb.sluiced_config().replace(
        "      address: 10.0.1.1/24", f"      address: [10.0.1.1/24, {PORT6}/64]", 1)
    lb.run("cl", ["sysctl", "-qw", f"net.ipv6.conf.{lb.client_if}.disable_ipv6=0"])
    lb.run("cl", ["ip", "-6", "addr", "add", f"{CLIENT6}/64", "dev", lb.client_if, "nodad"])
    d = sluiced(lb, conf)
    wait_http(lb, d)
    # the twin got the address (no duplicate-address detection: usable at once)
    addrs = lb.run("lb", ["ip", "-6", "-o", "addr", "show", "dev", "sl-client"]).stdout
    mine = [ln for ln in addrs.splitlines() if f" {PORT6}/64 " in ln]
    assert mine and "tentative" not in mine[0], addrs
    lb.spawn("lb", ["/usr/bin/python3", "-c", SERVE, PORT6], "serve6")
    out = ""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        p = lb.run("cl", ["/usr/bin/python3", "-c", CONNECT, PORT6], check=False, timeout=20)
        out = p.stdout + p.stderr
        if p.returncode == 0:
            break
        time.sleep(0.5)
    assert out.strip() == f"twin {CLIENT6}", out


def test_ipv6_routes_reach_the_kernel_twin(make_lab, sluiced):
    """An IPv6 route of the config whose next hop is on a port is the kernel's too, through
    that port's twin (metric 1000, as the IPv4 ones): the node's own IPv6 traffic to a far
    network (a health check to a backend behind a router, say) follows it."""
    lb = make_lab(backends=1)
    conf = lb.sluiced_config().replace(
        "      address: 10.0.1.1/24", f"      address: [10.0.1.1/24, {PORT6}/64]", 1).replace(
        "  local_addresses:", f"  routes: [{{to: '2001:db8:9::/64', via: '{CLIENT6}'}}]\n"
                              "  local_addresses:", 1)
    lb.run("cl", ["sysctl", "-qw", f"net.ipv6.conf.{lb.client_if}.disable_ipv6=0"])
    lb.run("cl", ["sysctl", "-qw", "net.ipv6.conf.lo.disable_ipv6=0"])
    lb.run("cl", ["ip", "-6", "addr", "add", f"{CLIENT6}/64", "dev", lb.client_if, "nodad"])
    # the client stands in for a router to 2001:db8:9::/64, holding one of its addresses
    lb.run("cl", ["ip", "-6", "addr", "add", "2001:db8:9::1/128", "dev", "lo"])
    d = sluiced(lb, conf)
    wait_http(lb, d)
    routes = lb.run("lb", ["ip", "-6", "route", "show", "2001:db8:9::/64"]).stdout
    assert f"via {CLIENT6} dev sl-client" in routes and "metric 1000" in routes, routes
    lb.spawn("cl", ["/usr/bin/python3", "-c", SERVE, "2001:db8:9::1"], "serve6-far")
    out = ""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        p = lb.run("lb", ["/usr/bin/python3", "-c", CONNECT, "2001:db8:9::1"], check=False,
                   timeout=20)
        out = p.stdout + p.stderr
        if p.returncode == 0:
            break
        time.sleep(0.5)
    # the far end saw the node's port address: the route's source, through the twin
    assert out.strip() == f"twin {PORT6}", out
