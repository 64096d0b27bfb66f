/* Unit tests: core/transport*.c and core/tls.c over real loopback sockets
 * (127.0.0.1 and ::1): UDP, TCP framing and keep-alives, limits, idle
 * timeout, TLS, response routing (RFC 3261 §18.2.2, RFC 3581 §4). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit.h"
#include <ev.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <tandem/transport.h>

#include "net/transport_internal.h"

/* ---- what the callbacks saw ---- */

#define MAX_SEEN 16

struct seen {
	struct sip_msg *msgs[MAX_SEEN];
	unsigned nmsgs;
	unsigned nbad;
	int bad_status[MAX_SEEN];
	struct sip_rx_info bad_rx[MAX_SEEN];
	size_t bad_len[MAX_SEEN];
};

static void on_rx(void *arg, struct sip_msg *m)
{
	struct seen *s = arg;
	if (s->nmsgs < MAX_SEEN) {
		s->msgs[s->nmsgs++] = m;
	} else {
		sip_msg_free(m);
		free(m);
	}
}

static void on_bad(void *arg, const struct sip_rx_info *rx, const char *data, size_t len,
                   const struct sip_error *err)
{
	struct seen *s = arg;
	(void)data;
	if (s->nbad < MAX_SEEN) {
		s->bad_status[s->nbad] = err ? err->status : -1;
		s->bad_rx[s->nbad] = *rx;
		s->bad_len[s->nbad] = len;
	}
	s->nbad++;
}

static void seen_clear(struct seen *s)
{
	for (unsigned i = 0; i < s->nmsgs; i++) {
		sip_msg_free(s->msgs[i]);
		free(s->msgs[i]);
	}
	memset(s, 0, sizeof *s);
}

/* ---- the loop ---- */

static struct ev_loop *loop;

static void tick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l; (void)w; (void)revents;
}

/* Run the loop until cond(arg) holds or secs pass; a 10 ms tick lets
 * conditions poll plain test sockets the loop does not watch. */
static bool run_until(bool (*cond)(void *), void *arg, double secs)
{
	ev_timer tick;
	ev_timer_init(&tick, tick_cb, 0.01, 0.01);
	ev_timer_start(loop, &tick);
	ev_now_update(loop);
	ev_tstamp end = ev_now(loop) + secs;
	bool ok;
	while (!(ok = cond(arg)) && ev_now(loop) < end)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &tick);
	return ok;
}

static void run_for(double secs)
{
	ev_timer tick;
	ev_timer_init(&tick, tick_cb, 0.01, 0.01);
	ev_timer_start(loop, &tick);
	ev_now_update(loop);
	ev_tstamp end = ev_now(loop) + secs;
	while (ev_now(loop) < end)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &tick);
}

struct want { struct seen *s; unsigned msgs, bad; };
static bool got_enough(void *arg)
{
	struct want *w = arg;
	return w->s->nmsgs >= w->msgs && w->s->nbad >= w->bad;
}

static bool wait_msgs(struct seen *s, unsigned msgs, unsigned bad)
{
	struct want w = { s, msgs, bad };
	return run_until(got_enough, &w, 3.0);
}

/* ---- plain sockets on the test side ---- */

static uint16_t free_port(int family, int type)
{
	int fd = socket(family, type, 0);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *in;
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		len = sizeof *in6;
	}
	uint16_t port = 0;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		port = family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
		                         : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static socklen_t make_addr(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		return sizeof *in;
	}
	inet_pton(AF_INET6, ip, &in6->sin6_addr);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	return sizeof *in6;
}

static uint16_t sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
	                               : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int tcp_client(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, ip, port);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	/* Loopback: the kernel completes the handshake into the backlog. */
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EAGAIN) {
			run_for(0.01);
			continue;
		}
		CU_ASSERT_FATAL(w > 0);
		s += w;
		n -= (size_t)w;
	}
}

/* Accumulates what a plain socket receives; eof once the peer closed. */
struct reader {
	int fd;
	char buf[8192];
	size_t len;
	bool eof;
	size_t need;
};

static bool reader_poll(void *arg)
{
	struct reader *r = arg;
	for (;;) {
		if (r->len >= sizeof r->buf - 1)
			break;
		ssize_t n = recv(r->fd, r->buf + r->len, sizeof r->buf - 1 - r->len, MSG_DONTWAIT);
		if (n > 0) {
			r->len += (size_t)n;
			r->buf[r->len] = '\0';
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			r->eof = true;
		break;
	}
	return r->eof || (r->need && r->len >= r->need);
}

/* Drain (and drop) until the peer closes. */
static bool reader_eof(void *arg)
{
	struct reader *r = arg;
	char tmp[65536];
	ssize_t n;
	while ((n = recv(r->fd, tmp, sizeof tmp, MSG_DONTWAIT)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
		r->eof = true;
	return r->eof;
}

static const char options[] =
	"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-1;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:a@127.0.0.1>;tag=1\r\n"
	"To: <sip:100@127.0.0.1>\r\n"
	"Call-ID: c1@test\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char options2[] =
	"OPTIONS sip:101@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-2\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:a@127.0.0.1>;tag=2\r\n"
	"To: <sip:101@127.0.0.1>\r\n"
	"Call-ID: c2@test\r\n"
	"CSeq: 2 OPTIONS\r\n"
	"Content-Length: 5\r\n"
	"\r\n"
	"hello";

static const char udp_options[] =
	"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-u1;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: <sip:a@127.0.0.1>;tag=1\r\n"
	"To: <sip:100@127.0.0.1>\r\n"
	"Call-ID: u1@test\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char ok200[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-1;rport\r\n"
	"From: <sip:a@127.0.0.1>;tag=1\r\n"
	"To: <sip:100@127.0.0.1>;tag=x\r\n"
	"Call-ID: c1@test\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static struct sip_transport *new_tp(struct seen *s, const struct sip_transport_cfg *cfg)
{
	struct sip_transport *tp = sip_transport_new(loop, cfg, on_rx, on_bad, s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tp);
	return tp;
}

static uint16_t listen_on(struct sip_transport *tp, enum sip_proto proto, const char *ip)
{
	int type = proto == SIP_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	for (int tries = 0; tries < 5; tries++) {
		struct sip_listener_cfg lc = { .proto = proto, .address = ip,
		                               .port = free_port(family, type) };
		if (lc.port && sip_transport_listen(tp, &lc) == 0)
			return lc.port;
	}
	CU_FAIL_FATAL("cannot listen");
	return 0;
}

/* ---- reloading the listener set ---- */

static int udp_bound(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, "127.0.0.1", port);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void udp_to(int fd, uint16_t port, const char *msg)
{
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(&to, "127.0.0.1", port);
	CU_ASSERT(sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, tolen) > 0);
}

/* The source port of the next datagram on fd, 0 when none comes. */
static uint16_t udp_from_port(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 3000) != 1)
		return 0;
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	char buf[2048];
	if (recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen) <= 0)
		return 0;
	return ntohs(((struct sockaddr_in *)&from)->sin_port);
}

