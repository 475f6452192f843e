/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_CONN_H
#define SLUICE_CONN_H

#include <stdint.h>
#include <string.h>

#include <stdbool.h>
#include <stddef.h>

#include <rte_ether.h>
#include <rte_prefetch.h>

#include "common/addr.h"
#include "common/kinds.h"
#include "common/limits.h"
#include "flow/conn_hash.h"
#include "flow/tcp_state.h"
#include "packet/pkt.h"
#include "packet/pkt6.h"

/*
 * The per-worker connection table. One worker owns a table: it alone inserts, looks up
 * and expires, so nothing here takes a lock. A conn is stored once and indexed twice in
 * one index (flow/conn_hash.h), by its client-side tuple (client -> VIP) and its
 * backend-side tuple (backend -> LIP): one bulk lookup per burst then serves both
 * directions. The index keeps no keys: a slot names the conn and the direction, and the
 * key is compared in the conn (and, IPv6, its addresses), which the packet reads next
 * anyway. A lookup's result is (uintptr_t)conn | dir (conn_from_data()).
 *
 * Expiry: each conn carries its deadline and sits in the timing wheel's slot of that
 * deadline (or earlier). Traffic moves a deadline later with one store: the wheel finds
 * the conn early and re-files it. Only a deadline moved earlier (a state with a shorter
 * timeout, such as TIME_WAIT after ESTABLISHED) re-files at once, in O(1). The work of
 * one conn_expire() call is bounded by a budget.
 */

struct conn_table;

/* The clock of expiry. 64 ms ticks in 32 bits last 8 years; timeouts are whole seconds. */
#define CONN_TICK_MS 64u

static inline uint32_t
conn_ticks(uint64_t ms)
{
	return (uint32_t)(ms / CONN_TICK_MS);
}

/*
 * The conn's flag byte. DEAD is the table's; the rest are the modes' and the defenses'
 * (TCP sequence edges, SYN proxy, PROXY protocol, TOA), each on a bit of its own.
 */
enum {
	CONN_F_DEAD = 1 << 0, /* removed from the hash, waiting for the wheel to free it */
	CONN_F_OUT = 1 << 1,  /* indexed under its OUT key too */
	CONN_F_V6 = 1 << 2,   /* of an IPv6 table: its addresses are in conn6_addrs() */
	/* seen one way (DR, TUN): its TCP states are of TCP_ROW_IN_ONLY (conn_tcp_row()) */
	CONN_F_IN_ONLY = 1 << 3,
	/* seq_end[CONN_DIR_IN] / [CONN_DIR_OUT] holds a sequence number seen from that side
	 * (flow/tcp_window.h); the bit of a side is CONN_F_EDGE_IN << dir */
	CONN_F_EDGE_IN = 1 << 4,
	CONN_F_EDGE_OUT = 1 << 5,
	/* opened by the SYN proxy: its packets are translated by its conn_sp (defense/synproxy.h) */
	CONN_F_SYNPROXY = 1 << 6,
	/* the SYN proxy's SYN is out to the backend, its answer not in yet */
	CONN_F_SP_WAIT = 1 << 7,
};

/* The row of the TCP state table for c's packets from side dir: a shift, no branch. */
static inline unsigned
conn_tcp_row(uint16_t flags, enum conn_dir dir)
{
	_Static_assert(CONN_F_IN_ONLY >> 2 == TCP_ROW_IN_ONLY, "IN_ONLY is the row's bit");
	return (unsigned)dir | ((flags & CONN_F_IN_ONLY) >> 2);
}

/*
 * One cache line: everything the established path reads and writes is here, the TCP
 * window edges too (flow/tcp_window.h), so a packet of an established conn touches one
 * line of the table.
 */
struct conn {
	/* Client side: the IN key is (caddr, vaddr, cport, vport). */
	uint32_t caddr;
	uint32_t vaddr;
	uint16_t cport;
	uint16_t vport;
	/* Backend side: the OUT key (FULLNAT: daddr, laddr, dport, lport) is the mode's. */
	uint32_t daddr;
	uint32_t laddr;
	uint16_t dport;
	uint16_t lport;

