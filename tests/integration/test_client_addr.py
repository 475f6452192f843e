# SPDX-License-Identifier: Apache-2.0
"""The client's address to FULLNAT backends (client_address), with real peers: nginx listening
with `proxy_protocol` answers every request with $proxy_protocol_addr and _port, over PROXY v1
and v2, an IPv4 and an IPv6 VIP, NAT64, through the SYN proxy, every scheduler and two
workers, and a 100 MB upload (its first segment a full one, the header in a segment of its
own) and download arrive whole; a server that speaks first is heard before the header and
gets it with the client's first byte, and the setting changes live with `sluicectl service
set`; TOA is seen in the backend's capture of the SYN and the first ACK; a UDP backend reads
the PROXY v2 header of every datagram and its answers come back untouched."""

import hashlib
import os
import signal
import subprocess
import time

from conftest import SLUICECTL, VIP, api, dual_stack, wait_http
from test_fullnat6 import CLIENT6, LIP6, VIP6, backend6, setup_v6

BIG_MB = 100
PP_PORT = 8081  # the backends' nginx that wants a PROXY header
V2_SIG = bytes.fromhex("0d0a0d0a000d0a515549540a")
SCHEDULERS = ("rr", "wrr", "lc", "wlc", "sh", "maglev")


def nginx_pp(lb, k, d, big):
    """Backend k's second nginx: PROXY protocol on PP_PORT (IPv4 and IPv6), `/` answering
    the client's address and port it read, /big 100 MB, /up/ taking PUTs."""
    (d / "tmp").mkdir(parents=True)
    (d / "up").mkdir()
    (d / "www").mkdir()
    os.link(big, d / "www" / "big")
    conf = d / "nginx.conf"
    conf.write_text(f"""daemon off;
master_process on;
worker_processes 1;
user root root;
pid {d}/nginx.pid;
error_log {d}/error.log notice;
events {{ worker_connections 1024; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    default_type application/octet-stream;
    server {{
        listen 10.0.2.1{k}:{PP_PORT} proxy_protocol;
        listen [{backend6(k)}]:{PP_PORT} proxy_protocol;
        listen 10.0.2.1{k}:{PP_PORT + 1};
        location = / {{ default_type text/plain;
                       return 200 "b{k} $proxy_protocol_addr $proxy_protocol_port\\n"; }}
        location = /big {{ root {d}/www; }}
        location /up/ {{ root {d}; dav_methods PUT; client_max_body_size 200m; }}
    }}
}}
""")
    lb.spawn(f"b{k}", ["nginx", "-e", d / "error.log", "-p", d, "-c", conf], f"nginx-pp-b{k}",
             log=d / "nginx.out")


def setup_lab(lb, tmp_path):
    """IPv6 on the client and both backends and a 100 MB file (test_fullnat6's), each
    backend's PROXY nginx; the file's path and digest."""
    digest = setup_v6(lb, tmp_path)
    big = tmp_path / "big"
    for k in (1, 2):
        nginx_pp(lb, k, tmp_path / f"pp{k}", big)
    return big, digest


def pp_backends(v6=False):
    if v6:
        return [(f"'[{backend6(k)}]:{PP_PORT}'", 1) for k in (1, 2)]
    return [(f"10.0.2.1{k}:{PP_PORT}", 1) for k in (1, 2)]


def services():
    sp = {"synproxy": True}
    return [
        {"vip": f"{VIP}:80/tcp", "scheduler": "rr", "backends": [("10.0.2.11:8080", 1)]},
        {"vip": f"{VIP}:81/tcp", "scheduler": "rr", "client_address": "proxy-v1",
         "backends": pp_backends()},
        {"vip": f"{VIP}:82/tcp", "scheduler": "rr", "client_address": "proxy-v2",
         "defense": sp, "backends": pp_backends()},
        {"vip": f"'[{VIP6}]:81/tcp'", "scheduler": "rr", "client_address": "proxy-v2",
         "backends": pp_backends(v6=True)},
        {"vip": f"'[{VIP6}]:82/tcp'", "scheduler": "rr", "client_address": "proxy-v1",
         "defense": sp, "backends": pp_backends()},  # NAT64, through the SYN proxy
    ]


def curl(lb, url, *args, timeout=60):
    return lb.run("cl", ["curl", "-sS", "-g", "--max-time", str(timeout), *args, url],
                  check=False, timeout=timeout + 15)


