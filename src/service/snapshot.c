/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>

#include "service/snapshot.h"

static struct rte_hash *
hash_create(const char *kind, uint64_t version, unsigned entries, unsigned key_len)
{
	static unsigned seq;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries < 8 ? 8 : entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	/* rte_hash names are global: the old and the new snapshot live side by side. */
	snprintf(name, sizeof(name), "%s%" PRIu64 "_%u", kind, version, seq++);
	return rte_hash_create(&hp);
}

/*
 * A stateful scheduler's state (a sequence, a Maglev table) and the snapshots that hold
 * it: the last one to go frees it. Control thread only (builds and dp_publish's frees).
 */
struct sched_share {
	unsigned refs;
};

/* Would a's scheduler build the same state as b's? What each build reads, and no more. */
static bool
sched_inputs_equal(const struct snap_service *a, const struct snap_service *b)
{
	uint32_t j;

	if (a->sched != b->sched || a->maglev_size != b->maglev_size || a->hash != b->hash ||
	    a->n_backends != b->n_backends)
		return false;
	for (j = 0; j < a->n_backends; j++) {
		const struct snap_backend *x = &a->backends[j], *y = &b->backends[j];

		if (!addr46_eq(&x->addr, &y->addr) || x->port != y->port ||
		    x->weight != y->weight || x->inhibited != y->inhibited || x->slot != y->slot)
			return false;
	}
	return true;
}

/* Service ss's counterpart in prev (same VIP, port and protocol), or NULL. */
static const struct snap_service *
prev_service(const struct snapshot *prev, const struct snap_service *ss)
{
	if (prev == NULL)
		return NULL;
	return addr46_is_v4(&ss->vip)
		       ? snap_service_find(prev, ss->vip.w[3], ss->vport, ss->proto)
		       : snap_service_find6(prev, ss->vip.b, ss->vport, ss->proto);
}

static int
service_build(struct snap_service *ss, const struct snap_svc_input *in,
	      const struct vs_gauge *gauges, unsigned n_workers, const struct snapshot *prev,
	      unsigned *reused)
{
	const struct snap_service *is = &in->svc, *was;
	unsigned i;

	*ss = *is;
	ss->gauges = gauges;
	ss->sched_data = NULL;
	ss->share = NULL;
	ss->backends = NULL;
	if (ss->sched == NULL || is->mode >= SL_MODE_MAX)
		return -ENOTSUP;
	ss->backends = calloc(is->n_backends ? is->n_backends : 1, sizeof(*ss->backends));
	if (ss->backends == NULL)
		return -ENOMEM;
	for (i = 0; i < is->n_backends; i++) {
		struct snap_backend *b = &ss->backends[i];

		*b = is->backends[i];
	}
	/* Stateless schedulers (lc, wlc) have nothing to share: their build costs nothing. */
	was = prev_service(prev, ss);
	if (was != NULL && was->share != NULL && sched_inputs_equal(was, ss)) {
		ss->sched_data = was->sched_data;
		ss->share = was->share;
		ss->share->refs++;
		(*reused)++;
		return 0;
	}
	ss->sched_data = ss->sched->build(ss, n_workers);
	if (ss->sched_data == NULL)
		return -errno;
	if (ss->sched->shareable) {
		ss->share = malloc(sizeof(*ss->share));
		if (ss->share == NULL) {
			ss->sched->free(ss->sched_data);
			ss->sched_data = NULL;
			return -ENOMEM;
		}
		ss->share->refs = 1;
	}
	return 0;
}

