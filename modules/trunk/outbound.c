/* mod_trunk — calls out through a trunk: the trunk: dial target.
 *
 * trunk:NAME/NUMBER becomes one B-leg to the provider: Request-URI
 * sip:NUMBER@host, From with the trunk's caller ID, P-Asserted-Identity
 * and Privacy as configured (RFC 3325 §9.1, RFC 3323 §4.1), a Route to
 * the outbound proxy. Its 401/407 is answered with the trunk's
 * credentials (RFC 3261 §22.2: the INVITE again, CSeq + 1). It is a
 * provider's leg (tandem_contact.provider): a hunt list fails over only
 * on the provider's trouble.
 *
 * Toll fraud: a trunk costs money, so only a caller who proved who it is
 * (digest: ${auth_user}) or a call that came in on a trunk may use one;
 * anything else gets 403, whatever the dialplan says. Limits: calls per
 * trunk (max_calls, inbound ones included) and trunk calls per user. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/digest.h>
#include <tandem/sip_uri.h>

#include "trunk.h"
#include "trunk_call.h"

/* ---- the B-leg ---- */

/* RFC 3261 §25.1 user part, kept to what a number needs: digits, +, *, #
 * (escaped), letters and a few marks. */
static bool number_ok(const char *n)
{
	if (!*n || strlen(n) > 64)
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("+*#-._", *n))
			return false;
	return true;
}

/* "trunk:" targets' rest: NAME/NUMBER. */
static int split_target(const char *rest, char *name, size_t nn, char *number, size_t nl)
{
	const char *slash = strchr(rest, '/');
	if (!slash || slash == rest || (size_t)(slash - rest) >= nn || strlen(slash + 1) >= nl)
		return -EINVAL;
	memcpy(name, rest, (size_t)(slash - rest));
	name[slash - rest] = '\0';
	snprintf(number, nl, "%s", slash + 1);
	return 0;
}

/* The number as a user part: # escaped (RFC 3261 §25.1: not unreserved). */
static void user_part(const char *number, char *out, size_t n)
{
	size_t o = 0;
	for (; *number && o + 4 < n; number++) {
		if (*number == '#')
			o += (size_t)snprintf(out + o, n - o, "%%23");
		else
			out[o++] = *number;
	}
	out[o] = '\0';
}

void trunk_ruri(const struct trunk *tr, const char *number, char *out, size_t n)
{
	char user[200];
	user_part(number, user, sizeof user);
	bool v6 = strchr(tr->c.host, ':') != NULL;
	char port[8] = "";
	if (tr->c.port)
		snprintf(port, sizeof port, ":%u", tr->c.port);
	snprintf(out, n, "sip:%s@%s%s%s%s%s", user, v6 ? "[" : "", tr->c.host, v6 ? "]" : "", port,
	         tr->c.proto_given && tr->c.proto == SIP_PROTO_TCP ? ";transport=tcp"
	         : tr->c.proto_given && tr->c.proto == SIP_PROTO_TLS ? ";transport=tls" : "");
}

/* A quoted-string's content (RFC 3261 §25.1): " and \ escaped, control
 * characters dropped. */
static void quoted(const char *in, size_t len, char *out, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 3 < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch < 0x20 || ch == 0x7f)
			continue;
		if (ch == '"' || ch == '\\')
			out[o++] = '\\';
		out[o++] = (char)ch;
	}
	out[o] = '\0';
}