static void test_listen_reload(void)
{
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	uint16_t p1 = listen_on(tp, SIP_PROTO_UDP, "127.0.0.1");
	uint16_t p2 = listen_on(tp, SIP_PROTO_UDP, "127.0.0.1");
	uint16_t t1 = listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");
	int fd = udp_bound(0);
	CU_ASSERT_FATAL(fd >= 0);
	udp_to(fd, p2, udp_options);
	CU_ASSERT_FATAL(wait_msgs(&s, 1, 0));
	const struct sip_listener *l2 = s.msgs[0]->rx.listener;
	struct sip_dest owed;   /* a response still to be sent from p2 */
	CU_ASSERT_EQUAL_FATAL(sip_transport_response_dest(tp, s.msgs[0], &owed), 0);
	CU_ASSERT_PTR_EQUAL(owed.listener, l2);
	int tcp = tcp_client("127.0.0.1", t1);
	CU_ASSERT_FATAL(tcp >= 0);
	write_all(tcp, options, strlen(options));
	CU_ASSERT_FATAL(wait_msgs(&s, 2, 0));

	/* a taken port refuses the plan; the new listener before it is closed */
	uint16_t p3 = free_port(AF_INET, SOCK_DGRAM);
	int taken = udp_bound(0);
	CU_ASSERT_FATAL(taken >= 0);
	struct sip_listener_cfg bad[] = {
		{ .proto = SIP_PROTO_UDP, .address = "127.0.0.1", .port = p1 },
		{ .proto = SIP_PROTO_UDP, .address = "127.0.0.1", .port = p3 },
		{ .proto = SIP_PROTO_UDP, .address = "127.0.0.1", .port = sock_port(taken) },
	};
	struct sip_listen_plan *plan = NULL;
	CU_ASSERT_EQUAL(sip_transport_listen_prepare(tp, bad, 3, &plan), -EADDRINUSE);
	CU_ASSERT_PTR_NULL(plan);
	int probe = udp_bound(p3);
	CU_ASSERT(probe >= 0);   /* p3 was let go */
	if (probe >= 0)
		close(probe);
	close(taken);
	/* the same listener twice */
	struct sip_listener_cfg twice[] = { bad[0], bad[0] };
	CU_ASSERT_EQUAL(sip_transport_listen_prepare(tp, twice, 2, &plan), -EINVAL);

	/* p2 and the TCP listener go, p3 comes, p1 stays */
	struct sip_listener_cfg next[] = { bad[0], bad[1] };
	CU_ASSERT_EQUAL_FATAL(sip_transport_listen_prepare(tp, next, 2, &plan), 0);
	sip_transport_listen_commit(tp, plan);
	/* the owed response names the removed listener: it leaves from p1 */
	CU_ASSERT_EQUAL(sip_transport_send(tp, &owed, ok200, strlen(ok200)), 0);
	CU_ASSERT_EQUAL(udp_from_port(fd), p1);
	/* what was received on it still reads its listener */
	CU_ASSERT_EQUAL(l2->proto, SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(sip_addr_port((const struct sockaddr *)&l2->addr), p2);
	/* the connection accepted on the removed TCP listener is closed */
	struct reader r = { .fd = tcp };
	CU_ASSERT(run_until(reader_eof, &r, 3.0));
	close(tcp);
	CU_ASSERT(tcp_client("127.0.0.1", t1) < 0);
	udp_to(fd, p3, udp_options);
	CU_ASSERT_FATAL(wait_msgs(&s, 3, 0));
	CU_ASSERT_EQUAL(sip_addr_port((const struct sockaddr *)&s.msgs[2]->rx.listener->addr), p3);
	/* p2 comes back in its old record: the owed response leaves from it */
	struct sip_listener_cfg back[] = { bad[0], { .proto = SIP_PROTO_UDP,
	                                             .address = "127.0.0.1", .port = p2 } };
	CU_ASSERT_EQUAL_FATAL(sip_transport_listen_prepare(tp, back, 2, &plan), 0);
	sip_transport_listen_commit(tp, plan);
	udp_to(fd, p2, udp_options);
	CU_ASSERT_FATAL(wait_msgs(&s, 4, 0));
	CU_ASSERT_PTR_EQUAL(s.msgs[3]->rx.listener, l2);
	CU_ASSERT_EQUAL(sip_transport_send(tp, &owed, ok200, strlen(ok200)), 0);
	CU_ASSERT_EQUAL(udp_from_port(fd), p2);
	close(fd);
	seen_clear(&s);
	sip_transport_free(tp);
}

/* ---- UDP ---- */

static void test_udp_receive(void)
{
	struct seen s = { 0 };
	struct sip_transport_cfg cfg = { .max_msg_size = 1000 };
	struct sip_transport *tp = new_tp(&s, &cfg);
	uint16_t port = listen_on(tp, SIP_PROTO_UDP, "127.0.0.1");

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(&to, "127.0.0.1", port);
	CU_ASSERT(sendto(fd, udp_options, strlen(udp_options), 0, (struct sockaddr *)&to, tolen) > 0);
	CU_ASSERT_FATAL(wait_msgs(&s, 1, 0));
	struct sip_msg *m = s.msgs[0];
	CU_ASSERT(m->is_request);
	CU_ASSERT_EQUAL(m->method, SIP_OPTIONS);
	CU_ASSERT_EQUAL(m->rx.proto, SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(m->rx.conn_id, 0);
	CU_ASSERT_PTR_NOT_NULL(m->rx.listener);
	CU_ASSERT_EQUAL(m->rx.src.ss_family, AF_INET);
	CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *)&m->rx.src)->sin_port), sock_port(fd));

	/* The response goes back to the source port (rport, RFC 3581 §4). */
	struct sip_dest d;
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, m, &d), 0);
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, ok200, strlen(ok200)), 0);
	struct reader r = { .fd = fd, .need = strlen(ok200) };
	CU_ASSERT(run_until(reader_poll, &r, 3.0));
	CU_ASSERT(r.len == strlen(ok200) && memcmp(r.buf, ok200, r.len) == 0);

	/* A CRLF keep-alive is counted and dropped. */
	CU_ASSERT(sendto(fd, "\r\n\r\n", 4, 0, (struct sockaddr *)&to, tolen) == 4);
	/* Garbage goes to bad(). */
	CU_ASSERT(sendto(fd, "hello world\r\n\r\n", 15, 0, (struct sockaddr *)&to, tolen) == 15);
	CU_ASSERT(wait_msgs(&s, 1, 1));
	/* Bigger than max_msg_size: 513 via bad(), with at most max bytes. */
	char big[1500];
	memcpy(big, udp_options, strlen(udp_options));
	memset(big + strlen(udp_options), 'x', sizeof big - strlen(udp_options));
	CU_ASSERT(sendto(fd, big, sizeof big, 0, (struct sockaddr *)&to, tolen) == (ssize_t)sizeof big);
	CU_ASSERT_FATAL(wait_msgs(&s, 1, 2));
	CU_ASSERT_EQUAL(s.bad_status[1], 513);
	CU_ASSERT(s.bad_len[1] <= 1000);
	CU_ASSERT_EQUAL(s.bad_rx[1].proto, SIP_PROTO_UDP);

	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.rx_msgs, 1);
	CU_ASSERT_EQUAL(st.tx_msgs, 1);
	CU_ASSERT_EQUAL(st.keepalives, 1);
	CU_ASSERT_EQUAL(st.rx_bad, 2);
	CU_ASSERT_EQUAL(s.nmsgs, 1);

	close(fd);
	seen_clear(&s);
	sip_transport_free(tp);
}

