/* Unit tests: mod_rtprelay port pairs, relay sessions over real UDP on
 * 127.0.0.1 (latching, hijack, RTCP, SRTP bridging, timeout), SDES keys,
 * and the media API (WAV, G.711, RTP endpoint loopback). */
#include "config.h"

#include "unit.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <srtp2/srtp.h>

#include "../../modules/rtprelay/media.h"
#include "../../modules/rtprelay/ports.h"
#include "../../modules/rtprelay/relay.h"
#include "../../modules/rtprelay/sdp.h"
#include "../../modules/rtprelay/srtp.h"

#define PORT_MIN 41000
#define PORT_MAX 41199
#define WAIT_MS  3000             /* upper bound to never hang, not a speed check */

static struct rtpr_ports *ports;
static struct rtpr_relay *relay;
static atomic_int timeouts;
static void *_Atomic timeout_user;

static void on_timeout(struct rtpr_session *s, void *user, void *arg)
{
	(void)s;
	(void)arg;
	atomic_store(&timeout_user, user);
	atomic_fetch_add(&timeouts, 1);
}

static int suite_init(void)
{
	if (rtpr_srtp_global_init() < 0 || rtpr_ports_create(&ports, "127.0.0.1", PORT_MIN, PORT_MAX) < 0)
		return -1;
	struct rtpr_relay_config cfg = { .threads = 2, .timeout_ms = 300, .on_timeout = on_timeout };
	return rtpr_relay_create(&relay, ports, &cfg) < 0 ? -1 : 0;
}

static int suite_clean(void)
{
	rtpr_relay_destroy(relay);
	rtpr_ports_destroy(ports);
	return 0;
}

/* ---- a fake endpoint: one UDP socket on 127.0.0.1 ---- */

static int ep_open(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	int big = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	*port = ntohs(a.sin_port);
	return fd;
}

static void ep_send(int fd, uint16_t port, const void *p, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CU_ASSERT_EQUAL(sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)len);
}

/* One datagram or -1 after WAIT_MS. */
static int ep_recv(int fd, void *buf, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, WAIT_MS) != 1)
		return -1;
	return (int)recv(fd, buf, n, 0);
}

static size_t make_rtp(uint8_t *b, uint16_t seq, uint32_t ssrc, size_t payload)
{
	b[0] = 0x80;
	b[1] = 0;                 /* PCMU */
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	uint32_t ts = seq * 160u;
	b[4] = (uint8_t)(ts >> 24); b[5] = (uint8_t)(ts >> 16); b[6] = (uint8_t)(ts >> 8); b[7] = (uint8_t)ts;
	b[8] = (uint8_t)(ssrc >> 24); b[9] = (uint8_t)(ssrc >> 16); b[10] = (uint8_t)(ssrc >> 8); b[11] = (uint8_t)ssrc;
	for (size_t i = 0; i < payload; i++)
		b[12 + i] = (uint8_t)(seq + i);
	return 12 + payload;
}

static uint16_t rtp_seq(const uint8_t *b) { return (uint16_t)(b[2] << 8 | b[3]); }

/* Send n RTP packets from fd to port; expect them all at rfd, in order. */
static int pass_packets(int fd, uint16_t port, int rfd, uint16_t seq0, int n)
{
	uint8_t b[2048];
	for (int i = 0; i < n; i++) {
		size_t len = make_rtp(b, (uint16_t)(seq0 + i), 0x1234, 160);
		ep_send(fd, port, b, len);
	}
	int got = 0;
	for (int i = 0; i < n; i++) {
		int r = ep_recv(rfd, b, sizeof b);
		if (r != 172 || rtp_seq(b) != (uint16_t)(seq0 + i))
			break;
		got++;
	}
	return got;
}

static uint16_t sa_port_of(const struct sockaddr_storage *a)
{
	return ntohs(((const struct sockaddr_in *)a)->sin_port);
}

struct pair_eps {
	struct rtpr_session *s;
	int a, b;
	uint16_t pa, pb;
	uint16_t ra, rb;          /* relay ports of legs A and B */
};

static void eps_open(struct pair_eps *e, void *user)
{
	memset(e, 0, sizeof *e);
	CU_ASSERT_EQUAL_FATAL(rtpr_session_create(relay, user, &e->s), 0);
	e->a = ep_open(&e->pa);
	e->b = ep_open(&e->pb);
	CU_ASSERT_FATAL(e->a >= 0 && e->b >= 0);
	e->ra = rtpr_session_port(e->s, RTPR_LEG_A);
	e->rb = rtpr_session_port(e->s, RTPR_LEG_B);
	CU_ASSERT(e->ra % 2 == 0 && e->rb % 2 == 0 && e->ra != e->rb);
	CU_ASSERT(e->ra >= PORT_MIN && e->ra <= PORT_MAX);
}

static void eps_close(struct pair_eps *e)
{
	rtpr_session_destroy(e->s);
	close(e->a);
	close(e->b);
}

/* ---- ports ---- */

static void test_ports(void)
{
	struct rtpr_ports *p;
	CU_ASSERT_EQUAL(rtpr_ports_create(&p, "not-an-ip", 1000, 2000), -EINVAL);
	CU_ASSERT_EQUAL(rtpr_ports_create(&p, "127.0.0.1", 3001, 3001), -EINVAL);
	/* 3 pairs, the middle one held by someone else */
	CU_ASSERT_EQUAL_FATAL(rtpr_ports_create(&p, "127.0.0.1", 42001, 42007), 0);
	int blocker = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(42005),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CU_ASSERT_EQUAL_FATAL(bind(blocker, (struct sockaddr *)&a, sizeof a), 0);
	struct rtpr_port_pair x, y, z;
	CU_ASSERT_EQUAL(rtpr_ports_alloc(p, &x), 0);
	CU_ASSERT_EQUAL(x.rtp_port, 42002);
	CU_ASSERT_EQUAL(rtpr_ports_alloc(p, &y), 0);
	CU_ASSERT_EQUAL(y.rtp_port, 42006);            /* 42004/42005 skipped */
	CU_ASSERT_EQUAL(rtpr_ports_alloc(p, &z), -EADDRINUSE);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(p), 2);
	rtpr_ports_release(p, &x);
	CU_ASSERT_EQUAL(x.rtp_fd, -1);
	CU_ASSERT_EQUAL(rtpr_ports_alloc(p, &z), 0);
	CU_ASSERT_EQUAL(z.rtp_port, 42002);
	rtpr_ports_release(p, &y);
	rtpr_ports_release(p, &z);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(p), 0);
	close(blocker);
	rtpr_ports_destroy(p);
}

