/* mod_cdr: a call record and its CSV and JSON lines (record.h). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <tandem/sip_uri.h>

#include "record.h"

void cdr_durations(double start, double answer, double end, long *duration, long *billsec)
{
	double d = end > start && start > 0 ? end - start : 0;
	double b = answer > 0 && end > answer ? end - answer : 0;
	/* a tiny epsilon: 2.0 s measured as 1.9999999 is 2 s */
	*duration = (long)floor(d + 1e-6);
	*billsec = (long)floor(b + 1e-6);
	if (*billsec > *duration)
		*billsec = *duration;
}

enum tandem_call_disposition cdr_disposition(enum tandem_call_disposition d, double answer)
{
	if (answer > 0)
		return TANDEM_DISP_ANSWERED;
	switch (d) {
	case TANDEM_DISP_ANSWERED:
	case TANDEM_DISP_BUSY:
	case TANDEM_DISP_NOANSWER:
	case TANDEM_DISP_FAILED:
	case TANDEM_DISP_CANCELLED:
		return d;
	case TANDEM_DISP_NONE:
		break;
	}
	return TANDEM_DISP_FAILED;
}

const char *cdr_hangup_side_name(enum tandem_hangup_side s)
{
	switch (s) {
	case TANDEM_HANGUP_CALLER: return "caller";
	case TANDEM_HANGUP_CALLEE: return "callee";
	case TANDEM_HANGUP_TANDEM: return "tandem";
	case TANDEM_HANGUP_NONE: break;
	}
	return "";
}

const char *cdr_amaflags(const char *v)
{
	static const char *const names[] = { "OMIT", "BILLING", "DOCUMENTATION" };
	if (!v || !*v)
		return "DOCUMENTATION";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(v, names[i]) == 0)
			return names[i];
	return NULL;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* src and clid from A's From name-addr: the URI user (%XX decoded) and
 * Asterisk's caller ID form, "Name" <number> (the display name with its
 * \-escapes undone; RFC 3261 §25.1 quoted-pair). */
static void caller_ids(const char *caller, struct cdr_record *r)
{
	struct sip_nameaddr na;
	r->src[0] = r->clid[0] = '\0';
	if (!caller || !*caller || sip_nameaddr_parse(sip_str_c(caller), &na) < 0)
		return;
	if (na.uri.user.len && sip_unescape(na.uri.user, r->src, sizeof r->src) < 0)
		snprintf(r->src, sizeof r->src, "%.*s", (int)na.uri.user.len, na.uri.user.p);
	char name[128];
	size_t n = 0;
	for (size_t i = 0; i < na.display.len && n + 1 < sizeof name; i++) {
		char ch = na.display.p[i];
		if (ch == '\\' && i + 1 < na.display.len)
			ch = na.display.p[++i];
		name[n++] = ch;
	}
	name[n] = '\0';
	if (n)
		snprintf(r->clid, sizeof r->clid, "\"%s\" <%s>", name, r->src);
	else
		copy(r->clid, sizeof r->clid, r->src);
}

void cdr_record_from_facts(const struct tandem_call_facts *f, const struct cdr_vars *v,
                           struct cdr_record *r)
{
	memset(r, 0, sizeof *r);
	r->id = f->id;
	copy(r->a_call_id, sizeof r->a_call_id, f->a_call_id);
	copy(r->b_call_id, sizeof r->b_call_id, f->b_call_id);
	copy(r->caller, sizeof r->caller, f->caller);
	caller_ids(f->caller, r);
	copy(r->dst, sizeof r->dst, f->called);
	copy(r->callee, sizeof r->callee, f->callee);
	copy(r->context, sizeof r->context, f->context);
	copy(r->rule, sizeof r->rule, f->rule);
	copy(r->owner, sizeof r->owner, f->owner);
	r->start = f->start;
	r->ringing = f->ringing;
	r->answer = f->answer;
	r->end = f->end;
	cdr_durations(f->start, f->answer, f->end, &r->duration, &r->billsec);
	r->disposition = cdr_disposition(f->disposition, f->answer);
	r->status = f->status;
	r->hangup_side = f->hangup_side;
	copy(r->hangup_cause, sizeof r->hangup_cause, f->hangup_cause);
	snprintf(r->uniqueid, sizeof r->uniqueid, "%.0f.%lu", floor(f->start), f->id);
	snprintf(r->channel, sizeof r->channel, "SIP/%s-%08lx", r->src[0] ? r->src : "anonymous",
	         f->id & 0xffffffffUL);
	if (r->callee[0]) {
		/* "SIP/bob@host-..." as Asterisk names a peer's channel, not "SIP/sip:bob@..." */
		const char *b = r->callee;
		if (strncasecmp(b, "sip:", 4) == 0)
			b += 4;
		else if (strncasecmp(b, "sips:", 5) == 0)
			b += 5;
		snprintf(r->dstchannel, sizeof r->dstchannel, "SIP/%s-%08lx", b, f->id & 0xffffffffUL);
	}
	copy(r->lastapp, sizeof r->lastapp, r->owner[0] ? r->owner : "Dial");
	copy(r->lastdata, sizeof r->lastdata, f->rule);
	if (v) {
		copy(r->accountcode, sizeof r->accountcode, v->accountcode);
		copy(r->userfield, sizeof r->userfield, v->userfield);
	}
	const char *ama = cdr_amaflags(v ? v->amaflags : NULL);
	copy(r->amaflags, sizeof r->amaflags, ama ? ama : "DOCUMENTATION");
}

