/* mod_rtprelay — SDP parse and rewrite (RFC 4566, RFC 3264, RFC 3605,
 * RFC 4568). Works line by line on the caller's buffer; never allocates. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sdp.h"

/* ---- small text helpers ---- */

struct line {
	const char *p;            /* "x=value" without the line end */
	size_t len;
};

/* Next line from *pos; false at the end. Accepts CRLF and bare LF. */
static bool next_line(const char **pos, const char *end, struct line *l)
{
	const char *p = *pos;
	if (p >= end)
		return false;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *le = nl ? nl : end;
	*pos = nl ? nl + 1 : end;
	if (le > p && le[-1] == '\r')
		le--;
	l->p = p;
	l->len = (size_t)(le - p);
	return true;
}

struct tok {
	const char *p;
	size_t len;
};

/* Next space-separated token of [*p, end). */
static bool next_tok(const char **p, const char *end, struct tok *t)
{
	const char *s = *p;
	while (s < end && *s == ' ')
		s++;
	if (s >= end)
		return false;
	const char *e = s;
	while (e < end && *e != ' ')
		e++;
	t->p = s;
	t->len = (size_t)(e - s);
	*p = e;
	return true;
}

static bool tok_is(struct tok t, const char *s)
{
	return t.len == strlen(s) && memcmp(t.p, s, t.len) == 0;
}

static int tok_copy(char *dst, size_t n, struct tok t)
{
	if (t.len >= n)
		return -E2BIG;
	memcpy(dst, t.p, t.len);
	dst[t.len] = '\0';
	return 0;
}

