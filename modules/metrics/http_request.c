/* mod_metrics — reading an HTTP/1.x request head (RFC 9112 §2, §3, §5).
 * Strict where the RFC lets a server refuse (400), so a client that is
 * not HTTP at all gets a clear answer instead of a guess. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "http.h"

/* RFC 9110 §5.6.2: tchar */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 9112 §2.2: a server SHOULD ignore empty lines before the
 * request-line; a bare LF MAY end a line. */
static size_t skip_empty_lines(const char *buf, size_t len)
{
	size_t i = 0;
	while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i;
}

size_t http_head_length(const char *buf, size_t len)
{
	for (size_t i = skip_empty_lines(buf, len); i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The next line of [*p, end): its text without CRLF or LF. A CR anywhere
 * but before the LF is malformed (RFC 9112 §2.2). false at the end. */
static bool next_line(const char **p, const char *end, const char **s, size_t *n, bool *bad)
{
	if (*p >= end)
		return false;
	const char *lf = memchr(*p, '\n', (size_t)(end - *p));
	const char *e = lf ? lf : end;
	*s = *p;
	*n = (size_t)(e - *p);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	if (memchr(*s, '\r', *n) || memchr(*s, '\0', *n))
		*bad = true;
	*p = lf ? lf + 1 : end;
	return true;
}

/* origin-form "/path?query", or absolute-form "http://host/path" (§3.2.2:
 * a server MUST accept it); the path without the query. */
static int read_target(const char *t, size_t n, struct http_request *r)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f)
			return 400;
	if (n >= 7 && strncasecmp(t, "http://", 7) == 0) {
		const char *slash = memchr(t + 7, '/', n - 7);
		size_t skip = slash ? (size_t)(slash - t) : n;
		t += skip;
		n -= skip;
		if (n == 0) {
			t = "/";
			n = 1;
		}
	} else if (n == 0 || (t[0] != '/' && !(n == 1 && t[0] == '*'))) {
		return 400;
	}
	const char *q = memchr(t, '?', n);
	if (q)
		n = (size_t)(q - t);
	if (n >= sizeof r->path)
		return 414;
	memcpy(r->path, t, n);
	r->path[n] = '\0';
	return 0;
}

/* request-line = method SP request-target SP HTTP-version (§3) */
static int read_request_line(const char *s, size_t n, struct http_request *r)
{
	const char *sp1 = memchr(s, ' ', n);
	if (!sp1 || sp1 == s || (size_t)(sp1 - s) >= sizeof r->method)
		return 400;
	for (const char *c = s; c < sp1; c++)
		if (!is_tchar(*c))
			return 400;
	memcpy(r->method, s, (size_t)(sp1 - s));
	r->method[sp1 - s] = '\0';
	const char *rest = sp1 + 1, *end = s + n;
	const char *sp2 = memchr(rest, ' ', (size_t)(end - rest));
	if (!sp2)
		return 400;
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, nothing after it */
	const char *v = sp2 + 1;
	if (end - v != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return 400;
	int rc = read_target(rest, (size_t)(sp2 - rest), r);
	if (rc)
		return rc;
	if (v[5] != '1')
		return 505;
	r->minor = v[7] - '0';
	return 0;
}

/* field-line = field-name ":" OWS field-value OWS (§5); no whitespace
 * before the colon (§5.1: MUST reject with 400), no obs-fold (§5.2). */
static int read_field(const char *s, size_t n, struct http_request *r)
{
	const char *colon = memchr(s, ':', n);
	if (!colon || colon == s)
		return 400;
	for (const char *c = s; c < colon; c++)
		if (!is_tchar(*c))
			return 400;
	if (colon - s == 4 && strncasecmp(s, "Host", 4) == 0) {
		if (r->has_host)
			return 400;   /* RFC 9112 §3.2: more than one Host */
		r->has_host = true;
	}
	return 0;
}

int http_parse_request(const char *head, size_t len, struct http_request *r)
{
	memset(r, 0, sizeof *r);
	const char *p = head + skip_empty_lines(head, len), *end = head + len, *s;
	size_t n;
	bool bad = false;
	if (!next_line(&p, end, &s, &n, &bad) || bad)
		return 400;
	int rc = read_request_line(s, n, r);
	if (rc)
		return rc;
	while (next_line(&p, end, &s, &n, &bad)) {
		if (bad)
			return 400;
		if (n == 0)
			break;   /* the empty line: the head is over */
		if ((rc = read_field(s, n, r)) != 0)
			return rc;
	}
	/* RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400 */
	if (r->minor >= 1 && !r->has_host)
		return 400;
	return 0;
}
