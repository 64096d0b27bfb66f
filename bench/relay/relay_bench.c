/* Benchmark: 172-byte RTP packets (12 + 160 PCMU) through
 *   fwd   - a minimal recvmmsg/sendmmsg UDP forwarder (the floor), and
 *   relay - one mod_rtprelay session (latching, counters, locking),
 *   srtp  - a relay session bridging SRTP (leg A) to RTP (leg B),
 * plus the cost of one SRTP protect and unprotect.
 * A generator thread floods 127.0.0.1 with sendmmsg; a sink counts what
 * arrives. The figure is packets/s delivered to the sink. Three threads
 * share this 2-core machine with whatever else runs, so the modes take
 * turns for several rounds and each keeps its best; the ratios compare
 * those.
 *
 *   relay_bench [seconds] [rounds]   (default 3 s, 3 rounds) */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../modules/rtprelay/relay.h"
#include "bench_udp.h"

#define BATCH 32
#define PKT   172

static atomic_bool stop;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in lo(uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port),
	                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

struct gen {
	int fd;
	uint16_t dst;
	struct rtpr_srtp *srtp;   /* protect before sending (SRTP leg) */
	uint64_t sent;
};

static void *gen_main(void *arg)
{
	struct gen *g = arg;
	static uint8_t buf[BATCH][PKT + RTPR_SRTP_TRAILER];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in d = lo(g->dst);
	uint16_t seq = 0;
	while (!atomic_load(&stop)) {
		for (int i = 0; i < BATCH; i++) {
			uint8_t *p = buf[i];
			memset(p, 0xff, PKT);
			p[0] = 0x80;
			p[1] = 0;
			p[2] = (uint8_t)(seq >> 8);
			p[3] = (uint8_t)seq;
			uint32_t ts = seq * 160u;
			memcpy(p + 4, &ts, 4);
			memcpy(p + 8, "\x12\x34\x56\x78", 4);
			seq++;
			int len = PKT;
			if (g->srtp)
				rtpr_srtp_protect(g->srtp, p, &len, false);
			iov[i] = (struct iovec){ p, (size_t)len };
			m[i].msg_hdr = (struct msghdr){ .msg_name = &d, .msg_namelen = sizeof d,
			                                .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		int r = sendmmsg(g->fd, m, BATCH, 0);
		if (r > 0)
			g->sent += (uint64_t)r;
	}
	return NULL;
}

struct sink {
	int fd;
	atomic_uint_fast64_t got;
};

static void *sink_main(void *arg)
{
	struct sink *s = arg;
	static struct bench_rx rx;
	bench_rx_init(&rx);
	while (!atomic_load(&stop)) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) != 1)
			continue;
		int r = recvmmsg(s->fd, rx.m, BENCH_RX_BATCH, MSG_DONTWAIT, NULL);
		if (r > 0)
			atomic_fetch_add(&s->got, (uint64_t)r);
	}
	return NULL;
}

/* The floor: the least a relay must do per packet. */
struct fwd {
	int in, out;
	uint16_t dst;
};

static void *fwd_main(void *arg)
{
	struct fwd *f = arg;
	static uint8_t buf[BATCH][2048];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in src[BATCH], d = lo(f->dst);
	while (!atomic_load(&stop)) {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ buf[i], sizeof buf[i] };
			m[i].msg_hdr = (struct msghdr){ .msg_name = &src[i], .msg_namelen = sizeof src[i],
			                                .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		struct pollfd pfd = { .fd = f->in, .events = POLLIN };
		if (poll(&pfd, 1, 100) != 1)
			continue;
		int n = recvmmsg(f->in, m, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			iov[i].iov_len = m[i].msg_len;
			m[i].msg_hdr.msg_name = &d;
			m[i].msg_hdr.msg_namelen = sizeof d;
		}
		sendmmsg(f->out, m, (unsigned)n, 0);
	}
	return NULL;
}

static double run(const char *name, struct gen *g, struct sink *s, double secs,
                  void *(*mid)(void *), void *midarg)
{
	pthread_t tg, ts, tm;
	atomic_store(&stop, false);
	pthread_create(&ts, NULL, sink_main, s);
	if (mid)
		pthread_create(&tm, NULL, mid, midarg);
	pthread_create(&tg, NULL, gen_main, g);
	usleep(300 * 1000);                   /* warm-up */
	uint64_t g0 = atomic_load(&s->got);
	double t0 = now_s();
	usleep((useconds_t)(secs * 1e6));
	uint64_t g1 = atomic_load(&s->got);
	double t1 = now_s();
	atomic_store(&stop, true);
	pthread_join(tg, NULL);
	pthread_join(ts, NULL);
	if (mid)
		pthread_join(tm, NULL);
	double rate = (double)(g1 - g0) / (t1 - t0);
	printf("%-6s %10.0f packets/s delivered (%llu sent by the generator)\n", name, rate,
	       (unsigned long long)g->sent);
	return rate;
}

