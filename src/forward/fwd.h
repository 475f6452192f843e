/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_FWD_H
#define SLUICE_FWD_H

#include <stdbool.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "flow/conn.h"
#include "net/dp.h"
#include "packet/csum.h"
#include "packet/pkt.h"
#include "packet/pkt6.h"
#include "packet/stage.h"

/*
 * A forwarding mode: how a conn is set up and keyed, how its packets are rewritten and
 * sent (one function per direction), how an ICMP error about it is relayed, and what it
 * gives back. The mode is bound to the conn when it is created (c->mode, fwd_of()), as IPVS
 * binds its xmit function, so the per-packet path has no switch on the mode. One file a
 * mode (forward/fullnat.c, ...), listed in forward/fwd.c.
 */
/*
 * An ICMP or ICMPv6 error about a conn, as fwd_icmp.c or fwd_icmp6.c found it: the error
 * (both families' headers have the same 8 bytes) and the header of the packet the node sent
 * that it quotes (at any alignment: reach its fields by offset), the quoted L4 ports, and
 * the quoted L4 checksum when the quote reaches it (else NULL).
 */
struct fwd_icmp {
	struct rte_icmp_hdr *ic;
	uint8_t *in;    /* the quoted IPv4 or IPv6 header */
	uint8_t *ports; /* its source and destination ports */
	uint8_t *l4sum;
	unsigned room;  /* bytes of the ICMP message, from its header on */
};

struct fwd_ops {
	const char *name;
	/**
	 * Complete a new conn c (both sides' tuples from the packet and the backend are in,
	 * and its next hops) with what the mode needs before it is inserted, from its service
	 * svc and backend be: FULLNAT takes a LIP port, TUN notes its outer header. 0 or a
	 * drop reason; on failure nothing is held. Worker.
	 */
	unsigned (*conn_init)(struct stage *w, struct conn *c, const struct snap_service *svc,
			      const struct snap_backend *be);
	/**
	 * The key the backend side's packets carry, into k (it is always conn_key_out(c):
	 * conn_init set laddr and lport to what the replies are addressed to: FULLNAT its LIP
	 * and port, NAT the client's), or false when they never come through the node (DR,
	 * TUN: the backend answers the client itself). Worker.
	 */
	bool (*out_key)(const struct conn *c, struct conn_key *k);
	/** Give back what conn_init took, as c ends. Worker. */
	void (*release)(struct stage *w, const struct conn *c);
	/** Rewrite and queue m; 0 or a drop reason (the caller frees and counts). Worker. */
	int (*xmit[2])(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt_meta *p);
	/**
	 * Relay the ICMP error m about c, which came from the side dir names (CONN_DIR_IN: the
	 * client's), to the other side, the quote rewritten to what that side sent. 0 (m
	 * queued) or a drop reason. Worker.
	 */
	int (*icmp_xmit[2])(struct stage *w, struct conn *c, struct rte_mbuf *m,
			    struct pkt_meta *p, const struct fwd_icmp *q);
	/*
	 * IPv6 (NULL: the mode has none; the configuration refuses an IPv6 VIP with it). The
	 * same as above for a conn of the worker's IPv6 table (CONN_F_V6), whose addresses are
	 * in conn6_addrs(w->ct6, c); release serves both families.
	 */
	unsigned (*conn_init6)(struct stage *w, struct conn *c, const struct snap_service *svc,
			       const struct snap_backend *be);
	bool (*out_key6)(const struct stage *w, const struct conn *c, struct conn_key6 *k);
	int (*xmit6[2])(struct stage *w, struct conn *c, struct rte_mbuf *m, struct pkt6_meta *p);
	int (*icmp_xmit6[2])(struct stage *w, struct conn *c, struct rte_mbuf *m,
			     struct pkt6_meta *p, const struct fwd_icmp *q);
	/*
	 * The backend answers the client itself (DR, TUN): the node sees the client's side
	 * only, so the conn has no OUT key, needs no route back to the client, and keeps the
	 * TCP states of IPVS's INPUT_ONLY (CONN_F_IN_ONLY); the client's IP header is
	 * forwarded as it came (no TTL to run out: the backend is its next hop at L3).
	 */
	bool one_way;
	/*
	 * Both directions carry the client's address and port (NAT), and the conn lives on
	 * the worker fwd_client_owner() names from them: a packet of either side that another
	 * worker receives is handed there.
	 */
	bool client_owned;
	/*
	 * Bytes the mode may add in front of a packet (TUN: an outer IPv4 header, GUE its UDP
	 * and GUE headers): the mbuf pools keep at least this much headroom (packet/grow.h).
	 */
	uint16_t headroom;
};

