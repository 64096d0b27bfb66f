/* tandem — string views into message buffers (zero-copy slices). */
#ifndef TANDEM_STR_H
#define TANDEM_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

/* A view of len bytes at p; never NUL-terminated, never owns its bytes. */
struct sip_str {
	const char *p;
	size_t len;
};

#define SIP_STR_NULL ((struct sip_str){ NULL, 0 })
#define SIP_STR_LIT(s) ((struct sip_str){ (s), sizeof(s) - 1 })

static inline struct sip_str sip_str_c(const char *s)
{
	return (struct sip_str){ s, s ? strlen(s) : 0 };
}

static inline bool sip_str_empty(struct sip_str s) { return s.len == 0; }

bool sip_str_eq(struct sip_str a, struct sip_str b);
bool sip_str_caseeq(struct sip_str a, struct sip_str b);
bool sip_str_caseeq_c(struct sip_str a, const char *b);
/* Strip leading and trailing linear white space (SP, HTAB, CR, LF). */
struct sip_str sip_str_trim(struct sip_str s);
/* Parse an unsigned decimal of at most max; 0 on success, -EINVAL otherwise. */
int sip_str_to_uint(struct sip_str s, unsigned long max, unsigned long *out);
/* Copy into a NUL-terminated buffer of size n (truncates); returns dst. */
char *sip_str_copy(char *dst, size_t n, struct sip_str s);
/* malloc'd NUL-terminated copy, or NULL on allocation failure. */
char *sip_str_dup(struct sip_str s);

TANDEM_API_END
#endif
