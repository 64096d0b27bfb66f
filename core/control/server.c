/* tandem — the control socket: a Unix stream socket on the signalling
 * loop, one JSON request per line in, one JSON response per line out
 * (docs/CONTROL.md). Nothing here blocks: a client that sends slowly or
 * reads slowly holds only its own buffers, within limits. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_internal.h"

struct control_conn {
	struct control_server *srv;
	struct control_conn *prev, *next;
	int fd;
	ev_io rd, wr;
	ev_timer idle;
	char *in;
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	bool closing;               /* close once what is pending is written */
};

struct control_server {
	struct tandem *t;
	/* the listening socket, -1 while there is none (disabled) */
	int fd;
	ev_io accept_w;
	char *path;
	unsigned mode;
	long gid;
	unsigned max_clients;       /* the control group's limits, as last (re)loaded */
	double idle_timeout;
	dev_t dev;                  /* the socket file we made: removed at stop */
	ino_t ino;                  /* only while it is still ours */
	struct control_conn *conns;
	unsigned nconns;
};

/* ---- connections ---- */

static void conn_free(struct control_conn *c)
{
	struct control_server *s = c->srv;
	ev_io_stop(s->t->loop, &c->rd);
	ev_io_stop(s->t->loop, &c->wr);
	ev_timer_stop(s->t->loop, &c->idle);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	free(c->in);
	free(c->out);
	free(c);
}

static int conn_queue(struct control_conn *c, const char *p, size_t n)
{
	if (c->outoff && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen - c->outoff + n > CONTROL_MAX_PENDING)
		return -ENOBUFS;
	char *grown = realloc(c->out, c->outlen + n);
	if (!grown)
		return -ENOMEM;
	c->out = grown;
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
	return 0;
}

/* Queue one response line; false: the connection must go. */
static bool conn_answer(struct control_conn *c, json_t *resp)
{
	char *text = resp ? json_dumps(resp, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15)) : NULL;
	json_decref(resp);
	if (!text) {
		static const char oom[] = "{\"ok\":false,\"kind\":\"failed\",\"error\":\"out of memory\"}";
		return conn_queue(c, oom, sizeof oom - 1) == 0 && conn_queue(c, "\n", 1) == 0;
	}
	bool ok = conn_queue(c, text, strlen(text)) == 0 && conn_queue(c, "\n", 1) == 0;
	free(text);
	return ok;
}

/* Write what is pending; reading waits meanwhile (a client piping
 * requests without reading answers fills its own socket, not our
 * memory). false: the connection is gone. */
static bool conn_flush(struct control_conn *c)
{
	struct ev_loop *loop = c->srv->t->loop;
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_stop(loop, &c->rd);
			ev_io_start(loop, &c->wr);
			return true;
		}
		if (n <= 0) {
			conn_free(c);
			return false;
		}
		c->outoff += (size_t)n;
		ev_timer_again(loop, &c->idle);
	}
	c->outoff = c->outlen = 0;
	ev_io_stop(loop, &c->wr);
	if (c->closing) {
		conn_free(c);
		return false;
	}
	ev_io_start(loop, &c->rd);
	return true;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* Run every complete line of the input buffer; false: the connection
 * must go (its answers could not be queued). */
static bool conn_run_lines(struct control_conn *c)
{
	size_t start = 0;
	char *nl;
	while (!c->closing && (nl = memchr(c->in + start, '\n', c->inlen - start))) {
		size_t n = (size_t)(nl - (c->in + start));
		const char *line = c->in + start;
		start += n + 1;
		if (blank(line, n))
			continue;
		ev_timer_again(c->srv->t->loop, &c->idle);
		if (!conn_answer(c, control_dispatch(c->srv->t, line, n)))
			return false;
	}
	memmove(c->in, c->in + start, c->inlen - start);
	c->inlen -= start;
	if (c->inlen > CONTROL_MAX_REQUEST) {
		char msg[96];
		snprintf(msg, sizeof msg, "request longer than %d bytes", CONTROL_MAX_REQUEST);
		c->closing = true;
		return conn_answer(c, control_error("usage", msg));
	}
	return true;
}

