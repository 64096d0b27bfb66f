/* The transaction user below the call core: request sanity checks with the
 * answers RFC 3261 asks for, the REQUEST hook chain, and OPTIONS to tandem
 * itself. Requests no module takes are answered here. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/sip_uri.h>

#include "call/call.h"
#include "call/events.h"
#include "net/transport_internal.h"
#include "tandem_internal.h"

/* Methods tandem answers (RFC 3261 §20.5 Allow). SUBSCRIBE only while a
 * module serves an event package: without one every SUBSCRIBE fails. */
#define TANDEM_ALLOW_BASE "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, PRACK, UPDATE, " \
	"REFER, NOTIFY, MESSAGE, REGISTER"
#define TANDEM_ALLOW_EVENTS TANDEM_ALLOW_BASE ", SUBSCRIBE"

static const char *allow_list(const struct tandem *t)
{
	return event_core_npackages(t) ? TANDEM_ALLOW_EVENTS : TANDEM_ALLOW_BASE;
}
/* Option tags the core implements; a Require naming others gets 420. */
static const char *const supported_tags[] = { NULL };

static void send_stateless(struct tandem *t, const struct sip_msg *req, int status,
                           const char *reason, const struct sip_resp_extra *extra)
{
	struct sip_wbuf w;
	char tag[17];
	struct sip_dest dst;
	sip_random_token(tag, sizeof tag);
	sip_wbuf_init(&w, 512);
	if (sip_build_response(&w, req, status, reason, tag, extra) < 0 ||
	    sip_transport_response_dest(t->tp, req, &dst) < 0 ||
	    sip_transport_send(t->tp, &dst, w.p, w.len) < 0)
		tlog_debug("could not answer %d to a request from its source", status);
	else
		t->stats.responses_sent_stateless++;
	sip_wbuf_free(&w);
}

static void log_rejected(const struct sip_msg *req, int status, const char *why)
{
	char src[64];
	sip_addr_str((const struct sockaddr *)&req->rx.src, src, sizeof src);
	tlog_info("rejected %.*s from %s/%s: %d %s (Call-ID %.*s)",
	          (int)req->method_str.len, req->method_str.p, src, sip_proto_name(req->rx.proto),
	          status, why, (int)req->call_id.len, req->call_id.p);
}

/* A request tandem can answer: a start line and a top Via to send it to.
 * RFC 3261 §17.1.1.3: an ACK is never answered. */
static bool answerable(const struct sip_msg *m)
{
	return m->is_request && m->method != SIP_ACK && m->via.host.len > 0;
}

static void on_rx(void *arg, struct sip_msg *msg)
{
	struct tandem *t = arg;
	if (msg->is_request && t->nhooks[TANDEM_HOOK_RECEIVE]) {
		struct tandem_event ev = { .t = t, .point = TANDEM_HOOK_RECEIVE, .msg = msg };
		if (loader_run_hooks(t, &ev) != TANDEM_CONTINUE) {
			t->stats.filtered++;
			sip_msg_free(msg);
			free(msg);
			return;
		}
	}
	if (msg->is_request) {
		struct sip_error err = { 0, NULL };
		if (sip_msg_validate_request(msg, &err) < 0) {
			if (err.status && answerable(msg)) {
				log_rejected(msg, err.status, err.reason);
				send_stateless(t, msg, err.status, err.reason, NULL);
				t->stats.rejected++;
			} else {
				t->stats.bad_dropped++;
			}
			sip_msg_free(msg);
			free(msg);
			return;
		}
	}
	sip_stack_receive(t->stack, msg);
}

/* The transport could not parse it: answer from what was parsed, or drop. */
static void on_bad(void *arg, const struct sip_rx_info *rx, const char *data, size_t len,
                   const struct sip_error *err)
{
	struct tandem *t = arg;
	char src[64];
	sip_addr_str((const struct sockaddr *)&rx->src, src, sizeof src);
	if (err->status) {
		struct sip_msg m;
		struct sip_error again;
		memset(&m, 0, sizeof m);
		sip_msg_parse(&m, data, len, rx->proto == SIP_PROTO_UDP ? 0 : SIP_PARSE_STREAM, &again);
		m.rx = *rx;
		if (answerable(&m) && m.call_id.len && m.cseq_method_str.len) {
			log_rejected(&m, err->status, err->reason);
			send_stateless(t, &m, err->status, err->reason, NULL);
			t->stats.rejected++;
			sip_msg_free(&m);
			return;
		}
		sip_msg_free(&m);
	}
	t->stats.bad_dropped++;
	tlog_debug("dropped %zu unparseable bytes from %s/%s: %s", len, src,
	           sip_proto_name(rx->proto), err->reason ? err->reason : "garbage");
}

