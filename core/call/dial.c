/* tandem — the dial engine: the targets of a dial() rung in parallel or
 * one after another, each resolved to B-legs, with the dial timeout and the
 * "most telling failure" kept for the caller (RFC 3261 §16.7). */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/sip_uri.h>

#include "call_internal.h"
#include "../../modules/registrar/registrar.h"
#include "net/transport_internal.h"

static void a_invite(struct call *c, struct bleg_invite *inv, char *from, size_t n);

void dial_abandon_all(struct call *c, struct leg *except)
{
	for (struct leg *b = c->bs; b; b = b->next)
		if (b != except && !b->lost)
			bleg_abandon(b);
}

void dial_timer_stop(struct call *c)
{
	ev_timer_stop(c->core->t->loop, &c->dial_timer);
}

/* A 3xx from a callee (RFC 3261 §8.1.3.4): tandem follows it like a PBX's
 * call forward, ringing the first sip:/sips: Contact within the same dial
 * (timeout, ring group and topology hiding unchanged; the caller never sees
 * the redirect). At most CALL_MAX_REDIRECTS per call so two phones
 * forwarding to each other cannot loop. 0: the new target rings. */
int bleg_redirect(struct call *c, struct leg *b, const struct sip_msg *resp)
{
	if (c->redirects >= CALL_MAX_REDIRECTS || c->a_final || c->answered) {
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
			char uri[512];
			struct target tg = { .kind = DIALPLAN_TARGET_URI, .value = uri };
			sip_str_copy(uri, sizeof uri, na.uri_str);
			struct bleg_invite inv;
			char from[600];
			a_invite(c, &inv, from, sizeof from);
			c->redirects++;
			tlog_info("call %s: %d from %s: following to %s", call_cid(c), resp->status,
			          b->label, uri);
			if (target_start(c, &tg, &inv) == 0)
				return 0;
		}
	}
	return -ENOENT;
}

