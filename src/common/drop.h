/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_DROP_H
#define SLUICE_DROP_H

/*
 * Every packet sluice does not forward or answer is counted under one of these reasons,
 * per worker. The names are the operator's vocabulary: they show in `sluicectl stats`, the
 * API and the metrics, so renaming one is an interface change.
 */
#define DROP_REASONS(X)                                                                   \
	X(eth_truncated)     /* frame shorter than an Ethernet header */                  \
	X(unsupported_l3)    /* neither IPv4 nor ARP (IPv6 is not handled yet) */          \
	X(ip_truncated)      /* frame too short for the IPv4 header it announces */       \
	X(bad_ip_header)     /* version != 4 or IHL < 5 */                                 \
	X(bad_ip_length)     /* total length beyond the frame or shorter than the header */ \
	X(bad_ip_checksum)                                                                 \
	X(ip_options)        /* IPv4 options: not forwarded, as Katran */                  \
	X(ip_fragment)       /* fragments: no reassembly yet */                            \
	X(ttl_exceeded)      /* TTL would reach 0 on forwarding */                         \
	X(l4_truncated)      /* TCP/UDP/ICMP header beyond the IP payload */              \
	X(bad_tcp_header)    /* TCP data offset < 5 or beyond the payload */              \
	X(unsupported_proto) /* an IP protocol other than TCP, UDP, ICMP */               \
	X(arp_malformed)                                                                   \
	X(arp_ignored)       /* ARP not for an address of ours */                          \
	X(icmp_unhandled)    /* ICMP other than an echo request to an address of ours */  \
	X(not_for_us)        /* destination is no VIP, LIP or port address */              \
	X(no_service)        /* destination is a VIP address but not this port/proto */   \
	X(no_conn)           /* no conn for a packet that cannot start one */              \
	X(conn_table_full)                                                                 \
	X(no_backend)        /* the service has no backend that takes new conns */        \
	X(no_local_port)     /* every LIP port of this worker is in use */                \
	X(no_route)                                                                        \
	X(neigh_unresolved)  /* next hop MAC not known yet; resolution was asked for */   \
	X(handoff_full)      /* the owning worker's ring was full */                       \
	X(peer_limit)        /* unknown conn: over the rate at which peers get such packets */ \
	X(tx_full)           /* the port's TX queue did not take the packet */

#define DROP_ENUM(name) DROP_##name,
enum drop_reason { DROP_NONE = 0, DROP_REASONS(DROP_ENUM) DROP_MAX };
#undef DROP_ENUM

/** The operator-visible name of a reason ("bad_ip_header"). */
const char *drop_name(unsigned reason);

#endif
