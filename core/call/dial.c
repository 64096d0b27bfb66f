/* tandem — the dial engine (dial.h): targets resolved into B-legs, rung in
 * parallel or one after another, with the timeout, redirects, the winner
 * and the "most telling failure" (RFC 3261 §16.7), for calls, transfers
 * and modules alike. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/sip_uri.h>

#include "call_internal.h"

static void on_dial_timeout(struct ev_loop *loop, ev_timer *w, int revents);
static void dial_settle(struct dial *d);

void dial_init(struct dial *d, struct call *c, const struct dial_ops *ops)
{
	memset(d, 0, sizeof *d);
	d->call = c;
	d->ops = ops;
	ev_timer_init(&d->timer, on_dial_timeout, 1., 0.);
	d->timer.data = d;
}

static struct ev_loop *dial_loop(const struct dial *d)
{
	return d->call->core->t->loop;
}

static void targets_free(struct dial *d)
{
	for (size_t i = 0; i < d->ntargets; i++)
		free(d->targets[i]);
	free(d->targets);
	d->targets = NULL;
	d->ntargets = d->next = 0;
	free(d->headers);
	free(d->from);
	free(d->domain);
	d->headers = d->from = d->domain = NULL;
}

/* Give up every B-leg of d still ringing but except, and every pending
 * resolution (the resolver's abandon). */
static void dial_abandon(struct dial *d, struct leg *except)
{
	for (struct leg *b = d->call->bs; b; b = b->next)
		if (b->dial == d && b != except && !b->lost)
			bleg_abandon(b);
	while (d->pending) {
		struct tandem_resolve *r = d->pending;
		d->pending = r->next;
		resolve_abandon(r);
	}
}

void dial_stop(struct dial *d)
{
	if (!d->call)
		return;
	ev_timer_stop(dial_loop(d), &d->timer);
	d->running = false;
	dial_abandon(d, d->answered ? d->winner : NULL);
}

void dial_clear(struct dial *d)
{
	if (!d->call)
		return;
	dial_stop(d);
	for (struct leg *b = d->call->bs; b; b = b->next)
		if (b->dial == d) {
			b->dial = NULL;
			b->lost = true;
		}
	targets_free(d);
}

/* A B-leg for contact ct of target label. 0 or a failure status. */
static int bleg_start(struct dial *d, const struct tandem_contact *ct, const char *label)
{
	struct call *c = d->call;
	struct call_core *core = c->core;
	const struct bleg_invite *inv = &d->inv;
	struct leg *b = leg_new(c, false);
	if (!b)
		return 500;
	/* ct->flow: dst is the registered flow (RFC 5626 §5.3), where the
	 * INVITE goes whatever the Contact says */
	b->dst = ct->dst;
	b->label = strdup(label);
	b->provider = ct->provider;
	if (ct->nalt && !ct->flow) {
		unsigned n = ct->nalt < TANDEM_CONTACT_ALTS ? ct->nalt : TANDEM_CONTACT_ALTS;
		if ((b->alt = malloc(n * sizeof *b->alt)) != NULL) {
			memcpy(b->alt, ct->alt, n * sizeof *b->alt);
			b->nalt = n;
		}
	}
	b->dial = d;
	char to[TANDEM_URI_MAX + 2];
	if (ct->to[0])
		snprintf(to, sizeof to, "%s", ct->to);
	else
		snprintf(to, sizeof to, "<%s>", ct->ruri);
	if (!b->label || dialog_init_uac(&b->d, ct->from[0] ? ct->from : inv->from, to, ct->ruri) < 0) {
		leg_unref(b);
		return 500;
	}
	dialog_set_first_hop(&b->d, &ct->dst, ct->flow);
	b->idx = ++c->nlegs;
	b->next = c->bs;
	c->bs = b;
	call_tab_add(core, b);
	struct tandem_event ev;
	if (call_run_hook(c, TANDEM_HOOK_BLEG_CREATE, inv->req, b, &ev) == TANDEM_REJECT) {
		/* the table in tandem.h: this target fails with the module's code */
		int code = loader_reject_status(ev.reject_code);
		tlog_info("call %s: B-leg %s refused by mod_%s: %d", call_cid(c), label,
		          core->t->hook_decider ? core->t->hook_decider : "?", code);
		b->state = LEG_TERMINATED;
		b->final = code;
		return code;
	}
	struct call_sdp sdp = { .body = inv->body };
	if (inv->req)
		call_media_hook(c, inv->req, c->a, b, TANDEM_SDP_OFFER, &sdp);

	struct sip_wbuf h;
	sip_wbuf_init(&h, 256);
	if (inv->req)
		copy_headers(&h, inv->req, call_req_hdrs, NULL);
	if (inv->headers)
		sip_wbuf_puts(&h, inv->headers);
	if (ct->headers)
		sip_wbuf_puts(&h, ct->headers);
	sip_wbuf_put(&h, "", 1);
	struct dialog_req r = {
		.method = "INVITE",
		.max_forwards = inv->max_forwards == 0 ? -1 : inv->max_forwards,
		.headers = h.p,
		.ctype = inv->ctype,
		.body = sdp.body,
		.contact = true,
	};
	char *buf;
	size_t len;
	/* an INVITE without the headers it should carry is not sent at all */
	int rc = h.err ? -ENOMEM : dialog_build_request(core->t->stack, &b->d, &r, &b->dst, &buf, &len);
	if (rc == 0 && bleg_keep_invite(b, ct->ruri, &r) < 0) {
		free(buf);
		rc = -ENOMEM;
	}
	sip_wbuf_free(&h);
	call_sdp_free(&sdp);
	if (rc < 0) {
		b->state = LEG_TERMINATED;
		return 500;
	}
	b->inv_cseq = b->d.local_cseq;
	b->inv = leg_send(b, CR_INVITE, &b->dst, buf, len);
	if (!b->inv) {
		b->state = LEG_TERMINATED;
		return 503;
	}
	tlog_info("call %s: B-leg %s (Call-ID %s)", call_cid(c), label, b->d.call_id);
	return 0;
}

