/* tandem — event packages served by modules (include/tandem/event.h; RFC
 * 6665): the subscription dialogs, their expiry, refreshes and NOTIFYs. The
 * module only decides who may subscribe and what a NOTIFY says. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/event.h>
#include <tandem/sip_uri.h>

#include "dialog.h"
#include "events.h"

#define EVENT_MAX_PACKAGES 32
#define SUB_BUCKETS 1024

struct event_core {
	struct tandem *t;
	const struct tandem_event_package *pkgs[EVENT_MAX_PACKAGES];
	unsigned npkgs;
	struct tandem_subscription *subs;   /* every subscription alive */
	struct tandem_subscription *tab[SUB_BUCKETS]; /* the active ones, by dialog */
	unsigned nsubs;
};

struct tandem_subscription {
	struct event_core *core;
	struct tandem_subscription *prev, *next;  /* core->subs */
	struct tandem_subscription *hnext;        /* core->tab chain */
	bool in_table;
	const struct tandem_event_package *pkg;
	struct dialog d;
	char *event_id;          /* the Event header's id parameter, NULL none */
	char *resource;
	void *data;
	ev_timer timer;          /* expiry */
	ev_tstamp expires_at;
	struct sip_tsx *notify;  /* the NOTIFY in flight (referenced) */
	bool notify_again;       /* the state changed while it was in flight */
	bool terminated;         /* ended ran; only the final NOTIFY is left */
	bool final_pending;      /* send the final NOTIFY once notify is answered */
	char reason[32];         /* Subscription-State reason of the final NOTIFY */
	char *final_body;        /* its body, built before ended ran */
	size_t final_len;
};

static struct event_core *core_of(const struct tandem *t)
{
	return t ? t->events : NULL;
}

static struct event_core *core_get(struct tandem *t)
{
	if (!t->events) {
		t->events = calloc(1, sizeof *t->events);
		if (t->events)
			t->events->t = t;
	}
	return t->events;
}

/* ---- the dialog table: Call-ID + our tag (RFC 3261 §12) ---- */

static uint32_t sub_hash(struct sip_str call_id, struct sip_str tag)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < call_id.len; i++)
		h = (h ^ (unsigned char)call_id.p[i]) * 16777619u;
	for (size_t i = 0; i < tag.len; i++)
		h = (h ^ (unsigned char)tag.p[i]) * 16777619u;
	return h % SUB_BUCKETS;
}

static void tab_add(struct event_core *ec, struct tandem_subscription *s)
{
	uint32_t h = sub_hash(sip_str_c(s->d.call_id), sip_str_c(s->d.local_tag));
	s->hnext = ec->tab[h];
	ec->tab[h] = s;
	s->in_table = true;
}

static void tab_del(struct event_core *ec, struct tandem_subscription *s)
{
	if (!s->in_table)
		return;
	uint32_t h = sub_hash(sip_str_c(s->d.call_id), sip_str_c(s->d.local_tag));
	for (struct tandem_subscription **p = &ec->tab[h]; *p; p = &(*p)->hnext)
		if (*p == s) {
			*p = s->hnext;
			break;
		}
	s->in_table = false;
}

static struct tandem_subscription *tab_find(struct event_core *ec, struct sip_str call_id,
                                            struct sip_str tag)
{
	if (!ec || !call_id.len || !tag.len)
		return NULL;
	for (struct tandem_subscription *s = ec->tab[sub_hash(call_id, tag)]; s; s = s->hnext)
		if (sip_str_eq(call_id, sip_str_c(s->d.call_id)) &&
		    sip_str_eq(tag, sip_str_c(s->d.local_tag)))
			return s;
	return NULL;
}

/* ---- packages ---- */

static const struct tandem_event_package *find_package(const struct event_core *ec,
                                                       struct sip_str name)
{
	for (unsigned i = 0; ec && i < ec->npkgs; i++)
		if (sip_str_caseeq_c(name, ec->pkgs[i]->name))
			return ec->pkgs[i];
	return NULL;
}