/* RFC 3261 §8.2.2.3: every option tag in Require must be one we support. */
static bool unsupported_required(const struct sip_msg *req, char *list, size_t n)
{
	size_t used = 0;
	list[0] = '\0';
	for (const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_REQUIRE); h; h = sip_msg_hdr_next(req, h)) {
		struct sip_str rest = h->value, tag;
		while (sip_list_next(&rest, &tag)) {
			bool known = false;
			for (const char *const *s = supported_tags; *s && !known; s++)
				known = sip_str_caseeq_c(tag, *s);
			if (known)
				continue;
			int w = snprintf(list + used, n - used, "%s%.*s", used ? ", " : "", (int)tag.len, tag.p);
			if (w > 0 && (size_t)w < n - used)
				used += (size_t)w;
		}
	}
	return used > 0;
}

static void reply(struct sip_tsx *st, int status, const char *reason, const char *headers)
{
	struct sip_resp_extra extra = { .headers = headers };
	if (sip_tsx_respond(st, status, reason, headers ? &extra : NULL) < 0)
		tlog_debug("could not send %d", status);
}

/* RFC 3261 §11.2: OPTIONS to tandem itself. RFC 6665 §8.2.2: Allow-Events
 * lists the event packages served (none: no header). */
static void answer_options(struct tandem *t, struct sip_tsx *st)
{
	char hdrs[1024], events[512];
	size_t used = 0;
	event_core_allow_events(t, events, sizeof events);
	used += (size_t)snprintf(hdrs, sizeof hdrs,
	                         "Allow: %s\r\n%s", allow_list(t), events);
	used += (size_t)snprintf(hdrs + used, sizeof hdrs - used,
	                         "Accept: application/sdp, text/plain, message/cpim, message/sipfrag\r\n"
	                         "Accept-Encoding: identity\r\n"
	                         "Accept-Language: en\r\n"
	                         "Supported: ");
	for (const char *const *s = supported_tags; *s && used < sizeof hdrs; s++)
		used += (size_t)snprintf(hdrs + used, sizeof hdrs - used, "%s%s",
		                         s == supported_tags ? "" : ", ", *s);
	if (used < sizeof hdrs)
		snprintf(hdrs + used, sizeof hdrs - used, "\r\n");
	reply(st, 200, NULL, hdrs);
}

static bool addressed_to_server(const struct sip_msg *req)
{
	struct sip_uri u;
	return sip_uri_parse(req->ruri, &u) == 0 && u.user.len == 0;
}

static void on_request(void *arg, struct sip_tsx *st, struct sip_msg *req)
{
	struct tandem *t = arg;
	char list[256];

	if (!st) { /* an ACK for a 2xx belongs to its dialog (§13.2.2.4) */
		call_core_ack(t, req);
		return;
	}
	t->stats.requests++;
	if (req->method != SIP_CANCEL && unsupported_required(req, list, sizeof list)) {
		char hdrs[300];
		snprintf(hdrs, sizeof hdrs, "Unsupported: %s\r\n", list);
		log_rejected(req, 420, list);
		reply(st, 420, NULL, hdrs);
		return;
	}
	if (req->method == SIP_METHOD_UNKNOWN) {
		/* RFC 3261 §8.2.1: a method we do not know gets 501 with Allow. */
		char allow[300];
		snprintf(allow, sizeof allow, "Allow: %s\r\n", allow_list(t));
		reply(st, 501, NULL, allow);
		return;
	}
	if (req->to_tag.len) {
		/* RFC 3261 §12.2.2: in-dialog request for a dialog we do not have. */
		if (!call_core_indialog(t, st, req) && !event_core_indialog(t, st, req))
			reply(st, 481, NULL, NULL);
		return;
	}
	/* RFC 3261 §16.3 step 3 / §11: OPTIONS to tandem itself may be answered
	 * with Max-Forwards 0; anything that would be forwarded gets 483. */
	bool to_server = req->method == SIP_OPTIONS && addressed_to_server(req);
	if (req->max_forwards == 0 && !to_server) {
		log_rejected(req, 483, "Max-Forwards is 0");
		reply(st, 483, NULL, NULL);
		return;
	}

	struct tandem_event ev = { .t = t, .point = TANDEM_HOOK_REQUEST, .msg = req, .tsx = st };
	switch (loader_run_hooks(t, &ev)) {
	case TANDEM_DONE:
	case TANDEM_SUSPEND:
		return;
	case TANDEM_REJECT:
		reply(st, loader_reject_status(ev.reject_code), ev.reject_reason, ev.reject_headers);
		return;
	case TANDEM_RETRY:     /* BLEG_RESPONSE only: the loader made it CONTINUE */
	case TANDEM_CONTINUE:
		break;
	}

	if (req->method == SIP_OPTIONS && to_server) {
		answer_options(t, st);
		return;
	}
	if (call_core_route(t, st, req))
		return;
	if (req->method == SIP_OPTIONS) {
		answer_options(t, st);
		return;
	}
	if (req->method == SIP_REGISTER) {
		/* No registrar module took it. */
		reply(st, 405, NULL, "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, PRACK, UPDATE, "
		                     "REFER, NOTIFY, SUBSCRIBE, MESSAGE\r\n");
		return;
	}
	if (req->method == SIP_SUBSCRIBE) {
		/* The event core: a package a module serves, else 489 with the
		 * packages we do serve in Allow-Events (RFC 6665 §4.2.1.1). */
		event_core_subscribe(t, st, req);
		return;
	}
	if (req->method == SIP_NOTIFY) {
		/* RFC 6665 §4.1.3: a NOTIFY outside any subscription we made */
		reply(st, 481, "Subscription Does Not Exist", NULL);
		return;
	}
	reply(st, 404, "No Route", NULL);
}

