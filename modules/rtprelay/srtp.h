/* mod_rtprelay — SDES-keyed SRTP (RFC 4568, RFC 3711, RFC 6188) on top of
 * libsrtp2. Key material is never logged nor left in freed memory. */
#ifndef RTPRELAY_SRTP_H
#define RTPRELAY_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtpr_sdp_media;

enum rtpr_srtp_suite {
	RTPR_SRTP_NONE = 0,
	RTPR_SRTP_AES_CM_128_HMAC_SHA1_80,   /* RFC 4568 §6.2 */
	RTPR_SRTP_AES_CM_128_HMAC_SHA1_32,
	RTPR_SRTP_AES_256_CM_HMAC_SHA1_80,   /* RFC 6188 */
	RTPR_SRTP_AES_256_CM_HMAC_SHA1_32,
	RTPR_SRTP__COUNT
};

/* Bytes protect may append: SRTP/SRTCP tag, MKI and the SRTCP index. */
#define RTPR_SRTP_TRAILER 160
#define RTPR_SRTP_KEY_MAX 46      /* 256-bit key + 112-bit salt */

struct rtpr_srtp_key {
	enum rtpr_srtp_suite suite;
	unsigned tag;             /* a=crypto tag */
	size_t len;               /* master key + salt length */
	uint8_t key[RTPR_SRTP_KEY_MAX];
};

/* srtp_init once per process; safe to call from any thread, any number of
 * times. Returns 0 or -EIO. */
int rtpr_srtp_global_init(void);

const char *rtpr_srtp_suite_name(enum rtpr_srtp_suite s);
enum rtpr_srtp_suite rtpr_srtp_suite_parse(const char *name, size_t len);
/* The suite works with the linked libsrtp2 (AES-256 needs a build with it). */
bool rtpr_srtp_suite_supported(enum rtpr_srtp_suite s);

/* Fresh random master key and salt (getrandom). 0, -ENOTSUP, -EIO. */
int rtpr_srtp_key_generate(enum rtpr_srtp_suite s, unsigned tag, struct rtpr_srtp_key *k);
/* "tag SUITE inline:base64" (the a=crypto value). 0 or -ENOSPC. */
int rtpr_srtp_key_format(const struct rtpr_srtp_key *k, char *out, size_t n);
/* Parse an a=crypto value (RFC 4568 §9.1). Lifetimes are accepted;
 * MKIs, several keys and session parameters are refused with -ENOTSUP,
 * malformed input with -EINVAL. */
int rtpr_srtp_key_parse(const char *value, size_t len, struct rtpr_srtp_key *k);
/* The first a=crypto of m we support (RFC 4568 §7.1.1 answerer choice):
 * 0, or -ENOENT if none. */
int rtpr_srtp_key_pick(const struct rtpr_sdp_media *m, struct rtpr_srtp_key *k);
void rtpr_srtp_key_wipe(struct rtpr_srtp_key *k);

/* One direction of one leg: outbound protects, inbound unprotects (any
 * SSRC). Not thread-safe: one user at a time. */
struct rtpr_srtp;
int rtpr_srtp_create(struct rtpr_srtp **out, const struct rtpr_srtp_key *k, bool outbound);
void rtpr_srtp_destroy(struct rtpr_srtp *c);
/* In place. protect needs RTPR_SRTP_TRAILER spare bytes after *len.
 * Returns 0, -EBADMSG (auth/replay failure or malformed), -EINVAL. */
int rtpr_srtp_protect(struct rtpr_srtp *c, void *pkt, int *len, bool rtcp);
int rtpr_srtp_unprotect(struct rtpr_srtp *c, void *pkt, int *len, bool rtcp);

/* Base64 (RFC 4648) used for inline keys; exposed for tests. Return the
 * output length or -ENOSPC / -EINVAL. */
int rtpr_base64_encode(const uint8_t *in, size_t n, char *out, size_t outsz);
int rtpr_base64_decode(const char *in, size_t n, uint8_t *out, size_t outsz);

#endif
