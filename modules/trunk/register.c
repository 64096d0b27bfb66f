/* mod_trunk — outbound registration (RFC 3261 §10.2): tandem's Contact
 * bound at the provider under the trunk's account, so that the provider
 * sends the account's calls to tandem. docs/TRUNKS.md "Registration".
 *
 * One tandem_uac_ctx per trunk: every REGISTER of a trunk has the same
 * Call-ID and a CSeq above the last (§10.2.4), and credentials for the
 * provider's last challenge go out at once (uac.h reuse_challenge), so a
 * refresh takes one round trip while the provider takes the nonce; when
 * it does not, the core answers the 401/407.
 *
 *   registering --2xx--> registered --(refresh) 2xx--> registered
 *        |                    |
 *        +----- failure ------+----> retrying --(backoff)--> REGISTER
 *
 * Refresh: at half of what the provider granted, 10 s before the binding
 * runs out at the latest (for grants under 20 s: not before a quarter of
 * it). Granted: the expires parameter of our Contact in the 2xx, else
 * its Expires header, else what we asked (§10.2.4).
 * 423 Interval Too Brief: again at once with its Min-Expires (§10.2.8),
 * which the refreshes keep asking for.
 * Failure (no answer, a transport error, a 4xx/5xx/6xx final response,
 * credentials refused, DNS): the next REGISTER after retry_min s, the
 * delay doubling up to retry_max, each drawn at random within ±20% of
 * its value but never above retry_max (so the trunks of many tandems do
 * not retry in step after a provider's outage); a 503's Retry-After is
 * waited for too, up to retry_max. For as long as it takes: a trunk
 * never gives up. No answer, a transport error and a 503 move to the
 * provider's next located target (RFC 3263 §4.3).
 * Logs: a change of state once; while retrying, a warning for the first
 * failures and when the error changes, then a notice at the 4th, 8th,
 * 16th... failure (a long outage stays readable).
 * Stop: a REGISTER with Expires: 0 for our Contact (§10.2.2) when a
 * binding of ours may be there; its answer is not waited for. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <tandem/sip_uri.h>

#include "trunk.h"

/* A refresh leaves at least this long before the binding would expire. */
#define REG_MARGIN 10.
/* Failures in a row warned of one by one; then a notice at powers of two. */
#define REG_WARN_FIRST 3
/* The longest expiry we follow from a provider (the config's maximum). */
#define REG_EXPIRES_MAX 86400

const char *trunk_reg_state_name(enum trunk_reg_state s)
{
	static const char *const names[] = { "off", "registering", "registered", "retrying",
	                                     "unregistering" };
	return s <= TRUNK_REG_UNREGISTERING ? names[s] : "?";
}

static void set_state(struct trunk *tr, enum trunk_reg_state s)
{
	if (tr->reg.state != s) {
		tr->reg.state = s;
		tr->reg.since = trunk_wallclock();
	}
}

static void reg_arm(struct trunk *tr, double after)
{
	struct ev_loop *loop = tandem_loop(tr->m->t);
	ev_timer_stop(loop, &tr->reg.timer);
	ev_timer_set(&tr->reg.timer, after, 0.);
	ev_timer_start(loop, &tr->reg.timer);
	tr->reg.next = trunk_wallclock() + after;
}

/* A uniform fraction in [0, 1), from the kernel: random() unseeded would
 * draw the same jitter in every tandem. */
static double fraction(void)
{
	uint32_t v;
	if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
		v = (uint32_t)random();
	return (double)v / 4294967296.;
}

/* The wait before the next REGISTER after tr->reg.attempt failures. */
static double backoff(const struct trunk *tr)
{
	double max = tr->c.retry_max, base = tr->c.retry_min;
	for (unsigned i = 1; i < tr->reg.attempt && base < max; i++)
		base *= 2;
	if (base > max)
		base = max;
	double lo = 0.8 * base, hi = 1.2 * base;
	if (hi > max)
		hi = max;
	return lo + (hi - lo) * fraction();
}

/* The expiry asked for: the configured one, or a 423's Min-Expires. */
static unsigned reg_asked(const struct trunk *tr)
{
	return tr->reg.min_expires > tr->c.expires ? tr->reg.min_expires : tr->c.expires;
}

