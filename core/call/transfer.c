/* tandem — call transfer inside the B2BUA: REFER (RFC 3515) handled by
 * tandem itself, blind and attended (Refer-To ...?Replaces=), and INVITE
 * with Replaces (RFC 3891).
 *
 * tandem owns both dialogs of a call, so it does not pass a REFER on: it
 * answers 202, calls the Refer-To target through the dialplan of the call's
 * context on a fresh B-leg, reports progress to the referrer in NOTIFYs with
 * message/sipfrag bodies (§2.4.4, §2.4.5), and once the target answers it
 * bridges the transferee with it and hangs up the referrer.
 *
 * Media: the target gets an INVITE without an offer (RFC 3264 §5); the
 * offer in its 2xx goes to the transferee in a re-INVITE, whose answer goes
 * back in the target's ACK (the RFC 3725 §4.1 pattern). Attended transfers
 * do the same with an offerless re-INVITE to the party that stays. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/sip_uri.h>

#include "call_internal.h"

/* What a CR_XFER request was (creq->xfer_what). */
enum {
	XR_NOTIFY = 1,       /* progress to the referrer */
	XR_NOTIFY_BYE,       /* the final NOTIFY of a success: BYE the referrer after it */
	XR_REINVITE,         /* the target's offer to the transferee */
	XR_REOFFER,          /* attended: an offerless re-INVITE to the party that stays */
	XR_REPLACE,          /* INVITE with Replaces: the newcomer's offer (or none) to the other party */
};

struct xfer {
	struct call *call;
	struct leg *referrer;      /* NULL for an INVITE with Replaces */
	struct leg *transferee;    /* the party that stays and gets a new partner */
	struct leg *target;        /* its new partner, once known (referenced) */
	struct leg *replaced;      /* attended / Replaces: the leg hung up at the end */
	struct leg *newcomer;      /* INVITE with Replaces: the new UAS leg */
	uint32_t refer_cseq;       /* Event: refer;id= (RFC 3515 §2.4.6) */
	struct dialplan_cursor *cur;
	struct dial dial;          /* ringing the target (dial.h) */
	ev_timer timer;            /* the 491 retry */
	char from[600];            /* the transferee as targets see it */
	char *hdrs;                /* Referred-By and set_header() lines */
	int max_forwards;
	/* RFC 3261 §14.1: our re-INVITE met a 491; it goes again once, later */
	int retry_what;
	struct leg *retry_to;
	bool retry_offer, retried;
	bool referrer_gone;        /* the referrer hung up; the transfer goes on */
	char *offer;               /* the target's offer, for the transferee */
	size_t offer_len;
	char offer_type[128];
	uint32_t target_ack_cseq;  /* the target's 2xx waiting for our ACK (with the answer) */
	struct creq *cr;           /* our re-INVITE in flight, told when we go */
	/* transfer_reoffer (bridge.c): told how it ended, once x is gone */
	void (*done)(struct call *c, int status);
};

static void xfer_plan(struct xfer *x);

static struct leg *hold(struct leg *l)
{
	if (l)
		leg_ref(l);
	return l;
}

static void set_peer(struct leg *l, struct leg *p)
{
	if (l->peer)
		leg_unref(l->peer);
	l->peer = hold(p);
}

static bool leg_up(const struct leg *l)
{
	return l && l->call && l->state == LEG_CONFIRMED && !l->bye_sent;
}

static void xfer_finish(struct xfer *x)
{
	struct call *c = x->call;
	ev_timer_stop(c->core->t->loop, &x->timer);
	if (x->cr)
		x->cr->xfer = NULL;
	/* legs this transfer started and did not keep are orphans now: a late
	 * 2xx gets ACK and BYE (§13.2.2.4), a failure is dropped */
	dial_clear(&x->dial);
	leg_unref(x->referrer);
	leg_unref(x->transferee);
	leg_unref(x->target);
	leg_unref(x->replaced);
	leg_unref(x->newcomer);
	dialplan_cursor_free(x->cur);
	free(x->hdrs);
	free(x->offer);
	c->xfer = NULL;
	free(x);
}

void transfer_free(struct call *c)
{
	if (c->xfer)
		xfer_finish(c->xfer);
}

