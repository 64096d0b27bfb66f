/* tandem — locating SIP servers (RFC 3263, include/tandem/dns.h) with
 * c-ares queries driven by the libev loop: the signalling loop never
 * waits for DNS.
 *
 * c-ares tells which sockets it wants watched through its socket state
 * callback (also just before it closes one, so a watcher never outlives
 * its descriptor); each gets an ev_io, and one ev_timer follows
 * ares_timeout. A location runs in stages, each a set of c-ares requests
 * in parallel: NAPTR of the host, SRV of the names found (or of each
 * transport), A/AAAA of every SRV target. A stage ends when all its
 * requests have answered; then the next starts or the result is ready.
 * Results are handed over from a zero timer, never from inside a c-ares
 * call nor from sip_locate, so a callback may start, cancel or free
 * anything. A cancelled query stays allocated, silent, until c-ares has
 * answered its requests in flight: c-ares cannot forget one request. */
#include "config.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <ev.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/dns.h>
#include <tandem/transport.h>

#include "net/dns_order.h"
#include "tandem_internal.h"

#define DNS_SUBS SIP_LOCATE_MAX      /* c-ares requests of one stage */
#define DNS_NAPTR_IN 64              /* NAPTR records looked at */
#define DNS_SRV_IN 64                /* SRV records of one name looked at */

struct dns_fd {
	ev_io w;
	struct sip_dns *d;
	struct dns_fd *next;
};

struct sip_dns {
	struct ev_loop *loop;
	ares_channel ch;
	ev_timer timer;                  /* c-ares' next timeout */
	ev_timer deliver;                /* 0 s: hands finished queries over */
	struct dns_fd *fds;
	struct sip_dns_query *done, **done_tail;
	bool closing;                    /* ares_destroy in progress */
	unsigned nqueries;               /* allocated: running, to deliver, or cancelled */
	/* A reload replaced it (dns_retire): it finishes its queries and
	 * takes no new ones, then the reap timer frees it. Its successor
	 * lists it in older, freed with it at the latest. */
	struct sip_dns *successor;
	struct sip_dns *older, *older_next;
	ev_timer reap;
};

enum dns_stage { STAGE_NAPTR, STAGE_SRV, STAGE_ADDR };
/* RUNNING: requests in flight. DONE: in d->done, to be handed over.
 * GONE: cancelled (or being handed over); freed once nothing is in flight. */
enum dns_state { Q_RUNNING, Q_DONE, Q_GONE };

/* One c-ares request of a stage. */
struct dns_sub {
	struct sip_dns_query *q;
	int status;                      /* ARES_* */
	unsigned ttl;                    /* of the answer's records */
	void *reply;                     /* ares_srv_reply list / ares_addrinfo */
	enum sip_proto proto;            /* the transport it is for */
	uint16_t port;                   /* STAGE_ADDR: the port of its addresses */
	char name[SIP_DNS_NAME_MAX];     /* the name asked */
};

struct sip_dns_query {
	struct sip_dns *d;
	struct sip_dns_query *next;      /* in d->done */
	sip_locate_fn fn;
	void *arg;
	enum dns_state state;
	enum dns_stage stage;
	unsigned pending;                /* requests in flight (+1 while launching) */
	struct dns_plan plan;
	unsigned ttl;                    /* the smallest so far, UINT_MAX: none */
	struct dns_naptr_pick picks[DNS_SUBS];
	size_t npicks;
	struct dns_sub subs[DNS_SUBS];
	size_t nsubs;
	int status;
	struct sip_locate_result res;
};

static void launch(struct sip_dns_query *q, enum dns_stage stage, size_t n);

/* ---- the loop side of c-ares ---- */

static void timer_update(struct sip_dns *d)
{
	struct timeval tv, *next = ares_timeout(d->ch, NULL, &tv);
	ev_timer_stop(d->loop, &d->timer);
	if (!next)
		return;
	ev_timer_set(&d->timer, (double)next->tv_sec + (double)next->tv_usec / 1e6, 0.);
	ev_timer_start(d->loop, &d->timer);
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dns_fd *f = w->data;
	struct sip_dns *d = f->d;
	int fd = w->fd;
	(void)loop;
	/* f may be freed in here: c-ares closes sockets as it goes */
	ares_process_fd(d->ch, revents & EV_READ ? fd : ARES_SOCKET_BAD,
	                revents & EV_WRITE ? fd : ARES_SOCKET_BAD);
	timer_update(d);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sip_dns *d = w->data;
	(void)loop;
	(void)revents;
	ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	timer_update(d);
}