static const struct tandem_event_package *find_package_c(const struct event_core *ec,
                                                         const char *name)
{
	return name ? find_package(ec, sip_str_c(name)) : NULL;
}

static unsigned pkg_default(const struct tandem_event_package *p)
{
	return p->default_expires ? p->default_expires : 3600;
}

static unsigned pkg_min(const struct tandem_event_package *p)
{
	return p->min_expires ? p->min_expires : 60;
}

static unsigned pkg_max(const struct tandem_event_package *p)
{
	return p->max_expires ? p->max_expires : 86400;
}

/* RFC 6665 §8.2.1 event-type = event-package *( "." event-template ): a token. */
static bool good_token(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("-.!%*_+`'~", *s)))
			return false;
	return true;
}

int tandem_event_package_add(struct tandem *t, const struct tandem_event_package *pkg)
{
	if (!t || !pkg || !good_token(pkg->name) || !pkg->content_type || !pkg->notify_body)
		return -EINVAL;
	struct event_core *ec = core_get(t);
	if (!ec)
		return -ENOMEM;
	if (find_package_c(ec, pkg->name))
		return -EEXIST;
	if (ec->npkgs == EVENT_MAX_PACKAGES)
		return -ENOSPC;
	if (pkg_min(pkg) > pkg_max(pkg) || pkg_default(pkg) < pkg_min(pkg) ||
	    pkg_default(pkg) > pkg_max(pkg)) {
		tlog_error("event package %s: expiry default %u outside [%u, %u]", pkg->name,
		           pkg_default(pkg), pkg_min(pkg), pkg_max(pkg));
		return -EINVAL;
	}
	ec->pkgs[ec->npkgs++] = pkg;
	tlog_info("event package %s served (%s)", pkg->name, pkg->content_type);
	return 0;
}

void event_core_allow_events(const struct tandem *t, char *out, size_t n)
{
	const struct event_core *ec = core_of(t);
	size_t used = 0;
	out[0] = '\0';
	if (!ec || !ec->npkgs)
		return;
	/* RFC 6665 §8.2.2 Allow-Events = ( "Allow-Events" / "u" ) HCOLON event-type *(COMMA event-type) */
	int w = snprintf(out, n, "Allow-Events: ");
	for (unsigned i = 0; w > 0 && (size_t)w < n - used && i < ec->npkgs; i++) {
		used += (size_t)w;
		w = snprintf(out + used, n - used, "%s%s", i ? ", " : "", ec->pkgs[i]->name);
	}
	if (w > 0 && (size_t)w < n - used) {
		used += (size_t)w;
		w = snprintf(out + used, n - used, "\r\n");
	}
	if (w < 0 || (size_t)w >= n - used)
		out[0] = '\0';   /* never a truncated header line */
}

/* ---- subscriptions ---- */

static void sub_free(struct tandem_subscription *s)
{
	struct event_core *ec = s->core;
	tab_del(ec, s);
	ev_timer_stop(ec->t->loop, &s->timer);
	if (s->prev)
		s->prev->next = s->next;
	else if (ec->subs == s)
		ec->subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	ec->nsubs--;
	if (s->notify) {
		sip_tsx_detach(s->notify);
		sip_tsx_unref(s->notify);
	}
	dialog_clear(&s->d);
	free(s->event_id);
	free(s->resource);
	free(s->final_body);
	free(s);
}

static unsigned remaining(const struct tandem_subscription *s)
{
	if (s->terminated)
		return 0;
	ev_tstamp left = s->expires_at - ev_now(s->core->t->loop);
	return left > 0 ? (unsigned)(left + 0.5) : 0;
}

static void on_notify_response(void *arg, struct sip_tsx *ct, const struct sip_msg *resp,
                               int status);

/* Send a NOTIFY with the current state (RFC 6665 §4.2.2): Event with the
 * subscription's id, Subscription-State active;expires=N or
 * terminated;reason=R, the package's body. 0 or negative errno. */