/* ---- relay ---- */

static void test_relay_both_ways(void)
{
	struct pair_eps e;
	eps_open(&e, NULL);
	CU_ASSERT_EQUAL(rtpr_session_set_remote(e.s, RTPR_LEG_A, "127.0.0.1", e.pa, 0), 0);
	CU_ASSERT_EQUAL(rtpr_session_set_remote(e.s, RTPR_LEG_B, "127.0.0.1", e.pb, 0), 0);
	CU_ASSERT_EQUAL(rtpr_session_set_remote(e.s, RTPR_LEG_B, "bogus", e.pb, 0), -EINVAL);
	const int N = 200;
	CU_ASSERT_EQUAL(pass_packets(e.a, e.ra, e.b, 1, N), N);
	CU_ASSERT_EQUAL(pass_packets(e.b, e.rb, e.a, 5000, N), N);
	struct rtpr_leg_stats sa, sb;
	rtpr_session_stats(e.s, RTPR_LEG_A, &sa);
	rtpr_session_stats(e.s, RTPR_LEG_B, &sb);
	CU_ASSERT_EQUAL(sa.rx_packets, (uint64_t)N);
	CU_ASSERT_EQUAL(sa.rx_bytes, (uint64_t)N * 172);
	CU_ASSERT_EQUAL(sa.tx_packets, (uint64_t)N);
	CU_ASSERT_EQUAL(sb.rx_packets, (uint64_t)N);
	CU_ASSERT_EQUAL(sb.tx_packets, (uint64_t)N);
	CU_ASSERT_TRUE(sa.latched && sb.latched);
	CU_ASSERT(sa.idle_ms >= 0);
	/* garbage (not RTP v2, too short) is dropped, not forwarded */
	ep_send(e.a, e.ra, "hello", 5);
	uint8_t junk[20] = { 0x40 };
	ep_send(e.a, e.ra, junk, sizeof junk);
	CU_ASSERT_EQUAL(pass_packets(e.a, e.ra, e.b, 900, 1), 1);
	rtpr_session_stats(e.s, RTPR_LEG_A, &sa);
	CU_ASSERT_EQUAL(sa.dropped_invalid, 2);
	eps_close(&e);
}

static void test_relay_latch_and_hijack(void)
{
	struct pair_eps e;
	eps_open(&e, NULL);
	/* A's SDP names a wrong address (NAT): the relay sends there first */
	CU_ASSERT_EQUAL(rtpr_session_set_remote(e.s, RTPR_LEG_A, "127.0.0.1", 9, 0), 0);
	CU_ASSERT_EQUAL(rtpr_session_set_remote(e.s, RTPR_LEG_B, "127.0.0.1", e.pb, 0), 0);
	struct rtpr_leg_stats sa;
	rtpr_session_stats(e.s, RTPR_LEG_A, &sa);
	CU_ASSERT_FALSE(sa.latched);
	CU_ASSERT_EQUAL(sa_port_of(&sa.remote), 9);
	/* A talks: the relay learns A's real address */
	CU_ASSERT_EQUAL(pass_packets(e.a, e.ra, e.b, 1, 5), 5);
	CU_ASSERT_EQUAL(pass_packets(e.b, e.rb, e.a, 100, 20), 20);
	rtpr_session_stats(e.s, RTPR_LEG_A, &sa);
	CU_ASSERT_TRUE(sa.latched);
	CU_ASSERT_EQUAL(sa_port_of(&sa.remote), e.pa);

	/* A third party tries to take leg A over: dropped and counted */
	uint16_t pc;
	int c = ep_open(&pc);
	uint8_t b[256];
	for (int i = 0; i < 10; i++)
		ep_send(c, e.ra, b, make_rtp(b, (uint16_t)(7000 + i), 0x6666, 160));
	/* A's next packet is the first B sees: the intruder's were not relayed */
	CU_ASSERT_EQUAL(pass_packets(e.a, e.ra, e.b, 10, 1), 1);
	/* and B's media still goes to A, not to the intruder */
	CU_ASSERT_EQUAL(pass_packets(e.b, e.rb, e.a, 200, 3), 3);
	rtpr_session_stats(e.s, RTPR_LEG_A, &sa);
	CU_ASSERT_EQUAL(sa.dropped_foreign, 10);
	CU_ASSERT_EQUAL(sa_port_of(&sa.remote), e.pa);
	struct pollfd pfd = { .fd = c, .events = POLLIN };
	CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 0);
	close(c);
	eps_close(&e);
}

