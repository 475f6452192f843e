/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ports' view: what each port carried and every loss the PMD, its driver's extended
 * statistics and the kernel report for it (issue 8: overload lost 30-47% of the packets in
 * the af_packet or XSK ring while the stats said "RxDropped 0"). Control thread, with
 * g_ctl.lock held.
 */
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_ethdev.h>

#include "control/ctl_int.h"
#include "net/port_kstats.h"
#include "worker/worker.h"

#define MAX_XSTATS 512

void
ctl_kstats_poll(void)
{
	const struct dp *dp = g_ctl.dp;
	char ifname[IF_NAMESIZE];
	unsigned p, xsk_first = 0;

	for (p = 0; p < dp->n_ports; p++) {
		const char *dev = g_ctl.cfg.ports[p].device;
		/* an af_xdp port has one XSK per queue, that is per worker (net/port.c) */
		unsigned xsks = strncmp(dev, "net_af_xdp", 10) == 0 ? dp->n_workers : 0;

		if (port_iface(dev, ifname, sizeof(ifname)) == 0)
			port_kstats_poll(ifname, xsk_first, xsks, &g_ctl.kstats[p]);
		xsk_first += xsks;
	}
}

void
ctl_port_loss(unsigned p, struct ctl_port_loss *l)
{
	const struct dp *dp = g_ctl.dp;
	struct rte_eth_stats es;
	unsigned w;

	memset(l, 0, sizeof(*l));
	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(dp->ports[p].port_id, &es);
	l->es = es;
	for (w = 0; w < dp->n_workers; w++) {
		l->tx_full += dp->workers[w]->s.st.port_tx_full[p];
		l->csum_partial += dp->workers[w]->s.st.port_rx_csum_partial[p];
	}
	l->k = g_ctl.kstats[p];
	l->rx_dropped = es.imissed + es.ierrors + es.rx_nombuf + port_kstats_rx_lost(&l->k);
	l->tx_dropped = es.oerrors + l->tx_full;
}

/* The driver's extended statistics that are not zero: drivers name their own. */
static json_t *
xstats_json(uint16_t port_id)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	json_t *o = json_object();
	int n = rte_eth_xstats_get_names(port_id, NULL, 0), i;

	if (n <= 0 || n > MAX_XSTATS)
		return o;
	names = calloc((size_t)n, sizeof(*names));
	vals = calloc((size_t)n, sizeof(*vals));
	if (names && vals && rte_eth_xstats_get_names(port_id, names, (unsigned)n) == n &&
	    rte_eth_xstats_get(port_id, vals, (unsigned)n) == n) {
		for (i = 0; i < n; i++)
			if (vals[i].value != 0 && vals[i].id < (uint64_t)n)
				json_object_set_new(o, names[vals[i].id].name,
						    json_integer((json_int_t)vals[i].value));
	}
	free(names);
	free(vals);
	return o;
}