static int sub_send_notify(struct tandem_subscription *s)
{
	struct tandem *t = s->core->t;
	struct sip_wbuf h, body;
	sip_wbuf_init(&h, 160);
	sip_wbuf_init(&body, 256);
	sip_wbuf_printf(&h, "Event: %s%s%s\r\n", s->pkg->name, s->event_id ? ";id=" : "",
	                s->event_id ? s->event_id : "");
	if (s->terminated) {
		sip_wbuf_printf(&h, "Subscription-State: terminated;reason=%s\r\n", s->reason);
		if (s->final_body)
			sip_wbuf_put(&body, s->final_body, s->final_len);
	} else {
		sip_wbuf_printf(&h, "Subscription-State: active;expires=%u\r\n", remaining(s));
		if (s->pkg->notify_body(s->pkg->arg, s, &body) < 0)
			body.len = 0;
	}
	if (t->conf && t->conf->server_name)
		sip_wbuf_printf(&h, "User-Agent: %s\r\n", t->conf->server_name);
	sip_wbuf_put(&h, "", 1);
	struct sip_dest dst;
	int rc = h.err ? h.err : body.err ? body.err : dialog_dest(&s->d, &dst);
	char *buf = NULL;
	size_t len = 0;
	if (rc == 0) {
		/* NOTIFY is a target refresh request: it carries our Contact
		 * (RFC 6665 §4.1.4 / §8.2) */
		struct dialog_req r = {
			.method = "NOTIFY",
			.headers = h.p,
			.ctype = sip_str_c(s->pkg->content_type),
			.body = { body.p, body.len },
			.contact = true,
		};
		rc = dialog_build_request(t->stack, &s->d, &r, &dst, &buf, &len);
	}
	sip_wbuf_free(&h);
	sip_wbuf_free(&body);
	if (rc < 0) {
		tlog_warn("event %s: cannot build a NOTIFY (Call-ID %s): %d", s->pkg->name,
		          s->d.call_id, rc);
		return rc;
	}
	struct sip_tsx *ct = sip_tsx_client_new(t->stack, &dst, buf, len, on_notify_response, s);
	if (!ct)
		return -EIO;
	sip_tsx_ref(ct);
	s->notify = ct;
	tlog_debug("event %s: NOTIFY %s (Call-ID %s)", s->pkg->name,
	           s->terminated ? s->reason : "active", s->d.call_id);
	return 0;
}

/* End s: it leaves the dialog table (a later SUBSCRIBE in it gets 481),
 * the module hears of it, and with final a NOTIFY terminated;reason=reason
 * goes out (after the one in flight, if any). s is freed once nothing is
 * left to send. */
static void sub_end(struct tandem_subscription *s, const char *reason, bool final)
{
	if (s->terminated)
		return;
	tab_del(s->core, s);
	ev_timer_stop(s->core->t->loop, &s->timer);
	snprintf(s->reason, sizeof s->reason, "%s", reason);
	if (final) {
		/* the body of the final NOTIFY is the state now: ask before ended
		 * lets the module forget the subscription */
		struct sip_wbuf b;
		sip_wbuf_init(&b, 256);
		if (s->pkg->notify_body(s->pkg->arg, s, &b) == 0 && !b.err && b.len) {
			s->final_body = b.p;
			s->final_len = b.len;
		} else {
			sip_wbuf_free(&b);
		}
	}
	s->terminated = true;
	tlog_info("event %s: subscription %s ended (%s)", s->pkg->name, s->d.call_id, reason);
	if (s->pkg->ended)
		s->pkg->ended(s->pkg->arg, s, reason);
	s->data = NULL;
	if (!final) {
		sub_free(s);
		return;
	}
	if (s->notify) {
		s->final_pending = true;
		return;
	}
	if (sub_send_notify(s) < 0)
		sub_free(s);
}

