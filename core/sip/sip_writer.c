/* tandem — building outgoing messages: a growable buffer, responses built
 * from a request (RFC 3261 §8.2.6, §18.2.1; RFC 3581 §4), random tokens. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <tandem/sip_uri.h>
#include <tandem/sip_writer.h>

/* ---- the buffer ---- */

void sip_wbuf_init(struct sip_wbuf *w, size_t cap_hint)
{
	w->len = 0;
	w->err = 0;
	w->cap = cap_hint ? cap_hint : 512;
	w->p = malloc(w->cap);
	if (!w->p) {
		w->cap = 0;
		w->err = -ENOMEM;
	}
}

void sip_wbuf_free(struct sip_wbuf *w)
{
	free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
}

/* Room for n more bytes plus a NUL. */
static bool reserve(struct sip_wbuf *w, size_t n)
{
	size_t cap;
	char *np;

	if (w->err)
		return false;
	if (w->len + n + 1 <= w->cap)
		return true;
	cap = w->cap ? w->cap : 256;
	while (cap < w->len + n + 1) {
		if (cap > ((size_t)-1) / 2) {
			w->err = -ENOMEM;
			return false;
		}
		cap *= 2;
	}
	np = realloc(w->p, cap);
	if (!np) {
		w->err = -ENOMEM;
		return false;
	}
	w->p = np;
	w->cap = cap;
	return true;
}

void sip_wbuf_put(struct sip_wbuf *w, const void *p, size_t n)
{
	if (n == 0 || !reserve(w, n))
		return;
	memcpy(w->p + w->len, p, n);
	w->len += n;
	w->p[w->len] = '\0';
}

void sip_wbuf_puts(struct sip_wbuf *w, const char *s)
{
	if (s)
		sip_wbuf_put(w, s, strlen(s));
}

void sip_wbuf_str(struct sip_wbuf *w, struct sip_str s)
{
	if (s.p)
		sip_wbuf_put(w, s.p, s.len);
}

void sip_wbuf_printf(struct sip_wbuf *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->p ? w->p + w->len : NULL, w->p ? w->cap - w->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->err = -EINVAL;
		return;
	}
	if (!w->p || w->len + (size_t)n + 1 > w->cap) {
		if (!reserve(w, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(w->p + w->len, w->cap - w->len, fmt, ap);
		va_end(ap);
	}
	w->len += (size_t)n;
}

void sip_wbuf_hdr(struct sip_wbuf *w, const char *name, struct sip_str value)
{
	sip_wbuf_puts(w, name);
	sip_wbuf_put(w, ": ", 2);
	sip_wbuf_str(w, value);
	sip_wbuf_put(w, "\r\n", 2);
}

long sip_wbuf_take(struct sip_wbuf *w, char **out)
{
	long n;

	if (w->err || !w->p) {
		int e = w->err ? w->err : -ENOMEM;
		sip_wbuf_free(w);
		w->err = e;
		*out = NULL;
		return e;
	}
	/* Taken buffers are kept (transactions re-send them, a B-leg keeps its
	 * ACK for the call's life): give the unused capacity back. Shrinking in
	 * place is cheap and cannot fail for want of memory. */
	if (w->cap > w->len + 1 + 64) {
		char *p = realloc(w->p, w->len + 1);
		if (p)
			w->p = p;
	}
	*out = w->p;
	n = (long)w->len;
	w->p = NULL;
	w->len = w->cap = 0;
	return n;
}

/* ---- responses ---- */

/* The packet source as text (IPv6 without brackets) and port. */
static bool source_addr(const struct sip_rx_info *rx, char *ip, size_t n, unsigned *port)
{
	if (rx->src_len == 0)
		return false;
	if (rx->src.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&rx->src;
		*port = ntohs(a->sin_port);
		return inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)n) != NULL;
	}
	if (rx->src.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&rx->src;
		*port = ntohs(a->sin6_port);
		return inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)n) != NULL;
	}
	return false;
}

