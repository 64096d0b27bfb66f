/* tandem — SIP/SIPS/tel URIs, name-addr, parameters and comma lists
 * (RFC 3261 §19, §20.10, §25.1; RFC 3966). Everything returns slices of
 * the input; nothing is copied or allocated. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <tandem/sip_uri.h>

/* Character classes of RFC 3261 §25.1, one bit each. */
enum {
	C_ALNUM = 1 << 0,
	C_MARK = 1 << 1,     /* - _ . ! ~ * ' ( ) */
	C_USER = 1 << 2,     /* user-unreserved: & = + $ , ; ? / */
	C_PASS = 1 << 3,     /* password extras: & = + $ , */
	C_PARAM = 1 << 4,    /* param-unreserved: [ ] / : & + $ */
	C_HNV = 1 << 5,      /* hnv-unreserved: [ ] / ? : + $ */
	C_TOKEN = 1 << 6,    /* token: alnum - . ! % * _ + ` ' ~ */
	C_HEX = 1 << 7,
	C_SCHEME = 1 << 8,   /* ALPHA DIGIT + - . */
	C_LWS = 1 << 9,
	C_PSEP = 1 << 10,    /* ; = between uri-parameters */
	C_HSEP = 1 << 11,    /* & = between headers */
};

static unsigned short cls[256];

__attribute__((constructor)) static void uri_classes_init(void)
{
	const char *s;

	for (int c = 0; c < 256; c++) {
		unsigned short v = 0;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			v |= C_ALNUM | C_TOKEN | C_SCHEME;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			v |= C_HEX;
		cls[c] = v;
	}
	for (s = "-_.!~*'()"; *s; s++) cls[(unsigned char)*s] |= C_MARK;
	for (s = "&=+$,;?/"; *s; s++) cls[(unsigned char)*s] |= C_USER;
	for (s = "&=+$,"; *s; s++) cls[(unsigned char)*s] |= C_PASS;
	for (s = "[]/:&+$"; *s; s++) cls[(unsigned char)*s] |= C_PARAM;
	for (s = "[]/?:+$"; *s; s++) cls[(unsigned char)*s] |= C_HNV;
	for (s = "-.!%*_+`'~"; *s; s++) cls[(unsigned char)*s] |= C_TOKEN;
	for (s = "+-."; *s; s++) cls[(unsigned char)*s] |= C_SCHEME;
	for (s = " \t\r\n"; *s; s++) cls[(unsigned char)*s] |= C_LWS;
	for (s = ";="; *s; s++) cls[(unsigned char)*s] |= C_PSEP;
	for (s = "&="; *s; s++) cls[(unsigned char)*s] |= C_HSEP;
}

#define IS(c, m) (cls[(unsigned char)(c)] & (m))
#define UNRESERVED (C_ALNUM | C_MARK)

static inline unsigned lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned)(c | 0x20) : c;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Every byte of s is in class mask or a valid %XX escape. */
static bool valid_chars(const char *p, size_t n, unsigned mask)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%') {
			if (i + 2 >= n)
				return false;
			if (!IS(p[i + 1], C_HEX) || !IS(p[i + 2], C_HEX))
				return false;
			i += 2;
			continue;
		}
		if (!IS(p[i], mask))
			return false;
	}
	return true;
}

static bool valid_hostname(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!IS(p[i], C_ALNUM) && p[i] != '-' && p[i] != '.')
			return false;
	/* RFC 3261 §25.1: labels start and end with alphanum */
	if (p[0] == '.' || p[0] == '-')
		return false;
	for (size_t i = 1; i < n; i++)
		if ((p[i] == '.' && (p[i - 1] == '.' || p[i - 1] == '-')) ||
		    (p[i] == '-' && p[i - 1] == '.'))
			return false;
	return true;
}

static bool valid_ipv6(const char *p, size_t n)
{
	unsigned colons = 0;

	if (n < 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ':')
			colons++;
		else if (!IS(p[i], C_HEX) && p[i] != '.')
			return false;
	}
	return colons >= 2 && colons <= 7;
}

