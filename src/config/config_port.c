/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ports of a document: name, device and addresses (an IPv4 one, and an IPv6 one beside
 * it), each checked alone here and against each other in config_check.c.
 *
 * This file must not include DPDK headers: sluicectl links it to check files offline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/devstr.h"
#include "config/config.h"
#include "config/config_int.h"

static const char *const port_keys[] = { "name", "device", "address", NULL };

static int parse_port_addrs(struct vctx *v, const json_t *j, const struct loc *l,
			    struct cfg_port *p);

static int
parse_port(struct vctx *v, const json_t *o, const struct loc *ol, struct cfg_port *p)
{
	char why[160];
	const json_t *j;
	const char *s = NULL;
	struct loc l;
	int rc;

	rc = cfgv_get_object(v, o, ol, port_keys);
	if (rc < 0)
		return rc;
	j = cfgv_required(v, o, ol, "name", &l);
	if (j == NULL)
		return -EINVAL;
	rc = cfgv_get_str(v, j, &l, SL_NAME_MAX - 1, &s);
	if (rc < 0)
		return rc;
	/* Names end up in metric labels and CLI tables: keep them plain. */
	if (!cfgv_name_ok(s))
		return cfgv_verr(v, &l, "'%s': a name may only contain letters, digits, '-', '_' "
			    "and '.'", s);
	snprintf(p->name, sizeof(p->name), "%s", s);
	j = cfgv_required(v, o, ol, "device", &l);
	if (j == NULL)
		return -EINVAL;
	rc = cfgv_get_str(v, j, &l, SL_DEVICE_MAX - 1, &s);
	if (rc < 0)
		return rc;
	if (devstr_check(s, why, sizeof(why)) < 0)
		return cfgv_verr(v, &l, "%s", why);
	snprintf(p->device, sizeof(p->device), "%s", s);
	j = cfgv_required(v, o, ol, "address", &l);
	if (j == NULL)
		return -EINVAL;
	return parse_port_addrs(v, j, &l, p);
}

/* The IPv4 address of a port, with its subnet. */
static int
parse_port_v4(struct vctx *v, const json_t *j, const struct loc *lp, struct cfg_port *p)
{
	char buf[ADDR_STR_MAX];
	const struct loc l = *lp;
	const char *s;
	uint32_t mask;
	int rc;

	rc = cfgv_get_prefix(v, j, &l, &p->addr, &p->prefix_len);
	if (rc < 0)
		return rc;
	s = json_string_value(j);
	if (p->prefix_len == 0)
		return cfgv_verr(v, &l, "'%s': the prefix length gives the port's subnet and must "
			    "be 1..32", s);
	if (!cfgv_ip_is_unicast(p->addr))
		return cfgv_verr(v, &l, "'%s' is not a unicast address", s);
	/* Writing the subnet ("10.0.1.0/24") instead of the port's own address is common. */
	mask = addr_prefix_mask(p->prefix_len);
	if (p->prefix_len <= 30 && ((p->addr & ~mask) == 0 || (p->addr | mask) == 0xffffffffu))
		return cfgv_verr(v, &l, "'%s' is the subnet's network or broadcast address; give "
			    "the port's own address (e.g. %s/%u)", s,
			    addr_fmt_ip(buf, (p->addr & mask) | htonl(1)), p->prefix_len);
	return 0;
}

/*
 * A port's `address`: its IPv4 address and subnet, or a list of one address per family,
 * [10.0.1.1/24, "2001:db8:1::1/64"]. The IPv4 one is required: the data plane forwards
 * IPv4; on IPv6 the port answers neighbour discovery and echo.
 */
static int
parse_port_addrs(struct vctx *v, const json_t *j, const struct loc *l, struct cfg_port *p)
{
	size_t i, n;
	int rc, v4 = 0;

	if (json_is_string(j) && strchr(json_string_value(j), ':') == NULL)
		return parse_port_v4(v, j, l, p);
	if (!json_is_array(j))
		return cfgv_verr(v, l, json_is_string(j) ?
				 "a port needs its IPv4 address; give both in a list, e.g. "
				 "[10.0.1.1/24, \"2001:db8:1::1/64\"]" :
				 "expected an address or a list of one per family");
	n = json_array_size(j);
	if (n == 0 || n > 2)
		return cfgv_verr(v, l, "a list of 1 or 2 addresses, at most one per family");
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(j, i);
		struct loc el;

		cfgv_loc_elem(&el, l, j, i);
		if (json_is_string(e) && strchr(json_string_value(e), ':') != NULL) {
			if (p->has_addr6)
				return cfgv_verr(v, &el, "a second IPv6 address (one per family)");
			rc = cfgv_get_prefix6(v, e, &el, &p->addr6, &p->prefix6_len);
			p->has_addr6 = rc == 0;
		} else if (v4) {
			return cfgv_verr(v, &el, "a second IPv4 address (one per family)");
		} else {
			rc = parse_port_v4(v, e, &el, p);
			v4 = rc == 0;
		}
		if (rc < 0)
			return rc;
	}
	if (!v4)
		return cfgv_verr(v, l, "a port needs its IPv4 address beside the IPv6 one");
	return 0;
}

int
cfg_parse_ports(struct vctx *v, const json_t *dp, const struct loc *dl, struct cfg *c)
{
	const json_t *arr;
	struct loc al;
	size_t n, i, k;
	int rc;

	arr = cfgv_required(v, dp, dl, "ports", &al);
	if (arr == NULL)
		return -EINVAL;
	rc = cfgv_get_list(v, arr, &al, SL_MAX_PORTS, "ports");
	if (rc < 0)
		return rc;
	n = json_array_size(arr);
	if (n == 0)
		return cfgv_verr(v, &al, "at least one port is required");
	for (i = 0; i < n; i++) {
		struct cfg_port *p = &c->ports[i];
		const json_t *o = json_array_get(arr, i);
		struct loc l, fl;

		cfgv_loc_elem(&l, &al, arr, i);
		rc = parse_port(v, o, &l, p);
		if (rc < 0)
			return rc;
		c->n_ports = (unsigned)(i + 1);
		for (k = 0; k < i; k++) {
			if (strcmp(c->ports[k].name, p->name) == 0) {
				cfgv_loc_member(&fl, &l, o, "name");
				return cfgv_verr(v, &fl, "duplicate port name '%s' (also ports[%zu])",
					    p->name, k);
			}
			if (strcmp(c->ports[k].device, p->device) == 0) {
				cfgv_loc_member(&fl, &l, o, "device");
				return cfgv_verr(v, &fl, "device '%s' is already used by ports[%zu]",
					    p->device, k);
			}
		}
	}
	return cfg_check_ports(v, &al, arr, c);
}
