# SPDX-License-Identifier: Apache-2.0
"""scripts/bench-e2e as a new user runs it, briefly (one round of 1 s runs): it builds its
namespaces, runs every variant (sluiced on af_packet and af_xdp with one and two workers,
dpdk-testpmd's mac forwarding, nftables, HAProxy, no balancer), prints every row with
something delivered, and leaves no namespace or process behind. And its UDP generator,
sluice-udpgen, sends the frames it says (captured by DPDK's net_pcap). The figures themselves
belong in docs/benchmarks.md, not here."""

import ipaddress
import os
import re
import struct
import subprocess

from conftest import BUILD, ROOT

UDP = ["testpmd mac", "sluiced"]
HTTP = ["sluiced af_packet", "sluiced af_xdp", "sluiced af_packet, 2 workers",
        "nftables DNAT+SNAT", "haproxy tcp", "no balancer"]
ROWS = {
    "udp af_packet, one flow": UDP + ["sluiced 2 workers"],
    "udp af_packet, 10000 flows": UDP + ["sluiced 2 workers"],
    "udp af_xdp, one flow": UDP,
    "udp af_xdp, 10000 flows": UDP,
    "http-keepalive": HTTP,
    "http-new": HTTP,
}


def ip_checksum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def test_udpgen_sends_the_flows_it_says(tmp_path):
    """1000 flows: 64-byte frames (60 without the FCS) to 10.0.0.10:9 from 10.0.1.2, source
    ports 1024..2023 in turn, valid IPv4 checksums; its count is what the capture holds."""
    pcap = tmp_path / "gen.pcap"
    p = subprocess.run([str(BUILD / "bench" / "sluice-udpgen"), "-l", "0", "--no-huge", "-m",
                        "256", "--no-pci", "--no-shconf", "--file-prefix", "udpgen-test", "--log-level",
                        "*:error", "--vdev", f"net_pcap0,tx_pcap={pcap}", "--",
                        "--dmac", "02:00:00:00:00:01", "--src", "10.0.1.2", "--dst",
                        "10.0.0.10", "--flows", "1000", "--seconds", "0.05"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr[-2000:]
    sent = int(re.search(r"sent (\d+) packets", p.stdout).group(1))
    data = pcap.read_bytes()
    off, frames, ports = 24, 0, []
    while off < len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        f = data[off + 16:off + 16 + incl]
        off += 16 + incl
        frames += 1
        assert len(f) == 60 and f[:6] == bytes.fromhex("020000000001") and f[12:14] == b"\x08\x00"
        ip = f[14:34]
        assert ip_checksum(ip) == 0xFFFF and ip[9] == 17
        assert ipaddress.ip_address(ip[12:16]) == ipaddress.ip_address("10.0.1.2")
        assert ipaddress.ip_address(ip[16:20]) == ipaddress.ip_address("10.0.0.10")
        sport, dport, ulen = struct.unpack_from("!HHH", f, 34)
        assert dport == 9 and ulen == 60 - 34
        if len(ports) < 2000:
            ports.append(sport)
    assert frames == sent and sent >= 2000
    assert ports == [1024 + i % 1000 for i in range(2000)]
    bad = subprocess.run([str(BUILD / "bench" / "sluice-udpgen"), "--no-huge", "--no-pci",
                          "--no-shconf", "--file-prefix", "udpgen-test", "--vdev", "net_null0", "--",
                          "--src", "10.0.1.2", "--dst", "10.0.0.10", "--flows", "0"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "bad value '0'" in bad.stderr
    assert not os.path.exists("/var/run/dpdk/udpgen-test")  # its runtime directory went too


def test_bench_e2e_runs_every_variant():
    p = subprocess.run([str(ROOT / "scripts" / "bench-e2e"), "--seconds", "1", "--rounds", "1",
                        "--build", str(BUILD)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    out = p.stdout
    for kind, rows in ROWS.items():
        block = out.split(f"\n{kind} ", 1)
        assert len(block) == 2, f"no {kind} table:\n{out}"
        body = block[1].split("\n\n", 1)[0]
        for row in rows:
            m = re.search(rf"^  {re.escape(row)}\s+([\d.]+) \(", body, re.M)
            assert m and float(m.group(1)) > 0, f"{kind}: {row} delivered nothing:\n{out}"
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert "e2e-" not in left, left
    procs = subprocess.run(["pgrep", "-f", "file-prefix e2e"], capture_output=True, text=True)
    assert procs.stdout == "", procs.stdout
    assert not [d for d in os.listdir("/var/run/dpdk") if d.startswith("e2e")]
