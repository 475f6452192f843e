# SPDX-License-Identifier: Apache-2.0
"""Fixtures for sluice's integration tests.

Every test builds its own lab (scripts/lab: client, LB node, switch, backends in network
namespaces named after a fresh random prefix), starts the real sluiced inside NAME-lb and
drives traffic from NAME-cl. The lab is taken down in a finalizer, so a failing or
interrupted test leaves no namespace or process behind. Every wait below has a deadline.

Environment: SLUICE_BUILD names the build directory (default: build/ at the top of the repo).
"""

import hashlib
import http.client
import importlib.machinery
import importlib.util
import json
import os
import re
import socket
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SLUICE_BUILD", ROOT / "build"))
SLUICED = BUILD / "sluiced"
SLUICECTL = BUILD / "sluicectl"


def load_script(name):
    """scripts/NAME (a Python script without .py) as the module sluice_NAME."""
    path = ROOT / "scripts" / name
    loader = importlib.machinery.SourceFileLoader(f"sluice_{name}", str(path))
    spec = importlib.util.spec_from_loader(f"sluice_{name}", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


lab = load_script("lab")
VIP = lab.VIP
IS_ROOT = os.geteuid() == 0


def pytest_collection_modifyitems(config, items):
    if IS_ROOT:
        return
    skip = pytest.mark.skip(reason="integration tests need root (network namespaces, DPDK): "
                                   "run them as root, e.g. through scripts/test")
    for item in items:
        item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures know whether the test failed."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="session", autouse=True)
def _stale_labs():
    """Remove labs that an earlier, killed test run left behind."""
    if IS_ROOT:
        lab.gc()
    yield


@pytest.fixture
def make_lab():
    """make_lab(backends=3, dns=False, ...) -> an up Lab; every lab is taken down afterwards."""
    made = []

    def make(**kw):
        name = "t" + uuid.uuid4().hex[:7]
        lb = lab.Lab(name, ephemeral=True, **kw)
        made.append(lb)
        return lb.up()

    yield make
    down_all(made)


def down_all(made, first=None):
    """Take every lab (or cluster) of `made` down, the last made first, calling first(it)
    before each; a failure does not stop the others, and the first one is raised at the end."""
    errors = []
    for it in reversed(made):
        if first is not None:
            first(it)
        try:
            it.down()
        except Exception as e:  # keep taking the others down
            errors.append(e)
    if errors:
        raise errors[0]


class Sluiced:
    """One sluiced started in a lab's NAME-lb namespace, with its control socket."""

    def __init__(self, lb, workdir, config_text, tag="sluiced"):
        self.lab = lb
        self.tag = tag
        self.config = Path(workdir) / f"{tag}.yaml"
        self.log = Path(workdir) / f"{tag}.log"
        m = re.search(r"^\s*socket:\s*(\S+)\s*$", config_text, re.M)
        assert m, "config has no control.socket"
        self.socket = m.group(1)
        self.config.write_text(config_text)
        self.proc = None

    def start(self, timeout=60, env=None):
        """env: variables to start it with besides this process's ({"NOTIFY_SOCKET": ...})."""
        if not SLUICED.exists():
            pytest.fail(f"{SLUICED} does not exist: build first (meson setup build && ninja -C build)")
        pre = ["env", *(f"{k}={v}" for k, v in env.items())] if env else []
        self.proc = self.lab.spawn("lb", [*pre, SLUICED, "-c", self.config], self.tag,
                                   log=self.log)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"sluiced exited with {self.proc.returncode} while starting:\n"
                            f"{self.log_tail()}")
            if os.path.exists(self.socket) and self.ctl("list", check=False) is not None:
                return self
            if time.monotonic() > deadline:
                pytest.fail(f"sluiced did not answer on {self.socket} within {timeout} s:\n"
                            f"{self.log_tail()}")
            time.sleep(0.2)

    def ctl(self, *args, check=True, timeout=15):
        """Run `sluicectl -s SOCKET --json ARGS...`; return the parsed JSON (None on failure
        when check is False; {} for a command that printed nothing)."""
        argv = [str(SLUICECTL), "-s", self.socket, "--json", *map(str, args)]
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            if check:
                pytest.fail(f"{' '.join(argv)}: no answer in {timeout} s")
            return None
        if p.returncode != 0:
            if check:
                pytest.fail(f"{' '.join(argv)}: exit {p.returncode}: {p.stderr.strip()}\n"
                            f"{self.log_tail()}")
            return None
        try:
            return json.loads(p.stdout) if p.stdout.strip() else {}
        except ValueError:
            if check:
                pytest.fail(f"{' '.join(argv)}: not JSON: {p.stdout[:500]!r}")
            return None

    def services(self):
        doc = self.ctl("list")
        return doc["services"] if isinstance(doc, dict) else doc

    def service(self, vip):
        for s in self.services():
            if s["vip"] == vip:
                return s
        pytest.fail(f"service {vip} not in `sluicectl list`: {self.services()}")

    def stats(self):
        return self.ctl("stats")

    def port(self, name):
        """The stats of the node's port `name` (rx_packets, tx_packets, ...)."""
        return next(p for p in self.stats()["ports"] if p["name"] == name)

    def drops(self, reason):
        return int(self.stats().get("drops", {}).get(reason, 0))

    def stop(self):
        """SIGTERM, then SIGKILL after a few seconds; returns the exit status if known."""
        return self.lab.stop(self.tag, timeout=10)

    def log_tail(self, n=40):
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(f"  sluiced| {line}" for line in lines[-n:])