static void test_relay_rtcp(void)
{
	struct pair_eps e;
	eps_open(&e, NULL);
	uint16_t pa2, pb2;
	int a2 = ep_open(&pa2), b2 = ep_open(&pb2);
	CU_ASSERT_EQUAL(rtpr_session_set_remote(e.s, RTPR_LEG_A, "127.0.0.1", e.pa, pa2), 0);
	CU_ASSERT_EQUAL(rtpr_session_set_remote(e.s, RTPR_LEG_B, "127.0.0.1", e.pb, pb2), 0);
	/* RR from A: one report block, fraction 25/256, 3 lost, jitter 77 */
	uint8_t rr[32] = { 0x81, 201, 0, 7, 0, 0, 0x12, 0x34,
	                   0, 0, 0x56, 0x78, 25, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0, 77 };
	ep_send(a2, (uint16_t)(e.ra + 1), rr, sizeof rr);
	uint8_t got[64];
	CU_ASSERT_EQUAL(ep_recv(b2, got, sizeof got), (int)sizeof rr);
	CU_ASSERT_EQUAL(memcmp(got, rr, sizeof rr), 0);
	/* and back from B */
	ep_send(b2, (uint16_t)(e.rb + 1), rr, sizeof rr);
	CU_ASSERT_EQUAL(ep_recv(a2, got, sizeof got), (int)sizeof rr);
	struct rtpr_leg_stats sa, sb;
	rtpr_session_stats(e.s, RTPR_LEG_A, &sa);
	rtpr_session_stats(e.s, RTPR_LEG_B, &sb);
	CU_ASSERT_EQUAL(sa.rtcp_rx, 1);
	CU_ASSERT_EQUAL(sb.rtcp_tx, 1);
	CU_ASSERT_TRUE(sa.have_report);
	CU_ASSERT_EQUAL(sa.fraction_lost, 25);
	CU_ASSERT_EQUAL(sa.cumulative_lost, 3);
	CU_ASSERT_EQUAL(sa.jitter, 77);
	CU_ASSERT_TRUE(sa.rtcp_latched);
	CU_ASSERT_EQUAL(sa.rx_packets, 0);
	close(a2);
	close(b2);
	eps_close(&e);
}

/* An endpoint's own libsrtp2 context (independent of the relay's code). */
static srtp_t ep_srtp(const struct rtpr_srtp_key *k, bool outbound)
{
	srtp_policy_t pol;
	memset(&pol, 0, sizeof pol);
	srtp_crypto_policy_set_rtp_default(&pol.rtp);
	srtp_crypto_policy_set_rtcp_default(&pol.rtcp);
	pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = (unsigned char *)k->key;
	pol.window_size = 128;
	srtp_t ctx = NULL;
	CU_ASSERT_EQUAL(srtp_create(&ctx, &pol), srtp_err_status_ok);
	return ctx;
}

/* A speaks SRTP, B plain RTP (and, with b_srtp, SRTP with other keys). */
static void srtp_bridge(bool b_srtp)
{
	struct pair_eps e;
	eps_open(&e, NULL);
	rtpr_session_set_remote(e.s, RTPR_LEG_A, "127.0.0.1", e.pa, 0);
	rtpr_session_set_remote(e.s, RTPR_LEG_B, "127.0.0.1", e.pb, 0);
	/* keys of A's SDP and of the relay's answer to A, over their SDP text */
	struct rtpr_srtp_key ka, kr, kb, kr2, parsed;
	char line[128];
	CU_ASSERT_EQUAL_FATAL(rtpr_srtp_key_generate(RTPR_SRTP_AES_CM_128_HMAC_SHA1_80, 1, &ka), 0);
	CU_ASSERT_EQUAL_FATAL(rtpr_srtp_key_format(&ka, line, sizeof line), 0);
	CU_ASSERT_EQUAL_FATAL(rtpr_srtp_key_parse(line, strlen(line), &parsed), 0);
	CU_ASSERT_EQUAL(memcmp(parsed.key, ka.key, 30), 0);
	CU_ASSERT_EQUAL_FATAL(rtpr_srtp_key_generate(RTPR_SRTP_AES_CM_128_HMAC_SHA1_80, 1, &kr), 0);
	CU_ASSERT_EQUAL_FATAL(rtpr_session_set_crypto(e.s, RTPR_LEG_A, &parsed, &kr), 0);
	srtp_t a_tx = ep_srtp(&ka, true), a_rx = ep_srtp(&kr, false);
	srtp_t b_tx = NULL, b_rx = NULL;
	if (b_srtp) {
		rtpr_srtp_key_generate(RTPR_SRTP_AES_CM_128_HMAC_SHA1_80, 1, &kb);
		rtpr_srtp_key_generate(RTPR_SRTP_AES_CM_128_HMAC_SHA1_80, 1, &kr2);
		CU_ASSERT_EQUAL_FATAL(rtpr_session_set_crypto(e.s, RTPR_LEG_B, &kb, &kr2), 0);
		b_tx = ep_srtp(&kb, true);
		b_rx = ep_srtp(&kr2, false);
	}
	uint8_t b[2048], plain[2048], got[2048];
	const int N = 50;
	int ok = 0;
	for (int i = 0; i < N; i++) {
		/* A -> B */
		int len = (int)make_rtp(b, (uint16_t)(i + 1), 0xa11ce, 160);
		memcpy(plain, b, (size_t)len);
		CU_ASSERT_EQUAL(srtp_protect(a_tx, b, &len), srtp_err_status_ok);
		CU_ASSERT_EQUAL(len, 172 + 10);
		ep_send(e.a, e.ra, b, (size_t)len);
		int r = ep_recv(e.b, got, sizeof got);
		if (b_srtp && r > 0)
			CU_ASSERT_EQUAL(srtp_unprotect(b_rx, got, &r), srtp_err_status_ok);
		if (r == 172 && memcmp(got, plain, 172) == 0)
			ok++;
		/* B -> A */
		len = (int)make_rtp(b, (uint16_t)(i + 1), 0xb0b, 160);
		memcpy(plain, b, (size_t)len);
		if (b_srtp)
			CU_ASSERT_EQUAL(srtp_protect(b_tx, b, &len), srtp_err_status_ok);
		ep_send(e.b, e.rb, b, (size_t)len);
		r = ep_recv(e.a, got, sizeof got);
		CU_ASSERT_EQUAL(r, 182);
		if (r > 0 && srtp_unprotect(a_rx, got, &r) == srtp_err_status_ok &&
		    r == 172 && memcmp(got, plain, 172) == 0)
			ok++;
	}
	CU_ASSERT_EQUAL(ok, 2 * N);
	/* SRTCP too: A's protected RR reaches B's RTCP port decrypted */
	uint16_t pb2;
	int b2 = ep_open(&pb2);
	rtpr_session_set_remote(e.s, RTPR_LEG_B, "127.0.0.1", e.pb, pb2);
	uint8_t rr[64] = { 0x81, 201, 0, 7, 0, 0, 0x0a, 0x11,
	                   0, 0, 0x0b, 0x0b, 7, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 5 };
	int rlen = 32;
	CU_ASSERT_EQUAL(srtp_protect_rtcp(a_tx, rr, &rlen), srtp_err_status_ok);
	ep_send(e.a, (uint16_t)(e.ra + 1), rr, (size_t)rlen);
	int r = ep_recv(b2, got, sizeof got);
	if (b_srtp && r > 0)
		CU_ASSERT_EQUAL(srtp_unprotect_rtcp(b_rx, got, &r), srtp_err_status_ok);
	CU_ASSERT_EQUAL(r, 32);
	CU_ASSERT_EQUAL(got[12], 7);
	/* a tampered packet from A fails authentication and is dropped */
	int len = (int)make_rtp(b, 999, 0xa11ce, 160);
	srtp_protect(a_tx, b, &len);
	b[20] ^= 1;
	ep_send(e.a, e.ra, b, (size_t)len);
	len = (int)make_rtp(b, 1000, 0xa11ce, 160);
	srtp_protect(a_tx, b, &len);
	ep_send(e.a, e.ra, b, (size_t)len);
	r = ep_recv(e.b, got, sizeof got);
	if (b_srtp && r > 0)
		srtp_unprotect(b_rx, got, &r);
	CU_ASSERT_EQUAL(r, 172);
	CU_ASSERT_EQUAL(rtp_seq(got), 1000);
	struct rtpr_leg_stats sa;
	rtpr_session_stats(e.s, RTPR_LEG_A, &sa);
	CU_ASSERT_EQUAL(sa.dropped_srtp, 1);
	CU_ASSERT_TRUE(sa.have_report);
	srtp_dealloc(a_tx);
	srtp_dealloc(a_rx);
	if (b_srtp) {
		srtp_dealloc(b_tx);
		srtp_dealloc(b_rx);
	}
	close(b2);
	eps_close(&e);
}

