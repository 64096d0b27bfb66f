/* mod_rtprelay — relay engine: media threads, latching, SRTP bridging. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "relay.h"

#define BATCH      32             /* datagrams per recvmmsg/sendmmsg */
#define MAX_ROUNDS 4              /* batches per socket per wakeup: fairness */
#define BUF_SIZE   2048
#define RX_MAX     (BUF_SIZE - RTPR_SRTP_TRAILER) /* room for protect */
#define MAX_EVENTS 64
#define MAX_EXPIRE 64             /* timeouts reported per scan */

enum { K_RTP = 0, K_RTCP = 1 };

struct sock {
	struct rtpr_session *s;
	int fd;
	uint8_t leg, kind;
};

struct leg {
	struct rtpr_port_pair pair;
	struct sock sock[2];
	/* per kind: destination and latching state */
	struct sockaddr_storage remote[2];
	socklen_t remote_len[2];
	bool has_remote[2], latched[2];
	bool rtcp_from_sdp;       /* RTCP destination explicit: do not derive */
	struct rtpr_srtp *rx, *tx;
	struct rtpr_leg_stats st;
	int64_t last_rx_ms;       /* -1: never */
};

struct worker {
	struct rtpr_relay *relay;
	pthread_t th;
	bool running;
	int epfd, evfd;
	pthread_mutex_t lock;     /* sessions, dead, stop */
	pthread_cond_t cond;
	struct rtpr_session *sessions;
	struct rtpr_session *dead;
	bool stop;
	/* media thread only */
	uint8_t buf[BATCH][BUF_SIZE];
	struct mmsghdr rx[BATCH], tx[BATCH];
	struct iovec rxiov[BATCH], txiov[BATCH];
	struct sockaddr_storage src[BATCH], dst[BATCH];
};

struct rtpr_relay {
	struct rtpr_ports *ports;
	struct rtpr_relay_config cfg;
	unsigned nworkers;
	atomic_uint next;
	struct worker *w;
	/* the sessions destroyed, their counters final (control thread only) */
	struct rtpr_relay_totals ended;
};

struct rtpr_session {
	struct rtpr_relay *relay;
	struct worker *w;
	void *user;
	pthread_mutex_t lock;     /* everything below */
	struct leg leg[2];
	bool hold, timed_out;
	int64_t ref_ms;           /* timeout reference when nothing was received */
	/* worker lists, under w->lock */
	struct rtpr_session *prev, *next, *dead_next;
	bool *released;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static socklen_t sa_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void sa_set_port(struct sockaddr_storage *a, uint16_t port)
{
	if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)a)->sin_port = htons(port);
}

static uint16_t sa_port(const struct sockaddr_storage *a)
{
	return ntohs(a->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)a)->sin6_port
	                                      : ((const struct sockaddr_in *)a)->sin_port);
}

/* ---- RTCP reports (RFC 3550 §6.4) ---- */

/* Keep the first report block of an SR or RR in a compound packet. */
static void parse_rtcp_reports(struct leg *l, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		if ((p[0] >> 6) != 2)
			return;
		unsigned rc = p[0] & 0x1f, pt = p[1];
		size_t plen = ((size_t)(p[2] << 8 | p[3]) + 1) * 4;
		if (plen > len)
			return;
		size_t off = pt == 200 ? 28 : pt == 201 ? 8 : 0;  /* SR has sender info */
		if (off && rc > 0 && plen >= off + 24) {
			const uint8_t *b = p + off;
			l->st.have_report = true;
			l->st.fraction_lost = b[4];
			int32_t lost = (int32_t)((uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7]);
			if (lost & 0x800000)
				lost -= 0x1000000;   /* 24-bit signed */
			l->st.cumulative_lost = lost;
			l->st.jitter = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
			               (uint32_t)b[14] << 8 | b[15];
			return;
		}
		p += plen;
		len -= plen;
	}
}

/* RFC 5761 §4: on a muxed port, payload types 64..95 are RTCP. */
static bool looks_rtcp(const uint8_t *p)
{
	unsigned pt = p[1] & 0x7f;
	return pt >= 64 && pt <= 95;
}

/* ---- packet path (media thread) ---- */

/* One recvmmsg batch from sock x; forwards through the other leg. Returns
 * the number of datagrams read. */
