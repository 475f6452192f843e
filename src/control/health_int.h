/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_HEALTH_INT_H
#define SLUICE_HEALTH_INT_H

#include <curl/curl.h>

#include "control/health.h"

/*
 * Inside the health module: health.c keeps the targets and their state; a probe file per
 * kind of check (health_curl.c: tcp, http; health_udp.c: udp, dns) runs one check of a
 * target and reports it with health_done().
 */

struct health_key {
	union addr46 vip;
	uint16_t vport;
	uint8_t proto;
	uint8_t pad;
	union addr46 addr; /* the backend, of the VIP's family */
	uint16_t port;
	uint16_t pad2;
};

struct hc_target {
	struct health_key key;
	struct cfg_hc hc;        /* the effective check (service's + backend's overrides) */
	struct health_status st;
	uint64_t due_ms;         /* when the next check starts */
	uint64_t started_ms;     /* the check in flight started then; 0 = none in flight */
	uint64_t deadline_ms;    /* udp, dns: no answer by then is a failure */
	/* probe state */
	CURL *easy;              /* tcp, http: the handle is kept between checks, never a
				  * connection (each check connects anew) */
	struct curl_slist *hdrs; /* http: the Host header */
	int fd;                  /* udp, dns: the socket in flight, -1 = none */
	uint16_t dns_id;
	char desc[2 * ADDR46_STR_MAX + 4]; /* "10.0.2.11:8080 of 10.0.0.10:80/tcp", for the log */
};

struct health {
	struct hc_target **t; /* sorted by key */
	unsigned n;
	CURLM *multi;
	uint64_t now_ms;      /* of the current poll */
	unsigned changed;     /* state changes in the current poll */
};

struct hc_ops {
	/* Start a check; on failure to even start, report it with health_done. */
	void (*start)(struct health *h, struct hc_target *t);
	/* Advance the check in flight of t (udp, dns); NULL when the module polls (curl). */
	void (*poll)(struct health *h, struct hc_target *t);
	/* Forget the check in flight and free the probe's state of t. */
	void (*cancel)(struct health *h, struct hc_target *t);
};

extern const struct hc_ops hc_curl_ops; /* tcp, http */
extern const struct hc_ops hc_udp_ops;  /* udp, dns */

/** Advance every curl transfer and report the finished ones. */
void hc_curl_poll_all(struct health *h);

/** The end of a check: the state machine, the log line, the next due time. */
void health_done(struct health *h, struct hc_target *t, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
