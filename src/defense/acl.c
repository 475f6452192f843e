/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>

#include "defense/acl.h"

/*
 * One rte_acl context a family, its rules in two categories: a deny prefix matches in
 * category 0, an allow prefix in category 1, so one classification answers both lists.
 * rte_acl wants its first field one byte long and the others in 4-byte groups: the input
 * is a zero byte (any rule matches it), three bytes of padding, then the source address,
 * one 4-byte word (IPv4) or four (IPv6) in network order. Rules are in host order.
 */

enum { CAT_DENY = 0, CAT_ALLOW = 1, N_CATS = 2 };

#define WORDS6 4

struct acl_in {
	uint8_t zero;
	uint8_t pad[3];
	uint32_t src[WORDS6]; /* network order; IPv4: src[0] */
};

RTE_ACL_RULE_DEF(acl_rule6, 1 + WORDS6);

struct acl {
	struct rte_acl_ctx *ctx4; /* NULL: no prefix of the family */
	struct rte_acl_ctx *ctx6;
	bool has_allow;           /* an allow list: a source on none of it is refused */
	/*
	 * Sharing: every snapshot builds its ACLs, and most commits change no list. An ACL is
	 * kept while a snapshot holds it; acl_build() of the same lists takes another
	 * reference instead of building again (rte_acl's build is slow: ~0.2 s for 20 000
	 * prefixes). Control thread only, as building and freeing are.
	 */
	unsigned refs;
	uint32_t digest;
	unsigned n_deny, n_allow;
	struct acl_prefix *lists; /* deny, then allow: what it was built from */
	struct acl *next;         /* the live ACLs */
};

static struct acl *live;

static void
field_defs(struct rte_acl_config *cfg, unsigned words)
{
	unsigned i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->num_categories = N_CATS;
	cfg->num_fields = 1 + words;
	cfg->defs[0] = (struct rte_acl_field_def){
		.type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = 0,
		.input_index = 0, .offset = offsetof(struct acl_in, zero),
	};
	for (i = 0; i < words; i++)
		cfg->defs[1 + i] = (struct rte_acl_field_def){
			.type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = (uint8_t)(1 + i),
			.input_index = (uint8_t)(1 + i),
			.offset = (uint32_t)(offsetof(struct acl_in, src) + 4 * i),
		};
}

/* The rule of prefix p in category cat, in a context of `words` address words. */
static void
rule_of(struct acl_rule6 *r, const struct acl_prefix *p, unsigned words, unsigned cat,
	uint32_t priority)
{
	const uint32_t *w = words == 1 ? &p->addr.w[3] : p->addr.w;
	unsigned i;

	memset(r, 0, sizeof(*r));
	r->data.category_mask = 1u << cat;
	r->data.priority = (int32_t)priority;
	r->data.userdata = 1;
	for (i = 0; i < words; i++) {
		int bits = (int)p->len - 32 * (int)i;

		r->field[1 + i].value.u32 = rte_be_to_cpu_32(w[i]);
		r->field[1 + i].mask_range.u32 = bits <= 0 ? 0 : bits >= 32 ? 32 : (uint32_t)bits;
	}
}

static unsigned
count_family(const struct acl_prefix *l, unsigned n, bool v4)
{
	unsigned i, k = 0;

	for (i = 0; i < n; i++)
		k += addr46_is_v4(&l[i].addr) == v4;
	return k;
}

/* The context of one family's prefixes of both lists; *ctx stays NULL when it has none. */
static int
build_family(struct rte_acl_ctx **ctx, bool v4, const struct acl_prefix *deny,
	     unsigned n_deny, const struct acl_prefix *allow, unsigned n_allow, int socket)
{
	static unsigned seq;
	unsigned words = v4 ? 1 : WORDS6, n, i, k = 0;
	struct rte_acl_config cfg;
	struct acl_rule6 *rules;
	char name[RTE_ACL_NAMESIZE];
	int r;

	n = count_family(deny, n_deny, v4) + count_family(allow, n_allow, v4);
	if (n == 0)
		return 0;
	snprintf(name, sizeof(name), "acl%c_%u", v4 ? '4' : '6', __atomic_fetch_add(&seq, 1,
										 __ATOMIC_RELAXED));
	rules = calloc(n, sizeof(*rules));
	*ctx = rte_acl_create(&(struct rte_acl_param){ .name = name, .socket_id = socket,
						       .rule_size = sizeof(*rules), /* IPv4: 3 words unused */
						       .max_rule_num = n });
	if (*ctx == NULL || rules == NULL) {
		free(rules);
		return -ENOMEM;
	}
	for (i = 0; i < n_deny; i++)
		if (addr46_is_v4(&deny[i].addr) == v4)
			rule_of(&rules[k++], &deny[i], words, CAT_DENY, 1);
	for (i = 0; i < n_allow; i++)
		if (addr46_is_v4(&allow[i].addr) == v4)
			rule_of(&rules[k++], &allow[i], words, CAT_ALLOW, 1);
	r = rte_acl_add_rules(*ctx, (const struct rte_acl_rule *)rules, n);
	free(rules);
	if (r < 0)
		return r;
	field_defs(&cfg, words);
	return rte_acl_build(*ctx, &cfg);
}

