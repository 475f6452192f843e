# SPDX-License-Identifier: Apache-2.0
"""NAT64 (issue 10, items 4 and 7): an IPv6 client, an IPv6 VIP, IPv4 nginx backends.

The service is a fullnat one whose backends are IPv4: the node translates the client's
IPv6 packets to IPv4 from its IPv4 LIP, and the answers back. Two workers (the answers to
one worker's LIP ports handed there); rr over two backends; a 100 MB download arrives whole;
an upload arrives whole, no segment too big either way;
the conns are listed with the client's IPv6 tuple and the IPv4 LIP and backend; a drain and
a new backend during the download keep it whole."""

from collections import Counter

from conftest import answers, download_live_change, dual_stack, ipv6_lab, lab, upload

VIP6 = "2001:db8:100::10"
SVC6 = f"[{VIP6}]:80/tcp"
BIG_MB = 100


def test_nat64_two_workers(make_lab, sluiced, tmp_path):
    lb = make_lab(backends=3, big_mb=BIG_MB, rate="25m")  # about four seconds
    ipv6_lab(lb, ())
    conf = lb.sluiced_config(workers=2, services=[{
        "vip": f"'{SVC6}'", "scheduler": "rr",
        "backends": [(f"{lab.backend_addr(k)}:{lab.HTTP_PORT}", 1) for k in (1, 2)]}])
    d = sluiced(lb, dual_stack(conf, "2001:db8:2::100"))
    url = f"http://[{VIP6}]"
    seen = answers(lb, url, 20)
    assert seen == Counter({"b1": 10, "b2": 10}), seen
    # the IPv4 backend saw the LIP (FULLNAT), over IPv4
    log = (lb.backend_dir(1) / "access.log").read_text().splitlines()
    assert log[-1].startswith(lab.LIP + " "), log[-1]
    # a 100 MB download, whole, while its backend is drained and a third one added
    download_live_change(lb, d, SVC6, url, tmp_path, f"{lab.backend_addr(3)}:{lab.HTTP_PORT}",
                         timeout=240)
    # an upload, whole
    upload(lb, tmp_path, url, (1, 2, 3), "up.bin", 8)
    st = d.stats()
    assert st["drops"].get("too_big", 0) == 0, st["drops"]
    # the conns: the client's IPv6 tuple, the IPv4 LIP and backend
    conns = d.ctl("conns", SVC6)
    conns = conns["conns"] if isinstance(conns, dict) else conns
    assert conns, conns
    for c in conns:
        assert c["client"].startswith(f"[{lab.CLIENT_ADDR6}]:"), c
        assert c["local"].startswith(lab.LIP + ":"), c
        assert c["backend"] in (f"{lab.backend_addr(k)}:{lab.HTTP_PORT}" for k in (1, 2, 3)), c
    assert sum(w["conns"] for w in st["workers"]) > 0
