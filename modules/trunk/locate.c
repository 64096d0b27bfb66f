/* mod_trunk — where a trunk's provider is: its host located by RFC 3263
 * (include/tandem/dns.h: NAPTR, SRV, A/AAAA, never blocking the loop),
 * kept for the answer's TTL, and a cursor over the targets that failover
 * moves along (RFC 3263 §4.3: the next target after a transport error,
 * a timeout or a 503). An outbound proxy, when set, is located instead:
 * everything goes through it (RFC 3261 §8.1.2). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/sip_uri.h>

#include "trunk.h"

/* A resolved answer is kept at least this long (a TTL of 0 would make
 * every call look its provider up again) and at most this long. */
#define LOC_TTL_MIN 30.
#define LOC_TTL_MAX 3600.
/* After a failed lookup, how long before trying DNS again. */
#define LOC_RETRY 10.

struct trunk_wait {
	struct trunk *tr;
	trunk_located_fn fn;
	void *arg;
	struct trunk_wait *next;
};

/* What to locate: the outbound proxy's URI, else the trunk's host. */
static int locate_req(const struct trunk *tr, struct sip_locate_req *req, char *host, size_t n)
{
	memset(req, 0, sizeof *req);
	if (tr->c.outbound_proxy) {
		struct sip_uri u;
		if (sip_uri_parse(sip_str_c(tr->c.outbound_proxy), &u) < 0 || !u.host.len)
			return -EINVAL;
		sip_str_copy(host, n, u.host);
		req->port = u.port;
		req->sips = u.scheme == SIP_URI_SIPS;
		struct sip_str tp = SIP_STR_NULL;
		if (sip_param_get(u.params, "transport", &tp) == 1) {
			req->proto_given = true;
			req->proto = sip_str_caseeq_c(tp, "tcp") ? SIP_PROTO_TCP
			             : sip_str_caseeq_c(tp, "tls") ? SIP_PROTO_TLS : SIP_PROTO_UDP;
		}
	} else {
		snprintf(host, n, "%s", tr->c.host);
		req->port = tr->c.port;
		req->proto_given = tr->c.proto_given;
		req->proto = tr->c.proto;
	}
	req->host = sip_str_c(host);
	return 0;
}

/* The host requests go to: what a TLS server's certificate must name. */
static void note_tls_host(struct trunk *tr, const char *host)
{
	snprintf(tr->tls_host, sizeof tr->tls_host, "%s", host);
}

static void took(struct trunk *tr, const struct sip_locate_result *r)
{
	tr->loc = *r;
	tr->located = true;
	tr->cur = 0;
	double ttl = r->ttl ? (double)r->ttl : LOC_TTL_MAX;
	if (ttl < LOC_TTL_MIN)
		ttl = LOC_TTL_MIN;
	if (ttl > LOC_TTL_MAX)
		ttl = LOC_TTL_MAX;
	tr->loc_expires = trunk_now(tr->m) + ttl;
	tr->last_dns_error[0] = '\0';
	char a[64];
	for (size_t i = 0; i < r->n; i++)
		tlog_info("trunk %s: target %zu: %s %s (%s)", tr->c.name, i + 1,
		          sip_proto_name(r->t[i].proto),
		          sip_addr_str((const struct sockaddr *)&r->t[i].addr, a, sizeof a), r->t[i].host);
}

static void on_located(void *arg, int status, const struct sip_locate_result *r)
{
	struct trunk *tr = arg;
	tr->locq = NULL;
	if (status == 0) {
		took(tr, r);
	} else {
		snprintf(tr->last_dns_error, sizeof tr->last_dns_error, "DNS: %s",
		         status == -ENOENT ? "no such name or no SIP records"
		         : status == -ETIMEDOUT ? "no DNS server answered" : strerror(-status));
		tlog_warn("trunk %s: cannot locate %s: %s", tr->c.name, tr->c.host, tr->last_dns_error);
		/* an older answer stays in use; without one, try again soon */
		if (!tr->located)
			tr->loc_expires = trunk_now(tr->m) + LOC_RETRY;
	}
	struct trunk_wait *w = tr->waiters;
	tr->waiters = NULL;
	while (w) {
		struct trunk_wait *next = w->next;
		w->fn(tr, tr->located ? 0 : status, w->arg);
		free(w);
		w = next;
	}
}

