# SPDX-License-Identifier: Apache-2.0
"""Seeing packets with dpdk-dumpcap (issue 14 item 9, first half): with
`dataplane.capture: true` sluiced starts DPDK's packet-capture server, and Debian's
dpdk-dumpcap, given the file prefix sluiced logs, lists the node's ports and captures the
client's conn on the front port and its FULLNAT twin (LIP to backend) on the back one. The
node needs hugepages for it (DPDK attaches secondary processes only to them): the test
reserves them and gives them back; without them the start is refused, saying why. A clean
stop leaves neither the runtime directory nor hugepage files behind."""

import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import BUILD, VIP, http_many, wait_http

HUGE = "/proc/sys/vm/nr_hugepages"


@pytest.fixture
def hugepages():
    """400 free 2 MiB pages on a mounted hugetlbfs for the test, then as before."""
    if shutil.which("dpdk-dumpcap") is None:
        pytest.skip("dpdk-dumpcap (Debian's dpdk package) is not installed")
    before = int(open(HUGE).read())
    mounted = [line.split()[1] for line in open("/proc/mounts") if line.split()[2] == "hugetlbfs"]
    made = None
    if not mounted:
        made = "/dev/hugepages"
        os.makedirs(made, exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "nodev", made], check=True)
        mounted = [made]
    free = int(re.search(r"HugePages_Free:\s+(\d+)", open("/proc/meminfo").read()).group(1))
    with open(HUGE, "w") as f:
        f.write(str(before + max(0, 400 - free)))
    free = int(re.search(r"HugePages_Free:\s+(\d+)", open("/proc/meminfo").read()).group(1))
    if free < 300:
        pytest.skip(f"only {free} free hugepages could be reserved")
    try:
        yield mounted[0]
    finally:
        with open(HUGE, "w") as f:
            f.write(str(before))
        if made:
            subprocess.run(["umount", made], check=False)


def capture_config(lb, memory="hugepages"):
    return lb.sluiced_config(memory=memory).replace("  conn_table_size:",
                                                    "  capture: true\n  conn_table_size:", 1)


def test_dumpcap_captures_both_ports(make_lab, sluiced, hugepages, tmp_path):
    lb = make_lab(backends=2)
    d = sluiced(lb, capture_config(lb))
    wait_http(lb, d)
    m = re.search(r"capture: dpdk-dumpcap --file-prefix=(\S+) -D", d.log.read_text())
    assert m, d.log_tail()
    prefix = m.group(1)
    ports = subprocess.run(["dpdk-dumpcap", f"--file-prefix={prefix}", "-D"],
                           capture_output=True, text=True, timeout=60)
    assert "0. net_af_packet0" in ports.stdout and "1. net_af_packet1" in ports.stdout, \
        ports.stdout + ports.stderr

    def capture(port, name):
        out = tmp_path / name
        p = subprocess.Popen(["dpdk-dumpcap", f"--file-prefix={prefix}", "-i", port, "-p",
                              "-c", "12", "-a", "duration:20", "-w", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return p, out

    front, fout = capture("net_af_packet0", "front.pcapng")
    time.sleep(2)  # the capture is set up
    assert "FAIL" not in http_many(lb, 4)
    log, _ = front.communicate(timeout=60)
    back, bout = capture("net_af_packet1", "back.pcapng")
    time.sleep(2)
    assert "FAIL" not in http_many(lb, 4)
    blog, _ = back.communicate(timeout=60)

    def read(path):
        return subprocess.run(["tcpdump", "-nr", str(path)], capture_output=True, text=True,
                              timeout=30).stdout

    ftext, btext = read(fout), read(bout)
    assert len(ftext.splitlines()) >= 12, log + ftext
    assert re.search(rf"IP 10\.0\.1\.2\.\d+ > {re.escape(VIP)}\.80: Flags \[S\]", ftext), ftext
    assert re.search(rf"IP {re.escape(VIP)}\.80 > 10\.0\.1\.2\.\d+: Flags \[S\.\]", ftext)
    # the same conns leave the back port from the LIP to a backend
    assert re.search(r"IP 10\.0\.2\.100\.\d+ > 10\.0\.2\.1[12]\.8080: Flags \[S\]", btext), \
        blog + btext
    # forwarding went on while captured
    assert d.drops("no_conn") == 0

    # a clean stop takes the runtime directory and the hugepage files with it
    assert d.stop() == 0
    assert not os.path.exists(f"/var/run/dpdk/{prefix}")
    assert not [f for f in os.listdir(hugepages) if f.startswith(f"{prefix}map_")]


def test_capture_without_hugepages_is_refused(make_lab, tmp_path):
    lb = make_lab(backends=2)
    conf = tmp_path / "s.yaml"

    def run(*args):
        return subprocess.run(["ip", "netns", "exec", lb.ns("lb"), str(BUILD / "sluiced"),
                               *args, "-c", str(conf)], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)

    # the config: capture with memory: no-hugepages names the field
    conf.write_text(capture_config(lb, memory="no-hugepages"))
    p = run("--check")
    assert p.returncode == 1 and "dataplane.capture: dpdk-dumpcap needs hugepages" in p.stderr, \
        p.stderr
    # memory: auto without enough free hugepages (the largest conn table wants ~20 GiB):
    # the start is refused, with the hint
    conf.write_text(capture_config(lb, memory="auto").replace(
        "conn_table_size: 65536", "conn_table_size: 134217728"))
    p = run()
    assert p.returncode == 1 and "capture: dpdk-dumpcap needs hugepages" in p.stderr \
        and "or set capture: false" in p.stderr, p.stderr
