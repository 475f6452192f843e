# SPDX-License-Identifier: Apache-2.0
"""FULLNAT UDP: dig from the client through VIP 10.0.0.10:53/udp to dnsmasq on every backend.
Every query is answered; round robin spreads fresh client sockets over all backends."""

from collections import Counter

from conftest import VIP, dig_many, lab, wait_http

N = 100


def test_dns_through_vip(make_lab, sluiced):
    lb = make_lab(backends=3, dns=True)
    d = sluiced(lb, lb.sluiced_config())  # 10.0.0.10:80/tcp wrr and 10.0.0.10:53/udp rr
    wait_http(lb, d)

    answers = dig_many(lb, N)
    bad = Counter(a for a in answers if a != lab.DNS_ANSWER)
    assert not bad, f"{sum(bad.values())} of {N} queries not answered with {lab.DNS_ANSWER}: {dict(bad)}"

    # Each backend answers who.test with its own name: all three take part.
    who = Counter(a.strip('"') for a in dig_many(lb, 30, name="who.test", qtype="TXT"))
    assert set(who) == {"b1", "b2", "b3"}, dict(who)

    svc = d.service(f"{VIP}:53/udp")
    assert svc["stats"]["conns"] >= N, svc["stats"]
    assert svc["stats"]["in_packets"] >= N and svc["stats"]["out_packets"] >= N, svc["stats"]
