# SPDX-License-Identifier: Apache-2.0
"""Path MTU discovery through sluiced, both families, both directions, two workers.

A router with a 1400-byte link sits on each side of the node:

    far client fc --(1400)-- rc --+-- cl (the near client), bridged --- sluiced
                                                                          |
    b1 (nginx's lab backend, a file server on :8081) ---------- sw bridge +
    far backend fb --(1400)-- rb ------------------------------ sw bridge +

Download: fc fetches a file from b1 through the VIP; b1 sends full-size segments, rc cannot
forward them and tells the VIP (fragmentation needed / packet too big); sluiced relays the
error to b1, which lowers its path MTU. Upload: cl sends a file to fb through the VIP; rb
tells the LIP; sluiced relays the error to cl. Without the relay each is a PMTU black hole
and the transfer stalls. The far end of each small link keeps 1500 bytes, so only the router
drops (a veth drops frames above its own MTU silently)."""

import contextlib
import hashlib
import os
import time

import pytest

from conftest import VIP, dual_stack, lab

VIP6 = "2001:db8:100::10"
CLIENT6 = "2001:db8:1::2"
LIP6 = "2001:db8:2::100"
B1_6 = "2001:db8:2::11"
FAR_CLIENT = ("192.168.50.2", "2001:db8:50::2")
FAR_BACKEND = ("10.0.60.2", "2001:db8:60::2")
SIZE = 8 << 20

# A dual-stack file server: GET /big sends the file, PUT returns the SHA-256 of the body.
SERVE = r"""
import functools, hashlib, http.server, socket, sys
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_PUT(self):
        n, h = int(self.headers["Content-Length"]), hashlib.sha256()
        while n > 0:
            b = self.rfile.read(min(n, 65536))
            if not b:
                break
            h.update(b)
            n -= len(b)
        body = (h.hexdigest() + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
S(("::", int(sys.argv[1])), functools.partial(H, directory=sys.argv[2])).serve_forever()
"""


def sh(ns, *argv, check=True):
    return lab.run(["ip", "netns", "exec", ns, *map(str, argv)], check=check)


def veth(a, ns_a, b, ns_b):
    lab.run(["ip", "link", "add", a, "netns", ns_a, "type", "veth", "peer", "name", b,
             "netns", ns_b])


def up(ns, dev, *addrs, mtu=None):
    sh(ns, "ethtool", "-K", dev, "tx", "off", "tso", "off", "gso", "off", "gro", "off",
       check=False)
    sh(ns, "sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=0")
    for a in addrs:
        sh(ns, "ip", "addr", "add", a, "dev", dev, *(["nodad"] if ":" in a else []))
    if mtu:
        sh(ns, "ip", "link", "set", dev, "mtu", mtu)
    sh(ns, "ip", "link", "set", dev, "up")


def far_end(r, rtag, far, ftag, near, farnet, host, mtu=1400):
    """Router namespace r (whose link toward the node, rtag-n, exists) linked to namespace
    far by rtag-f (of `mtu`; far's end, ftag-n, keeps 1500 bytes): near and farnet the
    router's IPv4 and IPv6 addresses on each side, host the far end's pair, whose default
    routes go via the router."""
    veth(f"{rtag}-f", r, f"{ftag}-n", far)
    up(r, f"{rtag}-n", *near)
    up(r, f"{rtag}-f", *farnet, mtu=mtu)
    up(far, f"{ftag}-n", f"{host[0]}/24", f"{host[1]}/64")
    gw4, gw6 = (a.split("/")[0] for a in farnet)
    sh(far, "ip", "route", "add", "default", "via", gw4)
    sh(far, "ip", "-6", "route", "add", "default", "via", gw6)


