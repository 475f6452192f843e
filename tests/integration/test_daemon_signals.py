# SPDX-License-Identifier: Apache-2.0
"""sluiced and signals (issue 8 item 15).

SIGHUP re-reads the config file and applies the difference as `sluicectl config apply` does;
a file that cannot be applied changes nothing and the log says why. SIGUSR1 and SIGUSR2 are
ignored: a transfer through the VIP goes on. SIGTERM and a fatal signal each leave a last line
in the log and no control socket behind."""

import hashlib
import os
import signal
import subprocess
import time

import pytest

from conftest import VIP, backend_name, http_many, lab, wait_http

SERVICE = f"{VIP}:80/tcp"


def addr(k):
    return f"{lab.backend_addr(k)}:{lab.HTTP_PORT}"


def config(lb, ks, **kw):
    return lb.sluiced_config(services=[{"vip": SERVICE, "scheduler": "wrr",
                                        "backends": [(addr(k), 1) for k in ks]}], **kw)


def pid_of(d):
    """sluiced's own pid (`ip netns exec` execs it in place)."""
    pid = d.proc.pid
    with open(f"/proc/{pid}/comm") as f:
        assert f.read().strip() == "sluiced", "the spawned process is not sluiced itself"
    return pid


def log_text(d):
    return d.log.read_text(errors="replace")


def wait_log(d, needle, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in log_text(d):
            return
        time.sleep(0.1)
    pytest.fail(f"{needle!r} not in sluiced's log within {timeout} s:\n{d.log_tail()}")


def backends_of(d):
    return sorted(backend_name(b["address"]) for b in d.service(SERVICE)["backends"])


def wait_exit(d, timeout=15):
    try:
        return d.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"sluiced still runs {timeout} s after the signal:\n{d.log_tail()}")


def test_sighup_applies_a_changed_service(make_lab, sluiced):
    lb = make_lab(backends=3)
    d = sluiced(lb, config(lb, [1, 2]))
    wait_http(lb, d)
    assert backends_of(d) == ["b1", "b2"]

    d.config.write_text(config(lb, [1, 2, 3]))
    os.kill(pid_of(d), signal.SIGHUP)
    wait_log(d, "re-read and applied")
    assert d.proc.poll() is None, f"SIGHUP stopped sluiced:\n{d.log_tail()}"
    assert backends_of(d) == ["b1", "b2", "b3"]
    answers = http_many(lb, 30)
    assert "FAIL" not in answers and "b3" in answers, answers


@pytest.mark.parametrize("bad, why", [
    ("weight: [1}", None),  # broken YAML: no change at all
    ("weight: 99999999}", "weight"),
    ("dataplane", "dataplane"),  # a part that needs a restart
])
def test_sighup_with_a_bad_file_changes_nothing(make_lab, sluiced, bad, why):
    lb = make_lab(backends=3)
    d = sluiced(lb, config(lb, [1, 2]))
    wait_http(lb, d)
    good = config(lb, [1, 2, 3])
    if bad == "dataplane":
        text = good.replace("conn_table_size: 65536", "conn_table_size: 131072")
        assert text != good
    else:
        text = good.replace(f"{{address: {addr(3)}, weight: 1}}", f"{{address: {addr(3)}, {bad}")
        assert text != good
    d.config.write_text(text)
    os.kill(pid_of(d), signal.SIGHUP)
    wait_log(d, "not applied, nothing changed")
    line = [x for x in log_text(d).splitlines() if "not applied" in x][-1]
    assert str(d.config) in line, line
    if why:
        assert why in line, line
    assert d.proc.poll() is None, f"SIGHUP stopped sluiced:\n{d.log_tail()}"
    assert backends_of(d) == ["b1", "b2"]
    answers = http_many(lb, 10)
    assert set(answers) == {"b1", "b2"}, answers


def test_usr1_usr2_are_ignored_during_a_transfer(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=1, big_mb=3)  # 3 MiB at 400 KiB/s: ~8 s
    d = sluiced(lb, config(lb, [1]))
    wait_http(lb, d)
    out, meta = tmp_path / "big.out", tmp_path / "big.meta"
    with open(meta, "w") as mf:
        curl = subprocess.Popen(["ip", "netns", "exec", lb.ns("cl"), "curl", "-sS", "-m", "60",
                                 "-o", str(out), "-w", "%{http_code} %{size_download}",
                                 f"http://{VIP}/big"],
                                stdin=subprocess.DEVNULL, stdout=mf, stderr=subprocess.STDOUT)
    try:
        time.sleep(1)
        assert curl.poll() is None, f"the download ended too soon: {meta.read_text()}"
        pid = pid_of(d)
        for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGUSR1):
            os.kill(pid, sig)
            time.sleep(0.3)
        assert d.proc.poll() is None, f"sluiced died of SIGUSR1/2:\n{d.log_tail()}"
        assert curl.poll() is None, f"the download ended at the signals: {meta.read_text()}"
        assert curl.wait(timeout=60) == 0, f"download failed: {meta.read_text()}"
    finally:
        if curl.poll() is None:
            curl.kill()
            curl.wait(timeout=5)
    code, size = meta.read_text().split()
    assert code == "200" and int(size) == lb.big_mb << 20, meta.read_text()
    assert hashlib.sha256(out.read_bytes()).digest() == \
        hashlib.sha256(lb.big_file.read_bytes()).digest()
    assert d.proc.poll() is None
    assert d.ctl("list", check=False) is not None, "the API stopped answering"


@pytest.mark.parametrize("sig, last, status", [
    (signal.SIGTERM, "stopped on SIGTERM", 0),
    (signal.SIGINT, "stopped on SIGINT", 0),
    (signal.SIGSEGV, "stopping on SIGSEGV, without cleanup", -signal.SIGSEGV),
])
def test_every_stop_logs_a_last_line_and_removes_the_socket(make_lab, sluiced, sig, last,
                                                            status):
    lb = make_lab(backends=1)
    d = sluiced(lb, config(lb, [1]))
    wait_http(lb, d)
    assert os.path.exists(d.socket)
    os.kill(pid_of(d), sig)
    rc = wait_exit(d)
    assert rc == status, f"exit status {rc}:\n{d.log_tail()}"
    lines = [x for x in log_text(d).splitlines() if x.strip()]
    assert last in lines[-1], f"last line {lines[-1]!r}, want {last!r}:\n{d.log_tail()}"
    assert not os.path.exists(d.socket), f"{d.socket} left behind"
