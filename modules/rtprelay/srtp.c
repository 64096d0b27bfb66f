/* mod_rtprelay — SDES keys and libsrtp2 contexts. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <srtp2/srtp.h>

#include "sdp.h"
#include "srtp.h"

_Static_assert(RTPR_SRTP_TRAILER >= SRTP_MAX_TRAILER_LEN + 4, "SRTCP trailer");

struct rtpr_srtp {
	srtp_t ctx;
	bool outbound;
};

static const struct {
	const char *name;
	size_t keylen;            /* master key + salt */
} suites[RTPR_SRTP__COUNT] = {
	[RTPR_SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 30 },
	[RTPR_SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 30 },
	[RTPR_SRTP_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 46 },
	[RTPR_SRTP_AES_256_CM_HMAC_SHA1_32] = { "AES_256_CM_HMAC_SHA1_32", 46 },
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;
static bool supported[RTPR_SRTP__COUNT];

static void set_policy(srtp_policy_t *p, enum rtpr_srtp_suite s)
{
	switch (s) {
	case RTPR_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case RTPR_SRTP_AES_CM_128_HMAC_SHA1_32:
		/* RFC 4568 §6.2.2: SRTCP keeps the 80-bit tag */
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case RTPR_SRTP_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		break;
	case RTPR_SRTP_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		break;
	default:
		break;
	}
}

static int create_ctx(srtp_t *ctx, const struct rtpr_srtp_key *k, bool outbound)
{
	srtp_policy_t pol;
	memset(&pol, 0, sizeof pol);
	set_policy(&pol, k->suite);
	pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = (unsigned char *)k->key;
	pol.window_size = 128;
	/* a relayed stream may carry the peer's retransmissions */
	pol.allow_repeat_tx = 1;
	return srtp_create(ctx, &pol) == srtp_err_status_ok ? 0 : -EIO;
}

static void do_init(void)
{
	if (srtp_init() != srtp_err_status_ok) {
		init_rc = -EIO;
		return;
	}
	/* Probe each suite once with a throwaway key (libsrtp2 may be built
	 * without AES-256). */
	for (int s = 1; s < RTPR_SRTP__COUNT; s++) {
		struct rtpr_srtp_key k = { .suite = (enum rtpr_srtp_suite)s, .len = suites[s].keylen };
		srtp_t ctx;
		if (create_ctx(&ctx, &k, true) == 0) {
			supported[s] = true;
			srtp_dealloc(ctx);
		}
	}
}

int rtpr_srtp_global_init(void)
{
	pthread_once(&init_once, do_init);
	return init_rc;
}

const char *rtpr_srtp_suite_name(enum rtpr_srtp_suite s)
{
	return s > RTPR_SRTP_NONE && s < RTPR_SRTP__COUNT ? suites[s].name : "NONE";
}

enum rtpr_srtp_suite rtpr_srtp_suite_parse(const char *name, size_t len)
{
	for (int s = 1; s < RTPR_SRTP__COUNT; s++)
		if (strlen(suites[s].name) == len && memcmp(name, suites[s].name, len) == 0)
			return (enum rtpr_srtp_suite)s;
	return RTPR_SRTP_NONE;
}

bool rtpr_srtp_suite_supported(enum rtpr_srtp_suite s)
{
	if (rtpr_srtp_global_init() < 0)
		return false;
	return s > RTPR_SRTP_NONE && s < RTPR_SRTP__COUNT && supported[s];
}

void rtpr_srtp_key_wipe(struct rtpr_srtp_key *k)
{
	explicit_bzero(k, sizeof *k);
}

int rtpr_srtp_key_generate(enum rtpr_srtp_suite s, unsigned tag, struct rtpr_srtp_key *k)
{
	memset(k, 0, sizeof *k);
	if (!rtpr_srtp_suite_supported(s))
		return -ENOTSUP;
	k->suite = s;
	k->tag = tag;
	k->len = suites[s].keylen;
	size_t got = 0;
	while (got < k->len) {
		ssize_t n = getrandom(k->key + got, k->len - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rtpr_srtp_key_wipe(k);
			return -EIO;
		}
		got += (size_t)n;
	}
	return 0;
}

/* ---- base64 (RFC 4648 §4) ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int rtpr_base64_encode(const uint8_t *in, size_t n, char *out, size_t outsz)
{
	size_t need = (n + 2) / 3 * 4;
	if (need + 1 > outsz)
		return -ENOSPC;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return (int)o;
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int rtpr_base64_decode(const char *in, size_t n, uint8_t *out, size_t outsz)
{
	while (n > 0 && in[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return -EINVAL;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outsz)
				return -ENOSPC;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)o;
}

int rtpr_srtp_key_format(const struct rtpr_srtp_key *k, char *out, size_t n)
{
	char enc[72];
	if (k->suite <= RTPR_SRTP_NONE || k->suite >= RTPR_SRTP__COUNT)
		return -EINVAL;
	if (rtpr_base64_encode(k->key, k->len, enc, sizeof enc) < 0)
		return -EINVAL;
	int w = snprintf(out, n, "%u %s inline:%s", k->tag, suites[k->suite].name, enc);
	explicit_bzero(enc, sizeof enc);
	if (w < 0 || (size_t)w >= n) {
		if (n)
			explicit_bzero(out, n);
		return -ENOSPC;
	}
	return 0;
}

int rtpr_srtp_key_parse(const char *v, size_t len, struct rtpr_srtp_key *k)
{
	memset(k, 0, sizeof *k);
	const char *p = v, *end = v + len;
	/* tag */
	unsigned long tag = 0;
	const char *t0 = p;
	while (p < end && *p >= '0' && *p <= '9' && p - t0 < 9)
		tag = tag * 10 + (unsigned long)(*p++ - '0');
	if (p == t0 || p >= end || *p != ' ')
		return -EINVAL;
	p++;
	/* crypto-suite */
	const char *s0 = p;
	while (p < end && *p != ' ')
		p++;
	enum rtpr_srtp_suite s = rtpr_srtp_suite_parse(s0, (size_t)(p - s0));
	if (s == RTPR_SRTP_NONE)
		return -ENOTSUP;
	if (p >= end)
		return -EINVAL;
	p++;
	/* key-params: inline:key||salt["|" lifetime]["|" MKI:length] */
	static const char inl[] = "inline:";
	if ((size_t)(end - p) < sizeof inl - 1 || memcmp(p, inl, sizeof inl - 1) != 0)
		return -EINVAL;
	p += sizeof inl - 1;
	const char *k0 = p;
	while (p < end && *p != '|' && *p != ';' && *p != ' ')
		p++;
	const char *k1 = p;
	int fields = 0;
	while (p < end && *p == '|') {
		const char *f0 = ++p;
		while (p < end && *p != '|' && *p != ';' && *p != ' ')
			p++;
		if (memchr(f0, ':', (size_t)(p - f0)) || ++fields > 1)
			return -ENOTSUP;       /* MKI: not supported */
	}
	if (p < end)
		return -ENOTSUP;   /* several keys (';') or session parameters */
	uint8_t raw[RTPR_SRTP_KEY_MAX + 3];
	int n = rtpr_base64_decode(k0, (size_t)(k1 - k0), raw, sizeof raw);
	if (n < 0 || (size_t)n != suites[s].keylen) {
		explicit_bzero(raw, sizeof raw);
		return -EINVAL;
	}
	k->suite = s;
	k->tag = (unsigned)tag;
	k->len = (size_t)n;
	memcpy(k->key, raw, (size_t)n);
	explicit_bzero(raw, sizeof raw);
	return 0;
}

