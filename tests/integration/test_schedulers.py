# SPDX-License-Identifier: Apache-2.0
"""The schedulers against real clients and servers, with sluiced running two workers.

af_packet spreads the flows over the two workers by a hash of the 5-tuple, so a client's
connections (each from a new source port) land on both workers; what one worker decides must
hold on the other:

- lc and wlc count conns over the whole node: long downloads of /big, started one after
  another (each once the previous one is established on a backend), end up spread exactly by
  active count (lc: equal, wlc: as the weights), and both workers carried them.
- sh pins a client address to one backend on both workers, and a node started afresh (as
  another node of the cluster would be) makes the same choice.
- persistence pins a client (or, with persistence_netmask 24, its /24) across both workers;
  with persistence 0 the same requests spread.
- maglev spreads many flows over every backend; with hash: source one client's flows all go
  to one backend, the same one on a node given the backends in another order.
"""

import hashlib
import subprocess
import time
from collections import Counter

import pytest

from conftest import VIP, backend_name, lab, shares, wait_http

SERVICE = f"{VIP}:80/tcp"
CLIENT = lab.CLIENT_ADDR  # 10.0.1.2
CLIENT2 = "10.0.1.3"      # a second address on the client's veth, same /24
WORKERS = 2


def addr(k):
    return f"{lab.backend_addr(k)}:{lab.HTTP_PORT}"


# --- helpers shared with test_backend_life.py -------------------------------------------------

def established(lb, k):
    """Established TCP conns on backend k's nginx (:8080), as its kernel sees them."""
    out = lb.run(f"b{k}", ["ss", "-Htn", "state", "established", "( sport = :8080 )"],
                 check=False).stdout
    return len([line for line in out.splitlines() if line.strip()])


def add_client_address(lb, address=CLIENT2):
    """A second client address on NAME-c0 (inside the lab's client namespace only)."""
    lb.run("cl", ["ip", "addr", "add", f"{address}/24", "dev", lb.client_if])


def get_many(lb, n, url=f"http://{VIP}/", srcs=(None,), each=3):
    """n sequential GETs from NAME-cl, each a new conn (so a new source port), taking their
    source address in turn from srcs (None: the kernel's choice, 10.0.1.2). Returns the
    bodies, "FAIL" for a request that failed."""
    cmds = []
    for i in range(int(n)):
        src = srcs[i % len(srcs)]
        opt = f"--interface {src} " if src else ""
        cmds.append(f"out=$(curl -sS -m {each} {opt}'{url}' 2>/dev/null) "
                    f"&& echo \"$out\" || echo FAIL")
    p = lb.run("cl", ["sh", "-c", "\n".join(cmds)], check=False, timeout=n * (each + 1) + 30)
    out = [line.strip() for line in p.stdout.splitlines()]
    assert len(out) == n, f"expected {n} answers, got {len(out)}: {p.stderr[-500:]}"
    return out


def conns_of(d, service=SERVICE, client=None, state=None):
    """The node's conns of a service (`sluicectl --json conns`), optionally only those of a
    client address and in a state."""
    doc = d.ctl("conns", service, "--limit", 0)
    rows = doc["conns"]
    if client is not None:
        rows = [c for c in rows if c["client"].rsplit(":", 1)[0] == client]
    if state is not None:
        rows = [c for c in rows if c["state"] == state]
    return rows


def backend_view(d, service=SERVICE):
    """{'b1': backend JSON of `sluicectl --json list`, ...}"""
    return {backend_name(b["address"]): b for b in d.service(service)["backends"]}