static int tok_uint(struct tok t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (t.len == 0 || t.len > 20)
		return -EINVAL;
	for (size_t i = 0; i < t.len; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			return -EINVAL;
		unsigned d = (unsigned)(t.p[i] - '0');
		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* "a=name" or "a=name:value": true if the attribute is name; *val gets the
 * value (empty for a flag). */
static bool attr_is(struct line l, const char *name, struct tok *val)
{
	size_t n = strlen(name);
	if (l.len < 2 + n || l.p[0] != 'a' || memcmp(l.p + 2, name, n) != 0)
		return false;
	if (l.len == 2 + n) {
		val->p = l.p + l.len;
		val->len = 0;
		return true;
	}
	if (l.p[2 + n] != ':')
		return false;
	val->p = l.p + 3 + n;
	val->len = l.len - 3 - n;
	return true;
}

static enum rtpr_sdp_dir dir_attr(struct line l)
{
	static const struct { const char *name; enum rtpr_sdp_dir d; } dirs[] = {
		{ "sendrecv", RTPR_DIR_SENDRECV }, { "sendonly", RTPR_DIR_SENDONLY },
		{ "recvonly", RTPR_DIR_RECVONLY }, { "inactive", RTPR_DIR_INACTIVE },
	};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (l.len == 2 + strlen(dirs[i].name) && l.p[0] == 'a' &&
		    memcmp(l.p + 2, dirs[i].name, l.len - 2) == 0)
			return dirs[i].d;
	return RTPR_DIR_NONE;
}

const char *rtpr_sdp_dir_name(enum rtpr_sdp_dir d)
{
	switch (d) {
	case RTPR_DIR_SENDRECV: return "sendrecv";
	case RTPR_DIR_SENDONLY: return "sendonly";
	case RTPR_DIR_RECVONLY: return "recvonly";
	case RTPR_DIR_INACTIVE: return "inactive";
	default: return "";
	}
}

/* ---- parsing ---- */

/* c=IN IP4 addr[/ttl[/n]] (RFC 4566 §5.7) */
static int parse_conn(struct line l, char *addr)
{
	const char *p = l.p + 2, *end = l.p + l.len;
	struct tok net, type, a;
	if (!next_tok(&p, end, &net) || !next_tok(&p, end, &type) || !next_tok(&p, end, &a))
		return -EINVAL;
	if (!tok_is(net, "IN") || (!tok_is(type, "IP4") && !tok_is(type, "IP6")))
		return -EINVAL;
	const char *slash = memchr(a.p, '/', a.len);
	if (slash)
		a.len = (size_t)(slash - a.p);
	if (a.len == 0)
		return -EINVAL;
	return tok_copy(addr, RTPR_SDP_ADDR_LEN, a);
}

/* o=user sess-id sess-version IN IP4 addr (RFC 4566 §5.2); ver gets the
 * position of sess-version inside the line. */
static int parse_origin(struct line l, struct rtpr_sdp *s, struct tok *ver)
{
	const char *p = l.p + 2, *end = l.p + l.len;
	struct tok t[6];
	for (int i = 0; i < 6; i++)
		if (!next_tok(&p, end, &t[i]))
			return -EINVAL;
	if (tok_uint(t[2], UINT64_MAX, &s->o_version) < 0)
		return -EINVAL;
	if (ver)
		*ver = t[2];
	return tok_copy(s->o_addr, sizeof s->o_addr, t[5]);
}

/* m=media port[/n] proto fmt... (RFC 4566 §5.14) */
static int parse_mline(struct line l, struct rtpr_sdp_media *m)
{
	const char *p = l.p + 2, *end = l.p + l.len;
	struct tok type, port, proto, f;
	uint64_t v;
	if (!next_tok(&p, end, &type) || !next_tok(&p, end, &port) || !next_tok(&p, end, &proto))
		return -EINVAL;
	if (tok_copy(m->type, sizeof m->type, type) < 0 || tok_copy(m->proto, sizeof m->proto, proto) < 0)
		return -E2BIG;
	const char *slash = memchr(port.p, '/', port.len);
	m->nports = 1;
	if (slash) {
		struct tok n = { slash + 1, (size_t)(port.p + port.len - slash - 1) };
		if (tok_uint(n, 65535, &v) < 0 || v == 0)
			return -EINVAL;
		m->nports = (uint16_t)v;
		port.len = (size_t)(slash - port.p);
	}
	if (tok_uint(port, 65535, &v) < 0)
		return -EINVAL;
	m->port = (uint16_t)v;
	m->secure = strstr(m->proto, "SAVP") != NULL;
	while (next_tok(&p, end, &f)) {
		if (tok_uint(f, 127, &v) == 0 && m->nfmt < RTPR_SDP_MAX_FMT)
			m->fmt[m->nfmt++] = (uint8_t)v;
	}
	return 0;
}

/* a=rtcp:port [IN IP4 addr] (RFC 3605 §2.1) */
static int parse_rtcp(struct tok v, struct rtpr_sdp_media *m)
{
	const char *p = v.p, *end = v.p + v.len;
	struct tok port, net, type, a;
	uint64_t n;
	if (!next_tok(&p, end, &port) || tok_uint(port, 65535, &n) < 0)
		return -EINVAL;
	m->rtcp_port = (int)n;
	if (next_tok(&p, end, &net)) {
		if (!next_tok(&p, end, &type) || !next_tok(&p, end, &a))
			return -EINVAL;
		return tok_copy(m->rtcp_addr, sizeof m->rtcp_addr, a);
	}
	return 0;
}

/* a=rtpmap:pt encoding/rate[/channels]: the first format's name, and
 * telephone-event/8000 (RFC 4733 §7.1.1) */
static void parse_rtpmap(struct tok v, struct rtpr_sdp_media *m)
{
	const char *p = v.p, *end = v.p + v.len;
	struct tok pt, enc;
	uint64_t n, rate;
	if (!next_tok(&p, end, &pt) || tok_uint(pt, 127, &n) < 0 || !next_tok(&p, end, &enc))
		return;
	if (m->nfmt && n == m->fmt[0] && tok_copy(m->codec, sizeof m->codec, enc) < 0)
		m->codec[0] = '\0';      /* too long to be a name worth showing */
	static const char te[] = "telephone-event/";
	if (enc.len <= sizeof te - 1 || strncasecmp(enc.p, te, sizeof te - 1) != 0)
		return;
	struct tok r = { enc.p + sizeof te - 1, enc.len - (sizeof te - 1) };
	const char *slash = memchr(r.p, '/', r.len);
	if (slash)
		r.len = (size_t)(slash - r.p);
	if (tok_uint(r, 1000000, &rate) < 0)
		return;
	/* An offer may carry one per clock rate (8000 for G.711, 48000 for
	 * Opus): the 8 kHz one is kept, it is the one G.711 endpoints use. */
	if (m->te_pt >= 0 && m->te_rate == 8000)
		return;
	m->te_pt = (int)n;
	m->te_rate = (unsigned)rate;
}

/* RFC 3551 §6 table 4 and 5: the static payload types' encodings. */
static const char *static_codec(unsigned pt)
{
	static const char *const names[35] = {
		[0] = "PCMU/8000", [3] = "GSM/8000", [4] = "G723/8000", [5] = "DVI4/8000",
		[6] = "DVI4/16000", [7] = "LPC/8000", [8] = "PCMA/8000", [9] = "G722/8000",
		[10] = "L16/44100/2", [11] = "L16/44100", [12] = "QCELP/8000", [13] = "CN/8000",
		[14] = "MPA/90000", [15] = "G728/8000", [16] = "DVI4/11025", [17] = "DVI4/22050",
		[18] = "G729/8000", [25] = "CelB/90000", [26] = "JPEG/90000", [28] = "nv/90000",
		[31] = "H261/90000", [32] = "MPV/90000", [33] = "MP2T/90000", [34] = "H263/90000",
	};
	return pt < 35 ? names[pt] : NULL;
}

/* a=crypto:tag suite key-params [session-params] (RFC 4568 §9.1) */
static int parse_crypto(struct tok v, struct rtpr_sdp_media *m)
{
	const char *p = v.p, *end = v.p + v.len;
	struct tok tag;
	uint64_t n;
	if (!next_tok(&p, end, &tag) || tok_uint(tag, 999999999, &n) < 0)
		return -EINVAL;
	if (m->ncrypto >= RTPR_SDP_MAX_CRYPTO)
		return 0;         /* keep the first ones: more are rarely offered */
	m->crypto[m->ncrypto].tag = (unsigned)n;
	if (tok_copy(m->crypto[m->ncrypto].value, RTPR_SDP_CRYPTO_LEN, v) < 0)
		return -E2BIG;
	m->ncrypto++;
	return 0;
}

static bool valid_line(struct line l)
{
	if (memchr(l.p, '\0', l.len))
		return false;
	return l.len >= 2 && l.p[0] >= 'a' && l.p[0] <= 'z' && l.p[1] == '=';
}

int rtpr_sdp_parse(const char *buf, size_t len, struct rtpr_sdp *s)
{
	memset(s, 0, sizeof *s);
	if (!buf || len == 0)
		return -EINVAL;
	const char *pos = buf, *end = buf + len;
	struct line l;
	struct rtpr_sdp_media *m = NULL;
	bool first = true, have_o = false;
	int rc;

	while (next_line(&pos, end, &l)) {
		if (l.len == 0)
			continue;     /* tolerate a trailing blank line */
		if (!valid_line(l))
			return -EINVAL;
		if (first) {
			/* RFC 4566 §5: the description starts with v=0 */
			if (l.len != 3 || memcmp(l.p, "v=0", 3) != 0)
				return -EINVAL;
			first = false;
			continue;
		}
		struct tok v;
		switch (l.p[0]) {
		case 'o':
			if (m || have_o)
				return -EINVAL;
			if ((rc = parse_origin(l, s, NULL)) < 0)
				return rc;
			have_o = true;
			break;
		case 'c':
			if ((rc = parse_conn(l, m ? m->addr : s->addr)) < 0)
				return rc;
			if (m)
				m->has_conn = true;
			else
				s->has_conn = true;
			break;
		case 'm':
			if (s->nmedia >= RTPR_SDP_MAX_MEDIA)
				return -E2BIG;
			m = &s->media[s->nmedia++];
			m->rtcp_port = -1;
			m->te_pt = -1;
			if ((rc = parse_mline(l, m)) < 0)
				return rc;
			break;
		case 'a': {
			enum rtpr_sdp_dir d = dir_attr(l);
			if (d != RTPR_DIR_NONE) {
				if (m)
					m->dir = d;
				else
					s->dir = d;
			} else if (m && attr_is(l, "rtcp", &v)) {
				if ((rc = parse_rtcp(v, m)) < 0)
					return rc;
			} else if (m && attr_is(l, "rtcp-mux", &v)) {
				m->rtcp_mux = true;
			} else if (m && attr_is(l, "rtpmap", &v)) {
				parse_rtpmap(v, m);
			} else if (m && attr_is(l, "crypto", &v)) {
				if ((rc = parse_crypto(v, m)) < 0)
					return rc;
			}
			break;
		}
		default:
			break;    /* s=, t=, b=, i=, k=, ...: not needed */
		}
	}
	if (first || !have_o)
		return -EINVAL;
	for (unsigned i = 0; i < s->nmedia; i++) {
		struct rtpr_sdp_media *mm = &s->media[i];
		if (!mm->has_conn) {
			/* RFC 4566 §5.7: c= at session level or in every m-section */
			if (!s->has_conn && mm->port != 0)
				return -EINVAL;
			memcpy(mm->addr, s->addr, sizeof mm->addr);
		}
		if (mm->dir == RTPR_DIR_NONE)
			mm->dir = s->dir;
		const char *sc = mm->nfmt && !mm->codec[0] ? static_codec(mm->fmt[0]) : NULL;
		if (sc)
			snprintf(mm->codec, sizeof mm->codec, "%s", sc);
	}
	return 0;
}

/* ---- rewriting ---- */

struct out {
	char *buf;
	size_t sz, len;
	bool full;
};

static void out_put(struct out *o, const char *p, size_t n)
{
	if (o->full || o->len + n >= o->sz) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}


static void out_fmt(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		o->full = true;
		return;
	}
	out_put(o, tmp, (size_t)n);
}

static void out_line(struct out *o, struct line l)
{
	out_put(o, l.p, l.len);
	out_put(o, "\r\n", 2);
}

static const char *addrtype(const char *addr)
{
	return strchr(addr, ':') ? "IP6" : "IP4";
}

static void out_conn(struct out *o, const char *addr)
{
	out_fmt(o, "c=IN %s %s\r\n", addrtype(addr), addr);
}

/* RTP/AVP <-> RTP/SAVP, RTP/AVPF <-> RTP/SAVPF (RFC 3711 §12, RFC 5124). */
static const char *switch_proto(const char *proto, enum rtpr_crypto_op op)
{
	static const char *const pairs[][2] = {
		{ "RTP/AVP", "RTP/SAVP" }, { "RTP/AVPF", "RTP/SAVPF" },
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		if (op == RTPR_CRYPTO_REPLACE && strcmp(proto, pairs[i][0]) == 0)
			return pairs[i][1];
		if (op == RTPR_CRYPTO_REMOVE && strcmp(proto, pairs[i][1]) == 0)
			return pairs[i][0];
	}
	return proto;
}

/* Per m-section state while rewriting. */
struct msec {
	const struct rtpr_sdp_media *m;
	const struct rtpr_sdp_media_rw *rw; /* NULL: not rewritten */
	bool need_conn;           /* c= to insert before b=/k=/a= or at the end */
	const char *conn_addr;
	bool rtcp_done;
};

static void flush_conn(struct out *o, struct msec *ms)
{
	if (ms->need_conn) {
		out_conn(o, ms->conn_addr);
		ms->need_conn = false;
	}
}

static uint16_t rw_rtcp(const struct rtpr_sdp_media_rw *rw)
{
	return rw->rtcp_port ? rw->rtcp_port : (uint16_t)(rw->rtp_port + 1);
}

/* End of an m-section: whatever must be added at its end. */
static void end_section(struct out *o, struct msec *ms)
{
	flush_conn(o, ms);
	if (!ms->rw)
		return;
	uint16_t rtcp = rw_rtcp(ms->rw);
	/* RFC 3605 §2.1: only needed when RTCP is not on RTP port + 1 */
	if (!ms->rtcp_done && rtcp != ms->rw->rtp_port + 1)
		out_fmt(o, "a=rtcp:%u\r\n", rtcp);
	if (ms->rw->crypto_op == RTPR_CRYPTO_REPLACE)
		for (unsigned i = 0; i < ms->rw->ncrypto; i++)
			out_fmt(o, "a=crypto:%s\r\n", ms->rw->crypto[i]);
}

static void rewrite_mline(struct out *o, struct line l, const struct msec *ms)
{
	const char *p = l.p + 2, *end = l.p + l.len;
	struct tok type = { 0 }, port = { 0 }, proto = { 0 };
	next_tok(&p, end, &type);
	next_tok(&p, end, &port);
	next_tok(&p, end, &proto);
	out_put(o, "m=", 2);
	out_put(o, type.p, type.len);
	out_fmt(o, " %u %s", ms->rw->rtp_port, switch_proto(ms->m->proto, ms->rw->crypto_op));
	out_put(o, p, (size_t)(end - p));   /* the formats, verbatim */
	out_put(o, "\r\n", 2);
}

static void rewrite_rtcp(struct out *o, const struct msec *ms)
{
	out_fmt(o, "a=rtcp:%u", rw_rtcp(ms->rw));
	if (ms->m->rtcp_addr[0])
		out_fmt(o, " IN %s %s", addrtype(ms->rw->addr), ms->rw->addr);
	out_put(o, "\r\n", 2);
}

static uint32_t fnv1a(uint32_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 16777619u;
	}
	return h;
}