int rtpr_srtp_key_pick(const struct rtpr_sdp_media *m, struct rtpr_srtp_key *k)
{
	for (unsigned i = 0; i < m->ncrypto; i++) {
		const char *v = m->crypto[i].value;
		if (rtpr_srtp_key_parse(v, strlen(v), k) == 0 && rtpr_srtp_suite_supported(k->suite))
			return 0;
	}
	rtpr_srtp_key_wipe(k);
	return -ENOENT;
}

int rtpr_srtp_create(struct rtpr_srtp **out, const struct rtpr_srtp_key *k, bool outbound)
{
	*out = NULL;
	if (!rtpr_srtp_suite_supported(k->suite) || k->len != suites[k->suite].keylen)
		return -EINVAL;
	struct rtpr_srtp *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	if (create_ctx(&c->ctx, k, outbound) < 0) {
		free(c);
		return -EIO;
	}
	c->outbound = outbound;
	*out = c;
	return 0;
}

void rtpr_srtp_destroy(struct rtpr_srtp *c)
{
	if (!c)
		return;
	srtp_dealloc(c->ctx);   /* libsrtp2 zeroises its key schedule */
	free(c);
}

int rtpr_srtp_protect(struct rtpr_srtp *c, void *pkt, int *len, bool rtcp)
{
	if (!c->outbound || *len < (rtcp ? 8 : 12))
		return -EINVAL;
	srtp_err_status_t e = rtcp ? srtp_protect_rtcp(c->ctx, pkt, len)
	                           : srtp_protect(c->ctx, pkt, len);
	return e == srtp_err_status_ok ? 0 : -EBADMSG;
}

int rtpr_srtp_unprotect(struct rtpr_srtp *c, void *pkt, int *len, bool rtcp)
{
	if (c->outbound || *len < (rtcp ? 8 : 12))
		return -EINVAL;
	srtp_err_status_t e = rtcp ? srtp_unprotect_rtcp(c->ctx, pkt, len)
	                           : srtp_unprotect(c->ctx, pkt, len);
	return e == srtp_err_status_ok ? 0 : -EBADMSG;
}
