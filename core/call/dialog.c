/* tandem — dialog state and in-dialog request building (RFC 3261 §12). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tandem/sip_uri.h>

#include "dialog.h"
#include "net/transport_internal.h"

void dialog_clear(struct dialog *d)
{
	free(d->call_id);
	free(d->local_tag);
	free(d->remote_tag);
	free(d->local_party);
	free(d->remote_party);
	free(d->remote_target);
	for (unsigned i = 0; i < d->nroutes; i++)
		free(d->routes[i]);
	memset(d, 0, sizeof *d);
}

char *nameaddr_without_tag(struct sip_str value)
{
	struct sip_nameaddr na;
	if (sip_nameaddr_parse(value, &na) < 0)
		return NULL;
	struct sip_wbuf w;
	sip_wbuf_init(&w, value.len + 8);
	if (na.display.len)
		sip_wbuf_printf(&w, "\"%.*s\" ", (int)na.display.len, na.display.p);
	sip_wbuf_printf(&w, "<%.*s>", (int)na.uri_str.len, na.uri_str.p);
	/* keep every header parameter except the tag */
	const char *p = na.params.p, *end = p ? p + na.params.len : NULL;
	while (p && p < end) {
		const char *q = p + 1;
		bool quoted = false;
		while (q < end && (quoted || *q != ';')) {
			if (*q == '"')
				quoted = !quoted;
			q++;
		}
		struct sip_str prm = sip_str_trim((struct sip_str){ p + 1, (size_t)(q - p - 1) });
		bool tag = prm.len >= 3 && strncasecmp(prm.p, "tag", 3) == 0 &&
		           (prm.len == 3 || prm.p[3] == '=' || prm.p[3] == ' ');
		if (!tag && prm.len)
			sip_wbuf_printf(&w, ";%.*s", (int)prm.len, prm.p);
		p = q;
	}
	sip_wbuf_put(&w, "", 1);
	if (w.err) {
		sip_wbuf_free(&w);
		return NULL;
	}
	return w.p;
}

static char *contact_uri(const struct sip_msg *m)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_CONTACT);
	if (!h)
		return NULL;
	struct sip_str rest = h->value, item;
	struct sip_nameaddr na;
	if (!sip_list_next(&rest, &item) || sip_nameaddr_parse(item, &na) < 0 || na.wildcard)
		return NULL;
	return sip_str_dup(na.uri_str);
}

/* Record-Route values in header order, each item its own entry. */
static void take_routes(struct dialog *d, const struct sip_msg *m, bool reverse)
{
	char *tmp[DIALOG_MAX_ROUTES];
	unsigned n = 0;
	for (const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_RECORD_ROUTE); h;
	     h = sip_msg_hdr_next(m, h)) {
		struct sip_str rest = h->value, item;
		while (sip_list_next(&rest, &item) && n < DIALOG_MAX_ROUTES) {
			char *s = sip_str_dup(item);
			if (s)
				tmp[n++] = s;
		}
	}
	for (unsigned i = 0; i < d->nroutes; i++)
		free(d->routes[i]);
	for (unsigned i = 0; i < n; i++)
		d->routes[i] = tmp[reverse ? n - 1 - i : i];
	d->nroutes = n;
}