/* Every contact of a finished resolution rings (RFC 3261 §16.6 forking,
 * done here). 0 when at least one went out. */
static int contacts_start(struct dial *d, const struct tandem_resolve *r)
{
	int started = 0, last = 480;
	for (size_t i = 0; i < r->n; i++) {
		last = bleg_start(d, &r->c[i], r->target);
		if (last == 0)
			started++;
	}
	return started ? 0 : last;
}

static bool dial_busy(const struct dial *d);

/* A provider's leg reached the callee (tandem_contact.provider): its own
 * 4xx/6xx, or its phone rang (18x) before the failure or the dial timeout
 * (status 0). Another provider would only ring the same callee again. */
static bool provider_reached(const struct leg *b, int status)
{
	return b->provider && (b->rang || (status && dial_provider_final(status)));
}

static void dial_failed(struct dial *d, const char *label, int status, const char *reason,
                        size_t reason_len)
{
	dial_failure_note(&d->best, status, reason, reason_len);
	if (status < 600)
		return;
	/* §16.7 step 5: after a 6xx every pending branch is CANCELled and no
	 * new one is started */
	if (d->next < d->ntargets || dial_busy(d))
		tlog_info("call %s: %d from %s: no further target is tried", call_cid(d->call), status,
		          label);
	d->next = d->ntargets;
	dial_abandon(d, NULL);
}

