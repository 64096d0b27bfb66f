/* tandem — MESSAGE outside a dialog (RFC 3428): routed by the dialplan like
 * a call, re-issued with identifiers of tandem's own (fresh Call-ID, From
 * tag, Via), its final answer relayed back. The body is never touched. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../modules/registrar/registrar.h"
#include "call_internal.h"

static const enum sip_hdr_id msg_hdrs[] = {
	SIP_HDR_CONTENT_DISPOSITION, SIP_HDR_CONTENT_ENCODING, SIP_HDR_CONTENT_LANGUAGE,
	SIP_HDR_SUBJECT, SIP_HDR_PRIORITY, SIP_HDR_DATE, SIP_HDR_EXPIRES, SIP_HDR_IN_REPLY_TO,
	SIP_HDR_REPLY_TO, 0
};

static void reply(struct sip_tsx *st, int status, const char *reason)
{
	if (sip_tsx_respond(st, status, reason, NULL) < 0)
		tlog_debug("MESSAGE: could not answer %d", status);
}

/* One target: URI, or the best contact of a registered user. 0 or a status. */
static int message_send(struct call_core *core, struct sip_tsx *st, const struct sip_msg *req,
                        const struct dialplan_target *tg)
{
	char ruri[LOCATION_URI_MAX], to[LOCATION_URI_MAX + 80];
	struct sip_dest dst;
	if (tg->kind == DIALPLAN_TARGET_URI) {
		if (uri_dest(sip_str_c(tg->value), &dst) < 0)
			return 404;
		snprintf(ruri, sizeof ruri, "%s", tg->value);
		snprintf(to, sizeof to, "<%s>", tg->value);
	} else if (tg->kind == DIALPLAN_TARGET_USER) {
		struct location_contact lc;
		int n, rc = call_lookup_user(core, tg->value, &lc, 1, &n);
		if (rc)
			return rc;
		snprintf(ruri, sizeof ruri, "%s", lc.uri);
		memset(&dst, 0, sizeof dst);
		dst.proto = lc.proto;
		memcpy(&dst.addr, &lc.src, sizeof dst.addr);
		dst.addr_len = lc.src_len;
		dst.conn_id = lc.conn_id;
		snprintf(to, sizeof to, "<%.*s>", (int)req->to_uri.len, req->to_uri.p);
	} else {
		return 503;   /* TODO: trunks */
	}
	/* RFC 3428 §7: over UDP (either side) a request larger than the path
	 * MTU would be fragmented; refuse big bodies with 513 */
	if ((dst.proto == SIP_PROTO_UDP || req->rx.proto == SIP_PROTO_UDP) &&
	    req->body.len > core->set.message_max_body)
		return 513;

	const struct sip_hdr *from = sip_msg_hdr(req, SIP_HDR_FROM);
	char *party = from ? nameaddr_without_tag(from->value) : NULL;
	struct dialog d;
	int rc = party ? dialog_init_uac(&d, party, to, ruri) : -ENOMEM;
	free(party);
	if (rc < 0)
		return 500;
	struct sip_wbuf h;
	sip_wbuf_init(&h, 256);
	copy_headers(&h, req, msg_hdrs, NULL);
	sip_wbuf_put(&h, "", 1);
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE);
	struct dialog_req r = {
		.method = "MESSAGE",
		.max_forwards = req->max_forwards < 0 ? 70 : req->max_forwards > 1 ? req->max_forwards - 1 : -1,
		.headers = h.err ? NULL : h.p,
		.ctype = ct ? ct->value : SIP_STR_LIT("text/plain"),
		.body = req->body,
	};
	char *buf;
	size_t len;
	rc = dialog_build_request(core->t->stack, &d, &r, &dst, &buf, &len);
	sip_wbuf_free(&h);
	tlog_info("MESSAGE %.*s -> %s (Call-ID %s)", (int)req->call_id.len, req->call_id.p, ruri,
	          d.call_id);
	dialog_clear(&d);
	if (rc < 0)
		return 500;
	struct creq *cr = creq_new(core, CR_MESSAGE);
	if (!cr) {
		free(buf);
		return 500;
	}
	struct sip_tsx *ctx = sip_tsx_client_new(core->t->stack, &dst, buf, len, creq_on_response, cr);
	if (!ctx) {
		creq_free(cr);
		return 500;
	}
	creq_start(cr, ctx);
	cr->st = st;
	sip_tsx_ref(st);
	return 0;
}

bool message_route(struct call_core *core, struct sip_tsx *st, struct sip_msg *req)
{
	char ruri_user[256], from_user[256], from_domain[256], method[32], call_id[256];
	struct dialplan_input in;
	struct dialplan_cursor *cur;
	if (call_fill_input(req, &in, ruri_user, sizeof ruri_user, from_user, sizeof from_user,
	                    from_domain, sizeof from_domain, method, sizeof method,
	                    call_id, sizeof call_id) < 0) {
		reply(st, 400, "Bad Request-URI");
		return true;
	}
	int rc = dialplan_match(core->dp, call_context_for(core, req), &in, &cur);
	if (rc < 0) {
		reply(st, rc == -ENOMEM ? 500 : 404, rc == -ENOMEM ? NULL : "No Route");
		return true;
	}
	struct dialplan_step s;
	int status = 404;
	const char *reason = "No Route";
	while ((rc = dialplan_next(cur, &s)) == DIALPLAN_STEP) {
		if (s.kind == DIALPLAN_DIAL) {
			/* a page-mode message goes to the first target that takes it */
			for (size_t i = 0; i < s.u.dial.ntargets; i++) {
				status = message_send(core, st, req, &s.u.dial.targets[i]);
				if (status == 0 || status == 513)
					break;
			}
			if (status == 0)
				goto out;
			reason = NULL;
			dialplan_set_outcome(cur, dialplan_outcome_from_status(status));
		} else if (s.kind == DIALPLAN_REJECT) {
			reply(st, s.u.reject.code, s.u.reject.reason);
			goto out;
		} else if (s.kind == DIALPLAN_LOG) {
			tlog_info("MESSAGE %s: %s", call_id, s.u.log.text ? s.u.log.text : "");
		} else if (s.kind == DIALPLAN_MODULE) {
			struct tandem_event ev = { .t = core->t, .point = TANDEM_HOOK_ROUTE, .msg = req,
			                           .tsx = st };
			enum tandem_verdict v = route_run_action(core->t, cur, &s, &ev);
			if (v == TANDEM_REJECT) {
				reply(st, ev.reject_code ? ev.reject_code : 500, ev.reject_reason);
				goto out;
			}
			if (v != TANDEM_CONTINUE && sip_tsx_answered(st))
				goto out;
		}
	}
	if (rc < 0)
		reply(st, 500, "Dialplan Error");
	else
		reply(st, status, reason);
out:
	dialplan_cursor_free(cur);
	return true;
}

void message_on_response(struct creq *cr, const struct sip_msg *resp, int status)
{
	if (status < 200 || !cr->st)
		return;
	char reason[128] = "";
	if (resp)
		sip_str_copy(reason, sizeof reason, resp->reason);
	reply(cr->st, status, reason[0] ? reason : NULL);
}
