/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tools/decap_load.h"

extern const unsigned char decap_bpf_o[];
extern const unsigned int decap_bpf_o_len;

struct bpf_object *
decap_load(uint16_t gue_port, char *err, size_t len)
{
	struct bpf_object *obj;
	struct bpf_map *rodata;
	unsigned char buf[64];
	const void *init;
	uint16_t port_be = htons(gue_port);
	size_t sz = 0;
	int e;

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	obj = bpf_object__open_mem(decap_bpf_o, decap_bpf_o_len, NULL);
	if (obj == NULL) {
		snprintf(err, len, "cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	/* the GUE port, a constant of the program (its .rodata) */
	rodata = bpf_object__find_map_by_name(obj, ".rodata");
	init = rodata ? bpf_map__initial_value(rodata, &sz) : NULL;
	if (init == NULL || sz < sizeof(port_be) || sz > sizeof(buf)) {
		snprintf(err, len, "the BPF object has no GUE port constant");
		goto fail;
	}
	memcpy(buf, init, sz);
	memcpy(buf, &port_be, sizeof(port_be)); /* its only constant: gue_port_be */
	e = bpf_map__set_initial_value(rodata, buf, sz);
	if (e) {
		snprintf(err, len, "cannot set the GUE port: %s", strerror(-e));
		goto fail;
	}
	e = bpf_object__load(obj);
	if (e) {
		snprintf(err, len, "cannot load the BPF program: %s (run as root)", strerror(-e));
		goto fail;
	}
	return obj;
fail:
	bpf_object__close(obj);
	return NULL;
}
