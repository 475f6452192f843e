/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a valid document can still not do on a node: addresses that collide. Every value
 * is well formed by now; these checks compare values with each other.
 *
 * - Ports: two subnets that overlap (a neighbour would be on either), two ports on one
 *   interface (each would take the other's packets).
 * - A VIP is the node's own address, reached through the node: never a port address, a
 *   LIP, inside a port's subnet (sluiced answers ARP for VIPs, so it would take that
 *   address from its LAN), on loopback, or the address of a backend.
 * - A backend is of its VIP's family (NAT64, an IPv6 VIP over IPv4 backends, is a mode of
 *   its own).
 * - A backend is another host: never a VIP, a LIP, a port address or loopback.
 * - A backend suits its service's mode: the VIP port in dr and tun, on-link in dr.
 * - A tun service's tunnel_source is an address of this node: a port's or a LIP.
 *
 * The loader runs them over the whole document (errors with lines); the API runs the same
 * ones over the service or backend it is about to add (cfg_service_check,
 * cfg_backend_check), so both refuse the same things with the same words.
 *
 * This file must not include DPDK headers: sluicectl links it to check files offline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/port_lock.h"
#include "config/config.h"
#include "config/config_int.h"

/* An address some service uses: as its VIP (be < 0) or as backend `be`. */
struct use {
	union addr46 addr;
	unsigned svc;
	int be;
};

/* The VIPs and the backend addresses of a set of services, each sorted by address. */
struct uses {
	struct use *vips, *bes;
	size_t n_vips, n_bes;
};

static int
use_cmp(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	if (c != 0)
		return c;
	if (x->svc != y->svc)
		return x->svc < y->svc ? -1 : 1;
	return x->be < y->be ? -1 : x->be > y->be;
}

/*
 * The first use (in document order) of addr in u by a service other than `skip` and before
 * `before`, or NULL. The uses of one address are sorted by service, so this looks past
 * skip's own at most.
 */
static const struct use *
use_find(const struct use *u, size_t n, const union addr46 *addr, unsigned skip,
	 unsigned before)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(&u[mid].addr, addr, sizeof(*addr)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && addr46_eq(&u[lo].addr, addr) && u[lo].svc < before; lo++)
		if (u[lo].svc != skip)
			return &u[lo];
	return NULL;
}

static void
uses_free(struct uses *u)
{
	free(u->vips);
	free(u->bes);
	memset(u, 0, sizeof(*u));
}

/* The uses of svcs[0..n). */
static int
uses_build(struct uses *u, const struct cfg_service *svcs, unsigned n)
{
	size_t nb = 0;
	unsigned i, j;

	memset(u, 0, sizeof(*u));
	for (i = 0; i < n; i++)
		nb += svcs[i].n_backends;
	u->vips = calloc(n ? n : 1, sizeof(*u->vips));
	u->bes = calloc(nb ? nb : 1, sizeof(*u->bes));
	if (u->vips == NULL || u->bes == NULL) {
		uses_free(u);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		u->vips[u->n_vips++] = (struct use){ svcs[i].vip, i, -1 };
		for (j = 0; j < svcs[i].n_backends; j++)
			u->bes[u->n_bes++] = (struct use){ svcs[i].backends[j].addr, i, (int)j };
	}
	qsort(u->vips, u->n_vips, sizeof(*u->vips), use_cmp);
	qsort(u->bes, u->n_bes, sizeof(*u->bes), use_cmp);
	return 0;
}

static bool
is_loopback(const union addr46 *a)
{
	if (addr46_is_v4(a))
		return (ntohl(a->w[3]) >> 24) == 127;
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == 0 && a->w[3] == htonl(1);
}

const struct cfg_port *
cfg_port_of(const struct cfg *node, uint32_t ip)
{
	unsigned i;

	for (i = 0; i < node->n_ports; i++) {
		uint32_t mask = addr_prefix_mask(node->ports[i].prefix_len);

		if ((ip & mask) == (node->ports[i].addr & mask))
			return &node->ports[i];
	}
	return NULL;
}

const struct cfg_port *
cfg_port_of46(const struct cfg *node, const union addr46 *a)
{
	unsigned i;

	if (addr46_is_v4(a))
		return cfg_port_of(node, a->w[3]);
	for (i = 0; i < node->n_ports; i++) {
		const struct cfg_port *p = &node->ports[i];

		if (p->has_addr6 && addr46_same_prefix(a, &p->addr6, p->prefix6_len))
			return p;
	}
	return NULL;
}