bool cdr_record_add_stream(struct cdr_record *r, unsigned index, const struct rtpr_leg_stats *a,
                           const struct rtpr_leg_stats *b)
{
	if (r->nstreams >= CDR_MAX_STREAMS)
		return false;
	struct cdr_stream *s = &r->streams[r->nstreams++];
	s->index = index;
	s->a = *a;
	s->b = *b;
	return true;
}

void cdr_format_time(double t, bool gmt, char out[20])
{
	out[0] = '\0';
	if (t <= 0)
		return;
	time_t s = (time_t)floor(t);
	struct tm tm;
	if (!(gmt ? gmtime_r(&s, &tm) : localtime_r(&s, &tm)))
		return;
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* ---- CSV ---- */

struct out {
	char *p;
	size_t size, len;
	bool full;
};

static void put(struct out *o, char ch)
{
	if (o->len + 1 >= o->size) {
		o->full = true;
		return;
	}
	o->p[o->len++] = ch;
	o->p[o->len] = '\0';
}

/* A quoted field as Asterisk's Master.csv has them: "..." with each "
 * doubled, then the separator. */
static void field(struct out *o, const char *s)
{
	put(o, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"')
			put(o, '"');
		put(o, ch < 0x20 || ch == 0x7f ? ' ' : (char)ch);
	}
	put(o, '"');
	put(o, ',');
}

static void number(struct out *o, long v)
{
	char b[24];
	snprintf(b, sizeof b, "%ld", v);
	for (const char *s = b; *s; s++)
		put(o, *s);
	put(o, ',');
}

int cdr_format_csv(const struct cdr_record *r, bool gmt, char *buf, size_t size)
{
	struct out o = { .p = buf, .size = size };
	char start[20], answer[20], end[20];
	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	cdr_format_time(r->start, gmt, start);
	cdr_format_time(r->answer, gmt, answer);
	cdr_format_time(r->end, gmt, end);
	field(&o, r->accountcode);
	field(&o, r->src);
	field(&o, r->dst);
	field(&o, r->context);
	field(&o, r->clid);
	field(&o, r->channel);
	field(&o, r->dstchannel);
	field(&o, r->lastapp);
	field(&o, r->lastdata);
	field(&o, start);
	field(&o, answer);
	field(&o, end);
	number(&o, r->duration);
	number(&o, r->billsec);
	field(&o, tandem_disposition_name(r->disposition));
	field(&o, r->amaflags);
	field(&o, r->uniqueid);
	field(&o, r->userfield);
	if (o.full)
		return -ENOSPC;
	buf[o.len - 1] = '\n';   /* the last separator ends the line */
	return (int)o.len;
}

/* ---- JSON ---- */

/* One line (no newline inside: strings escape control characters), the
 * fields in the documented order, and epoch times to the millisecond: 14
 * significant digits ("1700000000.123", not "1700000000.1229999"). */
#define JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(14))

/* The length of the valid UTF-8 sequence at s (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing above U+10FFFF), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	/* not UTF-8 (a Latin-1 display name): each bad byte becomes U+FFFD */
	size_t n = strlen(s);
	char *clean = malloc(n * 3 + 1), *p = clean;
	if (!clean)
		return NULL;
	for (const unsigned char *u = (const unsigned char *)s; *u;) {
		size_t k = utf8_seq(u);
		if (k) {
			memcpy(p, u, k);
			p += k;
			u += k;
		} else {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
			u++;
		}
	}
	*p = '\0';
	j = json_string(clean);
	free(clean);
	return j;
}

static json_t *jstr_or_null(const char *s)
{
	return s[0] ? jstr(s) : json_null();
}

static json_t *jtime(double t)
{
	return t > 0 ? json_real(floor(t * 1000 + 0.5) / 1000) : json_null();
}

static json_t *jtime_iso(double t)
{
	if (t <= 0)
		return json_null();
	/* the same millisecond as the epoch number (rounded, not cut) */
	long long ms = llround(t * 1000);
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char b[40], out[48];
	if (!gmtime_r(&s, &tm))
		return json_null();
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof out, "%s.%03dZ", b, (int)(ms % 1000));
	return json_string(out);
}