static int relay_batch(struct worker *w, struct sock *x, int64_t now)
{
	for (int i = 0; i < BATCH; i++) {
		w->rxiov[i] = (struct iovec){ w->buf[i], RX_MAX };
		w->rx[i].msg_hdr = (struct msghdr){
			.msg_name = &w->src[i], .msg_namelen = sizeof w->src[i],
			.msg_iov = &w->rxiov[i], .msg_iovlen = 1,
		};
	}
	int n = recvmmsg(x->fd, w->rx, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;

	struct rtpr_session *s = x->s;
	struct leg *in = &s->leg[x->leg], *out = &s->leg[!x->leg];
	int nout = 0;
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < n; i++) {
		uint8_t *p = w->buf[i];
		int len = (int)w->rx[i].msg_len;
		unsigned k = x->kind;
		if ((w->rx[i].msg_hdr.msg_flags & MSG_TRUNC) || len < 8 || (p[0] >> 6) != 2) {
			in->st.dropped_invalid++;
			continue;
		}
		bool rtcp = k == K_RTCP || looks_rtcp(p);
		if (!rtcp && len < 12) {
			in->st.dropped_invalid++;
			continue;
		}
		/* Symmetric RTP: once latched, a third address cannot take over. */
		if (in->latched[k] && !rtpr_sa_eq(&w->src[i], &in->remote[k])) {
			in->st.dropped_foreign++;
			continue;
		}
		if (in->rx && rtpr_srtp_unprotect(in->rx, p, &len, rtcp) < 0) {
			in->st.dropped_srtp++;
			continue;
		}
		if (!in->latched[k]) {
			/* Learn the address the endpoint really sends from (NAT). */
			in->remote[k] = w->src[i];
			in->remote_len[k] = sa_len(&w->src[i]);
			in->has_remote[k] = in->latched[k] = true;
			if (k == K_RTP && !in->latched[K_RTCP] && !in->rtcp_from_sdp) {
				in->remote[K_RTCP] = w->src[i];
				sa_set_port(&in->remote[K_RTCP], (uint16_t)(sa_port(&w->src[i]) + 1));
				in->remote_len[K_RTCP] = in->remote_len[k];
				in->has_remote[K_RTCP] = true;
			}
		}
		in->last_rx_ms = now;
		s->timed_out = false;
		if (rtcp) {
			in->st.rtcp_rx++;
			parse_rtcp_reports(in, p, (size_t)len);
		} else {
			in->st.rx_packets++;
			in->st.rx_bytes += (uint64_t)len;
		}
		if (!out->has_remote[k]) {
			in->st.dropped_nodest++;
			continue;
		}
		if (out->tx && rtpr_srtp_protect(out->tx, p, &len, rtcp) < 0) {
			out->st.dropped_srtp++;
			continue;
		}
		if (rtcp) {
			out->st.rtcp_tx++;
		} else {
			out->st.tx_packets++;
			out->st.tx_bytes += (uint64_t)len;
		}
		w->dst[nout] = out->remote[k];
		w->txiov[nout] = (struct iovec){ p, (size_t)len };
		w->tx[nout].msg_hdr = (struct msghdr){
			.msg_name = &w->dst[nout], .msg_namelen = out->remote_len[k],
			.msg_iov = &w->txiov[nout], .msg_iovlen = 1,
		};
		nout++;
	}
	pthread_mutex_unlock(&s->lock);
	/* The fd lives as long as the session, which outlives this call. */
	int fd = out->sock[x->kind].fd;
	for (int sent = 0; sent < nout;) {
		int r = sendmmsg(fd, w->tx + sent, (unsigned)(nout - sent), MSG_DONTWAIT);
		if (r <= 0)
			break;   /* socket buffer full: UDP, drop the rest */
		sent += r;
	}
	return n;
}