/* A B-leg of target uri, sent to dst. 0 or a failure status. */
static int bleg_start(struct call *c, const char *ruri, const char *to, const struct sip_dest *dst,
                      const char *label, const struct bleg_invite *inv)
{
	struct call_core *core = c->core;
	const struct sip_msg *req = sip_tsx_request(c->a->st);
	struct leg *b = leg_new(c, false);
	if (!b)
		return 500;
	b->dst = *dst;
	b->label = strdup(label);
	b->xfer = inv->xfer;
	if (!b->label || dialog_init_uac(&b->d, inv->from, to, ruri) < 0) {
		leg_unref(b);
		return 500;
	}
	b->idx = ++c->nlegs;
	b->next = c->bs;
	c->bs = b;
	call_tab_add(core, b);
	struct tandem_event ev;
	if (call_run_hook(c, TANDEM_HOOK_BLEG_CREATE, req, b, &ev) == TANDEM_REJECT) {
		/* the table in tandem.h: this target fails with the module's code */
		int code = ev.reject_code >= 300 && ev.reject_code < 700 ? ev.reject_code : 500;
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
	sip_wbuf_put(&h, "", 1);
	struct dialog_req r = {
		.method = "INVITE",
		.max_forwards = inv->max_forwards == 0 ? -1 : inv->max_forwards,
		.headers = h.err ? NULL : h.p,
		.ctype = inv->ctype,
		.body = sdp.body,
		.contact = true,
	};
	char *buf;
	size_t len;
	int rc = dialog_build_request(core->t->stack, &b->d, &r, dst, &buf, &len);
	if (rc == 0 && bleg_keep_invite(b, ruri, &r) < 0) {
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
	b->inv = leg_send(b, CR_INVITE, dst, buf, len);
	if (!b->inv) {
		b->state = LEG_TERMINATED;
		return 503;
	}
	tlog_info("call %s: B-leg %s (Call-ID %s)", call_cid(c), label, b->d.call_id);
	return 0;
}

int call_lookup_user(struct call_core *core, const char *user, struct location_contact *out,
                     int max, int *n)
{
	const struct registrar_api *api = tandem_module_api(core->t, "registrar");
	*n = 0;
	if (!api || !api->lookup)
		return 404;
	int found = api->lookup(core->t, user, out, max);
	if (found <= 0)
		return 480;
	*n = !out || found < max ? found : max;
	return 0;
}

/* Start the B-legs of one target. 0 when at least one went out. */
int target_start(struct call *c, const struct target *tg, const struct bleg_invite *inv)
{
	char to[600];
	switch (tg->kind) {
	case DIALPLAN_TARGET_URI: {
		struct sip_dest dst;
		if (uri_dest(sip_str_c(tg->value), &dst) < 0)
			return 404;
		snprintf(to, sizeof to, "<%s>", tg->value);
		return bleg_start(c, tg->value, to, &dst, tg->value, inv);
	}
	case DIALPLAN_TARGET_USER: {
		/* how many, then all of them: every registered device rings */
		int n, rc = call_lookup_user(c->core, tg->value, NULL, 0, &n);
		if (rc)
			return rc;
		struct location_contact *lc = calloc((size_t)n, sizeof *lc);
		if (!lc || call_lookup_user(c->core, tg->value, lc, n, &n) != 0) {
			free(lc);
			return 500;
		}
		char host[256];
		request_host(sip_tsx_request(c->a->st), host, sizeof host);
		snprintf(to, sizeof to, "<sip:%s@%s>", tg->value, host);
		int started = 0, last = 480;
		/* every registered device rings (RFC 3261 §16.6 forking, done here) */
		for (int i = 0; i < n; i++) {
			struct sip_dest dst = { .proto = lc[i].proto, .addr_len = lc[i].src_len,
			                        .conn_id = lc[i].conn_id };
			memcpy(&dst.addr, &lc[i].src, sizeof dst.addr);
			last = bleg_start(c, lc[i].uri, to, &dst, tg->value, inv);
			if (last == 0)
				started++;
		}
		free(lc);
		return started ? 0 : last;
	}
	case DIALPLAN_TARGET_TRUNK:
		/* TODO: the trunk module; until then trunks are unavailable */
		return 503;
	}
	return 500;
}

void targets_clear(struct call *c)
{
	for (size_t i = 0; i < c->ntargets; i++) {
		free(c->targets[i].value);
		free(c->targets[i].trunk);
	}
	free(c->targets);
	c->targets = NULL;
	c->ntargets = c->next_target = 0;
}

static bool any_ringing(const struct call *c)
{
	for (struct leg *b = c->bs; b; b = b->next)
		if (!b->lost && b->inv)
			return true;
	return false;
}

static void failed_target(struct call *c, int status)
{
	if (c->last_status == 0 || c->last_status == 408 || c->last_status >= 500) {
		c->last_status = status;
		c->last_reason[0] = '\0';
	}
}

/* The INVITE of A as B-legs carry it: caller identity, end-to-end
 * headers, set_header() lines, the offer, Max-Forwards less one. */
static void a_invite(struct call *c, struct bleg_invite *inv, char *from, size_t n)
{
	const struct sip_msg *req = sip_tsx_request(c->a->st);
	const struct sip_hdr *fh = sip_msg_hdr(req, SIP_HDR_FROM);
	party_as_seen(fh ? fh->value : SIP_STR_NULL, req, from, n);
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE);
	/* §16.6 step 3 in spirit: a loop through tandem still ends in 483 */
	*inv = (struct bleg_invite){
		.from = from, .req = req, .headers = c->hdrs,
		.ctype = ct ? ct->value : SIP_STR_LIT("application/sdp"), .body = req->body,
		.max_forwards = req->max_forwards < 0 ? 70 : req->max_forwards - 1,
	};
	if (c->own.local) {
		/* A was answered by a module (bridge.c): the callee is offered
		 * nothing, its offer goes to A in a re-INVITE (RFC 3725 §4.1) */
		inv->req = NULL;
		inv->body = SIP_STR_NULL;
	}
}

/* Start what the dial mode says comes next; true when something rings. */
static bool dial_next(struct call *c)
{
	struct ev_loop *loop = c->core->t->loop;
	struct bleg_invite inv;
	char from[600];
	a_invite(c, &inv, from, sizeof from);
	while (c->next_target < c->ntargets) {
		bool all = c->mode == DIALPLAN_DIAL_PARALLEL;
		bool any = false;
		do {
			int rc = target_start(c, &c->targets[c->next_target++], &inv);
			if (rc)
				failed_target(c, rc);
			else
				any = true;
		} while (all && c->next_target < c->ntargets);
		if (any) {
			c->timed_out = false;
			ev_timer_set(&c->dial_timer, c->timeout, 0.);
			ev_timer_start(loop, &c->dial_timer);
			return true;
		}
	}
	return false;
}

/* Every B-leg of this dial has ended (or the timeout gave up on them). */
void dial_settle(struct call *c)
{
	if (!c->dialing || c->answered || any_ringing(c))
		return;
	dial_timer_stop(c);
	if (!call_a_waits(c)) {  /* A cancelled */
		c->dialing = false;
		if (c->bridging)
			bridge_dial_end(c, 487, false);
		return;
	}
	if (dial_next(c))
		return;
	c->dialing = false;
	if (c->bridging) {   /* a module's tandem_call_bridge: the module goes on */
		bridge_dial_end(c, c->last_status ? c->last_status : 480, c->timed_out);
		return;
	}
	enum dialplan_outcome o = c->timed_out ? DIALPLAN_OUTCOME_NOANSWER :
	                          dialplan_outcome_from_status(c->last_status ? c->last_status : 480);
	if (c->cur)
		dialplan_set_outcome(c->cur, o);
	plan_run(c);
}

void on_dial_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct call *c = w->data;
	(void)loop; (void)revents;
	tlog_info("call %s: no answer within %u s", call_cid(c), c->timeout);
	c->timed_out = true;
	dial_abandon_all(c, NULL);
	dial_settle(c);
	call_check(c);
}

int dial_begin(struct call *c, const struct dialplan_step *s)
{
	targets_clear(c);
	size_t n = s->u.dial.ntargets < CALL_MAX_TARGETS ? s->u.dial.ntargets : CALL_MAX_TARGETS;
	c->targets = calloc(n ? n : 1, sizeof *c->targets);
	if (!c->targets)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct dialplan_target *t = &s->u.dial.targets[i];
		c->targets[i].kind = t->kind;
		c->targets[i].value = strdup(t->value ? t->value : "");
		c->targets[i].trunk = t->trunk ? strdup(t->trunk) : NULL;
		c->ntargets++;
		if (!c->targets[i].value)
			return -ENOMEM;
	}
	c->mode = s->u.dial.mode;
	c->timeout = s->u.dial.timeout ? s->u.dial.timeout : c->core->set.dial_timeout;
	c->last_status = 0;
	c->timed_out = false;
	c->dialing = true;
	if (dial_next(c))
		return 0;
	c->dialing = false;
	return -ENOENT;
}
