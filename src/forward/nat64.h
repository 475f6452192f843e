/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_FWD_NAT64_H
#define SLUICE_FWD_NAT64_H

#include "forward/fwd.h"

/*
 * NAT64's ICMP relays (forward/nat64_icmp.c), the icmp_xmit of fwd_nat64_ops: an ICMPv6
 * error from the client's side translated to ICMP for the backend, an ICMP error from the
 * backend's side translated to ICMPv6 for the client. 0 (m consumed, the translation
 * queued) or a drop reason (m the caller's). Worker.
 */
int nat64_icmp_to_backend(struct stage *w, struct conn *c, struct rte_mbuf *m,
			  struct pkt6_meta *p, const struct fwd_icmp *q);
int nat64_icmp_to_client(struct stage *w, struct conn *c, struct rte_mbuf *m,
			 struct pkt_meta *p, const struct fwd_icmp *q);

#endif