static int parse_port(const char *p, size_t n, uint16_t *port)
{
	unsigned long v;

	if (sip_str_to_uint((struct sip_str){ p, n }, 65535, &v) < 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* RFC 3261 §19.1.1: sip:user:password@host:port;uri-parameters?headers */
static int parse_sip(const char *p, const char *end, struct sip_uri *u)
{
	const char *at = memchr(p, '@', (size_t)(end - p));
	const char *h, *q;

	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		const char *uend = colon ? colon : at;
		u->user = (struct sip_str){ p, (size_t)(uend - p) };
		if (u->user.len == 0 || !valid_chars(p, u->user.len, UNRESERVED | C_USER))
			return -EINVAL;
		if (colon) {
			u->password = (struct sip_str){ colon + 1, (size_t)(at - colon - 1) };
			if (!valid_chars(u->password.p, u->password.len, UNRESERVED | C_PASS))
				return -EINVAL;
		}
		p = at + 1;
	}
	if (p >= end)
		return -EINVAL;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb || !valid_ipv6(p + 1, (size_t)(rb - p - 1)))
			return -EINVAL;
		u->host = (struct sip_str){ p + 1, (size_t)(rb - p - 1) };
		u->host_ipv6 = true;
		h = rb + 1;
	} else {
		for (h = p; h < end && *h != ':' && *h != ';' && *h != '?'; h++)
			;
		if (!valid_hostname(p, (size_t)(h - p)))
			return -EINVAL;
		u->host = (struct sip_str){ p, (size_t)(h - p) };
	}
	if (h < end && *h == ':') {
		for (q = ++h; q < end && *q != ';' && *q != '?'; q++)
			;
		if (parse_port(h, (size_t)(q - h), &u->port) < 0)
			return -EINVAL;
		h = q;
	}
	if (h < end && *h == ';') {
		for (q = h; q < end && *q != '?'; q++)
			;
		u->params = (struct sip_str){ h, (size_t)(q - h) };
		if (!valid_chars(h, u->params.len, UNRESERVED | C_PARAM | C_PSEP))
			return -EINVAL;
		h = q;
	}
	if (h < end && *h == '?') {
		h++;
		u->headers = (struct sip_str){ h, (size_t)(end - h) };
		if (!valid_chars(h, u->headers.len, UNRESERVED | C_HNV | C_HSEP))
			return -EINVAL;
		h = end;
	}
	return h == end ? 0 : -EINVAL;
}

/* RFC 3966 §3: telephone-subscriber *( ";" par ) */
static int parse_tel(const char *p, const char *end, struct sip_uri *u)
{
	const char *q = memchr(p, ';', (size_t)(end - p));
	size_t n;

	if (!q)
		q = end;
	n = (size_t)(q - p);
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!IS(c, C_HEX) && c != '*' && c != '#' && c != '-' && c != '.' &&
		    c != '(' && c != ')' && !(c == '+' && i == 0))
			return -EINVAL;
	}
	u->user = (struct sip_str){ p, n };
	if (q < end) {
		u->params = (struct sip_str){ q, (size_t)(end - q) };
		if (!valid_chars(q, u->params.len, UNRESERVED | C_PARAM | C_PSEP))
			return -EINVAL;
	}
	return 0;
}