/* Index service i under its key and its VIP, and its backends under their addresses. */
static int
service_index(struct snapshot *s, const struct snap_service *ss, unsigned i)
{
	bool v4 = addr46_is_v4(&ss->vip);
	unsigned j;

	if (v4) {
		struct svc_key k = { .vip = ss->vip.w[3], .port = ss->vport, .proto = ss->proto };

		if (rte_hash_add_key_data(s->svc_hash, &k, (void *)(uintptr_t)i) < 0 ||
		    rte_hash_add_key(s->vip_hash, &ss->vip.w[3]) < 0)
			return -1;
	} else {
		struct svc_key6 k = { .port = ss->vport, .proto = ss->proto };

		memcpy(k.vip, ss->vip.b, 16);
		if (rte_hash_add_key_data(s->svc6_hash, &k, (void *)(uintptr_t)i) < 0 ||
		    rte_hash_add_key(s->vip6_hash, ss->vip.b) < 0)
			return -1;
	}
	for (j = 0; j < ss->n_backends; j++) {
		const struct snap_backend *b = &ss->backends[j];
		bool bv4 = addr46_is_v4(&b->addr);
		struct rte_hash *h = bv4 ? s->be_hash : s->be6_hash;
		const void *key = bv4 ? (const void *)&b->addr.w[3] : b->addr.b;
		uintptr_t data = b->out_port == SNAP_NO_PORT ? 0 : 1u + b->out_port;
		void *had;

		/* A backend is of its VIP's family, but NAT64's (the config checks it). */
		if (bv4 != v4 && !(ss->mode == SL_MODE_NAT64 && bv4))
			return -1;
		/* One entry an address: a backend of several services is NAT's if any is. */
		if (ss->mode == SL_MODE_NAT)
			data |= SNAP_BE_NAT;
		if (rte_hash_lookup_data(h, key, &had) >= 0)
			data |= (uintptr_t)had & SNAP_BE_NAT;
		if (rte_hash_add_key_data(h, key, (void *)data) < 0)
			return -1;
	}
	return 0;
}

struct snapshot *
snapshot_build(const struct snap_svc_input *in, unsigned n, const struct vs_gauge *gauges,
	       unsigned n_workers, uint64_t version, const struct snapshot *prev)
{
	struct snapshot *s;
	unsigned i, n_be;
	int err = ENOMEM;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto fail;
	s->version = version;
	s->services = calloc(n ? n : 1, sizeof(*s->services));
	s->svc_hash = hash_create("svc", version, n, sizeof(struct svc_key));
	s->vip_hash = hash_create("vip", version, n, sizeof(uint32_t));
	s->svc6_hash = hash_create("svc6_", version, n, sizeof(struct svc_key6));
	s->vip6_hash = hash_create("vip6_", version, n, 16);
	for (i = 0, n_be = 0; i < n; i++)
		n_be += in[i].svc.n_backends;
	s->be_hash = hash_create("be", version, n_be, sizeof(uint32_t));
	s->be6_hash = hash_create("be6_", version, n_be, 16);
	if (s->services == NULL || s->svc_hash == NULL || s->vip_hash == NULL ||
	    s->be_hash == NULL || s->svc6_hash == NULL || s->vip6_hash == NULL ||
	    s->be6_hash == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		struct snap_service *ss = &s->services[i];
		int r;

		s->n_services = i + 1;
		r = service_build(ss, &in[i], gauges, n_workers, prev, &s->sched_reused);
		if (r < 0) {
			err = -r;
			goto fail;
		}
		if (service_index(s, ss, i) < 0) {
			err = EINVAL;
			goto fail;
		}
	}
	return s;
fail:
	snapshot_free(s);
	errno = err;
	return NULL;
}

void
snapshot_free(struct snapshot *s)
{
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_services; i++) {
		struct snap_service *ss = &s->services[i];

		if (ss->share != NULL) {
			if (--ss->share->refs == 0) {
				ss->sched->free(ss->sched_data);
				free(ss->share);
			}
		} else if (ss->sched && ss->sched_data) {
			ss->sched->free(ss->sched_data);
		}
		if (s->acl_free != NULL)
			s->acl_free(ss->acl);
		free(ss->backends);
	}
	if (s->acl_free != NULL)
		s->acl_free(s->acl);
	free(s->services);
	rte_hash_free(s->svc_hash);
	rte_hash_free(s->vip_hash);
	rte_hash_free(s->be_hash);
	rte_hash_free(s->svc6_hash);
	rte_hash_free(s->vip6_hash);
	rte_hash_free(s->be6_hash);
	free(s);
}

void
snapshot_adopt_acls(struct snapshot *s, struct snap_svc_input *in, unsigned n, struct acl *acl,
		    void (*free_fn)(struct acl *a))
{
	unsigned i;

	s->acl = acl;
	s->acl_free = free_fn;
	for (i = 0; i < n; i++)
		in[i].svc.acl = NULL;
}