/* RFC 3261 §18.2.1: does the sent-by host name the packet source? Compare
 * addresses, not text, so "::1" equals "0:0::1". A host name never does. */
static bool host_is_source(struct sip_str host, const struct sip_rx_info *rx)
{
	char h[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];

	if (host.len == 0 || host.len >= sizeof(h))
		return false;
	sip_str_copy(h, sizeof(h), host);
	if (rx->src.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&rx->src;
		return inet_pton(AF_INET, h, bin) == 1 && memcmp(bin, &a->sin_addr, 4) == 0;
	}
	if (rx->src.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&rx->src;
		return inet_pton(AF_INET6, h, bin) == 1 && memcmp(bin, &a->sin6_addr, 16) == 0;
	}
	return false;
}

/* The top via-parm, with received= and rport= filled in (RFC 3581 §4). */
static void write_top_via(struct sip_wbuf *w, const struct sip_msg *req)
{
	const struct sip_via *v = &req->via;
	char ip[INET6_ADDRSTRLEN];
	unsigned port = 0;
	bool add_received, fill_rport;
	const char *p, *end;

	if (!source_addr(&req->rx, ip, sizeof(ip), &port) || !v->params.p) {
		sip_wbuf_str(w, v->value);
		return;
	}
	fill_rport = v->rport == 0;
	add_received = fill_rport || !host_is_source(v->host, &req->rx);
	/* everything before the parameters as received */
	sip_wbuf_put(w, v->value.p, (size_t)(v->params.p - v->value.p));
	p = v->params.p;
	end = v->params.p + v->params.len;
	while (p < end) {
		const char *q = p + 1, *n, *ne;
		bool quoted = false;

		while (q < end && (quoted || *q != ';')) {
			if (*q == '"')
				quoted = !quoted;
			else if (*q == '\\' && quoted && q + 1 < end)
				q++;
			q++;
		}
		for (n = p + 1; n < q && (*n == ' ' || *n == '\t' || *n == '\r' || *n == '\n'); n++)
			;
		for (ne = n; ne < q && *ne != '=' && *ne != ' ' && *ne != '\t' && *ne != '\r' &&
		             *ne != '\n'; ne++)
			;
		struct sip_str name = { n, (size_t)(ne - n) };
		if (add_received && sip_str_caseeq_c(name, "received")) {
			/* replaced below */
		} else if (fill_rport && sip_str_caseeq_c(name, "rport")) {
			sip_wbuf_printf(w, ";rport=%u", port);
		} else {
			sip_wbuf_put(w, p, (size_t)(q - p));
		}
		p = q;
	}
	if (add_received) {
		sip_wbuf_puts(w, ";received=");
		sip_wbuf_puts(w, ip);
	}
}

static bool safe_reason(const char *r)
{
	for (; *r; r++)
		if (*r == '\r' || *r == '\n')
			return false;
	return true;
}