static void srtp_cost(void)
{
	struct rtpr_srtp_key k;
	struct rtpr_srtp *tx, *rx;
	rtpr_srtp_key_generate(RTPR_SRTP_AES_CM_128_HMAC_SHA1_80, 1, &k);
	rtpr_srtp_create(&tx, &k, true);
	rtpr_srtp_create(&rx, &k, false);
	uint8_t p[PKT + RTPR_SRTP_TRAILER];
	const int N = 500000;
	double tp = 0, tu = 0;
	for (int i = 0; i < N; i++) {
		memset(p, 0x55, PKT);
		p[0] = 0x80;
		p[1] = 0;
		p[2] = (uint8_t)(i >> 8);
		p[3] = (uint8_t)i;
		uint32_t ts = (uint32_t)i * 160u;
		memcpy(p + 4, &ts, 4);
		memcpy(p + 8, "\x12\x34\x56\x78", 4);
		int len = PKT;
		double a = now_s();
		rtpr_srtp_protect(tx, p, &len, false);
		double b = now_s();
		if (rtpr_srtp_unprotect(rx, p, &len, false) < 0) {
			fprintf(stderr, "unprotect failed at %d\n", i);
			break;
		}
		double c = now_s();
		tp += b - a;
		tu += c - b;
	}
	printf("srtp   AES_CM_128_HMAC_SHA1_80, 172-byte RTP: protect %.0f ns, unprotect %.0f ns per packet\n",
	       tp / N * 1e9, tu / N * 1e9);
	rtpr_srtp_destroy(tx);
	rtpr_srtp_destroy(rx);
	rtpr_srtp_key_wipe(&k);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3.0;
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	if (secs <= 0)
		secs = 3.0;
	if (rounds < 1)
		rounds = 1;
	rtpr_srtp_global_init();
	uint16_t pa, pb, pf;
	double best[3] = { 0 };
	struct rtpr_ports *ports;
	struct rtpr_relay *relay;
	struct rtpr_relay_config cfg = { .threads = 1 };
	if (rtpr_ports_create(&ports, "127.0.0.1", 45000, 45099) < 0 ||
	    rtpr_relay_create(&relay, ports, &cfg) < 0) {
		fprintf(stderr, "relay setup failed\n");
		return 1;
	}

	for (int round = 0; round < rounds; round++) {
	/* minimal forwarder */
	{
		struct gen g = { 0 };
		struct sink s = { 0 };
		struct fwd f;
		g.fd = bench_udp(&pa, 4 << 20);
		s.fd = bench_udp(&pb, 4 << 20);
		f.in = bench_udp(&pf, 4 << 20);
		f.out = f.in;
		f.dst = pb;
		g.dst = pf;
		double r = run("fwd", &g, &s, secs, fwd_main, &f);
		if (r > best[0])
			best[0] = r;
		close(g.fd);
		close(s.fd);
		close(f.in);
	}

	for (int mode = 0; mode < 2; mode++) {
		struct rtpr_session *sess;
		struct gen g = { 0 };
		struct sink s = { 0 };
		struct rtpr_srtp_key ka;
		rtpr_session_create(relay, NULL, &sess);
		g.fd = bench_udp(&pa, 4 << 20);
		s.fd = bench_udp(&pb, 4 << 20);
		rtpr_session_set_remote(sess, RTPR_LEG_B, "127.0.0.1", pb, 0);
		g.dst = rtpr_session_port(sess, RTPR_LEG_A);
		if (mode == 1) {
			rtpr_srtp_key_generate(RTPR_SRTP_AES_CM_128_HMAC_SHA1_80, 1, &ka);
			rtpr_srtp_create(&g.srtp, &ka, true);
			rtpr_session_set_crypto(sess, RTPR_LEG_A, &ka, NULL);
			rtpr_srtp_key_wipe(&ka);
		}
		double r = run(mode ? "srtp" : "relay", &g, &s, secs, NULL, NULL);
		if (r > best[1 + mode])
			best[1 + mode] = r;
		struct rtpr_leg_stats st;
		rtpr_session_stats(sess, RTPR_LEG_A, &st);
		printf("       relay leg A: rx %llu, srtp drops %llu\n",
		       (unsigned long long)st.rx_packets, (unsigned long long)st.dropped_srtp);
		rtpr_srtp_destroy(g.srtp);
		rtpr_session_destroy(sess);
		close(g.fd);
		close(s.fd);
	}
	}
	printf("best of %d rounds: fwd %.0f, relay %.0f (%.0f%% of fwd, goal >= 80%%), "
	       "srtp->rtp %.0f (%.0f%% of fwd) packets/s\n", rounds, best[0], best[1],
	       100.0 * best[1] / best[0], best[2], 100.0 * best[2] / best[0]);
	rtpr_relay_destroy(relay);
	rtpr_ports_destroy(ports);
	srtp_cost();
	return 0;
}
