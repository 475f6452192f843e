# SPDX-License-Identifier: Apache-2.0
"""A sluice cluster (scripts/cluster): two sluiced nodes behind a BIRD 2 router, each node's
BIRD announcing VIP 10.0.0.10/32 by eBGP, the router spreading new conns over both by ECMP
with an L4 hash. The router gets a two-way multipath route; 200 new conns from the client all
succeed and both nodes carry a fair part of them; a node whose sluiced is SIGKILLed is
withdrawn on the router within the BGP hold time and every new conn then succeeds through
the other node; the node comes back once sluiced runs again; `birdc disable` on a node (the
first step of draining it) withdraws its routes at once.

Each node's sluiced announces the VIP itself (a /32 on its interface sl-vip, while a backend
is healthy) and health-checks the backends: an nginx stopped is marked down on both nodes
within interval x fall and no request after that fails; restarted, it takes traffic again;
every backend down withdraws the VIP; a clean stop withdraws at once."""

import re
import shutil
import subprocess
import time
import uuid
from collections import Counter

import pytest

from conftest import ROOT, VIP, down_all, http_many, load_script, wait_http


cluster = load_script("cluster")
SERVICE = cluster.NODE_SERVICE
NODES = cluster.NODES
HOLD = cluster.HOLD_TIME
HC = cluster.HEALTH_CHECK
HC_INTERVAL, HC_RISE, HC_FALL = 1.0, HC["rise"], HC["fall"]  # HC["interval"] is "1s"
SLACK = 1.5  # seconds on top of a protocol's own bound, for polling and scheduling

pytestmark = pytest.mark.skipif(not (shutil.which("bird") and shutil.which("birdc")),
                                reason="bird2 is not installed (apt-get install bird2)")


@pytest.fixture(scope="module", autouse=True)
def _stale_clusters():
    """Remove clusters that an earlier, killed test run left behind."""
    cluster.gc()
    yield


@pytest.fixture
def make_cluster(request):
    """make_cluster() -> an up Cluster (backends and the router's BIRD running, no node yet);
    every cluster is taken down afterwards, whatever happened, with its BIRD logs shown if the
    test failed."""
    made = []

    def make(**kw):
        c = cluster.Cluster("k" + uuid.uuid4().hex[:7], ephemeral=True, **kw)
        made.append(c)
        return c.up()

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed

    def bird_logs(c):
        for role in ["rt"] + [f"n{k}" for k in NODES]:
            log = c.node_dir(role) / "bird.log"
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-15:]
                print(f"--- {log} ---\n" + "\n".join(f"  bird {role}| {x}" for x in tail))

    down_all(made, bird_logs if failed else None)


def vip_addrs(c, k):
    """`ip -4 -o addr show dev sl-vip` in node k ("" without sl-vip)."""
    return c.run(f"n{k}", ["ip", "-4", "-o", "addr", "show", "dev", "sl-vip"], check=False).stdout


# --- helpers -------------------------------------------------------------------------------------

def start_node(c, sluiced, k, ipv6=False):
    """sluiced in node k (conftest's Sluiced, through the cluster's view of the node), the VIP
    on sl-vip, and the node's BIRD (once: it outlives a sluiced restart, as in production).
    ipv6: the IPv6 service too, and the peers by their IPv6 addresses."""
    d = sluiced(c.node(k), c.node_config(k, ipv6=ipv6), tag=f"sluiced-n{k}")
    if not c.alive(f"bird-n{k}"):
        c.start_bird(f"n{k}")
    return d


def start_cluster(make_cluster, sluiced):
    """A cluster with both nodes up, the router's route to the VIP through both, and the VIP
    answering the client. Returns (cluster, {k: Sluiced})."""
    c = make_cluster()
    nodes = {k: start_node(c, sluiced, k) for k in NODES}
    c.wait_nexthops([cluster.node_front_addr(k) for k in NODES], timeout=30)
    wait_http(c)
    return c, nodes


def conns(d):
    """Conns node d has scheduled for SERVICE, ever (`sluicectl list --stats`)."""
    return d.service(SERVICE)["stats"]["conns"]


def assert_all_answered(answers, backends=None):
    counts = Counter(answers)
    want = backends or {f"b{k}" for k in range(1, 4)}
    assert counts.get("FAIL", 0) == 0, \
        f"{counts['FAIL']} of {len(answers)} requests failed: {dict(counts)}"
    assert set(counts) <= want, dict(counts)
    return counts