static void test_srtp_to_rtp(void) { srtp_bridge(false); }
static void test_srtp_to_srtp(void) { srtp_bridge(true); }

static void test_destroy_releases_ports(void)
{
	unsigned before = rtpr_ports_in_use(ports);
	struct rtpr_session *s;
	CU_ASSERT_EQUAL_FATAL(rtpr_session_create(relay, NULL, &s), 0);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), before + 2);
	uint16_t pa = rtpr_session_port(s, RTPR_LEG_A);
	rtpr_session_destroy(s);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), before);
	/* the port is really free: anyone can bind it again */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(pa),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CU_ASSERT_EQUAL(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	close(fd);
	/* many sessions in a row: no fd or port leak */
	for (int i = 0; i < 300; i++) {
		CU_ASSERT_EQUAL_FATAL(rtpr_session_create(relay, NULL, &s), 0);
		rtpr_session_destroy(s);
	}
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), before);
}

static void test_media_timeout(void)
{
	int tag;
	struct rtpr_session *s, *h;
	CU_ASSERT_EQUAL_FATAL(rtpr_session_create(relay, &tag, &s), 0);
	CU_ASSERT_EQUAL_FATAL(rtpr_session_create(relay, NULL, &h), 0);
	rtpr_session_set_hold(h, true);
	CU_ASSERT_FALSE(rtpr_session_timed_out(s));
	for (int i = 0; i < 100 && !rtpr_session_timed_out(s); i++)
		usleep(50 * 1000);
	CU_ASSERT_TRUE(rtpr_session_timed_out(s));
	for (int i = 0; i < 100 && atomic_load(&timeout_user) != &tag; i++)
		usleep(10 * 1000);
	CU_ASSERT_PTR_EQUAL(atomic_load(&timeout_user), &tag);
	/* a held session never times out */
	CU_ASSERT_FALSE(rtpr_session_timed_out(h));
	rtpr_session_destroy(s);
	rtpr_session_destroy(h);
}

/* ---- SDES keys ---- */

