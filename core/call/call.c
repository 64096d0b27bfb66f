/* tandem — the B2BUA call core (DESIGN.md "The call"). A call owns an A-leg
 * (tandem is UAS, RFC 3261 §12.1.1) and B-legs (tandem is UAC, §12.1.2),
 * each a dialog of its own with its own Call-ID, tags and CSeq: nothing of
 * one side's Via, Contact, Record-Route or Call-ID reaches the other
 * (topology hiding). The dialplan decides where a call goes. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/sip_uri.h>

#include "../../modules/registrar/registrar.h"
#include "call_internal.h"
#include "net/transport_internal.h"

static void plan_run(struct call *c);
static void plan_start(struct call *c, const struct dialplan_input *in);

/* ---- small helpers ---- */

static struct call_core *core_of(const struct tandem *t)
{
	return t ? t->calls : NULL;
}

const char *call_cid(const struct call *c)
{
	return c->a && c->a->d.call_id ? c->a->d.call_id : "?";
}

static uint32_t hash_key(struct sip_str call_id, struct sip_str tag)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < call_id.len; i++)
		h = (h ^ (unsigned char)call_id.p[i]) * 16777619u;
	for (size_t i = 0; i < tag.len; i++)
		h = (h ^ (unsigned char)tag.p[i]) * 16777619u;
	return h % LEG_BUCKETS;
}

void call_tab_add(struct call_core *core, struct leg *l)
{
	uint32_t h = hash_key(sip_str_c(l->d.call_id), sip_str_c(l->d.local_tag));
	l->hnext = core->tab[h];
	core->tab[h] = l;
	l->in_table = true;
}

static void tab_del(struct call_core *core, struct leg *l)
{
	if (!l->in_table)
		return;
	uint32_t h = hash_key(sip_str_c(l->d.call_id), sip_str_c(l->d.local_tag));
	for (struct leg **p = &core->tab[h]; *p; p = &(*p)->hnext)
		if (*p == l) {
			*p = l->hnext;
			break;
		}
	l->in_table = false;
}

/* Dialogs are identified by Call-ID and our local tag (§12: the To tag of
 * requests we receive, the From tag of responses to ours). */
struct leg *call_tab_find(struct call_core *core, struct sip_str call_id, struct sip_str tag)
{
	if (!core || !call_id.len || !tag.len)
		return NULL;
	for (struct leg *l = core->tab[hash_key(call_id, tag)]; l; l = l->hnext)
		if (sip_str_eq(call_id, sip_str_c(l->d.call_id)) &&
		    sip_str_eq(tag, sip_str_c(l->d.local_tag)))
			return l;
	return NULL;
}

struct leg *leg_new(struct call *c, bool is_a)
{
	struct leg *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->refs = 1;   /* the call's */
	l->call = c;
	l->is_a = is_a;
	return l;
}

void leg_ref(struct leg *l) { l->refs++; }

void leg_unref(struct leg *l)
{
	if (!l || --l->refs > 0)
		return;
	dialog_clear(&l->d);
	if (l->peer)
		leg_unref(l->peer);
	if (l->st)
		sip_tsx_unref(l->st);
	free(l->ack);
	free(l->label);
	free(l);
}

struct leg *leg_partner(const struct leg *l)
{
	struct call *c = l->call;
	if (!c || l->detached)
		return NULL;
	if (l->peer)
		return l->peer->call ? l->peer : NULL;
	if (l->is_a)
		return c->winner;
	return l == c->winner ? c->a : NULL;
}

void copy_headers(struct sip_wbuf *w, const struct sip_msg *m, const enum sip_hdr_id *ids,
                  const char *const *names)
{
	for (unsigned i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		bool take = false;
		if (h->id != SIP_HDR_OTHER) {
			for (const enum sip_hdr_id *id = ids; id && *id && !take; id++)
				take = *id == h->id;
		} else {
			for (const char *const *n = names; n && *n && !take; n++)
				take = sip_str_caseeq_c(h->name, *n);
		}
		if (!take)
			continue;
		sip_wbuf_str(w, h->id != SIP_HDR_OTHER ? sip_str_c(sip_hdr_name(h->id)) : h->name);
		sip_wbuf_puts(w, ": ");
		sip_wbuf_str(w, h->value);
		sip_wbuf_puts(w, "\r\n");
	}
}

/* End-to-end headers that cross the B2BUA; everything hop-by-hop or naming
 * the other side's topology stays behind. */
const enum sip_hdr_id call_req_hdrs[] = {
	SIP_HDR_CONTENT_DISPOSITION, SIP_HDR_CONTENT_ENCODING, SIP_HDR_CONTENT_LANGUAGE,
	SIP_HDR_ACCEPT, SIP_HDR_ALLOW, SIP_HDR_EVENT, SIP_HDR_SUBSCRIPTION_STATE,
	SIP_HDR_SUBJECT, SIP_HDR_PRIORITY, SIP_HDR_REASON, SIP_HDR_REFER_TO,
	SIP_HDR_REFERRED_BY, SIP_HDR_ALERT_INFO, SIP_HDR_EXPIRES, 0
};
static const enum sip_hdr_id resp_hdrs[] = {
	SIP_HDR_CONTENT_DISPOSITION, SIP_HDR_CONTENT_ENCODING, SIP_HDR_CONTENT_LANGUAGE,
	SIP_HDR_ACCEPT, SIP_HDR_ALLOW, SIP_HDR_REASON, SIP_HDR_RETRY_AFTER,
	SIP_HDR_UNSUPPORTED, SIP_HDR_WARNING, 0
};
static const char *const other_hdrs[] = { "Info-Package", "Recv-Info", NULL };

void call_run_hook(struct call *c, enum tandem_hook_point p, const struct sip_msg *m)
{
	struct tandem *t = c->core->t;
	if (!t->nhooks[p])
		return;
	struct tandem_event ev = { .t = t, .point = p, .msg = (struct sip_msg *)m,
	                           .call = (struct tandem_call *)c };
	loader_run_hooks(t, &ev);
}

/* SDP passes the MEDIA hook on its way from one leg to the other; *sdp is
 * the body to send (call_sdp_free once the message is built). */
void call_media_hook(struct call *c, const struct sip_msg *m, const struct leg *from,
                       const struct leg *to, enum tandem_sdp_role role, struct call_sdp *sdp)
{
	call_media_run(c->core->t, (struct tandem_call *)c, m, from->idx, to->idx, role, sdp);
}

/* RFC 3264 §4: an SDP in the response to an INVITE is the answer if the
 * INVITE had the offer, else it is the offer. */
static enum tandem_sdp_role resp_role(const struct sip_msg *req)
{
	return call_media_is_sdp(req) ? TANDEM_SDP_ANSWER : TANDEM_SDP_OFFER;
}

/* ---- client requests ---- */

struct creq *creq_new(struct call_core *core, enum creq_kind kind)
{
	struct creq *cr = calloc(1, sizeof *cr);
	if (!cr)
		return NULL;
	cr->core = core;
	cr->kind = kind;
	cr->next = core->creqs;
	if (cr->next)
		cr->next->prev = cr;
	core->creqs = cr;
	return cr;
}