int dialog_init_uas(struct dialog *d, const struct sip_msg *req, const char *local_tag)
{
	const struct sip_hdr *from = sip_msg_hdr(req, SIP_HDR_FROM);
	const struct sip_hdr *to = sip_msg_hdr(req, SIP_HDR_TO);
	memset(d, 0, sizeof *d);
	if (!from || !to)
		return -EINVAL;
	d->call_id = sip_str_dup(req->call_id);
	d->local_tag = strdup(local_tag);
	d->remote_tag = sip_str_dup(req->from_tag);
	d->local_party = nameaddr_without_tag(to->value);
	d->remote_party = nameaddr_without_tag(from->value);
	d->remote_cseq = req->cseq;
	/* RFC 3261 §12.1.1: our first request in this dialog needs a CSeq of
	 * our own; any start will do. */
	d->local_cseq = 1;
	d->remote_target = contact_uri(req);
	take_routes(d, req, false);
	d->has_flow = true;
	d->flow.proto = req->rx.proto;
	memcpy(&d->flow.addr, &req->rx.src, sizeof d->flow.addr);
	d->flow.addr_len = req->rx.src_len;
	d->flow.conn_id = req->rx.conn_id;
	if (!d->call_id || !d->local_tag || !d->remote_tag || !d->local_party ||
	    !d->remote_party) {
		dialog_clear(d);
		return -ENOMEM;
	}
	if (!d->remote_target) {
		/* §8.1.1.8: a dialog-creating request must carry a Contact */
		dialog_clear(d);
		return -EINVAL;
	}
	return 0;
}

int dialog_init_uac(struct dialog *d, const char *from, const char *to, const char *target)
{
	char tok[24];
	memset(d, 0, sizeof *d);
	sip_random_token(tok, sizeof tok);
	size_t n = strlen(tok) + 16;
	d->call_id = malloc(n);
	if (d->call_id)
		snprintf(d->call_id, n, "%s@tandem", tok);
	sip_random_token(tok, 17);
	d->local_tag = strdup(tok);
	d->local_party = strdup(from);
	d->remote_party = strdup(to);
	d->remote_target = strdup(target);
	/* §8.1.1.5: any value below 2^31 */
	d->local_cseq = (uint32_t)(((unsigned char)tok[0] << 8 | (unsigned char)tok[1]) % 10000) + 1;
	if (!d->call_id || !d->local_tag || !d->local_party || !d->remote_party ||
	    !d->remote_target) {
		dialog_clear(d);
		return -ENOMEM;
	}
	return 0;
}

static void learn_hop(struct dialog *d, const struct sip_msg *resp)
{
	/* §18.1.2: the response came back on the connection the request went
	 * out on: that is the connection to keep using */
	if (d->has_hop && resp->rx.proto == d->hop.proto && resp->rx.proto != SIP_PROTO_UDP &&
	    resp->rx.conn_id) {
		d->hop.conn_id = resp->rx.conn_id;
		memcpy(&d->hop.addr, &resp->rx.src, sizeof d->hop.addr);
		d->hop.addr_len = resp->rx.src_len;
	}
}

int dialog_update_uac(struct dialog *d, const struct sip_msg *resp, bool first)
{
	if (sip_str_empty(resp->to_tag))
		return -EINVAL;
	char *tag = sip_str_dup(resp->to_tag);
	if (!tag)
		return -ENOMEM;
	free(d->remote_tag);
	d->remote_tag = tag;
	char *target = contact_uri(resp);
	if (target) {
		free(d->remote_target);
		d->remote_target = target;
	}
	if (first)
		take_routes(d, resp, true);
	learn_hop(d, resp);
	return 0;
}

void dialog_refresh_target(struct dialog *d, const struct sip_msg *m)
{
	char *target = contact_uri(m);
	if (target) {
		free(d->remote_target);
		d->remote_target = target;
	}
}

/* text is a URI (a remote target, a dial target: "sip:b@h;transport=tcp")
 * or a name-addr (a Route: "<sip:p;lr>"). In a bare addr-spec every ';'
 * parameter is the URI's: sip_nameaddr_parse would take them for header
 * parameters (RFC 3261 §20.10), losing transport= and maddr=. */
static int target_uri(struct sip_str text, struct sip_uri *u)
{
	text = sip_str_trim(text);
	if (text.len && memchr(text.p, '<', text.len)) {
		struct sip_nameaddr na;
		if (sip_nameaddr_parse(text, &na) < 0)
			return -EINVAL;
		*u = na.uri;
		return 0;
	}
	return sip_uri_parse(text, u) < 0 ? -EINVAL : 0;
}