int sip_uri_parse(struct sip_str s, struct sip_uri *u)
{
	const char *p = s.p, *end = s.p + s.len, *colon;

	memset(u, 0, sizeof(*u));
	u->scheme = SIP_URI_OTHER;
	if (!p || s.len == 0)
		return -EINVAL;
	/* RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	for (colon = p; colon < end && *colon != ':'; colon++)
		if (!IS(*colon, C_SCHEME))
			return -EINVAL;
	if (colon == end || colon == p || !IS(*p, C_ALNUM) || (*p >= '0' && *p <= '9'))
		return -EINVAL;
	u->scheme_str = (struct sip_str){ p, (size_t)(colon - p) };
	p = colon + 1;
	if (u->scheme_str.len == 3 || u->scheme_str.len == 4) {
		const char *sc = u->scheme_str.p;
		unsigned a = lc((unsigned char)sc[0]), b = lc((unsigned char)sc[1]),
		         c = lc((unsigned char)sc[2]);
		if (a == 's' && b == 'i' && c == 'p') {
			if (u->scheme_str.len == 3) {
				u->scheme = SIP_URI_SIP;
				return parse_sip(p, end, u);
			}
			if (lc((unsigned char)sc[3]) == 's') {
				u->scheme = SIP_URI_SIPS;
				return parse_sip(p, end, u);
			}
		} else if (a == 't' && b == 'e' && c == 'l' && u->scheme_str.len == 3) {
			u->scheme = SIP_URI_TEL;
			return parse_tel(p, end, u);
		}
	}
	/* RFC 3261 §25.1 absoluteURI: opaque or hierarchical part, no white
	 * space, quotes or angle brackets. The part after the scheme is kept
	 * in user so the URI can still be compared. */
	if (p == end)
		return -EINVAL;
	for (const char *q = p; q < end; q++)
		if ((unsigned char)*q <= ' ' || *q == '"' || *q == '<' || *q == '>' ||
		    (unsigned char)*q >= 0x7f)
			return -EINVAL;
	u->user = (struct sip_str){ p, (size_t)(end - p) };
	return -EPROTONOSUPPORT;
}

int sip_unescape(struct sip_str s, char *dst, size_t n)
{
	size_t o = 0;

	if (!dst || n == 0)
		return -ENOSPC;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= s.len)
				return -EINVAL;
			hi = hexval(s.p[i + 1]);
			lo = hexval(s.p[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 >= n)
			return -ENOSPC;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return (int)o;
}

/* ---- comparison (RFC 3261 §19.1.4) ---- */

/* Next comparable unit of an escaped string: an escaped unreserved
 * character is the character itself; any other escape stays distinct from
 * its literal (0x100 | byte), so "%3b" != ";" but "%61" == "a". */
static int next_unit(const char **pp, const char *end)
{
	const char *p = *pp;
	int c = (unsigned char)*p;

	if (c == '%' && end - p >= 3 && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
		int v = hexval(p[1]) << 4 | hexval(p[2]);
		*pp = p + 3;
		return IS(v, UNRESERVED) ? v : (0x100 | v);
	}
	*pp = p + 1;
	return c;
}

static bool esc_eq(struct sip_str a, struct sip_str b, bool icase)
{
	const char *pa = a.p, *ea = a.p + a.len, *pb = b.p, *eb = b.p + b.len;

	while (pa < ea && pb < eb) {
		int x = next_unit(&pa, ea), y = next_unit(&pb, eb);
		if (icase && x < 0x100 && y < 0x100) {
			x = (int)lc((unsigned char)x);
			y = (int)lc((unsigned char)y);
		}
		if (x != y)
			return false;
	}
	return pa == ea && pb == eb;
}

/* Iterate "name[=value]" items separated by sep. */
static bool next_item(struct sip_str *rest, char sep, struct sip_str *name, struct sip_str *val)
{
	const char *p = rest->p, *end = rest->p + rest->len, *q, *eq;

	while (p < end && *p == sep)
		p++;
	if (p >= end)
		return false;
	q = memchr(p, sep, (size_t)(end - p));
	if (!q)
		q = end;
	eq = memchr(p, '=', (size_t)(q - p));
	*name = (struct sip_str){ p, (size_t)((eq ? eq : q) - p) };
	*val = eq ? (struct sip_str){ eq + 1, (size_t)(q - eq - 1) } : (struct sip_str){ q, 0 };
	rest->p = q;
	rest->len = (size_t)(end - q);
	return true;
}

static bool find_item(struct sip_str list, char sep, struct sip_str name, struct sip_str *val)
{
	struct sip_str n, v;

	while (next_item(&list, sep, &n, &v))
		if (esc_eq(n, name, true)) {
			*val = v;
			return true;
		}
	return false;
}

static bool params_equal(struct sip_str a, struct sip_str b)
{
	static const char *const must[] = { "user", "ttl", "method", "maddr", "transport" };
	struct sip_str it = a, n, v, w;

	/* parameters present in both must agree */
	while (next_item(&it, ';', &n, &v))
		if (find_item(b, ';', n, &w) && !esc_eq(v, w, true))
			return false;
	/* these must be present in both or in neither */
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		struct sip_str nm = sip_str_c(must[i]);
		if (find_item(a, ';', nm, &v) != find_item(b, ';', nm, &w))
			return false;
	}
	return true;
}

