/* tandem — zero-copy SIP message parser and stream framing (RFC 3261 §7,
 * §18.3, §20, §25; RFC 5626 §4.4.1). The received bytes are copied once into
 * m->buf and every field is a slice of it. No allocation per header: the
 * header index lives inline in struct sip_msg and only grows past
 * SIP_MSG_INLINE_HDRS. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/sip_msg.h>
#include <tandem/sip_uri.h>

#define MAX_HDRS 4096            /* first[] holds int16 indexes */
#define MAX_CONTENT_LENGTH (1L << 30)
#define CSEQ_MAX 2147483647UL    /* RFC 3261 §8.1.1.5: less than 2**31 */
#define MAX_FORWARDS_MAX 255     /* RFC 4475 §3.1.2.4: 0-255 */

/* token characters (RFC 3261 §25.1): alphanum - . ! % * _ + ` ' ~ */
static const unsigned char tok[256] = {
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1,
	['-'] = 1, ['.'] = 1, ['!'] = 1, ['%'] = 1, ['*'] = 1, ['_'] = 1, ['+'] = 1,
	['`'] = 1, ['\''] = 1, ['~'] = 1,
};
#define IS_TOKEN(c) (tok[(unsigned char)(c)])

static inline bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline unsigned lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned)(c | 0x20) : c;
}

/* The first fault wins; parsing goes on so the message stays usable for
 * building the error response (sip_msg.h). */
struct pctx {
	struct sip_msg *m;
	unsigned flags;
	struct sip_error *err;
	bool failed;
	bool fatal;   /* no response possible: stop */
};

static void fail(struct pctx *c, int status, const char *reason)
{
	if (c->failed)
		return;
	c->failed = true;
	c->err->status = status;
	c->err->reason = reason;
}

/* ---------------------------------------------------------------- */

/* RFC 3261 §25.1: SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, the "SIP"
 * case-insensitive. 1 = SIP/2.0, 0 = other SIP version, -1 = not SIP. */
static int check_version(struct sip_str v)
{
	size_t i = 4, d1, d2;

	if (v.len < 7 || lc((unsigned char)v.p[0]) != 's' || lc((unsigned char)v.p[1]) != 'i' ||
	    lc((unsigned char)v.p[2]) != 'p' || v.p[3] != '/')
		return -1;
	for (d1 = i; i < v.len && is_digit(v.p[i]); i++)
		;
	if (i == d1 || i >= v.len || v.p[i] != '.')
		return -1;
	for (d2 = ++i; i < v.len && is_digit(v.p[i]); i++)
		;
	if (i == d2 || i != v.len)
		return -1;
	return (v.len == 7 && v.p[4] == '2' && v.p[6] == '0') ? 1 : 0;
}

static void parse_status_line(struct pctx *c, const char *p, const char *le)
{
	struct sip_msg *m = c->m;
	const char *sp = memchr(p, ' ', (size_t)(le - p));
	int v;

	m->is_request = false;
	if (!sp) {
		c->fatal = true;
		fail(c, 0, "Malformed Status-Line");
		return;
	}
	m->version = (struct sip_str){ p, (size_t)(sp - p) };
	v = check_version(m->version);
	/* Status-Code = 3DIGIT (RFC 3261 §7.2); RFC 4475 §3.1.2.19 bigcode */
	if (le - sp < 4 || !is_digit(sp[1]) || !is_digit(sp[2]) || !is_digit(sp[3]) ||
	    (le - sp > 4 && sp[4] != ' ') || sp[1] < '1' || sp[1] > '6') {
		c->fatal = true;
		fail(c, 0, "Malformed Status-Line");
		return;
	}
	m->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	/* RFC 4475 §3.1.1.13 noreason: an empty phrase, even without its SP */
	if (le - sp > 4)
		m->reason = (struct sip_str){ sp + 5, (size_t)(le - sp - 5) };
	else
		m->reason = (struct sip_str){ le, 0 };
	if (v < 0) {
		c->fatal = true;
		fail(c, 0, "Malformed Status-Line");
	} else if (v == 0) {
		/* nobody to answer: a response in a version we do not speak */
		fail(c, 0, "Version Not Supported");
	}
}

