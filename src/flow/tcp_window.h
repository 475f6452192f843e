/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_TCP_WINDOW_H
#define SLUICE_TCP_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "flow/conn.h"
#include "flow/tcp_state.h"

/*
 * The guard against blind resets. A RST that only gets the 4-tuple right would put a conn in
 * CLOSE and end it; Linux conntrack lets through only a RST whose sequence number lies in
 * the receiver's window, and so does sluice: a RST (or a SYN on a synchronized conn) from
 * one side must carry a sequence number near that side's right edge, the highest sequence
 * number it has sent up to (struct conn's seq_end), which the node sees on the way.
 *
 * How near: a real stack's RST carries its next sequence number (the edge itself, or a
 * little beyond when its last segments were lost before the node) or, answering a segment,
 * that segment's acknowledgement (behind the edge by what is in flight). So the tolerance is
 * the largest amount of that side's data the node has seen in flight (edge minus the other
 * side's ACK), rounded up to a power of two and doubled, at least 128 KiB (twice the
 * largest unscaled window): a blind guess hits with odds of at most 2^18 in 2^32 on a
 * quiet conn. It lives in a nibble a side (struct conn's win_log), so the conn stays one
 * cache line.
 *
 * A side whose edge is not known yet (the backend before its SYN-ACK) is not checked: its
 * RST answers a SYN, with a sequence number of its own choosing.
 */

#define TCP_WIN_MIN_LOG 17 /* the smallest tolerance, 128 KiB */
#define TCP_WIN_MAX_NIBBLE 14 /* 2^(17 + 14) = 2^31: half the sequence space */

/** The bit of conn flags that says side dir's edge is known. */
static inline uint8_t
tcp_window_edge_bit(enum conn_dir dir)
{
	return (uint8_t)(CONN_F_EDGE_IN << dir);
}

/** The TCP payload bytes of a segment: l4_len bytes from its TCP header th to the IP end. */
static inline uint32_t
tcp_payload_len(const struct rte_tcp_hdr *th, uint32_t l4_len)
{
	uint32_t hl = (uint32_t)(th->data_off >> 4) * 4;

	return l4_len > hl ? l4_len - hl : 0;
}

/**
 * Record a segment of conn c from side dir that the node forwards: its end moves the side's
 * edge right, its ACK tells how much of the other side's data is in flight. Owner worker.
 */
static inline void
tcp_window_track(struct conn *c, enum conn_dir dir, const struct rte_tcp_hdr *th,
		 uint32_t payload, uint8_t tcp_flags)
{
	enum conn_dir other = (enum conn_dir)(dir ^ 1);
	uint32_t end = rte_be_to_cpu_32(th->sent_seq) + payload +
		       ((tcp_flags & RTE_TCP_SYN_FLAG) != 0) + ((tcp_flags & RTE_TCP_FIN_FLAG) != 0);
	int32_t flight;

	if (!(c->flags & tcp_window_edge_bit(dir)) || (int32_t)(end - c->seq_end[dir]) > 0) {
		c->seq_end[dir] = end;
		c->flags |= tcp_window_edge_bit(dir);
	}
	if (!(tcp_flags & RTE_TCP_ACK_FLAG) || !(c->flags & tcp_window_edge_bit(other)))
		return;
	flight = (int32_t)(c->seq_end[other] - rte_be_to_cpu_32(th->recv_ack));
	if (unlikely(flight > 65536)) {
		/* 2^(16 + v) >= flight: v = ceil(log2(flight)) - 16 */
		unsigned v = 32u - (unsigned)__builtin_clz((uint32_t)flight - 1) - 16u;
		unsigned sh = 4u * (unsigned)other;

		if (v > TCP_WIN_MAX_NIBBLE)
			v = TCP_WIN_MAX_NIBBLE;
		if (v > ((c->win_log >> sh) & 0xfu))
			c->win_log = (uint8_t)((c->win_log & ~(0xfu << sh)) | (v << sh));
	}
}

/**
 * Whether a RST or SYN from side dir of conn c may act on it: its sequence number is
 * within the side's tolerance of the side's edge, or that edge is not known. Owner worker.
 */
static inline bool
tcp_window_ok(const struct conn *c, enum conn_dir dir, const struct rte_tcp_hdr *th)
{
	unsigned v = (c->win_log >> (4u * (unsigned)dir)) & 0xfu;
	int32_t d;

	if (!(c->flags & tcp_window_edge_bit(dir)))
		return true;
	d = (int32_t)(rte_be_to_cpu_32(th->sent_seq) - c->seq_end[dir]);
	return (uint32_t)(d < 0 ? -(int64_t)d : d) < (1u << (TCP_WIN_MIN_LOG + v));
}

/**
 * Whether a segment with tcp_flags from side dir must pass tcp_window_ok() before it
 * touches c: every RST, and a SYN once the conn is synchronized (a SYN before that is the
 * handshake's own or its retransmission; TIME_WAIT and CLOSE conns are reused by a SYN).
 */
static inline bool
tcp_window_checks(const struct conn *c, uint8_t tcp_flags)
{
	if (tcp_flags & RTE_TCP_RST_FLAG)
		return true;
	return (tcp_flags & RTE_TCP_SYN_FLAG) &&
	       (c->state == TCP_S_ESTABLISHED || c->state == TCP_S_FIN_WAIT ||
		c->state == TCP_S_CLOSE_WAIT || c->state == TCP_S_LAST_ACK);
}

#endif