void creq_start(struct creq *cr, struct sip_tsx *ct)
{
	cr->ct = ct;
	sip_tsx_ref(ct);
}

void creq_free(struct creq *cr)
{
	if (!cr)
		return;
	if (cr->prev)
		cr->prev->next = cr->next;
	else
		cr->core->creqs = cr->next;
	if (cr->next)
		cr->next->prev = cr->prev;
	if (cr->ct) {
		sip_tsx_detach(cr->ct);
		sip_tsx_unref(cr->ct);
	}
	if (cr->st)
		sip_tsx_unref(cr->st);
	message_fork_unref(cr->fork);
	if (cr->leg) {
		cr->leg->pending--;
		if (cr->leg->inv == cr)
			cr->leg->inv = NULL;
		leg_unref(cr->leg);
	}
	if (cr->from)
		leg_unref(cr->from);
	free(cr);
}

/* Send a request built for leg l in its own client transaction. */
struct creq *leg_send(struct leg *l, enum creq_kind kind, const struct sip_dest *dst,
                             char *buf, size_t len)
{
	struct call_core *core = l->call->core;
	struct creq *cr = creq_new(core, kind);
	if (!cr) {
		free(buf);
		return NULL;
	}
	cr->leg = l;
	leg_ref(l);
	l->pending++;
	struct sip_tsx *ct = sip_tsx_client_new(core->t->stack, dst, buf, len, creq_on_response, cr);
	if (!ct) {
		creq_free(cr);
		return NULL;
	}
	creq_start(cr, ct);
	return cr;
}

struct creq *leg_request(struct leg *l, enum creq_kind kind, const struct dialog_req *r)
{
	struct sip_dest dst;
	char *buf;
	size_t len;
	if (dialog_dest(&l->d, &dst) < 0 ||
	    dialog_build_request(l->call->core->t->stack, &l->d, r, &dst, &buf, &len) < 0)
		return NULL;
	return leg_send(l, kind, &dst, buf, len);
}

/* ---- the A side ---- */

/* Record-Route of A's request goes back in dialog-creating responses
 * (§12.1.1); our own Contact makes tandem A's remote target. */
static void a_dialog_headers(struct leg *a, struct sip_wbuf *w)
{
	const struct sip_msg *req = sip_tsx_request(a->st);
	for (const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_RECORD_ROUTE); h;
	     h = sip_msg_hdr_next(req, h))
		sip_wbuf_hdr(w, "Record-Route", h->value);
	dialog_put_contact(a->call->core->t->stack, &a->d.flow, w);
}

/* A final answer of tandem's own to A's INVITE. */
static void a_reply(struct call *c, int status, const char *reason, const char *headers)
{
	if (c->a_final || !c->a->st)
		return;
	c->a_final = true;
	struct sip_resp_extra extra = { .headers = headers };
	if (sip_tsx_respond(c->a->st, status, reason, headers ? &extra : NULL) < 0)
		tlog_debug("call %s: could not answer %d", call_cid(c), status);
	if (status >= 300)
		c->a->state = LEG_TERMINATED;
	tlog_info("call %s: answered %d %s", call_cid(c), status,
	          reason ? reason : sip_reason_phrase(status));
}

/* Relay leg b's response to the INVITE of UAS leg a with a's identifiers. */
int uas_relay(struct leg *a, struct leg *b, const struct sip_msg *resp)
{
	const struct sip_msg *req = sip_tsx_request(a->st);
	struct call_sdp sdp;
	call_media_hook(a->call, resp, b, a, resp_role(req), &sdp);
	struct sip_wbuf h, w;
	int status = resp->status;
	sip_wbuf_init(&h, 256);
	copy_headers(&h, resp, resp_hdrs, NULL);
	if (status < 300)
		a_dialog_headers(a, &h);
	sip_wbuf_put(&h, "", 1);
	char ctype[128] = "";
	const struct sip_hdr *ct = sip_msg_hdr(resp, SIP_HDR_CONTENT_TYPE);
	if (ct && resp->body.len)
		sip_str_copy(ctype, sizeof ctype, ct->value);
	struct sip_resp_extra extra = {
		.headers = h.err ? NULL : h.p,
		.content_type = resp->body.len ? (ctype[0] ? ctype : "application/sdp") : NULL,
		.body = sdp.body,
	};
	char reason[128];
	sip_str_copy(reason, sizeof reason, resp->reason);
	sip_wbuf_init(&w, 512 + sdp.body.len);
	int rc = sip_build_response(&w, req, status, reason[0] ? reason : NULL, a->d.local_tag, &extra);
	sip_wbuf_free(&h);
	call_sdp_free(&sdp);
	char *buf;
	long len = rc < 0 ? rc : sip_wbuf_take(&w, &buf);
	if (len < 0) {
		sip_wbuf_free(&w);
		return (int)len;
	}
	return sip_tsx_respond_buf(a->st, status, buf, (size_t)len);
}

static int a_relay(struct call *c, struct leg *b, const struct sip_msg *resp)
{
	int rc = uas_relay(c->a, b, resp);
	if (resp->status >= 200)
		c->a_final = true;
	return rc;
}

/* ---- the B side ---- */

void bleg_abandon(struct leg *b)
{
	b->lost = true;
	if (b->inv)
		sip_tsx_cancel(b->inv->ct);   /* §9.1; deferred until a provisional */
	else if (b->state == LEG_CONFIRMED)
		leg_bye(b);
}

static void abandon_all(struct call *c, struct leg *except)
{
	for (struct leg *b = c->bs; b; b = b->next)
		if (b != except && !b->lost)
			bleg_abandon(b);
}

static void timer_stop(struct call *c)
{
	ev_timer_stop(c->core->t->loop, &c->dial_timer);
}

/* §13.2.2.4: the UAC core ACKs a 2xx itself, end to end, no transaction.
 * body: the answer when the 2xx had the offer (RFC 3264 §4). */
void leg_ack(struct leg *b, uint32_t cseq, struct sip_str ctype, struct sip_str body)
{
	struct sip_dest dst;
	char *buf;
	size_t len;
	b->ack_wait = false;
	struct dialog_req r = { .method = "ACK", .cseq = cseq, .ctype = ctype, .body = body };
	if (dialog_dest(&b->d, &dst) < 0 ||
	    dialog_build_request(b->call->core->t->stack, &b->d, &r, &dst, &buf, &len) < 0) {
		tlog_warn("call %s: cannot ACK the 2xx of B-leg %s", call_cid(b->call), b->label);
		return;
	}
	sip_stack_send_stateless(b->call->core->t->stack, &dst, buf, len);
	if (cseq == b->inv_cseq) {
		free(b->ack);
		b->ack = buf;
		b->ack_len = len;
		b->ack_dst = dst;
	} else {
		free(buf);
	}
}

/* RFC 3262 §4: PRACK a reliable provisional on the B side ourselves; A
 * gets it unreliably (Require/RSeq are not relayed). */