static void parse_request_line(struct pctx *c, const char *p, const char *le)
{
	struct sip_msg *m = c->m;
	const char *q = p, *last;
	int v;

	while (q < le && IS_TOKEN(*q))
		q++;
	if (q == p || q == le || *q != ' ') {
		c->fatal = true;
		fail(c, 0, "Malformed Request-Line");
		return;
	}
	m->is_request = true;
	m->method_str = (struct sip_str){ p, (size_t)(q - p) };
	m->method = sip_method_lookup(m->method_str);
	/* The version is the last element; the URI is everything between. */
	for (last = le; last > q && last[-1] != ' '; last--)
		;
	m->version = (struct sip_str){ last, (size_t)(le - last) };
	v = check_version(m->version);
	if (last == le && (le[-1] == ' ' || le[-1] == '\t')) {
		/* RFC 4475 §3.1.2.10 trws: SP after the version. It still looks
		 * like a SIP request, so it deserves a 400. */
		const char *e = le;
		while (e > q && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		for (last = e; last > q && last[-1] != ' '; last--)
			;
		m->version = (struct sip_str){ last, (size_t)(e - last) };
		if (last == q + 1 || check_version(m->version) < 0) {
			c->fatal = true;
			fail(c, 0, "Malformed Request-Line");
			return;
		}
		m->ruri = (struct sip_str){ q + 1, (size_t)(last - q - 2) };
		fail(c, 400, "Malformed Request-Line");
		return;
	}
	if (last <= q + 1 || v < 0) {
		/* "GET / HTTP/1.1" and other strangers: no SIP answer possible */
		c->fatal = true;
		fail(c, 0, "Malformed Request-Line");
		return;
	}
	m->ruri = (struct sip_str){ q + 1, (size_t)(last - 1 - (q + 1)) };
	if (v == 0)
		fail(c, 505, "Version Not Supported");
	/* RFC 3261 §7.1: exactly one SP between elements (RFC 4475 §3.1.2.8-9) */
	if (m->ruri.len == 0 || m->ruri.p[0] == ' ' || m->ruri.p[m->ruri.len - 1] == ' ') {
		fail(c, 400, "Malformed Request-Line");
		return;
	}
	for (size_t i = 0; i < m->ruri.len; i++)
		if (m->ruri.p[i] == ' ' || m->ruri.p[i] == '\t') {
			fail(c, 400, "Malformed Request-URI");
			return;
		}
}

/* ---------------------------------------------------------------- */

static const char *skip_lws(const char *p, const char *end)
{
	while (p < end && is_lws(*p))
		p++;
	return p;
}

/* Like sip_list_next, without trimming or skipping empty items: used to
 * count and find the via-parms of a Via value. */
static const char *list_item_end(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\' && p + 1 < end)
					p++;
			if (p == end)
				return end;
		} else if (*p == ',') {
			return p;
		}
	}
	return end;
}

static bool item_empty(const char *p, const char *e)
{
	return skip_lws(p, e) == e;
}

/* RFC 3261 §20.42 / §25.1:
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport
 * sent-by = host [ COLON port ], via-params incl. RFC 3581 rport. */