json_t *
ctl_ports_json(void)
{
	const struct dp *dp = g_ctl.dp;
	json_t *arr = json_array();
	unsigned p;

	ctl_kstats_poll();
	for (p = 0; arr && p < dp->n_ports; p++) {
		const struct steer_state *st = &dp->ports[p].steer;
		struct ctl_port_loss l;
		const struct port_kstats *k = &l.k;
		json_t *o;

		ctl_port_loss(p, &l);
		o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
				  "s:{s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I},s:o}",
				  "name", dp->ports[p].name, "device", g_ctl.cfg.ports[p].device,
				  "rx_packets", (json_int_t)l.es.ipackets, "rx_bytes",
				  (json_int_t)l.es.ibytes, "tx_packets", (json_int_t)l.es.opackets,
				  "tx_bytes", (json_int_t)l.es.obytes, "rx_dropped",
				  (json_int_t)l.rx_dropped, "tx_dropped", (json_int_t)l.tx_dropped,
				  "rx_missed", (json_int_t)l.es.imissed, "rx_errors",
				  (json_int_t)l.es.ierrors, "rx_nombuf", (json_int_t)l.es.rx_nombuf,
				  "tx_errors", (json_int_t)l.es.oerrors, "tx_full",
				  (json_int_t)l.tx_full, "rx_csum_partial", (json_int_t)l.csum_partial,
				  "kernel", "sockets", (int)k->n_sockets, "ring_drops",
				  (json_int_t)k->ring_drops, "xsk_rx_dropped",
				  (json_int_t)k->xsk_rx_dropped, "xsk_rx_ring_full",
				  (json_int_t)k->xsk_rx_ring_full, "xsk_fill_ring_empty",
				  (json_int_t)k->xsk_fill_ring_empty, "xsk_rx_invalid",
				  (json_int_t)k->xsk_rx_invalid, "xsk_tx_invalid",
				  (json_int_t)k->xsk_tx_invalid, "xsk_tx_ring_empty",
				  (json_int_t)k->xsk_tx_ring_empty, "xstats",
				  xstats_json(dp->ports[p].port_id));
		/* How FULLNAT replies reach the worker of their conn (net/steer.h). */
		if (o != NULL)
			json_object_set_new(o, "steering",
					    json_pack("{s:s,s:i,s:s}", "mode",
						      steer_mode_name(st->mode), "rules",
						      (int)st->rules, "reason", st->reason));
		json_array_append_new(arr, o);
	}
	return arr;
}

void
ctl_ports_metrics(FILE *f)
{
	static const char *const kinds[] = { "missed", "errors", "nombuf", "kernel_ring" };
	const struct dp *dp = g_ctl.dp;
	struct ctl_port_loss l[SL_MAX_PORTS];
	unsigned p, k;

	ctl_kstats_poll();
	for (p = 0; p < dp->n_ports; p++)
		ctl_port_loss(p, &l[p]);
	fprintf(f, "# HELP sluice_port_packets_total Packets through a port.\n"
		   "# TYPE sluice_port_packets_total counter\n");
	for (p = 0; p < dp->n_ports; p++)
		fprintf(f, "sluice_port_packets_total{port=\"%s\",direction=\"rx\"} %" PRIu64 "\n"
			   "sluice_port_packets_total{port=\"%s\",direction=\"tx\"} %" PRIu64 "\n",
			dp->ports[p].name, l[p].es.ipackets, dp->ports[p].name, l[p].es.opackets);
	fprintf(f, "# HELP sluice_port_rx_dropped_total Packets lost on the way in before "
		   "sluiced saw them, by where: the NIC or PMD (missed, errors, nombuf) or the "
		   "kernel's af_packet or XSK ring (kernel_ring).\n"
		   "# TYPE sluice_port_rx_dropped_total counter\n");
	for (p = 0; p < dp->n_ports; p++) {
		const uint64_t v[] = { l[p].es.imissed, l[p].es.ierrors, l[p].es.rx_nombuf,
				       port_kstats_rx_lost(&l[p].k) };

		for (k = 0; k < RTE_DIM(kinds); k++)
			fprintf(f, "sluice_port_rx_dropped_total{port=\"%s\",kind=\"%s\"} %" PRIu64
				   "\n", dp->ports[p].name, kinds[k], v[k]);
	}
	fprintf(f, "# HELP sluice_port_tx_dropped_total Packets not sent: the PMD refused them "
		   "(errors) or the worker's batch was full (full).\n"
		   "# TYPE sluice_port_tx_dropped_total counter\n");
	for (p = 0; p < dp->n_ports; p++)
		fprintf(f, "sluice_port_tx_dropped_total{port=\"%s\",kind=\"errors\"} %" PRIu64 "\n"
			   "sluice_port_tx_dropped_total{port=\"%s\",kind=\"full\"} %" PRIu64 "\n",
			dp->ports[p].name, l[p].es.oerrors, dp->ports[p].name, l[p].tx_full);
}