/* RFC 3515 §2.4.4, §2.4.5: progress of the referenced request as a sipfrag. */
static void xfer_notify(struct xfer *x, int status, const char *reason, int what)
{
	struct leg *r = x->referrer;
	if (!r || x->referrer_gone || !leg_up(r))
		return;
	bool final = status >= 200;
	char hdrs[160], body[160];
	snprintf(hdrs, sizeof hdrs, "Event: refer;id=%u\r\nSubscription-State: %s\r\n",
	         (unsigned)x->refer_cseq, final ? "terminated;reason=noresource" : "active;expires=60");
	int n = snprintf(body, sizeof body, "SIP/2.0 %d %s\r\n", status,
	                 reason && *reason ? reason : sip_reason_phrase(status));
	struct dialog_req req = {
		.method = "NOTIFY", .headers = hdrs, .contact = true,
		.ctype = SIP_STR_LIT("message/sipfrag;version=2.0"),
		.body = { body, (size_t)n < sizeof body ? (size_t)n : sizeof body - 1 },
	};
	struct creq *cr = leg_request(r, CR_XFER, &req);
	if (cr) {
		cr->xfer_what = what;
		return;
	}
	tlog_warn("call %s: could not NOTIFY the referrer", call_cid(x->call));
	if (what == XR_NOTIFY_BYE)
		leg_bye(r);
}

/* The transfer did not happen: the original call stays as it was. */
static void xfer_fail(struct xfer *x, int status, const char *reason)
{
	struct call *c = x->call;
	tlog_info("call %s: transfer failed: %d %s", call_cid(c), status,
	          reason && *reason ? reason : sip_reason_phrase(status));
	dial_stop(&x->dial);
	/* a target whose offer never got its answer still gets its ACK */
	if (x->target && x->target_ack_cseq && x->target->state == LEG_CONFIRMED)
		leg_ack(x->target, x->target_ack_cseq, SIP_STR_NULL, SIP_STR_NULL);
	if (x->target && x->target->dial == &x->dial)
		leg_bye(x->target);   /* a new target that answered */
	if (x->newcomer && !sip_tsx_answered(x->newcomer->st)) {
		sip_tsx_respond(x->newcomer->st, status, reason, NULL);
		x->newcomer->state = LEG_TERMINATED;
	}
	xfer_notify(x, status, reason, XR_NOTIFY);
	if (x->referrer_gone)
		leg_bye(x->transferee);   /* nobody left to talk to */
	void (*done)(struct call *, int) = x->done;
	xfer_finish(x);
	if (done)
		done(c, status);
}

/* The transferee answered the target's offer: from now on the two talk. */
static void xfer_bridge(struct xfer *x)
{
	struct call *c = x->call;
	struct leg *p = x->transferee, *t = x->target;
	set_peer(p, t);
	set_peer(t, p);
	t->lost = true;   /* no longer part of any dial */
	if (x->referrer) {
		x->referrer->detached = true;
		set_peer(x->referrer, NULL);
	}
	if (x->replaced) {
		x->replaced->detached = true;
		set_peer(x->replaced, NULL);
		leg_bye(x->replaced);
	}
	tlog_info("call %s: transferred: %s now talks to %s", call_cid(c),
	          p->label ? p->label : "A", t->label ? t->label : "A");
	if (x->referrer && !x->referrer_gone)
		xfer_notify(x, 200, "OK", XR_NOTIFY_BYE);   /* then BYE the referrer */
	void (*done)(struct call *, int) = x->done;
	xfer_finish(x);
	if (done)
		done(c, 200);
}

/* Offer the target's SDP to the transferee (RFC 3261 §14.1 re-INVITE). */
static void xfer_reinvite(struct xfer *x, int what, struct leg *to, bool with_offer)
{
	if (!leg_up(to)) {
		xfer_fail(x, 487, NULL);
		return;
	}
	if (to->reinv_out || to->reinv_in) {
		xfer_fail(x, 491, NULL);   /* §14.1: an offer is already pending there */
		return;
	}
	struct dialog_req r = { .method = "INVITE", .contact = true };
	if (with_offer) {
		r.ctype = sip_str_c(x->offer_type);
		r.body = (struct sip_str){ x->offer, x->offer_len };
	}
	struct creq *cr = leg_request(to, CR_XFER, &r);
	if (!cr) {
		xfer_fail(x, 500, NULL);
		return;
	}
	cr->xfer = x;
	cr->xfer_what = what;
	cr->cseq = to->d.local_cseq;
	to->reinv_out = true;
	x->cr = cr;
}