static int parse_via_parm(const char *p, const char *end, struct sip_via *v)
{
	const char *q, *h;
	unsigned long port;

	p = skip_lws(p, end);
	while (end > p && is_lws(end[-1]))
		end--;
	v->value = (struct sip_str){ p, (size_t)(end - p) };
	for (q = p; q < end && IS_TOKEN(*q); q++)
		;
	if (q - p != 3 || lc((unsigned char)p[0]) != 's' || lc((unsigned char)p[1]) != 'i' ||
	    lc((unsigned char)p[2]) != 'p')
		return -EINVAL;
	p = skip_lws(q, end);
	if (p >= end || *p++ != '/')
		return -EINVAL;
	p = skip_lws(p, end);
	for (q = p; q < end && IS_TOKEN(*q); q++)
		;
	if (q - p != 3 || memcmp(p, "2.0", 3) != 0)
		return -EINVAL;
	p = skip_lws(q, end);
	if (p >= end || *p++ != '/')
		return -EINVAL;
	p = skip_lws(p, end);
	for (q = p; q < end && IS_TOKEN(*q); q++)
		;
	if (q == p)
		return -EINVAL;
	v->transport = (struct sip_str){ p, (size_t)(q - p) };
	p = skip_lws(q, end);
	if (p == q || p >= end)
		return -EINVAL; /* LWS before sent-by is mandatory */
	if (*p == '[') {
		h = memchr(p, ']', (size_t)(end - p));
		if (!h || h - p < 3)
			return -EINVAL;
		for (q = p + 1; q < h; q++)
			if (!(is_digit(*q) || (lc((unsigned char)*q) >= 'a' && lc((unsigned char)*q) <= 'f') ||
			      *q == ':' || *q == '.'))
				return -EINVAL;
		v->host = (struct sip_str){ p + 1, (size_t)(h - p - 1) };
		q = h + 1;
	} else {
		for (q = p; q < end && (IS_TOKEN(*q) && *q != '%' && *q != '*' && *q != '!' &&
		                        *q != '+' && *q != '`' && *q != '\'' && *q != '~'); q++)
			;
		if (q == p)
			return -EINVAL;
		v->host = (struct sip_str){ p, (size_t)(q - p) };
	}
	p = skip_lws(q, end);
	if (p < end && *p == ':') {
		p = skip_lws(p + 1, end);
		for (q = p; q < end && is_digit(*q); q++)
			;
		if (sip_str_to_uint((struct sip_str){ p, (size_t)(q - p) }, 65535, &port) < 0)
			return -EINVAL;
		v->port = (uint16_t)port;
		p = skip_lws(q, end);
	}
	if (p < end && *p != ';')
		return -EINVAL;
	v->params = (struct sip_str){ p, (size_t)(end - p) };
	while (p < end) {
		struct sip_str name, val = SIP_STR_NULL;
		bool has_val = false;

		p = skip_lws(p + 1, end); /* past ';' */
		for (q = p; q < end && IS_TOKEN(*q); q++)
			;
		if (q == p)
			return -EINVAL; /* RFC 4475 §3.1.2.1 badinv01: ";;" */
		name = (struct sip_str){ p, (size_t)(q - p) };
		p = skip_lws(q, end);
		if (p < end && *p == '=') {
			has_val = true;
			p = skip_lws(p + 1, end);
			if (p < end && *p == '"') {
				for (q = p + 1; q < end && *q != '"'; q++)
					if (*q == '\\' && q + 1 < end)
						q++;
				if (q >= end)
					return -EINVAL;
				q++;
			} else {
				for (q = p; q < end && (IS_TOKEN(*q) || *q == ':' || *q == '[' ||
				                        *q == ']'); q++)
					;
			}
			if (q == p)
				return -EINVAL;
			val = (struct sip_str){ p, (size_t)(q - p) };
			p = skip_lws(q, end);
		}
		if (p < end && *p != ';')
			return -EINVAL;
		if (name.len == 6 && sip_str_caseeq(name, SIP_STR_LIT("branch"))) {
			if (!has_val)
				return -EINVAL;
			v->branch = val;
		} else if (name.len == 8 && sip_str_caseeq(name, SIP_STR_LIT("received"))) {
			v->received = val;
		} else if (name.len == 5 && sip_str_caseeq(name, SIP_STR_LIT("maddr"))) {
			v->maddr = val;
		} else if (name.len == 5 && sip_str_caseeq(name, SIP_STR_LIT("rport"))) {
			/* RFC 3581 §3: response-port = "rport" [EQUAL 1*DIGIT] */
			if (!has_val) {
				v->rport = 0;
			} else {
				if (sip_str_to_uint(val, 65535, &port) < 0 || port == 0)
					return -EINVAL;
				v->rport = (int)port;
			}
		}
	}
	return 0;
}