def wait_for(what, fn, timeout, every=0.1):
    """Poll fn() until it returns a true value (returned) and the seconds it took, at most
    timeout seconds."""
    t0 = time.monotonic()
    while True:
        v = fn()
        if v:
            return v, time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(every)


# --- tests ---------------------------------------------------------------------------------------

def test_docs_show_the_bird_configs():
    """docs/operations.md shows the very configs this cluster runs (node 1's and the router's)."""
    doc = (ROOT / "docs" / "operations.md").read_text()
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```$", doc, re.S | re.M)
    for name, text in [("NODE_BIRD_CONF", cluster.node_bird_conf(1)),
                       ("ROUTER_BIRD_CONF", cluster.router_bird_conf()),
                       ("BFD_CONF", cluster.BFD_CONF.rstrip("\n") + "\n")]:
        assert text in blocks, f"docs/operations.md does not show scripts/cluster's {name} as it is"
    assert cluster.BFD_ON.strip() in doc


def test_ecmp_spread_and_node_failure(make_cluster, sluiced):
    c, nodes = start_cluster(make_cluster, sluiced)
    front = {k: cluster.node_front_addr(k) for k in NODES}

    # The router's route to the VIP is one route with a next hop per node.
    assert c.nexthops() == sorted(front.values())
    assert set(c.bgp_states("rt").values()) == {"Established"}, c.bgp_states("rt")

    # 200 new conns: all answered, and the L4 hash gives each node a fair part (an L3 hash
    # would send every conn of this one client to the same node).
    n = 200
    before = {k: conns(d) for k, d in nodes.items()}
    assert_all_answered(http_many(c, n))
    carried = {k: conns(d) - before[k] for k, d in nodes.items()}
    print(f"conns per node: {carried}")
    assert sum(carried.values()) == n, carried
    for k in NODES:
        assert carried[k] >= n // 10, f"node {k} carried {carried[k]} of {n} conns: {carried}"

    # SIGKILL node 1's sluiced: its twins (the BGP session's path) go with it, nothing says
    # goodbye, and the router withdraws the node when the hold timer expires.
    t0 = time.monotonic()
    nodes[1].proc.kill()
    nodes[1].proc.wait(timeout=10)
    c.wait_nexthops([front[2]], timeout=HOLD + SLACK + 2)
    took = time.monotonic() - t0
    print(f"node 1 withdrawn on the router {took:.2f} s after SIGKILL (hold time {HOLD} s)")
    assert took <= HOLD + SLACK, f"withdrawn after {took:.2f} s, hold time {HOLD} s"
    assert c.bgp_states("rt")["node1"] != "Established"

    # Every new conn now goes to node 2, and succeeds.
    n = 100
    before2 = conns(nodes[2])
    assert_all_answered(http_many(c, n))
    assert conns(nodes[2]) - before2 == n

    # sluiced back on node 1: its BIRD (still running) re-establishes the session over the
    # new twin and the router spreads conns over both again.
    t0 = time.monotonic()
    nodes[1] = start_node(c, sluiced, 1)
    c.wait_nexthops(sorted(front.values()), timeout=15)
    print(f"node 1 back on the router {time.monotonic() - t0:.2f} s after sluiced started")
    before = {k: conns(d) for k, d in nodes.items()}
    assert_all_answered(http_many(c, n))
    carried = {k: conns(d) - before[k] for k, d in nodes.items()}
    assert sum(carried.values()) == n and min(carried.values()) > 0, carried


def test_bgp_disable_withdraws_at_once(make_cluster, sluiced):
    """Draining a node: `birdc disable` of its BGP session withdraws its VIPs on the router
    at once (a Cease, not a timeout); new conns go to the other node, conns established on
    the drained node carry on, and its sluiced can be stopped once they end."""
    c, nodes = start_cluster(make_cluster, sluiced)
    t0 = time.monotonic()
    c.birdc("n1", "disable", "uplink")
    c.wait_nexthops([cluster.node_front_addr(2)], timeout=5)
    took = time.monotonic() - t0
    print(f"node 1 withdrawn {took:.2f} s after birdc disable")
    assert took < 1.0, took

    before = {k: conns(d) for k, d in nodes.items()}
    assert_all_answered(http_many(c, 50))
    assert conns(nodes[1]) == before[1] and conns(nodes[2]) - before[2] == 50

    # Nothing is left on node 1 once its conns have ended: sluiced can go.
    wait_for("node 1 idle", lambda: nodes[1].service(SERVICE)["stats"]["active_conns"] == 0,
             timeout=10)
    nodes[1].stop()
    assert_all_answered(http_many(c, 20))

    c.birdc("n1", "enable", "uplink")  # enabled without sluiced: no session, no route
    time.sleep(2)
    assert c.nexthops() == [cluster.node_front_addr(2)]


def test_bfd_withdraws_a_dead_node_fast(make_cluster, sluiced):
    """With BFD beside BGP (cluster.BFD_CONF on both sides), a node whose sluiced is SIGKILLed
    is withdrawn after 3 x 100 ms of silence instead of the hold time."""
    c = make_cluster(bfd=True)
    nodes = {k: start_node(c, sluiced, k) for k in NODES}
    front = {k: cluster.node_front_addr(k) for k in NODES}
    c.wait_nexthops(sorted(front.values()), timeout=30)
    wait_for("BFD sessions up",
             lambda: c.birdc("rt", "show", "bfd", "sessions").stdout.count(" Up ") == 2, timeout=10)
    wait_http(c)

    t0 = time.monotonic()
    nodes[1].proc.kill()
    c.wait_nexthops([front[2]], timeout=HOLD + SLACK, every=0.02)
    took = time.monotonic() - t0
    print(f"node 1 withdrawn on the router {took:.2f} s after SIGKILL, with BFD")
    assert took < 1.0, f"withdrawn after {took:.2f} s"
    assert_all_answered(http_many(c, 20))


# --- health checks and announcement ------------------------------------------------------------

def backend_down(d, k):
    """True when node d's health check holds backend k down (and so does its state)."""
    addr = f"{cluster.backend_addr(k)}:{cluster.HTTP_PORT}"
    for b in d.service(SERVICE)["backends"]:
        if b["address"] == addr:
            down = b["health"]["state"] == "down"
            assert down == (b["state"] == "down"), b
            return down
    raise AssertionError(f"no backend {addr}")


def test_health_check_takes_backend_out_and_back(make_cluster, sluiced):
    c, nodes = start_cluster(make_cluster, sluiced)
    assert_all_answered(http_many(c, 30))

    # nginx stopped on b1: both nodes mark it down within interval x fall (+ a timeout's
    # worth and slack), and from then on no request fails.
    c.stop_server(1)
    bound = HC_INTERVAL * HC_FALL + 0.5 + SLACK
    for k, d in nodes.items():
        _, took = wait_for(f"n{k} marks b1 down", lambda: backend_down(d, 1), timeout=bound)
        print(f"n{k}: b1 down after {took:.2f} s")
    counts = assert_all_answered(http_many(c, 100), {"b2", "b3"})
    assert counts["b2"] and counts["b3"], dict(counts)

    # nginx back: b1 is up again on both nodes within interval x rise and takes conns.
    c.start_server(1)
    bound = HC_INTERVAL * HC_RISE + 0.5 + SLACK
    for k, d in nodes.items():
        wait_for(f"n{k} marks b1 up", lambda: not backend_down(d, 1), timeout=bound)
    counts = assert_all_answered(http_many(c, 60))
    assert counts["b1"] > 0, dict(counts)


def test_no_healthy_backend_withdraws_vip(make_cluster, sluiced):
    c, nodes = start_cluster(make_cluster, sluiced)
    front = sorted(cluster.node_front_addr(k) for k in NODES)

    # Every backend down: both nodes take the VIP off sl-vip, the router loses the route.
    for k in range(1, c.backends + 1):
        c.stop_server(k)
    took = c.wait_nexthops([], timeout=HC_INTERVAL * HC_FALL + 0.5 + SLACK + 2)
    print(f"VIP withdrawn {took:.2f} s after the last backend stopped")
    for k in NODES:
        out = vip_addrs(c, k)
        assert f"inet {VIP}/32" not in out, out

    # One backend back: the VIP comes back through both nodes and answers.
    c.start_server(2)
    c.wait_nexthops(front, timeout=HC_INTERVAL * HC_RISE + 0.5 + SLACK + 2)
    wait_http(c)
    assert_all_answered(http_many(c, 40), {"b2"})


def test_clean_stop_withdraws_at_once(make_cluster, sluiced):
    """sluiced stopped with SIGTERM takes its VIPs off sl-vip while its twins still carry
    BIRD's withdrawal, so the router drops the node at once, not after the hold time (with
    the twins gone first it would take HOLD seconds: measured 2.6 s)."""
    c, nodes = start_cluster(make_cluster, sluiced)
    t0 = time.monotonic()
    nodes[1].stop()
    c.wait_nexthops([cluster.node_front_addr(2)], timeout=HOLD + SLACK, every=0.02)
    took = time.monotonic() - t0
    print(f"node 1 withdrawn {took:.2f} s after SIGTERM")
    assert took < 1.0, took


# --- conns that the router moves between nodes ---------------------------------------------------

def start_downloads(c, n, each=60, vip=VIP):
    """n concurrent downloads of /big from the client, each its own conn; a Popen whose
    output is one line per download: "<bytes> <http code>" ("FAIL" when curl failed)."""
    host = f"[{vip}]" if ":" in vip else vip
    script = (f"for i in $(seq {int(n)}); do (curl -sS -g -m {each} -o /dev/null "
              f"-w '%{{size_download}} %{{http_code}}\\n' http://{host}/big || echo FAIL) & "
              f"done; wait")
    return subprocess.Popen(["ip", "netns", "exec", c.ns("cl"), "sh", "-c", script],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def downloads_done(p, n, size, timeout=90):
    out, err = p.communicate(timeout=timeout)
    lines = out.split("\n")[:-1]
    assert lines == [f"{size} 200"] * n, f"downloads: {lines} {err[-500:]}"


def active(d):
    return d.service(SERVICE)["stats"]["active_conns"]


@pytest.mark.parametrize("family", [4, 6])
def test_drain_and_rejoin_keep_established_conns(make_cluster, sluiced, family):
    """Draining node 1 (its BGP session disabled) makes the router send its flows to node 2,
    which has no conn for them and passes them to its peer node 1, which does: every
    download running through node 1 completes. Node 1 back in the route takes some of node
    2's flows; it passes them to node 2: every download completes again. IPv6: the same
    through the IPv6 VIP, announced as a /128 over the same BGP session, the peers named
    by their IPv6 addresses (found by neighbour discovery)."""
    c = make_cluster(big_mb=3)  # 3 MiB at 400 kB/s: about 8 s a download
    v6 = family == 6
    nodes = {k: start_node(c, sluiced, k, ipv6=v6) for k in NODES}
    vip, service = (cluster.VIP6, cluster.NODE_SERVICE6) if v6 else (VIP, SERVICE)
    prefix = f"{vip}/128" if v6 else f"{vip}/32"
    front = {k: (cluster.node_front_addr6 if v6 else cluster.node_front_addr)(k)
             for k in NODES}
    c.wait_nexthops(sorted(front.values()), prefix=prefix, timeout=30)
    wait_http(c, url=f"http://[{vip}]/" if v6 else f"http://{vip}/")
    size, n = c.big_mb << 20, 8

    def active(d):
        return d.service(service)["stats"]["active_conns"]

    def while_downloading(what, running, change):
        """n downloads; once running() holds, change(); then every download must complete."""
        p = start_downloads(c, n, vip=vip)
        try:
            wait_for(what, running, timeout=10)
            change()
            downloads_done(p, n, size)
        finally:
            p.kill()

    on_n1 = []

    def drain():
        on_n1.append(active(nodes[1]))
        c.birdc("n1", "disable", "uplink")
        c.wait_nexthops([front[2]], prefix=prefix, timeout=5)

    while_downloading("downloads on both nodes", lambda: active(nodes[1]) and active(nodes[2])
                      and active(nodes[1]) + active(nodes[2]) == n, drain)
    on_n1 = on_n1[0]
    passed = nodes[2].stats()["peers"]["passed"]
    print(f"drain: {on_n1} of {n} downloads were on node 1; node 2 passed {passed} packets")
    assert passed > 0
    assert nodes[1].service(service)["stats"]["conns"] >= on_n1
    wait_for("node 1 idle", lambda: active(nodes[1]) == 0, timeout=10)

    # Rejoin: everything runs through node 2 when node 1 comes back.
    def rejoin():
        c.birdc("n1", "enable", "uplink")
        c.wait_nexthops(sorted(front.values()), prefix=prefix, timeout=10)

    while_downloading("downloads on node 2", lambda: active(nodes[2]) == n, rejoin)
    passed = nodes[1].stats()["peers"]["passed"]
    print(f"rejoin: node 1 passed {passed} packets to node 2")
    assert passed > 0
