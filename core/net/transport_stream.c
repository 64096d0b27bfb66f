/* tandem — stream transports, TCP and TLS (RFC 3261 §18.3): accepted and
 * outgoing connections, framing by Content-Length, CRLF keep-alives
 * (RFC 5626 §4.4.1), idle timeout, per-IP and total limits, queued writes. */
#include "transport_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#define READ_CHUNK 16384
/* Reads per wake-up on plain TCP (level-triggered: the loop comes back). */
#define TCP_READ_ROUNDS 8
#define ACCEPT_ROUNDS 32
#define LISTEN_BACKLOG 128
#define ACCEPT_RETRY_SECS 1.0
/* Seconds to connect and finish a TLS handshake: 64*T1 (RFC 3261 §17.1.1.2),
 * the longest a transaction would wait anyway. */
#define SETUP_TIMEOUT 32.0

static const char *conn_kind(const struct sip_conn *c)
{
	return c->proto == SIP_PROTO_TLS ? "tls" : "tcp";
}

/* ---- the connection tables ---- */

static size_t id_bucket(const struct sip_transport *tp, uint64_t id)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ULL) >> 17) & (tp->nbuckets - 1);
}

static size_t addr_bucket(const struct sip_transport *tp, const struct sockaddr *sa)
{
	return sip_addr_ip_hash(sa) & (tp->nbuckets - 1);
}

struct sip_conn *sip_conn_find(const struct sip_transport *tp, uint64_t id)
{
	if (!tp || id == 0)
		return NULL;
	for (struct sip_conn *c = tp->by_id[id_bucket(tp, id)]; c; c = c->id_next)
		if (c->id == id)
			return c->dead ? NULL : c;
	return NULL;
}

static void conn_link(struct sip_transport *tp, struct sip_conn *c)
{
	c->id = tp->next_id++;
	size_t b = id_bucket(tp, c->id);
	c->id_next = tp->by_id[b];
	tp->by_id[b] = c;
	b = addr_bucket(tp, (struct sockaddr *)&c->peer);
	c->addr_next = tp->by_addr[b];
	tp->by_addr[b] = c;
	c->next = tp->conns;
	if (tp->conns)
		tp->conns->prev = c;
	tp->conns = c;
	tp->st.conns_open++;
	tp->st.conns_total++;
}

static void conn_unlink(struct sip_transport *tp, struct sip_conn *c)
{
	struct sip_conn **pp = &tp->by_id[id_bucket(tp, c->id)];
	while (*pp && *pp != c)
		pp = &(*pp)->id_next;
	if (*pp)
		*pp = c->id_next;
	pp = &tp->by_addr[addr_bucket(tp, (struct sockaddr *)&c->peer)];
	while (*pp && *pp != c)
		pp = &(*pp)->addr_next;
	if (*pp)
		*pp = c->addr_next;
	if (c->prev)
		c->prev->next = c->next;
	else
		tp->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	tp->st.conns_open--;
}

static unsigned count_from_ip(const struct sip_transport *tp, const struct sockaddr *sa)
{
	unsigned n = 0;
	for (struct sip_conn *c = tp->by_addr[addr_bucket(tp, sa)]; c; c = c->addr_next)
		if (c->incoming && sip_addr_ip_eq((struct sockaddr *)&c->peer, sa))
			n++;
	return n;
}

/* A connection we may still send on: open and not winding down. */
static struct sip_conn *find_by_addr(const struct sip_transport *tp, enum sip_proto proto,
                                     const struct sockaddr *sa)
{
	for (struct sip_conn *c = tp->by_addr[addr_bucket(tp, sa)]; c; c = c->addr_next)
		if (c->proto == proto && !c->close_after_flush &&
		    sip_addr_eq((struct sockaddr *)&c->peer, sa))
			return c;
	return NULL;
}

static void conn_free(struct sip_conn *c)
{
	sip_tls_conn_free(c);
	free(c->in);
	free(c->out);
	free(c);
}

