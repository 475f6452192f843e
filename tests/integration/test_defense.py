# SPDX-License-Identifier: Apache-2.0
"""The defenses against floods and unwanted clients, with real traffic.

- An ACL changed live with `sluicectl defense set --deny`: the client's new connections are
  refused while its download in progress finishes whole; `--deny none` lets it in again.
  What was refused shows in `sluicectl list --stats`, /v1/stats and /metrics.
- An ACK flood (hping3, bounded in rate and count, from forged sources inside the client's
  subnet) while wrk and curl are served: the flood's packets are dropped as `no_conn` at the
  cost of a lookup, open no conn, and every real request is answered.
- A SYN flood from forged sources inside the client's subnet against `source_rate`: the
  flood gets its rate and no more while the real client is served in full; then against
  `syn_rate` (`sluicectl service set VIP --syn-rate N`): the SYNs that reach the backends
  stay within the rate. The served share and the SYNs that reached the backends are printed.
- The SYN proxy switched on live, IPv4 and IPv6, with real stacks at both ends: requests and
  downloads whole, a SYN flood reaching no backend, forged cookies reset.
"""

import hashlib
import re
import subprocess
import time

from conftest import SLUICECTL, VIP, api, http_many, wait_http

SVC = f"{VIP}:80/tcp"
FORGED = ["10.0.1.50", "10.0.1.51", "10.0.1.52"]  # the client's subnet, no host of the lab


def text(d, *args):
    """sluicectl's human output."""
    return subprocess.run([SLUICECTL, "-s", d.socket, *args], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=15, check=True).stdout