void bleg_prack(struct leg *b, const struct sip_msg *resp)
{
	const struct sip_hdr *rs = sip_msg_hdr(resp, SIP_HDR_RSEQ);
	bool reliable = false;
	for (const struct sip_hdr *h = sip_msg_hdr(resp, SIP_HDR_REQUIRE); h; h = sip_msg_hdr_next(resp, h))
		reliable = reliable || sip_list_has_token(h->value, "100rel");
	unsigned long rseq;
	if (!reliable || !rs || sip_str_to_uint(sip_str_trim(rs->value), 4294967295ul, &rseq) < 0)
		return;
	if (b->rseq && rseq <= b->rseq)
		return;   /* a retransmission: its PRACK is on its way */
	b->rseq = (uint32_t)rseq;
	char hdr[80];
	snprintf(hdr, sizeof hdr, "RAck: %lu %u INVITE\r\n", rseq, (unsigned)b->inv_cseq);
	struct sip_dest dst;
	char *buf;
	size_t len;
	struct dialog_req r = { .method = "PRACK", .headers = hdr };
	if (dialog_dest(&b->d, &dst) < 0 ||
	    dialog_build_request(b->call->core->t->stack, &b->d, &r, &dst, &buf, &len) < 0)
		return;
	leg_send(b, CR_PRACK, &dst, buf, len);
}

static void dial_settle(struct call *c);
static void a_invite(struct call *c, struct bleg_invite *inv, char *from, size_t n);

/* A 3xx from a callee (RFC 3261 §8.1.3.4): tandem follows it like a PBX's
 * call forward, ringing the first sip:/sips: Contact within the same dial
 * (timeout, ring group and topology hiding unchanged; the caller never sees
 * the redirect). At most CALL_MAX_REDIRECTS per call so two phones
 * forwarding to each other cannot loop. 0: the new target rings. */
static int bleg_redirect(struct call *c, struct leg *b, const struct sip_msg *resp)
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

static void bleg_response(struct leg *b, const struct sip_msg *resp, int status)
{
	struct call *c = b->call;
	if (b->xfer) {
		transfer_bleg_response(b, resp, status);
		return;
	}
	if (resp && status > 100)
		call_run_hook(c, TANDEM_HOOK_BLEG_RESPONSE, resp);
	if (status < 200) {
		if (!resp || status == 100)
			return;   /* 100 is hop by hop: A had its own */
		if (!sip_str_empty(resp->to_tag)) {
			dialog_update_uac(&b->d, resp, b->d.remote_tag == NULL);
			bleg_prack(b, resp);
		}
		if (b->lost || c->answered || c->a_final)
			return;
		if (a_relay(c, b, resp) < 0)
			tlog_debug("call %s: could not relay %d", call_cid(c), status);
		return;
	}
	if (status < 300) {
		dialog_update_uac(&b->d, resp, true);
		b->state = LEG_CONFIRMED;
		b->final = status;
		bool won = !(b->lost || c->answered || c->a_final);
		if (won && resp_role(sip_tsx_request(c->a->st)) == TANDEM_SDP_OFFER &&
		    call_media_is_sdp(resp)) {
			/* late offer: A's ACK brings the answer (call_core_ack) */
			b->ack_wait = true;
			b->ack_wait_cseq = b->inv_cseq;
		} else {
			leg_ack(b, b->inv_cseq, (struct sip_str){ 0 }, (struct sip_str){ 0 });
		}
		if (!won) {
			/* a late 2xx after CANCEL or after another leg won */
			tlog_info("call %s: late %d from %s: ACK and BYE", call_cid(c), status, b->label);
			leg_bye(b);
			return;
		}
		c->answered = true;
		c->winner = b;
		c->dialing = false;
		timer_stop(c);
		abandon_all(c, b);
		if (a_relay(c, b, resp) < 0) {
			tlog_warn("call %s: could not relay the answer to A", call_cid(c));
			c->a->state = LEG_TERMINATED;
			leg_bye(b);
			return;
		}
		c->a->state = LEG_CONFIRMED;
		if (c->cur)
			dialplan_set_outcome(c->cur, DIALPLAN_OUTCOME_ANSWERED);
		call_run_hook(c, TANDEM_HOOK_ANSWER, resp);
		tlog_info("call %s: A -> B:%s answered (B Call-ID %s)", call_cid(c), b->label, b->d.call_id);
		return;
	}
	b->final = status;
	b->state = LEG_TERMINATED;
	if (b->lost)
		return;
	if (status < 400 && resp && bleg_redirect(c, b, resp) == 0)
		return;
	/* keep the most telling failure: a 6xx ends the search (§16.7 step 6) */
	if (c->last_status < 600 && (status >= 600 || c->last_status == 0 ||
	                             c->last_status == 408 || c->last_status >= 500)) {
		c->last_status = status;
		if (resp)
			sip_str_copy(c->last_reason, sizeof c->last_reason, resp->reason);
		else
			c->last_reason[0] = '\0';
	}
	tlog_info("call %s: B-leg %s failed: %d", call_cid(c), b->label, status);
	if (status >= 600)
		abandon_all(c, NULL);
	dial_settle(c);
}

void request_host(const struct sip_msg *req, char *host, size_t n)
{
	struct sip_uri u;
	if (sip_uri_parse(req->ruri, &u) == 0 && u.host.len)
		sip_str_copy(host, n, u.host);
	else
		snprintf(host, n, "localhost");
}

/* The caller as the B side sees it (or, in a transfer, the transferee as
 * the target does): display name and user kept, the host replaced by the
 * domain A called (a party's address is topology). */
void party_as_seen(struct sip_str nameaddr, const struct sip_msg *req, char *out, size_t n)
{
	char host[256];
	struct sip_nameaddr na;
	request_host(req, host, sizeof host);
	if (!nameaddr.len || sip_nameaddr_parse(nameaddr, &na) < 0 || !na.uri.user.len) {
		snprintf(out, n, "<sip:anonymous@%s>", host);
		return;
	}
	if (na.display.len)
		snprintf(out, n, "\"%.*s\" <sip:%.*s@%s>", (int)na.display.len, na.display.p,
		         (int)na.uri.user.len, na.uri.user.p, host);
	else
		snprintf(out, n, "<sip:%.*s@%s>", (int)na.uri.user.len, na.uri.user.p, host);
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
	call_run_hook(c, TANDEM_HOOK_BLEG_CREATE, req);
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

static void targets_clear(struct call *c)
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
static void dial_settle(struct call *c)
{
	if (!c->dialing || c->answered || any_ringing(c))
		return;
	timer_stop(c);
	if (c->a_final) {  /* A cancelled */
		c->dialing = false;
		return;
	}
	if (dial_next(c))
		return;
	c->dialing = false;
	enum dialplan_outcome o = c->timed_out ? DIALPLAN_OUTCOME_NOANSWER :
	                          dialplan_outcome_from_status(c->last_status ? c->last_status : 480);
	if (c->cur)
		dialplan_set_outcome(c->cur, o);
	plan_run(c);
}

static void on_dial_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct call *c = w->data;
	(void)loop; (void)revents;
	tlog_info("call %s: no answer within %u s", call_cid(c), c->timeout);
	c->timed_out = true;
	abandon_all(c, NULL);
	dial_settle(c);
	call_check(c);
}