static void parse_vias(struct pctx *c, const struct sip_hdr *h, bool top)
{
	struct sip_msg *m = c->m;
	const char *p = h->value.p, *end = h->value.p + h->value.len;

	while (p < end) {
		const char *e = list_item_end(p, end);
		if (!item_empty(p, e)) {
			if (top && m->via_count == 0 && parse_via_parm(p, e, &m->via) < 0)
				fail(c, 400, "Malformed Via");
			m->via_count++;
		} else if (top && m->via_count == 0) {
			fail(c, 400, "Malformed Via");
		}
		p = e < end ? e + 1 : end;
	}
	if (h->value.len == 0 && top && m->via_count == 0)
		fail(c, 400, "Malformed Via");
}

/* CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16) */
static int parse_cseq(struct sip_msg *m, struct sip_str v)
{
	const char *p = v.p, *end = v.p + v.len, *q;
	unsigned long n;

	for (q = p; q < end && is_digit(*q); q++)
		;
	if (sip_str_to_uint((struct sip_str){ p, (size_t)(q - p) }, CSEQ_MAX, &n) < 0)
		return -EINVAL;
	p = skip_lws(q, end);
	if (p == q)
		return -EINVAL;
	for (q = p; q < end && IS_TOKEN(*q); q++)
		;
	if (q == p || q != end)
		return -EINVAL;
	m->cseq = (uint32_t)n;
	m->cseq_method_str = (struct sip_str){ p, (size_t)(q - p) };
	m->cseq_method = sip_method_lookup(m->cseq_method_str);
	return 0;
}

/* Call-ID = word [ "@" word ] (RFC 3261 §25.1) */
static bool valid_callid(struct sip_str v)
{
	static const char wordx[] = "()<>:\\\"/[]?{}";
	bool at = false;

	if (v.len == 0)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		char ch = v.p[i];
		if (ch == '@') {
			if (at || i == 0 || i + 1 == v.len)
				return false;
			at = true;
		} else if (!IS_TOKEN(ch) && !memchr(wordx, ch, sizeof(wordx) - 1)) {
			return false;
		}
	}
	return true;
}

static void parse_fromto(struct pctx *c, struct sip_str v, bool from)
{
	struct sip_nameaddr na;
	int rc = sip_nameaddr_parse(v, &na);

	/* RFC 4475 §3.3.4 unksm: unknown schemes in From/To are fine */
	if ((rc < 0 && rc != -EPROTONOSUPPORT) || na.wildcard) {
		fail(c, 400, from ? "Malformed From" : "Malformed To");
		return;
	}
	if (from) {
		c->m->from_uri = na.uri_str;
		sip_param_get(na.params, "tag", &c->m->from_tag);
	} else {
		c->m->to_uri = na.uri_str;
		sip_param_get(na.params, "tag", &c->m->to_tag);
	}
}

/* The headers needed on receipt (transaction matching, framing). */
static void parse_known(struct pctx *c)
{
	struct sip_msg *m = c->m;
	bool seen_callid = false, seen_from = false, seen_to = false, seen_cseq = false,
	     seen_mf = false, seen_cl = false;
	unsigned long n;

	for (unsigned i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		switch (h->id) {
		case SIP_HDR_VIA:
			parse_vias(c, h, true);
			break;
		case SIP_HDR_CALL_ID:
			/* RFC 4475 §3.3.8 multi01: one value only */
			if (seen_callid) {
				fail(c, 400, "Multiple Call-ID headers");
				break;
			}
			seen_callid = true;
			m->call_id = h->value;
			if (!valid_callid(h->value))
				fail(c, 400, "Malformed Call-ID");
			break;
		case SIP_HDR_FROM:
			if (seen_from) {
				fail(c, 400, "Multiple From headers");
				break;
			}
			seen_from = true;
			parse_fromto(c, h->value, true);
			break;
		case SIP_HDR_TO:
			if (seen_to) {
				fail(c, 400, "Multiple To headers");
				break;
			}
			seen_to = true;
			parse_fromto(c, h->value, false);
			break;
		case SIP_HDR_CSEQ:
			if (seen_cseq) {
				fail(c, 400, "Multiple CSeq headers");
				break;
			}
			seen_cseq = true;
			if (parse_cseq(m, h->value) < 0)
				fail(c, 400, "Malformed CSeq");
			break;
		case SIP_HDR_MAX_FORWARDS:
			if (seen_mf) {
				fail(c, 400, "Multiple Max-Forwards headers");
				break;
			}
			seen_mf = true;
			if (sip_str_to_uint(h->value, MAX_FORWARDS_MAX, &n) < 0)
				fail(c, 400, "Malformed Max-Forwards");
			else
				m->max_forwards = (int)n;
			break;
		case SIP_HDR_CONTENT_LENGTH:
			/* RFC 4475 §3.3.9 mcl01: framing would be ambiguous */
			if (seen_cl) {
				fail(c, 400, "Multiple Content-Length headers");
				m->content_length = -1;
				break;
			}
			seen_cl = true;
			if (sip_str_to_uint(h->value, MAX_CONTENT_LENGTH, &n) < 0)
				fail(c, 400, "Malformed Content-Length");
			else
				m->content_length = (long)n;
			break;
		default:
			break;
		}
	}
}

