# SPDX-License-Identifier: Apache-2.0
"""The operator's contract against a real sluiced: the REST API refuses bad input with a
4xx and a reason and changes nothing; sluicectl changes take effect on live traffic at
once; /metrics and the API answer on the optional TCP listener; `config apply` applies a
file and refuses a bad one with its line."""

import json
import subprocess

from conftest import SLUICECTL, VIP, api, http_many, lab, wait_http

SVC = f"{VIP}:80/tcp"


def model(d):
    """The services as configured (no counters), to compare before and after."""
    _, doc = api(d, "GET", "/v1/services")
    return [{k: s[k] for k in ("vip", "mode", "scheduler", "persistence")} |
            {"backends": [(b["address"], b["weight"]) for b in s["backends"]]}
            for s in doc["services"]]


def test_bad_input_changes_nothing(make_lab, sluiced):
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config())
    wait_http(lb, d)
    before = model(d)
    b1 = f"{lab.backend_addr(1)}:{lab.HTTP_PORT}"
    cases = [
        ("POST", "/v1/services", "{not json", 400, None),
        ("POST", "/v1/services", {"vip": "10.0.0.10:99999/tcp"}, 400, "vip"),
        ("POST", "/v1/services", {"vip": "10.0.0.11:80/tcp",
                                  "backends": [{"address": b1, "weight": -1}]},
         400, "backends[0].weight"),
        ("POST", "/v1/services", {"vip": "10.0.0.11:80/tcp", "colour": "red"}, 400, "colour"),
        ("POST", "/v1/services", {"vip": SVC}, 409, None),
        ("POST", "/v1/services", {"vip": "10.0.1.1:80/tcp"}, 400, "vip: 10.0.1.1 is the address of port"),
        # addresses that cannot work together (issue 8, item 13)
        ("POST", "/v1/services", {"vip": "10.0.1.77:80/tcp"}, 400,
         "vip: 10.0.1.77 is inside the subnet of port"),
        ("POST", "/v1/services", {"vip": "127.0.0.1:80/tcp"}, 400, "vip: 127.0.0.1 is a loopback"),
        ("POST", "/v1/services", {"vip": f"{lab.backend_addr(1)}:81/tcp"}, 400, "vip: "),
        ("POST", "/v1/services", {"vip": "10.0.0.11:80/tcp",
                                  "backends": [{"address": f"{VIP}:8080"}]}, 400,
         f"backends[0].address: {VIP} is the VIP of service {SVC}"),
        ("POST", f"/v1/services/{SVC}/backends", {"address": f"{VIP}:8080"}, 400,
         f"address: {VIP} is the VIP of this service"),
        ("POST", f"/v1/services/{SVC}/backends", {"address": "127.0.0.1:8080"}, 400,
         "address: 127.0.0.1 is a loopback"),
        ("POST", f"/v1/services/{SVC}/backends", {"address": "10.0.2.1:8080"}, 400,
         "address: 10.0.2.1 is the address of port"),
        ("POST", f"/v1/services/{SVC}/backends", {"address": b1}, 409, None),
        ("POST", f"/v1/services/{SVC}/backends", {"address": "10.0.2.99"}, 400, "address"),
        ("PATCH", f"/v1/services/{SVC}/backends/{b1}", {"weight": "heavy"}, 400, "weight"),
        ("PATCH", f"/v1/services/{SVC}/backends/{b1}", {"colour": "red"}, 400, "colour"),
        ("PATCH", f"/v1/services/{SVC}/backends/{b1}", {"address": "10.0.2.99:8080"}, 400,
         "address"),
        ("PATCH", f"/v1/services/{SVC}/backends/10.0.2.99:8080", {"weight": 1}, 404, None),
        # a backend's health-check overrides are checked with the service's check
        ("POST", f"/v1/services/{SVC}/backends",
         {"address": "10.0.2.99:8080", "health_check": {"type": "dns"}}, 400,
         "health_check: a dns check needs 'query'"),
        ("PATCH", f"/v1/services/{SVC}/backends/{b1}",
         {"health_check": {"type": "tcp", "interval": "1s", "timeout": "2s"}}, 400,
         "health_check: timeout (2000 ms) is longer than interval (1000 ms)"),
        ("PATCH", f"/v1/services/{SVC}/backends/{b1}", {"health_check": {"type": "icmp"}},
         400, "health_check.type"),
        ("PUT", f"/v1/services/{SVC}", {"vip": "10.0.0.12:80/tcp"}, 400, "vip"),
        ("DELETE", "/v1/services/10.0.0.99:80/tcp", None, 404, None),
        ("DELETE", f"/v1/services/{SVC}/backends/10.0.2.99:8080", None, 404, None),
        ("GET", "/v1/nothing", None, 404, None),
        ("DELETE", "/v1/stats", None, 405, None),
    ]
    for method, path, body, status, detail in cases:
        got, doc = api(d, method, path, body)
        assert got == status, f"{method} {path} {body!r}: {got} {doc}"
        assert isinstance(doc, dict) and doc.get("error"), f"{method} {path}: no error: {doc}"
        if detail:
            assert detail in doc.get("detail", ""), f"{method} {path}: {doc}"
        assert model(d) == before, f"{method} {path} changed the services"

    # A whole config with a changed dataplane needs a restart: refused, nothing changes.
    _, cfg = api(d, "GET", "/v1/config")
    cfg["dataplane"]["workers"] = 2
    cfg["services"] = []
    got, doc = api(d, "PUT", "/v1/config", cfg)
    assert got == 409 and "workers" in doc["detail"], doc
    assert model(d) == before
    # And the node still serves.
    assert set(http_many(lb, 6)) <= {"b1", "b2"}