static void on_notify_response(void *arg, struct sip_tsx *ct, const struct sip_msg *resp,
                               int status)
{
	struct tandem_subscription *s = arg;
	(void)ct;
	if (status < 200)
		return;
	sip_tsx_detach(s->notify);
	sip_tsx_unref(s->notify);
	s->notify = NULL;
	if (s->terminated) {
		if (s->final_pending) {
			s->final_pending = false;
			if (sub_send_notify(s) == 0)
				return;
		}
		sub_free(s);
		return;
	}
	if (status >= 300) {
		/* RFC 6665 §4.2.2: a NOTIFY answered 481, or failing with Timer F
		 * (408), removes the subscription; RFC 5057 §5 counts the other
		 * failures as ending the usage too. */
		tlog_info("event %s (Call-ID %s): NOTIFY answered %d%s%.*s: subscription removed",
		          s->pkg->name, s->d.call_id, status, resp ? " " : "",
		          resp ? (int)resp->reason.len : 0, resp ? resp->reason.p : "");
		sub_end(s, "failed", false);
		return;
	}
	if (s->notify_again) {
		s->notify_again = false;
		if (sub_send_notify(s) < 0)
			sub_end(s, "failed", false);
	}
}

/* A NOTIFY with the current state now, or once the one in flight is
 * answered. */
static void sub_notify(struct tandem_subscription *s)
{
	if (s->terminated)
		return;
	if (s->notify) {
		s->notify_again = true;
		return;
	}
	if (sub_send_notify(s) < 0)
		sub_end(s, "failed", false);
}

static void on_expiry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct tandem_subscription *s = w->data;
	(void)loop;
	(void)revents;
	/* RFC 6665 §4.2.2 "timeout": not refreshed before it expired */
	sub_end(s, "timeout", true);
}

static void arm_expiry(struct tandem_subscription *s, unsigned secs)
{
	struct ev_loop *loop = s->core->t->loop;
	ev_timer_stop(loop, &s->timer);
	s->expires_at = ev_now(loop) + secs;
	ev_timer_set(&s->timer, secs, 0.);
	ev_timer_start(loop, &s->timer);
}

/* ---- answering SUBSCRIBE ---- */

static void reply(struct sip_tsx *st, int status, const char *reason, const char *headers)
{
	struct sip_resp_extra extra = { .headers = headers };
	if (sip_tsx_respond(st, status, reason, headers && *headers ? &extra : NULL) < 0)
		tlog_debug("event: could not answer %d", status);
}

/* The Event header: package name and id parameter (RFC 6665 §8.2.1). */
static int parse_event(const struct sip_msg *req, struct sip_str *name, struct sip_str *id)
{
	const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_EVENT);
	*name = *id = SIP_STR_NULL;
	if (!h)
		return -ENOENT;
	const char *p = h->value.p, *end = p + h->value.len, *semi = memchr(p, ';', h->value.len);
	*name = sip_str_trim((struct sip_str){ p, (size_t)((semi ? semi : end) - p) });
	if (semi) {
		struct sip_str v;
		if (sip_param_get((struct sip_str){ semi, (size_t)(end - semi) }, "id", &v) == 1)
			*id = v;
	}
	return name->len ? 0 : -EINVAL;
}

/* The Expires of a SUBSCRIBE: def when absent, -1 when malformed. */
static long req_expires(const struct sip_msg *req, unsigned def)
{
	const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_EXPIRES);
	unsigned long v;
	if (!h)
		return def;
	/* RFC 3261 §20.19: delta-seconds; huge values mean "as long as you allow" */
	struct sip_str s = sip_str_trim(h->value);
	if (s.len > 10) {
		for (size_t i = 0; i < s.len; i++)
			if (s.p[i] < '0' || s.p[i] > '9')
				return -1;
		return 0x7fffffff;
	}
	if (sip_str_to_uint(s, 0xffffffffUL, &v) < 0)
		return -1;
	return v > 0x7fffffffUL ? 0x7fffffff : (long)v;
}

/* The 2xx to a SUBSCRIBE: Expires (RFC 6665 §4.2.1.1 MUST), our Contact for
 * a dialog-creating one (RFC 3261 §12.1.1), Allow-Events. */