def who(lb, url):
    """(backend, address, port nginx read from the header, the client's own port)."""
    p = curl(lb, url, "-w", " %{local_port}", timeout=5)
    assert p.returncode == 0, f"{url}: {p.stderr}"
    name, addr, port, local = p.stdout.split()
    return name, addr, port, local


def up_and_down(lb, tmp_path, url, big, digest):
    """The 100 MB file downloaded whole, and uploaded whole: its first segment full (the
    request and the body in one write), so the header goes in a segment of its own."""
    out = tmp_path / "down"
    p = curl(lb, f"{url}/big", "-o", str(out), timeout=180)
    assert p.returncode == 0, p.stderr
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    out.unlink()
    host, port = url.rsplit("/", 1)[1].rsplit(":", 1)
    send = f"""
import socket, sys
body = open({str(big)!r}, "rb").read()
req = (b"PUT /up/file HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n"
       % len(body))
c = socket.create_connection(({host.strip('[]')!r}, {port}), timeout=120)
c.sendall(req + body)
r = b""
while True:
    d = c.recv(65536)
    if not d:
        break
    r += d
print(r.split(b"\\r\\n")[0].decode())
"""
    for k in (1, 2):
        f = tmp_path / f"pp{k}" / "up" / "file"
        if f.exists():
            f.unlink()
    p = lb.run("cl", ["/usr/bin/python3", "-c", send], check=False, timeout=180)
    assert p.returncode == 0 and " 201 " in p.stdout + " ", p.stdout + p.stderr
    got = [tmp_path / f"pp{k}" / "up" / "file" for k in (1, 2)]
    got = [f for f in got if f.exists()]
    assert len(got) == 1
    assert hashlib.sha256(got[0].read_bytes()).hexdigest() == digest