@contextlib.contextmanager
def topology(lb, tmp_path):
    """The routers and far ends above; yields the file's SHA-256. Removed afterwards."""
    cl, sw, b1 = lb.ns("cl"), lb.ns("sw"), lb.ns("b1")
    rc, fc, rb, fb = lb.ns("rc"), lb.ns("fc"), lb.ns("rb"), lb.ns("fb")
    big = tmp_path / "www" / "big"
    big.parent.mkdir()
    big.write_bytes(os.urandom(SIZE))
    try:
        for ns in (rc, fc, rb, fb):
            lab.run(["ip", "netns", "add", ns])
            sh(ns, "ip", "link", "set", "lo", "up")
        # The near client's link becomes a segment: a bridge holds it and cl's addresses.
        sh(cl, "ip", "addr", "flush", "dev", lb.client_if)
        sh(cl, "ip", "link", "add", "br-seg", "type", "bridge", "stp_state", "0",
           "forward_delay", "0")
        sh(cl, "ip", "link", "set", lb.client_if, "master", "br-seg")
        veth("rc-n", rc, "seg-rc", cl)
        sh(cl, "ip", "link", "set", "seg-rc", "master", "br-seg")
        up(cl, "seg-rc")
        up(cl, "br-seg", "10.0.1.2/24", f"{CLIENT6}/64")
        sh(cl, "ip", "route", "add", "10.0.0.0/24", "via", "10.0.1.1")
        sh(cl, "ip", "-6", "route", "add", "2001:db8:100::/64", "via", "2001:db8:1::1")
        far_end(rc, "rc", fc, "fc", ("10.0.1.254/24", "2001:db8:1::fe/64"),
                ("192.168.50.1/24", "2001:db8:50::1/64"), FAR_CLIENT)
        # The far backend behind rb, on the backends' switch.
        veth("rb-n", rb, "sw-rb", sw)
        sh(sw, "ip", "link", "set", "sw-rb", "master", lb.bridge)
        up(sw, "sw-rb")
        far_end(rb, "rb", fb, "fb", ("10.0.2.254/24", "2001:db8:2::fe/64"),
                ("10.0.60.1/24", "2001:db8:60::1/64"), FAR_BACKEND)
        for ns, via4, via6 in ((rc, "10.0.1.1", "2001:db8:1::1"),
                               (rb, "10.0.2.1", "2001:db8:2::1")):
            sh(ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            sh(ns, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
            sh(ns, "ip", "route", "add", "10.0.0.0/24", "via", via4)
            sh(ns, "ip", "-6", "route", "add", "2001:db8:100::/64", "via", via6)
        # b1 gets IPv6 and the file server, as does fb
        up(b1, lb.backend_if(1), f"{B1_6}/64")
        lb.spawn("b1", ["/usr/bin/python3", "-c", SERVE, 8081, big.parent], "files-b1")
        lb.spawn("fb", ["/usr/bin/python3", "-c", SERVE, 8080, big.parent], "files-fb")
        yield hashlib.sha256(big.read_bytes()).hexdigest()
    finally:
        for tag in ("files-b1", "files-fb"):
            if tag in lb.children:
                lb.stop(tag)
        for ns in (rc, fc, rb, fb):
            lab.run(["ip", "netns", "del", ns], check=False)


def config(lb):
    services = [{"vip": f"{VIP}:80/tcp", "scheduler": "rr",
                 "backends": [("10.0.2.11:8081", 1)]},
                {"vip": f"'[{VIP6}]:80/tcp'", "scheduler": "rr",
                 "backends": [(f"'[{B1_6}]:8081'", 1)]},
                {"vip": f"{VIP}:81/tcp", "scheduler": "rr",
                 "backends": [(f"{FAR_BACKEND[0]}:8080", 1)]},
                {"vip": f"'[{VIP6}]:81/tcp'", "scheduler": "rr",
                 "backends": [(f"'[{FAR_BACKEND[1]}]:8080'", 1)]}]
    routes = ("  routes: [{to: 192.168.50.0/24, via: 10.0.1.254},"
              " {to: '2001:db8:50::/64', via: '2001:db8:1::fe'},"
              " {to: 10.0.60.0/24, via: 10.0.2.254},"
              " {to: '2001:db8:60::/64', via: '2001:db8:2::fe'}]\n")
    return dual_stack(lb.sluiced_config(services=services, workers=2), LIP6, routes)


def url(family, port, path=""):
    host = VIP if family == 4 else f"[{VIP6}]"
    return f"http://{host}:{port}/{path}"


def curl(ns, *args, timeout=20):
    return lab.run(["ip", "netns", "exec", ns, "curl", "-sS", "-g", "--max-time", str(timeout),
                    *args], check=False, timeout=timeout + 10)


def wait_reach(ns, family, port, timeout=30):
    """Until ns gets an answer from the service (the first ones wait for neighbours)."""
    deadline, p = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        p = curl(ns, "-o", "/dev/null", "-w", "%{http_code}", url(family, port, "nothing"),
                 timeout=3)
        if p.stdout.strip() in ("404", "501"):
            return
        time.sleep(0.3)
    pytest.fail(f"{ns} does not reach {url(family, port)}: {p.stdout} {p.stderr}")


@pytest.mark.parametrize("family", [4, 6])
def test_pmtu_both_directions(make_lab, sluiced, tmp_path, family):
    lb = make_lab(backends=1)
    with topology(lb, tmp_path) as digest:
        d = sluiced(lb, config(lb))
        fc, cl = lb.ns("fc"), lb.ns("cl")
        wait_reach(fc, family, 80)
        wait_reach(cl, family, 81)
        before = d.stats()["icmp_errors"]["relayed"]
        # download to the far client: the error comes from the client's side (to the VIP)
        got = tmp_path / "got"
        p = curl(fc, "-o", got, "-w", "%{http_code} %{size_download}", url(family, 80, "big"))
        assert p.stdout.split() == ["200", str(SIZE)], f"download stalled: {p.stdout} {p.stderr}"
        assert hashlib.sha256(got.read_bytes()).hexdigest() == digest
        down = d.stats()["icmp_errors"]["relayed"]
        assert down > before, "no error was relayed toward the backend"
        # upload from the near client: the error comes from the backend's side (to the LIP)
        p = curl(cl, "-T", tmp_path / "www" / "big", url(family, 81, "up"))
        assert p.returncode == 0 and p.stdout.strip() == digest, \
            f"upload stalled: rc {p.returncode} {p.stdout} {p.stderr}"
        st = d.stats()
        assert st["icmp_errors"]["relayed"] > down, "no error was relayed toward the client"
        assert st["drops"].get("bad_icmp_checksum", 0) == 0, st["drops"]