static int dial_begin(struct call *c, const struct dialplan_step *s)
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

/* ---- the dialplan ---- */

static void plan_end(struct call *c)
{
	if (c->a_final)
		return;
	enum dialplan_outcome o = c->cur ? dialplan_outcome(c->cur) : DIALPLAN_OUTCOME_NONE;
	if (o == DIALPLAN_OUTCOME_NONE)
		a_reply(c, 404, "No Route", NULL);
	else if (c->last_status == 408 && !c->timed_out)
		a_reply(c, 408, NULL, NULL);   /* the callee never responded (Timer B), §16.7 */
	else if (o == DIALPLAN_OUTCOME_NOANSWER || c->last_status < 400)
		a_reply(c, 480, NULL, NULL);   /* a 3xx not followed: unavailable */
	else
		a_reply(c, c->last_status, c->last_reason[0] ? c->last_reason : NULL, NULL);
}

static void add_header(struct call *c, const char *name, const char *value)
{
	size_t old = c->hdrs ? strlen(c->hdrs) : 0;
	size_t n = old + strlen(name) + strlen(value) + 5;
	char *p = realloc(c->hdrs, n);
	if (!p)
		return;
	snprintf(p + old, n - old, "%s: %s\r\n", name, value);
	c->hdrs = p;
}

/* Step through the plan until something waits (a dial) or A is answered. */
static void plan_run(struct call *c)
{
	struct dialplan_step s;
	while (!c->a_final && c->cur) {
		int rc = dialplan_next(c->cur, &s);
		if (rc == DIALPLAN_END) {
			plan_end(c);
			break;
		}
		if (rc < 0) {
			tlog_warn("call %s: dialplan: %s", call_cid(c), dialplan_cursor_error(c->cur));
			a_reply(c, 500, "Dialplan Error", NULL);
			break;
		}
		switch (s.kind) {
		case DIALPLAN_DIAL:
			if (dial_begin(c, &s) == 0)
				return;   /* ringing: dial_settle resumes the plan */
			dialplan_set_outcome(c->cur, dialplan_outcome_from_status(c->last_status ? c->last_status : 480));
			break;
		case DIALPLAN_REJECT:
			a_reply(c, s.u.reject.code, s.u.reject.reason, NULL);
			break;
		case DIALPLAN_REDIRECT: {
			/* RFC 3261 §21.3.3: 302 with the new target in Contact */
			char hdr[600];
			snprintf(hdr, sizeof hdr, "Contact: <%s>\r\n", s.u.redirect.uri);
			a_reply(c, 302, NULL, hdr);
			break;
		}
		case DIALPLAN_SET_HEADER:
			if (s.u.header.value)
				add_header(c, s.u.header.name, s.u.header.value);
			break;
		case DIALPLAN_REMOVE_HEADER:
			break;   /* only whitelisted headers cross anyway */
		case DIALPLAN_LOG:
			tlog_info("call %s: %s", call_cid(c), s.u.log.text ? s.u.log.text : "");
			break;
		case DIALPLAN_MODULE: {
			struct tandem_event ev = { .t = c->core->t, .point = TANDEM_HOOK_ROUTE,
			                           .msg = (struct sip_msg *)sip_tsx_request(c->a->st),
			                           .tsx = c->a->st, .call = (struct tandem_call *)c };
			enum tandem_verdict v = route_run_action(c->core->t, c->cur, &s, &ev);
			if (v == TANDEM_REJECT)
				a_reply(c, ev.reject_code ? ev.reject_code : 500, ev.reject_reason,
				        ev.reject_headers);
			else if (v == TANDEM_DONE && sip_tsx_answered(c->a->st))
				c->a_final = true, c->a->state = LEG_TERMINATED;
			else if (v == TANDEM_SUSPEND) {
				/* the module answers later: tandem_call_resume */
				tlog_info("call %s: %s suspended the plan", call_cid(c), s.name);
				c->suspended = true;
				return;
			}
			break;
		}
		default:
			break;
		}
	}
}

/* ---- calls ---- */

static void leg_unbridge(struct leg *l)
{
	if (l->peer) {
		struct leg *p = l->peer;
		l->peer = NULL;
		leg_unref(p);
	}
}