static void on_conn_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control_conn *c = w->data;
	(void)loop;
	(void)revents;
	/* room for one more byte than a request may have: that one says it
	 * is too long */
	if (!c->in && !(c->in = malloc(CONTROL_MAX_REQUEST + 2))) {
		conn_free(c);
		return;
	}
	ssize_t n = recv(c->fd, c->in + c->inlen, CONTROL_MAX_REQUEST + 1 - c->inlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0) {
		conn_free(c);
		return;
	}
	if (n == 0) {
		/* the client is done sending: a last request without its
		 * newline still counts */
		c->closing = true;
		if (c->inlen && !blank(c->in, c->inlen)) {
			if (!conn_answer(c, control_dispatch(c->srv->t, c->in, c->inlen))) {
				conn_free(c);
				return;
			}
		}
		c->inlen = 0;
		ev_io_stop(loop, &c->rd);
		conn_flush(c);
		return;
	}
	c->inlen += (size_t)n;
	if (!conn_run_lines(c)) {
		conn_free(c);
		return;
	}
	if (c->outlen > c->outoff || c->closing)
		conn_flush(c);
}

static void on_conn_write(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control_conn *c = w->data;
	(void)loop;
	(void)revents;
	conn_flush(c);
}

static void on_conn_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct control_conn *c = w->data;
	(void)loop;
	(void)revents;
	tlog_debug("control: a client idle for %g s: closed", c->srv->idle_timeout);
	conn_free(c);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control_server *s = w->data;
	(void)revents;
	for (;;) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				tlog_warn("control: accept: %s", strerror(errno));
			return;
		}
		if (s->nconns >= s->max_clients) {
			/* told why, then closed: a fresh socket has room for a line */
			static const char busy[] = "{\"ok\":false,\"kind\":\"failed\",\"error\":"
			                           "\"too many control connections\"}\n";
			if (send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				tlog_debug("control: telling a client it is one too many: %s", strerror(errno));
			close(fd);
			tlog_warn("control: %u clients already: one more refused", s->nconns);
			continue;
		}
		struct control_conn *c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		c->srv = s;
		c->fd = fd;
		ev_io_init(&c->rd, on_conn_read, fd, EV_READ);
		ev_io_init(&c->wr, on_conn_write, fd, EV_WRITE);
		ev_init(&c->idle, on_conn_idle);
		c->idle.repeat = s->idle_timeout;
		c->rd.data = c->wr.data = c->idle.data = c;
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		ev_io_start(loop, &c->rd);
		ev_timer_again(loop, &c->idle);
	}
}

/* ---- the listening socket ---- */

/* A socket file already at path: a killed tandemd's (nobody answers: it
 * goes) or a running one's (it stays, and we do not start). */
