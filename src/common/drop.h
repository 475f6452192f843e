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
	X(mac_bad_source)    /* source MAC is broadcast or multicast */                    \
	X(mac_not_ours)      /* destination MAC is not the port's (ARP excepted) */        \
	X(unsupported_l3)    /* neither IPv4, IPv6 nor ARP; or a mode without IPv6 */      \
	X(ip_truncated)      /* frame too short for the IPv4 header it announces */       \
	X(bad_ip_header)     /* version != 4 or IHL < 5 */                                 \
	X(bad_ip_length)     /* total length beyond the frame or shorter than the header */ \
	X(bad_ip_checksum)                                                                 \
	X(ip_options)        /* IPv4 options: not forwarded, as Katran */                  \
	X(ip_fragment)       /* fragments: no reassembly yet (af_packet: the kernel's) */  \
	X(ip6_ext_header)    /* IPv6: AH, ESP, an unknown or routing header, a long chain */ \
	X(ttl_exceeded)      /* TTL would reach 0 on forwarding (time-exceeded sent back) */ \
	X(src_martian)       /* source in 0/8, 127/8, 224/4 or 240/4 (255.255.255.255) */ \
	X(src_broadcast)     /* source is a port subnet's broadcast address */             \
	X(src_local)         /* source is an address of this node: port, LIP or VIP */      \
	X(src_backend)       /* a backend's address, arriving where that backend is not */  \
	X(land)              /* source address equals destination address */               \
	X(tcp_syn_fin)       /* SYN and FIN together */                                     \
	X(tcp_syn_rst)       /* SYN and RST together */                                     \
	X(tcp_null)          /* no flag at all */                                          \
	X(tcp_xmas)          /* FIN, PSH and URG (the xmas scan) */                        \
	X(tcp_fin_no_ack)    /* FIN without ACK */                                         \
	X(tcp_rst_out_of_window) /* a RST far from its side's sequence numbers (blind) */  \
	X(tcp_syn_out_of_window) /* the same of a SYN on a synchronized conn */            \
	X(bad_icmp_checksum) /* an ICMP message to the node whose checksum is wrong */     \
	X(l4_truncated)      /* TCP/UDP/ICMP header beyond the IP payload */              \
	X(bad_tcp_header)    /* TCP data offset < 5 or beyond the payload */              \
	X(unsupported_proto) /* an IP protocol other than TCP, UDP, ICMP */               \
	X(arp_malformed)                                                                   \
	X(arp_ignored)       /* ARP not for an address of ours */                          \
	X(nd_malformed)      /* a neighbour solicitation RFC 4861 7.1.1 refuses */         \
	X(nd_ignored)        /* IPv6 neighbour discovery not for an address of ours */     \
	X(icmp_unhandled)    /* ICMP other than an echo request or an error, or not ours */ \
	X(icmp_no_conn)      /* an ICMP error about no conn of this worker nor the kernel */  \
	X(not_for_us)        /* destination is no VIP, LIP or port address */              \
	X(no_service)        /* destination is a VIP address but not this port/proto */   \
	X(no_conn)           /* no conn for a packet that cannot start one */              \
	X(acl_denied)        /* a new conn from a source on a deny list */                 \
	X(acl_not_allowed)   /* a new conn from a source on no prefix of an allow list */   \
	X(syn_rate)          /* a new conn over its service's syn_rate */                  \
	X(source_rate)       /* a new conn over its client's source_rate */                \
	X(sp_bad_cookie)     /* SYN proxy: an ACK of no conn without a good cookie (reset) */ \
	X(sp_wait)           /* SYN proxy: a client's segment while the backend's SYN is out, \
				beyond the one held */                                     \
	X(sp_unexpected)     /* SYN proxy: a backend's segment that answers no SYN of ours */ \
	X(conn_table_full)                                                                 \
	X(no_backend)        /* the service has no backend that takes new conns */        \
	X(no_local_port)     /* every LIP port of this worker is in use */                \
	X(no_route)                                                                        \
	X(neigh_unresolved)  /* next hop MAC not known yet; resolution was asked for */   \
	X(too_big)           /* over the egress MTU once the mode's headers are on, DF set or \
				IPv6: fragmentation-needed / packet-too-big sent back */ \
	X(too_big_no_df)     /* the same without DF: sluice does not fragment */           \
	X(no_room)           /* no room in the frame for the mode's headers (segmented) */  \
	X(handoff_full)      /* the owning worker's ring was full */                       \
	X(peer_limit)        /* unknown conn: over the rate at which peers get such packets */ \
	X(tx_full)           /* the port's TX queue did not take the packet */

#define DROP_ENUM(name) DROP_##name,
enum drop_reason { DROP_NONE = 0, DROP_REASONS(DROP_ENUM) DROP_MAX };
#undef DROP_ENUM

/** The operator-visible name of a reason ("bad_ip_header"). */
const char *drop_name(unsigned reason);

#endif