/* A resolver answered later (tandem_resolve_done). */
static void on_resolved(struct tandem_resolve *r, int status, void *arg)
{
	struct dial *d = arg;
	struct call *c = d->call;
	for (struct tandem_resolve **p = &d->pending; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	tlog_info("call %s: %s resolved: %d", call_cid(c), r->target, status);
	if (status == 0)
		status = contacts_start(d, r);
	if (status)
		dial_failed(d, r->target, status, NULL, 0);
	resolve_free(r);
	dial_settle(d);
	call_check(c);
}

/* Start one target. 0 when it rings or is being resolved. */
static int target_start(struct dial *d, const char *target)
{
	struct call *c = d->call;
	struct tandem_resolve *r;
	int rc = resolve_start(c->core->t, (struct tandem_call *)c, target, d->domain, on_resolved, d, &r);
	if (rc == -EINPROGRESS) {
		r->next = d->pending;
		d->pending = r;
		return 0;
	}
	if (rc)
		return rc;
	rc = contacts_start(d, r);
	resolve_free(r);
	return rc;
}

/* Start what the dial mode says comes next; true when something rings. */
static bool dial_next(struct dial *d)
{
	while (d->next < d->ntargets) {
		bool all = d->mode == TANDEM_DIAL_PARALLEL, any = false;
		do {
			const char *target = d->targets[d->next++];
			int rc = target_start(d, target);
			if (rc) {
				tlog_info("call %s: target %s failed: %d", call_cid(d->call), target, rc);
				dial_failed(d, target, rc, NULL, 0);
			} else {
				any = true;
			}
		} while (all && d->next < d->ntargets);
		if (any && dial_busy(d)) {   /* (a 6xx may have given all of them up) */
			d->timed_out = false;
			ev_timer_stop(dial_loop(d), &d->timer);
			ev_timer_set(&d->timer, d->timeout, 0.);
			ev_timer_start(dial_loop(d), &d->timer);
			return true;
		}
	}
	return false;
}

static bool dial_busy(const struct dial *d)
{
	if (d->pending)
		return true;
	for (struct leg *b = d->call->bs; b; b = b->next)
		if (b->dial == d && !b->lost && b->inv)
			return true;
	return false;
}

/* Every B-leg of the current group has ended (or the timeout gave up on
 * them): the next group, else the owner hears how it ended. */
static void dial_settle(struct dial *d)
{
	if (!d->running || d->answered || dial_busy(d))
		return;
	ev_timer_stop(dial_loop(d), &d->timer);
	if (dial_next(d))
		return;
	d->running = false;
	int status = d->best.status ? d->best.status : 480;
	enum tandem_dial_outcome o = d->timed_out ? TANDEM_DIAL_NOANSWER : tandem_dial_outcome_of(status);
	tlog_info("call %s: dial ended: %s (%d)", call_cid(d->call), tandem_dial_outcome_name(o), status);
	d->ops->settled(d, o, status, d->best.reason[0] ? d->best.reason : NULL);
}

static void on_dial_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dial *d = w->data;
	struct call *c = d->call;
	(void)loop; (void)revents;
	tlog_info("call %s: %s within %u s", call_cid(c), d->ops->noanswer ? d->ops->noanswer : "no answer",
	          d->timeout);
	d->timed_out = true;
	for (struct leg *b = c->bs; b; b = b->next)
		if (b->dial == d && d->next < d->ntargets && provider_reached(b, 0)) {
			tlog_info("call %s: provider leg %s rang: no further target is tried",
			          call_cid(c), b->label);
			d->next = d->ntargets;
		}
	dial_abandon(d, NULL);
	dial_settle(d);
	call_check(c);
}

int dial_start(struct dial *d, const struct tandem_dial *spec, const struct bleg_invite *inv)
{
	struct call *c = d->call;
	if (d->running)
		return -EBUSY;
	targets_free(d);
	d->best = (struct dial_failure){ 0 };
	d->answered = d->timed_out = false;
	d->winner = NULL;
	d->redirects = 0;
	size_t n = spec->ntargets;
	if (n > DIAL_MAX_TARGETS) {
		tlog_warn("call %s: dial of %zu targets: only the first %d ring", call_cid(c), n,
		          DIAL_MAX_TARGETS);
		n = DIAL_MAX_TARGETS;
	}
	if (!(d->targets = calloc(n ? n : 1, sizeof *d->targets)))
		return 500;
	for (size_t i = 0; i < n; i++) {
		if (!(d->targets[i] = strdup(spec->targets[i] ? spec->targets[i] : ""))) {
			targets_free(d);
			return 500;
		}
		d->ntargets++;
	}
	char host[256] = "localhost";
	if (c->a && c->a->st)
		request_host(sip_tsx_request(c->a->st), host, sizeof host);
	d->from = strdup(inv->from ? inv->from : "");
	d->domain = strdup(host);
	if (!d->from || !d->domain) {
		targets_free(d);
		return 500;
	}
	d->inv = *inv;
	d->inv.from = d->from;
	if (inv->headers || spec->headers) {
		size_t l1 = inv->headers ? strlen(inv->headers) : 0;
		size_t l2 = spec->headers ? strlen(spec->headers) : 0;
		if (!(d->headers = malloc(l1 + l2 + 1))) {
			targets_free(d);
			return 500;
		}
		memcpy(d->headers, inv->headers ? inv->headers : "", l1);
		memcpy(d->headers + l1, spec->headers ? spec->headers : "", l2 + 1);
	}
	d->inv.headers = d->headers;
	d->mode = spec->mode;
	d->timeout = spec->timeout ? spec->timeout : c->core->set.dial_timeout;
	d->running = true;
	if (dial_next(d))
		return 0;
	d->running = false;
	return d->best.status ? d->best.status : 480;
}