static bool headers_equal(struct sip_str a, struct sip_str b)
{
	struct sip_str it, n, v, w;
	unsigned na = 0, nb = 0;

	for (it = a; next_item(&it, '&', &n, &v); na++)
		if (!find_item(b, '&', n, &w) || !esc_eq(v, w, false))
			return false;
	for (it = b; next_item(&it, '&', &n, &v); nb++)
		;
	return na == nb;
}

static bool tel_eq(struct sip_str a, struct sip_str b)
{
	/* RFC 3966 §4: visual separators do not count */
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a.len && strchr("-.()", a.p[i]))
			i++;
		while (j < b.len && strchr("-.()", b.p[j]))
			j++;
		if (i == a.len || j == b.len)
			return i == a.len && j == b.len;
		if (lc((unsigned char)a.p[i++]) != lc((unsigned char)b.p[j++]))
			return false;
	}
}

bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b)
{
	if (a->scheme != b->scheme)
		return false;
	if (a->scheme == SIP_URI_TEL)
		return tel_eq(a->user, b->user) && params_equal(a->params, b->params);
	if (a->scheme == SIP_URI_OTHER)
		return sip_str_caseeq(a->scheme_str, b->scheme_str) && esc_eq(a->user, b->user, false);
	/* userinfo is case-sensitive, host case-insensitive; an absent port
	 * differs from an explicit default one */
	if (!esc_eq(a->user, b->user, false) || !esc_eq(a->password, b->password, false))
		return false;
	if ((a->password.p != NULL) != (b->password.p != NULL))
		return false;
	if (a->host_ipv6 != b->host_ipv6 || !sip_str_caseeq(a->host, b->host))
		return false;
	if (a->port != b->port)
		return false;
	return params_equal(a->params, b->params) && headers_equal(a->headers, b->headers);
}

/* ---- name-addr, parameters, lists ---- */

static const char *skip_lws(const char *p, const char *end)
{
	while (p < end && IS(*p, C_LWS))
		p++;
	return p;
}

/* p at an opening quote: return the closing quote, or NULL. */
static const char *quoted_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p >= end)
				return NULL;
		} else if (*p == '"') {
			return p;
		}
	}
	return NULL;
}

/* generic-param *( SEMI generic-param ): token [ EQUAL ( token / host /
 * quoted-string ) ] (RFC 3261 §25.1), with LWS allowed around ; and =. */
static bool valid_params(struct sip_str s)
{
	const char *p = s.p, *end = s.p + s.len, *q;

	while ((p = skip_lws(p, end)) < end) {
		if (*p++ != ';')
			return false;
		p = skip_lws(p, end);
		for (q = p; q < end && IS(*q, C_TOKEN); q++)
			;
		if (q == p)
			return false;
		p = skip_lws(q, end);
		if (p < end && *p == '=') {
			p = skip_lws(p + 1, end);
			if (p < end && *p == '"') {
				if (!(q = quoted_end(p, end)))
					return false;
				p = q + 1;
			} else {
				for (q = p; q < end && (IS(*q, C_TOKEN) || *q == ':' ||
				                        *q == '[' || *q == ']'); q++)
					;
				if (q == p)
					return false;
				p = q;
			}
		}
	}
	return true;
}