/* Sessions silent on both legs longer than the timeout, not on hold. */
static void scan_timeouts(struct worker *w, int64_t now)
{
	struct rtpr_relay *r = w->relay;
	struct rtpr_session *exp[MAX_EXPIRE];
	unsigned nexp = 0;
	if (!r->cfg.timeout_ms)
		return;
	pthread_mutex_lock(&w->lock);
	for (struct rtpr_session *s = w->sessions; s && nexp < MAX_EXPIRE; s = s->next) {
		pthread_mutex_lock(&s->lock);
		int64_t last = s->ref_ms;
		for (int i = 0; i < 2; i++)
			if (s->leg[i].last_rx_ms > last)
				last = s->leg[i].last_rx_ms;
		if (!s->hold && !s->timed_out && now - last >= (int64_t)r->cfg.timeout_ms) {
			s->timed_out = true;
			exp[nexp++] = s;
		}
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_unlock(&w->lock);
	/* Without locks: only this thread could free these (via destroy). */
	for (unsigned i = 0; i < nexp && r->cfg.on_timeout; i++)
		r->cfg.on_timeout(exp[i], exp[i]->user, r->cfg.arg);
}

static void unlink_session(struct worker *w, struct rtpr_session *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		w->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

/* Destroy requests: detach from epoll and the list, tell the waiter. */
static bool reap(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->dead) {
		struct rtpr_session *s = w->dead;
		w->dead = s->dead_next;
		for (int l = 0; l < 2; l++)
			for (int k = 0; k < 2; k++)
				epoll_ctl(w->epfd, EPOLL_CTL_DEL, s->leg[l].sock[k].fd, NULL);
		unlink_session(w, s);
		*s->released = true;
	}
	bool stop = w->stop;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[MAX_EVENTS];
	unsigned tmo = w->relay->cfg.timeout_ms;
	int tick = tmo ? (int)(tmo / 4 < 10 ? 10 : tmo / 4 > 1000 ? 1000 : tmo / 4) : 1000;
	int64_t next_scan = now_ms() + tick;
	for (;;) {
		int n = epoll_wait(w->epfd, ev, MAX_EVENTS, tick);
		int64_t now = now_ms();
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == NULL) {
				uint64_t v;
				if (read(w->evfd, &v, sizeof v) < 0) {
					/* spurious: nothing to drain */
				}
				continue;
			}
			struct sock *x = ev[i].data.ptr;
			for (int round = 0; round < MAX_ROUNDS; round++)
				if (relay_batch(w, x, now) < BATCH)
					break;
		}
		/* Events of this round are done: now sessions may go. */
		if (reap(w))
			break;
		if (now >= next_scan) {
			scan_timeouts(w, now);
			next_scan = now + tick;
		}
	}
	return NULL;
}

/* ---- control API (signalling thread) ---- */

static void wake(struct worker *w)
{
	uint64_t one = 1;
	if (write(w->evfd, &one, sizeof one) < 0) {
		/* counter saturated: the thread is awake anyway */
	}
}

static void free_session(struct rtpr_session *s)
{
	for (int l = 0; l < 2; l++) {
		rtpr_ports_release(s->relay->ports, &s->leg[l].pair);
		rtpr_srtp_destroy(s->leg[l].rx);
		rtpr_srtp_destroy(s->leg[l].tx);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void totals_add(struct rtpr_relay_totals *t, const struct rtpr_leg_stats *st, bool live)
{
	t->rx_packets += st->rx_packets;
	t->rx_bytes += st->rx_bytes;
	t->tx_packets += st->tx_packets;
	t->tx_bytes += st->tx_bytes;
	t->rtcp_rx += st->rtcp_rx;
	t->rtcp_tx += st->rtcp_tx;
	t->dropped_foreign += st->dropped_foreign;
	t->dropped_invalid += st->dropped_invalid;
	t->dropped_srtp += st->dropped_srtp;
	t->dropped_nodest += st->dropped_nodest;
	if (!st->have_report)
		return;
	if (st->cumulative_lost > 0)
		t->lost += (uint64_t)st->cumulative_lost;
	if (!live)
		return;
	t->reporting++;
	if (st->jitter > t->jitter_max)
		t->jitter_max = st->jitter;
	if (st->fraction_lost > t->fraction_lost_max)
		t->fraction_lost_max = st->fraction_lost;
}

void rtpr_relay_totals(struct rtpr_relay *r, struct rtpr_relay_totals *out)
{
	*out = r->ended;
	out->sessions = out->reporting = 0;
	out->jitter_max = 0;
	out->fraction_lost_max = 0;
	for (unsigned i = 0; i < r->nworkers; i++) {
		struct worker *w = &r->w[i];
		pthread_mutex_lock(&w->lock);   /* w->lock, then s->lock: the media thread's order */
		for (struct rtpr_session *s = w->sessions; s; s = s->next) {
			pthread_mutex_lock(&s->lock);
			for (int l = 0; l < 2; l++)
				totals_add(out, &s->leg[l].st, true);
			pthread_mutex_unlock(&s->lock);
			out->sessions++;
		}
		pthread_mutex_unlock(&w->lock);
	}
}

int rtpr_relay_create(struct rtpr_relay **out, struct rtpr_ports *ports,
                      const struct rtpr_relay_config *cfg)
{
	*out = NULL;
	if (!ports || !cfg)
		return -EINVAL;
	struct rtpr_relay *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	r->ports = ports;
	r->cfg = *cfg;
	r->nworkers = cfg->threads ? cfg->threads : 1;
	r->w = calloc(r->nworkers, sizeof *r->w);
	if (!r->w) {
		free(r);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < r->nworkers; i++) {
		struct worker *w = &r->w[i];
		w->relay = r;
		w->epfd = w->evfd = -1;
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->cond, NULL);
	}
	int rc = 0;
	for (unsigned i = 0; i < r->nworkers; i++) {
		struct worker *w = &r->w[i];
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
		if (w->epfd < 0 || w->evfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) < 0) {
			rc = -errno;
			break;
		}
		if ((rc = -pthread_create(&w->th, NULL, worker_main, w)) < 0)
			break;
		w->running = true;
	}
	if (rc < 0) {
		rtpr_relay_destroy(r);
		return rc;
	}
	*out = r;
	return 0;
}

