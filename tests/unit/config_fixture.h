/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_TEST_CONFIG_FIXTURE_H
#define SLUICE_TEST_CONFIG_FIXTURE_H

/* Documents the configuration tests build on (test_config.c, test_config_bad.c). */

/* Five lines that make a valid dataplane; cases add from line 6 on. */
#define PORTS5                                                                  \
	"dataplane:\n"                                                          \
	"  local_addresses: [10.0.1.100]\n"                                     \
	"  ports:\n"                                                            \
	"    - {name: client, device: net_tap0,\n"                              \
	"       address: 10.0.1.1/24}\n"

/* A port with both families and a LIP of each (5 lines, as PORTS5). */
#define PORTS5_V6                                                               \
	"dataplane:\n"                                                          \
	"  local_addresses: [10.0.1.100, 2001:db8:1::100]\n"                    \
	"  ports:\n"                                                            \
	"    - {name: client, device: net_tap0,\n"                              \
	"       address: [10.0.1.1/24, 2001:db8:1::1/64]}\n"

/* The same without local addresses, for the cases about them. */
#define PORTS5_NOLIP                                                            \
	"dataplane:\n"                                                          \
	"  ports:\n"                                                            \
	"    - name: client\n"                                                  \
	"      device: net_tap0\n"                                              \
	"      address: 10.0.1.1/24\n"

#endif