	uint8_t proto;
	uint8_t state;         /* enum tcp_state, or CONN_S_UDP */
	uint16_t c_port : 3;   /* port toward the client (its route): replies leave there */
	uint16_t out_port : 3; /* port toward the backend */
	uint16_t lip_idx : 6;  /* the LIP, an index in the node's local_addresses */
	uint16_t mode : 4;     /* enum sl_mode: the ops (forward/fwd.h fwd_of), bound once */
	uint16_t svc_slot;     /* counters of the service */
	uint16_t be_slot;      /* counters of the backend */
	uint32_t out_nh;       /* next hop toward the backend (the backend or a gateway) */
	union {
		uint32_t c_nh; /* next hop toward the client (the client or a router), routed */
		struct {       /* mode tun, one way (no c_nh): the outer header's variables */
			uint16_t tun_dport; /* gue: outer UDP destination port (network order);
					     * 0: ipip */
			uint16_t tun_hash;  /* the client flow's hash: the GUE source port's and
					     * the outer IPv6 flow label's entropy */
		};
	};
	uint16_t gen;          /* odd while the slot is free; readers outside the worker check it */
	uint8_t flags;         /* CONN_F_* */
	/* each side's largest data in flight, as a power of two: a nibble a side (IN low) */
	uint8_t win_log;
	uint32_t wheel_next;   /* the wheel slot's list: conn indexes */
	uint32_t wheel_prev;
	uint32_t expire;       /* deadline in ticks (CONN_TICK_MS) of the owning worker's clock */
	/*
	 * TCP: each side's right edge, the highest sequence number it has sent up to (seq +
	 * data + SYN + FIN), by enum conn_dir, valid once CONN_F_EDGE_IN << dir is set: a RST
	 * or SYN far from it is a blind attack's guess (flow/tcp_window.h).
	 */
	uint32_t seq_end[2];
} __rte_cache_aligned;

/* The packings above hold the limits they are sized for (common/limits.h). */
_Static_assert(SL_MAX_PORTS <= 8, "c_port and out_port are 3 bits");
_Static_assert(SL_MAX_LADDRS <= 64, "lip_idx is 6 bits");
_Static_assert(SL_MODE_MAX <= 16, "mode is 4 bits");
_Static_assert(sizeof(struct conn) == RTE_CACHE_LINE_SIZE, "a conn is one cache line");

/*
 * The addresses of an IPv6 conn. An IPv6 table keeps them beside its conns, by index, so a
 * conn stays one cache line in both families (and IPv4 conns pay nothing for IPv6); the
 * uint32 address fields of such a conn are unused. One cache line per direction: what a
 * packet from the client needs to leave toward the backend, then what a reply needs to
 * leave toward the client, so a packet touches the conn and one line of these (the one
 * the lookup's direction names: conn6_addrs_line()).
 */
struct conn6_addrs {
	/* toward the backend: the OUT key (daddr, laddr, dport, lport) and the next hop */
	uint8_t daddr[16], laddr[16], out_nh[16], pad_out[16];
	/* toward the client: the IN key (caddr, vaddr, cport, vport) and the next hop */
	uint8_t caddr[16], vaddr[16], c_nh[16], pad_in[16];
} __attribute__((aligned(RTE_CACHE_LINE_SIZE)));

_Static_assert(sizeof(struct conn6_addrs) == 2 * RTE_CACHE_LINE_SIZE,
	       "a line of addresses per direction");

/*
 * What a conn's client-address insertion keeps (forward/client_addr.h): where the PROXY
 * header goes in the client's byte stream and how long it is, or how far TOA got. A conn
 * whose service sends no client address never touches it.
 */
struct conn_ca {
	uint32_t seq;  /* host order: the client's first data byte (its ISN + 1), once CA_F_SEQ */
	uint16_t mss;  /* the MSS the backend's SYN-ACK announced; 0: none seen */
	uint8_t len;   /* the PROXY header's length: what the client's later bytes move by */
	uint8_t kind;  /* enum sl_client_addr, and the CA_F_ flags of forward/client_addr.h */
};

/*
 * The TCP translations of a conn, beside the table by conn index as IPv6 addresses are:
 * what the SYN proxy keeps of a conn it opened (defense/synproxy.h), and the client-address
 * insertion's. A conn that is neither's never touches it.
 */
struct conn_sp {
	struct rte_mbuf *held; /* the client's data that came before the backend answered */
	/*
	 * Waiting for the backend (CONN_F_SP_WAIT): a = the node's ISN toward the client (the
	 * cookie), b = the timestamp it sent the client, c = the client's timestamp. Then:
	 * a = the backend's ISN minus the node's (what the backend's sequence numbers are
	 * ahead of what the client was told), b = the node's timestamps minus the backend's.
	 */
	uint32_t a, b, c;
	uint8_t ws_backend;  /* the backend's window scale (0 when it sent none to a client
			      * that asked for one); 0xff: the client asked for none */
	uint8_t ws_client;   /* the one the node told the client; 0xff: none */
	uint8_t ws_in;       /* the client's own, while the backend's scaling is off: the
			      * client's windows toward it are unscaled by it; else 0 */
	uint8_t ts_ok;       /* timestamps negotiated */
	struct conn_ca ca;   /* the client address's, whether the SYN proxy opened c or not */
} __attribute__((aligned(32)));

