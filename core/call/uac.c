/* tandem — out-of-dialog requests sent for modules (include/tandem/uac.h):
 * the request built with tandem's own identifiers, its client transaction,
 * one answer per 401/407 challenge (RFC 3261 §22.2), the module called back
 * with every response. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/digest.h>
#include <tandem/uac.h>

#include "dialog.h"
#include "events.h"

/* A request answered this many times stops (a server that keeps sending
 * stale=true nonces would otherwise loop). */
#define UAC_MAX_AUTH_RETRIES 4

struct tandem_uac_ctx {
	unsigned refs;
	char call_id[48];
	char tag[20];
	uint32_t cseq;
	/* nonce-counts: [0] WWW-Authenticate, [1] Proxy-Authenticate */
	struct sip_digest_client nc[2];
	/* the challenge last answered of each kind (reuse_challenge), NULL */
	struct sip_digest_challenge *last[2];
};

struct tandem_uac {
	struct tandem *t;
	struct tandem_uac *prev, *next;  /* t->uacs */
	struct tandem_uac_ctx *ctx;      /* referenced */
	struct sip_tsx *ct;              /* referenced */
	tandem_uac_fn fn;
	void *arg;
	char *method, *ruri, *from, *to, *route, *headers, *ctype, *body;
	size_t body_len;
	bool has_expires;
	unsigned expires;
	struct sip_dest dst;
	char *user, *password, *realm;   /* user NULL: no credentials */
	char *contact_user;
	char contact[384];               /* the Contact URI sent, "" none */
	char *auth[2];                   /* "Authorization: ...\r\n", "Proxy-Authorization: ...\r\n" */
	bool answered[2];
	unsigned retries;
	uint32_t cseq;                   /* of the request in flight */
	bool in_cb, cancelled;
};

struct tandem_uac_ctx *tandem_uac_ctx_new(struct tandem *t)
{
	(void)t;
	struct tandem_uac_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	char tok[24];
	c->refs = 1;
	sip_random_token(tok, sizeof tok);
	snprintf(c->call_id, sizeof c->call_id, "%s@tandem", tok);
	sip_random_token(c->tag, 17);
	/* RFC 3261 §8.1.1.5: any start below 2^31 */
	c->cseq = (uint32_t)(((unsigned char)tok[0] << 8 | (unsigned char)tok[1]) % 10000);
	return c;
}

static void ctx_unref(struct tandem_uac_ctx *c)
{
	if (c && --c->refs == 0) {
		free(c->last[0]);
		free(c->last[1]);
		free(c);
	}
}

void tandem_uac_ctx_free(struct tandem_uac_ctx *ctx)
{
	ctx_unref(ctx);
}

const char *tandem_uac_ctx_call_id(const struct tandem_uac_ctx *ctx)
{
	return ctx ? ctx->call_id : NULL;
}

uint32_t tandem_uac_ctx_cseq(const struct tandem_uac_ctx *ctx)
{
	return ctx ? ctx->cseq : 0;
}

const char *tandem_uac_call_id(const struct tandem_uac *u)
{
	return u->ctx->call_id;
}

uint32_t tandem_uac_cseq(const struct tandem_uac *u)
{
	return u->cseq;
}

const char *tandem_uac_contact(const struct tandem_uac *u)
{
	return u->contact[0] ? u->contact : NULL;
}

static void uac_free(struct tandem_uac *u)
{
	if (u->prev)
		u->prev->next = u->next;
	else if (u->t->uacs == u)
		u->t->uacs = u->next;
	if (u->next)
		u->next->prev = u->prev;
	if (u->ct) {
		sip_tsx_detach(u->ct);
		sip_tsx_unref(u->ct);
	}
	ctx_unref(u->ctx);
	free(u->method);
	free(u->ruri);
	free(u->from);
	free(u->to);
	free(u->route);
	free(u->headers);
	free(u->ctype);
	free(u->body);
	free(u->user);
	if (u->password) {
		memset(u->password, 0, strlen(u->password));
		free(u->password);
	}
	free(u->realm);
	free(u->contact_user);
	free(u->auth[0]);
	free(u->auth[1]);
	free(u);
}