def sluicectl(d, *args):
    return subprocess.run([str(SLUICECTL), "-s", d.socket, *map(str, args)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15)


def test_cli_changes_take_effect(make_lab, sluiced):
    lb = make_lab(backends=2)
    b1 = f"{lab.backend_addr(1)}:{lab.HTTP_PORT}"
    b2 = f"{lab.backend_addr(2)}:{lab.HTTP_PORT}"
    d = sluiced(lb, lb.sluiced_config(services=[
        {"vip": SVC, "scheduler": "rr", "backends": [(b1, 1)]}]))
    wait_http(lb, d)
    assert set(http_many(lb, 4)) == {"b1"}

    # A second service, made and filled through the CLI, serves at once.
    other = f"{VIP}:8080/tcp"
    assert sluicectl(d, "service", "add", other, "--scheduler", "rr").returncode == 0
    assert sluicectl(d, "backend", "add", other, b2).returncode == 0
    assert set(http_many(lb, 4, url=f"http://{VIP}:8080/")) == {"b2"}

    # Add b2 to the first service, drain b1: every new conn goes to b2.
    assert sluicectl(d, "backend", "add", SVC, b2, "--weight", "1").returncode == 0
    assert sluicectl(d, "backend", "set", SVC, b1, "--weight", "0").returncode == 0
    assert set(http_many(lb, 6)) == {"b2"}
    text = sluicectl(d, "list").stdout
    assert f"TCP  {VIP}:80 rr" in text and f"TCP  {VIP}:8080 rr" in text, text
    row = [line for line in text.splitlines() if b1 in line and "->" in line][0]
    assert " 0 " in row and "drain" in row, row

    # Deleting the second service: its port is no service any more, counted as such.
    before = d.drops("no_service")
    assert sluicectl(d, "service", "del", other).returncode == 0
    assert http_many(lb, 1, url=f"http://{VIP}:8080/", each=2) == ["FAIL"]
    assert d.drops("no_service") > before

    # The ipvsadm-shaped conn table lists the conns made above.
    conns = sluicectl(d, "conns").stdout
    assert conns.splitlines()[0].split()[:3] == ["pro", "expire", "state"], conns
    assert f"{VIP}:80" in conns and b2 in conns, conns

    # Usage errors exit 2, API errors 1 with the reason.
    assert sluicectl(d, "backend", "set", SVC).returncode == 2
    p = sluicectl(d, "backend", "del", SVC, "10.0.2.99:8080")
    assert p.returncode == 1 and "10.0.2.99:8080" in p.stderr, p.stderr


def test_conns_page_by_cursor(make_lab, sluiced):
    """GET /v1/conns in pages: each truncated answer names the cursor of the rest, and
    following them lists every conn once, across both workers and with a service filter;
    a cursor that is none gets 400 with the reason."""
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config(workers=2, timeouts={"tcp_time_wait": 120}))
    wait_http(lb, d)
    assert "FAIL" not in http_many(lb, 14)

    def key(c):
        return (c["client"], c["local"], c["backend"])

    def pages(query, limit):
        got, n, cursor = [], 0, None
        while True:
            q = f"{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            st, doc = api(d, "GET", f"/v1/conns?{q}")
            assert st == 200, doc
            n += 1
            got += doc["conns"]
            if not doc["truncated"]:
                assert "next" not in doc, doc
                return got, n
            assert len(doc["conns"]) == limit and doc.get("next"), doc
            cursor = doc["next"]

    st, whole = api(d, "GET", "/v1/conns?limit=0")
    assert st == 200 and not whole["truncated"] and "next" not in whole, whole
    every = [key(c) for c in whole["conns"]]
    assert len(every) >= 15 and len(set(every)) == len(every), every
    assert {c["worker"] for c in whole["conns"]} == {0, 1}, whole["conns"]
    got, n = pages("x=1", 4)
    assert [key(c) for c in got] == every and n == len(every) // 4 + 1, (n, got)
    got, n = pages(f"service={SVC}", 3)
    assert sorted(key(c) for c in got) == sorted(k for k, c in zip(every, whole["conns"])
                                                 if c["vip"] == f"{VIP}:80"), got
    for bad in ("x", "2.0.0", "0.99.0", "0.0.", "0.0.-1", "0.0.99999999999"):
        st, doc = api(d, "GET", f"/v1/conns?cursor={bad}")
        assert st == 400 and doc["detail"].startswith("cursor: "), (bad, st, doc)