/* Two a cache line, never across one: a packet of a proxied conn reads one more line. */
_Static_assert(sizeof(struct conn_sp) == 32, "a conn_sp is 32 bytes");

/* Called by conn_expire() for every conn that times out, before it is freed. */
typedef void (*conn_expire_cb)(void *arg, struct conn *c);

/**
 * Create a table for up to `capacity` conns (2 x capacity keys). NULL + rte_errno on
 * failure. Control thread, before the worker starts.
 */
struct conn_table *conn_table_create(const char *name, uint32_t capacity, int socket,
				     conn_expire_cb cb, void *cb_arg);
/** The same for IPv6 conns: keys are struct conn_key6, addresses in conn6_addrs(). */
struct conn_table *conn_table_create6(const char *name, uint32_t capacity, int socket,
				      conn_expire_cb cb, void *cb_arg);
void conn_table_free(struct conn_table *ct);

/*
 * What the per-packet path reads of a table, inline: the first member of the opaque struct
 * conn_table (conn.c), so a table pointer is a pointer to it (C11 6.7.2.1p15). Nothing but
 * the accessors below touches it.
 */
struct conn_table_view {
	struct ch_bucket *buckets;  /* the index of both keys of every conn */
	uint32_t n_buckets;
	struct conn *conns;
	struct conn6_addrs *addrs6; /* IPv6 tables: the addresses, by conn index; else NULL */
	struct conn_sp *sp;         /* the SYN proxy's state, by conn index */
};

static inline struct conn *
conn_from_data(void *data, enum conn_dir *dir)
{
	*dir = (enum conn_dir)((uintptr_t)data & 1);
	return (struct conn *)((uintptr_t)data & ~(uintptr_t)1);
}

static inline void
conn_key_in(const struct conn *c, struct conn_key *k)
{
	*k = (struct conn_key){ .saddr = c->caddr, .daddr = c->vaddr, .sport = c->cport,
				.dport = c->vport, .proto = c->proto };
}

static inline void
conn_key_out(const struct conn *c, struct conn_key *k)
{
	*k = (struct conn_key){ .saddr = c->daddr, .daddr = c->laddr, .sport = c->dport,
				.dport = c->lport, .proto = c->proto };
}

/** The IPv6 key of IPv4 key k, its addresses IPv4-mapped: a NAT64 conn's reply key. */
static inline void
conn_key_mapped6(const struct conn_key *k, struct conn_key6 *k6)
{
	union addr46 a = addr46_from_v4(k->saddr);

	*k6 = (struct conn_key6){ .sport = k->sport, .dport = k->dport, .proto = k->proto };
	memcpy(k6->saddr, a.b, 16);
	a = addr46_from_v4(k->daddr);
	memcpy(k6->daddr, a.b, 16);
}

/* The IN key's fields, then the OUT key's, in struct conn_key's order: one compare each. */
_Static_assert(offsetof(struct conn, vaddr) == offsetof(struct conn, caddr) + 4 &&
	       offsetof(struct conn, cport) == offsetof(struct conn, caddr) + 8 &&
	       offsetof(struct conn, vport) == offsetof(struct conn, caddr) + 10 &&
	       offsetof(struct conn, laddr) == offsetof(struct conn, daddr) + 4 &&
	       offsetof(struct conn, dport) == offsetof(struct conn, daddr) + 8 &&
	       offsetof(struct conn, lport) == offsetof(struct conn, daddr) + 10 &&
	       offsetof(struct conn_key, sport) == 8 && offsetof(struct conn_key6, sport) == 32,
	       "a conn's keys are laid out as struct conn_key");

/* Is k the key of c's packets from side dir? IPv4 tables. */
static inline bool
conn_key_eq(const struct conn *c, enum conn_dir dir, const struct conn_key *k)
{
	const uint8_t *f = dir == CONN_DIR_IN ? (const uint8_t *)&c->caddr
					      : (const uint8_t *)&c->daddr;

	return memcmp(f, k, 12) == 0 && c->proto == k->proto;
}