static uint32_t
lists_digest(const struct acl_prefix *deny, unsigned n_deny, const struct acl_prefix *allow,
	     unsigned n_allow)
{
	uint32_t h = rte_hash_crc(deny, sizeof(*deny) * n_deny, n_deny);

	return rte_hash_crc(allow, sizeof(*allow) * n_allow, h ^ n_allow);
}

/* The live ACL built from exactly these lists, or NULL. */
static struct acl *
acl_find(uint32_t digest, const struct acl_prefix *deny, unsigned n_deny,
	 const struct acl_prefix *allow, unsigned n_allow)
{
	struct acl *a;

	for (a = live; a != NULL; a = a->next)
		if (a->digest == digest && a->n_deny == n_deny && a->n_allow == n_allow &&
		    memcmp(a->lists, deny, sizeof(*deny) * n_deny) == 0 &&
		    memcmp(a->lists + n_deny, allow, sizeof(*allow) * n_allow) == 0)
			return a;
	return NULL;
}

struct acl *
acl_build(const struct acl_prefix *deny, unsigned n_deny, const struct acl_prefix *allow,
	  unsigned n_allow, int socket)
{
	uint32_t digest;
	struct acl *a;
	int r;

	if (n_deny > ACL_MAX_RULES || n_allow > ACL_MAX_RULES) {
		errno = EINVAL;
		return NULL;
	}
	digest = lists_digest(deny, n_deny, allow, n_allow);
	a = acl_find(digest, deny, n_deny, allow, n_allow);
	if (a != NULL) {
		a->refs++;
		return a;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->refs = 1;
	a->digest = digest;
	a->n_deny = n_deny;
	a->n_allow = n_allow;
	a->lists = malloc(sizeof(*a->lists) * (n_deny + n_allow + 1));
	if (a->lists == NULL) {
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	/* an empty list may come as NULL, which memcpy must not get even for 0 bytes */
	if (n_deny > 0)
		memcpy(a->lists, deny, sizeof(*deny) * n_deny);
	if (n_allow > 0)
		memcpy(a->lists + n_deny, allow, sizeof(*allow) * n_allow);
	a->has_allow = n_allow > 0;
	r = build_family(&a->ctx4, true, deny, n_deny, allow, n_allow, socket);
	if (r == 0)
		r = build_family(&a->ctx6, false, deny, n_deny, allow, n_allow, socket);
	if (r < 0) {
		rte_acl_free(a->ctx4);
		rte_acl_free(a->ctx6);
		free(a->lists);
		free(a);
		errno = -r;
		return NULL;
	}
	a->next = live;
	live = a;
	return a;
}

void
acl_free(struct acl *a)
{
	struct acl **p;

	if (a == NULL || --a->refs > 0)
		return;
	for (p = &live; *p != NULL; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			break;
		}
	rte_acl_free(a->ctx4);
	rte_acl_free(a->ctx6);
	free(a->lists);
	free(a);
}

static unsigned
classify(const struct acl *a, const struct rte_acl_ctx *ctx, const struct acl_in *in)
{
	uint32_t res[RTE_ACL_RESULTS_MULTIPLIER] = { 0 };
	const uint8_t *data = (const uint8_t *)in;

	if (ctx != NULL)
		rte_acl_classify(ctx, &data, res, 1, RTE_ACL_RESULTS_MULTIPLIER);
	if (res[CAT_DENY] != 0)
		return DROP_acl_denied;
	if (a->has_allow && res[CAT_ALLOW] == 0)
		return DROP_acl_not_allowed;
	return 0;
}

unsigned
acl_check4(const struct acl *a, uint32_t src)
{
	struct acl_in in = { .src = { src } };

	if (a == NULL)
		return 0;
	return classify(a, a->ctx4, &in);
}

unsigned
acl_check6(const struct acl *a, const uint8_t src[16])
{
	struct acl_in in = { 0 };

	if (a == NULL)
		return 0;
	memcpy(in.src, src, 16);
	return classify(a, a->ctx6, &in);
}
