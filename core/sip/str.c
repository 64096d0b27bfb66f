/* tandem — string views (see include/tandem/str.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/str.h>

static inline unsigned char lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

bool sip_str_eq(struct sip_str a, struct sip_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool sip_str_caseeq(struct sip_str a, struct sip_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (lc((unsigned char)a.p[i]) != lc((unsigned char)b.p[i]))
			return false;
	return true;
}

bool sip_str_caseeq_c(struct sip_str a, const char *b)
{
	if (!b)
		return false;
	return sip_str_caseeq(a, sip_str_c(b));
}

static inline bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct sip_str sip_str_trim(struct sip_str s)
{
	if (!s.p)
		return s;
	while (s.len && is_lws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_lws(s.p[s.len - 1]))
		s.len--;
	return s;
}

int sip_str_to_uint(struct sip_str s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!s.p || s.len == 0)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';
		if (d > 9)
			return -EINVAL;
		/* leading zeros are fine ("0068"); only the value is bounded */
		if (d > max || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (out)
		*out = v;
	return 0;
}

char *sip_str_copy(char *dst, size_t n, struct sip_str s)
{
	size_t k;

	if (!dst || n == 0)
		return dst;
	k = s.len < n - 1 ? s.len : n - 1;
	if (k)
		memcpy(dst, s.p, k);
	dst[k] = '\0';
	return dst;
}

char *sip_str_dup(struct sip_str s)
{
	char *d = malloc(s.len + 1);

	if (!d)
		return NULL;
	if (s.len)
		memcpy(d, s.p, s.len);
	d[s.len] = '\0';
	return d;
}