/* The caller as the provider sees it: From, and the identity headers. */
static void caller_id(const struct trunk *tr, const struct tandem_call *call,
                      struct tandem_contact *ct, char *hdrs, size_t hn)
{
	const struct sip_msg *inv = tandem_call_invite(call);
	const struct sip_hdr *fh = inv ? sip_msg_hdr(inv, SIP_HDR_FROM) : NULL;
	struct sip_nameaddr na;
	char user[128] = "", name[128] = "";
	if (fh && sip_nameaddr_parse(fh->value, &na) == 0) {
		if (na.uri.user.len && sip_unescape(na.uri.user, user, sizeof user) < 0)
			user[0] = '\0';
		if (na.display.len)
			quoted(na.display.p, na.display.len, name, sizeof name);
	}
	if (tr->c.cid_number)
		snprintf(user, sizeof user, "%s", tr->c.cid_number);
	if (tr->c.cid_name)
		quoted(tr->c.cid_name, strlen(tr->c.cid_name), name, sizeof name);
	if (!number_ok(user))
		snprintf(user, sizeof user, "%s", tr->c.from_user ? tr->c.from_user : "anonymous");
	const struct sip_hdr *ph = inv ? sip_msg_hdr_by_name(inv, sip_str_c("Privacy")) : NULL;
	bool private = tr->c.privacy || (ph && sip_list_has_token(ph->value, "id"));
	char cuser[200];
	user_part(user, cuser, sizeof cuser);
	size_t o = 0;
	hdrs[0] = '\0';
	if (private) {
		/* RFC 3323 §4.1.1.3: an anonymous From; the identity only in
		 * P-Asserted-Identity, which the provider's network keeps to
		 * itself (Privacy: id, RFC 3325 §7) */
		snprintf(ct->from, sizeof ct->from, "\"Anonymous\" <sip:anonymous@anonymous.invalid>");
		o += (size_t)snprintf(hdrs + o, hn - o, "Privacy: id\r\n");
	} else {
		/* with pai: the account in From (what the provider
		 * authenticates), the caller ID in P-Asserted-Identity */
		const char *fuser = tr->c.pai && tr->c.from_user ? tr->c.from_user : cuser;
		snprintf(ct->from, sizeof ct->from, "%s%s%s<sip:%s@%s>", name[0] ? "\"" : "", name,
		         name[0] ? "\" " : "", fuser, tr->c.from_domain);
	}
	if (tr->c.pai && o < hn)
		o += (size_t)snprintf(hdrs + o, hn - o, "P-Asserted-Identity: %s%s%s<sip:%s@%s>\r\n",
		                      name[0] ? "\"" : "", name, name[0] ? "\" " : "", cuser,
		                      tr->c.from_domain);
	if (tr->c.outbound_proxy && o < hn) {
		/* RFC 3261 §8.1.2: a loose route to the proxy ("lr" added) */
		const char *lr = strstr(tr->c.outbound_proxy, ";lr") ? "" : ";lr";
		snprintf(hdrs + o, hn - o, "Route: <%s%s>\r\n", tr->c.outbound_proxy, lr);
	}
}

static int contact_of(struct trunk *tr, struct tandem_call *call, const char *number,
                      struct tandem_resolve *r)
{
	struct tandem_contact ct = { .provider = true };
	char hdrs[1024];
	if (trunk_target(tr, &ct.dst, NULL, 0) < 0) {
		tlog_warn("trunk %s: no address for the provider (%s)", tr->c.name,
		          tr->last_dns_error[0] ? tr->last_dns_error : "not located");
		return 503;
	}
	ct.nalt = trunk_alternatives(tr, ct.alt, TANDEM_CONTACT_ALTS);
	char ruri[TANDEM_URI_MAX - 2];
	trunk_ruri(tr, number, ruri, sizeof ruri);
	snprintf(ct.ruri, sizeof ct.ruri, "%s", ruri);
	snprintf(ct.to, sizeof ct.to, "<%s>", ruri);
	caller_id(tr, call, &ct, hdrs, sizeof hdrs);
	ct.headers = hdrs[0] ? hdrs : NULL;
	if (tr->m->rtp && tr->m->rtp->call_relay && !tr->c.relay_media)
		tr->m->rtp->call_relay(tr->m->t, call, false);
	tlog_info("call %s: out through trunk %s to %s", tandem_call_id(call), tr->c.name, ct.ruri);
	return tandem_resolve_add(r, &ct) < 0 ? 500 : 0;
}

/* ---- the resolver ---- */

/* A trunk: target waiting for its provider to be located. */
struct trunk_pending {
	struct trunk_mod *m;
	struct tandem_call *call;
	struct tandem_resolve *r;
	struct trunk_wait *wait;
	char number[80];
	struct trunk_pending *next;
};

static void pending_unlink(struct trunk_pending *p)
{
	for (struct trunk_pending **pp = &p->m->pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return;
		}
}

/* The B-leg to tr, or a failure: then the call no longer counts on tr. */
static int leg_or_drop(struct trunk *tr, struct tandem_call *call, const char *number,
                       struct tandem_resolve *r, int status)
{
	int rc = status < 0 ? 503 : contact_of(tr, call, number, r);
	struct trunk_call *tc = rc ? trunk_call_get(tr->m, call, false) : NULL;
	if (tc)
		trunk_call_drop(tc, tr);
	return rc;
}

static void on_located(struct trunk *tr, int status, void *arg)
{
	struct trunk_pending *p = arg;
	pending_unlink(p);
	int rc = leg_or_drop(tr, p->call, p->number, p->r, status);
	struct tandem_resolve *r = p->r;
	free(p);
	tandem_resolve_done(r, rc);
}

static void abandon(struct tandem_resolve *r, void *arg)
{
	struct trunk_mod *m = arg;
	for (struct trunk_pending *p = m->pending; p; p = p->next)
		if (p->r == r) {
			pending_unlink(p);
			trunk_locate_cancel(p->wait);
			free(p);
			return;
		}
}