/* Digest of every line but o= (what RFC 3264 §8 calls the content). */
static uint32_t content_digest(const char *buf, size_t len)
{
	const char *pos = buf, *end = buf + len;
	struct line l;
	uint32_t h = 2166136261u;
	while (next_line(&pos, end, &l)) {
		if (l.len == 0 || l.p[0] == 'o')
			continue;
		h = fnv1a(h, l.p, l.len);
		h = fnv1a(h, "\n", 1);
	}
	return h;
}

/* Same lines apart from o= and line ends? */
static bool same_content(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *pa = a, *ea = a + alen, *pb = b, *eb = b + blen;
	struct line la, lb;
	for (;;) {
		bool ha, hb;
		while ((ha = next_line(&pa, ea, &la)) && (la.len == 0 || la.p[0] == 'o'))
			;
		while ((hb = next_line(&pb, eb, &lb)) && (lb.len == 0 || lb.p[0] == 'o'))
			;
		if (!ha || !hb)
			return ha == hb;
		if (la.len != lb.len || memcmp(la.p, lb.p, la.len) != 0)
			return false;
	}
}

int rtpr_sdp_rewrite(const char *in, size_t inlen, const struct rtpr_sdp_rw *rw,
                     char *outbuf, size_t outsz, size_t *outlen)
{
	struct rtpr_sdp s;
	int rc = rtpr_sdp_parse(in, inlen, &s);
	if (rc < 0)
		return rc == -E2BIG ? -EINVAL : rc;
	if (!outbuf || outsz == 0)
		return -ENOSPC;

	/* Which m-lines we rewrite, and the new session-level address: the
	 * first rewritten stream's (session and media c= stay consistent). */
	const struct rtpr_sdp_media_rw *mrw[RTPR_SDP_MAX_MEDIA] = { 0 };
	const char *sess_addr = s.addr;
	bool sess_changed = false;
	for (unsigned i = 0; i < s.nmedia && rw && i < rw->nmedia; i++) {
		const struct rtpr_sdp_media_rw *r = &rw->media[i];
		if (r->rtp_port == 0 || !r->addr || !r->addr[0] || s.media[i].port == 0)
			continue;
		if (strlen(r->addr) >= RTPR_SDP_ADDR_LEN || strpbrk(r->addr, " \r\n"))
			return -EINVAL;
		for (unsigned k = 0; k < (r->crypto_op == RTPR_CRYPTO_REPLACE ? r->ncrypto : 0); k++)
			if (!r->crypto || !r->crypto[k] || strpbrk(r->crypto[k], "\r\n"))
				return -EINVAL;
		mrw[i] = r;
		if (!sess_changed && s.has_conn) {
			sess_addr = r->addr;
			sess_changed = strcmp(r->addr, s.addr) != 0;
		}
	}

	struct out o = { outbuf, outsz, 0, false };
	size_t ver_off = 0, ver_len = 0;
	const char *pos = in, *end = in + inlen;
	struct line l;
	int mi = -1;
	struct msec ms = { 0 };

	while (next_line(&pos, end, &l)) {
		if (l.len == 0)
			continue;
		struct tok v;
		char c = l.p[0];
		if (c == 'm') {
			if (mi >= 0)
				end_section(&o, &ms);
			mi++;
			memset(&ms, 0, sizeof ms);
			ms.m = &s.media[mi];
			ms.rw = mrw[mi];
			if (ms.rw) {
				rewrite_mline(&o, l, &ms);
				if (!ms.m->has_conn && (!s.has_conn || strcmp(sess_addr, ms.rw->addr) != 0)) {
					ms.need_conn = true;
					ms.conn_addr = ms.rw->addr;
				}
			} else {
				out_line(&o, l);
				/* It relied on the session c= we change: keep its own. */
				if (!ms.m->has_conn && sess_changed) {
					ms.need_conn = true;
					ms.conn_addr = s.addr;
				}
			}
			continue;
		}
		if (mi < 0) {
			if (c == 'o') {
				struct rtpr_sdp tmp;
				struct tok t = { 0 };
				parse_origin(l, &tmp, &t);
				size_t pre = (size_t)(t.p - l.p);
				out_put(&o, l.p, pre);
				ver_off = o.len;
				ver_len = t.len;
				out_put(&o, t.p, t.len);
				out_put(&o, t.p + t.len, l.len - pre - t.len);
				out_put(&o, "\r\n", 2);
			} else if (c == 'c' && sess_changed) {
				out_conn(&o, sess_addr);
			} else {
				out_line(&o, l);
			}
			continue;
		}
		if (c == 'b' || c == 'k' || c == 'a')
			flush_conn(&o, &ms);
		if (!ms.rw) {
			out_line(&o, l);
			continue;
		}
		if (c == 'c') {
			out_conn(&o, ms.rw->addr);
		} else if (attr_is(l, "rtcp", &v)) {
			rewrite_rtcp(&o, &ms);
			ms.rtcp_done = true;
		} else if (attr_is(l, "crypto", &v)) {
			if (ms.rw->crypto_op == RTPR_CRYPTO_KEEP)
				out_line(&o, l);
		} else {
			out_line(&o, l);   /* direction, rtpmap, fmtp, ...: untouched */
		}
	}
	if (mi >= 0)
		end_section(&o, &ms);
	if (o.full || ver_len == 0)
		return o.full ? -ENOSPC : -EINVAL;

	/* RFC 3264 §8: same version when nothing changed, one more when it did */
	uint64_t ver;
	if (rw && rw->origin) {
		struct rtpr_sdp_origin *st = rw->origin;
		uint32_t d = content_digest(o.buf, o.len);
		if (!st->valid)
			ver = s.o_version;
		else
			ver = st->digest == d || st->version == UINT64_MAX ? st->version : st->version + 1;
		st->valid = true;
		st->version = ver;
		st->digest = d;
	} else {
		ver = s.o_version;
		if (!same_content(in, inlen, o.buf, o.len) && ver < UINT64_MAX)
			ver++;
	}
	char vbuf[24];
	int vn = snprintf(vbuf, sizeof vbuf, "%llu", (unsigned long long)ver);
	size_t nvn = (size_t)vn;
	if (o.len - ver_len + nvn >= o.sz)
		return -ENOSPC;
	memmove(o.buf + ver_off + nvn, o.buf + ver_off + ver_len, o.len - ver_off - ver_len);
	memcpy(o.buf + ver_off, vbuf, nvn);
	o.len = o.len - ver_len + nvn;
	o.buf[o.len] = '\0';
	*outlen = o.len;
	return 0;
}