static void reply_ok(struct tandem_subscription *s, struct sip_tsx *st, unsigned expires,
                     bool contact)
{
	struct tandem *t = s->core->t;
	char allow[512];
	struct sip_wbuf h;
	struct sip_dest dst;
	sip_wbuf_init(&h, 256);
	sip_wbuf_printf(&h, "Expires: %u\r\n", expires);
	if (contact && dialog_dest(&s->d, &dst) == 0)
		dialog_put_contact(t->stack, &dst, &h);
	event_core_allow_events(t, allow, sizeof allow);
	sip_wbuf_puts(&h, allow);
	sip_wbuf_put(&h, "", 1);
	reply(st, 200, NULL, h.err ? NULL : h.p);
	sip_wbuf_free(&h);
}

static void reply_bad_event(struct tandem *t, struct sip_tsx *st)
{
	char allow[512];
	event_core_allow_events(t, allow, sizeof allow);
	reply(st, 489, NULL, allow);
}

static void reply_too_brief(struct sip_tsx *st, unsigned min)
{
	char h[64];
	snprintf(h, sizeof h, "Min-Expires: %u\r\n", min);
	reply(st, 423, NULL, h);
}

static struct tandem_subscription *sub_new(struct event_core *ec,
                                           const struct tandem_event_package *pkg,
                                           struct sip_tsx *st, const struct sip_msg *req,
                                           struct sip_str id, int *status)
{
	struct tandem_subscription *s = calloc(1, sizeof *s);
	*status = 500;
	if (!s)
		return NULL;
	int rc = dialog_init_uas(&s->d, req, sip_tsx_to_tag(st));
	if (rc < 0) {
		free(s);
		*status = rc == -EINVAL ? 400 : 500;  /* §8.1.1.8: no Contact */
		return NULL;
	}
	s->core = ec;
	s->pkg = pkg;
	ev_timer_init(&s->timer, on_expiry, 1., 0.);
	s->timer.data = s;
	if (id.len && !(s->event_id = sip_str_dup(id))) {
		dialog_clear(&s->d);
		free(s);
		return NULL;
	}
	struct sip_uri u;
	if (sip_uri_parse(req->ruri, &u) == 0 && u.user.len && !(s->resource = sip_str_dup(u.user))) {
		free(s->event_id);
		dialog_clear(&s->d);
		free(s);
		return NULL;
	}
	s->next = ec->subs;
	if (s->next)
		s->next->prev = s;
	ec->subs = s;
	ec->nsubs++;
	return s;
}

void event_core_subscribe(struct tandem *t, struct sip_tsx *st, struct sip_msg *req)
{
	struct event_core *ec = core_of(t);
	struct sip_str name, id;
	int rc = parse_event(req, &name, &id);
	const struct tandem_event_package *pkg = rc == 0 ? find_package(ec, name) : NULL;
	if (!pkg) {
		/* RFC 6665 §4.2.1.1 / §8.3.2: 489 Bad Event, listing what we serve
		 * (a SUBSCRIBE without Event names no package we serve either) */
		reply_bad_event(t, st);
		return;
	}
	long expires = req_expires(req, pkg_default(pkg));
	if (expires < 0) {
		reply(st, 400, "Bad Expires", NULL);
		return;
	}
	/* RFC 6665 §4.2.1.1: shorter than we allow is 423 with Min-Expires;
	 * longer is lowered. Expires 0 is a fetch: one NOTIFY, terminated. */
	if (expires > 0 && (unsigned long)expires < pkg_min(pkg)) {
		reply_too_brief(st, pkg_min(pkg));
		return;
	}
	if ((unsigned long)expires > pkg_max(pkg))
		expires = (long)pkg_max(pkg);

	int status;
	struct tandem_subscription *s = sub_new(ec, pkg, st, req, id, &status);
	if (!s) {
		reply(st, status, status == 400 ? "Missing Contact" : NULL, NULL);
		return;
	}
	enum tandem_verdict v = TANDEM_CONTINUE;
	struct tandem_event ev = { .t = t, .point = TANDEM_HOOK_REQUEST, .msg = req, .tsx = st };
	if (pkg->subscribe)
		v = pkg->subscribe(pkg->arg, &ev, s);
	if (v != TANDEM_CONTINUE) {
		if (v == TANDEM_REJECT || !sip_tsx_answered(st))
			reply(st, ev.reject_code >= 300 && ev.reject_code <= 699 ? ev.reject_code :
			      v == TANDEM_REJECT ? 403 : 500, ev.reject_reason, ev.reject_headers);
		sub_free(s);
		return;
	}
	reply_ok(s, st, (unsigned)expires, true);
	tlog_info("event %s: %s subscribed to %s for %lds (Call-ID %s)", pkg->name,
	          s->d.remote_party, s->resource ? s->resource : "-", expires, s->d.call_id);
	if (expires == 0) {
		sub_end(s, "timeout", true);
		return;
	}
	tab_add(ec, s);
	arm_expiry(s, (unsigned)expires);
	/* RFC 6665 §4.2.1.2: a NOTIFY right after the 200, with the state */
	sub_notify(s);
}

