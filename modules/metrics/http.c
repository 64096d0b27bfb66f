/* mod_metrics — the HTTP server: a non-blocking listener and its
 * connections on the signalling loop. A connection reads one request
 * head (up to max_request bytes), gets its whole answer, writes it, shuts
 * its sending side and drains what the client still sends until it closes
 * (so the answer is not lost to a reset, RFC 9112 §9.6), all within
 * timeout seconds of being accepted. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tandem/tandem.h>

#include "http.h"

#define ACCEPTS_PER_EVENT 16
#define ACCEPT_PAUSE 1.0     /* s without accepting after EMFILE and kin */
#define LINGER_MAX 2.0       /* s a closing connection is drained at most */

struct http_conn {
	struct http_server *srv;
	struct http_conn *prev, *next;
	int fd;
	ev_io io;
	ev_timer timer;
	char *in;                /* in_cap bytes: max_request when accepted */
	size_t in_len, in_cap;
	char *out;               /* the whole answer */
	size_t out_len, out_off;
	enum { C_READING, C_WRITING, C_DRAINING } state;
	bool refused;            /* over the limit: a 503 on its way */
};

struct http_server {
	struct ev_loop *loop;
	int fd;
	ev_io accept_io;
	ev_timer accept_pause;
	const char *path;
	struct http_limits lim;
	http_render_fn render;
	http_count_fn count;
	void *arg;
	struct http_conn *conns;
	unsigned nconns, nrefused;
};

static int listen_on(const struct sockaddr *addr, socklen_t len)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, addr, len) < 0 || listen(fd, 64) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* ---- a connection ---- */

static void conn_free(struct http_conn *c)
{
	struct http_server *s = c->srv;
	ev_io_stop(s->loop, &c->io);
	ev_timer_stop(s->loop, &c->timer);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->refused)
		s->nrefused--;
	else
		s->nconns--;
	free(c->in);
	free(c->out);
	free(c);
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Internal Server Error";
}

/* The whole answer into w: status line, headers, body unless HEAD. An
 * error's body says what it is, in text. */
static void build_answer(struct http_server *s, struct sip_wbuf *w, int status, bool head)
{
	struct sip_wbuf body;
	sip_wbuf_init(&body, status == 200 ? 16384 : 64);
	const char *ctype = "text/plain; charset=utf-8";
	if (status == 200) {
		s->render(s->arg, &body);
		/* the Prometheus text format's own media type */
		ctype = "text/plain; version=0.0.4; charset=utf-8";
	} else {
		sip_wbuf_printf(&body, "%d %s\n", status, status_text(status));
	}
	if (body.err) {
		status = 500;
		body.len = 0;
	}
	sip_wbuf_printf(w, "HTTP/1.1 %d %s\r\n", status, status_text(status));
	sip_wbuf_printf(w, "Content-Type: %s\r\nContent-Length: %zu\r\n", ctype, body.len);
	if (status == 405)
		sip_wbuf_puts(w, "Allow: GET, HEAD\r\n");   /* RFC 9110 §15.5.6 */
	sip_wbuf_puts(w, "Cache-Control: no-store\r\nConnection: close\r\n\r\n");
	if (!head)
		sip_wbuf_put(w, body.p, body.len);
	sip_wbuf_free(&body);
	if (s->count)
		s->count(s->arg, status);
}

static void conn_cb(struct ev_loop *loop, ev_io *w, int revents);

static void conn_drain_start(struct http_conn *c)
{
	struct http_server *s = c->srv;
	shutdown(c->fd, SHUT_WR);
	c->state = C_DRAINING;
	ev_io_stop(s->loop, &c->io);
	ev_io_set(&c->io, c->fd, EV_READ);
	ev_io_start(s->loop, &c->io);
	ev_timer_stop(s->loop, &c->timer);
	ev_timer_set(&c->timer, LINGER_MAX, 0.);
	ev_timer_start(s->loop, &c->timer);
}

/* Write what is left; 0 done, 1 more later, -1 the client is gone. */
static int conn_flush(struct http_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
	}
	return 0;
}

static void conn_answer(struct http_conn *c, int status, bool head)
{
	struct http_server *s = c->srv;
	struct sip_wbuf w;
	sip_wbuf_init(&w, 512);
	build_answer(s, &w, status, head);
	long n = sip_wbuf_take(&w, &c->out);
	if (n < 0) {
		sip_wbuf_free(&w);
		conn_free(c);
		return;
	}
	c->out_len = (size_t)n;
	c->state = C_WRITING;
	int rc = conn_flush(c);
	if (rc < 0) {
		conn_free(c);
	} else if (rc == 0) {
		conn_drain_start(c);
	} else {
		ev_io_stop(s->loop, &c->io);
		ev_io_set(&c->io, c->fd, EV_WRITE);
		ev_io_start(s->loop, &c->io);
		if (!ev_is_active(&c->timer)) {   /* a 408: the exchange's time is up already */
			ev_timer_set(&c->timer, LINGER_MAX, 0.);
			ev_timer_start(s->loop, &c->timer);
		}
	}
}

/* RFC 9110: 404 for any other resource, 405 for another method on ours. */
static void conn_request(struct http_conn *c, size_t head_len)
{
	struct http_request r;
	int status = http_parse_request(c->in, head_len, &r);
	bool head = false;
	if (status == 0) {
		head = strcmp(r.method, "HEAD") == 0;
		if (strcmp(r.path, c->srv->path) != 0)
			status = 404;
		else if (!head && strcmp(r.method, "GET") != 0)
			status = 405;
		else
			status = 200;
	}
	conn_answer(c, status, head);
}