static void on_cancel(void *arg, struct sip_tsx *invite_st, struct sip_msg *cancel)
{
	(void)cancel;
	if (call_core_cancel(arg, invite_st))
		return;
	/* RFC 3261 §9.2: the INVITE ends with 487 once CANCEL is matched. */
	if (!sip_tsx_answered(invite_st))
		reply(invite_st, 487, NULL, NULL);
}

static void on_stray_response(void *arg, struct sip_msg *resp)
{
	call_core_stray_response(arg, resp);
	tlog_debug("stray response %d (Call-ID %.*s) absorbed", resp->status,
	           (int)resp->call_id.len, resp->call_id.p);
}

static void on_server_error(void *arg, struct sip_tsx *st, int err)
{
	call_core_server_error(arg, st, err);
}

static const struct sip_tu_ops tu_ops = {
	.on_request = on_request,
	.on_cancel = on_cancel,
	.on_stray_response = on_stray_response,
	.on_server_error = on_server_error,
};

int tandem_server_open(struct tandem *t)
{
	const struct tandem_config *c = t->conf;
	t->tp = sip_transport_new(t->loop, &c->transport, on_rx, on_bad, t);
	if (!t->tp)
		return -ENOMEM;
	for (unsigned i = 0; i < c->nlisteners; i++) {
		int rc = sip_transport_listen(t->tp, &c->listeners[i]);
		if (rc < 0)
			return rc;
	}
	t->stack = sip_stack_new(t->loop, t->tp, &c->timers, &tu_ops, t);
	if (!t->stack)
		return -ENOMEM;
	char err[256];
	t->dns = sip_dns_new(t->loop, &c->dns, err, sizeof err);
	if (!t->dns) {
		tlog_error("dns: %s", err);
		return -EIO;
	}
	return 0;
}

/* How long shutdown waits for the stream connections' last bytes. */
#define SHUTDOWN_FLUSH_SECS 1.0

void tandem_server_close(struct tandem *t)
{
	/* The modules' last requests (a trunk's unregister, RFC 3261 §10.2.2)
	 * were sent from their stop(), after the loop ended: UDP has sent
	 * them already, a TCP/TLS connection may still be connecting. */
	if (t->tp)
		sip_stream_flush_all(t->tp, SHUTDOWN_FLUSH_SECS);
	sip_dns_free(t->dns);
	t->dns = NULL;
	if (t->stack)
		sip_stack_free(t->stack);
	if (t->tp)
		sip_transport_free(t->tp);
	t->stack = NULL;
	t->tp = NULL;
}

void tandem_server_apply(struct tandem *t, const struct tandem_config *c)
{
	sip_stack_set_timers(t->stack, &c->timers);
	tandem_log_config_level(c->log_level);
}

/* ---- module-facing ---- */

struct ev_loop *tandem_loop(struct tandem *t) { return t->loop; }
struct sip_stack *tandem_stack(struct tandem *t) { return t->stack; }
struct sip_dns *tandem_dns(struct tandem *t) { return t->dns; }

int tandem_reply(struct tandem_event *ev, int status, const char *reason,
                 const struct sip_resp_extra *extra)
{
	if (!ev->tsx)
		return -EINVAL;
	return sip_tsx_respond(ev->tsx, status, reason, extra);
}