/* The offer m carries from leg from, as the MEDIA hook lets it reach to. */
static int keep_offer(struct xfer *x, const struct sip_msg *m, struct leg *from, struct leg *to)
{
	const struct sip_hdr *ct = sip_msg_hdr(m, SIP_HDR_CONTENT_TYPE);
	if (!m->body.len)
		return -EINVAL;
	struct call_sdp sdp;
	call_media_hook(to->call ? to->call : x->call, m, from, to, TANDEM_SDP_OFFER, &sdp);
	free(x->offer);
	x->offer = malloc(sdp.body.len ? sdp.body.len : 1);
	if (!x->offer) {
		call_sdp_free(&sdp);
		return -ENOMEM;
	}
	memcpy(x->offer, sdp.body.p, sdp.body.len);
	x->offer_len = sdp.body.len;
	call_sdp_free(&sdp);
	if (ct)
		sip_str_copy(x->offer_type, sizeof x->offer_type, ct->value);
	else
		snprintf(x->offer_type, sizeof x->offer_type, "application/sdp");
	return 0;
}

/* ---- calling the target through the dialplan: the dial engine ---- */

static struct xfer *dial_xfer(struct dial *d)
{
	return (struct xfer *)(void *)((char *)d - offsetof(struct xfer, dial));
}

/* RFC 3264 §5: the target got no offer, so its 2xx must carry one for the
 * transferee; without it the answer is of no use (488). */
static int xfer_dial_accept(struct dial *d, struct leg *b, const struct sip_msg *resp)
{
	struct xfer *x = dial_xfer(d);
	/* the target takes the referrer's place, in the media session too:
	 * MEDIA handlers (mod_rtprelay) see its offer on the referrer's side */
	b->idx = x->referrer->idx;
	return keep_offer(x, resp, b, x->transferee) < 0 ? 488 : 0;
}

static void xfer_dial_answered(struct dial *d, struct leg *b, const struct sip_msg *resp)
{
	struct xfer *x = dial_xfer(d);
	(void)resp;   /* its offer was kept by xfer_dial_accept */
	x->target = hold(b);
	x->target_ack_cseq = b->inv_cseq;
	tlog_info("call %s: transfer target %s answered", call_cid(x->call), b->label);
	xfer_reinvite(x, XR_REINVITE, x->transferee, true);
}

/* Every target of this dial has ended: the plan goes on. */
static void xfer_dial_settled(struct dial *d, enum tandem_dial_outcome o, int status,
                              const char *reason)
{
	struct xfer *x = dial_xfer(d);
	(void)status; (void)reason;   /* xfer_plan reads them from the dial */
	dialplan_set_outcome(x->cur, dialplan_outcome_of_dial(o));
	xfer_plan(x);
}

static const struct dial_ops xfer_dial_ops = {
	.noanswer = "transfer target did not answer",
	.accept = xfer_dial_accept,
	.answered = xfer_dial_answered,
	.settled = xfer_dial_settled,
};

/* The 491 retry of our re-INVITE (RFC 3261 §14.1). */
static void on_xfer_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct xfer *x = w->data;
	struct call *c = x->call;
	(void)loop; (void)revents;
	if (!x->retry_what)
		return;
	int what = x->retry_what;
	x->retry_what = 0;
	xfer_reinvite(x, what, x->retry_to, x->retry_offer);
	call_check(c);
}

/* A dial() of the target's plan: 0 ringing, else the failure status. The
 * target gets no offer (RFC 3264 §5): its 2xx brings one. */
static int xfer_dial(struct xfer *x, const struct dialplan_step *s)
{
	const char *targets[DIAL_MAX_TARGETS];
	struct tandem_dial spec;
	dial_spec_from_step(s, &spec, targets, DIAL_MAX_TARGETS);
	struct bleg_invite inv = { .from = x->from, .headers = x->hdrs, .max_forwards = x->max_forwards };
	return dial_start(&x->dial, &spec, &inv);
}

/* Run the plan of the Refer-To target until a dial rings or it ends. Module
 * actions (auth, voicemail...) are for the call's own INVITE and are
 * skipped here: the referrer was authorised when its call was set up. */