static void test_udp_send(void)
{
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	uint16_t port = listen_on(tp, SIP_PROTO_UDP, "127.0.0.1");

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage me;
	socklen_t melen = make_addr(&me, "127.0.0.1", 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&me, melen) == 0);

	struct sip_dest d;
	char host[32];
	snprintf(host, sizeof host, "127.0.0.1:%u", sock_port(fd));
	CU_ASSERT_EQUAL_FATAL(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c(host), 0), 0);
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, udp_options, strlen(udp_options)), 0);

	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	CU_ASSERT_FATAL(poll(&p, 1, 3000) == 1);
	char buf[2048];
	ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
	CU_ASSERT(n == (ssize_t)strlen(udp_options) && memcmp(buf, udp_options, (size_t)n) == 0);
	/* Sent from the listener's port: the one our Via names. */
	CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *)&from)->sin_port), port);

	char sb[64];
	uint16_t sbport = 0;
	CU_ASSERT_EQUAL(sip_transport_via_sentby(tp, SIP_PROTO_UDP, (struct sockaddr *)&d.addr,
	                                         sb, sizeof sb, &sbport), 0);
	CU_ASSERT_STRING_EQUAL(sb, "127.0.0.1");
	CU_ASSERT_EQUAL(sbport, port);
	/* The port is taken: a second listener fails. */
	struct sip_listener_cfg again = { .proto = SIP_PROTO_UDP, .address = "127.0.0.1",
	                                  .port = port };
	CU_ASSERT(sip_transport_listen(tp, &again) < 0);
	/* No UDP listener for IPv6, no TCP listener at all. */
	struct sip_dest d6;
	CU_ASSERT_EQUAL(sip_dest_from_host(&d6, SIP_PROTO_UDP, sip_str_c("[::1]:5070"), 0), 0);
	CU_ASSERT(sip_transport_send(tp, &d6, "x", 1) < 0);
	CU_ASSERT(sip_transport_via_sentby(tp, SIP_PROTO_TCP, (struct sockaddr *)&d.addr,
	                                   sb, sizeof sb, &sbport) < 0);
	close(fd);
	seen_clear(&s);
	sip_transport_free(tp);
}

/* Two UDP listeners: the answer leaves from the one the request came to. */
static void test_udp_answer_from_listener(void)
{
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	uint16_t p1 = listen_on(tp, SIP_PROTO_UDP, "127.0.0.1");
	uint16_t p2 = listen_on(tp, SIP_PROTO_UDP, "127.0.0.1");
	CU_ASSERT_FATAL(p1 != p2);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(&to, "127.0.0.1", p2);
	CU_ASSERT(sendto(fd, udp_options, strlen(udp_options), 0, (struct sockaddr *)&to, tolen) > 0);
	CU_ASSERT_FATAL(wait_msgs(&s, 1, 0));
	struct sip_dest d;
	CU_ASSERT_EQUAL_FATAL(sip_transport_response_dest(tp, s.msgs[0], &d), 0);
	CU_ASSERT_PTR_EQUAL(d.listener, s.msgs[0]->rx.listener);
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, ok200, strlen(ok200)), 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	CU_ASSERT_FATAL(poll(&p, 1, 3000) == 1);
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	char buf[2048];
	CU_ASSERT(recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen) > 0);
	CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *)&from)->sin_port), p2);
	/* Without a listener: the first one. */
	d.listener = NULL;
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, ok200, strlen(ok200)), 0);
	CU_ASSERT_FATAL(poll(&p, 1, 3000) == 1);
	flen = sizeof from;
	CU_ASSERT(recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen) > 0);
	CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *)&from)->sin_port), p1);
	close(fd);
	seen_clear(&s);
	sip_transport_free(tp);
}

static bool v6_available(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0)
		return false;
	struct sockaddr_storage ss;
	socklen_t len = make_addr(&ss, "::1", 0);
	bool ok = bind(fd, (struct sockaddr *)&ss, len) == 0;
	close(fd);
	return ok;
}

static void test_udp_ipv6(void)
{
	if (!v6_available()) {
		fprintf(stderr, "(::1 unavailable, skipped) ");
		return;
	}
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	/* 0.0.0.0 and :: coexist on one port thanks to IPV6_V6ONLY. */
	uint16_t port = free_port(AF_INET6, SOCK_DGRAM);
	struct sip_listener_cfg l6 = { .proto = SIP_PROTO_UDP, .address = "::", .port = port };
	struct sip_listener_cfg l4 = { .proto = SIP_PROTO_UDP, .address = "0.0.0.0", .port = port };
	CU_ASSERT_EQUAL_FATAL(sip_transport_listen(tp, &l6), 0);
	CU_ASSERT_EQUAL(sip_transport_listen(tp, &l4), 0);

	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(&to, "::1", port);
	CU_ASSERT(sendto(fd, udp_options, strlen(udp_options), 0, (struct sockaddr *)&to, tolen) > 0);
	CU_ASSERT_FATAL(wait_msgs(&s, 1, 0));
	CU_ASSERT_EQUAL(s.msgs[0]->rx.src.ss_family, AF_INET6);

	struct sip_dest d;
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, s.msgs[0], &d), 0);
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, ok200, strlen(ok200)), 0);
	struct reader r = { .fd = fd, .need = strlen(ok200) };
	CU_ASSERT(run_until(reader_poll, &r, 3.0));
	CU_ASSERT_EQUAL(r.len, strlen(ok200));

	/* A wildcard listener yields the concrete address towards dst. */
	char sb[64];
	uint16_t sbport;
	CU_ASSERT_EQUAL(sip_transport_via_sentby(tp, SIP_PROTO_UDP, (struct sockaddr *)&to,
	                                         sb, sizeof sb, &sbport), 0);
	CU_ASSERT_STRING_EQUAL(sb, "[::1]");
	CU_ASSERT_EQUAL(sbport, port);
	struct sockaddr_storage to4;
	make_addr(&to4, "127.0.0.1", 5060);
	CU_ASSERT_EQUAL(sip_transport_via_sentby(tp, SIP_PROTO_UDP, (struct sockaddr *)&to4,
	                                         sb, sizeof sb, &sbport), 0);
	CU_ASSERT_STRING_EQUAL(sb, "127.0.0.1");

	char a[64];
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&to, a, sizeof a),
	                       (snprintf(sb, sizeof sb, "[::1]:%u", port), sb));
	close(fd);
	seen_clear(&s);
	sip_transport_free(tp);
}