int trunk_locate(struct trunk *tr, trunk_located_fn fn, void *arg, struct trunk_wait **out)
{
	*out = NULL;
	double now = trunk_now(tr->m);
	if (tr->located && now < tr->loc_expires)
		return 0;
	if (!tr->locq) {
		if (!tr->located && tr->last_dns_error[0] && now < tr->loc_expires)
			return -ENOENT;   /* failed a moment ago: do not hammer DNS */
		char host[256];
		struct sip_locate_req req;
		struct sip_locate_result r;
		if (locate_req(tr, &req, host, sizeof host) < 0)
			return -EINVAL;
		note_tls_host(tr, host);
		int rc = sip_locate(tandem_dns(tr->m->t), &req, &r, on_located, tr, &tr->locq);
		if (rc == 0) {
			took(tr, &r);
			return 0;
		}
		if (rc != -EINPROGRESS) {
			tr->locq = NULL;
			on_located(tr, rc, NULL);
			return tr->located ? 0 : rc;
		}
		/* an expired answer serves meanwhile: the lookup only refreshes it */
		if (tr->located)
			return 0;
	}
	struct trunk_wait *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	*w = (struct trunk_wait){ .tr = tr, .fn = fn, .arg = arg, .next = tr->waiters };
	tr->waiters = w;
	*out = w;
	return -EINPROGRESS;
}

void trunk_locate_cancel(struct trunk_wait *w)
{
	if (!w)
		return;
	for (struct trunk_wait **p = &w->tr->waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			free(w);
			return;
		}
}

void trunk_locate_stop(struct trunk *tr)
{
	if (tr->locq)
		sip_locate_cancel(tr->locq);
	tr->locq = NULL;
	while (tr->waiters) {
		struct trunk_wait *w = tr->waiters;
		tr->waiters = w->next;
		free(w);
	}
}

static const char *proto_param(enum sip_proto p)
{
	return p == SIP_PROTO_TCP ? "tcp" : p == SIP_PROTO_TLS ? "tls" : "udp";
}

const char *trunk_tls_name(const struct trunk *tr)
{
	if (!tr->c.tls_verify)
		return NULL;
	return tr->tls_host[0] ? tr->tls_host : tr->c.host;
}

static void dest_of(const struct trunk *tr, const struct sip_target *t, struct sip_dest *dst)
{
	memset(dst, 0, sizeof *dst);
	dst->proto = t->proto;
	dst->addr = t->addr;
	dst->addr_len = t->addr_len;
	const char *name = t->proto == SIP_PROTO_TLS ? trunk_tls_name(tr) : NULL;
	int id = name ? sip_transport_tls_name(sip_stack_transport(tandem_stack(tr->m->t)), name,
	                                       tr->c.tls_ca) : 0;
	dst->tls_name = id > 0 ? (uint16_t)id : 0;
}

int trunk_target(const struct trunk *tr, struct sip_dest *dst, char *uri, size_t n)
{
	if (!tr->located)
		return -EAGAIN;
	if (tr->loc.n == 0)
		return -ENOENT;
	const struct sip_target *t = &tr->loc.t[tr->cur < tr->loc.n ? tr->cur : 0];
	if (dst)
		dest_of(tr, t, dst);
	if (uri) {
		char a[64];
		sip_addr_str((const struct sockaddr *)&t->addr, a, sizeof a);
		snprintf(uri, n, "sip:%s;transport=%s", a, proto_param(t->proto));
	}
	return 0;
}

unsigned trunk_alternatives(const struct trunk *tr, struct sip_dest *alt, unsigned max)
{
	unsigned n = 0;
	for (size_t i = 1; tr->located && i < tr->loc.n && n < max; i++)
		dest_of(tr, &tr->loc.t[(tr->cur + i) % tr->loc.n], &alt[n++]);
	return n;
}

void trunk_target_failed(struct trunk *tr)
{
	if (!tr->located || tr->loc.n == 0)
		return;
	if (tr->cur + 1 < tr->loc.n) {
		tr->cur++;
		char a[64];
		tlog_notice("trunk %s: failing over to target %zu (%s)", tr->c.name, tr->cur + 1,
		            sip_addr_str((const struct sockaddr *)&tr->loc.t[tr->cur].addr, a, sizeof a));
		return;
	}
	/* every target failed: start over, and ask DNS again next time */
	tr->cur = 0;
	tr->loc_expires = trunk_now(tr->m);
}

/* The same address and port: a provider's signalling address sends its
 * requests too (one socket for UDP; the connection tandem opened for
 * TCP/TLS). The port counts so that a provider and the office's phones
 * behind one NAT address (or on one host) are told apart; a provider
 * sending from elsewhere is named by its networks. */
bool trunk_is_target_addr(const struct trunk *tr, const struct sockaddr *sa)
{
	for (size_t i = 0; tr->located && i < tr->loc.n; i++)
		if (sip_addr_eq((const struct sockaddr *)&tr->loc.t[i].addr, sa))
			return true;
	return false;
}

static void on_first_located(struct trunk *tr, int status, void *arg)
{
	(void)tr; (void)status; (void)arg;
}

void trunk_locate_early(struct trunk *tr)
{
	struct trunk_wait *w;
	int rc = trunk_locate(tr, on_first_located, NULL, &w);
	if (rc < 0 && rc != -EINPROGRESS)
		tlog_warn("trunk %s: cannot locate %s yet: %s", tr->c.name, tr->c.host, strerror(-rc));
}