static void test_sdes(void)
{
	/* RFC 4568 §9.1 example key||salt */
	static const char ex[] = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	uint8_t raw[64];
	char enc[80];
	CU_ASSERT_EQUAL(rtpr_base64_decode(ex, strlen(ex), raw, sizeof raw), 30);
	CU_ASSERT_EQUAL(memcmp(raw, "YS___semctl () {\t220;}\n}\nunles", 30), 0);
	CU_ASSERT_EQUAL(rtpr_base64_encode(raw, 30, enc, sizeof enc), 40);
	CU_ASSERT_STRING_EQUAL(enc, ex);
	CU_ASSERT_EQUAL(rtpr_base64_encode((const uint8_t *)"f", 1, enc, sizeof enc), 4);
	CU_ASSERT_STRING_EQUAL(enc, "Zg==");
	CU_ASSERT_EQUAL(rtpr_base64_decode("Zg==", 4, raw, sizeof raw), 1);
	CU_ASSERT_EQUAL(rtpr_base64_decode("Z!==", 4, raw, sizeof raw), -EINVAL);

	struct rtpr_srtp_key k;
	char v[160];
	snprintf(v, sizeof v, "1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^20", ex);
	CU_ASSERT_EQUAL(rtpr_srtp_key_parse(v, strlen(v), &k), 0);
	CU_ASSERT_EQUAL(k.suite, RTPR_SRTP_AES_CM_128_HMAC_SHA1_80);
	CU_ASSERT_EQUAL(k.len, 30);
	snprintf(v, sizeof v, "1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^20|1:4", ex);
	CU_ASSERT_EQUAL(rtpr_srtp_key_parse(v, strlen(v), &k), -ENOTSUP);
	snprintf(v, sizeof v, "1 F8_128_HMAC_SHA1_80 inline:%s", ex);
	CU_ASSERT_EQUAL(rtpr_srtp_key_parse(v, strlen(v), &k), -ENOTSUP);
	snprintf(v, sizeof v, "1 AES_CM_128_HMAC_SHA1_80 inline:%s FEC_ORDER=FEC_SRTP", ex);
	CU_ASSERT_EQUAL(rtpr_srtp_key_parse(v, strlen(v), &k), -ENOTSUP);
	CU_ASSERT_EQUAL(rtpr_srtp_key_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAAA", 37, &k), -EINVAL);
	CU_ASSERT_EQUAL(rtpr_srtp_key_parse("x AES_CM_128_HMAC_SHA1_80", 25, &k), -EINVAL);
	CU_ASSERT_EQUAL(rtpr_srtp_key_parse("", 0, &k), -EINVAL);

	/* every supported suite: generate, format, parse back, create contexts */
	for (int s = 1; s < RTPR_SRTP__COUNT; s++) {
		if (!rtpr_srtp_suite_supported((enum rtpr_srtp_suite)s))
			continue;
		struct rtpr_srtp_key g, p;
		CU_ASSERT_EQUAL(rtpr_srtp_key_generate((enum rtpr_srtp_suite)s, 3, &g), 0);
		CU_ASSERT_EQUAL(rtpr_srtp_key_format(&g, v, sizeof v), 0);
		CU_ASSERT_EQUAL(rtpr_srtp_key_parse(v, strlen(v), &p), 0);
		CU_ASSERT_EQUAL(p.len, g.len);
		CU_ASSERT_EQUAL(memcmp(p.key, g.key, g.len), 0);
		/* protect then unprotect with the same key */
		struct rtpr_srtp *tx, *rx;
		CU_ASSERT_EQUAL_FATAL(rtpr_srtp_create(&tx, &g, true), 0);
		CU_ASSERT_EQUAL_FATAL(rtpr_srtp_create(&rx, &p, false), 0);
		uint8_t pkt[172 + RTPR_SRTP_TRAILER];
		int len = (int)make_rtp(pkt, 1, 42, 160);
		CU_ASSERT_EQUAL(rtpr_srtp_protect(tx, pkt, &len, false), 0);
		CU_ASSERT(len > 172);
		CU_ASSERT_EQUAL(rtpr_srtp_unprotect(rx, pkt, &len, false), 0);
		CU_ASSERT_EQUAL(len, 172);
		CU_ASSERT_EQUAL(rtpr_srtp_unprotect(rx, pkt, &len, false), -EBADMSG);
		rtpr_srtp_destroy(tx);
		rtpr_srtp_destroy(rx);
	}
	CU_ASSERT_TRUE(rtpr_srtp_suite_supported(RTPR_SRTP_AES_CM_128_HMAC_SHA1_32));

	/* the answerer picks the first crypto line it supports */
	struct rtpr_sdp_media m = { .ncrypto = 2 };
	snprintf(m.crypto[0].value, sizeof m.crypto[0].value, "1 F8_128_HMAC_SHA1_80 inline:%s", ex);
	snprintf(m.crypto[1].value, sizeof m.crypto[1].value, "2 AES_CM_128_HMAC_SHA1_32 inline:%s", ex);
	CU_ASSERT_EQUAL(rtpr_srtp_key_pick(&m, &k), 0);
	CU_ASSERT_EQUAL(k.tag, 2);
	m.ncrypto = 1;
	CU_ASSERT_EQUAL(rtpr_srtp_key_pick(&m, &k), -ENOENT);
}

/* ---- media API ---- */

static void test_g711_known(void)
{
	/* ITU-T G.711 reference points */
	CU_ASSERT_EQUAL(rtpr_ulaw_encode(0), 0xFF);
	CU_ASSERT_EQUAL(rtpr_ulaw_encode(-1), 0x7F);
	CU_ASSERT_EQUAL(rtpr_ulaw_encode(32767), 0x80);
	CU_ASSERT_EQUAL(rtpr_ulaw_encode(-32768), 0x00);
	CU_ASSERT_EQUAL(rtpr_ulaw_decode(0x00), -32124);
	CU_ASSERT_EQUAL(rtpr_ulaw_decode(0x80), 32124);
	CU_ASSERT_EQUAL(rtpr_ulaw_decode(0xFF), 0);
	CU_ASSERT_EQUAL(rtpr_ulaw_decode(0x7E), -8);
	CU_ASSERT_EQUAL(rtpr_alaw_encode(0), 0xD5);
	CU_ASSERT_EQUAL(rtpr_alaw_encode(-1), 0x55);
	CU_ASSERT_EQUAL(rtpr_alaw_encode(32767), 0xAA);
	CU_ASSERT_EQUAL(rtpr_alaw_encode(-32768), 0x2A);
	CU_ASSERT_EQUAL(rtpr_alaw_decode(0xD5), 8);
	CU_ASSERT_EQUAL(rtpr_alaw_decode(0x55), -8);
	CU_ASSERT_EQUAL(rtpr_alaw_decode(0xAA), 32256);
	CU_ASSERT_EQUAL(rtpr_alaw_decode(0x2A), -32256);
	/* every code word survives decode -> encode (mu-law 0x7F is -0 = 0xFF) */
	int bad = 0;
	for (int c = 0; c < 256; c++) {
		if (rtpr_alaw_encode(rtpr_alaw_decode((uint8_t)c)) != c)
			bad++;
		if (c != 0x7F && rtpr_ulaw_encode(rtpr_ulaw_decode((uint8_t)c)) != c)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* quantisation is monotonic over the whole 16-bit range */
	int prev_u = -40000, prev_a = -40000, nonmono = 0;
	for (int x = -32768; x <= 32767; x++) {
		int u = rtpr_ulaw_decode(rtpr_ulaw_encode((int16_t)x));
		int a = rtpr_alaw_decode(rtpr_alaw_encode((int16_t)x));
		if (u < prev_u || a < prev_a)
			nonmono++;
		prev_u = u;
		prev_a = a;
	}
	CU_ASSERT_EQUAL(nonmono, 0);
}

static size_t put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
	return 4;
}

static size_t put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
	return 2;
}