/* The same for an IPv6 table: the ports in the conn, the addresses in its line of them. */
static inline bool
conn6_key_eq(const struct conn_table *ct, const struct conn *c, enum conn_dir dir,
	     const struct conn_key6 *k)
{
	const struct conn_table_view *v = (const struct conn_table_view *)(const void *)ct;
	const struct conn6_addrs *a = &v->addrs6[c - v->conns];
	const uint8_t *ports = dir == CONN_DIR_IN ? (const uint8_t *)&c->cport
						  : (const uint8_t *)&c->dport;

	_Static_assert(offsetof(struct conn6_addrs, vaddr) == offsetof(struct conn6_addrs, caddr) + 16 &&
		       offsetof(struct conn6_addrs, laddr) == offsetof(struct conn6_addrs, daddr) + 16,
		       "each key's addresses side by side");
	return memcmp(ports, &k->sport, 4) == 0 && c->proto == k->proto &&
	       memcmp(dir == CONN_DIR_IN ? a->caddr : a->daddr, k->saddr, 32) == 0;
}

/** The most keys one bulk lookup takes (its hits are a 64-bit mask). */
#define CONN_BULK_MAX 64

/*
 * The whole search of one key (conn.c): every slot of its tag, and the buckets past its
 * home while they hold keys that overflowed. (uintptr_t)conn | dir, or NULL.
 */
void *conn_find(const struct conn_table *ct, const void *key, struct ch_hash h);

/*
 * The bulk lookup of both families: fam 4 or 6 is a constant at each call, so each
 * caller gets the hash and the compare of its family only. Three passes over the burst,
 * so that each pass's cache misses overlap: hash every key and ask for its bucket; match
 * the tags and ask for the first candidate's conn (and IPv6 addresses); compare the keys.
 * A key whose first candidate fails, in a bucket with other candidates or overflowed
 * keys, takes the whole search (conn_find()).
 */
static __rte_always_inline void
conn_lookup_bulk_fam(struct conn_table *ct, const void *const *keys, unsigned n,
		     uint64_t *hits, void **data, int fam)
{
	const struct conn_table_view *v = (const struct conn_table_view *)(const void *)ct;
	struct ch_hash h[CONN_BULK_MAX];
	uint32_t ref[CONN_BULK_MAX];
	uint64_t hit = 0, more = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		h[i] = fam == 6 ? ch_hash6(keys[i], v->n_buckets) : ch_hash4(keys[i], v->n_buckets);
		rte_prefetch0(&v->buckets[h[i].bucket]);
	}
	for (i = 0; i < n; i++) {
		const struct ch_bucket *b = &v->buckets[h[i].bucket];
		unsigned m = ch_match(b, h[i].tag);

		if ((m & (m - 1)) != 0 || b->over != 0)
			more |= 1ull << i;
		ref[i] = UINT32_MAX;
		if (m == 0)
			continue;
		ref[i] = b->ref[__builtin_ctz(m)];
		rte_prefetch0(&v->conns[ref[i] >> 1]);
		if (fam == 6) {
			rte_prefetch0(&v->addrs6[ref[i] >> 1]);
			rte_prefetch0((const uint8_t *)&v->addrs6[ref[i] >> 1] + RTE_CACHE_LINE_SIZE);
		}
	}
	for (i = 0; i < n; i++) {
		void *d = NULL;

		if (ref[i] != UINT32_MAX) {
			const struct conn *c = &v->conns[ref[i] >> 1];
			enum conn_dir dir = (enum conn_dir)(ref[i] & 1);

			if (fam == 6 ? conn6_key_eq(ct, c, dir, keys[i]) : conn_key_eq(c, dir, keys[i]))
				d = (void *)((uintptr_t)c | dir);
		}
		if (d == NULL && (more & (1ull << i)))
			d = conn_find(ct, keys[i], h[i]);
		data[i] = d;
		hit |= (uint64_t)(d != NULL) << i;
	}
	*hits = hit;
}

/**
 * Find the conns of n (<= CONN_BULK_MAX) IPv4 keys at once: bit i of *hits says whether
 * keys[i] has one, data[i] is then (uintptr_t)conn | dir (conn_from_data()); its conn is
 * in cache. Owner worker.
 */
static __rte_always_inline void
conn_lookup_bulk(struct conn_table *ct, const void *const *keys, unsigned n, uint64_t *hits,
		 void **data)
{
	conn_lookup_bulk_fam(ct, keys, n, hits, data, 4);
}

/** The same for an IPv6 table (keys are struct conn_key6); both lines of the conn's
 * addresses are in cache too. Owner worker. */
static __rte_always_inline void
conn6_lookup_bulk(struct conn_table *ct, const void *const *keys, unsigned n, uint64_t *hits,
		  void **data)
{
	conn_lookup_bulk_fam(ct, keys, n, hits, data, 6);
}