/* ---- TCP ---- */

static void test_tcp_framing(void)
{
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	uint16_t port = listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");
	int fd = tcp_client("127.0.0.1", port);
	CU_ASSERT_FATAL(fd >= 0);

	/* Two messages in one write. */
	char two[2048];
	int n = snprintf(two, sizeof two, "%s%s", options, options2);
	write_all(fd, two, (size_t)n);
	CU_ASSERT_FATAL(wait_msgs(&s, 2, 0));
	CU_ASSERT_EQUAL(s.msgs[0]->rx.proto, SIP_PROTO_TCP);
	CU_ASSERT(s.msgs[0]->rx.conn_id != 0);
	CU_ASSERT_EQUAL(s.msgs[0]->rx.conn_id, s.msgs[1]->rx.conn_id);
	CU_ASSERT_EQUAL(s.msgs[1]->body.len, 5);
	CU_ASSERT(s.msgs[1]->body.len == 5 && memcmp(s.msgs[1]->body.p, "hello", 5) == 0);

	/* One message split over two writes (in the middle of a header and
	 * then of the body). */
	size_t half = strlen(options2) / 2;
	write_all(fd, options2, half);
	run_for(0.05);
	CU_ASSERT_EQUAL(s.nmsgs, 2);
	write_all(fd, options2 + half, strlen(options2) - half - 2);
	run_for(0.05);
	CU_ASSERT_EQUAL(s.nmsgs, 2);
	write_all(fd, options2 + strlen(options2) - 2, 2);
	CU_ASSERT(wait_msgs(&s, 3, 0));

	/* RFC 5626 §4.4.1: CRLFCRLF ping, CRLF pong. */
	write_all(fd, "\r\n\r\n", 4);
	struct reader r = { .fd = fd, .need = 2 };
	CU_ASSERT(run_until(reader_poll, &r, 3.0));
	CU_ASSERT(r.len == 2 && memcmp(r.buf, "\r\n", 2) == 0);
	/* A ping split in two is still a ping. */
	write_all(fd, "\r\n", 2);
	run_for(0.05);
	write_all(fd, "\r\n", 2);
	r.need = 4;
	CU_ASSERT(run_until(reader_poll, &r, 3.0));
	CU_ASSERT_EQUAL(r.len, 4);

	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.keepalives, 2);
	CU_ASSERT_EQUAL(st.conns_open, 1);
	CU_ASSERT_EQUAL(st.conns_total, 1);

	/* RFC 3261 §18.3: no Content-Length on a stream -> bad() with a
	 * status, then the connection is closed (the framing is lost). */
	static const char nocl[] =
		"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-3\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:a@127.0.0.1>;tag=3\r\n"
		"To: <sip:100@127.0.0.1>\r\n"
		"Call-ID: c3@test\r\n"
		"CSeq: 3 OPTIONS\r\n"
		"\r\n";
	write_all(fd, nocl, strlen(nocl));
	CU_ASSERT_FATAL(wait_msgs(&s, 3, 1));
	CU_ASSERT(s.bad_status[0] != 0);
	CU_ASSERT_EQUAL(s.bad_rx[0].proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(s.bad_rx[0].conn_id, s.msgs[0]->rx.conn_id);
	r.need = 0;
	CU_ASSERT(run_until(reader_eof, &r, 3.0));
	close(fd);
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);
	seen_clear(&s);
	sip_transport_free(tp);
}

static void test_tcp_oversize(void)
{
	struct seen s = { 0 };
	struct sip_transport_cfg cfg = { .max_msg_size = 1000 };
	struct sip_transport *tp = new_tp(&s, &cfg);
	uint16_t port = listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");

	/* A body that makes the message too big. */
	int fd = tcp_client("127.0.0.1", port);
	CU_ASSERT_FATAL(fd >= 0);
	char msg[4096];
	int hl = snprintf(msg, sizeof msg,
		"MESSAGE sip:100@127.0.0.1 SIP/2.0\r\n"
		"Via: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-4\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:a@127.0.0.1>;tag=4\r\n"
		"To: <sip:100@127.0.0.1>\r\n"
		"Call-ID: c4@test\r\n"
		"CSeq: 4 MESSAGE\r\n"
		"Content-Length: 2000\r\n"
		"\r\n");
	memset(msg + hl, 'x', 2000);
	write_all(fd, msg, (size_t)hl + 2000);
	CU_ASSERT_FATAL(wait_msgs(&s, 0, 1));
	CU_ASSERT_EQUAL(s.bad_status[0], 513);
	CU_ASSERT(s.bad_len[0] <= 1000);
	struct reader r = { .fd = fd };
	CU_ASSERT(run_until(reader_eof, &r, 3.0));   /* then closed */
	close(fd);

	/* A header block that never ends. */
	fd = tcp_client("127.0.0.1", port);
	CU_ASSERT_FATAL(fd >= 0);
	memset(msg, 'a', sizeof msg);
	memcpy(msg, "OPTIONS sip:x SIP/2.0\r\nX: ", 26);
	write_all(fd, msg, sizeof msg);
	CU_ASSERT_FATAL(wait_msgs(&s, 0, 2));
	CU_ASSERT_EQUAL(s.bad_status[1], 513);
	struct reader r2 = { .fd = fd };
	CU_ASSERT(run_until(reader_eof, &r2, 3.0));
	close(fd);
	run_for(0.05);

	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);
	CU_ASSERT_EQUAL(st.rx_bad, 2);
	CU_ASSERT_EQUAL(s.nmsgs, 0);
	seen_clear(&s);
	sip_transport_free(tp);
}