static int add_hdr(struct pctx *c, struct sip_str name, struct sip_str value)
{
	struct sip_msg *m = c->m;
	struct sip_hdr *h;
	enum sip_hdr_id id;

	if (m->nhdrs == m->hdr_cap) {
		unsigned cap = m->hdr_cap * 2;
		struct sip_hdr *nh;
		if (m->nhdrs >= MAX_HDRS) {
			fail(c, 400, "Too many headers");
			return -E2BIG;
		}
		if (m->hdrs == m->hdr_inline) {
			nh = malloc(cap * sizeof(*nh));
			if (nh)
				memcpy(nh, m->hdr_inline, m->nhdrs * sizeof(*nh));
		} else {
			nh = realloc(m->hdrs, cap * sizeof(*nh));
		}
		if (!nh) {
			fail(c, 500, "Server Internal Error");
			return -ENOMEM;
		}
		m->hdrs = nh;
		m->hdr_cap = cap;
	}
	id = sip_hdr_lookup(name);
	h = &m->hdrs[m->nhdrs];
	h->id = id;
	h->name = name;
	h->value = value;
	if (m->first[id] < 0)
		m->first[id] = (int16_t)m->nhdrs;
	m->nhdrs++;
	return 0;
}

static void msg_reset(struct sip_msg *m)
{
	/* hdr_inline needs no zeroing: only hdrs[0..nhdrs) is ever read */
	memset(m, 0, offsetof(struct sip_msg, hdr_inline));
	memset((char *)m + offsetof(struct sip_msg, first), 0,
	       sizeof(*m) - offsetof(struct sip_msg, first));
	m->hdrs = m->hdr_inline;
	m->hdr_cap = SIP_MSG_INLINE_HDRS;
	memset(m->first, 0xff, sizeof(m->first)); /* all -1 */
	m->max_forwards = -1;
	m->content_length = -1;
	m->via.rport = -1;
}

int sip_msg_parse(struct sip_msg *m, const char *data, size_t len, unsigned flags,
                  struct sip_error *err)
{
	struct sip_error dummy;
	struct pctx c = { .m = m, .flags = flags, .err = err ? err : &dummy };
	const char *p, *end, *nl, *le, *body = NULL;

	c.err->status = 0;
	c.err->reason = NULL;
	msg_reset(m);
	if (!data || len == 0) {
		c.err->reason = "Empty message";
		return -EBADMSG;
	}
	m->buf = malloc(len + 1);
	if (!m->buf) {
		c.err->reason = "Out of memory";
		return -ENOMEM;
	}
	memcpy(m->buf, data, len);
	m->buf[len] = '\0';
	m->len = len;
	p = m->buf;
	end = m->buf + len;