static void call_destroy(struct call *c)
{
	struct call_core *core = c->core;
	if (!c->ended && c->a && c->a->d.call_id) {
		c->ended = true;
		call_run_hook(c, TANDEM_HOOK_CALL_END, NULL);
	}
	timer_stop(c);
	transfer_free(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		core->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	core->ncalls--;
	/* peers may reference each other (and legs of other calls): drop those
	 * references here so no cycle outlives the call */
	for (struct leg *b = c->bs; b; b = b->next)
		leg_unbridge(b);
	if (c->a)
		leg_unbridge(c->a);
	while (c->bs) {
		struct leg *b = c->bs;
		c->bs = b->next;
		tab_del(core, b);
		b->call = NULL;
		leg_unref(b);
	}
	if (c->a) {
		tab_del(core, c->a);
		c->a->call = NULL;
		leg_unref(c->a);
	}
	targets_clear(c);
	dialplan_cursor_free(c->cur);
	free(c->hdrs);
	tlog_debug("call %lu destroyed (%u alive)", c->id, core->ncalls);
	free(c);
}

static bool leg_done(const struct leg *l)
{
	return l->state == LEG_TERMINATED && l->pending == 0;
}

/* No call object outlives its dialogs, nor survives them. */
void call_check(struct call *c)
{
	if (!c->a_final && c->a->state != LEG_TERMINATED)
		return;
	if (!leg_done(c->a))
		return;
	for (struct leg *b = c->bs; b; b = b->next)
		if (!leg_done(b))
			return;
	call_destroy(c);
}

static struct call *call_new(struct call_core *core)
{
	struct call *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->core = core;
	c->id = ++core->total;
	ev_timer_init(&c->dial_timer, on_dial_timeout, 1., 0.);
	c->dial_timer.data = c;
	c->next = core->calls;
	if (c->next)
		c->next->prev = c;
	core->calls = c;
	core->ncalls++;
	return c;
}

/* ---- BYE and in-dialog requests ---- */

void leg_bye(struct leg *l)
{
	if (l->bye_sent || l->state != LEG_CONFIRMED)
		return;
	l->bye_sent = true;
	if (l->ack_wait)   /* §13.2.2.4: the 2xx is ACKed before the BYE */
		leg_ack(l, l->ack_wait_cseq, (struct sip_str){ 0 }, (struct sip_str){ 0 });
	struct sip_dest dst;
	char *buf;
	size_t len;
	struct dialog_req r = { .method = "BYE" };
	struct call_core *core = l->call->core;
	if (dialog_dest(&l->d, &dst) < 0 ||
	    dialog_build_request(core->t->stack, &l->d, &r, &dst, &buf, &len) < 0 ||
	    !leg_send(l, CR_BYE, &dst, buf, len)) {
		l->state = LEG_TERMINATED;
		return;
	}
}

static void relay_response(struct creq *cr, const struct sip_msg *resp, int status)
{
	struct leg *from = cr->from, *to = cr->leg;
	const struct sip_msg *req = sip_tsx_request(cr->st);
	bool invite = req->method == SIP_INVITE;
	if (status < 200)
		return;   /* the server transaction sent its own 100 */
	if (invite) {
		from->reinv_in = false;
		to->reinv_out = false;
	}
	if (!resp) {
		sip_tsx_respond(cr->st, status, NULL, NULL);
		return;
	}
	if (status < 300 && (invite || req->method == SIP_UPDATE))
		dialog_refresh_target(&to->d, resp);
	struct call *c = from->call;
	if (invite && status < 300) {
		if (c && !call_media_is_sdp(req) && call_media_is_sdp(resp)) {
			/* offerless re-INVITE: from's ACK brings the answer */
			to->ack_wait = true;
			to->ack_wait_cseq = cr->cseq;
		} else {
			leg_ack(to, cr->cseq, (struct sip_str){ 0 }, (struct sip_str){ 0 });
		}
	}
	struct call_sdp sdp = { .body = resp->body };
	if (c && (invite || req->method == SIP_UPDATE))
		call_media_hook(c, resp, to, from, resp_role(req), &sdp);

	struct sip_wbuf h, w;
	sip_wbuf_init(&h, 256);
	copy_headers(&h, resp, resp_hdrs, other_hdrs);
	if (status < 300 && (invite || req->method == SIP_UPDATE) && c)
		dialog_put_contact(c->core->t->stack, from->d.has_flow ? &from->d.flow : &from->dst, &h);
	sip_wbuf_put(&h, "", 1);
	char ctype[128] = "", reason[128];
	const struct sip_hdr *ct = sip_msg_hdr(resp, SIP_HDR_CONTENT_TYPE);
	if (ct && resp->body.len)
		sip_str_copy(ctype, sizeof ctype, ct->value);
	sip_str_copy(reason, sizeof reason, resp->reason);
	struct sip_resp_extra extra = {
		.headers = h.err ? NULL : h.p,
		.content_type = resp->body.len ? (ctype[0] ? ctype : "application/sdp") : NULL,
		.body = sdp.body,
	};
	sip_wbuf_init(&w, 512 + sdp.body.len);
	int rc = sip_build_response(&w, req, status, reason[0] ? reason : NULL, from->d.local_tag, &extra);
	sip_wbuf_free(&h);
	call_sdp_free(&sdp);
	char *buf;
	long len = rc < 0 ? rc : sip_wbuf_take(&w, &buf);
	if (len < 0) {
		sip_wbuf_free(&w);
		sip_tsx_respond(cr->st, 500, NULL, NULL);
		return;
	}
	sip_tsx_respond_buf(cr->st, status, buf, (size_t)len);
}

void creq_on_response(void *arg, struct sip_tsx *ct, const struct sip_msg *resp, int status)
{
	struct creq *cr = arg;
	(void)ct;
	if (cr->kind == CR_MESSAGE) {
		message_on_response(cr, resp, status);
		if (status >= 200)
			creq_free(cr);
		return;
	}
	struct leg *l = cr->leg;
	struct call *c = l->call;
	switch (cr->kind) {
	case CR_INVITE:
		if (status >= 200)
			l->inv = NULL;
		if (c)
			bleg_response(l, resp, status);
		break;
	case CR_BYE:
		if (status >= 200)
			l->state = LEG_TERMINATED;
		break;
	case CR_RELAY:
		relay_response(cr, resp, status);
		break;
	case CR_XFER:
		transfer_on_response(cr, resp, status);
		break;
	default:
		break;
	}
	if (status >= 200) {
		/* the pending creq kept the call alive until here */
		creq_free(cr);
		if (c)
			call_check(c);
	}
}

/* Re-issue an in-dialog request on the other leg with that leg's
 * identifiers; its response comes back through relay_response. */
static void relay_request(struct leg *from, struct leg *to, struct sip_tsx *st,
                          const struct sip_msg *req)
{
	struct call *c = from->call;
	bool invite = req->method == SIP_INVITE;
	if (invite) {
		/* RFC 3261 §14.2: a re-INVITE while another is pending on either
		 * side gets 491 (ours outgoing) or 500 (theirs still open) */
		if (from->reinv_in) {
			sip_tsx_respond(st, 500, NULL, &(struct sip_resp_extra){ .headers = "Retry-After: 1\r\n" });
			return;
		}
		if (from->reinv_out || to->reinv_out || to->reinv_in) {
			sip_tsx_respond(st, 491, NULL, NULL);
			return;
		}
	}
	if (invite || req->method == SIP_UPDATE)
		dialog_refresh_target(&from->d, req);   /* §12.2.2 target refresh */
	struct call_sdp sdp = { .body = req->body };
	if (invite || req->method == SIP_UPDATE)
		call_media_hook(c, req, from, to, TANDEM_SDP_OFFER, &sdp);
	struct sip_wbuf h;
	sip_wbuf_init(&h, 256);
	copy_headers(&h, req, call_req_hdrs, other_hdrs);
	sip_wbuf_put(&h, "", 1);
	const struct sip_hdr *ctype = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE);
	char method[32];
	sip_str_copy(method, sizeof method, req->method_str);
	struct dialog_req r = {
		.method = method,
		.max_forwards = req->max_forwards > 1 ? req->max_forwards - 1 : 70,
		.headers = h.err ? NULL : h.p,
		.ctype = ctype ? ctype->value : SIP_STR_LIT("application/octet-stream"),
		.body = sdp.body,
		.contact = invite || req->method == SIP_UPDATE || req->method == SIP_REFER ||
		           req->method == SIP_SUBSCRIBE || req->method == SIP_NOTIFY,
	};
	struct sip_dest dst;
	char *buf;
	size_t len;
	int rc = dialog_dest(&to->d, &dst);
	if (rc == 0)
		rc = dialog_build_request(c->core->t->stack, &to->d, &r, &dst, &buf, &len);
	sip_wbuf_free(&h);
	call_sdp_free(&sdp);
	struct creq *cr = rc < 0 ? NULL : leg_send(to, CR_RELAY, &dst, buf, len);
	if (!cr) {
		sip_tsx_respond(st, 500, NULL, NULL);
		return;
	}
	cr->cseq = to->d.local_cseq;
	cr->from = from;
	leg_ref(from);
	cr->st = st;
	sip_tsx_ref(st);
	if (invite) {
		from->reinv_in = true;
		to->reinv_out = true;
	}
}