/* May this call use tr? 0, or the status that refuses it. */
static int admit(struct trunk_mod *m, struct trunk *tr, struct tandem_call *call,
                 struct trunk_call *tc)
{
	const char *user = tandem_call_var(call, "auth_user");
	bool from_trunk = tc && tc->in;
	if (!from_trunk && (!user || !*user)) {
		/* never to a provider for someone who did not log in */
		const struct sip_msg *inv = tandem_call_invite(call);
		char a[64] = "?";
		if (inv)
			sip_addr_str((const struct sockaddr *)&inv->rx.src, a, sizeof a);
		tlog_warn("call %s: trunk %s refused: the caller (from %s) is not authenticated "
		          "(put auth before dial(trunk:...))", tandem_call_id(call), tr->c.name, a);
		return 403;
	}
	if (!trunk_usable(tr)) {
		tlog_info("call %s: trunk %s is down (qualify)", tandem_call_id(call), tr->c.name);
		return 503;
	}
	bool counted = tc && trunk_call_uses(tc, tr);
	if (!counted && tr->c.max_calls && tr->active >= tr->c.max_calls) {
		tr->calls_refused++;
		tlog_info("call %s: trunk %s is full (%u calls)", tandem_call_id(call), tr->c.name,
		          tr->active);
		return 503;
	}
	if (!from_trunk && m->max_calls_per_user && !(tc && tc->user[0])) {
		unsigned n = trunk_user_calls(m, user);
		if (n >= m->max_calls_per_user) {
			tlog_info("call %s: %s has %u trunk calls already", tandem_call_id(call), user, n);
			return 403;
		}
	}
	return 0;
}

static int resolve(struct tandem *t, struct tandem_call *call, const char *rest,
                   struct tandem_resolve *r, void *arg)
{
	struct trunk_mod *m = arg;
	char name[TRUNK_NAME_MAX], number[80];
	(void)t;
	if (split_target(rest, name, sizeof name, number, sizeof number) < 0 || !number_ok(number)) {
		tlog_info("dial: trunk:%s is not trunk:NAME/NUMBER", rest);
		return 484;   /* Address Incomplete (RFC 3261 §21.4.22) */
	}
	struct trunk *tr = trunk_find(m, name);
	if (!tr) {
		tlog_warn("dial: no trunk named %s", name);
		return 404;
	}
	if (!call)
		return 403;   /* MESSAGE and the like do not go to providers */
	struct trunk_call *tc = trunk_call_get(m, call, true);
	if (!tc)
		return 500;
	int rc = admit(m, tr, call, tc);
	if (rc)
		return rc;
	if (trunk_call_take(m, tc, tr, tandem_call_var(call, "auth_user")) < 0)
		return 500;
	struct trunk_pending *p = calloc(1, sizeof *p);
	if (!p)
		return 500;
	*p = (struct trunk_pending){ .m = m, .call = call, .r = r };
	snprintf(p->number, sizeof p->number, "%s", number);
	rc = trunk_locate(tr, on_located, p, &p->wait);
	if (rc == -EINPROGRESS) {
		p->next = m->pending;
		m->pending = p;
		return -EINPROGRESS;
	}
	free(p);
	if (rc < 0)
		tlog_warn("trunk %s: cannot locate the provider: %s", tr->c.name, strerror(-rc));
	return leg_or_drop(tr, call, number, r, rc);
}

int trunk_outbound_init(struct trunk_mod *m)
{
	m->resolver = (struct tandem_resolver){ .scheme = "trunk", .resolve = resolve,
	                                        .abandon = abandon, .arg = m };
	int rc = tandem_register_resolver(m->t, &m->resolver);
	if (rc < 0)
		tlog_error("mod_trunk: cannot serve trunk: targets: %s", strerror(-rc));
	return rc;
}

/* ---- the provider's answers ---- */

/* The trunk of a B-leg being created, from its dial target ("trunk:a/123"). */
static struct trunk *leg_trunk(struct trunk_mod *m, const char *label, char *number, size_t n)
{
	char name[TRUNK_NAME_MAX];
	if (!label || strncasecmp(label, "trunk:", 6) != 0 ||
	    split_target(label + 6, name, sizeof name, number, n) < 0)
		return NULL;
	return trunk_find(m, name);
}

/* 401/407 from the provider: the INVITE again with credentials (RFC 3261
 * §22.2; the strongest challenge offered, RFC 8760). A challenge with the
 * nonce already answered, not stale, means the credentials are wrong:
 * the leg fails (and a hunt list moves on to the next trunk). */
