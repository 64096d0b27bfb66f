/* tandem — the A-leg of a call a module owns (include/tandem/call.h):
 * provisional responses, a local answer that makes A a confirmed dialog
 * with nobody behind it, a rejection, the answers to A's in-dialog
 * requests, and DTMF (SIP INFO here, RFC 4733 through tandem_call_dtmf).
 * tandem is A's UAS throughout (RFC 3261 §12.1.1, §13.3.1). */

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_internal.h"

static void on_reap(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop; (void)revents;
	call_check(w->data);
}

void call_reap_init(struct call *c)
{
	ev_timer_init(&c->reap, on_reap, 0., 0.);
	c->reap.data = c;
}

void call_reap_soon(struct call *c)
{
	if (!ev_is_active(&c->reap))
		ev_timer_start(c->core->t->loop, &c->reap);
}

void owner_free(struct call *c)
{
	ev_timer_stop(c->core->t->loop, &c->reap);
	free(c->own.sdp);
	c->own.sdp = NULL;
}

void owner_take(struct call *c, const char *name)
{
	if (!c->own.on || !c->own.name[0])
		snprintf(c->own.name, sizeof c->own.name, "%s", name ? name : "");
	if (!c->own.on)
		tlog_info("call %s: owned by %s", call_cid(c), c->own.name[0] ? c->own.name : "a module");
	c->own.on = true;
}

int tandem_call_own(struct tandem_call *call, const char *module_name,
                    const struct tandem_call_owner *owner)
{
	struct call *c = (struct call *)call;
	if (!c || c->ended || !module_name)
		return -EINVAL;
	if (c->answered && !c->own.on)
		return -EBUSY;   /* bridged to a B-leg: the call is the core's */
	snprintf(c->own.name, sizeof c->own.name, "%s", module_name);
	c->own.cb = owner ? *owner : (struct tandem_call_owner){ 0 };
	owner_take(c, module_name);
	return 0;
}

enum a_hdrs { AH_NONE = 0, AH_DIALOG, AH_CONTACT };

/* A response of tandem's own on A's dialog: its To tag, and for a
 * dialog-creating or target-refreshing one our Contact (§12.1.1, §14.2). */
static int a_respond(struct call *c, struct sip_tsx *st, int status, const char *reason,
                     const char *headers, const struct tandem_body *body, enum a_hdrs what)
{
	const struct sip_msg *req = sip_tsx_request(st);
	if (!req)
		return -EINVAL;
	struct sip_wbuf h, w;
	sip_wbuf_init(&h, 256);
	if (what == AH_DIALOG)
		a_dialog_headers(c->a, &h);
	else if (what == AH_CONTACT)
		dialog_put_contact(c->core->t->stack, c->a->d.has_flow ? &c->a->d.flow : &c->a->dst, &h);
	if (headers)
		sip_wbuf_puts(&h, headers);
	sip_wbuf_put(&h, "", 1);
	struct sip_resp_extra extra = { .headers = h.err ? NULL : h.p };
	if (body && body->len) {
		extra.content_type = body->ctype ? body->ctype : "application/sdp";
		extra.body = (struct sip_str){ body->p, body->len };
	}
	sip_wbuf_init(&w, 512 + extra.body.len);
	int rc = h.err ? h.err : sip_build_response(&w, req, status, reason, c->a->d.local_tag, &extra);
	sip_wbuf_free(&h);
	char *buf;
	long len = rc < 0 ? rc : sip_wbuf_take(&w, &buf);
	if (len < 0) {
		sip_wbuf_free(&w);
		return (int)len;
	}
	return sip_tsx_respond_buf(st, status, buf, (size_t)len);
}

static void keep_sdp(struct call *c, const struct tandem_body *body)
{
	if (!body || !body->len || (body->ctype && strncasecmp(body->ctype, "application/sdp", 15)))
		return;
	char *p = malloc(body->len);
	if (!p)
		return;   /* the default re-INVITE answer is then 488: still an answer */
	memcpy(p, body->p, body->len);
	free(c->own.sdp);
	c->own.sdp = p;
	c->own.sdp_len = body->len;
}

