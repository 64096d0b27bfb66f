/* Benchmark: how many concurrent G.711 calls mod_rtprelay relays with
 * < 0.1% loss. Each call is one relay session; both its sides send one
 * 172-byte RTP packet (12 + 160 PCMU) every 20 ms (50 packets/s each way),
 * the calls spread evenly over each 20 ms. One load thread plays every A
 * side from one socket, another every B side from a second socket (the
 * relay latches each session's sides to them), a third counts what
 * arrives, by direction (SSRC). Loss = 1 - received/sent over the run;
 * late packets are waited for at the end (until 300 ms without any). A run only counts when
 * the load threads kept up with the schedule (>= 99% of 50 packets/s per
 * call): on a busy machine they may not, and the line says so.
 *
 *   calls_bench [seconds] [media threads] [calls...]
 *   (defaults: 5 s, 1 thread, 250 500 1000 1500 2000 calls) */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../modules/rtprelay/relay.h"
#include "bench_udp.h"

#define PKT       172
#define TICK_NS   1000000L        /* the load is sent in 1 ms slices */
#define SLICES    20              /* ... 20 of them per 20 ms frame */
#define BATCH     64

static atomic_bool stop_send, stop_recv;

struct load {
	unsigned ncalls;
	int fd[2];                /* the A sides' socket, the B sides' socket */
	uint16_t *dst[2];         /* per call: the relay port each side sends to */
	uint64_t sent[2];
	atomic_uint_fast64_t got[2];  /* by direction: [0] A->B (arrives at B) */
	double secs;
	_Atomic double load_cpu;  /* CPU seconds of the load threads */
};

static double thread_cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void add_load_cpu(struct load *l)
{
	double v = thread_cpu_s(), old = atomic_load(&l->load_cpu);
	while (!atomic_compare_exchange_weak(&l->load_cpu, &old, old + v))
		;
}

static void add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

/* Send packets of calls [from, to) of side s, one per call, SSRC = call. */
static void send_slice(struct load *l, int s, unsigned from, unsigned to, uint16_t seq)
{
	uint8_t buf[BATCH][PKT];
	struct sockaddr_in dst[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	unsigned n = 0;
	for (unsigned c = from; c < to; c++) {
		uint8_t *p = buf[n];
		memset(p + 12, 0xff, PKT - 12);
		p[0] = 0x80;
		p[1] = 0;
		p[2] = (uint8_t)(seq >> 8);
		p[3] = (uint8_t)seq;
		uint32_t ts = htonl(seq * 160u), ssrc = htonl(c << 1 | (unsigned)s);
		memcpy(p + 4, &ts, 4);
		memcpy(p + 8, &ssrc, 4);
		dst[n] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(l->dst[s][c]),
		                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		iov[n] = (struct iovec){ p, PKT };
		m[n].msg_hdr = (struct msghdr){ .msg_name = &dst[n], .msg_namelen = sizeof dst[n],
		                                .msg_iov = &iov[n], .msg_iovlen = 1 };
		if (++n == BATCH || c + 1 == to) {
			for (unsigned done = 0; done < n;) {
				int r = sendmmsg(l->fd[s], m + done, n - done, 0);
				if (r <= 0) {
					if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)
						continue;
					break;
				}
				done += (unsigned)r;
				l->sent[s] += (uint64_t)r;
			}
			n = 0;
		}
	}
}

struct sender {
	struct load *l;
	int side;
};

