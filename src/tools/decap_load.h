/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_DECAP_LOAD_H
#define SLUICE_DECAP_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include <bpf/libbpf.h>

/**
 * Open the embedded decapsulation program (decap.bpf.c), set its GUE port (host order; 0:
 * no GUE) and load it into the kernel. The object, or NULL with why in err (len bytes).
 * sluice-decap and its benchmark.
 */
struct bpf_object *decap_load(uint16_t gue_port, char *err, size_t len);

#endif