@pytest.fixture
def sluiced(request, tmp_path):
    """sluiced(lab, config_text) -> a running Sluiced; stopped at teardown, its log shown if
    the test failed."""
    started = []

    def start(lb, config_text, tag="sluiced", env=None):
        d = Sluiced(lb, tmp_path, config_text, tag)
        started.append(d)
        return d.start(env=env)

    yield start
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for d in started:
        if failed:
            print(f"--- {d.log} (last lines) ---\n{d.log_tail()}")
        d.stop()


# --- the REST API over the unix socket ---------------------------------------------------------

class UnixHTTP(http.client.HTTPConnection):
    """http.client over sluiced's unix socket."""

    def __init__(self, path):
        super().__init__("sluiced", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


def api(d, method, path, body=None):
    """(status, parsed JSON or None) of one request to a Sluiced's REST API. body: a dict
    (sent as JSON), raw str/bytes (sent as they are), or None."""
    c = UnixHTTP(d.socket)
    data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
    c.request(method, path, body=data, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    raw = r.read()
    c.close()
    try:
        return r.status, json.loads(raw) if raw else None
    except ValueError:
        return r.status, None


# --- traffic from the client namespace ---------------------------------------------------------

def http_many(lb, n, url=f"http://{VIP}/", each=3):
    """n sequential HTTP GETs from NAME-cl, each a new connection with its own deadline.
    Returns the list of bodies (stripped), "FAIL" for a request that failed."""
    script = (f"for i in $(seq {int(n)}); do out=$(curl -sS -g -m {each} '{url}' 2>/dev/null) "
              f"&& echo \"$out\" || echo FAIL; done")
    p = lb.run("cl", ["sh", "-c", script], check=False, timeout=n * (each + 1) + 30)
    out = p.stdout.splitlines()
    assert len(out) == n, f"expected {n} answers, got {len(out)}: {p.stderr[-500:]}"
    return [line.strip() for line in out]


def wait_http(lb, d=None, url=f"http://{VIP}/", timeout=30):
    """Wait until a GET through the VIP is answered by a backend (ARP learnt, ports up)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        p = lb.run("cl", ["curl", "-sS", "-g", "-m", "2", url], check=False, timeout=10)
        if p.returncode == 0 and re.fullmatch(r"b\d+", p.stdout.strip()):
            return p.stdout.strip()
        last = p.stderr.strip() or p.stdout.strip()
        if d is not None and d.proc.poll() is not None:
            pytest.fail(f"sluiced exited with {d.proc.returncode}:\n{d.log_tail()}")
        time.sleep(0.3)
    pytest.fail(f"no answer from {url} through sluiced in {timeout} s (last: {last})"
                + (f"\n{d.log_tail()}" if d is not None else ""))


def dual_stack(conf, lip6, dataplane=""):
    """A lab's sluiced config (scripts/lab's) with IPv6 beside IPv4: the client port
    2001:db8:1::1/64, the backend port 2001:db8:2::1/64 and the LIP lip6; `dataplane`: more
    lines of that section, written before local_addresses."""
    for old, new in (("address: 10.0.1.1/24", 'address: [10.0.1.1/24, "2001:db8:1::1/64"]'),
                     ("address: 10.0.2.1/24", 'address: [10.0.2.1/24, "2001:db8:2::1/64"]'),
                     ("  local_addresses: [10.0.2.100]",
                      f'{dataplane}  local_addresses: [10.0.2.100, "{lip6}"]')):
        assert old in conf, conf
        conf = conf.replace(old, new, 1)
    return conf


def dig_many(lb, n, name=lab.DNS_NAME, qtype="A", server=VIP):
    """n dig queries from NAME-cl, each on a fresh UDP socket; returns one answer per query
    (the +short lines joined by spaces, "FAIL" when dig failed)."""
    script = (f"for i in $(seq {int(n)}); do out=$(dig @{server} {name} {qtype} +short +tries=1 "
              f"+time=2 2>/dev/null) && echo \"A $out\" | tr '\\n' ' ' && echo || echo FAIL; done")
    p = lb.run("cl", ["sh", "-c", script], check=False, timeout=n * 3 + 30)
    out = p.stdout.splitlines()
    assert len(out) == n, f"expected {n} answers, got {len(out)}: {p.stderr[-500:]}"
    return [line[2:].strip() if line.startswith("A ") else "FAIL" for line in out]


def backend_name(address):
    """'10.0.2.12:8080' -> 'b2'."""
    return f"b{int(address.split(':')[0].rsplit('.', 1)[1]) - 10}"


def shares(answers):
    """Counter of answers, and each one's share in percent."""
    c = Counter(answers)
    total = len(answers)
    return c, {k: 100.0 * v / total for k, v in c.items()}


# --- the forwarding modes' shared steps (test_dr, test_tun, test_nat, test_nat64) -------------

def iface_rx(lb, role, ifname):
    """Packets the interface ifname of NAME-role has received."""
    j = json.loads(lb.run(role, ["ip", "-j", "-s", "link", "show", "dev", ifname]).stdout)
    return j[0]["stats64"]["rx"]["packets"]


def shown_modes(d, svc):
    """What the daemon shows of a service's mode: ipvsadm's word (Forward) on each backend
    line of `sluicectl list`, and the mode label of its sluice_service_info metric."""
    table = subprocess.run([SLUICECTL, "-s", d.socket, "list"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=15).stdout
    words = [ln.split()[2] for ln in table.splitlines()
             if ln.strip().startswith("->") and "RemoteAddress" not in ln]
    metrics = subprocess.run(["curl", "-sS", "--unix-socket", d.socket, "http://x/metrics"],
                             capture_output=True, text=True, stdin=subprocess.DEVNULL,
                             timeout=15).stdout
    m = re.search(rf'^sluice_service_info{{service="{re.escape(svc)}",mode="(\w+)",', metrics,
                  re.M)
    return words, m.group(1) if m else None


def ipv6_lab(lb, ks):
    """IPv6 in a lab (it keeps IPv6 off): the client CLIENT_ADDR6/64 and a route to the VIPs'
    2001:db8:100::/64 through the node, backends ks 2001:db8:2::1K/64."""
    lb.run("cl", ["sysctl", "-qw", f"net.ipv6.conf.{lb.client_if}.disable_ipv6=0"])
    lb.run("cl", ["ip", "-6", "addr", "add", f"{lab.CLIENT_ADDR6}/64", "dev", lb.client_if,
                  "nodad"])
    lb.run("cl", ["ip", "-6", "route", "add", "2001:db8:100::/64", "via", "2001:db8:1::1"])
    for k in ks:
        lb.run(f"b{k}", ["sysctl", "-qw", f"net.ipv6.conf.{lb.backend_if(k)}.disable_ipv6=0"])
        lb.run(f"b{k}", ["ip", "-6", "addr", "add", f"2001:db8:2::{10 + k}/64", "dev",
                         lb.backend_if(k), "nodad"])


def answers(lb, url, want, timeout=20):
    """GET url/ until `want` answers came, the first ones waiting for ARP or neighbour
    discovery of the backends; the Counter of their bodies."""
    seen, deadline = Counter(), time.monotonic() + timeout
    while time.monotonic() < deadline and sum(seen.values()) < want:
        p = lb.run("cl", ["curl", "-sS", "-g", "-m", "3", f"{url}/"], check=False, timeout=10)
        if p.returncode == 0:
            seen[p.stdout.strip()] += 1
        else:
            time.sleep(0.3)
    return seen


def names(lb, url, n):
    """n GETs of url/, every one answered; the Counter of the backends' names."""
    seen = Counter()
    for _ in range(n):
        p = lb.run("cl", ["curl", "-sS", "-g", "-m", "5", f"{url}/"], check=False, timeout=15)
        assert p.returncode == 0, p.stderr
        seen[p.stdout.strip()] += 1
    return seen


def download_live_change(lb, d, svc, url, tmp_path, add, timeout=60):
    """Download url/big (the lab's big file) while, once it is established, the backend
    serving it is drained (weight 0) and backend `add` is added, as an operator does under
    load; the download must arrive whole. Returns the drained backend's address."""
    out = tmp_path / "big"
    dl = lb.spawn("cl", ["curl", "-sS", "-g", "-m", str(timeout), "-o", out, f"{url}/big"],
                  "download", log=tmp_path / "download.log")
    try:
        time.sleep(1.5)  # established, some way through
        conns = d.ctl("conns", svc)
        conns = conns["conns"] if isinstance(conns, dict) else conns
        big = [c for c in conns if c["state"] == "ESTABLISHED"]
        assert big, conns
        busy = big[0]["backend"]
        d.ctl("backend", "set", svc, busy, "--weight", "0")
        d.ctl("backend", "add", svc, add)
        dl.wait(timeout=timeout)
    finally:
        if dl.poll() is None:
            dl.kill()
    assert dl.returncode == 0, (tmp_path / "download.log").read_text()
    assert out.stat().st_size == lb.big_file.stat().st_size
    assert hashlib.sha256(out.read_bytes()).hexdigest() == \
        hashlib.sha256(lb.big_file.read_bytes()).hexdigest(), "the download is damaged"
    return busy


def upload(lb, tmp_path, url, ks, name, mb):
    """PUT mb MiB of random bytes to url/up/name; the copy one of backends ks stored is the
    same."""
    src = tmp_path / name
    src.write_bytes(os.urandom(mb << 20))
    p = lb.run("cl", ["curl", "-sS", "-g", "-m", "60", "-o", "/dev/null", "-w", "%{http_code}",
                      "-T", src, f"{url}/up/{name}"], check=False, timeout=70)
    assert p.returncode == 0 and p.stdout in ("201", "204"), \
        f"upload failed: rc {p.returncode} {p.stdout} {p.stderr}"
    stored = [lb.backend_dir(k) / "up" / name for k in ks
              if (lb.backend_dir(k) / "up" / name).exists()]
    assert len(stored) == 1, stored
    assert hashlib.sha256(stored[0].read_bytes()).hexdigest() == \
        hashlib.sha256(src.read_bytes()).hexdigest(), "the upload is damaged"


def bypass_download(lb, d, url, tmp_path, svc=None, add=None, mss=1448):
    """Download url/big where the backends answer the client themselves (DR, TUN): it must
    come back over the client's bypass leg (at least one packet per mss bytes there) and
    not through the node (fewer than 300 packets on its backend port: ARP and the health
    checks' answers). With svc and add, under download_live_change() (its drained backend
    returned); else a plain download, whole."""
    rx_node0 = d.port("backend")["rx_packets"]
    rx_bypass0 = iface_rx(lb, "cl", lb.bypass_if)
    busy = None
    if add is not None:
        busy = download_live_change(lb, d, svc, url, tmp_path, add)
    else:
        out = tmp_path / "big"
        lb.run("cl", ["curl", "-sS", "-g", "-m", "60", "-o", out, f"{url}/big"], timeout=70)
        assert hashlib.sha256(out.read_bytes()).hexdigest() == \
            hashlib.sha256(lb.big_file.read_bytes()).hexdigest(), "the download is damaged"
    rx_node = d.port("backend")["rx_packets"] - rx_node0
    rx_bypass = iface_rx(lb, "cl", lb.bypass_if) - rx_bypass0
    assert rx_bypass > lb.big_file.stat().st_size // mss, rx_bypass
    assert rx_node < 300, f"{rx_node} packets from the backends reached the node"
    return busy


def wait_down(d, svc, prefix, timeout=15):
    """Wait until svc's backend whose address starts with prefix is down (its health check)."""
    deadline = time.monotonic() + timeout
    while True:
        b = [x for x in d.service(svc)["backends"] if x["address"].startswith(prefix)]
        if b and b[0]["state"] == "down":
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{prefix} of {svc} is not down after {timeout} s: {b}")
        time.sleep(0.2)