/* c-ares opens, re-arms or (readable = writable = 0) is about to close fd. */
static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct sip_dns *d = data;
	struct dns_fd **pp = &d->fds, *f;
	while ((f = *pp) && f->w.fd != fd)
		pp = &f->next;
	if (!readable && !writable) {
		if (f) {
			ev_io_stop(d->loop, &f->w);
			*pp = f->next;
			free(f);
		}
		return;
	}
	if (!f) {
		f = calloc(1, sizeof *f);
		if (!f) {
			/* its requests time out (ares_timeout still runs) */
			tlog_error("dns: out of memory watching a socket");
			return;
		}
		f->d = d;
		f->w.data = f;
		ev_init(&f->w, on_io);
		f->next = d->fds;
		d->fds = f;
	} else {
		ev_io_stop(d->loop, &f->w);
	}
	ev_io_set(&f->w, fd, (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0));
	ev_io_start(d->loop, &f->w);
}

/* ---- queries ---- */

static void subs_clear(struct sip_dns_query *q)
{
	for (size_t i = 0; i < q->nsubs; i++) {
		struct dns_sub *s = &q->subs[i];
		if (!s->reply)
			continue;
		if (q->stage == STAGE_ADDR)
			ares_freeaddrinfo(s->reply);
		else
			ares_free_data(s->reply);
		s->reply = NULL;
	}
	q->nsubs = 0;
}

static void query_free(struct sip_dns_query *q)
{
	struct sip_dns *d = q->d;
	subs_clear(q);
	free(q);
	/* the last query of a retired resolver: freed from the loop, never
	 * from inside c-ares or a delivery loop, which still use d */
	if (--d->nqueries == 0 && d->successor && !d->closing && !ev_is_active(&d->reap)) {
		ev_timer_set(&d->reap, 0., 0.);
		ev_timer_start(d->loop, &d->reap);
	}
}

static void note_ttl(struct sip_dns_query *q, unsigned ttl)
{
	if (ttl < q->ttl)
		q->ttl = ttl;
}

static void finish(struct sip_dns_query *q, int status)
{
	struct sip_dns *d = q->d;
	subs_clear(q);
	q->status = status;
	q->res.ttl = q->ttl == UINT_MAX ? 0 : q->ttl;
	if (status < 0)
		q->res.n = 0;
	q->state = Q_DONE;
	q->next = NULL;
	*d->done_tail = q;
	d->done_tail = &q->next;
	if (!ev_is_active(&d->deliver)) {
		ev_timer_set(&d->deliver, 0., 0.);
		ev_timer_start(d->loop, &d->deliver);
	}
}

static void on_deliver(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sip_dns *d = w->data;
	struct sip_dns_query *q;
	(void)loop;
	(void)revents;
	while ((q = d->done)) {
		d->done = q->next;
		if (!d->done)
			d->done_tail = &d->done;
		q->state = Q_GONE;   /* a cancel from its own callback is a no-op */
		tlog_debug("dns: %s: %s, %zu targets, ttl %u", q->plan.host,
		           q->status ? strerror(-q->status) : "found", q->res.n, q->res.ttl);
		q->fn(q->arg, q->status, &q->res);
		query_free(q);
	}
}