bool call_core_indialog(struct tandem *t, struct sip_tsx *st, struct sip_msg *req)
{
	struct call_core *core = core_of(t);
	struct leg *l = call_tab_find(core, req->call_id, req->to_tag);
	if (!l || !l->call || (l->d.remote_tag && !sip_str_eq(req->from_tag, sip_str_c(l->d.remote_tag))))
		return false;
	struct call *c = l->call;
	/* RFC 3261 §12.2.2: CSeq must grow */
	if (req->cseq <= l->d.remote_cseq && l->d.remote_cseq && req->method != SIP_ACK) {
		sip_tsx_respond(st, 500, "CSeq Out of Order", NULL);
		return true;
	}
	l->d.remote_cseq = req->cseq;
	if (l->state == LEG_TERMINATED) {
		sip_tsx_respond(st, 481, NULL, NULL);
		return true;
	}
	if (t->nhooks[TANDEM_HOOK_INDIALOG]) {
		struct tandem_event ev = { .t = t, .point = TANDEM_HOOK_INDIALOG, .msg = req,
		                           .tsx = st, .call = (struct tandem_call *)c };
		switch (loader_run_hooks(t, &ev)) {
		case TANDEM_REJECT:
			sip_tsx_respond(st, ev.reject_code ? ev.reject_code : 500, ev.reject_reason,
			                ev.reject_headers ? &(struct sip_resp_extra){ .headers = ev.reject_headers } : NULL);
			return true;
		case TANDEM_DONE:
		case TANDEM_SUSPEND:
			return true;
		case TANDEM_CONTINUE:
			break;
		}
	}
	struct leg *p = leg_partner(l);
	if (req->method == SIP_BYE) {
		/* §15.1.2: answer, then end the other leg with its own identifiers */
		sip_tsx_respond(st, 200, NULL, NULL);
		tlog_info("call %s: BYE from %s", call_cid(c), l->is_a ? "A" : "B");
		l->state = LEG_TERMINATED;
		if (l->is_a && !c->a_final) {
			/* BYE before the answer: end it like a CANCEL */
			a_reply(c, 487, NULL, NULL);
			c->a_final = true;
			abandon_all(c, NULL);
		} else if (p && !transfer_on_bye(l)) {
			leg_bye(p);
		}
		call_check(c);
		return true;
	}
	if (req->method == SIP_REFER) {
		transfer_refer(l, st, req);
		return true;
	}
	if (req->method == SIP_PRACK) {
		/* we never send reliable provisionals to A (RFC 3262 §3) */
		sip_tsx_respond(st, 481, NULL, NULL);
		return true;
	}
	if (!p || p->state == LEG_TERMINATED || !p->d.remote_tag) {
		sip_tsx_respond(st, req->method == SIP_INVITE ? 491 : 500, NULL, NULL);
		return true;
	}
	relay_request(l, p, st, req);
	return true;
}

void call_core_ack(struct tandem *t, struct sip_msg *ack)
{
	/* §13.3.1.4: the stack stopped retransmitting our 2xx; the B side was
	 * ACKed when its 2xx came. Late and repeated ACKs end here too. */
	struct leg *l = call_tab_find(core_of(t), ack->call_id, ack->to_tag);
	if (!l || !l->call)
		return;
	tlog_debug("call %s: ACK from %s", call_cid(l->call), l->is_a ? "A" : "B");
	struct leg *p = leg_partner(l);
	if (!p || !p->ack_wait)
		return;
	/* RFC 3264 §4: the ACK has the answer to the offer p's 2xx made */
	struct call_sdp sdp;
	call_media_hook(l->call, ack, l, p, TANDEM_SDP_ANSWER, &sdp);
	const struct sip_hdr *ct = sip_msg_hdr(ack, SIP_HDR_CONTENT_TYPE);
	leg_ack(p, p->ack_wait_cseq, ct ? ct->value : SIP_STR_LIT("application/sdp"), sdp.body);
	call_sdp_free(&sdp);
}

bool call_core_cancel(struct tandem *t, struct sip_tsx *invite_st)
{
	const struct sip_msg *req = sip_tsx_request(invite_st);
	if (!req)
		return false;
	struct leg *a = call_tab_find(core_of(t), req->call_id, sip_str_c(sip_tsx_to_tag(invite_st)));
	if (!a || !a->is_a || a->st != invite_st || !a->call)
		return false;
	struct call *c = a->call;
	tlog_info("call %s: CANCEL from A", call_cid(c));
	c->cancelled = true;
	a_reply(c, 487, NULL, NULL);   /* §9.2 */
	timer_stop(c);
	abandon_all(c, NULL);
	c->dialing = false;
	call_check(c);
	return true;
}

void call_core_server_error(struct tandem *t, struct sip_tsx *st, int err)
{
	const struct sip_msg *req = sip_tsx_request(st);
	if (!req || req->method != SIP_INVITE || err != -ETIMEDOUT)
		return;
	struct leg *a = call_tab_find(core_of(t), req->call_id, sip_str_c(sip_tsx_to_tag(st)));
	if (!a || !a->is_a || a->st != st || !a->call)
		return;
	struct call *c = a->call;
	/* RFC 3261 §13.3.1.4: no ACK for our 2xx within 64*T1: end the session */
	tlog_warn("call %s: the 2xx to A was never ACKed: ending the call", call_cid(c));
	struct leg *p = leg_partner(a);
	leg_bye(a);
	if (p)
		leg_bye(p);
	call_check(c);
}

void call_core_stray_response(struct tandem *t, struct sip_msg *resp)
{
	/* §13.2.2.4: a retransmitted 2xx gets the same ACK again */
	if (resp->status < 200 || resp->status >= 300 || resp->cseq_method != SIP_INVITE)
		return;
	struct leg *l = call_tab_find(core_of(t), resp->call_id, resp->from_tag);
	if (l && l->ack && resp->cseq == l->inv_cseq)
		sip_stack_send_stateless(t->stack, &l->ack_dst, l->ack, l->ack_len);
}

/* ---- what modules may do with a call (include/tandem/tandem.h) ---- */

const char *tandem_call_id(const struct tandem_call *call)
{
	return call ? call_cid((const struct call *)call) : "?";
}

int tandem_call_set_data(struct tandem_call *call, const char *module_name, void *data)
{
	struct call *c = (struct call *)call;
	int i = c ? loader_module_index(c->core->t, module_name) : -EINVAL;
	if (i < 0)
		return i;
	c->mod_data[i] = data;
	return 0;
}

void *tandem_call_data(const struct tandem_call *call, const char *module_name)
{
	const struct call *c = (const struct call *)call;
	int i = c ? loader_module_index(c->core->t, module_name) : -EINVAL;
	return i < 0 ? NULL : c->mod_data[i];
}

int tandem_call_hangup(struct tandem *t, struct tandem_call *call, const char *reason)
{
	struct call *c = (struct call *)call;
	(void)t;
	if (!c || c->ended)
		return -EALREADY;
	/* after a transfer A may be gone while two other legs talk */
	bool up = !c->a_final || c->a->state != LEG_TERMINATED;
	for (struct leg *b = c->bs; b && !up; b = b->next)
		up = b->state == LEG_CONFIRMED && !b->bye_sent;
	if (!up)
		return -EALREADY;
	tlog_notice("call %s: hung up by a module: %s", call_cid(c), reason ? reason : "(no reason)");
	if (!c->a_final) {
		/* not answered: A gets a final response, ringing B-legs CANCEL */
		timer_stop(c);
		c->dialing = false;
		abandon_all(c, NULL);
		a_reply(c, 480, NULL, NULL);
	} else {
		/* every leg still up, and whoever it talks to (after an attended
		 * transfer possibly a leg of another call); a transfer's target
		 * still ringing is CANCELed */
		for (struct leg *l = c->a; l; l = l == c->a ? c->bs : l->next) {
			struct leg *p = leg_partner(l);
			if (l->inv && !l->lost)
				bleg_abandon(l);
			leg_bye(l);
			if (p)
				leg_bye(p);
		}
	}
	call_check(c);
	return 0;
}

