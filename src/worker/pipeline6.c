/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "net/dp.h"
#include "net/nd.h"
#include "packet/pkt6.h"
#include "worker/pipeline_int.h"

/*
 * What of IPv6 is the node's own goes to the port's kernel twin, which has the port's IPv6
 * address: packets to that address (TCP, UDP, ICMPv6 sluiced does not answer: BGP, SSH,
 * health-check answers), to a link-local address of the link, and neighbour discovery the
 * twin's kernel takes part in (its link-local address, advertisements answering its
 * solicitations). The rest is not forwarded yet: unsupported_l3, or nd_ignored.
 */
static void
ipv6_to_kernel(struct stage *w, struct rte_mbuf *m, const struct pkt6_meta *p6)
{
	const struct dp_port *port = &w->dp->ports[p6->in_port];
	const uint8_t *dst = p6->key.daddr;
	int nd = 0;

	if (p6->key.proto == IP6_ICMPV6) {
		uint8_t type = *rte_pktmbuf_mtod_offset(m, uint8_t *, p6->l4_off);

		nd = type >= ND_FIRST && type <= ND_LAST;
	}
	if (port->has_addr6 && port->has_twin &&
	    (memcmp(dst, port->addr6.b, 16) == 0 || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) ||
	     (nd && dst[0] == 0xff))) {
		w->st.to_kernel++;
		stage_tx(w, STAGE_TWIN(p6->in_port), m);
		return;
	}
	stage_drop(w, m, nd ? DROP_nd_ignored : DROP_unsupported_l3);
}

/*
 * An IPv6 frame: checked to its L4 header, each fault counted under its reason; neighbour
 * discovery and echo for our IPv6 addresses answered and learned from (net/nd.c). The data
 * plane does not forward IPv6 yet: the rest of what parses is dropped as unsupported_l3.
 */
void
pipeline6_input(struct stage *w, const struct snapshot *snap, struct rte_mbuf *m,
		const struct pkt_meta *p)
{
	struct pkt6_meta p6;
	int r;

	r = pkt_parse6(m, &p6); /* its MACs passed sanity_frame() */
	if (r != 0) {
		stage_drop(w, m, (unsigned)r);
		return;
	}
	p6.in_port = p->in_port;
	if (p6.key.proto == IP6_ICMPV6 && nd_input(w, snap, m, &p6))
		return;
	ipv6_to_kernel(w, m, &p6);
}