static int status_errno(int ares_status)
{
	switch (ares_status) {
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
	case ARES_ENONAME:
		return -ENOENT;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:   /* ICMP port unreachable: nobody answers there */
		return -ETIMEDOUT;
	case ARES_ENOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* The status of a stage none of whose answers was of use: a server that
 * never answered tells most, then any failure other than "no such
 * record", which comes last. */
static int stage_failure(const struct sip_dns_query *q)
{
	int worst = -ENOENT;
	for (size_t i = 0; i < q->nsubs; i++) {
		int e = status_errno(q->subs[i].status);
		if (e == -ETIMEDOUT)
			return e;
		if (e != -ENOENT)
			worst = e;
	}
	return worst;
}

/* The addresses of every name of the stage, in the stage's order. */
static void addr_done(struct sip_dns_query *q)
{
	struct sip_locate_result *r = &q->res;
	r->n = 0;
	for (size_t i = 0; i < q->nsubs; i++) {
		const struct dns_sub *s = &q->subs[i];
		const struct ares_addrinfo *ai = s->reply;
		if (s->status != ARES_SUCCESS || !ai)
			continue;
		for (const struct ares_addrinfo_node *n = ai->nodes; n && r->n < SIP_LOCATE_MAX;
		     n = n->ai_next) {
			if ((n->ai_family != AF_INET && n->ai_family != AF_INET6) ||
			    n->ai_addrlen > sizeof r->t[0].addr)
				continue;
			struct sip_target *t = &r->t[r->n++];
			memset(t, 0, sizeof *t);
			t->proto = s->proto;
			memcpy(&t->addr, n->ai_addr, n->ai_addrlen);
			t->addr_len = n->ai_addrlen;
			if (n->ai_family == AF_INET)
				((struct sockaddr_in *)&t->addr)->sin_port = htons(s->port);
			else
				((struct sockaddr_in6 *)&t->addr)->sin6_port = htons(s->port);
			snprintf(t->host, sizeof t->host, "%s", s->name);
			note_ttl(q, n->ai_ttl > 0 ? (unsigned)n->ai_ttl : 0);
		}
	}
	finish(q, r->n ? 0 : stage_failure(q));
}

/* RFC 3263 §4.2: no SRV record, so the host's own A/AAAA records, on the
 * transport chosen and its default port. */
static void addr_fallback(struct sip_dns_query *q)
{
	struct dns_sub *s = &q->subs[0];
	s->proto = q->plan.proto;
	s->port = dns_default_port(q->plan.proto);
	snprintf(s->name, sizeof s->name, "%s", q->plan.host);
	launch(q, STAGE_ADDR, 1);
}

/* Every SRV answer of the stage in RFC 2782 order, one name after the
 * other; then the addresses of those targets. */
static void srv_done(struct sip_dns_query *q)
{
	struct { char name[SIP_DNS_NAME_MAX]; uint16_t port; enum sip_proto proto; } next[DNS_SUBS];
	size_t nn = 0;
	bool records = false;
	for (size_t i = 0; i < q->nsubs; i++) {
		struct dns_sub *s = &q->subs[i];
		struct dns_srv v[DNS_SRV_IN];
		size_t nv = 0;
		if (s->status != ARES_SUCCESS)
			continue;
		for (const struct ares_srv_reply *r = s->reply; r && nv < DNS_SRV_IN; r = r->next)
			v[nv++] = (struct dns_srv){ .priority = r->priority, .weight = r->weight,
			                            .port = r->port, .target = r->host };
		records = records || nv > 0;
		nv = dns_srv_order(v, nv, dns_random_system, NULL);
		if (nv)
			note_ttl(q, s->ttl);
		for (size_t k = 0; k < nv && nn < DNS_SUBS; k++) {
			snprintf(next[nn].name, sizeof next[nn].name, "%s", v[k].target);
			next[nn].port = v[k].port;
			next[nn].proto = s->proto;
			nn++;
		}
	}
	if (nn == 0) {
		int e = stage_failure(q);
		subs_clear(q);
		/* SRV records were found, each a "." target: the service is
		 * decidedly not offered (RFC 2782), no A/AAAA fallback (that is
		 * for no SRV records at all, RFC 3263 §4.2). A server that does
		 * not answer SRV will not answer A either. */
		if (records)
			finish(q, -ENOENT);
		else if (e == -ETIMEDOUT || e == -ENOMEM)
			finish(q, e);
		else
			addr_fallback(q);
		return;
	}
	subs_clear(q);
	for (size_t k = 0; k < nn; k++) {
		struct dns_sub *s = &q->subs[k];
		memcpy(s->name, next[k].name, sizeof s->name);
		s->port = next[k].port;
		s->proto = next[k].proto;
	}
	launch(q, STAGE_ADDR, nn);
}

/* SRV of each transport the client supports (RFC 3263 §4.1), the plan's
 * one when it names a transport. */
static void srv_by_transport(struct sip_dns_query *q)
{
	enum sip_proto protos[2] = { q->plan.proto };
	size_t n = q->plan.kind == DNS_PLAN_SRV ? 1 : dns_srv_fallback(q->plan.sips, protos);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct dns_sub *s = &q->subs[k];
		if (dns_srv_name(protos[i], q->plan.host, s->name, sizeof s->name) < 0)
			continue;   /* too long with the prefix: no such SRV */
		s->proto = protos[i];
		k++;
	}
	if (k == 0)
		addr_fallback(q);
	else
		launch(q, STAGE_SRV, k);
}

static void naptr_done(struct sip_dns_query *q)
{
	int status = q->subs[0].status, e = status_errno(status);
	subs_clear(q);
	if (status == ARES_SUCCESS && q->npicks) {
		for (size_t i = 0; i < q->npicks; i++) {
			memcpy(q->subs[i].name, q->picks[i].srv, sizeof q->subs[i].name);
			q->subs[i].proto = q->picks[i].proto;
		}
		launch(q, STAGE_SRV, q->npicks);
		return;
	}
	/* No usable NAPTR (none, or only services tandem does not speak, or
	 * a server that does not know NAPTR): SRV per transport, §4.1. Only
	 * silence ends it here. */
	if (e == -ETIMEDOUT || e == -ENOMEM)
		finish(q, e);
	else
		srv_by_transport(q);
}

/* One request of the current stage has answered (or the launch is over). */
static void sub_done(struct sip_dns_query *q)
{
	if (--q->pending)
		return;
	if (q->state != Q_RUNNING || q->d->closing) {
		query_free(q);
		return;
	}
	switch (q->stage) {
	case STAGE_NAPTR: naptr_done(q); break;
	case STAGE_SRV: srv_done(q); break;
	case STAGE_ADDR: addr_done(q); break;
	}
}

static bool wanted(const struct dns_sub *s)
{
	return s->q->state == Q_RUNNING && !s->q->d->closing;
}

/* The smallest TTL of the answer records of type (RFC 1035 §4.1): c-ares'
 * NAPTR and SRV parsers drop TTLs. 0 when the message does not parse. */
static int skip_name(const unsigned char *b, int len, int off)
{
	while (off < len) {
		unsigned c = b[off];
		if (c == 0)
			return off + 1;
		if ((c & 0xC0) == 0xC0)
			return off + 2 <= len ? off + 2 : -1;
		if (c & 0xC0)
			return -1;
		off += (int)c + 1;
	}
	return -1;
}

static unsigned answer_ttl(const unsigned char *b, int len, int type)
{
	if (!b || len < 12)
		return 0;
	unsigned qd = (unsigned)b[4] << 8 | b[5], an = (unsigned)b[6] << 8 | b[7];
	int off = 12;
	for (unsigned i = 0; i < qd; i++) {
		off = skip_name(b, len, off);
		if (off < 0 || off + 4 > len)
			return 0;
		off += 4;
	}
	uint32_t ttl = UINT32_MAX;
	for (unsigned i = 0; i < an; i++) {
		off = skip_name(b, len, off);
		if (off < 0 || off + 10 > len)
			break;
		int t = b[off] << 8 | b[off + 1];
		uint32_t v = (uint32_t)b[off + 4] << 24 | (uint32_t)b[off + 5] << 16 |
		             (uint32_t)b[off + 6] << 8 | b[off + 7];
		if (v > INT32_MAX)   /* RFC 2181 §8: read as 0 */
			v = 0;
		if (t == type && v < ttl)
			ttl = v;
		off += 10 + (b[off + 8] << 8 | b[off + 9]);
	}
	return ttl == UINT32_MAX ? 0 : ttl;
}

static void on_naptr(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_sub *s = arg;
	struct sip_dns_query *q = s->q;
	(void)timeouts;
	s->status = status;
	if (status == ARES_SUCCESS && wanted(s)) {
		struct ares_naptr_reply *list = NULL;
		s->status = ares_parse_naptr_reply(abuf, alen, &list);
		if (s->status == ARES_SUCCESS) {
			struct dns_naptr in[DNS_NAPTR_IN];
			size_t n = 0;
			for (const struct ares_naptr_reply *r = list; r && n < DNS_NAPTR_IN; r = r->next)
				in[n++] = (struct dns_naptr){
					.order = r->order, .preference = r->preference,
					.flags = (const char *)r->flags, .service = (const char *)r->service,
					.regexp = (const char *)r->regexp, .replacement = r->replacement,
				};
			q->npicks = dns_naptr_select(in, n, q->plan.sips, q->picks, DNS_SUBS);
			if (q->npicks)
				note_ttl(q, answer_ttl(abuf, alen, ns_t_naptr));
		}
		if (list)
			ares_free_data(list);
	}
	sub_done(q);
}

static void on_srv(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_sub *s = arg;
	(void)timeouts;
	s->status = status;
	if (status == ARES_SUCCESS && wanted(s)) {
		struct ares_srv_reply *list = NULL;
		s->status = ares_parse_srv_reply(abuf, alen, &list);
		if (s->status == ARES_SUCCESS) {
			s->reply = list;
			s->ttl = answer_ttl(abuf, alen, ns_t_srv);
		} else if (list) {
			ares_free_data(list);
		}
	}
	sub_done(s->q);
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct dns_sub *s = arg;
	(void)timeouts;
	s->status = status;
	if (res && status == ARES_SUCCESS && wanted(s))
		s->reply = res;
	else if (res)
		ares_freeaddrinfo(res);
	sub_done(s->q);
}

/* Start the n requests of a stage (subs[0..n) named already). The launch
 * holds one count of pending itself, so a request c-ares answers at once
 * cannot end the stage before its siblings are out. */
static void launch(struct sip_dns_query *q, enum dns_stage stage, size_t n)
{
	struct sip_dns *d = q->d;
	q->stage = stage;
	q->nsubs = n;
	q->pending = (unsigned)n + 1;
	for (size_t i = 0; i < n; i++) {
		struct dns_sub *s = &q->subs[i];
		s->q = q;
		s->status = ARES_ENODATA;
		s->reply = NULL;
		s->ttl = 0;
		switch (stage) {
		case STAGE_NAPTR:
			ares_query(d->ch, s->name, ns_c_in, ns_t_naptr, on_naptr, s);
			break;
		case STAGE_SRV:
			ares_query(d->ch, s->name, ns_c_in, ns_t_srv, on_srv, s);
			break;
		case STAGE_ADDR: {
			struct ares_addrinfo_hints hints = {
				.ai_family = AF_UNSPEC,
				.ai_socktype = s->proto == SIP_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM,
			};
			ares_getaddrinfo(d->ch, s->name, NULL, &hints, on_addrinfo, s);
			break;
		}
		}
	}
	sub_done(q);
}

int sip_locate(struct sip_dns *d, const struct sip_locate_req *req, struct sip_locate_result *out,
               sip_locate_fn fn, void *arg, struct sip_dns_query **qp)
{
	struct dns_plan plan;
	int rc = dns_plan_make(req, &plan);
	if (rc < 0)
		return rc;
	if (plan.kind == DNS_PLAN_NUMERIC) {
		if (!out)
			return -EINVAL;
		dns_plan_target(&plan, &out->t[0]);
		out->n = 1;
		out->ttl = 0;
		return 0;
	}
	if (!d || !fn || !qp || d->closing)
		return -EINVAL;
	if (d->successor)
		return -ESTALE;   /* a kept pointer from before a reload */
	struct sip_dns_query *q = calloc(1, sizeof *q);
	if (!q)
		return -ENOMEM;
	d->nqueries++;
	q->d = d;
	q->fn = fn;
	q->arg = arg;
	q->plan = plan;
	q->ttl = UINT_MAX;
	q->state = Q_RUNNING;
	*qp = q;
	switch (plan.kind) {
	case DNS_PLAN_NAPTR:
		snprintf(q->subs[0].name, sizeof q->subs[0].name, "%s", plan.host);
		launch(q, STAGE_NAPTR, 1);
		break;
	case DNS_PLAN_SRV:
		srv_by_transport(q);
		break;
	default:   /* DNS_PLAN_ADDR: a port given, RFC 3263 §4.2 */
		q->subs[0].proto = plan.proto;
		q->subs[0].port = plan.port;
		snprintf(q->subs[0].name, sizeof q->subs[0].name, "%s", plan.host);
		launch(q, STAGE_ADDR, 1);
		break;
	}
	timer_update(d);
	return -EINPROGRESS;
}

void sip_locate_cancel(struct sip_dns_query *q)
{
	if (!q || q->state == Q_GONE)
		return;
	if (q->state == Q_DONE) {
		struct sip_dns *d = q->d;
		struct sip_dns_query **pp = &d->done;
		while (*pp && *pp != q)
			pp = &(*pp)->next;
		if (*pp) {
			*pp = q->next;
			if (d->done_tail == &q->next)
				d->done_tail = pp;
		}
		query_free(q);
		return;
	}
	/* requests in flight: their answers free it (sub_done) */
	q->state = Q_GONE;
	q->fn = NULL;
}

/* ---- the resolver ---- */

static void older_unlink(struct sip_dns *d)
{
	struct sip_dns **pp = &d->successor->older;
	while (*pp && *pp != d)
		pp = &(*pp)->older_next;
	if (*pp)
		*pp = d->older_next;
	d->successor = NULL;
}

static void on_reap(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sip_dns *d = w->data;
	(void)loop;
	(void)revents;
	tlog_debug("dns: the resolver a reload replaced has finished its lookups");
	sip_dns_free(d);
}

void dns_retire(struct sip_dns *d, struct sip_dns *successor)
{
	if (!d)
		return;
	/* what d was draining drains under the successor now */
	while (d->older) {
		struct sip_dns *o = d->older;
		d->older = o->older_next;
		o->successor = successor;
		o->older_next = successor->older;
		successor->older = o;
	}
	d->successor = successor;
	d->older_next = successor->older;
	successor->older = d;
	if (d->nqueries == 0) {
		ev_timer_set(&d->reap, 0., 0.);
		ev_timer_start(d->loop, &d->reap);
	}
}

static int channel_new(ares_channel *ch, const struct sip_dns_cfg *cfg, struct sip_dns *d,
                       char *err, size_t errlen)
{
	struct ares_options o;
	memset(&o, 0, sizeof o);
	/* URIs carry full names: no search list (ares_query never uses one,
	 * so A/AAAA do not either). */
	o.flags = ARES_FLAG_NOSEARCH;
	o.timeout = cfg && cfg->timeout_ms ? (int)cfg->timeout_ms : 2000;
	o.tries = cfg && cfg->tries ? (int)cfg->tries : 2;
	int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
	if (d) {
		o.sock_state_cb = on_sock_state;
		o.sock_state_cb_data = d;
		mask |= ARES_OPT_SOCK_STATE_CB;
	}
	int rc = ares_init_options(ch, &o, mask);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "cannot start the DNS resolver: %s", ares_strerror(rc));
		return -EIO;
	}
	if (cfg && cfg->servers && cfg->servers[0]) {
		rc = ares_set_servers_ports_csv(*ch, cfg->servers);
		if (rc != ARES_SUCCESS) {
			snprintf(err, errlen, "bad DNS server list \"%s\" (addresses with an optional "
			         "port: \"127.0.0.1:5353,[::1]:53\"): %s", cfg->servers, ares_strerror(rc));
			ares_destroy(*ch);
			return -EINVAL;
		}
	}
	return 0;
}