bool event_core_indialog(struct tandem *t, struct sip_tsx *st, struct sip_msg *req)
{
	struct event_core *ec = core_of(t);
	struct tandem_subscription *s = tab_find(ec, req->call_id, req->to_tag);
	if (!s || !sip_str_eq(req->from_tag, sip_str_c(s->d.remote_tag))) {
		tlog_debug("event: no subscription for Call-ID %.*s tag %.*s (%u alive)",
		           (int)req->call_id.len, req->call_id.p, (int)req->to_tag.len, req->to_tag.p,
		           ec ? ec->nsubs : 0);
		return false;   /* server.c answers 481 (RFC 6665 §4.2.1.2) */
	}
	/* RFC 3261 §12.2.2: CSeq must grow */
	if (req->cseq <= s->d.remote_cseq) {
		reply(st, 500, "CSeq Out of Order", NULL);
		return true;
	}
	s->d.remote_cseq = req->cseq;
	if (req->method != SIP_SUBSCRIBE) {
		/* the subscriber's side of a subscription dialog sends SUBSCRIBE
		 * only; NOTIFY flows from us */
		reply(st, 405, NULL, "Allow: SUBSCRIBE\r\n");
		return true;
	}
	struct sip_str name, id;
	if (parse_event(req, &name, &id) < 0 || !sip_str_caseeq_c(name, s->pkg->name) ||
	    !sip_str_eq(id, sip_str_c(s->event_id))) {
		/* another package or id in this dialog is another subscription,
		 * which we do not create in an existing dialog (RFC 6665 §4.5.2) */
		reply_bad_event(t, st);
		return true;
	}
	long expires = req_expires(req, pkg_default(s->pkg));
	if (expires < 0) {
		reply(st, 400, "Bad Expires", NULL);
		return true;
	}
	if (expires > 0 && (unsigned long)expires < pkg_min(s->pkg)) {
		reply_too_brief(st, pkg_min(s->pkg));
		return true;
	}
	if ((unsigned long)expires > pkg_max(s->pkg))
		expires = (long)pkg_max(s->pkg);
	/* SUBSCRIBE is a target refresh request (RFC 6665 §4.1.2.1) */
	dialog_refresh_target(&s->d, req);
	reply_ok(s, st, (unsigned)expires, true);
	if (expires == 0) {
		/* RFC 6665 §4.2.1.4 unsubscribing: a final NOTIFY. The
		 * subscription reached the end of the time it was given: "timeout"
		 * (§4.2.2), not "noresource" or "rejected" which would tell the
		 * subscriber something is wrong with the resource. */
		tlog_info("event %s: %s unsubscribed (Call-ID %s)", s->pkg->name, s->d.remote_party,
		          s->d.call_id);
		sub_end(s, "timeout", true);
		return true;
	}
	arm_expiry(s, (unsigned)expires);
	tlog_debug("event %s: refreshed for %lds (Call-ID %s)", s->pkg->name, expires, s->d.call_id);
	/* RFC 6665 §4.2.1.2: a refresh is followed by a NOTIFY too */
	sub_notify(s);
	return true;
}