/** Move c's deadline earlier than it is filed: re-file it now. Owner worker. */
void conn_refile(struct conn_table *ct, struct conn *c, uint32_t expire);

/** Set c's deadline (ticks). The per-packet path: a later deadline costs one store. */
static inline void
conn_set_expire(struct conn_table *ct, struct conn *c, uint32_t expire)
{
	if (unlikely((int32_t)(expire - c->expire) < 0))
		conn_refile(ct, c, expire);
	else
		c->expire = expire;
}

/** Find the conn of a key. NULL when there is none. Owner worker. */
struct conn *conn_lookup(struct conn_table *ct, const struct conn_key *k, enum conn_dir *dir);

/** A free conn, zeroed but for bookkeeping; NULL when the table is full. Owner worker. */
struct conn *conn_alloc(struct conn_table *ct);

/**
 * Index a filled conn under its IN key and, when kout is given (the mode's out_key: the
 * key of the backend side's packets, which is always conn_key_out(c)), under that one too,
 * and file it for expiry at c->expire; now is the worker clock in ticks. kout NULL: the
 * backend side never comes through the node (DR, TUN).
 * 0, -EEXIST (a key is taken), -ENOSPC, or -EINVAL (kout is not conn_key_out(c)). On error
 * the conn is given back. Owner worker.
 */
int conn_insert(struct conn_table *ct, struct conn *c, const struct conn_key *kout,
		uint32_t now);

/** An IPv6 conn's addresses (IPv6 tables only). Owner worker. */
static inline struct conn6_addrs *
conn6_addrs(const struct conn_table *ct, const struct conn *c)
{
	const struct conn_table_view *v = (const struct conn_table_view *)(const void *)ct;

	return &v->addrs6[c - v->conns];
}

/** The SYN proxy's state of conn c (CONN_F_SYNPROXY). Owner worker. */
static inline struct conn_sp *
conn_sp(const struct conn_table *ct, const struct conn *c)
{
	const struct conn_table_view *v = (const struct conn_table_view *)(const void *)ct;

	return &v->sp[c - v->conns];
}

/** The line of c's addresses a packet that came from side dir reads. Owner worker. */
static inline const void *
conn6_addrs_line(const struct conn_table *ct, const struct conn *c, enum conn_dir dir)
{
	const uint8_t *a = (const uint8_t *)conn6_addrs(ct, c);

	return dir == CONN_DIR_IN ? a : a + RTE_CACHE_LINE_SIZE;
}
void conn6_key_in(const struct conn_table *ct, const struct conn *c, struct conn_key6 *k);
void conn6_key_out(const struct conn_table *ct, const struct conn *c, struct conn_key6 *k);
/** conn_lookup and conn_insert for an IPv6 table (the IPv4 ones refuse it: -EINVAL). */
struct conn *conn6_lookup(struct conn_table *ct, const struct conn_key6 *k, enum conn_dir *dir);
int conn6_insert(struct conn_table *ct, struct conn *c, const struct conn_key6 *kout,
		 uint32_t now);

/** Give back a conn from conn_alloc() that was never inserted. Owner worker. */
void conn_abandon(struct conn_table *ct, struct conn *c);

/**
 * Take a conn out of the hash at once, e.g. a TIME_WAIT conn that a new SYN replaces. The
 * expiry callback does not run for it: the caller releases what the conn held. Its slot
 * is freed when the wheel next visits it. Owner worker.
 */
void conn_remove(struct conn_table *ct, struct conn *c);

/**
 * Advance the wheel to `now` (ticks), visiting at most `budget` conns and slots.
 * The callback runs for every expired conn. @return the number expired. Owner worker.
 */
unsigned conn_expire(struct conn_table *ct, uint32_t now, unsigned budget);

uint32_t conn_count(const struct conn_table *ct);
uint32_t conn_capacity(const struct conn_table *ct);
/** The bytes the table holds (conns, their side lines, the index, the free list). */
size_t conn_table_bytes(const struct conn_table *ct);

/**
 * Copy conn number i (0 <= i < capacity) for a reader on another thread. The copy is
 * consistent: it is taken between two reads of the same even generation.
 * @return 0, or -ENOENT when the slot is free or changed while it was read.
 */
int conn_snapshot(const struct conn_table *ct, uint32_t i, struct conn *out);
/** The same with an IPv6 conn's addresses into addrs (NULL: not wanted). */
int conn6_snapshot(const struct conn_table *ct, uint32_t i, struct conn *out,
		   struct conn6_addrs *addrs);

#endif