/* A 3xx from a callee (RFC 3261 §8.1.3.4): tandem follows it like a PBX's
 * call forward, ringing the first sip:/sips: Contact within the same dial
 * (timeout, ring group and topology hiding unchanged; the caller never sees
 * the redirect). At most DIAL_MAX_REDIRECTS per dial so two phones
 * forwarding to each other cannot loop. 0: the new target rings. */
static int dial_redirect(struct dial *d, struct leg *b, const struct sip_msg *resp)
{
	struct call *c = d->call;
	if (d->redirects >= DIAL_MAX_REDIRECTS || !d->running || d->answered) {
		tlog_info("call %s: %d from %s not followed", call_cid(c), resp->status, b->label);
		return -ELOOP;
	}
	for (const struct sip_hdr *h = sip_msg_hdr(resp, SIP_HDR_CONTACT); h; h = sip_msg_hdr_next(resp, h)) {
		struct sip_str rest = h->value, item;
		while (sip_list_next(&rest, &item)) {
			struct sip_nameaddr na;
			if (sip_nameaddr_parse(item, &na) < 0 ||
			    (na.uri.scheme != SIP_URI_SIP && na.uri.scheme != SIP_URI_SIPS))
				continue;
			char uri[TANDEM_URI_MAX];
			sip_str_copy(uri, sizeof uri, na.uri_str);
			d->redirects++;
			tlog_info("call %s: %d from %s: following to %s", call_cid(c), resp->status,
			          b->label, uri);
			if (target_start(d, uri) == 0)
				return 0;
		}
	}
	return -ENOENT;
}

void dial_bleg_progress(struct leg *b, const struct sip_msg *resp)
{
	struct dial *d = b->dial;
	b->rang = true;
	if (d && !b->lost && d->running && !d->answered && d->ops->progress)
		d->ops->progress(d, b, resp);
}

void dial_bleg_answered(struct leg *b, const struct sip_msg *resp)
{
	struct dial *d = b->dial;
	struct call *c = b->call;
	int rc = 0;
	if (!d || b->lost || !d->running || d->answered ||
	    (d->ops->accept && (rc = d->ops->accept(d, b, resp)) != 0)) {
		/* a late 2xx after CANCEL or after another leg won, or one the
		 * owner cannot use: ACK and BYE (§13.2.2.4, §15) */
		tlog_info("call %s: %s %d from %s: ACK and BYE", call_cid(c), rc ? "unusable" : "late",
		          resp->status, b->label);
		leg_ack(b, b->inv_cseq, SIP_STR_NULL, SIP_STR_NULL);
		leg_bye(b);
		if (rc) {
			b->lost = true;
			dial_failed(d, b->label, rc, NULL, 0);
			dial_settle(d);
		}
		return;
	}
	d->answered = true;
	d->running = false;
	d->winner = b;
	ev_timer_stop(dial_loop(d), &d->timer);
	dial_abandon(d, b);
	d->ops->answered(d, b, resp);
}

void dial_bleg_failed(struct leg *b, const struct sip_msg *resp, int status)
{
	struct dial *d = b->dial;
	if (!d || b->lost)
		return;
	if (status < 400 && resp && dial_redirect(d, b, resp) == 0)
		return;
	tlog_info("call %s: B-leg %s failed: %d", call_cid(d->call), b->label, status);
	if (d->next < d->ntargets && provider_reached(b, status)) {
		tlog_info("call %s: %d from provider leg %s%s: no further target is tried",
		          call_cid(d->call), status, b->label, b->rang ? " (it rang)" : "");
		d->next = d->ntargets;
	}
	if (resp)
		dial_failed(d, b->label, status, resp->reason.p, resp->reason.len);
	else
		dial_failed(d, b->label, status, NULL, 0);
	dial_settle(d);
}

void dial_spec_from_step(const struct dialplan_step *s, struct tandem_dial *spec,
                         const char **targets, size_t max)
{
	size_t n = s->u.dial.ntargets < max ? s->u.dial.ntargets : max;
	if (n < s->u.dial.ntargets)
		tlog_warn("dial at %s:%d: %zu targets, only the first %zu ring", s->file ? s->file : "?",
		          s->line, s->u.dial.ntargets, n);
	for (size_t i = 0; i < n; i++)
		targets[i] = s->u.dial.targets[i].text;
	*spec = (struct tandem_dial){
		.targets = targets, .ntargets = n,
		/* one target rings the same either way */
		.mode = s->u.dial.mode == DIALPLAN_DIAL_HUNT ? TANDEM_DIAL_HUNT : TANDEM_DIAL_PARALLEL,
		.timeout = s->u.dial.timeout,
	};
}