def metrics(d):
    return subprocess.run(["curl", "-sS", "--unix-socket", d.socket, "http://x/metrics"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=15).stdout


def defense_dropped(d, kind):
    return d.service(SVC)["defense_dropped"][kind]


def created(d):
    return d.service(SVC)["stats"]["conns"]


def hping(lb, tag, flags, src, count, interval_us, log):
    """hping3 from NAME-cl: `count` TCP packets with `flags` to VIP:80 from forged source src,
    one every interval_us (new source port each), bounded by count and a timeout."""
    secs = count * interval_us / 1e6 + 10
    return lb.spawn("cl", ["timeout", str(int(secs)), "hping3", "-q", flags, "-p", "80", "-a",
                           src, "-i", f"u{interval_us}", "-c", str(count), VIP], tag, log=log)


def wait_done(lb, procs, timeout):
    deadline = time.monotonic() + timeout
    for p in procs:
        p.wait(timeout=max(1, deadline - time.monotonic()))


def test_acl_live(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2, big_mb=4, rate="800k")
    d = sluiced(lb, lb.sluiced_config())
    wait_http(lb, d)

    # a download of 4 MiB at 800 KiB/s runs ~5 s; the client is denied in the middle of it
    out = tmp_path / "big.out"
    dl = lb.spawn("cl", ["curl", "-sS", "-m", "40", "-o", out, f"http://{VIP}/big"], "dl",
                  log=tmp_path / "dl.log")
    time.sleep(1.5)
    shown = d.ctl("defense", "set", "--deny", "10.0.1.2,192.0.2.0/24")
    assert shown["deny"] == ["10.0.1.2", "192.0.2.0/24"], shown
    refused = http_many(lb, 3, each=2)
    assert refused == ["FAIL"] * 3, refused
    assert dl.wait(timeout=60) == 0, (tmp_path / "dl.log").read_text()
    assert out.stat().st_size == 4 << 20, "the download in progress did not finish whole"
    acl = defense_dropped(d, "acl")
    assert acl >= 3, d.service(SVC)  # each curl's SYN and its retransmissions
    assert d.drops("acl_denied") == acl
    assert re.search(rf"dropped: acl {acl} ", text(d, "list", "--stats")), text(d, "list", "--stats")
    assert f'sluice_service_defense_dropped_total{{service="{SVC}",defense="acl"}} {acl}' \
        in metrics(d)
    assert d.ctl("defense")["dropped"]["acl"] == acl
    assert "deny        10.0.1.2, 192.0.2.0/24" in text(d, "defense")

    # a bad prefix changes nothing and says why
    status, body = api(d, "PATCH", "/v1/defense", {"deny": ["10.0.1.2/24"]})
    assert status == 400 and "host bits" in body["detail"], body
    assert d.ctl("defense")["deny"] == ["10.0.1.2", "192.0.2.0/24"]

    # the service's own allow list, set in place, then the node's deny lifted
    d.ctl("service", "set", SVC, "--allow", "10.0.1.0/30")
    assert d.service(SVC)["defense"] == {"allow": ["10.0.1.0/30"]}
    d.ctl("defense", "set", "--deny", "none")
    assert "FAIL" not in http_many(lb, 3)
    d.ctl("service", "set", SVC, "--allow", "10.0.1.128/25")
    assert http_many(lb, 2, each=2) == ["FAIL"] * 2
    assert d.drops("acl_not_allowed") >= 2


def test_ack_flood(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config())
    wait_http(lb, d)
    time.sleep(1)
    no_conn, made = d.drops("no_conn"), d.stats()["conns"]["created"]

    count, gap = 6000, 250  # 4000 ACKs a second from each of 3 sources for 1.5 s
    floods = [hping(lb, f"ack{i}", "-A", src, count, gap, tmp_path / f"ack{i}.log")
              for i, src in enumerate(FORGED)]
    wrk = lb.spawn("cl", ["wrk", "-t", "1", "-c", "8", "-d", "3s", f"http://{VIP}/"], "wrk",
                   log=tmp_path / "wrk.log")
    answers = http_many(lb, 20)
    wait_done(lb, floods + [wrk], 60)
    log = (tmp_path / "wrk.log").read_text()
    print(log)
    reqs = int(re.search(r"(\d+) requests in", log).group(1))
    assert "Socket errors" not in log and "Non-2xx" not in log, log
    served = sum(a != "FAIL" for a in answers)
    time.sleep(1)
    dropped = d.drops("no_conn") - no_conn
    real = d.stats()["conns"]["created"] - made
    print(f"ACK flood: {3 * count} sent, {dropped} dropped as no_conn; real clients: curl "
          f"{served}/20 served, wrk {reqs} requests without an error; conns created {real}")
    assert served == 20
    assert dropped >= 0.9 * 3 * count, f"only {dropped} of {3 * count} ACKs counted"
    # every conn made is a real client's: wrk's and curl's, none of the flood's
    assert real <= reqs + 20 + 8, f"{real} conns made for {reqs + 20} requests"


def test_syn_floods(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    conf = lb.sluiced_config().replace("  local_addresses:",
                                       "  defense: {source_rate: 50}\n  local_addresses:", 1)
    d = sluiced(lb, conf)
    wait_http(lb, d)
    time.sleep(1)

    # source_rate: 1000 SYNs a second from one forged source for 2 s; the real client's 30
    # requests, one connection each, are its own
    before, src_drops = created(d), defense_dropped(d, "source_rate")
    t0 = time.monotonic()
    flood = hping(lb, "syn", "-S", FORGED[0], 2000, 1000, tmp_path / "syn.log")
    answers = http_many(lb, 30)
    wait_done(lb, [flood], 60)
    secs = time.monotonic() - t0
    time.sleep(0.5)
    reached = created(d) - before - 30
    dropped = defense_dropped(d, "source_rate") - src_drops
    served = sum(a != "FAIL" for a in answers)
    print(f"SYN flood vs source_rate 50/s: 2000 sent in {secs:.1f} s, {dropped} dropped, "
          f"{reached} reached the backends; real client served {served}/30")
    assert served == 30, answers
    assert reached <= 50 + secs * 50 + 10, reached  # a second's burst, then 50/s
    assert dropped >= 2000 - reached - 50, dropped
    assert d.service(SVC)["defense_in_force"]["source_rate"] == 50

    # syn_rate on the service, set live: three forged sources, 1000 SYNs a second together
    d.ctl("service", "set", SVC, "--syn-rate", "100", "--source-rate", "0")
    assert "syn_rate 100/s" in text(d, "list")
    before, syn_drops = created(d), defense_dropped(d, "syn_rate")
    floods = [hping(lb, f"syn{i}", "-S", src, 1000, 3000, tmp_path / f"syn{i}.log")
              for i, src in enumerate(FORGED)]
    t0 = time.monotonic()
    answers = http_many(lb, 10, each=3)
    wait_done(lb, floods, 60)
    secs = time.monotonic() - t0
    time.sleep(0.5)
    opened = created(d) - before
    dropped = defense_dropped(d, "syn_rate") - syn_drops
    served = sum(a != "FAIL" for a in answers)
    print(f"SYN flood vs syn_rate 100/s: 3000 sent in {secs:.1f} s, {dropped} dropped, "
          f"{opened} conns opened (the real client's {served}/10 served among them)")
    assert opened <= 100 + secs * 100 + 30, opened
    assert dropped >= 3000 - opened - 100, dropped
    assert dropped == d.drops("syn_rate")
    # the limit lifted: the real client alone again
    d.ctl("service", "set", SVC, "--syn-rate", "0")
    assert "FAIL" not in http_many(lb, 5)


def test_synproxy(make_lab, sluiced, tmp_path):
    """The SYN proxy switched on live, with real stacks at both ends (curl, wrk, nginx):
    requests and a 4 MiB download go through whole (sequence numbers, SACK, timestamps
    and window scale translated); a SYN flood from forged sources reaches no backend while
    the real client is served in full; ACKs with forged cookies are counted and reset."""
    lb = make_lab(backends=2, big_mb=4, rate="4m")
    d = sluiced(lb, lb.sluiced_config())
    wait_http(lb, d)
    d.ctl("service", "set", SVC, "--synproxy", "on")
    assert d.service(SVC)["defense_in_force"]["synproxy"] is True
    assert "synproxy" in text(d, "list")

    before = d.service(SVC)["synproxy"]
    assert "FAIL" not in http_many(lb, 10)
    out = tmp_path / "big.out"
    lb.run("cl", ["curl", "-sS", "-m", "30", "-o", out, f"http://{VIP}/big"], timeout=40)
    assert out.stat().st_size == 4 << 20
    after = d.service(SVC)["synproxy"]
    assert after["opened"] - before["opened"] == 11, (before, after)

    # the flood: 3 forged sources, 1000 SYNs a second together for 3 s
    made, sp = created(d), d.service(SVC)["synproxy"]
    floods = [hping(lb, f"syn{i}", "-S", src, 1000, 3000, tmp_path / f"syn{i}.log")
              for i, src in enumerate(FORGED)]
    wrk = lb.spawn("cl", ["wrk", "-t", "1", "-c", "4", "-d", "2s", f"http://{VIP}/"], "wrk",
                   log=tmp_path / "wrk.log")
    answers = http_many(lb, 30)
    wait_done(lb, floods + [wrk], 60)
    time.sleep(0.5)
    log = (tmp_path / "wrk.log").read_text()
    reqs = int(re.search(r"(\d+) requests in", log).group(1))
    served = sum(a != "FAIL" for a in answers)
    now = d.service(SVC)["synproxy"]
    answered = now["syn_answered"] - sp["syn_answered"]
    opened = created(d) - made
    print(f"SYN flood vs the SYN proxy: 3000 forged SYNs, {answered} SYNs answered with a "
          f"cookie, {opened} conns opened toward the backends (the real clients': curl "
          f"{served}/30, wrk {reqs} requests on its connections)")
    assert served == 30, answers
    assert "Socket errors" not in log and "Non-2xx" not in log, log
    # every conn opened is a real client's (wrk reconnects when nginx ends a keep-alive
    # connection after 1000 requests): the forged sources hold none, their SYNs only got
    # answers
    assert now["opened"] - sp["opened"] == opened
    assert answered - opened >= 2700, now
    clients = {c["client"].rsplit(":", 1)[0] for c in d.ctl("conns", "--limit", "0")["conns"]}
    assert clients <= {"10.0.1.2"}, clients

    # forged cookies: each ACK counted and answered with a RST
    bad = now["bad_cookie"]
    ack = hping(lb, "ack", "-A", FORGED[0], 200, 2000, tmp_path / "ack.log")
    wait_done(lb, [ack], 30)
    time.sleep(0.5)
    assert d.service(SVC)["synproxy"]["bad_cookie"] - bad >= 190
    assert d.drops("sp_bad_cookie") >= 190
    assert re.search(r"synproxy: syn_answered \d+ opened \d+ bad_cookie \d+",
                     text(d, "list", "--stats"))
    assert f'sluice_service_synproxy_total{{service="{SVC}",event="opened"}}' in metrics(d)

    # off again: the next conns go straight through
    d.ctl("service", "set", SVC, "--synproxy", "off")
    opened_before = d.service(SVC)["synproxy"]["opened"]
    assert "FAIL" not in http_many(lb, 3)
    assert d.service(SVC)["synproxy"]["opened"] == opened_before


def test_synproxy6(make_lab, sluiced, tmp_path):
    """The SYN proxy over IPv6 with real stacks, two workers: every request answered and a
    100 MB download unchanged (the client's and the Linux backends' options and numbers
    translated both ways)."""
    from test_fullnat6 import BIG_MB, VIP6, config6, curl6, setup_v6

    lb = make_lab(backends=2)
    digest = setup_v6(lb, tmp_path)
    d = sluiced(lb, config6(lb))
    wait_http(lb, d)
    svc6 = f"[{VIP6}]:80/tcp"
    d.ctl("service", "set", svc6, "--synproxy", "on")
    deadline, p = time.monotonic() + 20, None
    while time.monotonic() < deadline:  # the backends' neighbours first
        p = curl6(lb, "name", timeout=3)
        if p.returncode == 0 and p.stdout.strip() in ("b1", "b2"):
            break
        time.sleep(0.5)
    names = [curl6(lb, "name", timeout=5).stdout.strip() for _ in range(20)]
    assert set(names) == {"b1", "b2"}, names
    got = tmp_path / "got"
    p = curl6(lb, "big", timeout=240, out=str(got))
    assert p.returncode == 0 and p.stdout.split()[0] == "200", (p.stdout, p.stderr)
    assert got.stat().st_size == BIG_MB << 20
    assert hashlib.sha256(got.read_bytes()).hexdigest() == digest
    sp = d.service(svc6)["synproxy"]
    assert sp["opened"] >= 21 and sp["bad_cookie"] == 0, sp
