/* tandem — HTTP Digest for SIP (RFC 3261 §22, §25.1; RFC 2617; RFC 7616;
 * RFC 8760), both sides, in the core library so mod_auth and every module
 * acting as a client share one implementation.
 *   server side (mod_auth): credential parsing, HA1/HA2/response, challenges,
 *     stateless signed nonces and nonce-count replay protection;
 *   client side (core/call/uac.c, trunks): challenge parsing, choosing the
 *     strongest challenge, the Authorization / Proxy-Authorization value.
 * Pure: no sockets, no loop, no globals. */
#ifndef TANDEM_DIGEST_H
#define TANDEM_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <tandem/sip_msg.h>
#include <tandem/str.h>
#include <tandem/export.h>
TANDEM_API_BEGIN

enum sip_digest_alg { SIP_DIGEST_MD5 = 0, SIP_DIGEST_SHA256, SIP_DIGEST_ALG__COUNT };

/* Hex digest length + NUL, large enough for every algorithm. */
#define SIP_DIGEST_HEX_MAX 65
/* Bytes of storage for the unescaped parameters of one header. */
#define SIP_DIGEST_CRED_STORE 2048

const char *sip_digest_alg_name(enum sip_digest_alg a);   /* "MD5", "SHA-256" */
size_t sip_digest_alg_hexlen(enum sip_digest_alg a);       /* 32, 64 */

/* One parsed Authorization / Proxy-Authorization value. Every string is
 * NUL-terminated, unescaped and stored in store[]; absent ones are "". */
struct sip_digest_cred {
	const char *username, *realm, *nonce, *uri, *response;
	const char *cnonce, *opaque, *qop;
	const char *nc_hex;       /* the 8 hex digits as sent (they enter the hash) */
	enum sip_digest_alg alg;
	bool has_qop;             /* qop=auth: cnonce and nc are present */
	uint32_t nc;              /* nonce-count, 0 without qop */
	char store[SIP_DIGEST_CRED_STORE];
};

/* Parse a credentials header value ("Digest username=..., ..."). Returns 0;
 * -EINVAL for bad syntax, a duplicated parameter, a missing mandatory one
 * (username, realm, nonce, uri, response; cnonce and nc with qop) or a
 * malformed response/nc; -EPROTONOSUPPORT for another scheme, an unknown
 * algorithm, the -sess variants, a qop other than auth, or userhash=true;
 * -E2BIG when the value does not fit. */
int sip_digest_parse_credentials(struct sip_str value, struct sip_digest_cred *c);

/* H(user:realm:password) as lower-case hex into out (SIP_DIGEST_HEX_MAX). */
int sip_digest_ha1(enum sip_digest_alg alg, const char *user, const char *realm,
               const char *password, char *out);

/* The request-digest (RFC 7616 §3.4.1; RFC 2617 §3.2.2.1 without qop) from
 * a hex HA1 and the request's method; uri is the credentials' uri. */
int sip_digest_response(enum sip_digest_alg alg, const char *ha1_hex, const char *method,
                    const struct sip_digest_cred *c, char *out);

/* Constant-time check of c->response against the one computed from ha1_hex.
 * Returns 0 when it matches, -EACCES when not, -EINVAL on bad input. */
int sip_digest_verify(const struct sip_digest_cred *c, const char *ha1_hex, const char *method);

/* Constant-time equality of two NUL-terminated strings' contents (the
 * length difference is not hidden; hex digests have fixed lengths). */
bool sip_digest_str_equal_ct(const char *a, const char *b);

/* ---- stateless nonces ---- */
#define SIP_DIGEST_SECRET_LEN 32
/* hex(ts[8] || rand[8] || HMAC-SHA256(secret, ts || rand || realm)[0..16]) */
#define SIP_DIGEST_NONCE_LEN 64

/* Read the server secret from path, or create it (0600, random) when the
 * file does not exist. Returns 0 or negative errno. */
int sip_digest_secret_load(const char *path, uint8_t secret[SIP_DIGEST_SECRET_LEN]);

/* A fresh nonce for realm issued at now (out: SIP_DIGEST_NONCE_LEN + 1). */
int sip_digest_nonce_make(const uint8_t secret[SIP_DIGEST_SECRET_LEN], const char *realm,
                      time_t now, char *out);

/* 0 valid; -ESTALE signed by us but older than lifetime seconds (answer
 * stale=true when the response is otherwise right); -EINVAL malformed,
 * not ours (bad signature, other realm) or from the future. *issued gets
 * the nonce's timestamp when the signature is right. */
int sip_digest_nonce_check(const uint8_t secret[SIP_DIGEST_SECRET_LEN], const char *realm,
                       const char *nonce, time_t now, unsigned lifetime, time_t *issued);

/* ---- nonce-count replay protection (RFC 7616 §3.4.5 nc) ---- */
struct sip_digest_nc_table;

