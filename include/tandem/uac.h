/* tandem — out-of-dialog requests sent by modules (tandem as UAC, RFC 3261
 * §8.1): REGISTER to a provider, OPTIONS keep-alives, NOTIFY, MESSAGE,
 * SUBSCRIBE. The core builds the request (Call-ID, From tag, CSeq, Via,
 * Max-Forwards, Contact: see contact_user), runs the client transaction,
 * answers a 401/407 with the module's credentials (RFC 3261 §22.2, client
 * digest of <tandem/digest.h>) and calls the module back with every
 * response.
 *
 * A request whose response creates a dialog (a SUBSCRIBE's 2xx) is not
 * followed: the dialog-less request is all this layer does. */
#ifndef TANDEM_UAC_H
#define TANDEM_UAC_H

#include <stdint.h>

#include <tandem/tandem.h>
#include <tandem/export.h>
TANDEM_API_BEGIN

struct tandem_uac;        /* one request in progress (the module's handle) */
struct tandem_uac_ctx;    /* a dialog-less client context (see below) */

/* Credentials for a 401/407. realm NULL or "" answers any realm; else only
 * challenges of that realm are answered. */
struct tandem_uac_cred {
	const char *user;
	const char *password;
	const char *realm;
};

struct tandem_uac_req {
	const char *method;       /* "REGISTER", "OPTIONS", "MESSAGE", ... (not INVITE, ACK, CANCEL) */
	const char *ruri;         /* the Request-URI, "sip:alice@example.com" */
	const char *from;         /* name-addr without tag, "\"Alice\" <sip:alice@example.com>" */
	const char *to;           /* name-addr without tag; NULL: <ruri> */
	/* Where to send, as a SIP URI ("sip:192.0.2.1:5070;transport=tcp").
	 * NULL: the Route's URI when route is set, else the Request-URI's
	 * (RFC 3263 reduced to numeric hosts and /etc/hosts, as for calls). */
	const char *dest;
	/* An outbound proxy: one Route value "<sip:proxy.example.com;lr>"
	 * (RFC 3261 §8.1.2), NULL for none. */
	const char *route;
	/* TLS: verify the server's certificate for this name (the provider's
	 * SIP domain, RFC 5922 §7.1; sip_dest.tls_name), NULL: no such check. */
	const char *tls_name;
	const char *tls_ca;       /* with tls_name: trust only this CA file (PEM), NULL the system's */
	const char *headers;      /* extra "Name: value\r\n" lines, may be NULL */
	const char *ctype;        /* the body's Content-Type (with a body) */
	const char *body;         /* may be NULL */
	size_t body_len;
	/* Answer a 401 / 407 once per challenge (again only when the server
	 * says stale=true). NULL: a challenge is a final response like any. */
	const struct tandem_uac_cred *cred;
	/* An Expires header (REGISTER, SUBSCRIBE) when has_expires: expires 0
	 * is sent too ("remove the bindings", "unsubscribe"). */
	bool has_expires;
	unsigned expires;
	/* REGISTER and SUBSCRIBE carry the core's Contact unless headers hold
	 * one: <sip:contact_user@ADDR:PORT;transport=...>, ADDR:PORT tandem's
	 * listener of the transport and address family the request leaves by
	 * (transport= for TCP and TLS only). contact_user NULL or "": no user
	 * part. A registrar routes calls for the binding to that URI, so the
	 * user is how the module knows them again (a trunk's contact_user). */
	const char *contact_user;
	/* With cred and ctx: send credentials at once for the challenge ctx
	 * answered last (the same nonce, nc plus one: RFC 7616 §3.4), as
	 * RFC 3261 §22.3 lets a UA cache them for later requests to the same
	 * realm. A REGISTER refresh saves a round trip, and an unregister sent
	 * at shutdown, when no 401 could be answered any more, is accepted
	 * while the server still takes the nonce. A 401/407 to it (a stale or
	 * refused nonce) is answered as any first challenge. */
	bool reuse_challenge;
};

/* Every provisional (status 1xx) and the final response (status >= 200)
 * of the request, after any 401/407 the core answered. resp is NULL when
 * status is 408 (no response: Timer F, RFC 3261 §17.1.2.2) or 503 (a
 * transport error, §8.1.3.1). The final call is the last: the handle is
 * freed when it returns (do not cancel it there). resp is valid only
 * during the call. */
typedef void (*tandem_uac_fn)(void *arg, struct tandem_uac *u, const struct sip_msg *resp,
                              int status);

/* Build and send r. ctx NULL: a fresh Call-ID, From tag and CSeq; else
 * ctx's Call-ID and From tag, with its CSeq plus one (so a REGISTER
 * refresh reuses the Call-ID, RFC 3261 §10.2.4). The strings of r are
 * copied: they may go once this returns. Returns the handle, or NULL with
 * errno EINVAL (bad method or URI, no route to dest), ENOMEM, or the
 * errno of the transaction layer; the callback is then never called. */
struct tandem_uac *tandem_uac_send(struct tandem *t, struct tandem_uac_ctx *ctx,
                                   const struct tandem_uac_req *r, tandem_uac_fn fn, void *arg);
/* Stop calling back (the module stops, the object arg names is going).
 * The transaction itself runs on, so the server still gets its
 * retransmissions and a pending 401 is simply not answered. Frees u.
 * Safe from inside a provisional callback of u. */
void tandem_uac_cancel(struct tandem_uac *u);
/* The Call-ID and CSeq number of the request as last sent (after a 401
 * retry, the retry's). Valid while u is. */
const char *tandem_uac_call_id(const struct tandem_uac *u);
/* The URI of the Contact the core put on the request
 * ("sip:office@192.0.2.5:5060"), NULL when it put none. Valid while u is:
 * compare it with the bindings of a REGISTER's 2xx (RFC 3261 §10.2.4). */
const char *tandem_uac_contact(const struct tandem_uac *u);
uint32_t tandem_uac_cseq(const struct tandem_uac *u);

/* A dialog-less context a module keeps across requests: one Call-ID, one
 * From tag, a CSeq that grows by one for every request (and every 401
 * retry), and the digest nonce-counts (RFC 7616 §3.4: nc grows per nonce).
 * Referenced by the requests that use it: freeing it while one is in
 * flight only drops the module's reference. NULL on ENOMEM. */
struct tandem_uac_ctx *tandem_uac_ctx_new(struct tandem *t);
void tandem_uac_ctx_free(struct tandem_uac_ctx *ctx);
const char *tandem_uac_ctx_call_id(const struct tandem_uac_ctx *ctx);
/* The last CSeq number used in ctx. */
uint32_t tandem_uac_ctx_cseq(const struct tandem_uac_ctx *ctx);

TANDEM_API_END

#endif
