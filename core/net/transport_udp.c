/* tandem — UDP transport (RFC 3261 §18.1.1, §18.2.1): non-blocking
 * datagram sockets, received in batches with recvmmsg. */
#include "transport_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UDP_BATCH 8
/* Batches read per wake-up: bounded so one busy socket cannot starve the loop. */
#define UDP_ROUNDS 8
/* The largest UDP payload over IPv6 (65535 - 8 byte UDP header). */
#define UDP_MAX_PAYLOAD 65527

static bool only_crlf(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

static void udp_datagram(struct sip_transport *tp, const struct sip_listener *l,
                         const char *data, size_t n, bool truncated,
                         const struct sockaddr_storage *src, socklen_t src_len)
{
	struct sip_rx_info rx;
	memset(&rx, 0, sizeof rx);
	rx.proto = SIP_PROTO_UDP;
	memcpy(&rx.src, src, sizeof rx.src);
	rx.src_len = src_len;
	rx.listener = l;
	rx.conn_id = 0;

	if (n == 0 || only_crlf(data, n)) {
		/* RFC 5626 §3.5.1 / common practice: CRLF keep-alives on UDP are
		 * counted and ignored (no pong on datagrams). */
		tp->st.keepalives++;
		return;
	}
	if (truncated || n > tp->cfg.max_msg_size) {
		/* RFC 3261 §21.5.14: 513 Message Too Large; the core answers it if it
		 * can build a response from the first lines. */
		struct sip_error err = { 513, "Message Too Large" };
		size_t keep = n > tp->cfg.max_msg_size ? tp->cfg.max_msg_size : n;
		tp->st.rx_bad++;
		tp->bad(tp->arg, &rx, data, keep, &err);
		return;
	}
	struct sip_msg *m = calloc(1, sizeof *m);
	if (!m) {
		tp->st.rx_dropped++;
		return;
	}
	struct sip_error err = { 0, NULL };
	int rc = sip_msg_parse(m, data, n, 0, &err);
	if (rc < 0) {
		sip_msg_free(m);
		free(m);
		tp->st.rx_bad++;
		if (!err.reason)
			err.reason = "Bad Request";
		tp->bad(tp->arg, &rx, data, n, &err);
		return;
	}
	m->rx = rx;
	sip_transport_count_rx(tp, m);
	tp->rx(tp->arg, m);
}

static void udp_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct sip_listener *l = w->data;
	struct sip_transport *tp = l->tp;
	struct mmsghdr msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage src[UDP_BATCH];

	for (int round = 0; round < UDP_ROUNDS; round++) {
		memset(msgs, 0, sizeof msgs);
		for (int i = 0; i < UDP_BATCH; i++) {
			iov[i].iov_base = tp->udp_buf + (size_t)i * tp->udp_slot;
			iov[i].iov_len = tp->udp_slot;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &src[i];
			msgs[i].msg_hdr.msg_namelen = sizeof src[i];
		}
		int got = recvmmsg(l->fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0) {
			if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				tlog_debug("udp recvmmsg: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < got; i++) {
			bool trunc = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
			udp_datagram(tp, l, iov[i].iov_base, msgs[i].msg_len, trunc,
			             &src[i], msgs[i].msg_hdr.msg_namelen);
		}
		if (got < UDP_BATCH)
			return;
	}
}

int sip_udp_listen(struct sip_transport *tp, struct sip_listener *l)
{
	if (!tp->udp_buf) {
		/* One byte more than the limit tells "too large" from "exactly max". */
		size_t slot = tp->cfg.max_msg_size + 1;
		if (slot > UDP_MAX_PAYLOAD + 1)
			slot = UDP_MAX_PAYLOAD + 1;
		tp->udp_buf = malloc(slot * UDP_BATCH);
		if (!tp->udp_buf)
			return -ENOMEM;
		tp->udp_slot = slot;
	}
	l->fd = socket(l->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return -errno;
	int one = 1;
	/* No SO_REUSEADDR here: on Linux it lets a second tandemd bind the same
	 * UDP port and silently take its traffic, instead of failing. */
	/* "::" must not swallow IPv4 so that a 0.0.0.0 listener can coexist. */
	if (l->addr.ss_family == AF_INET6 &&
	    setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		return -errno;
	if (bind(l->fd, (struct sockaddr *)&l->addr, l->addr_len) < 0)
		return -errno;
	socklen_t len = sizeof l->addr;
	if (getsockname(l->fd, (struct sockaddr *)&l->addr, &len) == 0)
		l->addr_len = len;
	ev_io_init(&l->io, udp_readable, l->fd, EV_READ);
	l->io.data = l;
	return 0;
}

int sip_udp_send(struct sip_transport *tp, const struct sip_dest *dst,
                 const char *buf, size_t len)
{
	int family = dst->addr.ss_family;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	/* Send from the listener so the source port is the one in our Via
	 * (RFC 3261 §18.1.1; symmetric response routing, RFC 3581). */
	const struct sip_listener *l = NULL;
	if (dst->listener) {
		/* Only a UDP listener of ours, of the right family. */
		for (const struct sip_listener *x = tp->listeners; x; x = x->next)
			if (x == dst->listener && x->proto == SIP_PROTO_UDP && x->addr.ss_family == family)
				l = x;
	}
	if (!l)
		l = sip_transport_find_listener(tp, SIP_PROTO_UDP, family);
	if (!l)
		return -EAFNOSUPPORT;
	socklen_t alen = dst->addr_len ? dst->addr_len
	               : (family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	ssize_t n;
	do {
		n = sendto(l->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
		           (const struct sockaddr *)&dst->addr, alen);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;
		char a[64];
		tlog_debug("udp send to %s: %s",
		           sip_addr_str((const struct sockaddr *)&dst->addr, a, sizeof a), strerror(e));
		return e == EWOULDBLOCK ? -EAGAIN : -e;
	}
	tp->st.tx_msgs++;
	return 0;
}