/* ---- routing an INVITE ---- */

const char *call_context_for(const struct call_core *core, const struct sip_msg *req)
{
	const struct sip_listener *li = req->rx.listener;
	if (li) {
		uint16_t port = 0;
		if (li->addr.ss_family == AF_INET)
			port = ntohs(((const struct sockaddr_in *)&li->addr)->sin_port);
		else if (li->addr.ss_family == AF_INET6)
			port = ntohs(((const struct sockaddr_in6 *)&li->addr)->sin6_port);
		for (unsigned i = 0; i < core->set.nlctx; i++)
			if (core->set.lctx[i].proto == li->proto && core->set.lctx[i].port == port &&
			    core->set.lctx[i].context[0])
				return core->set.lctx[i].context;
	}
	return core->set.context;
}

int call_fill_input(const struct sip_msg *req, struct dialplan_input *in, char *ruri_user,
                    size_t n1, char *from_user, size_t n2, char *from_domain, size_t n3,
                    char *method, size_t n4, char *call_id, size_t n5)
{
	struct sip_uri u;
	memset(in, 0, sizeof *in);
	ruri_user[0] = from_user[0] = from_domain[0] = '\0';
	if (sip_uri_parse(req->ruri, &u) < 0)
		return -EINVAL;
	if (u.user.len && sip_unescape(u.user, ruri_user, n1) < 0)
		return -EINVAL;
	if (sip_uri_parse(req->from_uri, &u) == 0) {
		if (u.user.len && sip_unescape(u.user, from_user, n2) < 0)
			from_user[0] = '\0';
		sip_str_copy(from_domain, n3, u.host);
	}
	sip_str_copy(method, n4, req->method_str);
	sip_str_copy(call_id, n5, req->call_id);
	in->ruri_user = ruri_user;
	in->from_user = from_user;
	in->from_domain = from_domain;
	in->method = method;
	in->source = (const struct sockaddr *)&req->rx.src;
	in->call_id = call_id;
	return 0;
}

static bool invite_route(struct call_core *core, struct sip_tsx *st, struct sip_msg *req)
{
	struct tandem *t = core->t;
	if (sip_msg_hdr(req, SIP_HDR_REPLACES)) {
		/* RFC 3891: it takes a party's place in a call tandem already has */
		replaces_invite(core, st, req);
		return true;
	}
	struct call *c = call_new(core);
	if (!c) {
		sip_tsx_respond(st, 500, NULL, NULL);
		return true;
	}
	struct leg *a = leg_new(c, true);
	if (!a) {
		call_destroy(c);
		sip_tsx_respond(st, 500, NULL, NULL);
		return true;
	}
	c->a = a;
	a->st = st;
	sip_tsx_ref(st);
	int rc = dialog_init_uas(&a->d, req, sip_tsx_to_tag(st));
	if (rc < 0) {
		a->state = LEG_TERMINATED;
		c->a_final = true;
		sip_tsx_respond(st, rc == -EINVAL ? 400 : 500, rc == -EINVAL ? "Missing Contact" : NULL, NULL);
		call_destroy(c);
		return true;
	}
	call_tab_add(core, a);

	char ruri_user[256], from_user[256], from_domain[256], method[32], call_id[256];
	struct dialplan_input in;
	if (call_fill_input(req, &in, ruri_user, sizeof ruri_user, from_user, sizeof from_user,
	                    from_domain, sizeof from_domain, method, sizeof method,
	                    call_id, sizeof call_id) < 0) {
		a_reply(c, 400, "Bad Request-URI", NULL);
		call_check(c);
		return true;
	}
	const char *ctx = call_context_for(core, req);
	snprintf(c->context, sizeof c->context, "%s", ctx);
	tlog_info("call %s: INVITE %s -> %s (context %s)", call_cid(c), from_user, ruri_user, ctx);

	struct tandem_event ev = { .t = t, .point = TANDEM_HOOK_ROUTE, .msg = req, .tsx = st,
	                           .call = (struct tandem_call *)c };
	switch (t->nhooks[TANDEM_HOOK_ROUTE] ? loader_run_hooks(t, &ev) : TANDEM_CONTINUE) {
	case TANDEM_REJECT:
		a_reply(c, ev.reject_code ? ev.reject_code : 500, ev.reject_reason, ev.reject_headers);
		call_check(c);
		return true;
	case TANDEM_DONE:
		if (sip_tsx_answered(st)) {
			c->a_final = true;
			a->state = LEG_TERMINATED;
			call_check(c);
		}
		return true;
	case TANDEM_SUSPEND:
		c->suspended = true;   /* tandem_call_resume goes on */
		return true;
	case TANDEM_CONTINUE:
		break;
	}
	plan_start(c, &in);
	call_check(c);
	return true;
}

/* Match A's INVITE in the call's context and run the plan. */
static void plan_start(struct call *c, const struct dialplan_input *in)
{
	int rc = dialplan_match(c->core->dp, c->context, in, &c->cur);
	if (rc < 0) {
		a_reply(c, rc == -ENOMEM ? 500 : 404, rc == -ENOMEM ? NULL : "No Route", NULL);
		return;
	}
	plan_run(c);
}

int tandem_call_resume(struct tandem_call *call, enum tandem_verdict v, int code, const char *reason)
{
	struct call *c = (struct call *)call;
	if (!c || !c->suspended)
		return -EINVAL;
	c->suspended = false;
	tlog_info("call %s: resumed (%s)", call_cid(c), v == TANDEM_CONTINUE ? "continue" :
	          v == TANDEM_REJECT ? "reject" : v == TANDEM_DONE ? "done" : "suspend");
	switch (v) {
	case TANDEM_SUSPEND:
		c->suspended = true;
		return 0;
	case TANDEM_REJECT:
		a_reply(c, code >= 300 && code < 700 ? code : 500, reason, NULL);
		break;
	case TANDEM_DONE:
		/* the module answered A's INVITE itself (the event's tsx) */
		if (sip_tsx_answered(c->a->st))
			c->a_final = true, c->a->state = LEG_TERMINATED;
		else
			a_reply(c, 500, "Module Did Not Answer", NULL);
		break;
	case TANDEM_CONTINUE:
		if (c->cur) {
			plan_run(c);
		} else {
			/* suspended by a ROUTE hook: the dialplan has not run yet */
			const struct sip_msg *req = sip_tsx_request(c->a->st);
			char ruri_user[256], from_user[256], from_domain[256], method[32], call_id[256];
			struct dialplan_input in;
			if (call_fill_input(req, &in, ruri_user, sizeof ruri_user, from_user, sizeof from_user,
			                    from_domain, sizeof from_domain, method, sizeof method,
			                    call_id, sizeof call_id) < 0)
				a_reply(c, 400, "Bad Request-URI", NULL);
			else
				plan_start(c, &in);
		}
		break;
	}
	call_check(c);
	return 0;
}