/* A bounded table of the highest nc seen per nonce. When full, the oldest
 * entry is forgotten and its nonce time becomes a floor: a nonce issued at
 * or before the floor that is not in the table is refused as stale (the
 * client retries with a fresh nonce), so forgetting never allows a replay. */
struct sip_digest_nc_table *sip_digest_nc_new(unsigned capacity);
void sip_digest_nc_free(struct sip_digest_nc_table *t);
/* Record nc for a verified nonce issued at issued. 0 when nc is higher
 * than any seen for it, -EALREADY for a replay (nc <= last), -ESTALE when
 * the nonce is older than what the table can vouch for. Without qop pass
 * nc = 1: such a nonce can be used once. */
int sip_digest_nc_check(struct sip_digest_nc_table *t, const char *nonce, time_t issued, uint32_t nc);
unsigned sip_digest_nc_count(const struct sip_digest_nc_table *t);

/* ---- challenges ---- */
/* "Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"[, stale=true]"
 * into out. Returns the length or -ENOSPC. realm is quoted with escapes. */
int sip_digest_challenge(char *out, size_t n, enum sip_digest_alg alg, const char *realm,
                     const char *nonce, bool stale);
/* One header line per algorithm, each ending in CRLF, in the order given
 * (RFC 8760 §2.4: the preferred algorithm first, one challenge per header);
 * algs NULL means SHA-256 then MD5. proxy selects Proxy-Authenticate (407)
 * over WWW-Authenticate (401). */
int sip_digest_challenge_headers(char *out, size_t n, bool proxy, const char *realm,
                             const char *nonce, bool stale,
                             const enum sip_digest_alg *algs, size_t nalgs);

/* ---- client side (RFC 3261 §22.2, RFC 2617 §3.2.2, RFC 7616 §3.4) ---- */

/* One parsed WWW-Authenticate / Proxy-Authenticate value. Strings are
 * NUL-terminated, unescaped, stored in store[]; absent ones are "". */
struct sip_digest_challenge {
	const char *realm, *nonce, *opaque;
	enum sip_digest_alg alg;
	bool qop_auth;            /* the qop list offers "auth" */
	bool qop_other;           /* a qop list without "auth" (auth-int only) */
	bool stale;               /* stale=true: our last credentials were right */
	char store[SIP_DIGEST_CRED_STORE];
};

/* Parse a challenge ("Digest realm=..., nonce=..., ..."). Returns 0;
 * -EINVAL for bad syntax, a duplicated parameter or a missing realm or
 * nonce; -EPROTONOSUPPORT for another scheme (Basic...), an algorithm we do
 * not implement (the -sess variants, SHA-512-256...) or a qop list that
 * offers neither "auth" nor nothing (only auth-int); -E2BIG when too long.
 * Unknown parameters (domain, charset, userhash...) are skipped. */
int sip_digest_parse_challenge(struct sip_str value, struct sip_digest_challenge *ch);

/* The challenge of response resp to answer: among its WWW-Authenticate
 * (401) or Proxy-Authenticate (407) headers, the ones we can parse and
 * whose realm is realm (NULL or "": any), the strongest algorithm wins
 * (SHA-256 over MD5, RFC 8760 §2.4 leaves the choice to the client), the
 * first header on a tie. 0; -ENOENT when none is usable; -EINVAL when resp
 * is not a 401/407. */
int sip_digest_pick_challenge(const struct sip_msg *resp, const char *realm,
                              struct sip_digest_challenge *out);

/* The nonce-count a client keeps per nonce (RFC 7616 §3.4: nc counts the
 * requests sent with one nonce, starting at 00000001). */
struct sip_digest_client {
	char nonce[128];          /* last nonce answered ("" none; longer ones are not counted) */
	uint32_t nc;
};
/* The nc to send with nonce: 1 for a new nonce, else one more than the
 * last. Remembers the nonce. */
uint32_t sip_digest_client_next_nc(struct sip_digest_client *cl, const char *nonce);

/* The credentials answering challenge ch for a request method to uri (the
 * Request-URI as sent), as a header value "Digest username=..., realm=...,
 * nonce=..., uri=..., response=..., algorithm=..., [cnonce=..., qop=auth,
 * nc=XXXXXXXX,] [opaque=...]" into out. With qop=auth offered, nc and
 * cnonce are used (cnonce NULL: a fresh random one), else the RFC 2069
 * form H(HA1:nonce:HA2) is sent (RFC 2617 §3.2.2.1). opaque is echoed
 * (§3.2.2). Returns the length, -ENOSPC, or -EINVAL. */
int sip_digest_authorization(char *out, size_t n, const struct sip_digest_challenge *ch,
                             const char *user, const char *password, const char *method,
                             const char *uri, uint32_t nc, const char *cnonce);

TANDEM_API_END

#endif