void tandem_uac_cancel(struct tandem_uac *u)
{
	if (!u)
		return;
	if (u->in_cb) {
		u->cancelled = true;   /* freed when the callback returns */
		return;
	}
	uac_free(u);
}

void uac_core_free(struct tandem *t)
{
	while (t->uacs)
		uac_free(t->uacs);
}

/* A header line named name (or its compact form) among the module's lines. */
static bool has_header(const char *lines, const char *name, const char *compact)
{
	size_t nl = strlen(name);
	for (const char *p = lines; p && *p;) {
		if (strncasecmp(p, name, nl) == 0 && (p[nl] == ':' || p[nl] == ' '))
			return true;
		if (compact && strncasecmp(p, compact, 1) == 0 && (p[1] == ':' || p[1] == ' '))
			return true;
		const char *e = strstr(p, "\r\n");
		p = e ? e + 2 : NULL;
	}
	return false;
}

static void on_response(void *arg, struct sip_tsx *ct, const struct sip_msg *resp, int status);

/* Send the request with the next CSeq of the context. 0 or negative errno. */
static int uac_transmit(struct tandem_uac *u)
{
	struct sip_stack *s = u->t->stack;
	struct tandem_uac_ctx *c = u->ctx;
	/* The request as a dialog without remote tag: dialog_build_request
	 * writes Via, Route, Max-Forwards, From, To, Call-ID, CSeq, Contact. The
	 * strings are borrowed; d is never cleared. */
	struct dialog d;
	memset(&d, 0, sizeof d);
	d.call_id = c->call_id;
	d.local_tag = c->tag;
	d.local_party = u->from;
	d.remote_party = u->to;
	d.remote_target = u->ruri;
	if (u->route) {
		d.routes[0] = u->route;
		d.nroutes = 1;
	}
	struct sip_wbuf h;
	sip_wbuf_init(&h, 512);
	/* RFC 3261 §10.2 / RFC 6665 §4.1.2.1: REGISTER and SUBSCRIBE carry our
	 * Contact unless the module gave its own; with the module's user part,
	 * so what comes back to the binding is recognised. Built for every
	 * transmission: a 401 retry goes where the first one went. */
	u->contact[0] = '\0';
	if ((strcmp(u->method, "REGISTER") == 0 || strcmp(u->method, "SUBSCRIBE") == 0) &&
	    !has_header(u->headers, "Contact", "m")) {
		int rc = dialog_contact_uri(s, &u->dst, u->contact_user, u->contact, sizeof u->contact);
		if (rc < 0) {
			sip_wbuf_free(&h);
			return rc;
		}
		sip_wbuf_printf(&h, "Contact: <%s>\r\n", u->contact);
	}
	for (int k = 0; k < 2; k++)
		if (u->auth[k])
			sip_wbuf_puts(&h, u->auth[k]);
	if (u->has_expires)
		sip_wbuf_printf(&h, "Expires: %u\r\n", u->expires);
	if (u->t->conf && u->t->conf->server_name && !has_header(u->headers, "User-Agent", NULL))
		sip_wbuf_printf(&h, "User-Agent: %s\r\n", u->t->conf->server_name);
	if (u->headers)
		sip_wbuf_puts(&h, u->headers);
	sip_wbuf_put(&h, "", 1);
	if (h.err) {
		sip_wbuf_free(&h);
		return -ENOMEM;
	}
	struct dialog_req r = {
		.method = u->method,
		.cseq = ++c->cseq,
		.headers = h.p,
		.ctype = sip_str_c(u->ctype),
		.body = { u->body, u->body_len },
	};
	char *buf;
	size_t len;
	int rc = dialog_build_request(s, &d, &r, &u->dst, &buf, &len);
	sip_wbuf_free(&h);
	if (rc < 0)
		return rc;
	u->cseq = r.cseq;
	struct sip_tsx *ct = sip_tsx_client_new(s, &u->dst, buf, len, on_response, u);
	if (!ct)
		return errno ? -errno : -EIO;
	if (u->ct) {
		sip_tsx_detach(u->ct);
		sip_tsx_unref(u->ct);
	}
	u->ct = ct;
	sip_tsx_ref(ct);
	tlog_debug("uac: %s %s (Call-ID %s, CSeq %u)", u->method, u->ruri, c->call_id,
	           (unsigned)u->cseq);
	return 0;
}