bool call_core_route(struct tandem *t, struct sip_tsx *st, struct sip_msg *req)
{
	struct call_core *core = core_of(t);
	if (!core || !core->dp)
		return false;
	if (req->method == SIP_INVITE)
		return invite_route(core, st, req);
	if (req->method == SIP_MESSAGE)
		return message_route(core, st, req);
	return false;
}

unsigned call_core_count(const struct tandem *t)
{
	const struct call_core *core = core_of(t);
	return core ? core->ncalls : 0;
}

/* ---- set-up, reload, shutdown ---- */

static const struct tandem_action *find_action(void *arg, const char *name)
{
	return loader_find_action(arg, name);
}

static void read_settings(const struct tandem_config *c, struct call_settings *s,
                          struct config_errors *errs)
{
	memset(s, 0, sizeof *s);
	s->dial_timeout = 30;
	s->message_max_body = 1300;
	snprintf(s->context, sizeof s->context, "internal");
	const config_setting_t *g = config_lookup(&c->cfg, "calls");
	if (g && config_setting_is_group(g)) {
		int v;
		const char *str;
		if (config_setting_lookup_int(g, "dial_timeout", &v) == CONFIG_TRUE) {
			if (v < 1 || v > 3600)
				config_errors_add(errs, config_setting_get_member(g, "dial_timeout"),
				                  "'dial_timeout' = %d is out of range [1, 3600]", v);
			else
				s->dial_timeout = (unsigned)v;
		}
		if (config_setting_lookup_int(g, "message_max_body", &v) == CONFIG_TRUE) {
			if (v < 0 || v > 65535)
				config_errors_add(errs, config_setting_get_member(g, "message_max_body"),
				                  "'message_max_body' = %d is out of range [0, 65535]", v);
			else
				s->message_max_body = (size_t)v;
		}
		if (config_setting_lookup_string(g, "context", &str) == CONFIG_TRUE)
			snprintf(s->context, sizeof s->context, "%s", str);
	}
	const config_setting_t *list = config_lookup(&c->cfg, "listen");
	for (unsigned i = 0; list && i < c->nlisteners; i++) {
		const config_setting_t *l = config_setting_get_elem(list, i);
		const char *str;
		s->lctx[i].proto = c->listeners[i].proto;
		s->lctx[i].port = c->listeners[i].port;
		if (l && config_setting_lookup_string(l, "context", &str) == CONFIG_TRUE)
			snprintf(s->lctx[i].context, sizeof s->lctx[i].context, "%s", str);
		s->nlctx = i + 1;
	}
}

static int load_plan(struct tandem *t, const struct tandem_config *c, struct dialplan **out,
                     struct config_errors *errs)
{
	*out = NULL;
	if (!config_lookup(&c->cfg, "dialplan"))
		return 0;   /* no dialplan: calls fall through to server.c's answers */
	static const char *const extra[] = { NULL };
	struct dialplan_env env = { .t = t, .find_action = find_action, .arg = t, .extra_vars = extra };
	struct dialplan_errors de;
	int rc = dialplan_load(&c->cfg, &env, out, &de);
	if (rc < 0) {
		for (size_t i = 0; i < de.count; i++) {
			char **grown = realloc(errs->lines, (errs->count + 1) * sizeof *grown);
			if (!grown)
				break;
			errs->lines = grown;
			if ((grown[errs->count] = strdup(de.msg[i])))
				errs->count++;
		}
		if (rc == -ENOMEM && !de.count)
			config_errors_add(errs, NULL, "dialplan: out of memory");
		dialplan_errors_free(&de);
	}
	return rc;
}

/* A context the config names must be in the dialplan: a typo would
 * otherwise answer every call of that listener 404 at run time. */
static void check_contexts(const struct tandem_config *c, const struct dialplan *dp,
                           struct config_errors *errs)
{
	const char *s;
	config_setting_t *g = config_lookup(&c->cfg, "calls");
	if (!dp)
		return;
	if (g && config_setting_lookup_string(g, "context", &s) == CONFIG_TRUE &&
	    !dialplan_has_context(dp, s))
		config_errors_add(errs, config_setting_get_member(g, "context"),
		                  "calls: context '%s' is not in the dialplan", s);
	config_setting_t *list = config_lookup(&c->cfg, "listen");
	for (int i = 0; list && i < config_setting_length(list); i++) {
		config_setting_t *l = config_setting_get_elem(list, (unsigned)i);
		if (l && config_setting_lookup_string(l, "context", &s) == CONFIG_TRUE &&
		    !dialplan_has_context(dp, s))
			config_errors_add(errs, config_setting_get_member(l, "context"),
			                  "listener: context '%s' is not in the dialplan", s);
	}
}

int call_core_init(struct tandem *t, const struct tandem_config *c, struct config_errors *errs)
{
	struct call_core *core = calloc(1, sizeof *core);
	if (!core)
		return -ENOMEM;
	core->t = t;
	unsigned before = errs->count;
	read_settings(c, &core->set, errs);
	int rc = load_plan(t, c, &core->dp, errs);
	if (rc == 0)
		check_contexts(c, core->dp, errs);
	if (rc < 0 || errs->count != before) {
		dialplan_unref(core->dp);
		free(core);
		return rc < 0 ? rc : -EINVAL;
	}
	t->calls = core;
	return 0;
}

void call_core_free(struct tandem *t)
{
	struct call_core *core = core_of(t);
	if (!core)
		return;
	tlog_notice("calls alive: %u (%lu calls handled)", core->ncalls, core->total);
	/* the stack still runs: stop every callback into us first */
	for (struct creq *cr = core->creqs; cr; cr = cr->next)
		sip_tsx_detach(cr->ct);
	while (core->calls)
		call_destroy(core->calls);
	while (core->creqs)
		creq_free(core->creqs);
	dialplan_unref(core->dp);
	dialplan_unref(core->next_dp);
	free(core);
	t->calls = NULL;
}

int call_core_prepare_reload(struct tandem *t, const struct tandem_config *next,
                             struct config_errors *errs)
{
	struct call_core *core = core_of(t);
	if (!core)
		return -EINVAL;
	dialplan_unref(core->next_dp);
	core->next_dp = NULL;
	unsigned before = errs->count;
	read_settings(next, &core->next_set, errs);
	int rc = load_plan(t, next, &core->next_dp, errs);
	if (rc == 0)
		check_contexts(next, core->next_dp, errs);
	if (rc < 0 || errs->count != before) {
		dialplan_unref(core->next_dp);
		core->next_dp = NULL;
		return rc < 0 ? rc : -EINVAL;
	}
	return 0;
}

void call_core_commit_reload(struct tandem *t)
{
	struct call_core *core = core_of(t);
	if (!core)
		return;
	/* calls in progress keep theirs: each cursor holds a reference */
	dialplan_unref(core->dp);
	core->dp = core->next_dp;
	core->next_dp = NULL;
	core->set = core->next_set;
}

void call_core_abort_reload(struct tandem *t)
{
	struct call_core *core = core_of(t);
	if (!core)
		return;
	dialplan_unref(core->next_dp);
	core->next_dp = NULL;
}