static enum tandem_verdict challenge(struct tandem_event *ev, struct trunk_leg *tl)
{
	const struct trunk *tr = tl->tr;
	struct sip_digest_challenge ch;
	int status = ev->msg->status;
	if (!tr->c.password || sip_digest_pick_challenge(ev->msg, tr->c.realm, &ch) < 0) {
		tlog_warn("call %s: %d from trunk %s and no credentials to answer it",
		          tandem_call_id(ev->call), status, tr->c.name);
		return TANDEM_CONTINUE;
	}
	if (tl->nonce_answered && strcmp(tl->dc.nonce, ch.nonce) == 0 && !ch.stale) {
		tlog_warn("call %s: trunk %s refused the credentials of %s (%d again)",
		          tandem_call_id(ev->call), tr->c.name, tr->c.auth_user, status);
		return TANDEM_CONTINUE;
	}
	char ruri[TANDEM_URI_MAX], value[1024];
	trunk_ruri(tr, tl->number, ruri, sizeof ruri);
	uint32_t nc = sip_digest_client_next_nc(&tl->dc, ch.nonce);
	int len = sip_digest_authorization(value, sizeof value, &ch, tr->c.auth_user, tr->c.password,
	                                   "INVITE", ruri, nc, NULL);
	if (len < 0)
		return TANDEM_CONTINUE;
	snprintf(tl->retry, sizeof tl->retry, "%s: %s\r\n",
	         status == 407 ? "Proxy-Authorization" : "Authorization", value);
	tl->nonce_answered = true;
	ev->retry_headers = tl->retry;
	return TANDEM_RETRY;
}

enum tandem_verdict trunk_on_bleg_response(struct tandem_event *ev)
{
	struct trunk_mod *m = tandem_module_data(ev->t, TMOD);
	struct trunk_call *tc = m ? trunk_call_get(m, ev->call, false) : NULL;
	struct trunk_leg *tl = tc ? trunk_call_leg(tc, ev->leg) : NULL;
	if (!tl || !ev->msg)
		return TANDEM_CONTINUE;
	int status = ev->msg->status;
	if (status == 401 || status == 407)
		return challenge(ev, tl);
	if (status >= 300) {
		/* the call no longer goes through the trunk: its place is free */
		trunk_call_drop(tc, tl->tr);
		if (status >= 500)
			tlog_info("call %s: trunk %s answered %d", tandem_call_id(ev->call),
			          tl->tr->c.name, status);
	}
	return TANDEM_CONTINUE;
}

enum tandem_verdict trunk_on_call_end(struct tandem_event *ev)
{
	struct trunk_mod *m = tandem_module_data(ev->t, TMOD);
	struct trunk_call *tc = m ? trunk_call_get(m, ev->call, false) : NULL;
	if (tc)
		trunk_call_free(m, ev->call, tc);
	return TANDEM_CONTINUE;
}

/* An offer to a trunk's leg carries only the codecs the trunk allows. */
enum tandem_verdict trunk_on_media(struct tandem_event *ev)
{
	struct trunk_mod *m = tandem_module_data(ev->t, TMOD);
	struct trunk_call *tc = m ? trunk_call_get(m, ev->call, false) : NULL;
	if (!tc || ev->sdp_role != TANDEM_SDP_OFFER)
		return TANDEM_CONTINUE;
	struct trunk *tr = ev->to_leg == TANDEM_LEG_A ? tc->in : NULL;
	struct trunk_leg *tl = ev->to_leg != TANDEM_LEG_A ? trunk_call_leg(tc, ev->to_leg) : NULL;
	if (tl)
		tr = tl->tr;
	if (!tr || tr->c.ncodecs == 0 || ev->body.len == 0)
		return TANDEM_CONTINUE;
	size_t size = ev->body.len + 64;
	char *out = malloc(size);
	if (!out)
		return TANDEM_CONTINUE;
	int len = trunk_codecs_filter(ev->body.p, ev->body.len, (const char *const *)tr->c.codecs,
	                              tr->c.ncodecs, out, size);
	if (len >= 0)
		tandem_event_set_body(ev, out, (size_t)len);
	else if (len == -ENOENT)
		tlog_warn("call %s: the offer to trunk %s has none of its codecs: sent as it is",
		          tandem_call_id(ev->call), tr->c.name);
	free(out);
	return TANDEM_CONTINUE;
}

/* A B-leg created for a trunk target: remember which trunk it is (its
 * index is what MEDIA events and responses name). */
enum tandem_verdict trunk_on_bleg_create(struct tandem_event *ev)
{
	struct trunk_mod *m = tandem_module_data(ev->t, TMOD);
	char number[80];
	struct trunk *tr = m ? leg_trunk(m, ev->leg_target, number, sizeof number) : NULL;
	struct trunk_call *tc = tr ? trunk_call_get(m, ev->call, false) : NULL;
	if (tc)
		trunk_call_add_leg(tc, ev->leg, tr, number);
	return TANDEM_CONTINUE;
}