/* u->auth[k]: the header line answering ch for u's request, with the next
 * nonce-count of its nonce in the context. 0 or negative errno. */
static int put_credentials(struct tandem_uac *u, int k, const struct sip_digest_challenge *ch)
{
	char value[1536];
	uint32_t nc = sip_digest_client_next_nc(&u->ctx->nc[k], ch->nonce);
	int n = sip_digest_authorization(value, sizeof value, ch, u->user, u->password, u->method,
	                                 u->ruri, nc, NULL);
	if (n < 0)
		return n;
	size_t need = (size_t)n + 32;
	char *line = malloc(need);
	if (!line)
		return -ENOMEM;
	snprintf(line, need, "%s: %s\r\n", k ? "Proxy-Authorization" : "Authorization", value);
	free(u->auth[k]);
	u->auth[k] = line;
	return 0;
}

/* RFC 3261 §22.2: answer a 401/407 with credentials, same Call-ID, CSeq
 * plus one. 0 when the request went out again; negative when the
 * challenge is the final answer (no usable challenge, our credentials
 * refused, or too many rounds). */
static int uac_answer_challenge(struct tandem_uac *u, const struct sip_msg *resp)
{
	int k = resp->status == 407;
	if (!u->user || u->retries >= UAC_MAX_AUTH_RETRIES)
		return -EACCES;
	struct sip_digest_challenge *ch = malloc(sizeof *ch);
	if (!ch)
		return -ENOMEM;
	int rc = sip_digest_pick_challenge(resp, u->realm, ch);
	if (rc < 0) {
		tlog_info("uac: %s %s: %d with no challenge we can answer%s%s", u->method, u->ruri,
		          resp->status, u->realm ? " for realm " : "", u->realm ? u->realm : "");
		free(ch);
		return rc;
	}
	/* A second challenge without stale=true means the credentials we sent
	 * were refused (RFC 7616 §3.3): another try would fail the same way. */
	if (u->answered[k] && !ch->stale) {
		tlog_info("uac: %s %s: credentials for %s refused (%d)", u->method, u->ruri,
		          u->user, resp->status);
		free(ch);
		return -EACCES;
	}
	if ((rc = put_credentials(u, k, ch)) < 0) {
		free(ch);
		return rc;
	}
	u->answered[k] = true;
	u->retries++;
	tlog_info("uac: %s %s: answering %d (realm %s, %s%s)", u->method, u->ruri, resp->status,
	          ch->realm, sip_digest_alg_name(ch->alg), ch->qop_auth ? ", qop=auth" : "");
	/* kept for reuse_challenge (its strings point into itself: never copied) */
	free(u->ctx->last[k]);
	u->ctx->last[k] = ch;
	return uac_transmit(u);
}

/* reuse_challenge: credentials for the challenge ctx answered last, on the
 * first transmission. Nothing when there is none (or of another realm). */
static int uac_reuse_challenge(struct tandem_uac *u)
{
	for (int k = 0; k < 2; k++) {
		const struct sip_digest_challenge *ch = u->ctx->last[k];
		if (!ch || (u->realm && strcmp(u->realm, ch->realm) != 0))
			continue;
		int rc = put_credentials(u, k, ch);
		if (rc < 0)
			return rc;
		tlog_debug("uac: %s %s: credentials for realm %s sent at once", u->method, u->ruri,
		           ch->realm);
	}
	return 0;
}

static void deliver(struct tandem_uac *u, const struct sip_msg *resp, int status)
{
	u->in_cb = true;
	u->fn(u->arg, u, resp, status);
	u->in_cb = false;
}

static void on_response(void *arg, struct sip_tsx *ct, const struct sip_msg *resp, int status)
{
	struct tandem_uac *u = arg;
	(void)ct;
	if (status < 200) {
		deliver(u, resp, status);
		if (u->cancelled)
			uac_free(u);
		return;
	}
	if (resp && (status == 401 || status == 407) && uac_answer_challenge(u, resp) == 0)
		return;
	deliver(u, resp, status);
	uac_free(u);
}

