/* mod_trunk — calls from providers. An INVITE is a trunk's when it comes
 * from one of the trunk's networks (any port), or from an address and
 * port its provider was located at (where tandem registers and sends its
 * calls: providers send theirs from there too). When several trunks share a provider, the one
 * whose registration the Request-URI names (its Contact user) wins. Such
 * a call runs the trunk's dialplan context, with the number dialled (the
 * DID) as ${exten}: the Request-URI user, or the To user for trunks
 * configured with did = "to" and for calls to a registration's Contact
 * (whose Request-URI user is the account, not the number). An INVITE
 * from anywhere else is no trunk's: it runs the listener's context as
 * any, where the rules ask for digest (toll fraud: outbound.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tandem/sip_uri.h>

#include "trunk_call.h"

static bool from_trunk(const struct trunk *tr, const struct sockaddr *src)
{
	for (size_t i = 0; i < tr->c.nnets; i++)
		if (sip_net_match(&tr->c.nets[i], src))
			return true;
	return trunk_is_target_addr(tr, src);
}

/* The user part of uri text, unescaped, into out ("" none). */
static void uri_user(struct sip_str uri, char *out, size_t n)
{
	struct sip_uri u;
	out[0] = '\0';
	if (sip_uri_parse(uri, &u) < 0 || !u.user.len || sip_unescape(u.user, out, n) < 0)
		out[0] = '\0';
}

struct trunk *trunk_of_request(struct trunk_mod *m, const struct sip_msg *req)
{
	const struct sockaddr *src = (const struct sockaddr *)&req->rx.src;
	char ruser[128];
	uri_user(req->ruri, ruser, sizeof ruser);
	struct trunk *first = NULL;
	for (size_t i = 0; i < m->ntrunks; i++) {
		struct trunk *tr = m->trunks[i];
		if (!tr->c.context || !from_trunk(tr, src))
			continue;
		if (tr->c.reg && tr->c.contact_user && strcmp(ruser, tr->c.contact_user) == 0)
			return tr;
		if (!first)
			first = tr;
	}
	return first;
}

enum tandem_verdict trunk_on_route(struct tandem_event *ev)
{
	struct trunk_mod *m = tandem_module_data(ev->t, TMOD);
	struct trunk *tr = m && ev->msg ? trunk_of_request(m, ev->msg) : NULL;
	if (!tr)
		return TANDEM_CONTINUE;
	const struct sip_msg *req = ev->msg;
	char ruser[128], did[128];
	uri_user(req->ruri, ruser, sizeof ruser);
	bool to_contact = tr->c.reg && tr->c.contact_user && strcmp(ruser, tr->c.contact_user) == 0;
	if (tr->c.did_from == TRUNK_DID_TO || to_contact)
		uri_user(req->to_uri, did, sizeof did);
	else
		snprintf(did, sizeof did, "%s", ruser);
	if (tr->c.max_calls && tr->active >= tr->c.max_calls) {
		tr->calls_refused++;
		tlog_info("call %s: from trunk %s, which is full (%u calls)", tandem_call_id(ev->call),
		          tr->c.name, tr->active);
		ev->reject_code = 503;
		ev->reject_reason = "Trunk Busy";
		ev->reject_headers = "Retry-After: 30\r\n";
		return TANDEM_REJECT;
	}
	struct trunk_call *tc = trunk_call_get(m, ev->call, true);
	if (!tc) {
		ev->reject_code = 500;
		return TANDEM_REJECT;
	}
	trunk_call_inbound(tc, tr);
	int rc = tandem_route_set_context(ev, tr->c.context, did[0] ? did : NULL);
	if (rc < 0) {
		tlog_error("trunk %s: context \"%s\": %s", tr->c.name, tr->c.context,
		           rc == -ESRCH ? "not in the dialplan" : strerror(-rc));
		ev->reject_code = 500;
		ev->reject_reason = "Trunk Context Missing";
		return TANDEM_REJECT;
	}
	if (m->rtp && m->rtp->call_relay && !tr->c.relay_media)
		m->rtp->call_relay(m->t, ev->call, false);
	tlog_info("call %s: from trunk %s, DID %s, context %s", tandem_call_id(ev->call), tr->c.name,
	          did[0] ? did : "(none)", tr->c.context);
	return TANDEM_CONTINUE;
}
