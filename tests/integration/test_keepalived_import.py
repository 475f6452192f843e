# SPDX-License-Identifier: Apache-2.0
"""`sluicectl import keepalived` (issue 14 item 3): on every sample config Debian's keepalived
package ships and on a hand-made one per mode (keepalived/*.conf here), the YAML it prints
passes `sluiced --check`; every statement it leaves out is on stderr as FILE:LINE: keyword:
why, with the line holding that keyword; every virtual_server is either translated (its line
in a comment beside the service) or reported; and the hand-made ones translate to exactly
the services an operator would write."""

import glob
import re
import subprocess

import pytest
import yaml

from conftest import BUILD, ROOT, SLUICECTL

HERE = ROOT / "tests" / "integration" / "keepalived"
DATAPLANE = HERE / "dataplane.yaml"
SAMPLES = sorted(glob.glob("/usr/share/doc/keepalived/samples/keepalived.conf.*"))


def run_import(path, tmp_path, dataplane=True):
    argv = [str(SLUICECTL), "import", "keepalived", str(path)]
    if dataplane:
        argv += ["--dataplane", str(DATAPLANE)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    out = tmp_path / "out.yaml"
    out.write_text(p.stdout)
    return p.stdout, p.stderr, out


def check(out):
    p = subprocess.run([str(BUILD / "sluiced"), "--check", "-c", str(out)],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stdout + p.stderr + out.read_text()[:3000]
    return p.stdout


def reports_point_at_their_lines(path, err):
    lines = open(path).read().splitlines()
    for r in err.splitlines():
        m = re.match(rf"^{re.escape(str(path))}:(\d+): (\S+): (not translated|not followed|"
                     r"translated as)", r)
        assert m, f"not FILE:LINE: keyword: why: {r!r}"
        n, kw = int(m.group(1)), m.group(2)
        assert kw in lines[n - 1], f"line {n} of {path} has no {kw!r}: {lines[n - 1]!r}"


def every_virtual_server_accounted(path, out, err):
    """Each virtual_server line is a translated service's (comment) or a reported one."""
    text = open(path).read().splitlines()
    for i, line in enumerate(text, 1):
        if re.match(r"^\s*virtual_server\s", line):
            translated = f"# {path}:{i}\n" in out or f"# {path}:{i}" in out
            reported = f"{path}:{i}: virtual_server:" in err
            group = re.match(r"^\s*virtual_server\s+group\s", line)
            assert translated or reported or group, f"{path}:{i}: {line.strip()} vanished"


@pytest.mark.skipif(not SAMPLES, reason="Debian's keepalived package is not installed "
                    "(scripts/deps installs it)")
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.rsplit("/", 1)[-1])
def test_debian_samples(sample, tmp_path):
    out, err, path = run_import(sample, tmp_path)
    assert "OK (" in check(path)
    reports_point_at_their_lines(sample, err)
    every_virtual_server_accounted(sample, out, err)
    # a VRRP instance is never silently dropped
    for i, line in enumerate(open(sample).read().splitlines(), 1):
        if re.match(r"^vrrp_instance\s", line):
            assert f"{sample}:{i}: vrrp_instance: not translated" in err


def services(out):
    return {s["vip"]: s for s in yaml.safe_load(out)["services"]}


def test_nat(tmp_path):
    out, err, path = run_import(HERE / "nat.conf", tmp_path)
    check(path)
    reports_point_at_their_lines(HERE / "nat.conf", err)
    s = services(out)
    web = s["198.51.100.10:80/tcp"]
    hc = {"type": "http", "host": "www.example.com", "path": "/healthz", "expect": 204,
          "timeout": 2, "fall": 2, "interval": 5, "start": "down"}
    assert (web["mode"], web["scheduler"], web["persistence"], web["persistence_netmask"]) \
        == ("nat", "wlc", 300, 24)
    assert web["health_check"] == hc
    assert web["backends"] == [
        {"address": "192.168.1.11:8080", "weight": 3},
        {"address": "192.168.1.12:8080", "weight": 1, "max_conns": 500,
         "health_check": dict(hc, port=8081)},
        {"address": "192.168.1.13:8080", "weight": 0, "health_check": {"type": "none"}}]
    dns = s["198.51.100.10:53/udp"]
    assert dns["scheduler"] == "wlc" and dns["health_check"] == \
        {"type": "dns", "query": "example.com", "qtype": "A", "timeout": 1, "interval": 10}
    assert "nat.conf:49: lb_algo: translated as wlc" in err
    assert "nat.conf:60: MISC_CHECK: not translated" in err
    assert "nat.conf:26: delay_before_retry: not translated" in err


def test_dr_group(tmp_path):
    out, err, path = run_import(HERE / "dr.conf", tmp_path)
    check(path)
    reports_point_at_their_lines(HERE / "dr.conf", err)
    s = services(out)
    assert sorted(s) == ["203.0.113.1:443/tcp", "203.0.113.5:443/tcp", "203.0.113.6:443/tcp",
                         "203.0.113.7:443/tcp"]
    for svc in s.values():
        assert (svc["mode"], svc["scheduler"]) == ("dr", "maglev")
        assert svc["health_check"] == {"type": "tcp", "timeout": "1500ms", "interval": 3}
        assert [b["address"] for b in svc["backends"]] == ["10.9.0.11:443", "10.9.0.12:443"]
    assert "dr.conf:5: fwmark: not translated" in err
    assert "dr.conf:15: SSL_GET: translated as a tcp check" in err


def test_tun_and_ipv6(tmp_path):
    out, err, path = run_import(HERE / "tun.conf", tmp_path)
    check(path)
    s = services(out)
    v4, v6 = s["198.51.100.20:25/tcp"], s["[2001:db8:100::20]:25/tcp"]
    assert v4["mode"] == "tun" and v4["scheduler"] == "rr"
    # no delay_loop: keepalived's 60 s; nb_get_retry is retry's old name
    assert v4["health_check"] == {"type": "tcp", "port": 25, "timeout": 3, "fall": 4,
                                  "interval": 60}
    assert v6["backends"] == [{"address": "[2001:db8:200::11]:25", "weight": 1}]
    assert "tun.conf:6: sorry_server: not translated" in err
    assert "tun.conf:24: lb_algo: not translated: sluice has no 'lblc'" in err


def test_fullnat(tmp_path):
    out, err, path = run_import(HERE / "fnat.conf", tmp_path)
    check(path)
    svc = services(out)["198.51.100.30:80/tcp"]
    assert svc["mode"] == "fullnat" and [b["weight"] for b in svc["backends"]] == [5, 10]
    assert "fnat.conf:7: laddr_group_name: not translated" in err


def test_without_dataplane_and_refusals(tmp_path):
    """Without --dataplane: the services alone, each checked on its own; what sluiced would
    refuse is reported and left out. A file that does not parse is an error."""
    bad = tmp_path / "bad.conf"
    bad.write_text("virtual_server 198.51.100.40 80 {\n    lb_algo rr\n"
                   "    real_server 192.168.4.1 80 {\n        weight 70000\n    }\n"
                   "    real_server 192.168.4.1 80 {\n    }\n}\n"
                   "virtual_server 198.51.100.41 80 {\n    real_server 192.168.4.2 80 {\n"
                   "    }\n}\n")
    out, err, _ = run_import(bad, tmp_path, dataplane=False)
    assert out.startswith("# sluice services from")
    assert list(services(out)) == ["198.51.100.41:80/tcp"]
    assert f"{bad}:4: weight: not translated" in err
    assert re.search(rf"{re.escape(str(bad))}:1: virtual_server: not translated: "
                     r"198.51.100.40:80/tcp: services\[0\].backends\[1\]", err), err
    broken = tmp_path / "broken.conf"
    broken.write_text("virtual_server 198.51.100.40 80 {\n    lb_algo rr\n")
    p = subprocess.run([str(SLUICECTL), "import", "keepalived", str(broken)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "the block of line 1 is not closed" in p.stderr, p.stderr
    p = subprocess.run([str(SLUICECTL), "import", "keepalived", str(tmp_path / "none")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "No such file" in p.stderr
