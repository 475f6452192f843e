/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_TCP_STATE_H
#define SLUICE_TCP_STATE_H

#include <stdint.h>

#include <rte_tcp.h>

/*
 * The TCP state of a conn as a load balancer in the middle sees it, after LVS
 * (net/netfilter/ipvs/ip_vs_proto_tcp.c): a state per conn, moved by the flags of each
 * packet and by its direction. The state only chooses the idle timeout and whether a conn
 * counts as active (ESTABLISHED) or inactive; sluice never answers for either end.
 */
enum tcp_state {
	TCP_S_NONE = 0,
	TCP_S_ESTABLISHED,
	TCP_S_SYN_SENT,
	TCP_S_SYN_RECV,
	TCP_S_FIN_WAIT,
	TCP_S_TIME_WAIT,
	TCP_S_CLOSE,
	TCP_S_CLOSE_WAIT,
	TCP_S_LAST_ACK,
	TCP_S_LISTEN,
	TCP_S_SYNACK,
	TCP_S_MAX,
	CONN_S_UDP = TCP_S_MAX, /* UDP conns have one state; it shares the timeout table */
	CONN_S_MAX
};

enum conn_dir { CONN_DIR_IN = 0, CONN_DIR_OUT = 1 }; /* IN: client -> backend */

/*
 * The rows of the table: a direction (enum conn_dir), or the client's packets of a conn
 * the node sees one way only (IPVS's INPUT_ONLY, for DR and TUN).
 */
#define TCP_ROW_IN_ONLY 2
#define TCP_ROWS 3

extern const uint8_t tcp_state_table[TCP_ROWS][4][TCP_S_MAX];

/**
 * The next state for a packet with `flags` in row `row` (its direction, or TCP_ROW_IN_ONLY).
 * RST wins over SYN, SYN over FIN, FIN over ACK, as in IPVS; a packet with none of them
 * leaves the state as it is. Any thread.
 */
static inline uint8_t
tcp_state_next(uint8_t cur, unsigned row, uint8_t flags)
{
	unsigned ev;

	if (flags & RTE_TCP_RST_FLAG)
		ev = 3;
	else if (flags & RTE_TCP_SYN_FLAG)
		ev = 0;
	else if (flags & RTE_TCP_FIN_FLAG)
		ev = 1;
	else if (flags & RTE_TCP_ACK_FLAG)
		ev = 2;
	else
		return cur;
	return tcp_state_table[row][ev][cur];
}

/** "ESTABLISHED", "SYN_RECV", ..., "UDP"; as ipvsadm -Lnc prints them. */
const char *conn_state_name(uint8_t state);

#endif