bool
cfg_port_has_addr(const struct cfg_port *p, const union addr46 *a)
{
	if (addr46_is_v4(a))
		return p->addr == a->w[3];
	return p->has_addr6 && addr46_eq(&p->addr6, a);
}

const char *
cfg_port_subnet(const struct cfg_port *p, const union addr46 *a, char *buf)
{
	char n[ADDR46_STR_MAX];
	union addr46 net;
	uint8_t len;

	if (addr46_is_v4(a)) {
		len = p->prefix_len;
		net = addr46_from_v4(p->addr & addr_prefix_mask(len));
	} else {
		len = p->prefix6_len;
		net = addr46_masked(&p->addr6, len);
	}
	sprintf(buf, "%s/%u", addr_fmt_ip46(n, &net), len);
	return buf;
}

static bool
is_lip(const struct cfg *node, const union addr46 *a)
{
	unsigned i;

	for (i = 0; i < node->n_laddrs; i++)
		if (addr46_eq(&node->laddrs[i], a))
			return true;
	return false;
}

static bool
is_port_addr(const struct cfg *node, const union addr46 *a)
{
	unsigned i;

	for (i = 0; i < node->n_ports; i++)
		if (cfg_port_has_addr(&node->ports[i], a))
			return true;
	return false;
}

static bool
has_lip_of_family(const struct cfg *node, bool v4)
{
	unsigned i;

	for (i = 0; i < node->n_laddrs; i++)
		if (addr46_is_v4(&node->laddrs[i]) == v4)
			return true;
	return false;
}

/* What is wrong with a VIP on this node (not counting the services), at l. */
static int
check_vip_node(struct vctx *v, const struct loc *l, const struct cfg *node,
	       const union addr46 *vip)
{
	const struct cfg_port *p = cfg_port_of46(node, vip);
	char a[ADDR46_STR_MAX], b[ADDR46_STR_MAX + 8];

	if (p != NULL && cfg_port_has_addr(p, vip))
		return cfgv_verr(v, l, "%s is the address of port '%s'; a VIP must be an address "
				 "of its own", addr_fmt_ip46(a, vip), p->name);
	if (is_lip(node, vip))
		return cfgv_verr(v, l, "%s is a local address (LIP); a VIP must be an address of "
				 "its own", addr_fmt_ip46(a, vip));
	if (p != NULL)
		return cfgv_verr(v, l, "%s is inside the subnet of port '%s' (%s): sluiced "
				 "would answer %s for it there, taking it from that LAN; a VIP is "
				 "routed to the node from outside the ports' subnets",
				 addr_fmt_ip46(a, vip), p->name, cfg_port_subnet(p, vip, b),
				 addr46_is_v4(vip) ? "ARP" : "neighbour solicitations");
	if (is_loopback(vip))
		return cfgv_verr(v, l, "%s is a loopback address (%s); no packet from the "
				 "network can reach it", addr_fmt_ip46(a, vip),
				 addr46_is_v4(vip) ? "127.0.0.0/8" : "::1");
	return 0;
}

/* What is wrong with a backend address on this node (not counting the services), at l. */
static int
check_backend_node(struct vctx *v, const struct loc *l, const struct cfg *node,
		   const union addr46 *ip)
{
	const struct cfg_port *p = cfg_port_of46(node, ip);
	char a[ADDR46_STR_MAX];

	if (p != NULL && cfg_port_has_addr(p, ip))
		return cfgv_verr(v, l, "%s is the address of port '%s'; a backend must be another "
				 "host", addr_fmt_ip46(a, ip), p->name);
	if (is_lip(node, ip))
		return cfgv_verr(v, l, "%s is a local address (LIP) of this node; a backend must "
				 "be another host", addr_fmt_ip46(a, ip));
	if (is_loopback(ip))
		return cfgv_verr(v, l, "%s is a loopback address (%s); a backend must be "
				 "another host on the network", addr_fmt_ip46(a, ip),
				 addr46_is_v4(ip) ? "127.0.0.0/8" : "::1");
	return 0;
}

/*
 * What the service's mode asks of a backend (at bl, its address). DR and TUN forward the
 * client's packet with its header as it came, so the backend listens on the VIP port; a DR
 * backend is reached by its MAC, so it is on a port's subnet (one hop, no router between).
 */
