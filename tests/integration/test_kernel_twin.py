# SPDX-License-Identifier: Apache-2.0
"""The kernel twin of each port (issue 4's first step): a tap with the port's MAC and address
in sluiced's namespace. Traffic to the node that sluiced does not handle reaches the kernel
(a TCP service on the port address answers the client); what the kernel sends leaves through
the port (the node's kernel reaches a backend: what health checks and BGP will use); the VIP
still works; the twins vanish with the process, SIGKILL included."""

import json
import time

import pytest

from conftest import lab, wait_http


def http_code(lb, role, url, timeout=15):
    """The HTTP status of a GET of url from NAME-role, tried until it is 200 or timeout s."""
    code = None
    deadline = time.monotonic() + timeout
    while code != "200" and time.monotonic() < deadline:
        p = lb.run(role, ["curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", url],
                   check=False)
        code = p.stdout.strip()
        if code != "200":
            time.sleep(0.3)
    return code


# Two workers: net_tap then has a queue pair per worker, all drained by worker 0.
@pytest.mark.parametrize("workers", [1, 2])
def test_kernel_twin(make_lab, sluiced, workers):
    lb = make_lab(backends=2)
    # A static route through the client (a stand-in for a router to 10.9.0.0/24).
    cfg = lb.sluiced_config(workers=workers).replace(
        "  local_addresses:", "  routes:\n    - {to: 10.9.0.0/24, via: 10.0.1.2}\n"
        "  local_addresses:")
    d = sluiced(lb, cfg)
    wait_http(lb, d)

    addrs = lb.run("lb", ["ip", "-j", "addr", "show"]).stdout
    have = {i["ifname"]: [f'{a["local"]}/{a["prefixlen"]}' for a in i.get("addr_info", [])
                          if a.get("family") == "inet"] for i in json.loads(addrs)}
    assert have.get("sl-client") == ["10.0.1.1/24"], have
    assert have.get("sl-backend") == ["10.0.2.1/24"], have

    # A service of the node's own kernel, on the client port's address, answers the client.
    lb.spawn("lb", ["/usr/bin/python3", "-m", "http.server", "8000", "--bind", "10.0.1.1",
                    "--directory", str(lb.state)], "kernel-http")
    code = http_code(lb, "cl", "http://10.0.1.1:8000/")
    assert code == "200", f"the node's kernel service did not answer: {code!r}"

    # The node's kernel reaches a backend through the backend port's twin.
    p = lb.run("lb", ["curl", "-sS", "-m", "5", f"http://{lab.backend_addr(1)}:{lab.HTTP_PORT}/"],
               check=False)
    assert p.returncode == 0 and p.stdout.strip() == "b1", (p.returncode, p.stdout, p.stderr)

    # The config's routes are the kernel's too, through the twin, behind any route it had.
    routes = lb.run("lb", ["ip", "route", "show", "10.9.0.0/24"]).stdout
    assert "via 10.0.1.2 dev sl-client" in routes and "metric 1000" in routes, routes
    lb.run("cl", ["ip", "addr", "add", "10.9.0.1/32", "dev", "lo"])
    lb.spawn("cl", ["/usr/bin/python3", "-m", "http.server", "8001", "--bind", "10.9.0.1",
                    "--directory", str(lb.state)], "remote-http")
    code = http_code(lb, "lb", "http://10.9.0.1:8001/")
    assert code == "200", f"the node's kernel did not reach 10.9.0.1 by the route: {code!r}"

    stats = d.stats()
    assert stats["kernel"]["to"] > 0 and stats["kernel"]["from"] > 0, stats["kernel"]
    # The data plane is unchanged: the VIP answers.
    wait_http(lb, d)

    # The twins go with the process, SIGKILL included (and with them any address on them).
    d.proc.kill()
    d.proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        links = lb.run("lb", ["ip", "-br", "link"]).stdout
        if "sl-" not in links:
            break
        time.sleep(0.2)
    assert "sl-" not in links, links
