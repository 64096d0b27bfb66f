/* tandem — the B2BUA call core: calls and their legs. A call owns an A-leg
 * (tandem is UAS, RFC 3261 §12.1.1) and B-legs (tandem is UAC, §12.1.2),
 * each a dialog of its own with its own Call-ID, tags and CSeq: nothing of
 * one side's Via, Contact, Record-Route or Call-ID reaches the other
 * (topology hiding). This file keeps the dialog table, the lifetimes of
 * calls, legs and the client requests they wait on, and the hook calls.
 * docs/ARCHITECTURE.md "The call" tells the whole story. */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/sip_uri.h>

#include "call_internal.h"
#include "net/transport_internal.h"

struct call_core *call_core_of(const struct tandem *t)
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
	free(l->alt);
	bleg_sent_free(l);
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

const enum sip_hdr_id call_resp_hdrs[] = {
	SIP_HDR_CONTENT_DISPOSITION, SIP_HDR_CONTENT_ENCODING, SIP_HDR_CONTENT_LANGUAGE,
	SIP_HDR_ACCEPT, SIP_HDR_ALLOW, SIP_HDR_REASON, SIP_HDR_RETRY_AFTER,
	SIP_HDR_UNSUPPORTED, SIP_HDR_WARNING, 0
};

const char *const call_other_hdrs[] = { "Info-Package", "Recv-Info", NULL };

enum tandem_verdict call_run_hook(struct call *c, enum tandem_hook_point p, const struct sip_msg *m,
                                  const struct leg *b, struct tandem_event *out)
{
	struct tandem *t = c->core->t;
	struct tandem_event ev = { .t = t, .point = p, .msg = (struct sip_msg *)m,
	                           .call = (struct tandem_call *)c,
	                           .leg = b ? b->idx : TANDEM_LEG_A,
	                           .leg_target = b ? b->label : NULL };
	enum tandem_verdict v = t->nhooks[p] ? loader_run_hooks(t, &ev) : TANDEM_CONTINUE;
	if (out)
		*out = ev;
	return v;
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
enum tandem_sdp_role call_resp_role(const struct sip_msg *req)
{
	return call_media_is_sdp(req) ? TANDEM_SDP_ANSWER : TANDEM_SDP_OFFER;
}

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

int hdrs_add(char **hdrs, const char *name, struct sip_str value)
{
	size_t old = *hdrs ? strlen(*hdrs) : 0;
	size_t n = old + strlen(name) + value.len + 5;
	char *p = realloc(*hdrs, n);
	if (!p)
		return -ENOMEM;
	snprintf(p + old, n - old, "%s: %.*s\r\n", name, (int)value.len, value.p);
	*hdrs = p;
	return 0;
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

static void leg_unbridge(struct leg *l)
{
	if (l->peer) {
		struct leg *p = l->peer;
		l->peer = NULL;
		leg_unref(p);
	}
}

void call_destroy(struct call *c)
{
	struct call_core *core = c->core;
	if (!c->ended && c->a && c->a->d.call_id) {
		c->ended = true;
		c->rec.end = call_now(c);
		facts_ended(c);
		call_run_hook(c, TANDEM_HOOK_CALL_END, NULL, NULL, NULL);
	}
	owner_free(c);
	dial_clear(&c->dial);
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
	dialplan_cursor_free(c->cur);
	free(c->hdrs);
	free(c->outcome_headers);
	facts_free(c);
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

struct call *call_new(struct call_core *core)
{
	struct call *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->core = core;
	c->id = ++core->total;
	dial_init(&c->dial, c, &call_dial_ops);
	call_reap_init(c);
	c->rec.start = call_now(c);
	c->next = core->calls;
	if (c->next)
		c->next->prev = c;
	core->calls = c;
	core->ncalls++;
	return c;
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

unsigned call_core_count(const struct tandem *t)
{
	const struct call_core *core = call_core_of(t);
	return core ? core->ncalls : 0;
}

unsigned long call_core_total(const struct tandem *t)
{
	const struct call_core *core = call_core_of(t);
	return core ? core->total : 0;
}

int call_respond_relayed(struct sip_tsx *st, const struct sip_msg *resp, const char *tag,
                         struct sip_wbuf *h, struct call_sdp *sdp)
{
	const struct sip_msg *req = sip_tsx_request(st);
	int status = resp->status;
	char ctype[128] = "", reason[128];
	const struct sip_hdr *ct = sip_msg_hdr(resp, SIP_HDR_CONTENT_TYPE);
	if (ct && resp->body.len)
		sip_str_copy(ctype, sizeof ctype, ct->value);
	sip_str_copy(reason, sizeof reason, resp->reason);
	struct sip_resp_extra extra = {
		.headers = h->err ? NULL : h->p,
		.content_type = resp->body.len ? (ctype[0] ? ctype : "application/sdp") : NULL,
		.body = sdp->body,
	};
	struct sip_wbuf w;
	sip_wbuf_init(&w, 512 + sdp->body.len);
	int rc = sip_build_response(&w, req, status, reason[0] ? reason : NULL, tag, &extra);
	sip_wbuf_free(h);
	call_sdp_free(sdp);
	char *buf;
	long len = rc < 0 ? rc : sip_wbuf_take(&w, &buf);
	if (len < 0) {
		sip_wbuf_free(&w);
		return -ENOMEM;
	}
	return sip_tsx_respond_buf(st, status, buf, (size_t)len);
}