static void conn_read(struct http_conn *c)
{
	for (;;) {
		size_t room = c->in_cap - c->in_len;
		if (room == 0) {
			conn_answer(c, 431, false);
			return;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_free(c);   /* closed (or reset) before a whole request */
			return;
		}
		bool lf = memchr(c->in + c->in_len, '\n', (size_t)n) != NULL;
		c->in_len += (size_t)n;
		/* an empty line ends the head: only a new LF can complete one */
		size_t head = lf ? http_head_length(c->in, c->in_len) : 0;
		if (head) {
			conn_request(c, head);
			return;
		}
	}
}

static void conn_drain(struct http_conn *c)
{
	char junk[1024];
	for (;;) {
		ssize_t n = recv(c->fd, junk, sizeof junk, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_free(c);   /* EOF or an error: the client has it all */
		return;
	}
}

static void conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct http_conn *c = w->data;
	switch (c->state) {
	case C_READING:
		conn_read(c);
		break;
	case C_WRITING: {
		int rc = conn_flush(c);
		if (rc < 0)
			conn_free(c);
		else if (rc == 0)
			conn_drain_start(c);
		break;
	}
	case C_DRAINING:
		conn_drain(c);
		break;
	}
}

static void conn_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct http_conn *c = w->data;
	if (c->state == C_READING && c->in_len > 0) {
		conn_answer(c, 408, false);   /* RFC 9110 §15.5.9: a request begun, never finished */
		return;
	}
	conn_free(c);
}

static void conn_new(struct http_server *s, int fd, bool refused)
{
	struct http_conn *c = calloc(1, sizeof *c);
	if (c && !refused && !(c->in = malloc(s->lim.max_request))) {
		free(c);
		c = NULL;
	}
	if (!c) {
		close(fd);
		return;
	}
	c->srv = s;
	c->fd = fd;
	c->refused = refused;
	c->in_cap = refused ? 0 : s->lim.max_request;
	c->next = s->conns;
	if (c->next)
		c->next->prev = c;
	s->conns = c;
	if (refused)
		s->nrefused++;
	else
		s->nconns++;
	ev_io_init(&c->io, conn_cb, fd, EV_READ);
	c->io.data = c;
	ev_timer_init(&c->timer, conn_timeout, s->lim.timeout, 0.);
	c->timer.data = c;
	ev_timer_start(s->loop, &c->timer);
	if (refused) {
		conn_answer(c, 503, false);   /* may free c */
		return;
	}
	ev_io_start(s->loop, &c->io);
}

static void accept_resume(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct http_server *s = w->data;
	if (s->fd >= 0)
		ev_io_start(loop, &s->accept_io);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct http_server *s = w->data;
	for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* level-triggered: the listener would wake us at once again */
				tlog_warn("mod_metrics: accept: %s (pausing)", strerror(errno));
				ev_io_stop(loop, &s->accept_io);
				ev_timer_set(&s->accept_pause, ACCEPT_PAUSE, 0.);
				ev_timer_start(loop, &s->accept_pause);
			}
			return;   /* EAGAIN, or a connection already gone */
		}
		/* over the limit a client still learns why (503), up to as many
		 * again; beyond that it is closed unanswered */
		bool over = s->nconns >= s->lim.max_connections;
		if (over && s->nrefused >= s->lim.max_connections) {
			close(fd);
			continue;
		}
		conn_new(s, fd, over);
	}
}

/* ---- the server ---- */

static void listener_start(struct http_server *s, int fd)
{
	s->fd = fd;
	ev_io_init(&s->accept_io, accept_cb, fd, EV_READ);
	s->accept_io.data = s;
	ev_io_start(s->loop, &s->accept_io);
}

static void listener_stop(struct http_server *s)
{
	if (s->fd < 0)
		return;
	ev_io_stop(s->loop, &s->accept_io);
	ev_timer_stop(s->loop, &s->accept_pause);
	close(s->fd);
	s->fd = -1;
}

int http_server_open(struct ev_loop *loop, const struct sockaddr *addr, socklen_t addr_len,
                     const char *path, const struct http_limits *lim, http_render_fn render,
                     http_count_fn count, void *arg, struct http_server **out)
{
	*out = NULL;
	struct http_server *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int fd = listen_on(addr, addr_len);
	if (fd < 0) {
		free(s);
		return fd;
	}
	s->loop = loop;
	s->path = path;
	s->lim = *lim;
	s->render = render;
	s->count = count;
	s->arg = arg;
	ev_timer_init(&s->accept_pause, accept_resume, ACCEPT_PAUSE, 0.);
	s->accept_pause.data = s;
	listener_start(s, fd);
	*out = s;
	return 0;
}

int http_server_rebind(struct http_server *s, const struct sockaddr *addr, socklen_t addr_len)
{
	int fd = listen_on(addr, addr_len);
	if (fd < 0)
		return fd;
	listener_stop(s);
	listener_start(s, fd);
	return 0;
}

void http_server_set_limits(struct http_server *s, const struct http_limits *lim)
{
	s->lim = *lim;   /* for the connections accepted from now on */
}

void http_server_close(struct http_server *s)
{
	if (!s)
		return;
	listener_stop(s);
	while (s->conns)
		conn_free(s->conns);
	free(s);
}