void rtpr_relay_destroy(struct rtpr_relay *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->nworkers; i++) {
		struct worker *w = &r->w[i];
		if (w->running) {
			pthread_mutex_lock(&w->lock);
			w->stop = true;
			pthread_mutex_unlock(&w->lock);
			wake(w);
			pthread_join(w->th, NULL);
		}
		while (w->sessions) {
			struct rtpr_session *s = w->sessions;
			unlink_session(w, s);
			free_session(s);
		}
		if (w->epfd >= 0)
			close(w->epfd);
		if (w->evfd >= 0)
			close(w->evfd);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
	}
	free(r->w);
	free(r);
}

int rtpr_session_create(struct rtpr_relay *r, void *user, struct rtpr_session **out)
{
	*out = NULL;
	struct rtpr_session *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->relay = r;
	s->user = user;
	s->w = &r->w[atomic_fetch_add(&r->next, 1) % r->nworkers];
	s->ref_ms = now_ms();
	pthread_mutex_init(&s->lock, NULL);
	for (int l = 0; l < 2; l++) {
		s->leg[l].pair.rtp_fd = s->leg[l].pair.rtcp_fd = -1;
		s->leg[l].last_rx_ms = -1;
	}
	int rc = 0;
	for (int l = 0; l < 2 && rc == 0; l++)
		rc = rtpr_ports_alloc(r->ports, &s->leg[l].pair);
	if (rc < 0) {
		free_session(s);
		return rc;
	}
	struct worker *w = s->w;
	pthread_mutex_lock(&w->lock);
	for (int l = 0; l < 2 && rc == 0; l++) {
		for (int k = 0; k < 2 && rc == 0; k++) {
			struct sock *x = &s->leg[l].sock[k];
			x->s = s;
			x->leg = (uint8_t)l;
			x->kind = (uint8_t)k;
			x->fd = k == K_RTP ? s->leg[l].pair.rtp_fd : s->leg[l].pair.rtcp_fd;
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = x };
			if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, x->fd, &ev) < 0)
				rc = -errno;
		}
	}
	if (rc < 0) {
		/* Not listed yet: detach what was added the normal way. */
		bool released = false;
		s->released = &released;
		s->dead_next = w->dead;
		w->dead = s;
		wake(w);
		while (!released)
			pthread_cond_wait(&w->cond, &w->lock);
		pthread_mutex_unlock(&w->lock);
		free_session(s);
		return rc;
	}
	s->next = w->sessions;
	if (s->next)
		s->next->prev = s;
	w->sessions = s;
	pthread_mutex_unlock(&w->lock);
	*out = s;
	return 0;
}