int tandem_call_progress(struct tandem_call *call, int status, const char *reason,
                         const char *headers, const struct tandem_body *body)
{
	struct call *c = (struct call *)call;
	if (!c || status < 101 || status > 199)
		return -EINVAL;
	if (c->a_final || !c->a->st || c->a->state == LEG_TERMINATED)
		return -EALREADY;
	/* a provisional with a To tag creates the early dialog: Contact and
	 * Record-Route as for any dialog-creating response (§12.1.1) */
	int rc = a_respond(c, c->a->st, status, reason, headers, body, AH_DIALOG);
	if (rc < 0)
		return rc;
	facts_ringing(c);
	tlog_info("call %s: %d %s to A%s", call_cid(c), status, reason ? reason : sip_reason_phrase(status),
	          body && body->len ? " (early media)" : "");
	return 0;
}


int tandem_call_answer(struct tandem_call *call, const char *headers, const struct tandem_body *body)
{
	struct call *c = (struct call *)call;
	if (!c)
		return -EINVAL;
	if (c->a_final || !c->a->st || c->a->state == LEG_TERMINATED)
		return -EALREADY;
	/* RFC 3264 §5: an offer in the INVITE needs the answer in the 2xx; the
	 * 2xx to an offerless INVITE must carry the offer (RFC 3261 §13.2.1) */
	if (!body || !body->len)
		return -EINVAL;
	int rc = a_respond(c, c->a->st, 200, NULL, headers, body, AH_DIALOG);
	if (rc < 0)
		return rc;
	dial_stop(&c->dial);
	c->a_final = true;
	c->a->state = LEG_CONFIRMED;   /* §13.3.1.4: the IST resends the 2xx until A's ACK */
	c->own.local = true;
	if (!c->own.on)
		owner_take(c, NULL);
	keep_sdp(c, body);
	facts_final(c, 200, NULL);
	tlog_info("call %s: answered by %s", call_cid(c), c->own.name[0] ? c->own.name : "a module");
	return 0;
}

int tandem_call_reject(struct tandem_call *call, int code, const char *reason, const char *headers)
{
	struct call *c = (struct call *)call;
	if (!c || code < 300 || code > 699)
		return -EINVAL;
	if (c->a_final || !c->a->st)
		return -EALREADY;
	dial_stop(&c->dial);
	char cause[64];
	snprintf(cause, sizeof cause, "%d %s", code, reason ? reason : sip_reason_phrase(code));
	facts_hangup(c, TANDEM_HANGUP_TANDEM, cause);
	a_reply(c, code, reason, headers);
	call_reap_soon(c);
	return 0;
}

int tandem_call_respond(struct tandem_call *call, struct sip_tsx *st, int status,
                        const char *reason, const char *headers, const struct tandem_body *body)
{
	struct call *c = (struct call *)call;
	const struct sip_msg *req = st ? sip_tsx_request(st) : NULL;
	if (!c || !req || status < 100 || status > 699 || c->a->state == LEG_TERMINATED)
		return -EINVAL;
	bool refresh = (req->method == SIP_INVITE || req->method == SIP_UPDATE) &&
	               status >= 200 && status < 300;
	int rc = a_respond(c, st, status, reason, headers, body, refresh ? AH_CONTACT : AH_NONE);
	if (rc == 0 && refresh)
		keep_sdp(c, body);
	return rc;
}

/* ---- DTMF ---- */

/* '0'-'9', '*', '#', 'A'-'D' (RFC 4733 §3.2 events 0-15); 0 otherwise. */
static char dtmf_digit(char d)
{
	d = (char)toupper((unsigned char)d);
	return (d >= '0' && d <= '9') || d == '*' || d == '#' || (d >= 'A' && d <= 'D') ? d : 0;
}

int tandem_call_dtmf(struct tandem_call *call, char digit, unsigned duration_ms)
{
	struct call *c = (struct call *)call;
	char d = dtmf_digit(digit);
	if (!c || !d || c->ended)
		return -EINVAL;
	if (!c->own.on || !c->own.cb.dtmf)
		return -ENOENT;
	tlog_info("call %s: DTMF %c (%u ms)", call_cid(c), d, duration_ms);
	c->own.cb.dtmf(call, d, duration_ms, c->own.cb.arg);
	return 0;
}

static bool ctype_is(const struct sip_msg *m, const char *type)
{
	const struct sip_hdr *ct = sip_msg_hdr(m, SIP_HDR_CONTENT_TYPE);
	if (!ct)
		return false;
	struct sip_str v = sip_str_trim(ct->value);
	size_t n = strlen(type);
	return v.len >= n && strncasecmp(v.p, type, n) == 0 &&
	       (v.len == n || v.p[n] == ';' || v.p[n] == ' ' || v.p[n] == '\t');
}