static int
check_backend_mode(struct vctx *v, const struct loc *bl, const struct cfg *node,
		   const struct cfg_service *s, const struct cfg_backend *b)
{
	char a[ADDR46_STR_MAX];
	const char *mode = cfg_mode_name(s->mode);

	if ((s->mode == SL_MODE_DR || s->mode == SL_MODE_TUN) && b->port != s->port)
		return cfgv_verr(v, bl, "%s: in mode %s the backend port must be the VIP port "
				 "(%u): the packet reaches the backend with the client's header, "
				 "addresses and ports as they came", addr_fmt_ipport46(a, &b->addr,
										   b->port),
				 mode, ntohs(s->port));
	if (s->mode == SL_MODE_DR && cfg_port_of46(node, &b->addr) == NULL)
		return cfgv_verr(v, bl, "%s is on no port's subnet: in mode dr a backend is "
				 "reached by its MAC, so it must be on a LAN of the node (use mode "
				 "tun or fullnat for a routed backend)", addr_fmt_ip46(a, &b->addr));
	return 0;
}

/*
 * NAT64, IPv4 backends behind an IPv6 VIP (mode fullnat): the backends answer an IPv4 LIP,
 * and a service's backends are of one family (a mixed set would make the family of a conn
 * the scheduler's choice; refused rather than half supported).
 */
static int
check_backend_nat64(struct vctx *v, const struct loc *bl, const struct cfg *node,
		    const struct cfg_service *s, const struct cfg_backend *b)
{
	char a[ADDR46_STR_MAX];

	if (addr46_is_v4(&s->vip))
		return 0;
	/* the first backend sets the family (the file's first, or the service's for the API) */
	if (s->n_backends > 0 && addr46_is_v4(&s->backends[0].addr) != addr46_is_v4(&b->addr))
		return cfgv_verr(v, bl, "%s: backends of both families behind one VIP: an IPv6 "
				 "VIP's backends are all IPv6, or all IPv4 (NAT64)",
				 addr_fmt_ip46(a, &b->addr));
	if (addr46_is_v4(&b->addr) && !has_lip_of_family(node, true))
		return cfgv_verr(v, bl, "%s: NAT64 (an IPv4 backend behind an IPv6 VIP) needs an "
				 "IPv4 address in dataplane.local_addresses, which the backends "
				 "answer to", addr_fmt_ip46(a, &b->addr));
	return 0;
}

/* "service 10.0.0.10:80/tcp", the other service a use belongs to. */
static const char *
svc_name(const struct cfg_service *s, char *buf, size_t len)
{
	char k[ADDR46_STR_MAX];

	snprintf(buf, len, "service %s", addr_fmt_service46(k, &s->vip, s->port, s->proto));
	return buf;
}

/*
 * Backend b of svcs[idx] (at bl) against the node and the VIPs of the services of u other
 * than idx and before `before`.
 */
static int
check_backend(struct vctx *v, const struct loc *bl, const struct cfg *node,
	      const struct cfg_service *svcs, unsigned idx, const struct cfg_backend *b,
	      const struct uses *u, unsigned before)
{
	const struct cfg_service *s = &svcs[idx];
	const struct use *x;
	char a[ADDR46_STR_MAX], who[80];
	int rc;

	if (addr46_is_v4(&b->addr) != addr46_is_v4(&s->vip) &&
	    (addr46_is_v4(&s->vip) || s->mode != SL_MODE_FULLNAT))
		return cfgv_verr(v, bl, "%s is an IPv%c backend behind an IPv%c VIP: a service's "
				 "backends are of its VIP's family (or IPv4 behind IPv6 in mode "
				 "fullnat: NAT64)", addr_fmt_ip46(a, &b->addr),
				 addr46_is_v4(&b->addr) ? '4' : '6',
				 addr46_is_v4(&s->vip) ? '4' : '6');
	rc = check_backend_nat64(v, bl, node, s, b);
	if (rc < 0)
		return rc;
	rc = check_backend_node(v, bl, node, &b->addr);
	if (rc < 0)
		return rc;
	if (addr46_eq(&b->addr, &s->vip))
		return cfgv_verr(v, bl, "%s is the VIP of this service; a backend must be another "
				 "host", addr_fmt_ip46(a, &b->addr));
	x = use_find(u->vips, u->n_vips, &b->addr, idx, before);
	if (x != NULL)
		return cfgv_verr(v, bl, "%s is the VIP of %s; a backend must be another host",
				 addr_fmt_ip46(a, &b->addr),
				 svc_name(&svcs[x->svc], who, sizeof(who)));
	return check_backend_mode(v, bl, node, s, b);
}