/* The quoted TCP header's sequence number (4 bytes, any alignment), or NULL when the quote
 * stops short of it. */
static inline uint8_t *
fwd_quote_seq(const struct fwd_icmp *q)
{
	uint8_t *seq = q->ports + 4;

	return seq + 4 <= (uint8_t *)q->ic + q->room ? seq : NULL;
}

/*
 * Set a 16- or 32-bit field of a quoted header and patch the checksum that covers it (sum
 * NULL, or 0 meaning "none": left alone). Copied, not dereferenced: a quote has no alignment.
 */
static inline void
fwd_quote_set2(uint8_t *field, uint16_t v, uint8_t *sum)
{
	uint16_t old, cs;

	memcpy(&old, field, 2);
	if (sum != NULL) {
		memcpy(&cs, sum, 2);
		if (cs != 0) {
			cs = csum_replace2(cs, old, v);
			memcpy(sum, &cs, 2);
		}
	}
	memcpy(field, &v, 2);
}

static inline void
fwd_quote_set4(uint8_t *field, uint32_t v, uint8_t *sum)
{
	uint32_t old;
	uint16_t cs;

	memcpy(&old, field, 4);
	if (sum != NULL) {
		memcpy(&cs, sum, 2);
		if (cs != 0) {
			cs = csum_replace4(cs, old, v);
			memcpy(sum, &cs, 2);
		}
	}
	memcpy(field, &v, 4);
}

/* The same for a 16-byte field (an IPv6 address): IPv6's L4 checksums cover the addresses. */
static inline void
fwd_quote_set16(uint8_t *field, const uint8_t v[16], uint8_t *sum)
{
	uint16_t cs;

	if (sum != NULL) {
		memcpy(&cs, sum, 2);
		if (cs != 0) {
			cs = csum_replace16(cs, field, v);
			memcpy(sum, &cs, 2);
		}
	}
	memcpy(field, v, 16);
}

extern const struct fwd_ops fwd_fullnat_ops;
extern const struct fwd_ops fwd_dr_ops;
extern const struct fwd_ops fwd_tun_ops;
extern const struct fwd_ops fwd_nat_ops;
extern const struct fwd_ops fwd_nat64_ops;
extern const struct fwd_ops fwd_fullnat_ca_ops; /* with client_address (client_addr.h) */
extern const struct fwd_ops fwd_nat64_ca_ops;

/**
 * The worker that owns a client_owned mode's conns of client caddr:cport (network order):
 * a hash of the two, spread over the workers. Both directions of such a conn name the
 * client, so each can find it without a shared table. Any thread.
 */
static inline unsigned
fwd_client_owner(const struct dp *dp, uint32_t caddr, uint16_t cport)
{
	uint32_t h = rte_hash_crc_4byte(caddr, cport);

	return (unsigned)(((uint64_t)h * dp->n_workers) >> 32);
}

/** The same for an IPv6 client. Any thread. */
static inline unsigned
fwd_client_owner6(const struct dp *dp, const uint8_t caddr[16], uint16_t cport)
{
	uint32_t h = rte_hash_crc(caddr, 16, cport);

	return (unsigned)(((uint64_t)h * dp->n_workers) >> 32);
}