static void xfer_plan(struct xfer *x)
{
	struct call *c = x->call;
	struct dialplan_step s;
	for (;;) {
		int rc = dialplan_next(x->cur, &s);
		if (rc == DIALPLAN_END) {
			int st = dial_status(&x->dial);
			if (dialplan_outcome(x->cur) == DIALPLAN_OUTCOME_NONE)
				xfer_fail(x, 404, "No Route");
			else if (dialplan_outcome(x->cur) == DIALPLAN_OUTCOME_NOANSWER || st < 400)
				xfer_fail(x, 480, NULL);
			else
				xfer_fail(x, st, x->dial.best.reason);
			return;
		}
		if (rc < 0) {
			tlog_warn("call %s: transfer dialplan: %s", call_cid(c), dialplan_cursor_error(x->cur));
			xfer_fail(x, 500, "Dialplan Error");
			return;
		}
		switch (s.kind) {
		case DIALPLAN_DIAL: {
			int st = xfer_dial(x, &s);
			if (st == 0)
				return;   /* ringing: xfer_dial_settled goes on */
			dialplan_set_outcome(x->cur, dialplan_outcome_from_status(st));
			break;
		}
		case DIALPLAN_REJECT:
			xfer_fail(x, s.u.reject.code, s.u.reject.reason);
			return;
		case DIALPLAN_REDIRECT:
			xfer_fail(x, 480, NULL);   /* a transfer is not redirected */
			return;
		case DIALPLAN_SET_HEADER:
			if (s.u.header.value &&
			    hdrs_add(&x->hdrs, s.u.header.name, sip_str_c(s.u.header.value)) < 0) {
				xfer_fail(x, 500, NULL);
				return;
			}
			break;
		case DIALPLAN_LOG:
			tlog_info("call %s: %s", call_cid(c), s.u.log.text ? s.u.log.text : "");
			break;
		default:
			tlog_debug("call %s: transfer skips %s", call_cid(c), s.name);
			break;
		}
	}
}

void transfer_on_response(struct creq *cr, const struct sip_msg *resp, int status)
{
	struct xfer *x = cr->xfer;
	struct leg *l = cr->leg;
	if (status < 200)
		return;
	switch (cr->xfer_what) {
	case XR_NOTIFY_BYE:
		leg_bye(l);   /* RFC 5589 §6: the transferor leaves once told */
		return;
	case XR_REINVITE:
	case XR_REOFFER:
	case XR_REPLACE:
		break;
	default:
		return;
	}
	l->reinv_out = false;
	bool ok = status < 300 && resp;
	if (x)
		x->cr = NULL;
	if (x && status == 491 && !x->retried) {
		/* RFC 3261 §14.1 glare: again after 2.1-4 s where tandem owns the
		 * Call-ID (a B-leg's), 0-2 s where it does not (A's) */
		x->retried = true;
		x->retry_what = cr->xfer_what;
		x->retry_to = l;
		x->retry_offer = cr->xfer_what != XR_REOFFER && x->offer_len;
		double wait = (l->is_a ? 0. : 2.1) + (double)(random() % (l->is_a ? 200 : 190)) / 100.;
		tlog_info("call %s: transfer re-INVITE met 491: again in %.2f s", call_cid(x->call), wait);
		ev_timer_stop(x->call->core->t->loop, &x->timer);
		ev_timer_set(&x->timer, wait, 0.);
		ev_timer_start(x->call->core->t->loop, &x->timer);
		return;
	}
	/* attended: the party that stays made an offer in its 2xx; its ACK
	 * waits for the transferee's answer (a newcomer's without an offer:
	 * for the answer in its ACK). Any other 2xx held an answer. */
	bool ack_later = x && ok && resp->body.len &&
	                 (cr->xfer_what == XR_REOFFER || (cr->xfer_what == XR_REPLACE && !x->offer_len));
	if (ok && !ack_later)
		leg_ack(l, cr->cseq, SIP_STR_NULL, SIP_STR_NULL);
	if (!x)
		return;
	switch (cr->xfer_what) {
	case XR_REOFFER:
		if (ack_later)
			x->target_ack_cseq = cr->cseq;   /* xfer_fail ACKs it too */
		if (!ack_later || keep_offer(x, resp, l, x->transferee) < 0) {
			xfer_fail(x, ok ? 488 : status, NULL);
			return;
		}
		xfer_reinvite(x, XR_REINVITE, x->transferee, true);
		return;
	case XR_REINVITE: {
		if (!ok) {
			xfer_fail(x, status, NULL);
			return;
		}
		if (!leg_up(x->target)) {
			xfer_fail(x, 487, NULL);
			return;
		}
		/* the transferee's answer goes to the target in its ACK */
		struct call_sdp sdp;
		struct leg *t = x->target;
		call_media_hook(t->call, resp, l, t, TANDEM_SDP_ANSWER, &sdp);
		const struct sip_hdr *ct = sip_msg_hdr(resp, SIP_HDR_CONTENT_TYPE);
		leg_ack(t, x->target_ack_cseq, ct ? ct->value : SIP_STR_LIT("application/sdp"), sdp.body);
		call_sdp_free(&sdp);
		x->target_ack_cseq = 0;
		xfer_bridge(x);
		return;
	}
	case XR_REPLACE: {
		/* RFC 3891 §3: the newcomer takes the replaced party's place */
		struct leg *n = x->newcomer;
		if (!ok) {
			xfer_fail(x, status, NULL);
			return;
		}
		if (ack_later) {
			/* RFC 3264 §4: the newcomer's ACK brings the answer (call_core_ack) */
			l->ack_wait = true;
			l->ack_wait_cseq = cr->cseq;
		}
		if (uas_relay(n, l, resp) < 0) {
			if (l->ack_wait)
				leg_ack(l, cr->cseq, SIP_STR_NULL, SIP_STR_NULL);
			xfer_fail(x, 500, NULL);
			return;
		}
		n->state = LEG_CONFIRMED;
		x->target = hold(n);
		xfer_bridge(x);
		return;
	}
	}
}

