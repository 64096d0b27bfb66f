/* tandem — URIs, name-addr, parameters and comma lists (RFC 3261 §19, §25.1;
 * RFC 3966 tel:). All results are slices of the input; nothing is copied. */
#ifndef TANDEM_SIP_URI_H
#define TANDEM_SIP_URI_H

#include <stdint.h>
#include <tandem/str.h>

#include <tandem/export.h>
TANDEM_API_BEGIN

enum sip_uri_scheme { SIP_URI_SIP, SIP_URI_SIPS, SIP_URI_TEL, SIP_URI_OTHER };

struct sip_uri {
	enum sip_uri_scheme scheme;
	struct sip_str scheme_str;
	struct sip_str user;      /* raw, may hold %XX escapes; tel: the number */
	struct sip_str password;
	struct sip_str host;      /* IPv6 reference without the brackets */
	bool host_ipv6;
	uint16_t port;            /* 0 when absent */
	struct sip_str params;    /* ";transport=tcp;lr" raw, leading ';' included */
	struct sip_str headers;   /* "?a=b&c=d" raw, leading '?' excluded */
};

/* 0, or -EINVAL (malformed), or -EPROTONOSUPPORT (well-formed absoluteURI of
 * a scheme other than sip/sips/tel: scheme == SIP_URI_OTHER, answer 416). */
int sip_uri_parse(struct sip_str s, struct sip_uri *u);

/* RFC 3261 §19.1.4 comparison. */
bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b);

/* Decode %XX escapes into dst (size n, NUL-terminated). Returns the decoded
 * length or -EINVAL on a bad escape / -ENOSPC. */
int sip_unescape(struct sip_str s, char *dst, size_t n);

/* name-addr / addr-spec with header parameters (From, To, Contact, Route...). */
struct sip_nameaddr {
	struct sip_str display;   /* without quotes; may hold \-escapes */
	struct sip_str uri_str;   /* inside <>, or the bare addr-spec */
	struct sip_uri uri;
	struct sip_str params;    /* header params after the URI, leading ';' */
	bool wildcard;            /* Contact: * */
};
int sip_nameaddr_parse(struct sip_str s, struct sip_nameaddr *na);

/* Find parameter name (case-insensitive) in ";a=b;c;d=\"q\"". Returns 1 with
 * *val set (empty for a flag), 0 when absent. Quoted values keep their quotes. */
int sip_param_get(struct sip_str params, const char *name, struct sip_str *val);

/* Iterate a comma-separated header value, respecting quotes and <>.
 * *rest is consumed; returns true with *item trimmed while items remain. */
bool sip_list_next(struct sip_str *rest, struct sip_str *item);

/* Parse a token list header (Require, Supported, Allow...) membership. */
bool sip_list_has_token(struct sip_str value, const char *token);

TANDEM_API_END
#endif