static char *dup_or_null(const char *s, bool *oom)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

/* A method token (RFC 3261 §25.1) a module may send outside a dialog. */
static bool method_ok(const char *m)
{
	if (!m || !*m || strlen(m) > 32)
		return false;
	for (const char *p = m; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '_'))
			return false;
	/* INVITE needs the call core's dialog; ACK and CANCEL are never sent alone */
	return strcmp(m, "INVITE") != 0 && strcmp(m, "ACK") != 0 && strcmp(m, "CANCEL") != 0;
}

struct tandem_uac *tandem_uac_send(struct tandem *t, struct tandem_uac_ctx *ctx,
                                   const struct tandem_uac_req *r, tandem_uac_fn fn, void *arg)
{
	if (!t || !t->stack || !r || !fn || !method_ok(r->method) || !r->ruri || !r->from ||
	    (r->body_len && !r->body) || (r->cred && (!r->cred->user || !r->cred->password))) {
		errno = EINVAL;
		return NULL;
	}
	struct tandem_uac *u = calloc(1, sizeof *u);
	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	u->t = t;
	u->fn = fn;
	u->arg = arg;
	u->has_expires = r->has_expires;
	u->expires = r->expires;
	if (ctx) {
		ctx->refs++;
		u->ctx = ctx;
	} else if (!(u->ctx = tandem_uac_ctx_new(t))) {
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	bool oom = false;
	u->method = dup_or_null(r->method, &oom);
	u->ruri = dup_or_null(r->ruri, &oom);
	u->from = dup_or_null(r->from, &oom);
	if (r->to) {
		u->to = dup_or_null(r->to, &oom);
	} else if ((u->to = malloc(strlen(r->ruri) + 3))) {
		sprintf(u->to, "<%s>", r->ruri);
	} else {
		oom = true;
	}
	u->route = dup_or_null(r->route, &oom);
	u->headers = dup_or_null(r->headers, &oom);
	u->ctype = dup_or_null(r->body_len ? (r->ctype ? r->ctype : "text/plain") : NULL, &oom);
	if (r->body_len && (u->body = malloc(r->body_len))) {
		memcpy(u->body, r->body, r->body_len);
		u->body_len = r->body_len;
	} else if (r->body_len) {
		oom = true;
	}
	if (r->cred) {
		u->user = dup_or_null(r->cred->user, &oom);
		u->password = dup_or_null(r->cred->password, &oom);
		u->realm = r->cred->realm && r->cred->realm[0] ? dup_or_null(r->cred->realm, &oom) : NULL;
	}
	if (r->contact_user && r->contact_user[0])
		u->contact_user = dup_or_null(r->contact_user, &oom);
	/* link first: uac_free unlinks */
	u->next = t->uacs;
	if (u->next)
		u->next->prev = u;
	t->uacs = u;
	if (oom) {
		uac_free(u);
		errno = ENOMEM;
		return NULL;
	}
	const char *where = r->dest ? r->dest : r->route ? r->route : r->ruri;
	int rc = uri_dest(sip_str_c(where), &u->dst);
	if (rc < 0) {
		tlog_warn("uac: %s %s: cannot send to %s", r->method, r->ruri, where);
		uac_free(u);
		errno = EINVAL;
		return NULL;
	}
	if (r->tls_name && u->dst.proto == SIP_PROTO_TLS) {
		rc = sip_transport_tls_name(sip_stack_transport(t->stack), r->tls_name, r->tls_ca);
		if (rc < 0) {
			uac_free(u);
			errno = -rc;
			return NULL;
		}
		u->dst.tls_name = (uint16_t)rc;
	}
	if (r->reuse_challenge && u->user)
		rc = uac_reuse_challenge(u);
	if (rc == 0)
		rc = uac_transmit(u);
	if (rc < 0) {
		uac_free(u);
		errno = -rc;
		return NULL;
	}
	return u;
}
