# SPDX-License-Identifier: Apache-2.0
"""sluiced under systemd (issue 14 item 4), with a notify socket of the test's own in place
of systemd's: STATUS while starting, READY=1 only once the ports are up, the config applied
and the API answers, WATCHDOG=1 from the control thread at half $WATCHDOG_USEC, RELOADING=1
then READY=1 around a SIGHUP (also a refused one, whose STATUS says why), STOPPING=1 at
SIGTERM. And the unit meson installs passes `systemd-analyze verify`."""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import BUILD, ROOT, VIP, api, lab

SERVICE = f"{VIP}:80/tcp"


def config(lb, weight):
    return lb.sluiced_config(services=[{"vip": SERVICE, "scheduler": "wrr", "backends": [
        (f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", weight) for k in (1, 2)]}])


class Notify:
    """A datagram socket as systemd's $NOTIFY_SOCKET; each message with when it came."""

    def __init__(self, path):
        self.path = str(path)
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(self.path)
        self.got = []
        self.pos = 0

    def read(self, seconds):
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.s.settimeout(left)
            try:
                msg = self.s.recv(4096).decode()
            except socket.timeout:
                break
            self.got.append((time.monotonic(), msg))

    def clear(self):
        self.got.clear()
        self.pos = 0

    def wait(self, needle, seconds=30):
        """The first message holding needle (a line) after the one the last wait returned,
        reading as they come."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for i in range(self.pos, len(self.got)):
                if needle in self.got[i][1].split("\n"):
                    self.pos = i + 1
                    return self.got[i][1]
            self.read(0.2)
        pytest.fail(f"no {needle!r} within {seconds} s; got {[m for _, m in self.got]}")

    def close(self):
        self.s.close()


def test_notify_ready_status_watchdog_reload_stop(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    n = Notify(tmp_path / "notify")
    try:
        d = sluiced(lb, config(lb, 1), env={"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "400000"})
        ready = n.wait("READY=1")
        msgs = [m for _, m in n.got]
        first_ready = next(i for i, m in enumerate(msgs) if "READY=1" in m.split("\n"))
        assert any(m.startswith("STATUS=starting") for m in msgs[:first_ready]), msgs
        assert "STATUS=ready: 1 workers, 2 ports, 1 services, API on " in ready, ready
        # READY came after the API answered and the ports were up
        stats = api(d, "GET", "/v1/stats")[1]
        assert [p["name"] for p in stats["ports"]] == ["client", "backend"]
        assert api(d, "GET", "/v1/services")[0] == 200

        # WATCHDOG=1 every 200 ms (half of 400 ms): 1.2 s holds at least 4
        n.clear()
        n.read(1.2)
        dogs = [t for t, m in n.got if m == "WATCHDOG=1"]
        assert len(dogs) >= 4, n.got
        assert max(b - a for a, b in zip(dogs, dogs[1:])) < 0.4, dogs

        # SIGHUP with a changed weight: RELOADING=1, then READY=1 saying it reloaded
        d.config.write_text(config(lb, 3))
        n.clear()
        os.kill(d.proc.pid, signal.SIGHUP)
        n.wait("RELOADING=1")
        msg = n.wait("READY=1")
        assert f"STATUS=reloaded {d.config}" in msg, msg
        weights = [b["weight"] for b in d.service(SERVICE)["backends"]]
        assert weights == [3, 3], weights

        # a file that cannot be applied: READY=1 again, STATUS saying what was refused
        d.config.write_text(config(lb, 3).replace("scheduler: wrr", "scheduler: nope"))
        n.clear()
        os.kill(d.proc.pid, signal.SIGHUP)
        n.wait("RELOADING=1")
        msg = n.wait("READY=1")
        assert "STATUS=reload refused, running as before: " in msg and "scheduler" in msg, msg

        n.clear()
        os.kill(d.proc.pid, signal.SIGTERM)
        msg = n.wait("STOPPING=1")
        assert "STATUS=stopping on SIGTERM" in msg, msg
        assert d.proc.wait(timeout=20) == 0
    finally:
        n.close()


def test_no_notify_socket_no_messages_and_a_bad_one_is_survived(make_lab, sluiced, tmp_path):
    """A $NOTIFY_SOCKET nobody listens on (systemd gone) costs a warning, not the node."""
    lb = make_lab(backends=2)
    d = sluiced(lb, config(lb, 1), env={"NOTIFY_SOCKET": str(tmp_path / "nobody"),
                                        "WATCHDOG_USEC": "200000"})
    time.sleep(0.5)
    assert d.proc.poll() is None
    assert api(d, "GET", "/v1/services")[0] == 200
    assert "cannot notify systemd" in d.log.read_text()


def test_unit_installed_and_verified(tmp_path):
    """`meson install` puts sluiced.service beside the binaries it names;
    systemd-analyze verify finds nothing wrong in it."""
    dest = tmp_path / "root"
    p = subprocess.run(["meson", "install", "-C", str(BUILD), "--no-rebuild", "--destdir",
                        str(dest), "--quiet"], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    units = list(dest.rglob("sluiced.service"))
    assert len(units) == 1, units
    text = units[0].read_text()
    assert "Type=notify" in text and "WatchdogSec=" in text and "ExecReload=" in text
    exe = next(line.split("=", 1)[1].split()[0] for line in text.splitlines()
               if line.startswith("ExecStart="))
    assert (dest / exe.lstrip("/")).exists(), f"{exe} not installed under {dest}"
    if shutil.which("systemd-analyze") is None:
        pytest.skip("no systemd-analyze")
    # verify it against the binaries as installed under the destdir
    unit = tmp_path / "sluiced.service"
    unit.write_text(text.replace(exe.rsplit("/", 1)[0] + "/",
                                 str(dest / exe.lstrip("/")).rsplit("/", 1)[0] + "/"))
    v = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                       cwd=ROOT)
    assert v.returncode == 0 and v.stderr.strip() == "", v.stderr