def test_proxy_protocol_nginx(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    big, digest = setup_lab(lb, tmp_path)
    d = sluiced(lb, dual_stack(lb.sluiced_config(services=services(), workers=2), LIP6))
    wait_http(lb, d)
    urls = {f"http://{VIP}:81": ("10.0.1.2", "proxy-v1"),
            f"http://{VIP}:82": ("10.0.1.2", "proxy-v2"),
            f"http://[{VIP6}]:81": (CLIENT6, "proxy-v2"),
            f"http://[{VIP6}]:82": (CLIENT6, "proxy-v1")}
    # the first IPv6 answers wait for neighbour discovery
    deadline = time.monotonic() + 20
    while curl(lb, f"http://[{VIP6}]:81/", timeout=3).returncode != 0:
        assert time.monotonic() < deadline, "no answer through the IPv6 VIP"
        time.sleep(0.5)
    for url, (client, kind) in urls.items():
        names = set()
        for _ in range(6):
            name, addr, port, local = who(lb, f"{url}/")
            assert (addr, port) == (client, local), f"{url} ({kind}): nginx read {addr} {port}"
            names.add(name)
        assert names == {"b1", "b2"}, f"{url}: rr reached {names}"
    svc = d.service(f"{VIP}:81/tcp")
    assert svc["client_address"] == "proxy-v1"
    assert svc["client_address_counts"]["proxy_headers"] >= 6
    assert d.service(f"{VIP}:82/tcp")["synproxy"]["opened"] >= 6
    st = d.stats()
    assert len(st["workers"]) == 2 and all(w["conns"] > 0 for w in st["workers"]), st["workers"]
    # every scheduler, changed live
    for sched in SCHEDULERS:
        d.ctl("service", "set", f"{VIP}:81/tcp", "--scheduler", sched)
        for _ in range(3):
            _, addr, port, local = who(lb, f"http://{VIP}:81/")
            assert (addr, port) == ("10.0.1.2", local), f"scheduler {sched}"
    # 100 MB both ways: IPv4 through the SYN proxy (v2), and NAT64 through it (v1)
    before = d.service(f"{VIP}:82/tcp")["client_address_counts"]["proxy_split"]
    up_and_down(lb, tmp_path, f"http://{VIP}:82", big, digest)
    assert d.service(f"{VIP}:82/tcp")["client_address_counts"]["proxy_split"] > before
    up_and_down(lb, tmp_path, f"http://[{VIP6}]:82", big, digest)
    text = subprocess.run([SLUICECTL, "-s", d.socket, "list"], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=15, check=True).stdout
    assert "client_address proxy-v2" in text, text
    m = subprocess.run(["curl", "-sS", "--unix-socket", d.socket, "http://x/metrics"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=15).stdout
    assert f'sluice_service_client_address_total{{service="{VIP}:81/tcp",event="proxy_header"}}' \
        in m


SPEAKER = r"""
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 2525))
s.listen(16)
while True:
    c, _ = s.accept()
    c.settimeout(10)
    try:
        c.sendall(b"220 greeting\r\n")
        buf = b""
        while b"QUIT\r\n" not in buf:
            d = c.recv(4096)
            if not d:
                break
            buf += d
        c.sendall(b"GOT " + buf.hex().encode() + b"\r\n")
    except OSError:
        pass
    c.close()
"""

TALKER = r"""
import socket
c = socket.create_connection(("10.0.0.10", 25), timeout=10)
g = b""
while not g.endswith(b"\r\n"):
    g += c.recv(100)
c.sendall(b"HELO x\r\nQUIT\r\n")
r = b""
while not r.endswith(b"\r\n"):
    r += c.recv(4096)
print(c.getsockname()[1], g.hex(), r[4:-2].decode())
"""


def talk(lb):
    p = lb.run("cl", ["/usr/bin/python3", "-c", TALKER], check=False, timeout=30)
    assert p.returncode == 0, p.stderr
    port, greeting, got = p.stdout.split()
    return int(port), bytes.fromhex(greeting), bytes.fromhex(got)


def test_server_speaks_first(make_lab, sluiced, tmp_path):
    """The backend greets before the client sends: the greeting reaches the client as sent
    (nothing is shifted before the client's first byte), the header comes with the client's
    first byte; `sluicectl service set --client-address` changes it for the next conns."""
    lb = make_lab(backends=1)
    lb.spawn("b1", ["/usr/bin/python3", "-c", SPEAKER, "10.0.2.11"], "speaker")
    svc = f"{VIP}:25/tcp"
    conf = lb.sluiced_config(services=[
        {"vip": f"{VIP}:80/tcp", "scheduler": "rr", "backends": [("10.0.2.11:8080", 1)]},
        {"vip": svc, "scheduler": "rr", "client_address": "proxy-v1",
         "backends": [("10.0.2.11:2525", 1)]}], workers=2)
    d = sluiced(lb, conf)
    wait_http(lb, d)
    for _ in range(3):
        port, greeting, got = talk(lb)
        assert greeting == b"220 greeting\r\n"
        assert got == f"PROXY TCP4 10.0.1.2 10.0.0.10 {port} 25\r\n".encode() + \
            b"HELO x\r\nQUIT\r\n", got
    # a bad value is refused with its reason, and changes nothing
    for body, why in (({"client_address": "proxy-v3"}, "unknown client_address 'proxy-v3'"),
                      ({"client_address": "toa", "mode": "dr"}, "is for mode fullnat")):
        status, err = api(d, "PATCH", f"/v1/services/{svc}", body)
        assert status == 400 and why in err["error"] + err.get("detail", ""), (status, err)
    assert d.service(svc)["client_address"] == "proxy-v1"
    d.ctl("service", "set", svc, "--client-address", "proxy-v2")
    assert d.service(svc)["client_address"] == "proxy-v2"
    port, greeting, got = talk(lb)
    assert greeting == b"220 greeting\r\n"
    assert got[:12] == V2_SIG and got[12:16] == bytes([0x21, 0x11, 0, 12]), got
    assert got[16:28] == bytes([10, 0, 1, 2, 10, 0, 0, 10]) + port.to_bytes(2, "big") + \
        (25).to_bytes(2, "big")
    assert got[28:] == b"HELO x\r\nQUIT\r\n"
    d.ctl("service", "set", svc, "--client-address", "none")
    assert talk(lb)[2] == b"HELO x\r\nQUIT\r\n"


def tcp_options(seg):
    """The (kind, bytes) options of a TCP segment's raw header."""
    hl = (seg[12] >> 4) * 4
    o, i = [], 20
    while i < hl:
        if seg[i] == 0:
            break
        if seg[i] == 1:
            i += 1
            continue
        o.append((seg[i], bytes(seg[i + 2:i + seg[i + 1]])))
        i += max(seg[i + 1], 2)
    return o


def test_toa_in_capture(make_lab, sluiced, tmp_path):
    """TOA (kind 254: the client's port and address) in the SYN and the first ACK the
    backend receives, and not in its later segments; the requests answered."""
    from scapy.all import IP, TCP, rdpcap

    lb = make_lab(backends=1)
    conf = lb.sluiced_config(services=[
        {"vip": f"{VIP}:80/tcp", "scheduler": "rr", "backends": [("10.0.2.11:8080", 1)]},
        {"vip": f"{VIP}:84/tcp", "scheduler": "rr", "client_address": "toa",
         "backends": [("10.0.2.11:8080", 1)]}], workers=2)
    d = sluiced(lb, conf)
    wait_http(lb, d)
    pcap, log = tmp_path / "b1.pcap", tmp_path / "tcpdump.log"
    cap = lb.spawn("b1", ["tcpdump", "-i", lb.backend_if(1), "-n", "-U", "-Z", "root", "-w",
                          pcap, "tcp port 8080"], "tcpdump", log=log)
    ports = []
    try:
        deadline = time.monotonic() + 10
        while "listening on" not in log.read_text():
            assert cap.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "tcpdump did not start"
            time.sleep(0.1)
        for _ in range(4):
            p = curl(lb, f"http://{VIP}:84/", "-w", " %{local_port}", timeout=5)
            assert p.returncode == 0 and p.stdout.split()[0] == "b1", p.stdout + p.stderr
            ports.append(int(p.stdout.split()[1]))
        time.sleep(1)
    finally:
        lb.stop("tcpdump", sig=signal.SIGINT)
    toa = {}  # LIP port -> the TOA of each segment toward the backend, in order
    for pkt in rdpcap(str(pcap)):
        if IP not in pkt or TCP not in pkt or pkt[TCP].dport != 8080:
            continue
        raw = bytes(pkt[TCP])
        opt = [v for k, v in tcp_options(raw) if k == 254]
        toa.setdefault(pkt[TCP].sport, []).append((str(pkt[TCP].flags), opt))
    assert len(toa) == 4, toa
    seen = set()
    for segs in toa.values():
        assert segs[0][0] == "S" and len(segs[0][1]) == 1, segs[:2]
        assert segs[1][0] == "A" and segs[1][1] == segs[0][1], segs[:2]
        assert all(not o for _, o in segs[2:]), segs
        v = segs[0][1][0]
        assert v[2:] == bytes([10, 0, 1, 2]), v
        seen.add(int.from_bytes(v[:2], "big"))
    assert seen == set(ports)
    c = d.service(f"{VIP}:84/tcp")["client_address_counts"]
    assert c["toa_added"] >= 8 and c["toa_skipped"] == 0, c


UDP_SERVER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5300))
while True:
    d, a = s.recvfrom(4096)
    if d[:12] != bytes.fromhex("0d0a0d0a000d0a515549540a"):
        s.sendto(b"no header", a)
        continue
    n = int.from_bytes(d[14:16], "big")
    src = socket.inet_ntoa(d[16:20]) + " " + str(int.from_bytes(d[24:26], "big"))
    s.sendto(("%s %02x%02x " % (src, d[12], d[13])).encode() + d[16 + n:], a)
