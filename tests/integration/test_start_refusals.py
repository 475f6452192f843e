# SPDX-License-Identifier: Apache-2.0
"""What sluiced refuses before DPDK starts (issue 8, item 16), each with one line that names
the port, its `device` or the file: a device string that is no device, a virtual device no
DPDK driver takes, a directory given as the config file, and hugepages asked for but
missing, with one hint whose numbers agree. Nothing here opens an interface: the ports are
net_null devices or refused before the EAL."""

import re
import subprocess
from pathlib import Path

import pytest

from conftest import SLUICED

PORT0 = "    - {name: client, device: '%s', address: 10.0.1.1/24}\n"
REST = ("    - {name: backend, device: net_null1, address: 10.0.2.1/24}\n"
        "  local_addresses: [10.0.2.100]\n"
        "control:\n"
        "  socket: %s\n"
        "  announce_interface: false\n")


def config(tmp_path, device, extra=""):
    path = tmp_path / "sluice.yaml"
    path.write_text("dataplane:\n" + extra + "  ports:\n" + PORT0 % device +
                    REST % (tmp_path / "api.sock"))
    return path


def sluiced(*args):
    if not SLUICED.exists():
        pytest.fail(f"{SLUICED} does not exist: build first")
    p = subprocess.run([str(SLUICED), *map(str, args)], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, [m for m in p.stderr.splitlines() if m.strip()]


@pytest.mark.parametrize("device, why", [
    ("garbage!!", "'garbage!!' is neither a PCI address (0000:01:00.0) nor a DPDK virtual "
                  "device (net_af_xdp0,iface=eth1)"),
    ("net_af_packet0,iface", "argument 'iface' is not key=value"),
    ("net_Tap0,iface=x", "'net_Tap0' is no virtual device name"),
    ("0000:99:00", "'0000:99:00' is neither a PCI address"),
])
def test_malformed_device_names_the_field(tmp_path, device, why):
    path = config(tmp_path, device)
    for args in (["--check", "-c", path], ["-c", path]):
        rc, lines = sluiced(*args)
        assert rc != 0, f"sluiced {args} accepted device {device!r}"
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"sluiced: {path}:3: dataplane.ports[0].device: {why}"), \
            lines


def test_unknown_driver_names_the_port(tmp_path):
    path = config(tmp_path, "net_bogus0")
    want = ("sluiced: port 'client': device 'net_bogus0': DPDK has no virtual device driver "
            "for 'net_bogus0' (net_af_packet, net_af_xdp, ")
    for args in (["--check", "-c", path], ["-c", path]):
        rc, lines = sluiced(*args)
        assert rc != 0, f"sluiced {args} accepted net_bogus0"
        assert len(lines) == 1 and lines[0].startswith(want), lines
        assert "hugepage" not in lines[0]
    # a known driver's name with any instance suffix is DPDK's to take: --check passes
    rc, lines = sluiced("--check", "-c", config(tmp_path, "net_null7"))
    assert rc == 0, lines


def test_directory_as_config(tmp_path):
    rc, lines = sluiced("--check", "-c", tmp_path)
    assert rc != 0
    assert lines == [f"sluiced: {tmp_path}: is a directory, not a configuration file"], lines


def test_missing_hugepages_one_hint(tmp_path):
    """memory: hugepages with a table far larger than the pages free: refused before the EAL,
    with the count to have free and the total to write, consistent with what is in use."""
    sysfs = Path("/sys/kernel/mm/hugepages/hugepages-2048kB")
    if not sysfs.exists():
        pytest.skip("no 2 MiB hugepages on this kernel")
    mounted = " hugetlbfs " in Path("/proc/mounts").read_text()
    path = config(tmp_path, "net_null0", "  memory: hugepages\n  conn_table_size: 134217728\n")
    rc, lines = sluiced("-c", path)
    assert rc != 0 and len(lines) == 1, lines
    need = 256 + (134217728 * 320 >> 20) + 2 * 1 * 8  # memory_mb(): pools, conns, queues
    want = need // 2 + 64
    used = int((sysfs / "nr_hugepages").read_text()) - int((sysfs / "free_hugepages").read_text())
    m = re.search(r"(\d+) free 2 MiB hugepages: echo (\d+) > /proc/sys/vm/nr_hugepages",
                  lines[0])
    assert m, lines
    assert int(m.group(1)) == want and int(m.group(2)) == used + want, (lines, used)
    if mounted:
        assert f"only {int((sysfs / 'free_hugepages').read_text())} free" in lines[0], lines
    else:
        assert "no hugetlbfs is mounted" in lines[0] and "mount -t hugetlbfs" in lines[0]