static void test_tcp_response_same_conn(void)
{
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	uint16_t port = listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");
	int fd = tcp_client("127.0.0.1", port);
	CU_ASSERT_FATAL(fd >= 0);
	write_all(fd, options, strlen(options));
	CU_ASSERT_FATAL(wait_msgs(&s, 1, 0));

	struct sip_dest d;
	CU_ASSERT_EQUAL_FATAL(sip_transport_response_dest(tp, s.msgs[0], &d), 0);
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(d.conn_id, s.msgs[0]->rx.conn_id);
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, ok200, strlen(ok200)), 0);
	struct reader r = { .fd = fd, .need = strlen(ok200) };
	CU_ASSERT(run_until(reader_poll, &r, 3.0));
	CU_ASSERT(r.len == strlen(ok200) && memcmp(r.buf, ok200, r.len) == 0);

	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_total, 1);   /* no new connection was opened */

	/* Once the connection is gone the response goes to the source IP and
	 * the Via sent-by port (RFC 3261 §18.2.2). */
	close(fd);
	run_for(0.1);
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);   /* the peer's close freed it */
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, s.msgs[0], &d), 0);
	CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *)&d.addr)->sin_port), 5099);
	seen_clear(&s);
	sip_transport_free(tp);
}

static void test_tcp_idle_timeout(void)
{
	struct seen s = { 0 };
	struct sip_transport_cfg cfg = { .tcp_idle_timeout = 0.2 };
	struct sip_transport *tp = new_tp(&s, &cfg);
	uint16_t port = listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");
	int fd = tcp_client("127.0.0.1", port);
	CU_ASSERT_FATAL(fd >= 0);
	write_all(fd, options, strlen(options));
	CU_ASSERT(wait_msgs(&s, 1, 0));
	struct reader r = { .fd = fd };
	CU_ASSERT(run_until(reader_eof, &r, 3.0));
	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);
	CU_ASSERT_EQUAL(st.conns_total, 1);
	close(fd);
	seen_clear(&s);
	sip_transport_free(tp);
}

struct total { struct sip_transport *tp; unsigned long refused; };
static bool refused_reached(void *arg)
{
	struct total *t = arg;
	struct sip_transport_stats st;
	sip_transport_get_stats(t->tp, &st);
	return st.conns_refused >= t->refused;
}

static void test_tcp_per_ip_limit(void)
{
	struct seen s = { 0 };
	struct sip_transport_cfg cfg = { .max_conn_per_ip = 2 };
	struct sip_transport *tp = new_tp(&s, &cfg);
	uint16_t port = listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");
	int fds[3];
	for (int i = 0; i < 3; i++) {
		fds[i] = tcp_client("127.0.0.1", port);
		CU_ASSERT_FATAL(fds[i] >= 0);
		run_for(0.05);  /* accepted in this order */
	}
	struct total t = { tp, 1 };
	CU_ASSERT(run_until(refused_reached, &t, 3.0));
	struct reader r = { .fd = fds[2] };
	CU_ASSERT(run_until(reader_eof, &r, 3.0));
	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 2);
	CU_ASSERT_EQUAL(st.conns_refused, 1);
	/* The first two still work. */
	write_all(fds[1], options, strlen(options));
	CU_ASSERT(wait_msgs(&s, 1, 0));
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	seen_clear(&s);
	sip_transport_free(tp);
}

static void test_tcp_total_limit(void)
{
	struct seen s = { 0 };
	struct sip_transport_cfg cfg = { .max_connections = 1 };
	struct sip_transport *tp = new_tp(&s, &cfg);
	uint16_t port = listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");
	int f1 = tcp_client("127.0.0.1", port);
	run_for(0.05);
	int f2 = tcp_client("127.0.0.1", port);
	CU_ASSERT_FATAL(f1 >= 0 && f2 >= 0);
	struct reader r = { .fd = f2 };
	CU_ASSERT(run_until(reader_eof, &r, 3.0));
	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 1);
	CU_ASSERT_EQUAL(st.conns_refused, 1);
	/* Outgoing connections count too. */
	struct sip_dest d;
	CU_ASSERT_EQUAL(sip_dest_from_host(&d, SIP_PROTO_TCP, sip_str_c("127.0.0.1"), port), 0);
	CU_ASSERT(sip_transport_send(tp, &d, options, strlen(options)) < 0);
	close(f1);
	close(f2);
	seen_clear(&s);
	sip_transport_free(tp);
}

/* A peer that never reads: the queue fills, the connection is closed. */
static void test_tcp_send_queue_limit(void)
{
	struct seen s = { 0 };
	struct sip_transport_cfg cfg = { .max_msg_size = 1000, .max_send_queue = 4000 };
	struct sip_transport *tp = new_tp(&s, &cfg);
	uint16_t port = listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");
	int fd = tcp_client("127.0.0.1", port);
	CU_ASSERT_FATAL(fd >= 0);
	write_all(fd, options, strlen(options));
	CU_ASSERT_FATAL(wait_msgs(&s, 1, 0));
	struct sip_dest d;
	CU_ASSERT_EQUAL_FATAL(sip_transport_response_dest(tp, s.msgs[0], &d), 0);
	char msg[1000];
	memset(msg, 'x', sizeof msg);
	int rc = 0;
	for (int i = 0; i < 1000000 && rc == 0; i++)
		rc = sip_transport_send(tp, &d, msg, sizeof msg);
	CU_ASSERT_EQUAL(rc, -ENOBUFS);
	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);
	struct reader r = { .fd = fd };
	CU_ASSERT(run_until(reader_eof, &r, 3.0));
	close(fd);
	run_for(0.05);
	seen_clear(&s);
	sip_transport_free(tp);
}

static unsigned tp_errors;
static int tp_error_err;
static struct sip_dest tp_error_dst;
static void on_tp_error(void *arg, const struct sip_dest *dst, int err)
{
	(void)arg;
	tp_errors++;
	tp_error_err = err;
	tp_error_dst = *dst;
}
static bool got_tp_error(void *arg)
{
	(void)arg;
	return tp_errors > 0;
}

/* Outgoing TCP: a plain listening socket plays the peer; the second send
 * reuses the connection; the peer's close frees it. */
