# SPDX-License-Identifier: Apache-2.0
"""One sluiced per interface (issue 8 item 14): a second sluiced on the interfaces of a
running one refuses to start, naming the interface and the other daemon's pid, before it opens
any port; the first one keeps forwarding, every request answered."""

import re
import subprocess
import time

from conftest import SLUICED, http_many, wait_http


def test_second_sluiced_on_the_same_interfaces_refuses(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=2)
    first = sluiced(lb, lb.sluiced_config())
    wait_http(lb, first)
    pid = first.proc.pid  # `ip netns exec` execs sluiced in place
    assert open(f"/proc/{pid}/comm").read().strip() == "sluiced"

    # The same interfaces, other port names (so other kernel twins) and another socket: only
    # the interfaces clash. Without the lock this second daemon starts and forwards too.
    text = lb.sluiced_config(socket=tmp_path / "second.sock")
    text = text.replace("- name: client", "- name: front").replace("- name: backend", "- name: back")
    assert "name: front" in text and "name: back" in text
    other = tmp_path / "second.yaml"
    other.write_text(text)
    log = tmp_path / "second.log"
    p = lb.spawn("lb", [SLUICED, "-c", other], "second", log=log)
    try:
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = None
    finally:
        lb.stop("second")
    text = log.read_text(errors="replace")
    assert rc is not None, f"the second sluiced kept running:\n{text}"
    assert rc != 0, f"the second sluiced ran (exit {rc}):\n{text}"
    assert re.search(rf"interface {re.escape(lb.lb_client_if)} .*in use by another sluiced "
                     rf"\(pid {pid},", text), text
    assert "port 'front'" in text, text
    assert not (tmp_path / "second.sock").exists()

    # The first one was not disturbed: it still answers every request.
    time.sleep(0.5)
    assert first.proc.poll() is None, first.log_tail()
    answers = http_many(lb, 20)
    assert "FAIL" not in answers, answers
    assert set(answers) == {"b1", "b2"}, answers