static json_t *leg_json(const struct rtpr_leg_stats *l)
{
	json_t *o = json_pack("{sI sI sI sI sI sI sI sI sI sI}",
	                      "rx_packets", (json_int_t)l->rx_packets,
	                      "rx_bytes", (json_int_t)l->rx_bytes,
	                      "tx_packets", (json_int_t)l->tx_packets,
	                      "tx_bytes", (json_int_t)l->tx_bytes,
	                      "rtcp_rx", (json_int_t)l->rtcp_rx,
	                      "rtcp_tx", (json_int_t)l->rtcp_tx,
	                      "dropped_foreign", (json_int_t)l->dropped_foreign,
	                      "dropped_invalid", (json_int_t)l->dropped_invalid,
	                      "dropped_srtp", (json_int_t)l->dropped_srtp,
	                      "dropped_nodest", (json_int_t)l->dropped_nodest);
	if (!o)
		return NULL;
	/* RFC 3550 §6.4.1: what the endpoint reported of what it received */
	json_object_set_new(o, "lost", l->have_report ? json_integer(l->cumulative_lost) : json_null());
	json_object_set_new(o, "fraction_lost",
	                    l->have_report ? json_integer(l->fraction_lost) : json_null());
	json_object_set_new(o, "jitter", l->have_report ? json_integer(l->jitter) : json_null());
	return o;
}

static json_t *media_json(const struct cdr_record *r)
{
	json_t *a = json_array();
	for (unsigned i = 0; a && i < r->nstreams; i++) {
		const struct cdr_stream *s = &r->streams[i];
		json_array_append_new(a, json_pack("{sI so* so*}", "stream", (json_int_t)s->index,
		                                   "a", leg_json(&s->a), "b", leg_json(&s->b)));
	}
	return a;
}

char *cdr_format_json(const struct cdr_record *r, size_t *len)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	struct { const char *k; json_t *v; } f[] = {
		{ "id", json_integer((json_int_t)r->id) },
		{ "uniqueid", jstr(r->uniqueid) },
		{ "a_call_id", jstr(r->a_call_id) },
		{ "b_call_id", jstr_or_null(r->b_call_id) },
		{ "caller", jstr(r->caller) },
		{ "src", jstr(r->src) },
		{ "clid", jstr(r->clid) },
		{ "dst", jstr(r->dst) },
		{ "callee", jstr_or_null(r->callee) },
		{ "context", jstr(r->context) },
		{ "rule", jstr_or_null(r->rule) },
		{ "channel", jstr(r->channel) },
		{ "dstchannel", jstr(r->dstchannel) },
		{ "lastapp", jstr(r->lastapp) },
		{ "lastdata", jstr(r->lastdata) },
		{ "accountcode", jstr(r->accountcode) },
		{ "amaflags", jstr(r->amaflags) },
		{ "userfield", jstr(r->userfield) },
		{ "start", jtime(r->start) },
		{ "ringing", jtime(r->ringing) },
		{ "answer", jtime(r->answer) },
		{ "end", jtime(r->end) },
		{ "start_utc", jtime_iso(r->start) },
		{ "answer_utc", jtime_iso(r->answer) },
		{ "end_utc", jtime_iso(r->end) },
		{ "duration", json_integer(r->duration) },
		{ "billsec", json_integer(r->billsec) },
		{ "disposition", json_string(tandem_disposition_name(r->disposition)) },
		{ "status", json_integer(r->status) },
		{ "hangup_side", jstr_or_null(cdr_hangup_side_name(r->hangup_side)) },
		{ "hangup_cause", jstr_or_null(r->hangup_cause) },
		{ "owner", jstr_or_null(r->owner) },
		{ "media", media_json(r) },
	};
	bool ok = true;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (!f[i].v || json_object_set_new(o, f[i].k, f[i].v) < 0)
			ok = false;   /* set_new took (or dropped) the value either way */
	char *text = ok ? json_dumps(o, JSON_FLAGS) : NULL;
	json_decref(o);
	if (!text)
		return NULL;
	size_t n = strlen(text);
	char *line = realloc(text, n + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

char *cdr_format_media_json(const struct cdr_record *r)
{
	json_t *m = media_json(r);
	char *text = m ? json_dumps(m, JSON_FLAGS) : NULL;
	json_decref(m);
	return text;
}

void cdr_leg_totals(const struct cdr_record *r, enum rtpr_leg leg, struct cdr_leg_totals *out)
{
	*out = (struct cdr_leg_totals){ .lost = -1 };
	for (unsigned i = 0; i < r->nstreams; i++) {
		const struct rtpr_leg_stats *l = leg == RTPR_LEG_A ? &r->streams[i].a : &r->streams[i].b;
		out->rx_packets += l->rx_packets;
		out->rx_bytes += l->rx_bytes;
		out->tx_packets += l->tx_packets;
		out->tx_bytes += l->tx_bytes;
		if (l->have_report) {
			out->lost = (out->lost < 0 ? 0 : out->lost) + l->cumulative_lost;
			if (l->jitter > out->jitter)
				out->jitter = l->jitter;
		}
	}
}