static void reg_failed(struct trunk *tr, const char *why, double not_before)
{
	struct trunk_reg *g = &tr->reg;
	bool changed = strcmp(g->last_error, why) != 0;
	g->attempt++;
	snprintf(g->last_error, sizeof g->last_error, "%s", why);
	double after = backoff(tr);
	if (not_before > tr->c.retry_max)
		not_before = tr->c.retry_max;
	if (after < not_before)
		after = not_before;
	if (g->state != TRUNK_REG_RETRYING) {
		set_state(tr, TRUNK_REG_RETRYING);
		tlog_warn("trunk %s: not registered: %s; retrying in %.1f s", tr->c.name, why, after);
	} else if (g->attempt <= REG_WARN_FIRST || changed) {
		tlog_warn("trunk %s: registration failed again: %s (%u in a row); retrying in %.1f s",
		          tr->c.name, why, g->attempt, after);
	} else if ((g->attempt & (g->attempt - 1)) == 0) {
		tlog_notice("trunk %s: still not registered after %u attempts: %s; retrying every "
		            "%u s at most", tr->c.name, g->attempt, why, tr->c.retry_max);
	} else {
		tlog_debug("trunk %s: registration attempt %u failed: %s; retrying in %.1f s",
		           tr->c.name, g->attempt, why, after);
	}
	reg_arm(tr, after);
}

/* A URI's user part, escaped (RFC 3261 §25.1 user). */
static void uri_user(const char *in, char *out, size_t n)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < n; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-_.!~*'()&=+$,;?/", *p))
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, n - o, "%%%02X", *p);
	}
	out[o] = '\0';
}

