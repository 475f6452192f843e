/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_KINDS_H
#define SLUICE_KINDS_H

/*
 * The kinds the data plane dispatches on, by the numbers the configuration stores: the
 * forwarding modes (forward/fwd.c's ops table), the schedulers (sched/sched.c's) and what
 * Maglev hashes. The configuration names them (config_service.c's tables).
 */

/*
 * The forwarding modes: those a service names (`mode:`, SL_MODE_NAMED of them), then those
 * the data plane derives: NAT64 is a fullnat service of an IPv6 VIP over IPv4 backends, and
 * the _CA ones are fullnat and NAT64 that tell the backend the client's address
 * (`client_address:`), whose conns bind them so that the others' packets pay nothing for it.
 */
enum sl_mode { SL_MODE_FULLNAT = 0, SL_MODE_DR, SL_MODE_TUN, SL_MODE_NAT, SL_MODE_NAMED,
	       SL_MODE_NAT64 = SL_MODE_NAMED, SL_MODE_FULLNAT_CA, SL_MODE_NAT64_CA,
	       SL_MODE_MAX };
enum sl_sched { SL_SCHED_RR = 0, SL_SCHED_WRR, SL_SCHED_LC, SL_SCHED_WLC, SL_SCHED_SH,
		SL_SCHED_MAGLEV, SL_SCHED_MAX };
/* What Maglev (and sh) hash: the 5-tuple, or the source address alone. */
enum sl_hash { SL_HASH_TUPLE = 0, SL_HASH_SOURCE, SL_HASH_MAX };
/* How a FULLNAT backend learns its client (`client_address:`, forward/client_addr.h). */
enum sl_client_addr { SL_CA_NONE = 0, SL_CA_TOA, SL_CA_PROXY_V1, SL_CA_PROXY_V2, SL_CA_MAX };
/* How mode tun wraps a client's packet: an IP header of the packet's family (IPIP, IPv6 in
 * IPv6), or UDP to the GUE port and a GUE header (version 0, RFC draft-ietf-intarea-gue). */
enum sl_tunnel { SL_TUNNEL_IPIP = 0, SL_TUNNEL_GUE, SL_TUNNEL_MAX };

#endif