def test_metrics_on_tcp_listener(make_lab, sluiced):
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config(listen="127.0.0.1:9180"))
    wait_http(lb, d)
    n = 10
    assert "FAIL" not in http_many(lb, n)
    # The listener is on the node's loopback, inside its namespace.
    auth = ["-H", f"Authorization: Bearer {lb.api_token()}"]
    p = lb.run("lb", ["curl", "-sS", "-m", "5", *auth, "http://127.0.0.1:9180/metrics"])
    text = p.stdout
    line = [x for x in text.splitlines()
            if x.startswith(f'sluice_service_connections_total{{service="{SVC}"}}')]
    assert line and int(line[0].split()[-1]) >= n + 1, text[:2000]
    assert "# TYPE sluice_drops_total counter" in text
    assert 'sluice_backend_active_connections{service=' in text
    p = lb.run("lb", ["curl", "-sS", "-m", "5", *auth, "http://127.0.0.1:9180/v1/stats"])
    stats = json.loads(p.stdout)
    assert stats["conns"]["created"] >= n + 1
    assert [x["name"] for x in stats["ports"]] == ["client", "backend"]


def test_config_apply(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    b1 = f"{lab.backend_addr(1)}:{lab.HTTP_PORT}"
    b2 = f"{lab.backend_addr(2)}:{lab.HTTP_PORT}"
    d = sluiced(lb, lb.sluiced_config(services=[{"vip": SVC, "backends": [(b1, 1)]}]))
    wait_http(lb, d)

    good = tmp_path / "good.yaml"
    good.write_text(lb.sluiced_config(socket=d.socket, services=[
        {"vip": SVC, "backends": [(b1, 1)]},
        {"vip": f"{VIP}:8080/tcp", "scheduler": "rr", "backends": [(b2, 1)]}]))
    p = sluicectl(d, "config", "apply", good)
    assert p.returncode == 0, p.stderr
    assert set(http_many(lb, 3, url=f"http://{VIP}:8080/")) == {"b2"}
    shown = json.loads(sluicectl(d, "config", "show", "--json").stdout)
    assert sorted(s["vip"] for s in shown["services"]) == [SVC, f"{VIP}:8080/tcp"]

    before = model(d)
    bad = tmp_path / "bad.yaml"
    text = good.read_text().replace(f"{{address: {b2}, weight: 1}}",
                                    f"{{address: {b2}, weight: lots}}")
    bad.write_text(text)
    lineno = [i for i, x in enumerate(text.splitlines(), 1) if "weight: lots" in x][0]
    p = sluicectl(d, "config", "apply", bad)
    assert p.returncode == 1
    assert f"{bad}:{lineno}:" in p.stderr and "weight" in p.stderr, p.stderr
    assert model(d) == before

    restart = tmp_path / "restart.yaml"
    restart.write_text(good.read_text().replace("workers: 1", "workers: 2"))
    p = sluicectl(d, "config", "apply", restart)
    assert p.returncode == 1 and "workers" in p.stderr, p.stderr
    assert model(d) == before
