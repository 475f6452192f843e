/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reply steering (src/net/steer.c): the rule a LIP, a worker and a protocol make, and the
 * probe on a real DPDK port that takes no rte_flow rule (net_null, as every virtual device
 * here): the port falls back to the software hand-off, saying why; with one worker there
 * is nothing to steer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "net/steer.h"
#include "test_eal.h"

static void
test_rule_v4_tcp(void **state)
{
	union addr46 lip = addr46_from_v4(inet_addr("10.0.2.100"));
	const struct rte_flow_item_ipv4 *ip, *ipm;
	const struct rte_flow_item_tcp *tcp, *tcpm;
	const struct rte_flow_action_queue *q;
	struct steer_rule r;

	(void)state;
	steer_rule_build(&r, &lip, IPPROTO_TCP, 2, 3);
	assert_int_equal(r.attr.ingress, 1);
	assert_int_equal(r.pattern[0].type, RTE_FLOW_ITEM_TYPE_ETH);
	assert_null(r.pattern[0].spec);
	assert_int_equal(r.pattern[1].type, RTE_FLOW_ITEM_TYPE_IPV4);
	ip = r.pattern[1].spec;
	ipm = r.pattern[1].mask;
	assert_int_equal(ip->hdr.dst_addr, inet_addr("10.0.2.100"));
	assert_int_equal(ipm->hdr.dst_addr, UINT32_MAX);
	assert_int_equal(ipm->hdr.src_addr, 0);
	assert_int_equal(r.pattern[2].type, RTE_FLOW_ITEM_TYPE_TCP);
	tcp = r.pattern[2].spec;
	tcpm = r.pattern[2].mask;
	/* LIP port & 3 == 2: worker 2's conns (forward/laddr.h) */
	assert_int_equal(tcp->hdr.dst_port, htons(2));
	assert_int_equal(tcpm->hdr.dst_port, htons(3));
	assert_int_equal(tcpm->hdr.src_port, 0);
	assert_int_equal(r.pattern[3].type, RTE_FLOW_ITEM_TYPE_END);
	assert_int_equal(r.actions[0].type, RTE_FLOW_ACTION_TYPE_QUEUE);
	q = r.actions[0].conf;
	assert_int_equal(q->index, 2);
	assert_int_equal(r.actions[1].type, RTE_FLOW_ACTION_TYPE_END);
}

static void
test_rule_v6_udp(void **state)
{
	const struct rte_flow_item_ipv6 *ip, *ipm;
	const struct rte_flow_item_udp *udp, *udpm;
	union addr46 lip;
	struct steer_rule r;
	unsigned i;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:2::100", lip.b), 1);
	steer_rule_build(&r, &lip, IPPROTO_UDP, 1, 1);
	assert_int_equal(r.pattern[1].type, RTE_FLOW_ITEM_TYPE_IPV6);
	ip = r.pattern[1].spec;
	ipm = r.pattern[1].mask;
	assert_memory_equal(ip->hdr.dst_addr, lip.b, 16);
	for (i = 0; i < 16; i++) {
		assert_int_equal(ipm->hdr.dst_addr[i], 0xff);
		assert_int_equal(ipm->hdr.src_addr[i], 0);
	}
	assert_int_equal(r.pattern[2].type, RTE_FLOW_ITEM_TYPE_UDP);
	udp = r.pattern[2].spec;
	udpm = r.pattern[2].mask;
	assert_int_equal(udp->hdr.dst_port, htons(1));
	assert_int_equal(udpm->hdr.dst_port, htons(1));
	assert_int_equal(((const struct rte_flow_action_queue *)r.actions[0].conf)->index, 1);
}

/* A started net_null port with two queues, as port_setup() leaves a port for two workers. */
static uint16_t
null_port(void)
{
	static struct rte_mempool *mp;
	struct rte_eth_conf conf = { 0 };
	uint16_t id, q;

	assert_int_equal(rte_eth_dev_get_port_by_name("net_null0", &id), 0);
	mp = rte_pktmbuf_pool_create("steer", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	assert_non_null(mp);
	assert_int_equal(rte_eth_dev_configure(id, 2, 2, &conf), 0);
	for (q = 0; q < 2; q++) {
		assert_int_equal(rte_eth_rx_queue_setup(id, q, 64, SOCKET_ID_ANY, NULL, mp), 0);
		assert_int_equal(rte_eth_tx_queue_setup(id, q, 64, SOCKET_ID_ANY, NULL), 0);
	}
	assert_int_equal(rte_eth_dev_start(id), 0);
	return id;
}

static void
test_probe_falls_back(void **state)
{
	union addr46 lips[2];
	struct steer_state st;
	uint16_t id = null_port();

	(void)state;
	lips[0] = addr46_from_v4(inet_addr("10.0.2.100"));
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:2::100", lips[1].b), 1);
	/* Two workers: the probe asks the device, which takes no rule. */
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(steer_install(id, lips, 2, 2, 1, &st), 0);
	assert_int_equal(st.mode, STEER_SOFTWARE);
	assert_int_equal(st.rules, 0);
	assert_non_null(strstr(st.reason, "rte_flow_validate: "));
	assert_string_equal(steer_mode_name(st.mode), "software");
	/* One worker: nothing to steer, nothing asked. */
	assert_int_equal(steer_install(id, lips, 2, 1, 0, &st), 0);
	assert_int_equal(st.mode, STEER_NONE);
	assert_string_equal(st.reason, "");
	assert_string_equal(steer_mode_name(st.mode), "none");
	assert_string_equal(steer_mode_name(STEER_FLOW), "rte_flow");
	rte_eth_dev_stop(id);
	rte_eth_dev_close(id);
}

int
main(void)
{
	/* test_eal.h's EAL, with the one device this test opens */
	char *argv[] = { "test", "-l", "0", "--no-huge", "-m", "512", "--no-shconf", "--no-pci",
			 "--log-level", "*:error", "--vdev", "net_null0", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_v4_tcp),
		cmocka_unit_test(test_rule_v6_udp),
		cmocka_unit_test(test_probe_falls_back),
	};

	if (test_eal_start((int)RTE_DIM(argv) - 1, argv) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