static void *send_main(void *arg)
{
	struct sender *sd = arg;
	struct load *l = sd->l;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	uint16_t seq = 0;
	unsigned slice = 0;
	while (!atomic_load(&stop_send)) {
		unsigned from = l->ncalls * slice / SLICES, to = l->ncalls * (slice + 1) / SLICES;
		send_slice(l, sd->side, from, to, seq);
		if (++slice == SLICES) {
			slice = 0;
			seq++;
		}
		add_ns(&next, TICK_NS);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	add_load_cpu(l);
	return NULL;
}

static void *recv_main(void *arg)
{
	struct load *l = arg;
	static struct bench_rx rx;
	bench_rx_init(&rx);
	struct pollfd pfd[2] = { { .fd = l->fd[0], .events = POLLIN }, { .fd = l->fd[1], .events = POLLIN } };
	while (!atomic_load(&stop_recv)) {
		if (poll(pfd, 2, 50) <= 0)
			continue;
		for (int s = 0; s < 2; s++) {
			if (!(pfd[s].revents & POLLIN))
				continue;
			int r;
			while ((r = recvmmsg(l->fd[s], rx.m, BENCH_RX_BATCH, MSG_DONTWAIT, NULL)) > 0) {
				/* arriving at side s: the other side sent it */
				for (int i = 0; i < r; i++)
					if (rx.m[i].msg_len == PKT && (rx.buf[i][11] & 1) == (unsigned)!s)
						atomic_fetch_add(&l->got[!s], 1);
			}
		}
	}
	add_load_cpu(l);
	return NULL;
}

#define RELAY_MIN 30000
#define RELAY_MAX 50000

/* Datagrams the kernel dropped (full receive buffer) on 127.0.0.1 sockets
 * bound to a port in [lo, hi]: the last column of /proc/net/udp. */
static unsigned long long udp_drops(unsigned lo, unsigned hi)
{
	FILE *f = fopen("/proc/net/udp", "r");
	char line[512];
	unsigned long long sum = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		unsigned a, p;
		unsigned long long drops;
		char *last = strrchr(line, ' ');
		if (sscanf(line, " %*d: %8X:%4X", &a, &p) != 2 || !last ||
		    sscanf(last, "%llu", &drops) != 1)
			continue;
		if (a == htonl(INADDR_LOOPBACK) && p >= lo && p <= hi)
			sum += drops;
	}
	fclose(f);
	return sum;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* One run with n calls; returns the worse direction's loss in percent. */
static double run(unsigned n, double secs, unsigned threads)
{
	struct rtpr_ports *ports;
	struct rtpr_relay *relay;
	struct rtpr_relay_config cfg = { .threads = threads };
	unsigned long long range_before = udp_drops(RELAY_MIN, RELAY_MAX);
	if (rtpr_ports_create(&ports, "127.0.0.1", RELAY_MIN, RELAY_MAX) < 0 ||
	    rtpr_relay_create(&relay, ports, &cfg) < 0) {
		fprintf(stderr, "relay setup failed\n");
		exit(1);
	}
	struct load l = { .ncalls = n, .secs = secs };
	uint16_t port[2];
	for (int s = 0; s < 2; s++) {
		l.fd[s] = bench_udp(&port[s], 16 << 20);
		l.dst[s] = calloc(n, sizeof *l.dst[s]);
	}
	struct rtpr_session **sess = calloc(n, sizeof *sess);
	for (unsigned c = 0; c < n; c++) {
		int err = rtpr_session_create(relay, NULL, &sess[c]);
		if (err < 0) {
			fprintf(stderr, "session %u: %s (raise ulimit -n?)\n", c, strerror(-err));
			exit(1);
		}
		for (int s = 0; s < 2; s++) {
			rtpr_session_set_remote(sess[c], (enum rtpr_leg)s, "127.0.0.1", port[s], 0);
			l.dst[s][c] = rtpr_session_port(sess[c], (enum rtpr_leg)s);
		}
	}
	atomic_store(&stop_send, false);
	atomic_store(&stop_recv, false);
	pthread_t ts[2], tr;
	struct sender sd[2] = { { &l, 0 }, { &l, 1 } };
	double c0 = cpu_s();
	pthread_create(&tr, NULL, recv_main, &l);
	for (int s = 0; s < 2; s++)
		pthread_create(&ts[s], NULL, send_main, &sd[s]);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&stop_send, true);
	for (int s = 0; s < 2; s++)
		pthread_join(ts[s], NULL);
	/* what is still queued (a busy machine) arrives late, not lost:
	 * wait until nothing came for 300 ms (5 s at most) */
	int waited = 0;
	for (int quiet = 0; quiet < 3 && waited < 50; waited++) {
		uint64_t before = atomic_load(&l.got[0]) + atomic_load(&l.got[1]);
		usleep(100 * 1000);
		quiet = atomic_load(&l.got[0]) + atomic_load(&l.got[1]) == before ? quiet + 1 : 0;
	}
	atomic_store(&stop_recv, true);
	pthread_join(tr, NULL);
	/* the rest is the media threads (the main thread sleeps) */
	double relay_cpu = cpu_s() - c0 - atomic_load(&l.load_cpu);
	/* where the loss was: the relay's sockets or the load's own (read
	 * while the relay's sockets are still open) */
	unsigned long long load_drops = udp_drops(port[0], port[0]) + udp_drops(port[1], port[1]);
	unsigned long long relay_drops = udp_drops(RELAY_MIN, RELAY_MAX) - range_before;
	for (int s = 0; s < 2; s++)
		if (port[s] >= RELAY_MIN && port[s] <= RELAY_MAX)
			relay_drops -= udp_drops(port[s], port[s]);
	uint64_t dropped = 0;
	for (unsigned c = 0; c < n; c++) {
		for (int s = 0; s < 2; s++) {
			struct rtpr_leg_stats st;
			rtpr_session_stats(sess[c], (enum rtpr_leg)s, &st);
			dropped += st.dropped_foreign + st.dropped_invalid + st.dropped_nodest;
		}
		rtpr_session_destroy(sess[c]);
	}
	double loss[2];
	for (int s = 0; s < 2; s++)
		loss[s] = l.sent[s] ? 100.0 * (1.0 - (double)atomic_load(&l.got[s]) / (double)l.sent[s]) : 100.0;
	double worst = loss[0] > loss[1] ? loss[0] : loss[1];
	double target = 50.0 * n * secs;
	bool kept_up = l.sent[0] >= 0.99 * target && l.sent[1] >= 0.99 * target;
	printf("%5u calls, %u media thread(s): sent %.0f%%/%.0f%% of 50 pps/call (A/B), "
	       "loss A->B %.3f%%, B->A %.3f%%: %s (relay CPU %.0f%% of one core; dropped by the relay "
	       "%llu, by its sockets %llu, by the load's sockets %llu; backlog drained in %d ms)\n",
	       n, threads, 100.0 * l.sent[0] / target, 100.0 * l.sent[1] / target, loss[0], loss[1],
	       !kept_up ? "load threads fell behind" : worst < 0.1 ? "ok" : "too much loss",
	       100.0 * relay_cpu / (secs + 0.3), (unsigned long long)dropped, relay_drops, load_drops,
	       waited > 3 ? (waited - 3) * 100 : 0);
	if (!kept_up)
		worst = 100.0;
	fflush(stdout);
	free(sess);
	for (int s = 0; s < 2; s++) {
		close(l.fd[s]);
		free(l.dst[s]);
	}
	rtpr_relay_destroy(relay);
	rtpr_ports_destroy(ports);
	return worst;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5.0;
	unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : 1;
	if (secs <= 0)
		secs = 5.0;
	if (threads < 1)
		threads = 1;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {   /* 4 sockets per call */
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	rtpr_srtp_global_init();
	static const unsigned def[] = { 250, 500, 1000, 1500, 2000 };
	unsigned best = 0;
	int nargs = argc > 3 ? argc - 3 : (int)(sizeof def / sizeof def[0]);
	printf("G.711 calls through mod_rtprelay: 50 packets/s of %d bytes each way per call, %.0f s per run\n",
	       PKT, secs);
	for (int i = 0; i < nargs; i++) {
		unsigned n = argc > 3 ? (unsigned)atoi(argv[3 + i]) : def[i];
		if (run(n, secs, threads) < 0.1 && n > best)
			best = n;
	}
	printf("most concurrent calls with < 0.1%% loss: %u (goal 1000)\n", best);
	return 0;
}