	/* RFC 3261 §7.5: ignore CRLFs before the start line */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl) {
		fail(&c, 0, "Malformed start line");
		return -EBADMSG;
	}
	le = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
	if (le - p >= 4 && lc((unsigned char)p[0]) == 's' && lc((unsigned char)p[1]) == 'i' &&
	    lc((unsigned char)p[2]) == 'p' && p[3] == '/')
		parse_status_line(&c, p, le);
	else
		parse_request_line(&c, p, le);
	if (c.fatal)
		return -EBADMSG;
	p = nl + 1;

	/* headers: RFC 3261 §7.3.1, a line starting with SP/HTAB continues
	 * the previous one */
	while (p < end) {
		const char *q, *v, *ve;
		struct sip_str name;

		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			body = p + (*p == '\n' ? 1 : 2);
			break;
		}
		for (q = p; q < end && IS_TOKEN(*q); q++)
			;
		name = (struct sip_str){ p, (size_t)(q - p) };
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		/* find the end of the (possibly folded) line */
		nl = q < end ? memchr(q, '\n', (size_t)(end - q)) : NULL;
		while (nl && nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t'))
			nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
		ve = nl ? nl : end;
		if (name.len == 0 || q >= ve || *q != ':') {
			fail(&c, 400, "Malformed header");
			p = nl ? nl + 1 : end;
			continue;
		}
		v = skip_lws(q + 1, ve);
		while (ve > v && is_lws(ve[-1]))
			ve--;
		if (add_hdr(&c, name, (struct sip_str){ v, (size_t)(ve - v) }) < 0)
			return -EBADMSG;
		p = nl ? nl + 1 : end;
	}
	parse_known(&c);

	/* body: RFC 3261 §18.3 */
	if (!body)
		body = end;
	if (m->content_length < 0) {
		if ((flags & SIP_PARSE_STREAM) && m->first[SIP_HDR_CONTENT_LENGTH] < 0)
			fail(&c, 400, "Missing Content-Length");
		m->body = (struct sip_str){ body, (size_t)(end - body) };
	} else if ((size_t)m->content_length > (size_t)(end - body)) {
		fail(&c, 400, "Content-Length larger than body");
		m->body = (struct sip_str){ body, (size_t)(end - body) };
	} else {
		/* a datagram may carry bytes past Content-Length: ignore them */
		m->body = (struct sip_str){ body, (size_t)m->content_length };
	}
	return c.failed ? -EBADMSG : 0;
}

/* ---------------------------------------------------------------- */

/* Content-Length value of a header line at p (name already matched). */
static long frame_cl(const char *p, const char *end)
{
	unsigned long n = 0;
	const char *q;

	p = skip_lws(p, end);
	for (q = p; q < end && is_digit(*q); q++) {
		n = n * 10 + (unsigned long)(*q - '0');
		if (n > (unsigned long)MAX_CONTENT_LENGTH)
			return -1;
	}
	if (q == p)
		return -1;
	q = skip_lws(q, end);
	return q == end ? (long)n : -1;
}

long sip_frame_length(const char *buf, size_t len, size_t max, size_t *skip)
{
	const char *p, *end, *hend, *line;
	size_t s = 0, hlen;
	long cl = -1;

	while (s < len && (buf[s] == '\r' || buf[s] == '\n'))
		s++;
	if (skip)
		*skip = s;
	if (s == len)
		return 0;
	p = buf + s;
	end = buf + len;
	hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
	if (!hend)
		return (size_t)(end - p) > max ? -1 : 0;
	hlen = (size_t)(hend + 4 - p);
	if (hlen > max)
		return -1;
	/* RFC 3261 §18.3: on streams Content-Length is mandatory */
	for (line = memchr(p, '\n', hlen); line && line < hend; line = memchr(line, '\n', (size_t)(hend + 2 - line))) {
		const char *q = ++line, *e;
		size_t nlen;
		long v;

		while (q < hend && IS_TOKEN(*q))
			q++;
		nlen = (size_t)(q - line);
		if (!((nlen == 14 && sip_str_caseeq_c((struct sip_str){ line, 14 }, "Content-Length")) ||
		      (nlen == 1 && lc((unsigned char)*line) == 'l')))
			continue;
		while (q < hend && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= hend || *q != ':')
			continue;
		/* the value, with any folded continuation lines */
		for (e = q; (e = memchr(e, '\n', (size_t)(hend + 2 - e))) && e < hend &&
		            (e[1] == ' ' || e[1] == '\t'); e++)
			;
		if (!e || e > hend)
			e = hend;
		v = frame_cl(q + 1, e);
		if (v < 0 || (cl >= 0 && v != cl))
			return -1;
		cl = v;
	}
	if (cl < 0)
		return -1;
	if (hlen + (size_t)cl > max)
		return -1;
	if (hlen + (size_t)cl > (size_t)(end - p))
		return 0;
	return (long)(hlen + (size_t)cl);
}

