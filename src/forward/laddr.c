/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_malloc.h>

#include "forward/laddr.h"

struct lip_ports {
	uint16_t *ring; /* host order */
	uint32_t size;  /* ports in this worker's slice */
	uint32_t head;  /* next to hand out */
	uint32_t count; /* free */
};

struct laddr_pool {
	unsigned n_lips;
	unsigned next;
	struct lip_ports lips[];
};

struct laddr_pool *
laddr_pool_create(unsigned n_lips, unsigned worker, uint16_t mask, int socket)
{
	struct laddr_pool *p;
	unsigned i, port, k;

	p = rte_zmalloc_socket("laddr", sizeof(*p) + sizeof(p->lips[0]) * n_lips, 0, socket);
	if (p == NULL)
		goto nomem;
	p->n_lips = n_lips;
	for (i = 0; i < n_lips; i++) {
		struct lip_ports *l = &p->lips[i];

		l->ring = rte_malloc_socket("laddr_ports", sizeof(uint16_t) * 65536, 0, socket);
		if (l->ring == NULL)
			goto nomem;
		k = 0;
		for (port = LADDR_PORT_MIN; port <= 65535; port++)
			if ((port & mask) == worker)
				l->ring[k++] = (uint16_t)port;
		l->size = l->count = k;
	}
	return p;
nomem:
	laddr_pool_free(p);
	errno = ENOMEM;
	return NULL;
}

void
laddr_pool_free(struct laddr_pool *p)
{
	unsigned i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_lips; i++)
		rte_free(p->lips[i].ring);
	rte_free(p);
}

int
laddr_alloc(struct laddr_pool *p, uint8_t *lip_idx, uint16_t *port_be)
{
	unsigned k;

	/* Round robin over LIPs, skipping exhausted ones: at most one pass. */
	for (k = 0; k < p->n_lips; k++) {
		unsigned i = p->next;
		struct lip_ports *l = &p->lips[i];

		p->next = i + 1 == p->n_lips ? 0 : i + 1;
		if (l->count == 0)
			continue;
		*lip_idx = (uint8_t)i;
		*port_be = rte_cpu_to_be_16(l->ring[l->head]);
		l->head = l->head + 1 == l->size ? 0 : l->head + 1;
		l->count--;
		return 0;
	}
	return -ENOSPC;
}

void
laddr_free(struct laddr_pool *p, uint8_t lip_idx, uint16_t port_be)
{
	struct lip_ports *l = &p->lips[lip_idx];
	uint32_t tail = l->head + l->count;

	if (tail >= l->size)
		tail -= l->size;
	l->ring[tail] = rte_be_to_cpu_16(port_be);
	l->count++;
}

uint32_t
laddr_free_count(const struct laddr_pool *p, uint8_t lip_idx)
{
	return p->lips[lip_idx].count;
}