static int clear_stale(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		tlog_error("control: %s exists and is not a socket: not removed", path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	int err = errno;
	close(fd);
	if (rc == 0 || err == EAGAIN) {
		tlog_error("control: another tandemd answers on %s: not replaced", path);
		return -EADDRINUSE;
	}
	if (err != ECONNREFUSED) {
		tlog_error("control: cannot check the socket %s: %s", path, strerror(err));
		return -err;
	}
	tlog_info("control: removing the stale socket %s", path);
	if (unlink(path) < 0 && errno != ENOENT) {
		tlog_error("control: cannot remove the stale socket %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Owner group and permissions of the socket file (connecting needs write
 * permission on it). Without a group of its own, tandemd's (a reload that
 * drops the group takes it back). */
static int apply_access(const char *path, unsigned mode, long gid)
{
	if (gid < 0)
		gid = (long)getegid();
	if (chown(path, (uid_t)-1, (gid_t)gid) < 0) {
		tlog_error("control: cannot give %s to group %ld: %s", path, gid, strerror(errno));
		return -errno;
	}
	if (chmod(path, (mode_t)mode) < 0) {
		tlog_error("control: cannot set mode %04o on %s: %s", mode, path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The socket's folder, made when missing (a fresh state_dir, or a run
 * folder nobody created): every missing component, searchable by all so
 * the socket's own mode decides who connects. */
static int make_parent(const char *path)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	struct stat st;
	if (stat(dir, &st) == 0)
		return 0;
	for (char *p = dir + 1;; p++) {
		bool last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			tlog_error("control: cannot create %s: %s", dir, strerror(errno));
			return -errno;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

static int listen_at(const char *path, unsigned mode, long gid, int *out, struct stat *st)
{
	int rc = make_parent(path);
	if (rc < 0)
		return rc;
	rc = clear_stale(path);
	if (rc < 0)
		return rc;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	/* born owner-only; the group and mode asked for come next, so the
	 * socket is never more open than configured */
	mode_t old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	int err = errno;
	umask(old);
	if (rc < 0) {
		tlog_error("control: cannot bind %s: %s", path, strerror(err));
		close(fd);
		return -err;
	}
	if ((rc = apply_access(path, mode, gid)) < 0 || (listen(fd, 16) < 0 && (rc = -errno)) ||
	    (stat(path, st) < 0 && (rc = -errno))) {
		close(fd);
		unlink(path);
		return rc;
	}
	*out = fd;
	return 0;
}

/* Stop listening; the file goes only while it is still the one we made. */
static void listener_close(struct control_server *s)
{
	if (s->fd < 0)
		return;
	ev_io_stop(s->t->loop, &s->accept_w);
	close(s->fd);
	s->fd = -1;
	struct stat st;
	if (s->path && stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s->path);
	s->path = NULL;
}

int control_server_open(struct tandem *t, const struct control_cfg *cfg)
{
	struct control_core *cc = t->control;
	struct control_server *s = cc->srv;
	if (!s) {
		if (!(s = calloc(1, sizeof *s)))
			return -ENOMEM;
		s->t = t;
		s->fd = -1;
		cc->srv = s;
	}
	/* new limits hold for connections accepted from now on */
	s->max_clients = cfg->max_clients;
	s->idle_timeout = cfg->idle_timeout;
	if (!cfg->enabled || !cfg->socket) {
		if (s->fd >= 0)
			tlog_notice("control: socket %s closed (disabled)", s->path);
		listener_close(s);
		return 0;
	}
	if (s->fd >= 0 && strcmp(s->path, cfg->socket) == 0) {
		/* the same file: only its access may have changed */
		if (s->mode == cfg->mode && s->gid == cfg->gid)
			return 0;
		int rc = apply_access(s->path, cfg->mode, cfg->gid);
		if (rc < 0)
			return rc;
		s->mode = cfg->mode;
		s->gid = cfg->gid;
		tlog_notice("control: socket %s now mode %04o", s->path, s->mode);
		return 0;
	}
	char *path = strdup(cfg->socket);
	int fd;
	struct stat st;
	int rc = path ? listen_at(path, cfg->mode, cfg->gid, &fd, &st) : -ENOMEM;
	if (rc < 0) {
		free(path);
		return rc;
	}
	/* the new one answers: the old one (a reload moved it) goes */
	listener_close(s);
	s->fd = fd;
	s->path = path;
	s->mode = cfg->mode;
	s->gid = cfg->gid;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	ev_io_init(&s->accept_w, on_accept, fd, EV_READ);
	s->accept_w.data = s;
	ev_io_start(t->loop, &s->accept_w);
	tlog_notice("control: listening on %s (mode %04o)", path, cfg->mode);
	return 0;
}

void control_server_free(struct tandem *t)
{
	struct control_server *s = t->control ? t->control->srv : NULL;
	if (!s)
		return;
	while (s->conns)
		conn_free(s->conns);
	listener_close(s);
	free(s);
	t->control->srv = NULL;
}

const char *control_server_path(const struct tandem *t)
{
	const struct control_server *s = t->control ? t->control->srv : NULL;
	return s && s->fd >= 0 ? s->path : NULL;
}