/* uri_dest, with *named telling whether the URI chose its transport (a
 * transport parameter or sips:) or got the default, dflt. */
static int uri_dest_dflt(struct sip_str text, enum sip_proto dflt, struct sip_dest *out,
                         bool *named)
{
	struct sip_uri uri, *u = &uri;
	if (target_uri(text, u) < 0 || u->scheme == SIP_URI_TEL || u->scheme == SIP_URI_OTHER)
		return -EINVAL;
	/* RFC 3263 §4.1: sips: means TLS; else the transport parameter */
	enum sip_proto proto = u->scheme == SIP_URI_SIPS ? SIP_PROTO_TLS : dflt;
	*named = u->scheme == SIP_URI_SIPS;
	struct sip_str v;
	if (sip_param_get(u->params, "transport", &v) == 1) {
		*named = true;
		if (sip_str_caseeq_c(v, "tcp"))
			proto = u->scheme == SIP_URI_SIPS ? SIP_PROTO_TLS : SIP_PROTO_TCP;
		else if (sip_str_caseeq_c(v, "tls"))
			proto = SIP_PROTO_TLS;
		else if (sip_str_caseeq_c(v, "udp") && u->scheme != SIP_URI_SIPS)
			proto = SIP_PROTO_UDP;
		else
			return -EPROTONOSUPPORT;
	}
	struct sip_str host = u->host;
	if (sip_param_get(u->params, "maddr", &v) == 1 && v.len)
		host = v;   /* §19.1.1: maddr overrides the host */
	memset(out, 0, sizeof *out);
	if (u->host_ipv6 && host.p == u->host.p) {
		char b[80];
		if (host.len > 70)
			return -EINVAL;
		snprintf(b, sizeof b, "[%.*s]", (int)host.len, host.p);
		return sip_dest_from_host(out, proto, sip_str_c(b), u->port);
	}
	return sip_dest_from_host(out, proto, host, u->port);
}

int uri_dest(struct sip_str text, struct sip_dest *out)
{
	bool named;
	/* RFC 3263 §4.1: no transport named, a numeric host: UDP */
	return uri_dest_dflt(text, SIP_PROTO_UDP, out, &named);
}

void dialog_set_first_hop(struct dialog *d, const struct sip_dest *dst, bool flow)
{
	if (flow) {
		d->has_flow = true;
		d->flow = *dst;
	} else {
		d->has_hop = true;
		d->hop = *dst;
	}
}

int dialog_dest(const struct dialog *d, struct sip_dest *out)
{
	if (d->has_flow) {
		*out = d->flow;
		return 0;
	}
	const char *next = d->nroutes ? d->routes[0] : d->remote_target;
	if (!next)
		return -EINVAL;
	if (!d->has_hop)
		return uri_dest(sip_str_c(next), out);
	/* A remote target (or first Route) naming no transport keeps the one
	 * the dialog was set up on: the callee answered an INVITE that came
	 * over TCP/TLS with a Contact of the UDP default (SIPp and many phones
	 * do), and RFC 3261 §18.1.1 would otherwise have us send its ACK and
	 * BYE by UDP to a port that only listens on TCP. An explicit transport
	 * is followed. */
	bool named;
	int rc = uri_dest_dflt(sip_str_c(next), d->hop.proto, out, &named);
	if (rc == 0 && !named && d->hop.conn_id &&
	    sip_addr_eq((const struct sockaddr *)&out->addr, (const struct sockaddr *)&d->hop.addr))
		out->conn_id = d->hop.conn_id;   /* still open: reuse it */
	return rc;
}

/* RFC 3261 §25.1 user: unreserved, user-unreserved and escaped. */
static bool user_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr("-_.!~*'()&=+$,;?/", ch) != NULL;
}