bool transfer_on_bye(struct leg *l)
{
	struct xfer *x = l->call ? l->call->xfer : NULL;
	if (!x)
		return false;
	if (l == x->referrer) {
		/* RFC 5589 §6.1: the transferor may hang up at once: the transfer
		 * goes on, and the transferee stays until it ends */
		tlog_info("call %s: the referrer hung up; the transfer goes on", call_cid(l->call));
		x->referrer_gone = true;
		return true;
	}
	if (l == x->transferee) {
		x->referrer_gone = true;   /* it is getting a BYE: no NOTIFY */
		xfer_fail(x, 487, NULL);
	}
	return false;
}

/* ---- Replaces (RFC 3891) ---- */

/* "call-id;to-tag=a;from-tag=b[;early-only]" (§6.1). The tags are taken
 * from the dialog as the UA holding it sees it; tandem finds its leg by
 * Call-ID and tags in either order, since the sender may be on either end. */
static int find_replaced(struct call_core *core, struct sip_str v, struct leg **out, bool *early_only)
{
	v = sip_str_trim(v);
	const char *semi = memchr(v.p, ';', v.len);
	if (!semi)
		return -EINVAL;
	struct sip_str callid = sip_str_trim((struct sip_str){ v.p, (size_t)(semi - v.p) });
	struct sip_str params = { semi, v.len - (size_t)(semi - v.p) }, to, from, dummy;
	if (!callid.len || sip_param_get(params, "to-tag", &to) != 1 ||
	    sip_param_get(params, "from-tag", &from) != 1 || !to.len || !from.len)
		return -EINVAL;
	*early_only = sip_param_get(params, "early-only", &dummy) == 1;
	struct leg *l = call_tab_find(core, callid, to);
	if (!l || !l->d.remote_tag || !sip_str_eq(from, sip_str_c(l->d.remote_tag)))
		l = call_tab_find(core, callid, from);
	if (l && (!l->d.remote_tag || !sip_str_eq(to, sip_str_c(l->d.remote_tag))) &&
	    !sip_str_eq(from, sip_str_c(l->d.remote_tag)))
		l = NULL;
	*out = l && l->call ? l : NULL;
	return 0;
}

static struct xfer *xfer_new(struct call *c, struct leg *transferee)
{
	struct xfer *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->call = c;
	x->transferee = hold(transferee);
	ev_timer_init(&x->timer, on_xfer_timeout, 1., 0.);
	x->timer.data = x;
	dial_init(&x->dial, c, &xfer_dial_ops);
	c->xfer = x;
	return x;
}

