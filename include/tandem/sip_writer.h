/* tandem — building outgoing messages into a fresh buffer. A received buffer
 * is never patched in place (docs/ARCHITECTURE.md "The message"). */
#ifndef TANDEM_SIP_WRITER_H
#define TANDEM_SIP_WRITER_H

#include <stdarg.h>
#include <tandem/sip_msg.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

struct sip_wbuf {
	char *p;
	size_t len, cap;
	int err;            /* sticky: -ENOMEM once an append failed */
};

void sip_wbuf_init(struct sip_wbuf *w, size_t cap_hint);
void sip_wbuf_free(struct sip_wbuf *w);
void sip_wbuf_put(struct sip_wbuf *w, const void *p, size_t n);
void sip_wbuf_puts(struct sip_wbuf *w, const char *s);
void sip_wbuf_str(struct sip_wbuf *w, struct sip_str s);
void sip_wbuf_printf(struct sip_wbuf *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "Name: value\r\n" */
void sip_wbuf_hdr(struct sip_wbuf *w, const char *name, struct sip_str value);
/* Take the buffer: the caller frees *out with free(). Returns len or -ENOMEM. */
long sip_wbuf_take(struct sip_wbuf *w, char **out);

/* Extra header lines for a response ("Name: value\r\n"... already formatted),
 * and an optional body with its Content-Type. */
struct sip_resp_extra {
	const char *headers;      /* may be NULL */
	const char *content_type; /* NULL when no body */
	struct sip_str body;
};

/* Build a response to req (RFC 3261 §8.2.6): Via (all, in order), From,
 * To (+ to_tag when the request's To has none and status > 100), Call-ID,
 * CSeq copied; Server, Content-Length added. reason NULL = default phrase.
 * For a 100 Trying the Timestamp header is copied (§8.2.6.1). */
int sip_build_response(struct sip_wbuf *w, const struct sip_msg *req, int status,
                       const char *reason, const char *to_tag,
                       const struct sip_resp_extra *extra);

/* A fresh random token for tags, branches and Call-IDs. Branches get the
 * RFC 3261 magic cookie "z9hG4bK" from sip_new_branch. */
void sip_random_token(char *dst, size_t n);  /* n includes the NUL */
void sip_new_branch(char *dst, size_t n);

TANDEM_API_END
#endif