/* A WAV image: a LIST chunk of odd size (padding), fmt, data. */
static size_t make_wav(uint8_t *b, const int16_t *s, size_t n, uint16_t channels, uint32_t rate)
{
	size_t o = 0;
	memcpy(b, "RIFF", 4); o += 4;
	o += 4;                               /* size, patched below */
	memcpy(b + o, "WAVE", 4); o += 4;
	memcpy(b + o, "LIST", 4); o += 4;
	o += put_le32(b + o, 3);
	memcpy(b + o, "abc", 3); o += 3;
	b[o++] = 0;                           /* pad byte */
	memcpy(b + o, "fmt ", 4); o += 4;
	o += put_le32(b + o, 16);
	o += put_le16(b + o, 1);
	o += put_le16(b + o, channels);
	o += put_le32(b + o, rate);
	o += put_le32(b + o, rate * 2 * channels);
	o += put_le16(b + o, (uint16_t)(2 * channels));
	o += put_le16(b + o, 16);
	memcpy(b + o, "data", 4); o += 4;
	o += put_le32(b + o, (uint32_t)(n * 2));
	for (size_t i = 0; i < n; i++)
		o += put_le16(b + o, (uint16_t)s[i]);
	put_le32(b + 4, (uint32_t)(o - 8));
	return o;
}

#define WAV_N 1000                /* 6.25 frames: the last one padded */

static void fill_tone(int16_t *s, size_t n)
{
	/* a deterministic sawtooth-ish signal across the range */
	for (size_t i = 0; i < n; i++)
		s[i] = (int16_t)((int)((i * 2654435761u) >> 16) - 32768);
}

static void test_wav(void)
{
	static int16_t s[WAV_N];
	static uint8_t img[WAV_N * 2 + 128];
	fill_tone(s, WAV_N);
	size_t len = make_wav(img, s, WAV_N, 1, 8000);
	struct rtpr_wav w;
	CU_ASSERT_EQUAL_FATAL(rtpr_wav_parse(img, len, &w), 0);
	CU_ASSERT_EQUAL(w.nsamples, WAV_N);
	CU_ASSERT_EQUAL(w.rate, 8000);
	CU_ASSERT_EQUAL(memcmp(w.samples, s, sizeof s), 0);
	/* frames: 7, the last padded with silence */
	struct rtpr_wav_player pl = { &w, 0 };
	int16_t f[RTPR_FRAME_SAMPLES];
	int frames = 0;
	while (rtpr_wav_next_frame(&pl, f))
		frames++;
	CU_ASSERT_EQUAL(frames, 7);
	CU_ASSERT_EQUAL(f[WAV_N % 160], 0);
	CU_ASSERT_EQUAL(f[WAV_N % 160 - 1], s[WAV_N - 1]);
	rtpr_wav_free(&w);
	/* from a file */
	char path[] = "/tmp/tandem-test-wav-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, img, len), (ssize_t)len);
	close(fd);
	CU_ASSERT_EQUAL(rtpr_wav_load(path, &w), 0);
	CU_ASSERT_EQUAL(w.nsamples, WAV_N);
	rtpr_wav_free(&w);
	unlink(path);
	CU_ASSERT_EQUAL(rtpr_wav_load("/nonexistent/x.wav", &w), -ENOENT);
	/* truncated data chunk: clamped to what is there */
	CU_ASSERT_EQUAL(rtpr_wav_parse(img, len - 100, &w), 0);
	CU_ASSERT_EQUAL(w.nsamples, WAV_N - 50);
	rtpr_wav_free(&w);
	/* refused: stereo, 16 kHz, not RIFF, cut inside fmt, every truncation */
	len = make_wav(img, s, 10, 2, 8000);
	CU_ASSERT_EQUAL(rtpr_wav_parse(img, len, &w), -ENOTSUP);
	len = make_wav(img, s, 10, 1, 16000);
	CU_ASSERT_EQUAL(rtpr_wav_parse(img, len, &w), -ENOTSUP);
	CU_ASSERT_EQUAL(rtpr_wav_parse((const uint8_t *)"RIFX\0\0\0\0WAVE", 12, &w), -EINVAL);
	CU_ASSERT_EQUAL(rtpr_wav_parse(img, 30, &w), -EINVAL);
	len = make_wav(img, s, 10, 1, 8000);
	for (size_t cut = 0; cut < len; cut++) {
		if (rtpr_wav_parse(img, cut, &w) == 0)
			rtpr_wav_free(&w);
	}
	CU_ASSERT_PTR_NULL(w.samples);
}

