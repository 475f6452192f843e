# SPDX-License-Identifier: Apache-2.0
"""scripts/bench-e2e as a new user runs it, briefly (one round of 1 s runs): it builds its
namespaces, runs every variant (sluiced on af_packet and af_xdp, dpdk-testpmd's mac
forwarding, nftables, HAProxy, no balancer), prints every row with something delivered, and
leaves no namespace or process behind. The figures themselves belong in
docs/benchmarks.md, not here."""

import re
import subprocess

from conftest import BUILD, ROOT

ROWS = {
    "udp af_packet": ["testpmd mac", "sluiced"],
    "udp af_xdp": ["testpmd mac", "sluiced"],
    "http-keepalive": ["sluiced af_packet", "sluiced af_xdp", "nftables DNAT+SNAT",
                       "haproxy tcp", "no balancer"],
    "http-new": ["sluiced af_packet", "sluiced af_xdp", "nftables DNAT+SNAT", "haproxy tcp",
                 "no balancer"],
}


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