/* A Replaces value carried as ?Replaces= in a Refer-To URI (RFC 3891 §4). */
static int uri_replaces(const struct sip_uri *u, char *out, size_t n)
{
	struct sip_str rest = u->headers;
	while (rest.len) {
		const char *amp = memchr(rest.p, '&', rest.len);
		struct sip_str item = { rest.p, amp ? (size_t)(amp - rest.p) : rest.len };
		rest = amp ? (struct sip_str){ amp + 1, rest.len - item.len - 1 } : SIP_STR_NULL;
		if (item.len > 9 && strncasecmp(item.p, "Replaces=", 9) == 0)
			return sip_unescape((struct sip_str){ item.p + 9, item.len - 9 }, out, n) < 0 ? -EINVAL : 1;
	}
	return 0;
}

static void refer_reply(struct sip_tsx *st, int status, const char *reason)
{
	sip_tsx_respond(st, status, reason, NULL);
}

void transfer_refer(struct leg *l, struct sip_tsx *st, const struct sip_msg *req)
{
	struct call *c = l->call;
	struct call_core *core = c->core;
	/* RFC 3515 §2.4.1: exactly one Refer-To */
	unsigned n = 0;
	struct sip_str value = SIP_STR_NULL;
	for (const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_REFER_TO); h; h = sip_msg_hdr_next(req, h)) {
		struct sip_str rest = h->value, item;
		while (sip_list_next(&rest, &item)) {
			value = item;
			n++;
		}
	}
	if (n == 0) {
		refer_reply(st, 400, "Missing Refer-To");
		return;
	}
	if (n > 1) {
		refer_reply(st, 400, "Multiple Refer-To");
		return;
	}
	struct sip_nameaddr na;
	int rc = sip_nameaddr_parse(value, &na);
	if (rc == -EPROTONOSUPPORT || (rc == 0 && na.uri.scheme == SIP_URI_OTHER)) {
		refer_reply(st, 416, NULL);
		return;
	}
	if (rc < 0 || (!na.uri.user.len && na.uri.scheme != SIP_URI_TEL)) {
		refer_reply(st, 400, "Bad Refer-To");
		return;
	}
	char replaces[512];
	int has_replaces = uri_replaces(&na.uri, replaces, sizeof replaces);
	if (has_replaces < 0) {
		refer_reply(st, 400, "Bad Replaces in Refer-To");
		return;
	}
	struct leg *p = leg_partner(l);
	if (!leg_up(l) || !leg_up(p)) {
		refer_reply(st, 403, "No Call To Transfer");
		return;
	}
	if (c->xfer) {
		refer_reply(st, 491, NULL);   /* one transfer at a time */
		return;
	}
	struct xfer *x = xfer_new(c, p);
	if (!x) {
		refer_reply(st, 500, NULL);
		return;
	}
	x->referrer = hold(l);
	x->refer_cseq = req->cseq;
	x->max_forwards = req->max_forwards > 1 ? req->max_forwards - 1 : 70;
	/* RFC 3892: Referred-By goes with the triggered INVITE */
	for (const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_REFERRED_BY); h; h = sip_msg_hdr_next(req, h))
		if (hdrs_add(&x->hdrs, "Referred-By", h->value) < 0) {
			xfer_finish(x);
			refer_reply(st, 500, NULL);
			return;
		}
	refer_reply(st, 202, NULL);   /* §2.4.2 */
	xfer_notify(x, 100, "Trying", XR_NOTIFY);
	tlog_info("call %s: REFER from %s to %.*s", call_cid(c), l->is_a ? "A" : "B",
	          (int)na.uri_str.len, na.uri_str.p);

	if (has_replaces) {
		/* attended transfer: the dialog named is one of tandem's own */
		struct leg *gone;
		bool early_only;
		if (find_replaced(core, sip_str_c(replaces), &gone, &early_only) < 0) {
			xfer_fail(x, 400, "Bad Replaces");
			return;
		}
		struct leg *stays = gone ? leg_partner(gone) : NULL;
		if (!gone || !leg_up(gone) || !leg_up(stays)) {
			xfer_fail(x, 481, NULL);
			return;
		}
		if (gone == l || gone == p || stays == p || stays == l || (stays->call && stays->call->xfer)) {
			xfer_fail(x, 403, "Cannot Replace That Dialog");
			return;
		}
		x->replaced = hold(gone);
		x->target = hold(stays);
		xfer_reinvite(x, XR_REOFFER, stays, false);
		return;
	}
	char user[256];
	struct sip_str u = na.uri.user;
	if (sip_unescape(u, user, sizeof user) < 0) {
		xfer_fail(x, 400, "Bad Refer-To");
		return;
	}
	party_as_seen(sip_str_c(p->d.remote_party), sip_tsx_request(c->a->st), x->from,
	              sizeof x->from);
	char from_user[256] = "", cidbuf[256];
	struct sip_nameaddr pna;
	if (p->d.remote_party && sip_nameaddr_parse(sip_str_c(p->d.remote_party), &pna) == 0 &&
	    pna.uri.user.len)
		sip_unescape(pna.uri.user, from_user, sizeof from_user);
	snprintf(cidbuf, sizeof cidbuf, "%s", call_cid(c));
	struct dialplan_input in = {
		.ruri_user = user, .from_user = from_user, .method = "INVITE", .call_id = cidbuf,
	};
	if (!core->dp || dialplan_match(core->dp, c->context, &in, &x->cur) < 0) {
		xfer_fail(x, 404, "No Route");
		return;
	}
	xfer_plan(x);
}