/* A WAV sent as 20 ms G.711 RTP packets to a socket, decoded back. */
static void media_loopback(enum rtpr_codec codec)
{
	struct rtpr_ports *p;
	CU_ASSERT_EQUAL_FATAL(rtpr_ports_create(&p, "127.0.0.1", 43000, 43009), 0);
	struct rtpr_media_ep *tx, *rx;
	CU_ASSERT_EQUAL_FATAL(rtpr_media_open(&tx, p, codec), 0);
	CU_ASSERT_EQUAL_FATAL(rtpr_media_open(&rx, p, codec), 0);
	int16_t f[RTPR_FRAME_SAMPLES];
	CU_ASSERT_EQUAL(rtpr_media_send_frame(tx, f), -ENOTCONN);
	CU_ASSERT_EQUAL(rtpr_media_set_remote(tx, "127.0.0.1", rtpr_media_port(rx)), 0);
	static int16_t s[WAV_N];
	static uint8_t img[WAV_N * 2 + 128];
	fill_tone(s, WAV_N);
	struct rtpr_wav w;
	CU_ASSERT_EQUAL_FATAL(rtpr_wav_parse(img, make_wav(img, s, WAV_N, 1, 8000), &w), 0);
	struct rtpr_wav_player pl = { &w, 0 };
	int sent = 0;
	while (rtpr_wav_next_frame(&pl, f)) {
		CU_ASSERT_EQUAL(rtpr_media_send_frame(tx, f), 0);
		sent++;
	}
	static int16_t got[7 * RTPR_FRAME_SAMPLES];
	size_t total = 0;
	uint16_t seq, prev = 0;
	int frames = 0;
	for (int i = 0; i < sent; i++) {
		struct pollfd pfd = { .fd = rtpr_media_fd(rx), .events = POLLIN };
		if (poll(&pfd, 1, WAIT_MS) != 1)
			break;
		size_t n;
		CU_ASSERT_EQUAL_FATAL(rtpr_media_recv_frame(rx, got + total, sizeof got / 2 - total, &n, &seq), 0);
		CU_ASSERT_EQUAL(n, RTPR_FRAME_SAMPLES);
		if (frames)
			CU_ASSERT_EQUAL(seq, (uint16_t)(prev + 1));
		prev = seq;
		total += n;
		frames++;
	}
	CU_ASSERT_EQUAL(frames, 7);
	CU_ASSERT_EQUAL(total, 7 * RTPR_FRAME_SAMPLES);
	int mismatch = 0;
	for (size_t i = 0; i < total; i++) {
		int16_t x = i < WAV_N ? s[i] : 0;
		int16_t want = codec == RTPR_PCMU ? rtpr_ulaw_decode(rtpr_ulaw_encode(x))
		                                  : rtpr_alaw_decode(rtpr_alaw_encode(x));
		if (got[i] != want)
			mismatch++;
	}
	CU_ASSERT_EQUAL(mismatch, 0);
	size_t n;
	CU_ASSERT_EQUAL(rtpr_media_recv_frame(rx, got, 160, &n, NULL), -EAGAIN);
	/* a telephone-event packet is not audio */
	uint8_t te[16] = { 0x80, 101 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	ep_send(fd, rtpr_media_port(rx), te, sizeof te);
	struct pollfd pfd = { .fd = rtpr_media_fd(rx), .events = POLLIN };
	CU_ASSERT_EQUAL(poll(&pfd, 1, WAIT_MS), 1);
	CU_ASSERT_EQUAL(rtpr_media_recv_frame(rx, got, 160, &n, NULL), -ENOMSG);
	close(fd);
	rtpr_wav_free(&w);
	rtpr_media_close(tx);
	rtpr_media_close(rx);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(p), 0);
	rtpr_ports_destroy(p);
}

/* ---- RFC 4733 telephone-events ---- */

/* One packet of a press: event, end bit, duration (timestamp units). */
static int te_feed(struct rtpr_dtmf *d, uint16_t seq, uint32_t ts, unsigned ev, bool end,
                   unsigned dur, struct rtpr_dtmf_press out[2])
{
	uint8_t pl[4] = { (uint8_t)ev, (uint8_t)((end ? 0x80 : 0) | 10), (uint8_t)(dur >> 8),
	                  (uint8_t)dur };
	return rtpr_dtmf_feed(d, seq, ts, pl, sizeof pl, out);
}

/* A press as senders send it (and the SIPp dtmf_2833_*.pcap captures
 * hold): updates every 40 ms, then the end packet three times (§2.5.1.4). */
static int te_press(struct rtpr_dtmf *d, uint16_t *seq, uint32_t ts, unsigned ev, char *got,
                    size_t n, unsigned *ms)
{
	struct rtpr_dtmf_press out[2];
	int k = 0;
	for (unsigned i = 0; i < 7; i++) {
		int r = te_feed(d, (*seq)++, ts, ev, false, i * 320, out);
		for (int j = 0; j < r && (size_t)k < n; j++)
			got[k++] = out[j].digit, *ms = out[j].duration_ms;
	}
	for (unsigned i = 0; i < 3; i++) {
		int r = te_feed(d, *seq, ts, ev, true, 2240, out);
		for (int j = 0; j < r && (size_t)k < n; j++)
			got[k++] = out[j].digit, *ms = out[j].duration_ms;
	}
	(*seq)++;
	return k;
}