static void test_tcp_outgoing(void)
{
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_storage a;
	socklen_t alen = make_addr(&a, "127.0.0.1", 0);
	CU_ASSERT_FATAL(bind(lfd, (struct sockaddr *)&a, alen) == 0 && listen(lfd, 4) == 0);

	struct sip_dest d = { .proto = SIP_PROTO_TCP };
	d.addr_len = make_addr(&d.addr, "127.0.0.1", sock_port(lfd));
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, options, strlen(options)), 0);
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, options2, strlen(options2)), 0);
	run_for(0.05);
	int pfd = accept(lfd, NULL, NULL);
	CU_ASSERT_FATAL(pfd >= 0);
	fcntl(pfd, F_SETFL, fcntl(pfd, F_GETFL) | O_NONBLOCK);
	struct reader r = { .fd = pfd, .need = strlen(options) + strlen(options2) };
	CU_ASSERT(run_until(reader_poll, &r, 3.0));
	CU_ASSERT_EQUAL(r.len, strlen(options) + strlen(options2));

	/* The peer answers on the same connection: rx on it. */
	write_all(pfd, ok200, strlen(ok200));
	CU_ASSERT_FATAL(wait_msgs(&s, 1, 0));
	CU_ASSERT(!s.msgs[0]->is_request);
	CU_ASSERT_EQUAL(s.msgs[0]->status, 200);
	CU_ASSERT(s.msgs[0]->rx.conn_id != 0);

	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_total, 1);
	CU_ASSERT_EQUAL(st.tx_msgs, 2);
	close(pfd);
	run_for(0.1);
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);

	/* Nobody listening: the connection fails, is freed, and the error
	 * callback hears of the lost data. */
	close(lfd);
	sip_transport_set_error_cb(tp, on_tp_error, NULL);
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, options, strlen(options)), 0);
	CU_ASSERT(run_until(got_tp_error, NULL, 3.0));
	CU_ASSERT_EQUAL(tp_errors, 1);
	CU_ASSERT_EQUAL(tp_error_err, -ECONNREFUSED);
	CU_ASSERT_EQUAL(tp_error_dst.proto, SIP_PROTO_TCP);
	CU_ASSERT(memcmp(&tp_error_dst.addr, &d.addr, sizeof(struct sockaddr_in)) == 0);
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);
	seen_clear(&s);
	sip_transport_free(tp);
}

/* Random bytes (and random SIP-ish fragments) must never crash or leak. */
static void test_garbage(void)
{
	struct seen s = { 0 };
	struct sip_transport_cfg cfg = { .max_msg_size = 2000 };
	struct sip_transport *tp = new_tp(&s, &cfg);
	uint16_t up = listen_on(tp, SIP_PROTO_UDP, "127.0.0.1");
	uint16_t tport = listen_on(tp, SIP_PROTO_TCP, "127.0.0.1");
	static const char *frags[] = { "\r\n", "\r\n\r\n", "Content-Length: ", "l: 5",
		"Content-Length: 99999999999999999999", "INVITE sip:x SIP/2.0", "SIP/2.0 200 OK",
		"Via: SIP/2.0/TCP h;rport", ":", "\0", "\t" };
	unsigned seed = 12345;
	int ufd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage to;
	socklen_t tolen = make_addr(&to, "127.0.0.1", up);
	for (int conn = 0; conn < 20; conn++) {
		int fd = tcp_client("127.0.0.1", tport);
		CU_ASSERT_FATAL(fd >= 0);
		char buf[3000];
		size_t n = 0;
		while (n < sizeof buf - 64) {
			unsigned r = rand_r(&seed);
			if (r % 3 == 0) {
				const char *f = frags[r / 3 % (sizeof frags / sizeof frags[0])];
				size_t fl = strlen(f) ? strlen(f) : 1;
				memcpy(buf + n, f, fl);
				n += fl;
			} else {
				buf[n++] = (char)(r >> 8);
			}
			if (r % 97 == 0)
				break;
		}
		sendto(ufd, buf, n, 0, (struct sockaddr *)&to, tolen);
		/* Split the stream at a random point. */
		size_t cut = n ? rand_r(&seed) % n : 0;
		write_all(fd, buf, cut);
		run_for(0.005);
		write_all(fd, buf + cut, n - cut);
		run_for(0.01);
		close(fd);
	}
	run_for(0.1);
	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);
	CU_ASSERT(st.rx_bad > 0);
	close(ufd);
	seen_clear(&s);
	sip_transport_free(tp);
}

/* ---- TLS ---- */

static char tls_dir[64];
static char tls_cert[128], tls_key[128];
static bool tls_ready;

static void tls_setup(void)
{
	if (tls_ready)
		return;
	snprintf(tls_dir, sizeof tls_dir, "/tmp/tandem-tls-XXXXXX");
	if (!mkdtemp(tls_dir))
		return;
	snprintf(tls_cert, sizeof tls_cert, "%s/cert.pem", tls_dir);
	snprintf(tls_key, sizeof tls_key, "%s/key.pem", tls_dir);
	char cmd[512];
	snprintf(cmd, sizeof cmd,
	         "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 "
	         "-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s >/dev/null 2>&1", tls_key, tls_cert);
	tls_ready = system(cmd) == 0;
}

static void tls_cleanup(void)
{
	if (!tls_dir[0])
		return;
	unlink(tls_cert);
	unlink(tls_key);
	rmdir(tls_dir);
}

/* Drive a non-blocking SSL call while the loop serves the other side. */
static int ssl_drive(SSL *ssl, int (*op)(SSL *, void *), void *arg)
{
	ev_now_update(loop);
	ev_tstamp end = ev_now(loop) + 3.0;
	while (ev_now(loop) < end) {
		int ret = op(ssl, arg);
		if (ret > 0)
			return ret;
		int e = SSL_get_error(ssl, ret);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			return -1;
		run_for(0.01);
	}
	return -1;
}

static int op_connect(SSL *ssl, void *arg) { (void)arg; return SSL_connect(ssl); }
static int op_write(SSL *ssl, void *arg) { return SSL_write(ssl, arg, (int)strlen(arg)); }
struct rbuf { char b[4096]; int len; };
static int op_read(SSL *ssl, void *arg)
{
	struct rbuf *r = arg;
	return SSL_read(ssl, r->b + r->len, (int)sizeof r->b - 1 - r->len);
}