/* ---------------------------------------------------------------- */

static bool has_magic_cookie(struct sip_str branch)
{
	return branch.len >= 7 && memcmp(branch.p, "z9hG4bK", 7) == 0;
}

int sip_msg_validate_request(const struct sip_msg *m, struct sip_error *err)
{
	struct sip_error dummy;
	struct sip_uri u;
	const struct sip_hdr *h;
	unsigned long n;
	int rc;

	if (!err)
		err = &dummy;
	err->status = 400;
	err->reason = NULL;
	if (!m || !m->is_request || !m->buf) {
		err->status = 0;
		err->reason = "Not a request";
		return -EINVAL;
	}
	if (check_version(m->version) != 1) {
		err->status = 505;
		err->reason = "Version Not Supported";
		return -EPROTONOSUPPORT;
	}
	/* RFC 3261 §8.1.1: the mandatory header fields */
	if (m->first[SIP_HDR_TO] < 0)
		err->reason = "Missing To";
	else if (m->first[SIP_HDR_FROM] < 0)
		err->reason = "Missing From";
	else if (m->first[SIP_HDR_CALL_ID] < 0)
		err->reason = "Missing Call-ID";
	else if (m->first[SIP_HDR_CSEQ] < 0)
		err->reason = "Missing CSeq";
	else if (m->via_count == 0)
		err->reason = "Missing Via";
	/* RFC 3261 §8.2 lets a UAS tolerate a missing Max-Forwards; we require
	 * it from RFC 3261 clients (magic cookie in the branch, §8.1.1.7) and
	 * let RFC 2543 ones through (RFC 4475 §3.4.1 inv2543). */
	else if (m->first[SIP_HDR_MAX_FORWARDS] < 0 && has_magic_cookie(m->via.branch))
		err->reason = "Missing Max-Forwards";
	if (err->reason)
		return -EINVAL;

	if (sip_msg_hdr_next(m, sip_msg_hdr(m, SIP_HDR_CALL_ID)))
		err->reason = "Multiple Call-ID headers";
	else if (sip_msg_hdr_next(m, sip_msg_hdr(m, SIP_HDR_FROM)))
		err->reason = "Multiple From headers";
	else if (sip_msg_hdr_next(m, sip_msg_hdr(m, SIP_HDR_TO)))
		err->reason = "Multiple To headers";
	else if (sip_msg_hdr_next(m, sip_msg_hdr(m, SIP_HDR_CSEQ)))
		err->reason = "Multiple CSeq headers";
	else if (m->cseq_method_str.len == 0)
		err->reason = "Malformed CSeq";
	else if (m->first[SIP_HDR_MAX_FORWARDS] >= 0 && m->max_forwards < 0)
		err->reason = "Malformed Max-Forwards";
	else if (m->first[SIP_HDR_CONTENT_LENGTH] >= 0 && m->content_length < 0)
		err->reason = "Malformed Content-Length";
	else if (m->call_id.len == 0)
		err->reason = "Malformed Call-ID";
	else if (m->via.transport.len == 0 || m->via.host.len == 0)
		err->reason = "Malformed Via";
	/* RFC 4475 §3.2.1 badbranch: the cookie alone identifies nothing */
	else if (m->via.branch.len == 7 && has_magic_cookie(m->via.branch))
		err->reason = "Malformed Via branch";
	/* RFC 3261 §8.2.2.1... the CSeq method must match (RFC 4475 §3.1.2.17) */
	else if (!sip_str_eq(m->cseq_method_str, m->method_str))
		err->reason = "CSeq method mismatch";
	if (err->reason)
		return -EINVAL;

	/* RFC 3261 §8.2.2.1: unknown Request-URI scheme -> 416 */
	rc = sip_uri_parse(m->ruri, &u);
	if (rc == -EPROTONOSUPPORT) {
		err->status = 416;
		err->reason = "Unsupported URI Scheme";
		return rc;
	}
	/* RFC 3261 §19.1.1: headers are not allowed in a Request-URI
	 * (RFC 4475 §3.1.2.11 escruri) */
	if (rc < 0 || u.headers.p) {
		err->reason = "Malformed Request-URI";
		return -EINVAL;
	}
	/* RFC 3261 §20.10: a URI with ',', ';' or '?' needs <> (RFC 4475
	 * §3.1.2.13 regbadct); unknown schemes are fine (§3.3.4 unksm) */
	for (h = sip_msg_hdr(m, SIP_HDR_CONTACT); h; h = sip_msg_hdr_next(m, h)) {
		struct sip_str rest = h->value, item;
		struct sip_nameaddr na;
		while (sip_list_next(&rest, &item)) {
			rc = sip_nameaddr_parse(item, &na);
			if (rc < 0 && rc != -EPROTONOSUPPORT) {
				err->reason = "Malformed Contact";
				return -EINVAL;
			}
		}
	}
	/* RFC 3261 §20.17: rfc1123-date in GMT only (RFC 4475 §3.1.2.12) */
	h = sip_msg_hdr(m, SIP_HDR_DATE);
	if (h && (h->value.len < 4 || memcmp(h->value.p + h->value.len - 3, "GMT", 3) != 0 ||
	          h->value.p[h->value.len - 4] != ' ')) {
		err->reason = "Malformed Date";
		return -EINVAL;
	}
	/* Expires = delta-seconds (RFC 3261 §20.19); RFC 4475 §3.1.2.4 */
	h = sip_msg_hdr(m, SIP_HDR_EXPIRES);
	if (h && sip_str_to_uint(h->value, 0xffffffffUL, &n) < 0) {
		err->reason = "Malformed Expires";
		return -EINVAL;
	}
	err->status = 0;
	return 0;
}