int dialog_contact_uri(struct sip_stack *s, const struct sip_dest *dst, const char *user,
                       char *out, size_t n)
{
	char host[128];
	uint16_t port = 0;
	int rc = sip_transport_via_sentby(sip_stack_transport(s), dst->proto,
	                                  (const struct sockaddr *)&dst->addr,
	                                  host, sizeof host, &port);
	if (rc < 0)
		return rc;
	char u[200];
	size_t k = 0;
	for (const unsigned char *p = (const unsigned char *)(user ? user : ""); *p; p++) {
		if (k + 4 > sizeof u)
			return -ENOSPC;
		if (user_char(*p))
			u[k++] = (char)*p;
		else
			k += (size_t)snprintf(u + k, sizeof u - k, "%%%02X", *p);
	}
	u[k] = '\0';
	const char *tp = dst->proto == SIP_PROTO_TCP ? ";transport=tcp" :
	                 dst->proto == SIP_PROTO_TLS ? ";transport=tls" : "";
	int w = snprintf(out, n, "sip:%s%s%s:%u%s", u, k ? "@" : "", host, (unsigned)port, tp);
	return w < 0 || (size_t)w >= n ? -ENOSPC : 0;
}

int dialog_put_contact(struct sip_stack *s, const struct sip_dest *dst, struct sip_wbuf *w)
{
	char uri[384];
	int rc = dialog_contact_uri(s, dst, NULL, uri, sizeof uri);
	if (rc < 0)
		return rc;
	sip_wbuf_printf(w, "Contact: <%s>\r\n", uri);
	return w->err;
}

int dialog_build_request(struct sip_stack *s, struct dialog *d, const struct dialog_req *r,
                         const struct sip_dest *dst, char **out, size_t *len)
{
	struct sip_wbuf w;
	uint32_t cseq = r->cseq ? r->cseq : ++d->local_cseq;
	sip_wbuf_init(&w, 768 + r->body.len);
	sip_wbuf_printf(&w, "%s %s SIP/2.0\r\n", r->method, r->ruri ? r->ruri : d->remote_target);
	int rc = sip_stack_make_via(s, dst, &w, NULL, 0);
	if (rc < 0)
		goto fail;
	for (unsigned i = 0; i < d->nroutes; i++)
		sip_wbuf_printf(&w, "Route: %s\r\n", d->routes[i]);
	sip_wbuf_printf(&w, "Max-Forwards: %d\r\n", r->max_forwards < 0 ? 0 : r->max_forwards ? r->max_forwards : 70);
	sip_wbuf_printf(&w, "From: %s;tag=%s\r\n", d->local_party, d->local_tag);
	if (d->remote_tag)
		sip_wbuf_printf(&w, "To: %s;tag=%s\r\n", d->remote_party, d->remote_tag);
	else
		sip_wbuf_printf(&w, "To: %s\r\n", d->remote_party);
	sip_wbuf_printf(&w, "Call-ID: %s\r\n", d->call_id);
	sip_wbuf_printf(&w, "CSeq: %u %s\r\n", (unsigned)cseq, r->method);
	if (r->contact && (rc = dialog_put_contact(s, dst, &w)) < 0)
		goto fail;
	if (r->headers)
		sip_wbuf_puts(&w, r->headers);
	if (r->body.len) {
		sip_wbuf_printf(&w, "Content-Type: %.*s\r\n", (int)r->ctype.len, r->ctype.p);
		sip_wbuf_printf(&w, "Content-Length: %zu\r\n\r\n", r->body.len);
		sip_wbuf_str(&w, r->body);
	} else {
		sip_wbuf_puts(&w, "Content-Length: 0\r\n\r\n");
	}
	long n = sip_wbuf_take(&w, out);
	if (n < 0) {
		rc = (int)n;
		goto fail;
	}
	*len = (size_t)n;
	return 0;
fail:
	sip_wbuf_free(&w);
	return rc < 0 ? rc : -ENOMEM;
}