class Download:
    """One curl of /big through the VIP from NAME-cl, running in the background."""

    def __init__(self, lb, path, url=f"http://{VIP}/big", timeout=120):
        self.lb = lb
        self.out = path.with_suffix(".out")
        self.meta = path.with_suffix(".meta")
        self.started = time.monotonic()
        with open(self.meta, "w") as mf:
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", lb.ns("cl"), "curl", "-sS", "-m", str(timeout),
                 "-o", str(self.out), "-w", "%{http_code} %{size_download}", url],
                stdin=subprocess.DEVNULL, stdout=mf, stderr=subprocess.STDOUT)

    def running(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def check_intact(self, timeout=90):
        """Wait for the end; assert an HTTP 200 with every byte of /big, in order."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"download {self.out.name} still running after {timeout} s")
        text = self.meta.read_text()
        assert rc == 0, f"download {self.out.name} failed (curl exit {rc}): {text}"
        code, size = text.split()[-2:]
        want = self.lb.big_mb << 20
        assert code == "200" and int(size) == want, \
            f"download {self.out.name}: http {code}, {size} bytes, want {want}"
        assert hashlib.sha256(self.out.read_bytes()).digest() == \
            hashlib.sha256(self.lb.big_file.read_bytes()).digest(), \
            f"download {self.out.name}: the right size but the wrong bytes"
        return time.monotonic() - self.started


def start_download(lb, tmp_path, ks, tag, counts=None, timeout=10):
    """Start one download of /big and wait until it is established on one of backends ks
    (its nginx has one more established conn). Returns (download, k, counts after), counts
    being {k: established conns on bk}."""
    before = counts if counts is not None else {k: established(lb, k) for k in ks}
    dl = Download(lb, tmp_path / tag)
    deadline = time.monotonic() + timeout
    while True:
        now = {k: established(lb, k) for k in ks}
        gained = [k for k in ks if now[k] > before[k]]
        if sum(now.values()) == sum(before.values()) + 1 and len(gained) == 1:
            return dl, gained[0], now
        if not dl.running():
            pytest.fail(f"download {tag} ended before it was seen on a backend: "
                        f"{dl.meta.read_text()!r}; established before {before}, now {now}")
        if time.monotonic() > deadline:
            dl.kill()
            pytest.fail(f"download {tag} not established on any of {ks} in {timeout} s: "
                        f"established before {before}, now {now}")
        time.sleep(0.05)


# --- lc and wlc -------------------------------------------------------------------------------

# 21 downloads: a multiple of the weight sums (3), and enough that the chance of all of them
# landing on one worker (af_packet's hash puts each on either with probability 1/2) is
# 2 * 2**-21, about one in a million; below, both workers must have carried some.
N_LONG = 21


@pytest.mark.parametrize("sched,weights,drop,refill,after", [
    # lc: 7 each; b1's 7 end; the next 7 all go to b1 (rr would give it 2 or 3).
    ("lc", [1, 1, 1], 1, 7, {1: 7, 2: 7, 3: 7}),
    # wlc 1:2: 7 and 14; b2's 14 end; the next 9 all go to b2 (9/2 < 7/1).
    ("wlc", [1, 2], 2, 9, {1: 7, 2: 9}),
], ids=["lc", "wlc"])
def test_least_conns_two_workers(make_lab, sluiced, tmp_path, sched, weights, drop, refill,
                                 after):
    # /big at 100 KiB/s lasts 40 s: every download is still running when the last starts.
    lb = make_lab(backends=len(weights), rate="100k")
    ks = list(range(1, len(weights) + 1))
    d = sluiced(lb, lb.sluiced_config(workers=WORKERS, services=[{
        "vip": SERVICE, "scheduler": sched,
        "backends": [(addr(k), w) for k, w in zip(ks, weights)]}]))
    wait_http(lb, d)

    downloads, where = [], []

    def start(n, counts, tag):
        for i in range(n):
            dl, k, counts = start_download(lb, tmp_path, ks, f"{sched}{tag}{i}", counts)
            downloads.append(dl)
            where.append(k)
        return counts

    def active():
        return {int(n[1:]): b["stats"]["active_conns"] for n, b in backend_view(d).items()}

    try:
        counts = start(N_LONG, None, "a")
        # Least (weighted) connections, counted over both workers: after every whole round
        # the active counts are exactly in the ratio of the weights.
        want = {k: N_LONG * w // sum(weights) for k, w in zip(ks, weights)}
        assert counts == want, \
            f"{sched} {weights}: established per backend {counts}, want {want}; order {where}"
        assert all(dl.running() for dl in downloads), "a download ended before the checks"

        # The daemon's gauges agree with the backends' kernels.
        assert active() == want, f"sluicectl active_conns {active()}, backends' ss {counts}"

        # Both workers carried the downloads (see N_LONG for the odds of a false failure).
        est = conns_of(d, client=CLIENT, state="ESTABLISHED")
        assert len(est) == N_LONG, f"{len(est)} established conns listed, want {N_LONG}: {est}"
        per_worker = Counter(c["worker"] for c in est)
        assert set(per_worker) == set(range(WORKERS)), \
            f"the downloads were all on one worker: {dict(per_worker)}"
        workers = d.stats()["workers"]
        assert len(workers) == WORKERS and all(w["conns"] > 0 for w in workers), workers
        print(f"{sched} {weights}: backends {counts}, workers {dict(per_worker)}")

        # The downloads of one backend end (curl killed: a RST through the node); the next
        # ones all go to it, on whichever worker they land, until it has caught up.
        for dl, k in zip(downloads, where):
            if k == drop:
                dl.kill()
        deadline = time.monotonic() + 10
        while established(lb, drop) or active()[drop]:
            assert time.monotonic() < deadline, \
                f"b{drop}: {established(lb, drop)} established, active_conns {active()[drop]}" \
                " 10 s after its downloads were killed"
            time.sleep(0.2)
        n_before = len(where)
        counts = start(refill, {k: established(lb, k) for k in ks}, "b")
        assert where[n_before:] == [drop] * refill and counts == after, \
            f"{sched} {weights}: after b{drop}'s conns ended, the next {refill} went to " \
            f"{where[n_before:]}, established now {counts}, want {after}"
        assert active() == after, f"sluicectl active_conns {active()}, backends' ss {counts}"
    finally:
        for dl in downloads:
            dl.kill()


# --- sh -------------------------------------------------------------------------------------

N_PIN = 40


def pinned(lb, d, n=N_PIN, url=f"http://{VIP}/", service=SERVICE, src=None):
    """n requests from one client address: all answered by one backend, which is returned;
    the conns made were spread over both workers (chance of all on one: 2 * 2**-n)."""
    client = src or CLIENT
    answers = get_many(lb, n, url=url, srcs=(src,))
    c = Counter(answers)
    assert len(c) == 1 and "FAIL" not in c, f"{n} requests from {client}: {dict(c)}"
    rows = conns_of(d, service, client=client)
    assert len(rows) >= n, f"{len(rows)} conns of {client} listed, want >= {n}"
    assert len({r["backend"] for r in rows}) == 1, \
        f"conns of {client} on several backends: {Counter(r['backend'] for r in rows)}"
    per_worker = Counter(r["worker"] for r in rows)
    assert set(per_worker) == set(range(WORKERS)), \
        f"conns of {client} all on one worker ({dict(per_worker)}): the test proves nothing"
    return answers[0]


def test_sh_pins_client_across_workers(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=3)
    add_client_address(lb)
    backends = [(addr(k), 1) for k in (1, 2, 3)]
    d = sluiced(lb, lb.sluiced_config(workers=WORKERS, services=[
        {"vip": SERVICE, "scheduler": "sh", "backends": backends}]))
    wait_http(lb, d)
    first = pinned(lb, d)
    second = pinned(lb, d, src=CLIENT2)
    print(f"sh: {CLIENT} -> {first}, {CLIENT2} -> {second}")

    # The choice is a function of the address and the backends, not of the node's history:
    # a node started afresh (standing in for another node of the cluster) agrees.
    d.stop()
    d2 = sluiced(lb, lb.sluiced_config(workers=WORKERS, socket=lb.state / "sluiced2.sock",
                                       services=[{"vip": SERVICE, "scheduler": "sh",
                                                  "backends": backends}]), tag="sluiced2")
    wait_http(lb, d2)
    assert set(get_many(lb, 10)) == {first}, "a fresh node chose another backend for the client"
    assert set(get_many(lb, 10, srcs=(CLIENT2,))) == {second}, \
        f"a fresh node chose another backend for {CLIENT2}"


# --- persistence ------------------------------------------------------------------------------

def test_persistence_pins_client_across_workers(make_lab, sluiced):
    lb = make_lab(backends=3)
    add_client_address(lb)
    backends = [(addr(k), 1) for k in (1, 2, 3)]
    # Three services on the same backends, one per case.
    d = sluiced(lb, lb.sluiced_config(workers=WORKERS, services=[
        {"vip": f"{VIP}:80/tcp", "scheduler": "wrr", "persistence": 300, "backends": backends},
        {"vip": f"{VIP}:81/tcp", "scheduler": "wrr", "persistence": 300,
         "persistence_netmask": 24, "backends": backends},
        {"vip": f"{VIP}:82/tcp", "scheduler": "wrr", "persistence": 0, "backends": backends}]))
    wait_http(lb, d, url=f"http://{VIP}:82/")

    # persistence 300: every conn of the client, on either worker, reaches one backend.
    one = pinned(lb, d, url=f"http://{VIP}:80/", service=f"{VIP}:80/tcp")
    other = pinned(lb, d, url=f"http://{VIP}:80/", service=f"{VIP}:80/tcp", src=CLIENT2)
    print(f"persistence /32: {CLIENT} -> {one}, {CLIENT2} -> {other}")

    # persistence_netmask 24: two addresses of one /24 share the affinity, whichever of them
    # comes first and on whichever worker.
    answers = get_many(lb, N_PIN, url=f"http://{VIP}:81/", srcs=(CLIENT, CLIENT2))
    c = Counter(answers)
    assert len(c) == 1 and "FAIL" not in c, f"/24 affinity: {CLIENT} and {CLIENT2} got {dict(c)}"
    rows = conns_of(d, f"{VIP}:81/tcp")
    assert {r["client"].rsplit(":", 1)[0] for r in rows} == {CLIENT, CLIENT2}, rows
    assert len({r["backend"] for r in rows}) == 1, rows
    assert set(Counter(r["worker"] for r in rows)) == set(range(WORKERS)), rows

    # persistence 0: the same requests spread over every backend (wrr: a third each).
    counts, _ = shares(get_many(lb, N_PIN, url=f"http://{VIP}:82/"))
    assert "FAIL" not in counts, dict(counts)
    assert set(counts) == {"b1", "b2", "b3"} and min(counts.values()) >= 10, \
        f"without persistence 40 requests should spread over b1..b3: {dict(counts)}"

    svc = d.service(f"{VIP}:81/tcp")
    assert svc["persistence"] == 300 and svc.get("persistence_netmask") == 24, svc


# --- maglev -----------------------------------------------------------------------------------

N_MAGLEV = 300


def test_maglev_spreads_and_source_hash_pins(make_lab, sluiced):
    lb = make_lab(backends=3)
    add_client_address(lb)
    backends = [(addr(k), 1) for k in (1, 2, 3)]

    def config(bs, socket=None):
        return lb.sluiced_config(workers=WORKERS, socket=socket, services=[
            {"vip": f"{VIP}:80/tcp", "scheduler": "maglev", "backends": bs},
            {"vip": f"{VIP}:81/tcp", "scheduler": "maglev",
             "maglev": {"table_size": 65537, "hash": "source"}, "backends": bs}])

    d = sluiced(lb, config(backends))
    wait_http(lb, d)

    # 5-tuple hash: 300 flows, each backend's share near a third. Each share is binomial
    # (n 300, p 1/3: mean 100, sd 8.2); 20%..47% is 60..141 flows, beyond 4.8 sd either way.
    answers = get_many(lb, N_MAGLEV)
    counts, pct = shares(answers)
    assert "FAIL" not in counts, dict(counts)
    for k in (1, 2, 3):
        assert 20.0 <= pct.get(f"b{k}", 0.0) <= 47.0, \
            f"maglev over 3 equal backends, {N_MAGLEV} flows: {dict(counts)}"
    per_worker = Counter(r["worker"] for r in conns_of(d, f"{VIP}:80/tcp"))
    assert set(per_worker) == set(range(WORKERS)), dict(per_worker)
    print(f"maglev tuple: {dict(counts)}, workers {dict(per_worker)}")

    # hash: source: every flow of a client address goes to one backend, on both workers.
    src = {CLIENT: pinned(lb, d, url=f"http://{VIP}:81/", service=f"{VIP}:81/tcp")}
    src[CLIENT2] = pinned(lb, d, url=f"http://{VIP}:81/", service=f"{VIP}:81/tcp", src=CLIENT2)
    print(f"maglev source: {src}")

    # The table depends on the set of backends, not on their order or the node: a node
    # given the backends in another order sends each client to the same backend.
    d.stop()
    d2 = sluiced(lb, config(list(reversed(backends)), socket=lb.state / "sluiced2.sock"),
                 tag="sluiced2")
    wait_http(lb, d2)
    for client, b in src.items():
        got = set(get_many(lb, 10, url=f"http://{VIP}:81/", srcs=(client,)))
        assert got == {b}, f"{client}: {b} before, {got} on a node with the backends reversed"