void sip_msg_free(struct sip_msg *m)
{
	if (!m)
		return;
	if (m->hdrs && m->hdrs != m->hdr_inline)
		free(m->hdrs);
	free(m->buf);
	m->buf = NULL;
	m->len = 0;
	m->hdrs = m->hdr_inline;
	m->nhdrs = 0;
	m->hdr_cap = SIP_MSG_INLINE_HDRS;
	memset(m->first, 0xff, sizeof(m->first));
}

const struct sip_hdr *sip_msg_hdr(const struct sip_msg *m, enum sip_hdr_id id)
{
	if (!m || (unsigned)id >= SIP_HDR__COUNT || id == SIP_HDR_OTHER || m->first[id] < 0)
		return NULL;
	return &m->hdrs[m->first[id]];
}

const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *m, const struct sip_hdr *prev)
{
	size_t i;

	if (!m || !prev || prev < m->hdrs || prev >= m->hdrs + m->nhdrs)
		return NULL;
	for (i = (size_t)(prev - m->hdrs) + 1; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];
		if (h->id == prev->id &&
		    (prev->id != SIP_HDR_OTHER || sip_str_caseeq(h->name, prev->name)))
			return h;
	}
	return NULL;
}

const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *m, struct sip_str name)
{
	enum sip_hdr_id id = sip_hdr_lookup(name);

	if (!m)
		return NULL;
	if (id != SIP_HDR_OTHER)
		return sip_msg_hdr(m, id);
	for (unsigned i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].id == SIP_HDR_OTHER && sip_str_caseeq(m->hdrs[i].name, name))
			return &m->hdrs[i];
	return NULL;
}
