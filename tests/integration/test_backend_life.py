# SPDX-License-Identifier: Apache-2.0
"""The life of a backend, with sluiced running two workers: weight 0 drains (the established
download completes intact, no new conn reaches the backend); max_conns is a node-wide limit
(never more conns on the backend than the limit, the others go elsewhere, and the backend
takes conns again once its own have ended); inhibited, set and cleared through the REST API,
keeps established conns and refuses new ones; `sluicectl list` shows weight, active and
inactive conns and the state of every backend while downloads run."""

import subprocess
import time

from conftest import SLUICECTL, api, backend_name, wait_http
from test_schedulers import (SERVICE, WORKERS, addr, backend_view, conns_of, established,
                             get_many, start_download)

N_AFTER = 20

# Short closing timeouts, so that conns that have ended (TIME_WAIT, CLOSE, ...) leave the
# node's count within a second or two: max_conns counts them, as IPVS's upper threshold does.
SHORT_TIMEOUTS = {"tcp_fin_wait": 2, "tcp_time_wait": 1, "tcp_close": 1,
                  "tcp_close_wait": 2, "tcp_last_ack": 2}


def wrr_two_backends(make_lab, sluiced):
    """A lab of two backends and a node of WORKERS workers serving SERVICE by wrr over both."""
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config(workers=WORKERS, services=[{
        "vip": SERVICE, "scheduler": "wrr", "backends": [(addr(1), 1), (addr(2), 1)]}]))
    wait_http(lb, d)
    return lb, d


def access_lines(lb, k):
    try:
        return len((lb.backend_dir(k) / "access.log").read_text().splitlines())
    except OSError:
        return 0