/* A host for a URI: an IPv6 address in brackets. */
static void uri_host(const char *host, char *out, size_t n)
{
	bool v6 = strchr(host, ':') && host[0] != '[';
	snprintf(out, n, "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
}

/* A REGISTER of tr's account asking for expires s (0: remove our
 * binding). Request-URI: the provider's domain, without user (§10.2);
 * To and From: the address of record, username@from_domain. NULL with
 * errno (EHOSTUNREACH: not located). */
static struct tandem_uac *reg_send(struct trunk *tr, unsigned expires, tandem_uac_fn fn,
                                   void *arg)
{
	char dest[128], ruri[300], aor[500], route[320], user[200], host[280], domain[280];
	if (trunk_target(tr, NULL, dest, sizeof dest) < 0) {
		errno = EHOSTUNREACH;
		return NULL;
	}
	char port[8] = "";
	if (tr->c.port)
		snprintf(port, sizeof port, ":%u", tr->c.port);
	uri_host(tr->c.host, host, sizeof host);
	snprintf(ruri, sizeof ruri, "sip:%s%s%s", host, port,
	         tr->c.proto_given && tr->c.proto == SIP_PROTO_TCP ? ";transport=tcp"
	         : tr->c.proto_given && tr->c.proto == SIP_PROTO_TLS ? ";transport=tls" : "");
	uri_user(tr->c.username, user, sizeof user);
	uri_host(tr->c.from_domain, domain, sizeof domain);
	snprintf(aor, sizeof aor, "<sip:%s@%s>", user, domain);
	route[0] = '\0';
	if (tr->c.outbound_proxy)   /* RFC 3261 §8.1.2: a loose route to it */
		snprintf(route, sizeof route, "<%s%s>", tr->c.outbound_proxy,
		         strstr(tr->c.outbound_proxy, ";lr") ? "" : ";lr");
	struct tandem_uac_cred cred = {
		.user = tr->c.auth_user, .password = tr->c.password, .realm = tr->c.realm,
	};
	struct tandem_uac_req r = {
		.method = "REGISTER",
		.ruri = ruri,
		.from = aor,
		.to = aor,
		.dest = dest,
		.route = route[0] ? route : NULL,
		.tls_name = trunk_tls_name(tr),   /* RFC 5922 §7.1 over TLS */
		.tls_ca = tr->c.tls_ca,
		.cred = tr->c.password ? &cred : NULL,
		.has_expires = true,
		.expires = expires,
		.contact_user = tr->c.contact_user,
		.reuse_challenge = true,
	};
	return tandem_uac_send(tr->m->t, tr->reg.ctx, &r, fn, arg);
}

static unsigned long header_uint(const struct sip_msg *m, enum sip_hdr_id id, bool *found)
{
	const struct sip_hdr *h = sip_msg_hdr(m, id);
	*found = false;
	if (!h)
		return 0;
	/* Retry-After may go on with a comment or parameters: the number first */
	struct sip_str v = sip_str_trim(h->value);
	size_t n = 0;
	while (n < v.len && v.p[n] >= '0' && v.p[n] <= '9')
		n++;
	unsigned long x;
	if (sip_str_to_uint((struct sip_str){ v.p, n }, 0xffffffffUL, &x) < 0)
		return 0;
	*found = true;
	return x;
}

/* What the provider granted (§10.2.4): the expires parameter of our own
 * binding among the 2xx's Contacts, else its Expires header, else what
 * we asked. */
static unsigned reg_granted(const struct sip_msg *resp, const char *ours, unsigned asked)
{
	struct sip_uri mine;
	bool have = ours && sip_uri_parse(sip_str_c(ours), &mine) == 0;
	for (const struct sip_hdr *h = sip_msg_hdr(resp, SIP_HDR_CONTACT); have && h;
	     h = sip_msg_hdr_next(resp, h)) {
		if (h->id != SIP_HDR_CONTACT)
			continue;
		struct sip_str rest = h->value, item, v;
		while (sip_list_next(&rest, &item)) {
			struct sip_nameaddr na;
			unsigned long e;
			if (sip_nameaddr_parse(item, &na) == 0 && !na.wildcard &&
			    sip_uri_equal(&na.uri, &mine) && sip_param_get(na.params, "expires", &v) == 1 &&
			    sip_str_to_uint(sip_str_trim(v), 0xffffffffUL, &e) == 0)
				return e > REG_EXPIRES_MAX ? REG_EXPIRES_MAX : (unsigned)e;
		}
	}
	bool found;
	unsigned long e = header_uint(resp, SIP_HDR_EXPIRES, &found);
	if (found)
		return e > REG_EXPIRES_MAX ? REG_EXPIRES_MAX : (unsigned)e;
	return asked;
}

/* When to refresh a binding granted for granted s. */
static double refresh_after(unsigned granted)
{
	double g = granted, t = g / 2.;
	if (t > g - REG_MARGIN)
		t = g - REG_MARGIN;
	if (t < g / 4.)
		t = g / 4.;   /* a grant too short for the margin */
	return t < 1. ? 1. : t;
}

static void reg_ok(struct trunk *tr, unsigned granted, const char *contact)
{
	struct trunk_reg *g = &tr->reg;
	double after = refresh_after(granted);
	g->granted = granted;
	g->bound = true;
	g->last_error[0] = '\0';
	if (g->state != TRUNK_REG_REGISTERED) {
		if (g->attempt)
			tlog_notice("trunk %s: registered again after %u failed attempts: Contact <%s>, "
			            "expires %u s, refresh in %.0f s", tr->c.name, g->attempt,
			            contact ? contact : "?", granted, after);
		else
			tlog_notice("trunk %s: registered: Contact <%s>, expires %u s, refresh in %.0f s",
			            tr->c.name, contact ? contact : "?", granted, after);
		set_state(tr, TRUNK_REG_REGISTERED);
	} else {
		tlog_info("trunk %s: registration refreshed: expires %u s, refresh in %.0f s",
		          tr->c.name, granted, after);
	}
	g->attempt = 0;
	reg_arm(tr, after);
}

static void reg_go(struct trunk *tr);

static void on_register(void *arg, struct tandem_uac *u, const struct sip_msg *resp, int status)
{
	struct trunk *tr = arg;
	struct trunk_reg *g = &tr->reg;
	if (status < 200)
		return;
	g->pending = NULL;
	if (status < 300) {
		reg_ok(tr, resp ? reg_granted(resp, tandem_uac_contact(u), reg_asked(tr)) : reg_asked(tr),
		       tandem_uac_contact(u));
		return;
	}
	char why[96];
	bool found = false;
	if (status == 423 && resp) {
		/* §10.2.8: the registrar's shortest; at once, with it */
		unsigned long min = header_uint(resp, SIP_HDR_MIN_EXPIRES, &found);
		if (found && min > reg_asked(tr) && min <= REG_EXPIRES_MAX) {
			g->min_expires = (unsigned)min;
			tlog_notice("trunk %s: 423 Interval Too Brief: registering again with Expires: %lu",
			            tr->c.name, min);
			reg_go(tr);
			return;
		}
	}
	double not_before = 0.;
	if (!resp) {
		/* Timer F ran out (§17.1.2.2), or the transport failed (§8.1.3.1) */
		snprintf(why, sizeof why, "%s", status == 408 ? "408 Request Timeout"
		                                              : "503 transport error");
		trunk_target_failed(tr);
	} else {
		snprintf(why, sizeof why, "%d %.*s%s", status, (int)(resp->reason.len > 60 ? 60 : resp->reason.len),
		         resp->reason.p, status == 423 ? " (no usable Min-Expires)" : "");
		if (status == 503) {
			trunk_target_failed(tr);   /* RFC 3263 §4.3 */
			unsigned long ra = header_uint(resp, SIP_HDR_RETRY_AFTER, &found);
			if (found)
				not_before = (double)ra;
		}
	}
	reg_failed(tr, why, not_before);
}

/* A REGISTER now: the location is known. */
static void reg_go(struct trunk *tr)
{
	struct trunk_reg *g = &tr->reg;
	g->pending = reg_send(tr, reg_asked(tr), on_register, tr);
	if (g->pending) {
		g->bound = true;   /* from now a binding of ours may be there */
		return;
	}
	char why[96];
	if (errno == EHOSTUNREACH)
		snprintf(why, sizeof why, "%s", tr->last_dns_error[0] ? tr->last_dns_error
		                                                       : "DNS: no target");
	else
		snprintf(why, sizeof why, "cannot send REGISTER: %s", strerror(errno));
	reg_failed(tr, why, 0.);
}

static void on_located(struct trunk *tr, int status, void *arg)
{
	(void)arg;
	tr->reg.wait = NULL;
	if (status < 0) {
		char why[96];
		snprintf(why, sizeof why, "%s", tr->last_dns_error[0] ? tr->last_dns_error
		         : status == -ENOENT ? "DNS: no target" : "DNS: cannot locate the provider");
		reg_failed(tr, why, 0.);
		return;
	}
	reg_go(tr);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct trunk *tr = w->data;
	(void)loop; (void)revents;
	tr->reg.next = 0.;
	if (tr->reg.pending || tr->reg.wait)
		return;
	int rc = trunk_locate(tr, on_located, NULL, &tr->reg.wait);
	if (rc == 0)
		reg_go(tr);
	else if (rc != -EINPROGRESS)
		on_located(tr, rc, NULL);
}

void trunk_reg_start(struct trunk *tr)
{
	struct trunk_reg *g = &tr->reg;
	if (!tr->c.reg || g->running)
		return;
	if (!(g->ctx = tandem_uac_ctx_new(tr->m->t))) {
		tlog_error("trunk %s: cannot register: out of memory", tr->c.name);
		return;
	}
	ev_timer_init(&g->timer, on_timer, 0., 0.);
	g->timer.data = tr;
	g->running = true;
	g->bound = false;
	g->attempt = 0;
	g->granted = 0;
	g->min_expires = 0;
	g->last_error[0] = '\0';
	set_state(tr, TRUNK_REG_REGISTERING);
	tlog_info("trunk %s: registering %s@%s (expires %u s, Contact user %s)", tr->c.name,
	          tr->c.username, tr->c.from_domain, tr->c.expires, tr->c.contact_user);
	reg_arm(tr, 0.);
}

/* The unregister's answer: the trunk may be gone by then (arg is NULL). */
static void on_unregister(void *arg, struct tandem_uac *u, const struct sip_msg *resp, int status)
{
	(void)arg; (void)resp;
	if (status >= 200)
		tlog_info("trunk: unregister (Call-ID %s): %d", tandem_uac_call_id(u), status);
}

void trunk_reg_stop(struct trunk *tr, bool unregister)
{
	struct trunk_reg *g = &tr->reg;
	if (!g->running)
		return;
	ev_timer_stop(tandem_loop(tr->m->t), &g->timer);
	trunk_locate_cancel(g->wait);
	g->wait = NULL;
	if (g->pending)
		tandem_uac_cancel(g->pending);   /* its transaction runs on; ours has a higher CSeq */
	g->pending = NULL;
	if (unregister && g->bound) {
		set_state(tr, TRUNK_REG_UNREGISTERING);
		/* UDP leaves at once; over TCP/TLS on the registration's open
		 * connection. Nobody waits for the answer: at shutdown the loop
		 * has ended, so a 401 to it goes unanswered (reuse_challenge
		 * makes that rare). */
		if (reg_send(tr, 0, on_unregister, NULL))
			tlog_notice("trunk %s: unregistering (REGISTER with Expires: 0)", tr->c.name);
		else
			tlog_warn("trunk %s: cannot unregister: %s", tr->c.name,
			          errno == EHOSTUNREACH ? "not located" : strerror(errno));
	}
	tandem_uac_ctx_free(g->ctx);
	g->ctx = NULL;
	g->running = false;
	g->bound = false;
	g->next = 0.;
	set_state(tr, TRUNK_REG_OFF);
}