static void test_dtmf_decode(void)
{
	struct rtpr_dtmf d = { 0 };
	struct rtpr_dtmf_press out[2];
	char got[8];
	unsigned ms = 0;
	uint16_t seq = 65530;   /* wraps inside the presses */
	/* each press once, at its end, whatever the retransmissions */
	CU_ASSERT_EQUAL(te_press(&d, &seq, 43200, 5, got, sizeof got, &ms), 1);
	CU_ASSERT_EQUAL(got[0], '5');
	CU_ASSERT_EQUAL(ms, 280);
	CU_ASSERT_EQUAL(te_press(&d, &seq, 44800, 11, got, sizeof got, &ms), 1);
	CU_ASSERT_EQUAL(got[0], '#');
	CU_ASSERT_EQUAL(te_press(&d, &seq, 46400, 10, got, sizeof got, &ms), 1);
	CU_ASSERT_EQUAL(got[0], '*');
	CU_ASSERT_EQUAL(te_press(&d, &seq, 48000, 15, got, sizeof got, &ms), 1);
	CU_ASSERT_EQUAL(got[0], 'D');
	/* the same digit twice is two presses (two timestamps) */
	CU_ASSERT_EQUAL(te_press(&d, &seq, 49600, 15, got, sizeof got, &ms), 1);
	/* a sender that keeps the timestamp: a new press after the end */
	CU_ASSERT_EQUAL(te_press(&d, &seq, 49600, 3, got, sizeof got, &ms), 1);
	CU_ASSERT_EQUAL(got[0], '3');
	/* a late end retransmission of that press stays silent */
	CU_ASSERT_EQUAL(te_feed(&d, (uint16_t)(seq - 1), 49600, 3, true, 2240, out), 0);
	/* a press whose end packets were all lost: told when the next starts */
	CU_ASSERT_EQUAL(te_feed(&d, seq++, 52000, 7, false, 0, out), 0);
	CU_ASSERT_EQUAL(te_feed(&d, seq++, 52000, 7, false, 800, out), 0);
	CU_ASSERT_EQUAL(te_feed(&d, seq++, 53600, 8, false, 0, out), 1);
	CU_ASSERT_EQUAL(out[0].digit, '7');
	CU_ASSERT_EQUAL(out[0].duration_ms, 100);
	/* ... and a one-packet press (start and end together) right after */
	CU_ASSERT_EQUAL(te_feed(&d, seq++, 55200, 9, true, 400, out), 2);
	CU_ASSERT_EQUAL(out[0].digit, '8');
	CU_ASSERT_EQUAL(out[1].digit, '9');
	CU_ASSERT_EQUAL(out[1].duration_ms, 50);
	/* a late packet of an earlier press, events above 15 (not DTMF), a
	 * payload shorter than §2.3's four bytes */
	CU_ASSERT_EQUAL(te_feed(&d, seq++, 53600, 8, true, 800, out), 0);
	CU_ASSERT_EQUAL(te_feed(&d, seq++, 56800, 16, false, 0, out), 0);
	CU_ASSERT_EQUAL(te_feed(&d, seq++, 56800, 16, true, 800, out), 0);
	uint8_t shortpl[3] = { 1, 0x80, 0 };
	CU_ASSERT_EQUAL(rtpr_dtmf_feed(&d, seq, 58400, shortpl, sizeof shortpl, out), -EINVAL);
	/* a stream that starts again far behind (SIPp's dtmf_2833_0 then _1
	 * pcaps: timestamp 17632 then 13280, sequence 12087 then 7984): a press */
	struct rtpr_dtmf r = { 0 };
	seq = 12080;
	CU_ASSERT_EQUAL(te_press(&r, &seq, 17632, 0, got, sizeof got, &ms), 1);
	seq = 7984;
	CU_ASSERT_EQUAL(te_press(&r, &seq, 13280, 1, got, sizeof got, &ms), 1);
	CU_ASSERT_EQUAL(got[0], '1');
}

/* telephone-events reaching an endpoint: not audio, each press once */
static void test_dtmf_endpoint(void)
{
	struct rtpr_ports *p = NULL;
	CU_ASSERT_EQUAL_FATAL(rtpr_ports_create(&p, "127.0.0.1", 43020, 43029), 0);
	struct rtpr_media_ep *rx;
	CU_ASSERT_EQUAL_FATAL(rtpr_media_open(&rx, p, RTPR_PCMU), 0);
	rtpr_media_set_dtmf_pt(rx, 96);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char digit;
	unsigned ms;
	CU_ASSERT_EQUAL(rtpr_media_dtmf(rx, &digit, &ms), 0);
	for (unsigned i = 0; i < 5; i++) {
		bool end = i >= 2;
		uint8_t pkt[16] = { 0x80, 96, 0, (uint8_t)(i < 2 ? i : 2), 0, 0, 0x10, 0, 1, 2, 3, 4,
		                    1, (uint8_t)(end ? 0x8a : 0x0a), 0, (uint8_t)(end ? 160 : i * 80) };
		ep_send(fd, rtpr_media_port(rx), pkt, sizeof pkt);
		struct pollfd pfd = { .fd = rtpr_media_fd(rx), .events = POLLIN };
		CU_ASSERT_EQUAL(poll(&pfd, 1, WAIT_MS), 1);
		int16_t pcm[160];
		size_t n;
		CU_ASSERT_EQUAL(rtpr_media_recv_frame(rx, pcm, 160, &n, NULL), -ENOMSG);
		CU_ASSERT_EQUAL(n, 0);
	}
	CU_ASSERT_EQUAL(rtpr_media_dtmf(rx, &digit, &ms), 1);
	CU_ASSERT_EQUAL(digit, '1');
	CU_ASSERT_EQUAL(ms, 20);
	CU_ASSERT_EQUAL(rtpr_media_dtmf(rx, &digit, &ms), 0);
	close(fd);
	rtpr_media_close(rx);
	rtpr_ports_destroy(p);
}

static void test_media_pcmu(void) { media_loopback(RTPR_PCMU); }
static void test_media_pcma(void) { media_loopback(RTPR_PCMA); }


static CU_TestInfo relay_tests[] = {
	{ "port pairs", test_ports },
	{ "relay both ways", test_relay_both_ways },
	{ "latching and hijack", test_relay_latch_and_hijack },
	{ "rtcp relayed, reports", test_relay_rtcp },
	{ "srtp <-> rtp", test_srtp_to_rtp },
	{ "srtp <-> srtp", test_srtp_to_srtp },
	{ "destroy releases ports", test_destroy_releases_ports },
	{ "media timeout", test_media_timeout },
	{ "sdes keys", test_sdes },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo media_tests[] = {
	{ "g711 known values", test_g711_known },
	{ "wav reader", test_wav },
	{ "rfc 4733 decoding", test_dtmf_decode },
	{ "rfc 4733 on an endpoint", test_dtmf_endpoint },
	{ "wav -> PCMU RTP -> pcm", test_media_pcmu },
	{ "wav -> PCMA RTP -> pcm", test_media_pcma },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "relay", .pInitFunc = suite_init, .pCleanupFunc = suite_clean,
	  .pTests = relay_tests },
	{ .pName = "media", .pTests = media_tests },
	CU_SUITE_INFO_NULL,
};