def wait_for(what, fn, timeout=10, every=0.2):
    """Poll fn() until it returns a true value (returned), at most timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


def serving_download(lb, tmp_path, ks=(1, 2)):
    """Start a download of /big and return (download, k of the backend serving it)."""
    dl, k, _ = start_download(lb, tmp_path, list(ks), "big")
    return dl, k


# --- weight 0 -------------------------------------------------------------------------------

def test_weight_zero_drains(make_lab, sluiced, tmp_path):
    lb, d = wrr_two_backends(make_lab, sluiced)

    dl, x = serving_download(lb, tmp_path)
    other = 3 - x
    try:
        d.ctl("backend", "set", SERVICE, addr(x), "--weight", 0)
        assert dl.running(), f"the download ended before the drain: {dl.meta.read_text()}"
        b = backend_view(d)[f"b{x}"]
        assert b["weight"] == 0 and b["state"] == "drain", b
        assert b["stats"]["active_conns"] == 1, b

        before = access_lines(lb, x)
        answers = get_many(lb, N_AFTER)
        assert set(answers) == {f"b{other}"}, f"b{x} drained, yet: {answers}"
        assert access_lines(lb, x) == before, f"b{x}'s access log grew after weight 0"
        assert dl.running(), "the download ended before the new requests were made"
        assert established(lb, x) == 1, "the download's conn left the drained backend"
        elapsed = dl.check_intact()
    finally:
        dl.kill()
    assert elapsed > 3, f"the download took {elapsed:.1f} s: too short to overlap the drain"
    assert access_lines(lb, x) == before + 1, "more than the download on the drained backend"


# --- max_conns ------------------------------------------------------------------------------

def test_max_conns_enforced(make_lab, sluiced, tmp_path):
    # /big of 3 MiB at 400 KiB/s: about 8 s, long enough for six starts (a second or two,
    # more on a loaded machine), short to wait for.
    lb = make_lab(backends=2, big_mb=3)
    d = sluiced(lb, lb.sluiced_config(workers=WORKERS, timeouts=SHORT_TIMEOUTS, services=[{
        "vip": SERVICE, "scheduler": "rr",
        "backends": [{"address": addr(1), "weight": 1, "max_conns": 2}, (addr(2), 1)]}]))
    wait_http(lb, d)

    def b1_open():
        s = backend_view(d)["b1"]["stats"]
        return s["active_conns"] + s["inactive_conns"]

    # The probe's conn may be on b1 (it counts until it expires): start from an empty b1.
    wait_for("b1 without conns after the probe", lambda: b1_open() == 0)
    shown = [b for s in d.ctl("config", "show")["services"] for b in s["backends"]]
    assert [b.get("max_conns") for b in shown] == [2, 0], shown

    downloads, where, seen = [], [], []
    try:
        counts = None
        for i in range(6):
            dl, k, counts = start_download(lb, tmp_path, [1, 2], f"big{i}", counts)
            downloads.append(dl)
            where.append(k)
            seen.append(established(lb, 1))
            assert seen[-1] <= 2, f"b1 has {seen[-1]} established conns, max_conns 2: {where}"
        assert counts == {1: 2, 2: 4}, f"b1 (max_conns 2) and b2 got {counts}; order {where}"
        b1 = backend_view(d)["b1"]
        assert b1["state"] == "full" and b1["stats"]["active_conns"] == 2, b1
        # A new request meanwhile goes to b2.
        assert set(get_many(lb, 4)) == {"b2"}
        assert established(lb, 1) == 2
        per_worker = sorted(c["worker"] for c in conns_of(d, state="ESTABLISHED"))
        print(f"max_conns: order {where}, b1 after each start {seen}, workers {per_worker}")

        for dl in downloads:
            dl.check_intact()
    finally:
        for dl in downloads:
            dl.kill()

    # Its conns ended (and expired), b1 takes new conns again.
    wait_for("b1's conns to expire after the downloads", lambda: b1_open() == 0)
    assert backend_view(d)["b1"]["state"] == "up"
    answers = get_many(lb, 6)
    assert "FAIL" not in answers and "b1" in answers, answers


# --- inhibited ------------------------------------------------------------------------------

def test_inhibited_through_api(make_lab, sluiced, tmp_path):
    lb, d = wrr_two_backends(make_lab, sluiced)

    dl, x = serving_download(lb, tmp_path)
    other = 3 - x
    path = f"/v1/services/{SERVICE}/backends/{addr(x)}"
    try:
        status, doc = api(d, "PATCH", path, {"inhibited": True})
        assert status == 200, f"PATCH {path} inhibited: {status} {doc}"
        b = backend_view(d)[f"b{x}"]
        assert b["state"] == "inhibited" and b["weight"] == 1, b
        assert b["stats"]["active_conns"] == 1, b

        before = access_lines(lb, x)
        answers = get_many(lb, N_AFTER)
        assert set(answers) == {f"b{other}"}, f"b{x} inhibited, yet: {answers}"
        assert access_lines(lb, x) == before, f"b{x}'s access log grew while inhibited"
        assert dl.running() and established(lb, x) == 1, \
            "the download's conn did not survive the inhibit"
        dl.check_intact()
    finally:
        dl.kill()

    status, doc = api(d, "PATCH", path, {"inhibited": False})
    assert status == 200, f"PATCH {path} not inhibited: {status} {doc}"
    assert backend_view(d)[f"b{x}"]["state"] == "up"
    answers = get_many(lb, N_AFTER)
    assert "FAIL" not in answers and answers.count(f"b{x}") >= N_AFTER // 4, \
        f"b{x} no longer inhibited, yet: {answers}"
    _, cfg = api(d, "GET", "/v1/config")
    be = [b for s in cfg["services"] if s["vip"] == SERVICE for b in s["backends"]
          if b["address"] == addr(x)]
    assert be and be[0].get("inhibited") is False, be


# --- sluicectl list -------------------------------------------------------------------------

def list_rows(d):
    """{'b1': (weight, active, inactive, state), ...} from the text of `sluicectl list`."""
    p = subprocess.run([str(SLUICECTL), "-s", d.socket, "list"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=15)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert "Weight ActiveConn InActConn" in p.stdout and "State" in lines[1], p.stdout
    rows = {}
    for line in lines[2:]:
        f = line.split()
        if f and f[0] == "->":
            # no health check here: its column is "-"
            assert len(f) == 8 and f[7] == "-", \
                f"-> ADDR Forward Weight ActiveConn InActConn State Health: {line!r}"
            rows[backend_name(f[1])] = (int(f[3]), int(f[4]), int(f[5]), f[6])
    return rows, p.stdout


def test_list_shows_weight_state_conns(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=4, rate="100k")  # downloads of 40 s
    d = sluiced(lb, lb.sluiced_config(workers=WORKERS, services=[{
        "vip": SERVICE, "scheduler": "wrr", "backends": [
            (addr(1), 2),
            {"address": addr(2), "weight": 1, "max_conns": 1},
            (addr(3), 0),
            {"address": addr(4), "weight": 1, "inhibited": True}]}]))
    wait_http(lb, d)
    answers = get_many(lb, 4)
    assert set(answers) <= {"b1", "b2"} and "FAIL" not in answers, answers

    downloads = []
    try:
        counts = None
        for i in range(3):
            dl, _, counts = start_download(lb, tmp_path, [1, 2, 3, 4], f"big{i}", counts)
            downloads.append(dl)
        # b2 (max_conns 1) held a conn from the first picks on (smooth wrr 2:1 picks it once
        # in every three): it is full, and b1 has the rest.
        assert counts[3] == counts[4] == 0 and counts[2] <= 1, counts

        # What the table must say, from other sources: weights and states as configured
        # (b2 full), ActiveConn as the backends' kernels count established conns, InActConn
        # as the node's conn table lists conns in other states. Read until they agree (a
        # closing conn may move between two reads), for at most 10 s.
        states = {1: "up", 2: "full", 3: "drain", 4: "inhibited"}
        weights = {1: 2, 2: 1, 3: 0, 4: 1}
        deadline = time.monotonic() + 10
        while True:
            rows, text = list_rows(d)
            conns = conns_of(d)
            want = {f"b{k}": (weights[k], established(lb, k),
                              sum(1 for c in conns
                                  if c["backend"] == addr(k) and c["state"] != "ESTABLISHED"),
                              states[k]) for k in (1, 2, 3, 4)}
            if rows == want:
                break
            assert time.monotonic() < deadline, (f"sluicectl list:\n{text}\nrows {rows}\n"
                                                 f"want (weight, active, inactive, state) {want}")
            time.sleep(0.3)
        assert rows["b1"][1] + rows["b2"][1] == 3 and rows["b1"][2] + rows["b2"][2] >= 4, rows
        assert all(dl.running() for dl in downloads)
        print(text)
    finally:
        for dl in downloads:
            dl.kill()