static void test_tls_in(void)
{
	tls_setup();
	CU_ASSERT_FATAL(tls_ready);
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	uint16_t port = free_port(AF_INET, SOCK_STREAM);
	struct sip_listener_cfg lc = { .proto = SIP_PROTO_TLS, .address = "127.0.0.1", .port = port,
	                               .tls_cert = tls_cert, .tls_key = tls_key };
	CU_ASSERT_EQUAL_FATAL(sip_transport_listen(tp, &lc), 0);

	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_load_verify_locations(ctx, tls_cert, NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	int fd = tcp_client("127.0.0.1", port);
	CU_ASSERT_FATAL(fd >= 0);
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	CU_ASSERT_FATAL(ssl_drive(ssl, op_connect, NULL) == 1);
	CU_ASSERT(SSL_version(ssl) >= TLS1_2_VERSION);
	CU_ASSERT(ssl_drive(ssl, op_write, (void *)options) > 0);
	CU_ASSERT_FATAL(wait_msgs(&s, 1, 0));
	CU_ASSERT_EQUAL(s.msgs[0]->rx.proto, SIP_PROTO_TLS);
	CU_ASSERT(s.msgs[0]->rx.conn_id != 0);

	struct sip_dest d;
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, s.msgs[0], &d), 0);
	CU_ASSERT_EQUAL(d.conn_id, s.msgs[0]->rx.conn_id);
	CU_ASSERT_EQUAL(sip_transport_send(tp, &d, ok200, strlen(ok200)), 0);
	struct rbuf rb = { .len = 0 };
	while (rb.len < (int)strlen(ok200)) {
		int n = ssl_drive(ssl, op_read, &rb);
		if (n <= 0)
			break;
		rb.len += n;
	}
	CU_ASSERT(rb.len == (int)strlen(ok200) && memcmp(rb.b, ok200, strlen(ok200)) == 0);

	/* Keep-alive inside TLS too. */
	CU_ASSERT(ssl_drive(ssl, op_write, "\r\n\r\n") > 0);
	rb.len = 0;
	CU_ASSERT(ssl_drive(ssl, op_read, &rb) == 2);

	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	run_for(0.1);
	struct sip_transport_stats st;
	sip_transport_get_stats(tp, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);

	/* A plain-text client on the TLS port fails the handshake and is closed. */
	fd = tcp_client("127.0.0.1", port);
	write_all(fd, options, strlen(options));
	struct reader r = { .fd = fd };
	CU_ASSERT(run_until(reader_eof, &r, 3.0));
	close(fd);
	CU_ASSERT_EQUAL(s.nmsgs, 1);
	seen_clear(&s);
	sip_transport_free(tp);
}

/* Two transports on one loop: B opens an outgoing TLS connection to A;
 * A answers over the same connection. */
static void test_tls_out(void)
{
	tls_setup();
	CU_ASSERT_FATAL(tls_ready);
	struct seen sa = { 0 }, sb = { 0 };
	struct sip_transport *a = new_tp(&sa, NULL);
	/* B's short idle timeout bounds its TLS handshakes too. */
	struct sip_transport_cfg bcfg = { .tcp_idle_timeout = 0.5 };
	struct sip_transport *b = new_tp(&sb, &bcfg);
	uint16_t port = free_port(AF_INET, SOCK_STREAM);
	struct sip_listener_cfg lc = { .proto = SIP_PROTO_TLS, .address = "127.0.0.1", .port = port,
	                               .tls_cert = tls_cert, .tls_key = tls_key };
	CU_ASSERT_EQUAL_FATAL(sip_transport_listen(a, &lc), 0);
	/* B verifies A against the self-signed certificate (CN and IP 127.0.0.1). */
	uint16_t bport = free_port(AF_INET, SOCK_STREAM);
	struct sip_listener_cfg lb = { .proto = SIP_PROTO_TLS, .address = "127.0.0.1",
	                               .port = bport, .tls_cert = tls_cert, .tls_key = tls_key,
	                               .tls_ca = tls_cert, .tls_verify_peer = true };
	CU_ASSERT_EQUAL_FATAL(sip_transport_listen(b, &lb), 0);

	struct sip_dest d;
	char host[32];
	snprintf(host, sizeof host, "127.0.0.1:%u", port);
	CU_ASSERT_EQUAL_FATAL(sip_dest_from_host(&d, SIP_PROTO_TLS, sip_str_c(host), 0), 0);
	CU_ASSERT_EQUAL(sip_transport_send(b, &d, options, strlen(options)), 0);
	CU_ASSERT_FATAL(wait_msgs(&sa, 1, 0));
	struct sip_dest back;
	CU_ASSERT_EQUAL(sip_transport_response_dest(a, sa.msgs[0], &back), 0);
	CU_ASSERT_EQUAL(sip_transport_send(a, &back, ok200, strlen(ok200)), 0);
	CU_ASSERT_FATAL(wait_msgs(&sb, 1, 0));
	CU_ASSERT_EQUAL(sb.msgs[0]->status, 200);
	CU_ASSERT_EQUAL(sb.msgs[0]->rx.proto, SIP_PROTO_TLS);

	struct sip_transport_stats st;
	sip_transport_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.conns_total, 1);

	/* TLS to a plain TCP port: the handshake never completes, the setup
	 * timeout closes it and the error callback hears of it. */
	uint16_t tport = listen_on(a, SIP_PROTO_TCP, "127.0.0.1");
	tp_errors = 0;
	sip_transport_set_error_cb(b, on_tp_error, NULL);
	snprintf(host, sizeof host, "127.0.0.1:%u", tport);
	CU_ASSERT_EQUAL_FATAL(sip_dest_from_host(&d, SIP_PROTO_TLS, sip_str_c(host), 0), 0);
	CU_ASSERT_EQUAL(sip_transport_send(b, &d, options, strlen(options)), 0);
	CU_ASSERT(run_until(got_tp_error, NULL, 3.0));
	CU_ASSERT_EQUAL(tp_error_err, -ETIMEDOUT);
	CU_ASSERT_EQUAL(tp_error_dst.proto, SIP_PROTO_TLS);
	CU_ASSERT_EQUAL(sb.nmsgs, 1);
	sip_transport_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.conns_total, 2);
	seen_clear(&sa);
	seen_clear(&sb);
	sip_transport_free(b);
	run_for(0.1);
	sip_transport_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.conns_open, 0);
	sip_transport_free(a);
}

static void test_tls_bad_files(void)
{
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	struct sip_listener_cfg lc = { .proto = SIP_PROTO_TLS, .address = "127.0.0.1",
	                               .port = free_port(AF_INET, SOCK_STREAM),
	                               .tls_cert = "/nonexistent/cert.pem",
	                               .tls_key = "/nonexistent/key.pem" };
	CU_ASSERT(sip_transport_listen(tp, &lc) < 0);
	lc.tls_cert = NULL;
	CU_ASSERT(sip_transport_listen(tp, &lc) < 0);
	struct sip_listener_cfg bad = { .proto = SIP_PROTO_UDP, .address = "localhost" };
	CU_ASSERT(sip_transport_listen(tp, &bad) < 0);
	sip_transport_free(tp);
}

/* ---- response destinations without sockets ---- */