void replaces_invite(struct call_core *core, struct sip_tsx *st, struct sip_msg *req)
{
	const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_REPLACES);
	/* RFC 3891 §3: more than one Replaces is a 400 */
	if (sip_msg_hdr_next(req, h)) {
		sip_tsx_respond(st, 400, "Multiple Replaces", NULL);
		return;
	}
	struct leg *gone;
	bool early_only;
	if (find_replaced(core, h->value, &gone, &early_only) < 0) {
		sip_tsx_respond(st, 400, "Bad Replaces", NULL);
		return;
	}
	struct leg *stays = gone ? leg_partner(gone) : NULL;
	/* §3: no such confirmed dialog: 481; early-only and confirmed: 486 */
	if (!gone || !leg_up(gone) || !leg_up(stays)) {
		sip_tsx_respond(st, 481, NULL, NULL);
		return;
	}
	if (early_only) {
		sip_tsx_respond(st, 486, NULL, NULL);
		return;
	}
	struct call *c = gone->call;
	if (c->xfer || (stays->call && stays->call->xfer)) {
		sip_tsx_respond(st, 491, NULL, NULL);
		return;
	}
	struct leg *n = leg_new(c, false);
	if (!n) {
		sip_tsx_respond(st, 500, NULL, NULL);
		return;
	}
	n->st = st;
	sip_tsx_ref(st);
	if (dialog_init_uas(&n->d, req, sip_tsx_to_tag(st)) < 0) {
		leg_unref(n);
		sip_tsx_respond(st, 400, "Missing Contact", NULL);
		return;
	}
	n->label = sip_str_dup(req->from_uri);
	n->idx = gone->idx;   /* MEDIA handlers see it in the replaced party's place */
	n->next = c->bs;
	c->bs = n;
	call_tab_add(core, n);
	struct xfer *x = xfer_new(c, stays);
	if (!x) {
		n->state = LEG_TERMINATED;
		sip_tsx_respond(st, 500, NULL, NULL);
		call_check(c);
		return;
	}
	x->replaced = hold(gone);
	x->newcomer = hold(n);
	tlog_info("call %s: INVITE with Replaces from %s", call_cid(c), n->label ? n->label : "?");
	/* the newcomer's offer goes to the party that stays in a re-INVITE;
	 * without one, the re-INVITE asks for its offer (RFC 3264 §5) */
	bool offer = req->body.len > 0;
	if (offer && keep_offer(x, req, n, stays) < 0) {
		xfer_fail(x, 500, NULL);
		call_check(c);
		return;
	}
	xfer_reinvite(x, XR_REPLACE, stays, offer);
	call_check(c);
}

/* ---- a module's bridge (bridge.c) ---- */

int transfer_reoffer(struct call *c, struct leg *b, const struct sip_msg *resp,
                     void (*done)(struct call *c, int status))
{
	if (c->xfer)
		return -EBUSY;
	struct xfer *x = xfer_new(c, c->a);
	if (!x)
		return -ENOMEM;
	x->done = done;
	/* b is the transfer's target: xfer_fail ACKs and BYEs it */
	x->target = hold(b);
	x->target_ack_cseq = b->inv_cseq;
	if (keep_offer(x, resp, b, c->a) < 0) {
		/* RFC 3264 §5: a 2xx to an offerless INVITE must carry the offer */
		xfer_fail(x, 488, NULL);
		return 0;
	}
	xfer_reinvite(x, XR_REINVITE, c->a, true);
	return 0;
}