/** out_key and out_key6 of the two-way modes: conn_key_out(c), the reply tuple. */
bool fwd_out_key(const struct conn *c, struct conn_key *k);
bool fwd_out_key6(const struct stage *w, const struct conn *c, struct conn_key6 *k);

/** out_key and out_key6 of the one-way modes (DR, TUN): replies never come through. */
bool fwd_no_out_key(const struct conn *c, struct conn_key *k);
bool fwd_no_out_key6(const struct stage *w, const struct conn *c, struct conn_key6 *k);

/** Count an ICMP error a one-way mode relayed to the backend (r: its xmit's result). */
static inline int
fwd_relayed(struct stage *w, int r)
{
	if (r == 0)
		w->st.icmp_relayed++;
	return r;
}

/* The modes by enum sl_mode; NULL for one not built in. */
extern const struct fwd_ops *const fwd_modes[SL_MODE_MAX];

/** The ops of a mode (enum sl_mode), or NULL when it is not built in. Any thread. */
const struct fwd_ops *fwd_get(uint8_t mode);

/** The most headroom a built-in mode needs (struct fwd_ops.headroom). Any thread. */
uint16_t fwd_headroom_max(void);

/** The ops c was bound to. Its mode was checked when the service's snapshot was built. */
static inline const struct fwd_ops *
fwd_of(const struct conn *c)
{
	return fwd_modes[c->mode];
}

/** Decrement a packet's TTL, patching the header checksum. 0 or DROP_ttl_exceeded. Worker. */
static inline int
fwd_ttl_dec(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = pkt_ip(m);
	uint16_t old_word, new_word;

	if (unlikely(ip->time_to_live <= 1))
		return DROP_ttl_exceeded;
	/*
	 * TTL and protocol form one 16-bit word of the header checksum. Decrement the word in
	 * a register and store it whole: storing the TTL byte and reading the word back stalls
	 * store forwarding (it was the hottest instruction of the path).
	 */
	memcpy(&old_word, &ip->time_to_live, 2);
	new_word = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old_word) - 0x100));
	memcpy(&ip->time_to_live, &new_word, 2);
	ip->hdr_checksum = csum_replace2(ip->hdr_checksum, old_word, new_word);
	return 0;
}

/**
 * Rewrite the IPv4 and L4 addresses and ports of a parsed packet, decrement its TTL and
 * patch every checksum incrementally. 0 or DROP_ttl_exceeded. Worker.
 */
static inline int
fwd_rewrite(struct rte_mbuf *m, const struct pkt_meta *p, uint32_t saddr, uint32_t daddr,
	    uint16_t sport, uint16_t dport)
{
	struct rte_ipv4_hdr *ip = pkt_ip(m);
	uint16_t csum;

	if (unlikely(fwd_ttl_dec(m) != 0))
		return DROP_ttl_exceeded;
	/* TCP and UDP both start with the two ports; only the checksum's place differs. */
	if (p->key.proto == PROTO_TCP || p->key.proto == PROTO_UDP) {
		struct rte_udp_hdr *uh = pkt_l4(m, p);
		struct rte_tcp_hdr *th = pkt_l4(m, p);
		int tcp = p->key.proto == PROTO_TCP;

		csum = tcp ? th->cksum : uh->dgram_cksum;
		/* A zero UDP checksum means "none" and stays so. */
		if (tcp || csum != 0) {
			csum = csum_replace4(csum, ip->src_addr, saddr);
			csum = csum_replace4(csum, ip->dst_addr, daddr);
			csum = csum_replace2(csum, uh->src_port, sport);
			csum = csum_replace2(csum, uh->dst_port, dport);
			if (tcp)
				th->cksum = csum;
			else
				uh->dgram_cksum = csum ? csum : 0xffff;
		}
		uh->src_port = sport;
		uh->dst_port = dport;
	}
	csum = csum_replace4(ip->hdr_checksum, ip->src_addr, saddr);
	ip->hdr_checksum = csum_replace4(csum, ip->dst_addr, daddr);
	ip->src_addr = saddr;
	ip->dst_addr = daddr;
	return 0;
}

#endif
