/* mod_auth — HTTP Digest for SIP (RFC 3261 §22, §25.1; RFC 7616; RFC 8760):
 * credential parsing, HA1/HA2/response, challenges, stateless signed nonces
 * and nonce-count replay protection. Pure: no sockets, no loop, no globals. */
#ifndef MOD_AUTH_DIGEST_H
#define MOD_AUTH_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <tandem/str.h>

enum digest_alg { DIGEST_MD5 = 0, DIGEST_SHA256, DIGEST_ALG__COUNT };

/* Hex digest length + NUL, large enough for every algorithm. */
#define DIGEST_HEX_MAX 65
/* Bytes of storage for the unescaped parameters of one header. */
#define DIGEST_CRED_STORE 2048

const char *digest_alg_name(enum digest_alg a);   /* "MD5", "SHA-256" */
size_t digest_alg_hexlen(enum digest_alg a);       /* 32, 64 */

/* One parsed Authorization / Proxy-Authorization value. Every string is
 * NUL-terminated, unescaped and stored in store[]; absent ones are "". */
struct digest_cred {
	const char *username, *realm, *nonce, *uri, *response;
	const char *cnonce, *opaque, *qop;
	const char *nc_hex;       /* the 8 hex digits as sent (they enter the hash) */
	enum digest_alg alg;
	bool has_qop;             /* qop=auth: cnonce and nc are present */
	uint32_t nc;              /* nonce-count, 0 without qop */
	char store[DIGEST_CRED_STORE];
};

/* Parse a credentials header value ("Digest username=..., ..."). Returns 0;
 * -EINVAL for bad syntax, a duplicated parameter, a missing mandatory one
 * (username, realm, nonce, uri, response; cnonce and nc with qop) or a
 * malformed response/nc; -EPROTONOSUPPORT for another scheme, an unknown
 * algorithm, the -sess variants, a qop other than auth, or userhash=true;
 * -E2BIG when the value does not fit. */
int digest_parse_credentials(struct sip_str value, struct digest_cred *c);

/* H(user:realm:password) as lower-case hex into out (DIGEST_HEX_MAX). */
int digest_ha1(enum digest_alg alg, const char *user, const char *realm,
               const char *password, char *out);

/* The request-digest (RFC 7616 §3.4.1; RFC 2617 §3.2.2.1 without qop) from
 * a hex HA1 and the request's method; uri is the credentials' uri. */
int digest_response(enum digest_alg alg, const char *ha1_hex, const char *method,
                    const struct digest_cred *c, char *out);

/* Constant-time check of c->response against the one computed from ha1_hex.
 * Returns 0 when it matches, -EACCES when not, -EINVAL on bad input. */
int digest_verify(const struct digest_cred *c, const char *ha1_hex, const char *method);

/* Constant-time equality of two NUL-terminated strings' contents (the
 * length difference is not hidden; hex digests have fixed lengths). */
bool digest_str_equal_ct(const char *a, const char *b);

/* ---- stateless nonces ---- */
#define DIGEST_SECRET_LEN 32
/* hex(ts[8] || rand[8] || HMAC-SHA256(secret, ts || rand || realm)[0..16]) */
#define DIGEST_NONCE_LEN 64

/* Read the server secret from path, or create it (0600, random) when the
 * file does not exist. Returns 0 or negative errno. */
int digest_secret_load(const char *path, uint8_t secret[DIGEST_SECRET_LEN]);

/* A fresh nonce for realm issued at now (out: DIGEST_NONCE_LEN + 1). */
int digest_nonce_make(const uint8_t secret[DIGEST_SECRET_LEN], const char *realm,
                      time_t now, char *out);

/* 0 valid; -ESTALE signed by us but older than lifetime seconds (answer
 * stale=true when the response is otherwise right); -EINVAL malformed,
 * not ours (bad signature, other realm) or from the future. *issued gets
 * the nonce's timestamp when the signature is right. */
int digest_nonce_check(const uint8_t secret[DIGEST_SECRET_LEN], const char *realm,
                       const char *nonce, time_t now, unsigned lifetime, time_t *issued);

/* ---- nonce-count replay protection (RFC 7616 §3.4.5 nc) ---- */
struct digest_nc_table;

/* A bounded table of the highest nc seen per nonce. When full, the oldest
 * entry is forgotten and its nonce time becomes a floor: a nonce issued at
 * or before the floor that is not in the table is refused as stale (the
 * client retries with a fresh nonce), so forgetting never allows a replay. */
struct digest_nc_table *digest_nc_new(unsigned capacity);
void digest_nc_free(struct digest_nc_table *t);
/* Record nc for a verified nonce issued at issued. 0 when nc is higher
 * than any seen for it, -EALREADY for a replay (nc <= last), -ESTALE when
 * the nonce is older than what the table can vouch for. Without qop pass
 * nc = 1: such a nonce can be used once. */
int digest_nc_check(struct digest_nc_table *t, const char *nonce, time_t issued, uint32_t nc);
unsigned digest_nc_count(const struct digest_nc_table *t);

/* ---- challenges ---- */
/* "Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"[, stale=true]"
 * into out. Returns the length or -ENOSPC. realm is quoted with escapes. */
int digest_challenge(char *out, size_t n, enum digest_alg alg, const char *realm,
                     const char *nonce, bool stale);
/* One header line per algorithm, each ending in CRLF, in the order given
 * (RFC 8760 §2.4: the preferred algorithm first, one challenge per header);
 * algs NULL means SHA-256 then MD5. proxy selects Proxy-Authenticate (407)
 * over WWW-Authenticate (401). */
int digest_challenge_headers(char *out, size_t n, bool proxy, const char *realm,
                             const char *nonce, bool stale,
                             const enum digest_alg *algs, size_t nalgs);

#endif