"""

UDP_CLIENT = r"""
import socket
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(3)
c.bind(("10.0.1.2", 0))
for i in range(5):
    c.sendto(b"datagram %d" % i, ("10.0.0.10", 5300))
    print(c.getsockname()[1], c.recvfrom(4096)[0].decode())
"""


def test_udp_proxy_v2(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=1)
    lb.spawn("b1", ["/usr/bin/python3", "-c", UDP_SERVER, "10.0.2.11"], "udp-server")
    conf = lb.sluiced_config(services=[
        {"vip": f"{VIP}:80/tcp", "scheduler": "rr", "backends": [("10.0.2.11:8080", 1)]}])
    d = sluiced(lb, conf)
    wait_http(lb, d)
    # made live: sluicectl service add --client-address
    d.ctl("service", "add", f"{VIP}:5300/udp", "--scheduler", "rr", "--client-address",
          "proxy-v2")
    d.ctl("backend", "add", f"{VIP}:5300/udp", "10.0.2.11:5300")
    p = lb.run("cl", ["/usr/bin/python3", "-c", UDP_CLIENT], check=False, timeout=30)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 5
    for i, line in enumerate(lines):
        port, addr, cport, verfam, rest = line.split(" ", 4)
        assert (addr, cport, verfam) == ("10.0.1.2", port, "2112"), line
        assert rest == f"datagram {i}", line
    assert d.service(f"{VIP}:5300/udp")["client_address_counts"]["proxy_headers"] == 5