int dns_servers_check(const char *servers, char *err, size_t errlen)
{
	struct sip_dns_cfg cfg = { .servers = servers };
	ares_channel ch;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		snprintf(err, errlen, "cannot start the DNS library");
		return -EIO;
	}
	int rc = channel_new(&ch, &cfg, NULL, err, errlen);
	if (rc == 0)
		ares_destroy(ch);
	ares_library_cleanup();
	return rc;
}

struct sip_dns *sip_dns_new(struct ev_loop *loop, const struct sip_dns_cfg *cfg, char *err,
                            size_t errlen)
{
	if (!loop) {
		snprintf(err, errlen, "no loop");
		return NULL;
	}
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		snprintf(err, errlen, "cannot start the DNS library");
		return NULL;
	}
	struct sip_dns *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "out of memory");
		ares_library_cleanup();
		return NULL;
	}
	d->loop = loop;
	d->done_tail = &d->done;
	ev_init(&d->timer, on_timer);
	d->timer.data = d;
	ev_init(&d->deliver, on_deliver);
	d->deliver.data = d;
	ev_init(&d->reap, on_reap);
	d->reap.data = d;
	if (channel_new(&d->ch, cfg, d, err, errlen) < 0) {
		free(d);
		ares_library_cleanup();
		return NULL;
	}
	return d;
}

void sip_dns_free(struct sip_dns *d)
{
	if (!d)
		return;
	while (d->older) {
		struct sip_dns *o = d->older;
		d->older = o->older_next;
		o->successor = NULL;
		sip_dns_free(o);
	}
	if (d->successor)
		older_unlink(d);
	/* every request still in flight answers ARES_EDESTRUCTION now; their
	 * queries are freed without a word (sub_done) */
	d->closing = true;
	ares_destroy(d->ch);
	struct sip_dns_query *q;
	while ((q = d->done)) {
		d->done = q->next;
		query_free(q);
	}
	ev_timer_stop(d->loop, &d->timer);
	ev_timer_stop(d->loop, &d->deliver);
	ev_timer_stop(d->loop, &d->reap);
	while (d->fds) {   /* c-ares said it closed them all; just in case */
		struct dns_fd *f = d->fds;
		d->fds = f->next;
		ev_io_stop(d->loop, &f->w);
		free(f);
	}
	free(d);
	ares_library_cleanup();
}