/*
 * Service svcs[idx] (at sl; so its JSON, or NULL) against the node and the other services
 * of u before `before`: the VIP, then each backend, as the document orders them.
 */
static int
check_service(struct vctx *v, const struct loc *sl, const json_t *so, const struct cfg *node,
	      const struct cfg_service *svcs, unsigned idx, const struct uses *u,
	      unsigned before)
{
	const struct cfg_service *s = &svcs[idx];
	const json_t *bo = so ? json_object_get(so, "backends") : NULL;
	char a[ADDR46_STR_MAX], who[80];
	const struct use *x;
	struct loc l, al, el;
	unsigned j;
	int rc;

	cfgv_loc_member(&l, sl, so, "vip");
	rc = check_vip_node(v, &l, node, &s->vip);
	if (rc < 0)
		return rc;
	x = use_find(u->bes, u->n_bes, &s->vip, idx, before);
	if (x != NULL)
		return cfgv_verr(v, &l, "%s is also a backend (backends[%d] of %s); a VIP is the "
				 "node's own address, a backend another host's",
				 addr_fmt_ip46(a, &s->vip), x->be,
				 svc_name(&svcs[x->svc], who, sizeof(who)));
	/* The LIPs of the backends' family: IPv4 ones for NAT64 (checked with each backend). */
	if (s->mode == SL_MODE_FULLNAT && !has_lip_of_family(node, addr46_is_v4(&s->vip)) &&
	    !(s->n_backends > 0 && addr46_is_v4(&s->backends[0].addr))) {
		if (so == NULL || cfgv_member(so, sl, "mode", &l) == NULL)
			l = *sl;
		return cfgv_verr(v, &l, "fullnat needs dataplane.local_addresses (the LIPs that "
				 "backends answer to)%s", addr46_is_v4(&s->vip) ? "" :
				 ": an IPv6 one for an IPv6 VIP");
	}
	if (s->mode == SL_MODE_TUN && !addr46_is_zero(&s->tunnel_source) &&
	    !is_lip(node, &s->tunnel_source) && !is_port_addr(node, &s->tunnel_source)) {
		cfgv_loc_member(&l, sl, so, "tunnel_source");
		return cfgv_verr(v, &l, "%s is no address of this node: tunnel_source names a "
				 "port's address or a local address (LIP), which the backends' "
				 "answers about the tunnel come back to",
				 addr_fmt_ip46(a, &s->tunnel_source));
	}
	cfgv_loc_member(&al, sl, so, "backends");
	for (j = 0; j < s->n_backends; j++) {
		cfgv_loc_elem(&el, &al, bo, j);
		cfgv_loc_member(&l, &el, json_array_get(bo, j), "address");
		rc = check_backend(v, &l, node, svcs, idx, &s->backends[j], u, before);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The node's backend slots: a service's backends at l would make `total` over all. */
static int
check_node_backends(struct vctx *v, const struct loc *l, size_t total)
{
	if (total <= SL_MAX_NODE_BACKENDS)
		return 0;
	return cfgv_verr(v, l, "the node holds at most %u backends over all its services (a "
			 "counters slot each); these make %zu", SL_MAX_NODE_BACKENDS, total);
}

int
cfg_check_services(struct vctx *v, const struct loc *al, const json_t *arr, const struct cfg *c)
{
	struct uses u;
	size_t total = 0;
	unsigned i;
	int rc = 0;

	if (uses_build(&u, c->services, c->n_services) < 0)
		return cfgv_verr_nomem(v, al);
	/* Each against the services before it: a collision is reported where it shows second. */
	for (i = 0; i < c->n_services && rc == 0; i++) {
		struct loc sl, bl;

		cfgv_loc_elem(&sl, al, arr, i);
		total += c->services[i].n_backends;
		cfgv_loc_member(&bl, &sl, json_array_get(arr, i), "backends");
		rc = check_node_backends(v, &bl, total);
		if (rc == 0)
			rc = check_service(v, &sl, json_array_get(arr, i), c, c->services, i, &u, i);
	}
	uses_free(&u);
	return rc;
}

int
cfg_check_ports(struct vctx *v, const struct loc *al, const json_t *arr, const struct cfg *c)
{
	char a[ADDR_STR_MAX], what[2][160], file[160];
	unsigned i, k;

	for (i = 0; i < c->n_ports; i++) {
		const struct cfg_port *p = &c->ports[i];
		const json_t *o = json_array_get(arr, i);
		struct loc pl, l;
		int has = port_lock_key(p->device, what[0], sizeof(what[0]), file, sizeof(file));

		cfgv_loc_elem(&pl, al, arr, i);
		for (k = 0; k < i; k++) {
			const struct cfg_port *q = &c->ports[k];
			uint8_t len = p->prefix_len < q->prefix_len ? p->prefix_len : q->prefix_len;
			uint32_t mask = addr_prefix_mask(len);

			if ((p->addr & mask) == (q->addr & mask)) {
				cfgv_loc_member(&l, &pl, o, "address");
				return cfgv_verr(v, &l, "%s/%u overlaps the subnet of ports[%u] '%s' "
						 "(%s/%u): a neighbour would be on either port",
						 addr_fmt_ip(a, p->addr), p->prefix_len, k, q->name,
						 addr_fmt_ip(what[1], q->addr & addr_prefix_mask(
									      q->prefix_len)),
						 q->prefix_len);
			}
			if (p->has_addr6 && q->has_addr6) {
				uint8_t l6 = p->prefix6_len < q->prefix6_len ? p->prefix6_len
									     : q->prefix6_len;
				union addr46 x = addr46_masked(&p->addr6, l6);
				union addr46 y = addr46_masked(&q->addr6, l6);
				char b6[ADDR46_STR_MAX];

				if (memcmp(&x, &y, sizeof(x)) == 0) {
					cfgv_loc_member(&l, &pl, o, "address");
					return cfgv_verr(v, &l, "%s/%u overlaps the IPv6 subnet of "
							 "ports[%u] '%s': a neighbour would be on "
							 "either port",
							 addr_fmt_ip46(b6, &p->addr6), p->prefix6_len,
							 k, q->name);
				}
			}
			if (has == 1 && port_lock_key(q->device, what[1], sizeof(what[1]), file,
						      sizeof(file)) == 1 &&
			    strcmp(what[0], what[1]) == 0) {
				cfgv_loc_member(&l, &pl, o, "device");
				return cfgv_verr(v, &l, "'%s' is on the same %s as ports[%u] '%s': "
						 "two ports on one interface would each take the "
						 "other's packets", p->device, what[0], k, q->name);
			}
		}
	}
	return 0;
}

static size_t
backends_of(const struct cfg_service *svcs, unsigned n)
{
	size_t total = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		total += svcs[i].n_backends;
	return total;
}

/* An API check: the error's field is prefixed by `field`, no line. */
static void
api_ctx(struct vctx *v, struct loc *top, const char *field, struct cfg_error *err,
	struct cfg_error *dummy)
{
	v->lines = NULL;
	v->err = err ? err : dummy;
	memset(v->err, 0, sizeof(*v->err));
	cfgv_loc_top(top, NULL, field);
}

int
cfg_service_check(const struct cfg *node, const struct cfg_service *svcs, unsigned n,
		  unsigned idx, const char *field, struct cfg_error *err)
{
	struct cfg_error dummy;
	struct vctx v;
	struct loc top, bl;
	struct uses u;
	int rc;

	api_ctx(&v, &top, field, err, &dummy);
	cfgv_loc_member(&bl, &top, NULL, "backends");
	rc = check_node_backends(&v, &bl, backends_of(svcs, n));
	if (rc < 0)
		return rc;
	if (uses_build(&u, svcs, n) < 0)
		return cfgv_verr_nomem(&v, &top);
	rc = check_service(&v, &top, NULL, node, svcs, idx, &u, n);
	uses_free(&u);
	return rc;
}

int
cfg_backend_check(const struct cfg *node, const struct cfg_service *svcs, unsigned n,
		  unsigned idx, const struct cfg_backend *b, const char *field,
		  struct cfg_error *err)
{
	struct cfg_error dummy;
	struct vctx v;
	struct loc top, l;
	struct uses u;
	int rc;

	api_ctx(&v, &top, field, err, &dummy);
	cfgv_loc_member(&l, &top, NULL, "address");
	rc = check_node_backends(&v, &top, backends_of(svcs, n) + 1);
	if (rc < 0)
		return rc;
	if (uses_build(&u, svcs, n) < 0)
		return cfgv_verr_nomem(&v, &top);
	rc = check_backend(&v, &l, node, svcs, idx, b, &u, n);
	uses_free(&u);
	return rc;
}