static void fake_req(struct sip_msg *m, enum sip_proto proto, const char *src, uint16_t sport)
{
	memset(m, 0, sizeof *m);
	m->is_request = true;
	m->via.rport = -1;
	m->rx.proto = proto;
	m->rx.src_len = make_addr(&m->rx.src, src, sport);
}

static uint16_t dport(const struct sip_dest *d)
{
	return ntohs(((const struct sockaddr_in *)&d->addr)->sin_port);
}

static void test_response_dest_rules(void)
{
	struct seen s = { 0 };
	struct sip_transport *tp = new_tp(&s, NULL);
	struct sip_msg m;
	struct sip_dest d;
	char a[64];

	/* UDP, rport present: source IP and source port (RFC 3581 §4). */
	fake_req(&m, SIP_PROTO_UDP, "127.0.0.2", 40000);
	m.via.host = sip_str_c("10.0.0.1");
	m.via.port = 5070;
	m.via.rport = 0;
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, &m, &d), 0);
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&d.addr, a, sizeof a), "127.0.0.2:40000");
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_UDP);

	/* UDP, no rport: received (source IP) and the sent-by port. */
	m.via.rport = -1;
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, &m, &d), 0);
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&d.addr, a, sizeof a), "127.0.0.2:5070");
	/* ... or 5060 without a port. */
	m.via.port = 0;
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, &m, &d), 0);
	CU_ASSERT_EQUAL(dport(&d), 5060);

	/* maddr wins over the source (RFC 3261 §18.2.2). */
	m.via.maddr = sip_str_c("239.255.255.1");
	m.via.port = 5080;
	m.via.rport = 0;
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, &m, &d), 0);
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&d.addr, a, sizeof a), "239.255.255.1:5080");
	m.via.maddr = sip_str_c("::1");
	m.via.port = 0;
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, &m, &d), 0);
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&d.addr, a, sizeof a), "[::1]:5060");

	/* TCP with a connection that is gone: source IP, sent-by port. */
	fake_req(&m, SIP_PROTO_TCP, "127.0.0.3", 41000);
	m.rx.conn_id = 12345;
	m.via.port = 5090;
	m.via.rport = 0;
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, &m, &d), 0);
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&d.addr, a, sizeof a), "127.0.0.3:5090");
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_TCP);
	/* TLS default port 5061. */
	fake_req(&m, SIP_PROTO_TLS, "::1", 41000);
	CU_ASSERT_EQUAL(sip_transport_response_dest(tp, &m, &d), 0);
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&d.addr, a, sizeof a), "[::1]:5061");

	/* No source: refused. */
	memset(&m, 0, sizeof m);
	CU_ASSERT(sip_transport_response_dest(tp, &m, &d) < 0);
	sip_transport_free(tp);
}

static void test_dest_from_host(void)
{
	struct sip_dest d;
	char a[64];
	CU_ASSERT_EQUAL(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c("127.0.0.1"), 0), 0);
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&d.addr, a, sizeof a), "127.0.0.1:5060");
	CU_ASSERT_EQUAL(d.conn_id, 0);
	CU_ASSERT_EQUAL(sip_dest_from_host(&d, SIP_PROTO_TLS, sip_str_c("127.0.0.1"), 0), 0);
	CU_ASSERT_EQUAL(dport(&d), 5061);
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_TLS);
	CU_ASSERT_EQUAL(sip_dest_from_host(&d, SIP_PROTO_TCP, sip_str_c("127.0.0.1"), 5070), 0);
	CU_ASSERT_EQUAL(dport(&d), 5070);
	CU_ASSERT_EQUAL(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c("127.0.0.1:5080"), 5070), 0);
	CU_ASSERT_EQUAL(dport(&d), 5080);
	CU_ASSERT_EQUAL(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c("[::1]:5072"), 0), 0);
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&d.addr, a, sizeof a), "[::1]:5072");
	CU_ASSERT_EQUAL(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c("[::1]"), 0), 0);
	CU_ASSERT_STRING_EQUAL(sip_addr_str((struct sockaddr *)&d.addr, a, sizeof a), "[::1]:5060");
	CU_ASSERT_EQUAL(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c("::1"), 0), 0);
	CU_ASSERT_EQUAL(d.addr.ss_family, AF_INET6);
	CU_ASSERT_EQUAL(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c("localhost"), 0), 0);
	CU_ASSERT_EQUAL(dport(&d), 5060);
	/* Not a host. */
	CU_ASSERT(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c("[::1"), 0) < 0);
	CU_ASSERT(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c("127.0.0.1:99999"), 0) < 0);
	CU_ASSERT(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c(""), 0) < 0);
	CU_ASSERT(sip_dest_from_host(&d, SIP_PROTO_UDP, sip_str_c(":5060"), 0) < 0);
	CU_ASSERT(sip_dest_from_host(&d, SIP_PROTO_UDP,
	                             sip_str_c("no-such-host.invalid"), 0) < 0);
}

static int suite_init(void)
{
	loop = ev_loop_new(EVFLAG_AUTO);
	return loop ? 0 : -1;
}

static int suite_clean(void)
{
	tls_cleanup();
	ev_loop_destroy(loop);
	return 0;
}

static CU_TestInfo transport_tests[] = {
	{ "UDP receive, rport answer, keep-alive, bad, 513", test_udp_receive },
	{ "UDP send from the listener port, sent-by", test_udp_send },
	{ "UDP answer from the listener asked", test_udp_answer_from_listener },
	{ "listeners reloaded: added, removed, revived", test_listen_reload },
	{ "UDP over ::1, 0.0.0.0 and :: together", test_udp_ipv6 },
	{ "TCP framing, keep-alive, missing Content-Length", test_tcp_framing },
	{ "TCP oversize -> 513 and close", test_tcp_oversize },
	{ "TCP response on the same connection", test_tcp_response_same_conn },
	{ "TCP idle timeout", test_tcp_idle_timeout },
	{ "TCP per-IP limit", test_tcp_per_ip_limit },
	{ "TCP total connection limit", test_tcp_total_limit },
	{ "TCP send queue limit", test_tcp_send_queue_limit },
	{ "TCP outgoing, reuse, peer close", test_tcp_outgoing },
	{ "garbage over UDP and TCP", test_garbage },
	{ "TLS in: handshake, request, response", test_tls_in },
	{ "TLS out between two transports", test_tls_out },
	{ "TLS listener with bad files", test_tls_bad_files },
	{ "response destination rules", test_response_dest_rules },
	{ "destinations from host text", test_dest_from_host },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "transport", .pInitFunc = suite_init, .pCleanupFunc = suite_clean,
	  .pTests = transport_tests },
	CU_SUITE_INFO_NULL,
};
