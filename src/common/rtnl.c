/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/rtnl.h"

struct req {
	struct nlmsghdr nh;
	union {
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	char attrs[4 * RTA_SPACE(16)];
};

static uint32_t seq;

int
rtnl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	return fd < 0 ? -errno : fd;
}

static void
add_bytes(struct req *r, unsigned short type, const void *v, unsigned len)
{
	struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), v, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_SPACE(len);
}

static void
add_u32(struct req *r, unsigned short type, uint32_t v)
{
	add_bytes(r, type, &v, 4);
}

/* Send r and wait for the kernel's acknowledgement of it: 0 or its negative errno. */
static int
transact(int fd, struct req *r)
{
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
		char more[256];
	} ans;
	ssize_t n;

	r->nh.nlmsg_seq = ++seq;
	r->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, &ans, sizeof(ans), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n < NLMSG_LENGTH(sizeof(struct nlmsgerr)) || ans.nh.nlmsg_seq != seq ||
		    ans.nh.nlmsg_type != NLMSG_ERROR)
			continue; /* not our answer */
		return ans.err.error;
	}
}

/* An RTM_NEWADDR / RTM_DELADDR of addr (alen bytes, family af) on ifindex. */
static int
addr_req(int fd, int ifindex, int af, const void *addr, unsigned alen, uint8_t prefix_len,
	 uint16_t type, uint16_t nl_flags, uint8_t ifa_flags)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifa));
	r.nh.nlmsg_type = type;
	r.nh.nlmsg_flags = nl_flags;
	r.ifa.ifa_family = (uint8_t)af;
	r.ifa.ifa_prefixlen = prefix_len;
	r.ifa.ifa_flags = ifa_flags;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.ifa.ifa_index = (unsigned)ifindex;
	add_bytes(&r, IFA_LOCAL, addr, alen);
	add_bytes(&r, IFA_ADDRESS, addr, alen);
	return transact(fd, &r);
}

/*
 * Delete, set or ensure an address of family af: what is already so is no error, the end
 * state is what was asked (ENSURE: 1 when it was absent and is there now, 0 when it was
 * there).
 */
static int
addr_op(int fd, int ifindex, int af, const void *addr, unsigned alen, uint8_t prefix_len,
	enum rtnl_addr_op op, uint8_t ifa_flags)
{
	static const uint16_t flags[] = { [RTNL_ADDR_DEL] = 0,
					  [RTNL_ADDR_SET] = NLM_F_CREATE | NLM_F_REPLACE,
					  [RTNL_ADDR_ENSURE] = NLM_F_CREATE | NLM_F_EXCL };
	int e = addr_req(fd, ifindex, af, addr, alen, prefix_len,
			 op == RTNL_ADDR_DEL ? RTM_DELADDR : RTM_NEWADDR, flags[op], ifa_flags);

	if (op == RTNL_ADDR_DEL && e == -EADDRNOTAVAIL)
		return 0;
	if (op == RTNL_ADDR_ENSURE)
		return e == -EEXIST ? 0 : e == 0 ? 1 : e;
	return e;
}

int
rtnl_addr(int fd, int ifindex, uint32_t addr, uint8_t prefix_len, enum rtnl_addr_op op)
{
	return addr_op(fd, ifindex, AF_INET, &addr, 4, prefix_len, op, 0);
}

int
rtnl_host_addr(int fd, int ifindex, const uint8_t addr16[16], int v4, enum rtnl_addr_op op)
{
	/* an IPv4 one is ::ffff:a.b.c.d: its last 4 bytes; IPv6 without DAD, as below */
	if (v4)
		return addr_op(fd, ifindex, AF_INET, addr16 + 12, 4, 32, op, 0);
	return addr_op(fd, ifindex, AF_INET6, addr16, 16, 128, op, IFA_F_NODAD);
}

int
rtnl_addr6_add(int fd, int ifindex, const uint8_t addr[16], uint8_t prefix_len)
{
	/* No duplicate-address detection: the address is the port's, which sluiced answers
	 * for on the wire; the twin would only wait for a probe nobody answers. */
	return addr_req(fd, ifindex, AF_INET6, addr, 16, prefix_len, RTM_NEWADDR,
			NLM_F_CREATE | NLM_F_REPLACE, IFA_F_NODAD);
}

int
rtnl_route_add(int fd, int ifindex, const uint8_t prefix16[16], uint8_t depth,
	       const uint8_t via16[16], int v4, uint32_t metric)
{
	/* IPv4 addresses are ::ffff:a.b.c.d: their last 4 bytes, as rtnl_host_addr()'s */
	unsigned off = v4 ? 12 : 0, alen = v4 ? 4 : 16;
	struct req r;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.rt));
	r.nh.nlmsg_type = RTM_NEWROUTE;
	r.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	r.rt.rtm_family = v4 ? AF_INET : AF_INET6;
	r.rt.rtm_dst_len = depth;
	r.rt.rtm_table = RT_TABLE_MAIN;
	r.rt.rtm_protocol = RTPROT_STATIC;
	r.rt.rtm_scope = RT_SCOPE_UNIVERSE;
	r.rt.rtm_type = RTN_UNICAST;
	if (depth > 0)
		add_bytes(&r, RTA_DST, prefix16 + off, alen);
	add_bytes(&r, RTA_GATEWAY, via16 + off, alen);
	add_u32(&r, RTA_OIF, (uint32_t)ifindex);
	add_u32(&r, RTA_PRIORITY, metric);
	return transact(fd, &r);
}