/* ---- module-facing ---- */

int tandem_event_notify(struct tandem *t, const char *package, const char *resource)
{
	struct event_core *ec = core_of(t);
	const struct tandem_event_package *pkg = find_package_c(ec, package);
	if (!pkg)
		return -ENOENT;
	int n = 0;
	struct tandem_subscription *s = ec->subs, *next;
	for (; s; s = next) {
		next = s->next;   /* a failing NOTIFY frees s */
		if (s->pkg != pkg || s->terminated || !s->in_table)
			continue;
		if (resource && (!s->resource || strcmp(resource, s->resource) != 0))
			continue;
		n++;
		sub_notify(s);
	}
	return n;
}

int tandem_event_package_remove(struct tandem *t, const char *name)
{
	struct event_core *ec = core_of(t);
	const struct tandem_event_package *pkg = find_package_c(ec, name);
	if (!pkg)
		return -ENOENT;
	for (struct tandem_subscription *s = ec->subs, *next; s; s = next) {
		next = s->next;
		if (s->pkg == pkg && !s->terminated)
			sub_end(s, "noresource", true);
	}
	/* final NOTIFYs still in flight keep a pointer to pkg for their name;
	 * the module's storage outlives them only until its unload, so send
	 * nothing more of them: they retransmit without us */
	for (struct tandem_subscription *s = ec->subs, *next; s; s = next) {
		next = s->next;
		if (s->pkg == pkg)
			sub_free(s);
	}
	unsigned j = 0;
	for (unsigned i = 0; i < ec->npkgs; i++)
		if (ec->pkgs[i] != pkg)
			ec->pkgs[j++] = ec->pkgs[i];
	ec->npkgs = j;
	tlog_info("event package %s no longer served", name);
	return 0;
}

int tandem_subscription_terminate(struct tandem_subscription *sub, const char *reason)
{
	if (!sub || sub->terminated)
		return -EALREADY;
	sub_end(sub, reason && good_token(reason) ? reason : "noresource", true);
	return 0;
}

int tandem_subscription_set_resource(struct tandem_subscription *sub, const char *resource)
{
	char *r = resource ? strdup(resource) : NULL;
	if (resource && !r)
		return -ENOMEM;
	free(sub->resource);
	sub->resource = r;
	return 0;
}

const char *tandem_subscription_resource(const struct tandem_subscription *sub)
{
	return sub->resource;
}

void tandem_subscription_set_data(struct tandem_subscription *sub, void *data)
{
	sub->data = data;
}

void *tandem_subscription_data(const struct tandem_subscription *sub)
{
	return sub->data;
}

const char *tandem_subscription_subscriber(const struct tandem_subscription *sub)
{
	return sub->d.remote_party;
}

const char *tandem_subscription_package(const struct tandem_subscription *sub)
{
	return sub->pkg->name;
}

const char *tandem_subscription_call_id(const struct tandem_subscription *sub)
{
	return sub->d.call_id;
}

unsigned tandem_subscription_expires(const struct tandem_subscription *sub)
{
	return remaining(sub);
}

unsigned event_core_npackages(const struct tandem *t)
{
	const struct event_core *ec = core_of(t);
	return ec ? ec->npkgs : 0;
}

unsigned tandem_event_count(const struct tandem *t)
{
	const struct event_core *ec = core_of(t);
	return ec ? ec->nsubs : 0;
}

void event_core_free(struct tandem *t)
{
	struct event_core *ec = core_of(t);
	if (!ec)
		return;
	if (ec->nsubs)
		tlog_notice("event subscriptions alive at shutdown: %u", ec->nsubs);
	while (ec->subs) {
		struct tandem_subscription *s = ec->subs;
		if (!s->terminated && s->pkg->ended)
			s->pkg->ended(s->pkg->arg, s, "shutdown");
		sub_free(s);
	}
	free(ec);
	t->events = NULL;
}