void rtpr_session_destroy(struct rtpr_session *s)
{
	if (!s)
		return;
	struct worker *w = s->w;
	bool released = false;
	pthread_mutex_lock(&w->lock);
	if (pthread_equal(pthread_self(), w->th)) {
		/* From on_timeout: documented as not allowed; never deadlock. */
		pthread_mutex_unlock(&w->lock);
		return;
	}
	s->released = &released;
	s->dead_next = w->dead;
	w->dead = s;
	wake(w);
	while (!released)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	/* the media thread let go: its counters are final, no lock needed */
	for (int l = 0; l < 2; l++)
		totals_add(&s->relay->ended, &s->leg[l].st, false);
	free_session(s);
}

uint16_t rtpr_session_port(const struct rtpr_session *s, enum rtpr_leg leg)
{
	return s->leg[leg & 1].pair.rtp_port;
}

static int make_addr(const char *addr, uint16_t port, struct sockaddr_storage *sa)
{
	memset(sa, 0, sizeof *sa);
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
	} else {
		return -EINVAL;
	}
	return 0;
}

int rtpr_session_set_remote(struct rtpr_session *s, enum rtpr_leg leg,
                            const char *addr, uint16_t rtp_port, uint16_t rtcp_port)
{
	struct sockaddr_storage rtp, rtcp;
	if (!addr || rtp_port == 0 || make_addr(addr, rtp_port, &rtp) < 0)
		return -EINVAL;
	make_addr(addr, rtcp_port ? rtcp_port : (uint16_t)(rtp_port + 1), &rtcp);
	struct leg *l = &s->leg[leg & 1];
	pthread_mutex_lock(&s->lock);
	l->remote[K_RTP] = rtp;
	l->remote[K_RTCP] = rtcp;
	l->remote_len[K_RTP] = l->remote_len[K_RTCP] = sa_len(&rtp);
	l->has_remote[K_RTP] = l->has_remote[K_RTCP] = true;
	l->latched[K_RTP] = l->latched[K_RTCP] = false;
	l->rtcp_from_sdp = rtcp_port != 0;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int rtpr_session_set_crypto(struct rtpr_session *s, enum rtpr_leg leg,
                            const struct rtpr_srtp_key *rx, const struct rtpr_srtp_key *tx)
{
	struct rtpr_srtp *nrx = NULL, *ntx = NULL;
	int rc = 0;
	if (rx && (rc = rtpr_srtp_create(&nrx, rx, false)) < 0)
		return rc;
	if (tx && (rc = rtpr_srtp_create(&ntx, tx, true)) < 0) {
		rtpr_srtp_destroy(nrx);
		return rc;
	}
	struct leg *l = &s->leg[leg & 1];
	pthread_mutex_lock(&s->lock);
	struct rtpr_srtp *orx = l->rx, *otx = l->tx;
	l->rx = nrx;
	l->tx = ntx;
	pthread_mutex_unlock(&s->lock);
	rtpr_srtp_destroy(orx);
	rtpr_srtp_destroy(otx);
	return 0;
}

void rtpr_session_set_hold(struct rtpr_session *s, bool hold)
{
	pthread_mutex_lock(&s->lock);
	s->hold = hold;
	s->timed_out = false;
	s->ref_ms = now_ms();     /* leaving hold restarts the timeout */
	pthread_mutex_unlock(&s->lock);
}

int rtpr_session_stats(struct rtpr_session *s, enum rtpr_leg leg, struct rtpr_leg_stats *out)
{
	struct leg *l = &s->leg[leg & 1];
	int64_t now = now_ms();
	pthread_mutex_lock(&s->lock);
	*out = l->st;
	out->latched = l->latched[K_RTP];
	out->rtcp_latched = l->latched[K_RTCP];
	if (l->has_remote[K_RTP])
		out->remote = l->remote[K_RTP];
	else
		memset(&out->remote, 0, sizeof out->remote);
	out->idle_ms = l->last_rx_ms < 0 ? -1 : now - l->last_rx_ms;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

bool rtpr_session_timed_out(struct rtpr_session *s)
{
	pthread_mutex_lock(&s->lock);
	bool t = s->timed_out;
	pthread_mutex_unlock(&s->lock);
	return t;
}

void *rtpr_session_user(const struct rtpr_session *s)
{
	return s->user;
}
