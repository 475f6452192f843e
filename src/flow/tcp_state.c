/* SPDX-License-Identifier: Apache-2.0 */
#include "flow/tcp_state.h"

#define sNO TCP_S_NONE
#define sES TCP_S_ESTABLISHED
#define sSS TCP_S_SYN_SENT
#define sSR TCP_S_SYN_RECV
#define sFW TCP_S_FIN_WAIT
#define sTW TCP_S_TIME_WAIT
#define sCL TCP_S_CLOSE
#define sCW TCP_S_CLOSE_WAIT
#define sLA TCP_S_LAST_ACK
#define sLI TCP_S_LISTEN
#define sSA TCP_S_SYNACK

/*
 * [row][event: syn fin ack rst][current state]. IN is what the client sends, OUT what the
 * backend sends, IN_ONLY what the client sends to a conn whose backend answers it directly
 * (DR, TUN: the node never sees the other half, so a client's FIN means FIN_WAIT, not
 * CLOSE_WAIT, and its RST closes even a SYNACK conn). The values are those of Linux IPVS
 * today (a bare ACK to no conn closes it, as IPVS has done since 2.6.x dropped the old ES
 * there); the layout is ours. Columns: sNO sES sSS sSR sFW sTW sCL sCW sLA sLI sSA.
 */
const uint8_t tcp_state_table[TCP_ROWS][4][TCP_S_MAX] = {
	[CONN_DIR_IN] = {
		/* syn */ { sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR },
		/* fin */ { sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW },
		/* ack */ { sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES },
		/* rst */ { sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR },
	},
	[CONN_DIR_OUT] = {
		/* syn */ { sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR },
		/* fin */ { sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW },
		/* ack */ { sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES },
		/* rst */ { sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL },
	},
	[TCP_ROW_IN_ONLY] = {
		/* syn */ { sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR },
		/* fin */ { sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW },
		/* ack */ { sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES },
		/* rst */ { sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL },
	},
};

static const char *const state_names[CONN_S_MAX] = {
	[TCP_S_NONE] = "NONE",           [TCP_S_ESTABLISHED] = "ESTABLISHED",
	[TCP_S_SYN_SENT] = "SYN_SENT",   [TCP_S_SYN_RECV] = "SYN_RECV",
	[TCP_S_FIN_WAIT] = "FIN_WAIT",   [TCP_S_TIME_WAIT] = "TIME_WAIT",
	[TCP_S_CLOSE] = "CLOSE",         [TCP_S_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_S_LAST_ACK] = "LAST_ACK",   [TCP_S_LISTEN] = "LISTEN",
	[TCP_S_SYNACK] = "SYNACK",       [CONN_S_UDP] = "UDP",
};

const char *
conn_state_name(uint8_t state)
{
	return state < CONN_S_MAX ? state_names[state] : "?";
}