int sip_nameaddr_parse(struct sip_str s, struct sip_nameaddr *na)
{
	const char *p, *end, *q;
	int rc;

	memset(na, 0, sizeof(*na));
	s = sip_str_trim(s);
	if (!s.p || s.len == 0)
		return -EINVAL;
	p = s.p;
	end = s.p + s.len;
	if (s.len == 1 && *p == '*') { /* RFC 3261 §10.2.2 Contact: * */
		na->wildcard = true;
		return 0;
	}
	if (*p == '"') {
		q = quoted_end(p, end);
		if (!q)
			return -EINVAL;
		na->display = (struct sip_str){ p + 1, (size_t)(q - p - 1) };
		p = skip_lws(q + 1, end);
		if (p >= end || *p != '<')
			return -EINVAL;
	} else {
		/* display-name = *(token LWS): name-addr iff '<' ends the tokens */
		for (q = p; q < end && (IS(*q, C_TOKEN) || IS(*q, C_LWS)); q++)
			;
		if (q < end && *q == '<') {
			na->display = sip_str_trim((struct sip_str){ p, (size_t)(q - p) });
			p = q;
		}
	}
	if (*p == '<') {
		q = memchr(p, '>', (size_t)(end - p));
		if (!q)
			return -EINVAL;
		na->uri_str = (struct sip_str){ p + 1, (size_t)(q - p - 1) };
		p = q + 1;
	} else {
		/* RFC 3261 §20.10: a bare addr-spec cannot hold ',', '?' or ';'
		 * (those need <>), so ';' starts the header parameters */
		for (q = p; q < end && *q != ';' && !IS(*q, C_LWS); q++)
			if (*q == '?' || *q == ',')
				return -EINVAL;
		na->uri_str = (struct sip_str){ p, (size_t)(q - p) };
		p = q;
	}
	p = skip_lws(p, end);
	if (p < end) {
		na->params = (struct sip_str){ p, (size_t)(end - p) };
		if (!valid_params(na->params))
			return -EINVAL;
	}
	rc = sip_uri_parse(na->uri_str, &na->uri);
	return rc;
}

int sip_param_get(struct sip_str params, const char *name, struct sip_str *val)
{
	const char *p = params.p, *end = params.p + params.len, *q;
	size_t nlen = name ? strlen(name) : 0;

	if (!p || !name)
		return 0;
	while (p < end) {
		struct sip_str n, v;
		p = skip_lws(p, end);
		while (p < end && (*p == ';' || IS(*p, C_LWS)))
			p++;
		for (q = p; q < end && *q != '=' && *q != ';' && !IS(*q, C_LWS); q++)
			;
		n = (struct sip_str){ p, (size_t)(q - p) };
		p = skip_lws(q, end);
		v = (struct sip_str){ p, 0 };
		if (p < end && *p == '=') {
			p = skip_lws(p + 1, end);
			if (p < end && *p == '"') {
				q = quoted_end(p, end);
				q = q ? q + 1 : end;
			} else {
				for (q = p; q < end && *q != ';' && !IS(*q, C_LWS); q++)
					;
			}
			v = (struct sip_str){ p, (size_t)(q - p) };
			p = q;
		}
		if (n.len == nlen && n.len && sip_str_caseeq(n, (struct sip_str){ name, nlen })) {
			if (val)
				*val = v;
			return 1;
		}
		/* skip anything unexpected up to the next ';' */
		while (p < end && *p != ';')
			p++;
	}
	return 0;
}

bool sip_list_next(struct sip_str *rest, struct sip_str *item)
{
	const char *p, *end;

	if (!rest || !rest->p)
		return false;
	p = rest->p;
	end = rest->p + rest->len;
	while (p < end) {
		const char *start = p;
		bool angle = false;
		while (p < end) {
			if (*p == '"') {
				const char *q = quoted_end(p, end);
				p = q ? q + 1 : end;
				continue;
			}
			if (*p == '<')
				angle = true;
			else if (*p == '>')
				angle = false;
			else if (*p == ',' && !angle)
				break;
			p++;
		}
		*item = sip_str_trim((struct sip_str){ start, (size_t)(p - start) });
		if (p < end)
			p++; /* the comma */
		rest->p = p;
		rest->len = (size_t)(end - p);
		if (item->len)
			return true;
	}
	rest->p = end;
	rest->len = 0;
	return false;
}

bool sip_list_has_token(struct sip_str value, const char *token)
{
	struct sip_str it;

	while (sip_list_next(&value, &it)) {
		const char *semi = memchr(it.p, ';', it.len);
		if (semi)
			it = sip_str_trim((struct sip_str){ it.p, (size_t)(semi - it.p) });
		if (sip_str_caseeq_c(it, token))
			return true;
	}
	return false;
}