int sip_build_response(struct sip_wbuf *w, const struct sip_msg *req, int status,
                       const char *reason, const char *to_tag,
                       const struct sip_resp_extra *extra)
{
	const struct sip_hdr *h;
	size_t blen = extra ? extra->body.len : 0;

	if (!w || !req || status < 100 || status > 699)
		return -EINVAL;
	if (!reason || !safe_reason(reason))
		reason = sip_reason_phrase(status);
	sip_wbuf_printf(w, "SIP/2.0 %d %s\r\n", status, reason);

	/* RFC 3261 §8.2.6.2: Via in order, the top one marked per §18.2.1 */
	for (h = sip_msg_hdr(req, SIP_HDR_VIA); h; h = sip_msg_hdr_next(req, h)) {
		const char *vs = h->value.p, *ve = h->value.p + h->value.len;
		sip_wbuf_puts(w, "Via: ");
		if (h == sip_msg_hdr(req, SIP_HDR_VIA) && req->via.value.p >= vs &&
		    req->via.value.p + req->via.value.len <= ve) {
			sip_wbuf_put(w, vs, (size_t)(req->via.value.p - vs));
			write_top_via(w, req);
			sip_wbuf_put(w, req->via.value.p + req->via.value.len,
			             (size_t)(ve - (req->via.value.p + req->via.value.len)));
		} else {
			sip_wbuf_str(w, h->value);
		}
		sip_wbuf_put(w, "\r\n", 2);
	}
	if ((h = sip_msg_hdr(req, SIP_HDR_FROM)))
		sip_wbuf_hdr(w, "From", h->value);
	if ((h = sip_msg_hdr(req, SIP_HDR_TO))) {
		sip_wbuf_puts(w, "To: ");
		sip_wbuf_str(w, h->value);
		/* RFC 3261 §8.2.6.2: a tag on everything but 100 */
		if (status > 100 && to_tag && *to_tag && req->to_tag.len == 0) {
			sip_wbuf_puts(w, ";tag=");
			sip_wbuf_puts(w, to_tag);
		}
		sip_wbuf_put(w, "\r\n", 2);
	}
	if ((h = sip_msg_hdr(req, SIP_HDR_CALL_ID)))
		sip_wbuf_hdr(w, "Call-ID", h->value);
	if ((h = sip_msg_hdr(req, SIP_HDR_CSEQ)))
		sip_wbuf_hdr(w, "CSeq", h->value);
	/* RFC 3261 §8.2.6.1 */
	if (status == 100 && (h = sip_msg_hdr(req, SIP_HDR_TIMESTAMP)))
		sip_wbuf_hdr(w, "Timestamp", h->value);
	sip_wbuf_puts(w, "Server: tandem/" PACKAGE_VERSION "\r\n");
	if (extra && extra->headers)
		sip_wbuf_puts(w, extra->headers);
	if (extra && extra->content_type && blen)
		sip_wbuf_printf(w, "Content-Type: %s\r\n", extra->content_type);
	sip_wbuf_printf(w, "Content-Length: %zu\r\n\r\n", blen);
	if (blen)
		sip_wbuf_str(w, extra->body);
	return w->err;
}

/* ---- random tokens ---- */

static void fill_random(unsigned char *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	if (got < n) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			while (got < n) {
				ssize_t r = read(fd, b + got, n - got);
				if (r <= 0)
					break;
				got += (size_t)r;
			}
			close(fd);
		}
	}
	if (got < n) {
		/* last resort: unique, not secret */
		static unsigned long ctr;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		unsigned long x = (unsigned long)ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 20) ^
		                  (++ctr * 0x9e3779b97f4a7c15UL) ^ (unsigned long)getpid();
		for (; got < n; got++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[got] = (unsigned char)x;
		}
	}
}

void sip_random_token(char *dst, size_t n)
{
	static const char alnum[] =
		"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	unsigned char rnd[64];
	size_t i = 0, k = sizeof(rnd);

	if (!dst || n == 0)
		return;
	while (i + 1 < n) {
		if (k == sizeof(rnd)) {
			fill_random(rnd, sizeof(rnd));
			k = 0;
		}
		/* 248 = 4 * 62: reject the rest so every character is equally likely */
		if (rnd[k] < 248)
			dst[i++] = alnum[rnd[k] % 62];
		k++;
	}
	dst[i] = '\0';
}

void sip_new_branch(char *dst, size_t n)
{
	static const char cookie[] = "z9hG4bK"; /* RFC 3261 §8.1.1.7 */

	if (!dst || n == 0)
		return;
	if (n <= sizeof(cookie)) {
		sip_str_copy(dst, n, SIP_STR_LIT(cookie));
		return;
	}
	memcpy(dst, cookie, sizeof(cookie) - 1);
	sip_random_token(dst + sizeof(cookie) - 1, n - (sizeof(cookie) - 1));
}