/* Close now. The memory goes when no callback is running on c (a callback
 * may send on, or close, the connection it was called for). */
static void conn_close(struct sip_conn *c, const char *why)
{
	if (c->dead)
		return;
	struct sip_transport *tp = c->tp;
	char a[64];
	tlog_debug("%s conn %llu %s closed: %s", conn_kind(c), (unsigned long long)c->id,
	           sip_addr_str((struct sockaddr *)&c->peer, a, sizeof a), why);
	c->dead = true;
	ev_io_stop(tp->loop, &c->io);
	ev_timer_stop(tp->loop, &c->idle);
	if (c->ssl && !c->handshaking && !c->connecting)
		SSL_shutdown(c->ssl);   /* best effort close_notify, never waits */
	ERR_clear_error();
	close(c->fd);
	c->fd = -1;
	conn_unlink(tp, c);
	if (!c->busy)
		conn_free(c);
}

/* Close on an error; when queued data is lost with it, tell the error
 * callback (after closing, so a retry from it opens a fresh connection). */
static void conn_fail(struct sip_conn *c, int err, const char *why)
{
	struct sip_transport *tp = c->tp;
	bool lost = c->out_off < c->out_len;
	struct sip_dest d;
	memset(&d, 0, sizeof d);
	d.proto = c->proto;
	d.addr = c->peer;
	d.addr_len = c->peer_len;
	d.conn_id = c->id;
	conn_close(c, why);
	if (lost && tp->err_fn)
		tp->err_fn(tp->err_arg, &d, err);
}

void sip_stream_close_all(struct sip_transport *tp)
{
	while (tp->conns) {
		struct sip_conn *c = tp->conns;
		c->busy = 0;
		conn_close(c, "transport shut down");
	}
}

/* ---- I/O primitives (plain or TLS) ---- */

