# SPDX-License-Identifier: Apache-2.0
"""The TCP listener is protected (issue 14 item 2): with control.listen, every request needs
the bearer token of control.token_file; a missing or wrong one is a 401 with
WWW-Authenticate, counted in the stats; control.public opens /metrics (or the page) alone;
the unix socket needs no token and stays 0660; sluicectl sends the token from --token-file
or $SLUICE_TOKEN_FILE; SIGHUP re-reads the token file; sluiced refuses to start a listener
whose token file is missing, readable by others or holds no token, saying why."""

import json
import os
import signal
import stat
import subprocess
import time

from conftest import BUILD, SLUICECTL, VIP, api

BASE = "http://127.0.0.1:9180"


def get(lb, path, token=None, method="GET"):
    """(status, WWW-Authenticate header, body) of a request to the TCP listener."""
    argv = ["curl", "-sS", "-i", "-m", "5", "-X", method]
    if token is not None:
        argv += ["-H", f"Authorization: Bearer {token}"]
    out = lb.run("lb", argv + [BASE + path]).stdout.replace("\r\n", "\n")
    head, _, body = out.partition("\n\n")
    status = int(head.split()[1])
    www = [h.split(":", 1)[1].strip() for h in head.split("\n")
           if h.lower().startswith("www-authenticate:")]
    return status, (www[0] if www else None), body


def ctl(lb, *args, env=None):
    return subprocess.run(["ip", "netns", "exec", lb.ns("lb"), "env", *(env or []),
                           str(SLUICECTL), "-s", BASE, *args],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15)


def test_tcp_listener_wants_the_token(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    d = sluiced(lb, lb.sluiced_config(listen="127.0.0.1:9180"))
    token = lb.api_token()
    assert stat.S_IMODE(os.stat(d.socket).st_mode) == 0o660

    refused = 0
    for path, tok, method in [("/v1/stats", None, "GET"), ("/v1/stats", "x" * 48, "GET"),
                              ("/v1/stats", token[:-1], "GET"), ("/v1/stats", token + "x", "GET"),
                              ("/metrics", None, "GET"), ("/", None, "GET"),
                              ("/nowhere", None, "GET"), (f"/v1/services/{VIP}:80/tcp", None,
                                                         "DELETE")]:
        st, www, body = get(lb, path, tok, method)
        assert st == 401 and www == 'Bearer realm="sluice"', (path, tok, st, www)
        assert json.loads(body)["error"] == "unauthorized", body
        refused += 1
    st, www, body = get(lb, "/v1/stats", token)
    assert st == 200 and www is None and "conns" in json.loads(body)
    assert get(lb, "/metrics", token)[0] == 200
    assert get(lb, f"/v1/services/{VIP}:80/tcp", token)[0] == 200  # nothing was deleted
    # the unix socket needs none, and shows the count
    st, stats = api(d, "GET", "/v1/stats")
    assert st == 200 and stats["api"]["unauthorized"] == refused, stats["api"]

    # sluicectl: refused without the token, served with --token-file or $SLUICE_TOKEN_FILE
    tf = lb.state / "api.token"
    p = ctl(lb, "list")
    assert p.returncode == 1 and "unauthorized" in p.stderr and "--token-file" in p.stderr, \
        p.stderr
    p = ctl(lb, "--token-file", str(tf), "list")
    assert p.returncode == 0 and f"TCP  {VIP}:80 wrr" in p.stdout, p.stdout + p.stderr
    p = ctl(lb, "list", env=[f"SLUICE_TOKEN_FILE={tf}"])
    assert p.returncode == 0, p.stderr
    p = ctl(lb, "--token-file", str(tmp_path / "none"), "list")
    assert p.returncode == 2 and "token file" in p.stderr, p.stderr

    # SIGHUP re-reads the token file: the old token stops, the new one works
    new = "n" * 40
    tf.write_text(new + "\n")
    os.kill(d.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while get(lb, "/v1/stats", new)[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert get(lb, "/v1/stats", new)[0] == 200
    assert get(lb, "/v1/stats", token)[0] == 401
    # a token file gone bad at a reload keeps the token in force, and says why
    os.chmod(tf, 0o644)
    os.kill(d.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "token is kept" not in d.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "the API's token is kept" in d.log.read_text() and "chmod o-rw" in d.log.read_text()
    assert get(lb, "/v1/stats", new)[0] == 200


def test_public_metrics(make_lab, sluiced):
    lb = make_lab(backends=2)
    sluiced(lb, lb.sluiced_config(listen="127.0.0.1:9180", public=["metrics"]))
    st, _, body = get(lb, "/metrics")
    assert st == 200 and "# TYPE sluice_drops_total counter" in body
    assert get(lb, "/metrics", method="DELETE")[0] == 401  # only reads are public
    assert get(lb, "/v1/stats")[0] == 401
    assert get(lb, "/v1/services")[0] == 401


def test_start_refused_without_a_usable_token(make_lab, tmp_path):
    lb = make_lab(backends=2)
    conf = tmp_path / "s.yaml"

    def check(text):
        conf.write_text(text)
        return subprocess.run(["ip", "netns", "exec", lb.ns("lb"), str(BUILD / "sluiced"),
                               "--check", "-c", str(conf)], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=30)

    good = lb.sluiced_config(listen="127.0.0.1:9180")
    tf = str(lb.state / "api.token")
    p = check(good)
    assert p.returncode == 0, p.stderr
    missing = str(tmp_path / "missing.token")
    p = check(good.replace(tf, missing))
    assert p.returncode == 1 and f"control.token_file {missing}: No such file" in p.stderr \
        and "serves no one without its token" in p.stderr, p.stderr
    loose = tmp_path / "loose.token"
    loose.write_text("t" * 32 + "\n")
    os.chmod(loose, 0o644)
    p = check(good.replace(tf, str(loose)))
    assert p.returncode == 1 and "others may read or write it (mode 0644)" in p.stderr, p.stderr
    short = tmp_path / "short.token"
    short.write_text("abc\n")
    os.chmod(short, 0o600)
    p = check(good.replace(tf, str(short)))
    assert p.returncode == 1 and "has 3 characters, not 16..256" in p.stderr, p.stderr
    # the config itself: a listener without token_file names its line
    p = check("\n".join(x for x in good.splitlines() if "token_file" not in x) + "\n")
    assert p.returncode == 1 and "control.listen: a TCP listener needs control.token_file" \
        in p.stderr, p.stderr
    # and a real start, not only --check, is refused the same way
    conf.write_text(good.replace(tf, missing))
    r = subprocess.run(["ip", "netns", "exec", lb.ns("lb"), str(BUILD / "sluiced"), "-c",
                        str(conf)], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and "No such file" in r.stderr, r.stderr