/* The digit of an INFO body. application/dtmf-relay (the de facto format
 * of Cisco and most phones): "Signal=5\r\nDuration=160\r\n", keys in any
 * case, 10 and 11 also standing for * and #; application/dtmf: the digit
 * alone. 0, or -EINVAL (why in *why). */
static int info_digit(const struct sip_msg *req, bool relay, char *digit, unsigned *ms,
                      const char **why)
{
	char body[256];
	size_t n = req->body.len < sizeof body - 1 ? req->body.len : sizeof body - 1;
	memcpy(body, req->body.p, n);
	body[n] = '\0';
	*ms = 100;   /* a plausible press when the body does not say */
	*digit = 0;
	if (!relay) {
		char *p = body;
		while (isspace((unsigned char)*p))
			p++;
		char *e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = '\0';
		*digit = e - p == 1 ? dtmf_digit(*p) : 0;
		*why = "Bad DTMF Digit";
		return *digit ? 0 : -EINVAL;
	}
	bool have = false;
	for (char *line = strtok(body, "\r\n"); line; line = strtok(NULL, "\r\n")) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		char *k = line, *v = eq + 1;
		while (isspace((unsigned char)*k))
			k++;
		for (char *e = k + strlen(k); e > k && isspace((unsigned char)e[-1]); )
			*--e = '\0';
		while (isspace((unsigned char)*v))
			v++;
		for (char *e = v + strlen(v); e > v && isspace((unsigned char)e[-1]); )
			*--e = '\0';
		if (strcasecmp(k, "Signal") == 0) {
			have = true;
			*digit = !strcmp(v, "10") ? '*' : !strcmp(v, "11") ? '#' :
			         strlen(v) == 1 ? dtmf_digit(v[0]) : 0;
		} else if (strcasecmp(k, "Duration") == 0) {
			char *end;
			unsigned long d = strtoul(v, &end, 10);
			if (*v && !*end && d <= 60000)
				*ms = (unsigned)d;
		}
	}
	*why = have ? "Bad DTMF Signal" : "No DTMF Signal";
	return *digit ? 0 : -EINVAL;
}

bool owner_request(struct call *c, struct leg *a, struct sip_tsx *st, const struct sip_msg *req)
{
	if (!c->own.on || !a->is_a || leg_partner(a))
		return false;
	struct tandem_call *call = (struct tandem_call *)c;
	if (req->method == SIP_INVITE && (a->reinv_out || a->reinv_in)) {
		sip_tsx_respond(st, 491, NULL, NULL);   /* §14.2: ours is pending */
		return true;
	}
	bool relay = ctype_is(req, "application/dtmf-relay");
	if (req->method == SIP_INFO && (relay || ctype_is(req, "application/dtmf"))) {
		char d;
		unsigned ms;
		const char *why = NULL;
		if (info_digit(req, relay, &d, &ms, &why) < 0) {
			tlog_info("call %s: INFO with a bad DTMF body: %s", call_cid(c), why);
			sip_tsx_respond(st, 400, why, NULL);
			return true;
		}
		sip_tsx_respond(st, 200, NULL, NULL);
		tandem_call_dtmf(call, d, ms);
		return true;
	}
	if (c->own.cb.request) {
		c->own.cb.request(call, st, req, c->own.cb.arg);
		return true;
	}
	/* nobody asked: answer as a UA that keeps its media as it is */
	switch (req->method) {
	case SIP_INVITE:
	case SIP_UPDATE:
		if (c->own.sdp) {
			struct tandem_body b = { .p = c->own.sdp, .len = c->own.sdp_len };
			if (tandem_call_respond(call, st, 200, NULL, NULL, &b) < 0)
				sip_tsx_respond(st, 500, NULL, NULL);
		} else {
			sip_tsx_respond(st, 488, NULL, NULL);
		}
		break;
	case SIP_INFO:
	case SIP_OPTIONS:
		sip_tsx_respond(st, 200, NULL, NULL);
		break;
	default:
		sip_tsx_respond(st, 405, NULL, &(struct sip_resp_extra){
			.headers = "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE\r\n" });
		break;
	}
	return true;
}