static ssize_t conn_raw_read(struct sip_conn *c, char *buf, size_t n)
{
	if (c->ssl)
		return sip_tls_read(c, buf, n);
	ssize_t r;
	do {
		r = recv(c->fd, buf, n, MSG_DONTWAIT);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return r;
}

static ssize_t conn_raw_write(struct sip_conn *c, const char *buf, size_t n)
{
	if (c->ssl)
		return sip_tls_write(c, buf, n);
	ssize_t r;
	do {
		r = send(c->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return r;
}

static void conn_update_events(struct sip_conn *c)
{
	if (c->dead)
		return;
	int ev = 0;
	if (!c->close_after_flush || c->handshaking)
		ev |= EV_READ;
	if (c->connecting || c->ssl_want_write || c->out_off < c->out_len)
		ev |= EV_WRITE;
	if (c->connecting)
		ev = EV_WRITE;
	/* libev keeps private flag bits in events: compare ours only. */
	if (ev == (c->io.events & (EV_READ | EV_WRITE)) && ev_is_active(&c->io))
		return;
	ev_io_stop(c->tp->loop, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	if (ev)
		ev_io_start(c->tp->loop, &c->io);
}

/* Restart the idle timer. A connection still connecting or in its TLS
 * handshake gets at most SETUP_TIMEOUT: a peer that never finishes one
 * must not hold a slot for the whole idle timeout. */
static void conn_touch(struct sip_conn *c)
{
	double t = c->tp->cfg.tcp_idle_timeout;
	if ((c->connecting || c->handshaking) && t > SETUP_TIMEOUT)
		t = SETUP_TIMEOUT;
	c->idle.repeat = t;
	ev_timer_again(c->tp->loop, &c->idle);
}

/* Write what is queued; 0 or a negative error (the caller closes). */
static int conn_flush(struct sip_conn *c)
{
	if (c->connecting || c->handshaking)
		return 0;
	bool wrote = false;
	while (c->out_off < c->out_len) {
		ssize_t w = conn_raw_write(c, c->out + c->out_off, c->out_len - c->out_off);
		if (w == -EAGAIN)
			break;
		if (w <= 0)
			return w < 0 ? (int)w : -EIO;
		c->out_off += (size_t)w;
		wrote = true;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (wrote)
		conn_touch(c);
	return 0;
}

/* Append to the output queue and try to write it at once. */
static int conn_queue(struct sip_conn *c, const char *buf, size_t len)
{
	size_t pending = c->out_len - c->out_off;
	if (pending + len > c->tp->cfg.max_send_queue)
		return -ENOBUFS;
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_off = 0;
		c->out_len = pending;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + len)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	int rc = conn_flush(c);
	if (rc < 0)
		return rc;
	conn_update_events(c);
	return 0;
}

/* ---- receiving: framing and dispatch ---- */

static void conn_rx_info(const struct sip_conn *c, struct sip_rx_info *rx)
{
	memset(rx, 0, sizeof *rx);
	rx->proto = c->proto;
	memcpy(&rx->src, &c->peer, sizeof rx->src);
	rx->src_len = c->peer_len;
	rx->listener = c->listener;
	rx->conn_id = c->id;
}

static void conn_consume(struct sip_conn *c, size_t n)
{
	if (n >= c->in_len) {
		c->in_len = 0;
		return;
	}
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* A fault that loses the framing: report it, answer what the core sends
 * from bad(), then close (RFC 3261 §18.3: no way to find the next message). */
static void conn_fatal(struct sip_conn *c, const char *data, size_t len, int status,
                       const char *reason)
{
	struct sip_transport *tp = c->tp;
	struct sip_rx_info rx;
	struct sip_error err = { status, reason };
	conn_rx_info(c, &rx);
	tp->st.rx_bad++;
	char a[64];
	tlog_info("%s conn %llu %s: %d %s, closing", conn_kind(c), (unsigned long long)c->id,
	          sip_addr_str((struct sockaddr *)&c->peer, a, sizeof a), status, reason);
	tp->bad(tp->arg, &rx, data, len, &err);
	c->in_len = 0;
	c->close_after_flush = true;
}

/* The framing failed (a missing or bad Content-Length, RFC 3261 §18.3,
 * §20.14): let the parser name the fault from the header block so the
 * core's 400 says why. */
static void conn_malformed(struct sip_conn *c, const char *data, size_t len)
{
	struct sip_error err = { 400, "Bad Request" };
	const char *hend = memmem(data, len, "\r\n\r\n", 4);
	if (hend) {
		struct sip_msg m;
		struct sip_error perr = { 0, NULL };
		memset(&m, 0, sizeof m);
		if (sip_msg_parse(&m, data, (size_t)(hend + 4 - data), SIP_PARSE_STREAM, &perr) < 0 &&
		    perr.status && perr.reason)
			err = perr;
		sip_msg_free(&m);
	}
	conn_fatal(c, data, len, err.status, err.reason);
}

static void conn_dispatch(struct sip_conn *c, const char *data, size_t len)
{
	struct sip_transport *tp = c->tp;
	struct sip_rx_info rx;
	conn_rx_info(c, &rx);
	struct sip_msg *m = calloc(1, sizeof *m);
	if (!m) {
		tp->st.rx_dropped++;
		return;
	}
	struct sip_error err = { 0, NULL };
	/* RFC 3261 §18.3: Content-Length is mandatory on streams. */
	if (sip_msg_parse(m, data, len, SIP_PARSE_STREAM, &err) < 0) {
		sip_msg_free(m);
		free(m);
		tp->st.rx_bad++;
		if (!err.reason)
			err.reason = "Bad Request";
		tp->bad(tp->arg, &rx, data, len, &err);
		return;
	}
	m->rx = rx;
	sip_transport_count_rx(tp, m);
	tp->rx(tp->arg, m);
}

static const char ping[] = "\r\n\r\n";

static void conn_process(struct sip_conn *c)
{
	struct sip_transport *tp = c->tp;
	size_t max = tp->cfg.max_msg_size;
	while (!c->dead && !c->close_after_flush && c->in_len > 0) {
		/* RFC 5626 §4.4.1: a double-CRLF ping gets a single-CRLF pong. */
		if (c->in_len >= 4 && memcmp(c->in, ping, 4) == 0) {
			tp->st.keepalives++;
			conn_consume(c, 4);
			if (conn_queue(c, "\r\n", 2) < 0)
				conn_close(c, "send failed");
			continue;
		}
		if (c->in_len < 4 && memcmp(c->in, ping, c->in_len) == 0)
			return;  /* maybe the start of a ping */

		size_t skip = 0;
		long fl = sip_frame_length(c->in, c->in_len, max, &skip);
		if (skip > c->in_len)
			skip = c->in_len;
		size_t avail = c->in_len - skip;
		size_t show = avail > max ? max : avail;
		if (fl < 0) {
			/* Too big, or malformed? Ask again without the limit. */
			size_t s2 = 0;
			long again = sip_frame_length(c->in, c->in_len, SIZE_MAX / 2, &s2);
			if (again != -1)   /* RFC 3261 §21.5.14 */
				conn_fatal(c, c->in + skip, show, 513, "Message Too Large");
			else
				conn_malformed(c, c->in + skip, show);
			return;
		}
		if (fl == 0) {
			if (avail > max) {
				conn_fatal(c, c->in + skip, show, 513, "Message Too Large");
				return;
			}
			if (skip)
				conn_consume(c, skip);
			return;
		}
		if ((size_t)fl > max || (size_t)fl > avail) {
			if ((size_t)fl > max)
				conn_fatal(c, c->in + skip, show, 513, "Message Too Large");
			else
				conn_fatal(c, c->in + skip, show, 400, "Bad Request");
			return;
		}
		conn_dispatch(c, c->in + skip, (size_t)fl);
		if (c->dead)
			return;
		conn_consume(c, skip + (size_t)fl);
	}
}

/* Read until the socket is drained (TLS: until OpenSSL's buffer is too,
 * or the fd would not wake us for the rest). */
static void conn_read(struct sip_conn *c)
{
	struct sip_transport *tp = c->tp;
	size_t limit = tp->cfg.max_msg_size + READ_CHUNK;
	for (int round = 0; !c->dead && !c->close_after_flush; round++) {
		if (!c->ssl && round >= TCP_READ_ROUNDS)
			return;
		if (c->in_cap - c->in_len < READ_CHUNK / 4 && c->in_cap < limit) {
			size_t cap = c->in_cap ? c->in_cap * 2 : READ_CHUNK;
			if (cap < c->in_len + READ_CHUNK)
				cap = c->in_len + READ_CHUNK;
			if (cap > limit)
				cap = limit;
			char *p = realloc(c->in, cap);
			if (!p) {
				conn_close(c, "out of memory");
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		if (c->in_len >= c->in_cap) {
			/* Cannot happen: conn_process answers 513 past max. */
			conn_close(c, "input buffer full");
			return;
		}
		ssize_t n = conn_raw_read(c, c->in + c->in_len, c->in_cap - c->in_len);
		if (n == -EAGAIN)
			return;
		if (n == 0) {
			conn_fail(c, -ECONNRESET, "closed by peer");
			return;
		}
		if (n < 0) {
			conn_fail(c, (int)n, strerror((int)-n));
			return;
		}
		c->in_len += (size_t)n;
		conn_touch(c);
		conn_process(c);
	}
}

/* ---- the connection's watchers ---- */

static void conn_handshake(struct sip_conn *c)
{
	int rc = sip_tls_handshake(c);
	if (rc == -EAGAIN)
		return;
	if (rc < 0) {
		conn_fail(c, rc, "TLS handshake failed");
		return;
	}
	c->handshaking = false;
	c->ssl_want_write = false;
	conn_touch(c);
	char a[64];
	tlog_debug("tls conn %llu %s: %s %s", (unsigned long long)c->id,
	           sip_addr_str((struct sockaddr *)&c->peer, a, sizeof a),
	           SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
}

static int conn_tls_begin(struct sip_conn *c)
{
	struct sip_transport *tp = c->tp;
	SSL_CTX *ctx = c->incoming ? c->listener->ssl_ctx : tp->client_ctx;
	if (!ctx && !c->incoming) {
		int rc = sip_tls_client_ensure(tp);
		if (rc < 0)
			return rc;
		ctx = tp->client_ctx;
	}
	const struct sip_tls_name *name = !c->incoming && c->tls_name && c->tls_name <= tp->ntls_names
		? &tp->tls_names[c->tls_name] : NULL;
	int rc = sip_tls_conn_start(c, ctx, name);
	if (rc < 0)
		return rc;
	c->handshaking = true;
	return 0;
}

/* How a non-blocking connect() ended: 0 or the errno (SO_ERROR). */
static int connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	return err;
}

static void conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	struct sip_conn *c = w->data;
	c->busy++;
	if (c->connecting) {
		int err = connect_result(c->fd);
		if (err) {
			char a[64];
			tlog_info("%s connect to %s: %s", conn_kind(c),
			          sip_addr_str((struct sockaddr *)&c->peer, a, sizeof a), strerror(err));
			conn_fail(c, -err, strerror(err));
			goto out;
		}
		c->connecting = false;
		if (c->proto == SIP_PROTO_TLS && conn_tls_begin(c) < 0) {
			conn_fail(c, -EPROTO, "TLS setup failed");
			goto out;
		}
		conn_touch(c);
	}
	if (c->handshaking) {
		conn_handshake(c);
		if (c->dead || c->handshaking)
			goto out;
	}
	/* TLS may need the other direction for either operation (and holds
	 * decrypted bytes the fd does not announce): try both. */
	if ((revents & EV_WRITE) || c->ssl) {
		c->ssl_want_write = false;
		int frc = conn_flush(c);
		if (frc < 0) {
			conn_fail(c, frc, "write failed");
			goto out;
		}
	}
	if (((revents & EV_READ) || c->ssl) && !c->close_after_flush)
		conn_read(c);
	if (!c->dead && c->close_after_flush && c->out_off == c->out_len)
		conn_close(c, "closing after error");
out:
	conn_update_events(c);
	if (--c->busy == 0 && c->dead)
		conn_free(c);
}

static void idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct sip_conn *c = w->data;
	conn_fail(c, -ETIMEDOUT, "idle timeout");
}

static struct sip_conn *conn_new(struct sip_transport *tp, enum sip_proto proto, int fd,
                                 const struct sockaddr *peer, socklen_t peer_len)
{
	struct sip_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->tp = tp;
	c->proto = proto;
	c->fd = fd;
	memcpy(&c->peer, peer, peer_len < sizeof c->peer ? peer_len : sizeof c->peer);
	c->peer_len = peer_len;
	ev_io_init(&c->io, conn_cb, fd, EV_READ);
	c->io.data = c;
	ev_init(&c->idle, idle_cb);
	c->idle.repeat = tp->cfg.tcp_idle_timeout;
	c->idle.data = c;
	int one = 1;
	/* Whole messages are written at once: do not let Nagle hold them back. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return c;
}

/* ---- listeners ---- */

static void accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct sip_listener *l = w->data;
	ev_io_start(loop, &l->io);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct sip_listener *l = w->data;
	struct sip_transport *tp = l->tp;
	for (int i = 0; i < ACCEPT_ROUNDS; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof peer;
		int fd = accept4(l->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: a level-triggered watcher would spin. */
				tlog_warn("accept on %s: %s, pausing", sip_proto_name(l->proto),
				          strerror(errno));
				ev_io_stop(loop, &l->io);
				ev_timer_set(&l->retry, ACCEPT_RETRY_SECS, 0.);
				ev_timer_start(loop, &l->retry);
			}
			return;
		}
		char a[64];
		sip_addr_str((struct sockaddr *)&peer, a, sizeof a);
		if (tp->st.conns_open >= tp->cfg.max_connections) {
			tp->st.conns_refused++;
			tlog_notice("%s connection from %s refused: %u connections open",
			            sip_proto_name(l->proto), a, tp->cfg.max_connections);
			close(fd);
			continue;
		}
		if (count_from_ip(tp, (struct sockaddr *)&peer) >= tp->cfg.max_conn_per_ip) {
			tp->st.conns_refused++;
			tlog_notice("%s connection from %s refused: %u from that address",
			            sip_proto_name(l->proto), a, tp->cfg.max_conn_per_ip);
			close(fd);
			continue;
		}
		struct sip_conn *c = conn_new(tp, l->proto, fd, (struct sockaddr *)&peer, plen);
		if (!c) {
			close(fd);
			tp->st.conns_refused++;
			continue;
		}
		c->incoming = true;
		c->listener = l;
		if (l->proto == SIP_PROTO_TLS && conn_tls_begin(c) < 0) {
			conn_free(c);
			close(fd);
			tp->st.conns_refused++;
			continue;
		}
		conn_link(tp, c);
		ev_io_start(loop, &c->io);
		conn_touch(c);
		tlog_debug("%s conn %llu from %s accepted", conn_kind(c),
		           (unsigned long long)c->id, a);
	}
}

int sip_stream_listen(struct sip_transport *tp, struct sip_listener *l)
{
	l->fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return -errno;
	int one = 1;
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (l->addr.ss_family == AF_INET6 &&
	    setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		return -errno;
	if (bind(l->fd, (struct sockaddr *)&l->addr, l->addr_len) < 0)
		return -errno;
	if (listen(l->fd, LISTEN_BACKLOG) < 0)
		return -errno;
	socklen_t len = sizeof l->addr;
	if (getsockname(l->fd, (struct sockaddr *)&l->addr, &len) == 0)
		l->addr_len = len;
	ev_io_init(&l->io, accept_cb, l->fd, EV_READ);
	l->io.data = l;
	ev_init(&l->retry, accept_retry_cb);
	l->retry.data = l;
	return 0;
}

void sip_stream_listener_gone(struct sip_transport *tp, const struct sip_listener *l)
{
	/* conn_fail runs the error callback, which may send (a new connection
	 * at the head) or close others: start over after each close */
again:
	for (struct sip_conn *c = tp->conns; c; c = c->next) {
		if (c->listener != l)
			continue;
		if (c->incoming) {
			conn_fail(c, -ECONNABORTED, "its listener was removed");
			goto again;
		}
		c->listener = sip_transport_find_listener(tp, c->proto, c->peer.ss_family);
	}
}

/* ---- sending ---- */

static int conn_connect(struct sip_transport *tp, const struct sip_dest *dst,
                        struct sip_conn **out)
{
	int family = dst->addr.ss_family;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (tp->st.conns_open >= tp->cfg.max_connections) {
		tp->st.conns_refused++;
		return -ENOBUFS;
	}
	socklen_t alen = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sip_conn *c = conn_new(tp, dst->proto, fd, (const struct sockaddr *)&dst->addr, alen);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->listener = sip_transport_find_listener(tp, dst->proto, family);
	c->tls_name = dst->tls_name;
	int rc;
	do {
		rc = connect(fd, (const struct sockaddr *)&dst->addr, alen);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0 && errno != EINPROGRESS) {
		rc = -errno;
		conn_free(c);
		close(fd);
		return rc;
	}
	if (rc < 0) {
		c->connecting = true;
	} else if (dst->proto == SIP_PROTO_TLS && (rc = conn_tls_begin(c)) < 0) {
		conn_free(c);
		close(fd);
		return rc;
	}
	conn_link(tp, c);
	conn_touch(c);
	/* Connecting or handshaking: the first writable event drives it on. */
	ev_io_set(&c->io, fd, EV_READ | EV_WRITE);
	ev_io_start(tp->loop, &c->io);
	char a[64];
	tlog_debug("%s conn %llu to %s opening", conn_kind(c), (unsigned long long)c->id,
	           sip_addr_str((struct sockaddr *)&c->peer, a, sizeof a));
	*out = c;
	return 0;
}

int sip_stream_send(struct sip_transport *tp, const struct sip_dest *dst,
                    const char *buf, size_t len)
{
	if (len > tp->cfg.max_send_queue)
		return -EMSGSIZE;
	struct sip_conn *c = NULL;
	if (dst->conn_id) {
		c = sip_conn_find(tp, dst->conn_id);
		if (c && (c->proto != dst->proto || c->close_after_flush))
			c = NULL;
	}
	if (!c && dst->addr.ss_family != AF_UNSPEC)
		c = find_by_addr(tp, dst->proto, (const struct sockaddr *)&dst->addr);
	if (!c) {
		if (dst->addr.ss_family == AF_UNSPEC)
			return -ENOTCONN;
		int rc = conn_connect(tp, dst, &c);
		if (rc < 0) {
			char a[64];
			tlog_info("%s connect to %s: %s", sip_proto_name(dst->proto),
			          sip_addr_str((const struct sockaddr *)&dst->addr, a, sizeof a),
			          strerror(-rc));
			return rc;
		}
	}
	c->busy++;
	int rc = conn_queue(c, buf, len);
	if (rc < 0)
		conn_close(c, rc == -ENOBUFS ? "send queue full" : "write failed");
	else
		tp->st.tx_msgs++;
	if (--c->busy == 0 && c->dead)
		conn_free(c);
	return rc;
}

/* ---- shutdown ---- */

/* One step of c's way out: connect done, handshake, write. A failure
 * closes c without the error callback. */
static void conn_push(struct sip_conn *c)
{
	if (c->connecting) {
		int err = connect_result(c->fd);
		if (err) {
			conn_close(c, strerror(err));
			return;
		}
		c->connecting = false;
		if (c->proto == SIP_PROTO_TLS && conn_tls_begin(c) < 0) {
			conn_close(c, "TLS setup failed");
			return;
		}
	}
	if (c->handshaking) {
		int rc = sip_tls_handshake(c);
		if (rc == -EAGAIN)
			return;
		if (rc < 0) {
			conn_close(c, "TLS handshake failed");
			return;
		}
		c->handshaking = false;
		c->ssl_want_write = false;
	}
	if (conn_flush(c) < 0)
		conn_close(c, "write failed");
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define FLUSH_MAX_CONNS 64

int sip_stream_flush_all(struct sip_transport *tp, double timeout)
{
	double end = mono_now() + timeout;
	for (;;) {
		struct pollfd fds[FLUSH_MAX_CONNS];
		struct sip_conn *cs[FLUSH_MAX_CONNS];
		nfds_t n = 0;
		for (struct sip_conn *c = tp->conns; c && n < FLUSH_MAX_CONNS; c = c->next) {
			if (c->dead || c->out_off == c->out_len)
				continue;
			fds[n].fd = c->fd;
			fds[n].events = c->handshaking && !c->ssl_want_write ? POLLIN : POLLOUT;
			fds[n].revents = 0;
			cs[n++] = c;
		}
		if (n == 0)
			return 0;
		int left = (int)((end - mono_now()) * 1000.);
		if (left <= 0) {
			tlog_info("transport: %lu connections still had data to send at shutdown",
			          (unsigned long)n);
			return -ETIMEDOUT;
		}
		if (poll(fds, n, left) < 0 && errno != EINTR)
			return -errno;
		for (nfds_t i = 0; i < n; i++)
			if (fds[i].revents)
				conn_push(cs[i]);
	}
}
