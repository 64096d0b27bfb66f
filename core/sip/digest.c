/* mod_auth — Digest credentials, hashes, nonces and challenges. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <tandem/digest.h>
#include <tandem/sip_uri.h>

static const char hexdig[] = "0123456789abcdef";

const char *sip_digest_alg_name(enum sip_digest_alg a)
{
	return a == SIP_DIGEST_SHA256 ? "SHA-256" : "MD5";
}

size_t sip_digest_alg_hexlen(enum sip_digest_alg a)
{
	return a == SIP_DIGEST_SHA256 ? 64 : 32;
}

static const EVP_MD *alg_md(enum sip_digest_alg a)
{
	return a == SIP_DIGEST_SHA256 ? EVP_sha256() : EVP_md5();
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[b[i] >> 4];
		out[2 * i + 1] = hexdig[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int from_hex(const char *s, size_t hexlen, uint8_t *out)
{
	for (size_t i = 0; i < hexlen / 2; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static bool is_hex_len(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (hexval((unsigned char)s[i]) < 0)
			return false;
	return true;
}

/* ---- credentials parser (RFC 3261 §25.1 digest-response) ---- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 3261 §25.1 token characters. */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

enum { P_USERNAME, P_REALM, P_NONCE, P_URI, P_RESPONSE, P_ALGORITHM, P_CNONCE,
       P_OPAQUE, P_QOP, P_NC, P_USERHASH, P__COUNT };
static const char *const param_names[P__COUNT] = {
	"username", "realm", "nonce", "uri", "response", "algorithm", "cnonce",
	"opaque", "qop", "nc", "userhash",
};

/* The auth-params after the "Digest" scheme (RFC 3261 §25.1 digest-response
 * and digest-challenge share this syntax): each named parameter's value,
 * unescaped, into store; unknown ones skipped. vals[i] stays NULL for an
 * absent parameter; store[0] is left "". */
static int parse_params(struct sip_str value, const char *const *names, int nnames,
                        const char **vals, char *store, size_t storesz)
{
	const char *p = value.p, *end = value.p + value.len;
	size_t used = 0;

	store[0] = '\0';
	if (!p)
		return -EINVAL;
	while (p < end && is_ws(*p))
		p++;
	/* RFC 3261 §25.1: credentials = "Digest" LWS digest-response */
	if (end - p < 6 || strncasecmp(p, "Digest", 6) != 0)
		return -EPROTONOSUPPORT;
	p += 6;
	if (p >= end || !is_ws(*p))
		return p < end && is_tchar(*p) ? -EPROTONOSUPPORT : -EINVAL;
	used = 1; /* store[0] stays "" for absent parameters */
	for (;;) {
		while (p < end && is_ws(*p))
			p++;
		const char *name = p;
		while (p < end && is_tchar(*p))
			p++;
		size_t nlen = (size_t)(p - name);
		if (nlen == 0)
			return -EINVAL;
		while (p < end && is_ws(*p))
			p++;
		if (p >= end || *p != '=')
			return -EINVAL;
		p++;
		while (p < end && is_ws(*p))
			p++;
		int idx = -1;
		for (int i = 0; i < nnames; i++)
			if (strlen(names[i]) == nlen && strncasecmp(names[i], name, nlen) == 0)
				idx = i;
		if (idx >= 0 && vals[idx])
			return -EINVAL;      /* a parameter given twice is ambiguous */
		char *dst = store + used;
		size_t room = storesz - used, n = 0;
		if (p < end && *p == '"') {
			/* quoted-string with quoted-pair escapes */
			p++;
			for (;;) {
				if (p >= end)
					return -EINVAL;
				char ch = *p++;
				if (ch == '"')
					break;
				if (ch == '\\') {
					if (p >= end)
						return -EINVAL;
					ch = *p++;
					if (ch == '\r' || ch == '\n')
						return -EINVAL;
				}
				if (ch == '\0')
					return -EINVAL;
				if (idx >= 0) {
					if (n + 1 >= room)
						return -E2BIG;
					dst[n++] = ch;
				}
			}
		} else {
			const char *v = p;
			while (p < end && is_tchar(*p))
				p++;
			if (p == v)
				return -EINVAL;
			if (idx >= 0) {
				n = (size_t)(p - v);
				if (n + 1 >= room)
					return -E2BIG;
				memcpy(dst, v, n);
			}
		}
		if (idx >= 0) {
			dst[n] = '\0';
			vals[idx] = dst;
			used += n + 1;
		}
		while (p < end && is_ws(*p))
			p++;
		if (p >= end)
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	return 0;
}

int sip_digest_parse_credentials(struct sip_str value, struct sip_digest_cred *c)
{
	const char *vals[P__COUNT] = { 0 };

	memset(c, 0, offsetof(struct sip_digest_cred, store));
	int prc = parse_params(value, param_names, P__COUNT, vals, c->store, sizeof c->store);
	if (prc < 0)
		return prc;

	if (!vals[P_USERNAME] || !vals[P_REALM] || !vals[P_NONCE] || !vals[P_URI] ||
	    !vals[P_RESPONSE])
		return -EINVAL;
	if (vals[P_USERHASH] && strcasecmp(vals[P_USERHASH], "false") != 0)
		return -EPROTONOSUPPORT;   /* RFC 7616 §3.4.4: not offered by us */
	c->alg = SIP_DIGEST_MD5;           /* RFC 7616 §3.3: absent means MD5 */
	if (vals[P_ALGORITHM]) {
		if (strcasecmp(vals[P_ALGORITHM], "MD5") == 0)
			c->alg = SIP_DIGEST_MD5;
		else if (strcasecmp(vals[P_ALGORITHM], "SHA-256") == 0)
			c->alg = SIP_DIGEST_SHA256;
		else
			return -EPROTONOSUPPORT;
	}
	if (vals[P_QOP]) {
		if (strcasecmp(vals[P_QOP], "auth") != 0)
			return -EPROTONOSUPPORT;
		if (!vals[P_CNONCE] || !vals[P_NC] || !vals[P_CNONCE][0])
			return -EINVAL;
		if (!is_hex_len(vals[P_NC], 8))
			return -EINVAL;    /* nc-value = 8LHEX */
		c->has_qop = true;
		c->nc = (uint32_t)strtoul(vals[P_NC], NULL, 16);
		if (c->nc == 0)
			return -EINVAL;    /* counting starts at 00000001 */
	}
	/* request-digest = LDQUOT 32LHEX RDQUOT (64 for SHA-256) */
	if (!is_hex_len(vals[P_RESPONSE], sip_digest_alg_hexlen(c->alg)))
		return -EINVAL;
	for (char *r = (char *)vals[P_RESPONSE]; *r; r++)
		if (*r >= 'A' && *r <= 'F')
			*r = (char)(*r - 'A' + 'a');

	const char *empty = c->store;
	c->username = vals[P_USERNAME];
	c->realm = vals[P_REALM];
	c->nonce = vals[P_NONCE];
	c->uri = vals[P_URI];
	c->response = vals[P_RESPONSE];
	c->cnonce = c->has_qop ? vals[P_CNONCE] : empty;
	c->nc_hex = c->has_qop ? vals[P_NC] : empty;
	c->qop = c->has_qop ? vals[P_QOP] : empty;
	c->opaque = vals[P_OPAQUE] ? vals[P_OPAQUE] : empty;
	return 0;
}

/* ---- hashes ---- */

/* H(parts[0] ":" parts[1] ":" ...) as lower-case hex. */
static int hash_parts(enum sip_digest_alg alg, const char *const *parts, size_t n, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, alg_md(alg), NULL);
	for (size_t i = 0; ok && i < n; i++) {
		if (i > 0)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok)
			ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO;
	to_hex(md, mdlen, out);
	return 0;
}

int sip_digest_ha1(enum sip_digest_alg alg, const char *user, const char *realm,
               const char *password, char *out)
{
	if (!user || !realm || !password || !out)
		return -EINVAL;
	const char *parts[] = { user, realm, password };
	return hash_parts(alg, parts, 3, out);
}

int sip_digest_response(enum sip_digest_alg alg, const char *ha1_hex, const char *method,
                    const struct sip_digest_cred *c, char *out)
{
	char ha2[SIP_DIGEST_HEX_MAX];
	if (!ha1_hex || !method || !c || !out || !is_hex_len(ha1_hex, sip_digest_alg_hexlen(alg)))
		return -EINVAL;
	const char *a2[] = { method, c->uri };
	int rc = hash_parts(alg, a2, 2, ha2);
	if (rc < 0)
		return rc;
	if (c->has_qop) {
		/* RFC 7616 §3.4.1: H(HA1:nonce:nc:cnonce:qop:HA2) */
		const char *kd[] = { ha1_hex, c->nonce, c->nc_hex, c->cnonce, c->qop, ha2 };
		return hash_parts(alg, kd, 6, out);
	}
	/* RFC 2617 §3.2.2.1, RFC 2069 compatibility: H(HA1:nonce:HA2) */
	const char *kd[] = { ha1_hex, c->nonce, ha2 };
	return hash_parts(alg, kd, 3, out);
}

bool sip_digest_str_equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}

int sip_digest_verify(const struct sip_digest_cred *c, const char *ha1_hex, const char *method)
{
	char want[SIP_DIGEST_HEX_MAX];
	char ha1[SIP_DIGEST_HEX_MAX];
	if (!c || !ha1_hex || strlen(ha1_hex) >= sizeof ha1)
		return -EINVAL;
	/* HA1 from a users file may be upper-case hex. */
	size_t i;
	for (i = 0; ha1_hex[i]; i++)
		ha1[i] = (ha1_hex[i] >= 'A' && ha1_hex[i] <= 'F') ? (char)(ha1_hex[i] - 'A' + 'a') : ha1_hex[i];
	ha1[i] = '\0';
	int rc = sip_digest_response(c->alg, ha1, method, c, want);
	if (rc < 0)
		return rc;
	return sip_digest_str_equal_ct(want, c->response) ? 0 : -EACCES;
}

/* ---- secret and nonces ---- */

static int read_secret(int fd, uint8_t secret[SIP_DIGEST_SECRET_LEN])
{
	char buf[2 * SIP_DIGEST_SECRET_LEN + 8];
	size_t got = 0;
	while (got < sizeof buf) {
		ssize_t r = read(fd, buf + got, sizeof buf - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
		got--;
	if (got != 2 * SIP_DIGEST_SECRET_LEN)
		return -EINVAL;
	return from_hex(buf, got, secret);
}

int sip_digest_secret_load(const char *path, uint8_t secret[SIP_DIGEST_SECRET_LEN])
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			int rc = read_secret(fd, secret);
			close(fd);
			return rc;
		}
		if (errno != ENOENT)
			return -errno;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;    /* created meanwhile: read it */
			return -errno;
		}
		char hex[2 * SIP_DIGEST_SECRET_LEN + 2];
		if (RAND_bytes(secret, SIP_DIGEST_SECRET_LEN) != 1) {
			close(fd);
			unlink(path);
			return -EIO;
		}
		to_hex(secret, SIP_DIGEST_SECRET_LEN, hex);
		strcat(hex, "\n");
		size_t len = strlen(hex);
		int rc = write(fd, hex, len) == (ssize_t)len && fsync(fd) == 0 ? 0 : -EIO;
		close(fd);
		OPENSSL_cleanse(hex, sizeof hex);
		if (rc < 0)
			unlink(path);
		return rc;
	}
	return -EIO;
}

#define NONCE_TS 8
#define NONCE_RAND 8
#define NONCE_MAC 16
/* Clocks of a restarted host may step back a little. */
#define NONCE_FUTURE_SKEW 5

static int nonce_mac(const uint8_t secret[SIP_DIGEST_SECRET_LEN], const uint8_t *head,
                     const char *realm, uint8_t mac[NONCE_MAC])
{
	unsigned char full[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	size_t rlen = strlen(realm);
	uint8_t *data = malloc(NONCE_TS + NONCE_RAND + rlen);
	if (!data)
		return -ENOMEM;
	memcpy(data, head, NONCE_TS + NONCE_RAND);
	memcpy(data + NONCE_TS + NONCE_RAND, realm, rlen);
	unsigned char *r = HMAC(EVP_sha256(), secret, SIP_DIGEST_SECRET_LEN, data,
	                        NONCE_TS + NONCE_RAND + rlen, full, &len);
	free(data);
	if (!r || len < NONCE_MAC)
		return -EIO;
	memcpy(mac, full, NONCE_MAC);
	return 0;
}

int sip_digest_nonce_make(const uint8_t secret[SIP_DIGEST_SECRET_LEN], const char *realm,
                      time_t now, char *out)
{
	uint8_t raw[NONCE_TS + NONCE_RAND + NONCE_MAC];
	uint64_t ts = (uint64_t)now;
	if (!secret || !realm || !out)
		return -EINVAL;
	for (int i = 0; i < NONCE_TS; i++)
		raw[i] = (uint8_t)(ts >> (8 * (NONCE_TS - 1 - i)));
	/* The random part makes every challenge's nonce distinct, so nonce-counts
	 * of two clients challenged in the same second never mix. */
	if (RAND_bytes(raw + NONCE_TS, NONCE_RAND) != 1)
		return -EIO;
	int rc = nonce_mac(secret, raw, realm, raw + NONCE_TS + NONCE_RAND);
	if (rc < 0)
		return rc;
	to_hex(raw, sizeof raw, out);
	return 0;
}

int sip_digest_nonce_check(const uint8_t secret[SIP_DIGEST_SECRET_LEN], const char *realm,
                       const char *nonce, time_t now, unsigned lifetime, time_t *issued)
{
	uint8_t raw[NONCE_TS + NONCE_RAND + NONCE_MAC], mac[NONCE_MAC];
	if (!secret || !realm || !nonce || !is_hex_len(nonce, SIP_DIGEST_NONCE_LEN))
		return -EINVAL;
	from_hex(nonce, SIP_DIGEST_NONCE_LEN, raw);
	int rc = nonce_mac(secret, raw, realm, mac);
	if (rc < 0)
		return rc;
	if (CRYPTO_memcmp(mac, raw + NONCE_TS + NONCE_RAND, NONCE_MAC) != 0)
		return -EINVAL;
	uint64_t ts = 0;
	for (int i = 0; i < NONCE_TS; i++)
		ts = ts << 8 | raw[i];
	if ((int64_t)ts > (int64_t)now + NONCE_FUTURE_SKEW)
		return -EINVAL;
	if (issued)
		*issued = (time_t)ts;
	if ((int64_t)now - (int64_t)ts > (int64_t)lifetime)
		return -ESTALE;
	return 0;
}

/* ---- nonce-count table: a ring in first-use order plus hash chains ---- */

#define NC_KEY 16

struct nc_entry {
	uint8_t key[NC_KEY];
	time_t issued;
	uint32_t nc;
	int32_t next;           /* hash chain, -1 ends */
	bool used;
};

struct sip_digest_nc_table {
	unsigned cap, nbuckets, count, cursor;
	time_t floor;           /* forgotten nonces were issued at or before this */
	bool has_floor;
	int32_t *buckets;
	struct nc_entry *e;
};

struct sip_digest_nc_table *sip_digest_nc_new(unsigned capacity)
{
	if (capacity == 0)
		return NULL;
	struct sip_digest_nc_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cap = capacity;
	t->nbuckets = capacity;
	t->buckets = malloc(sizeof *t->buckets * t->nbuckets);
	t->e = calloc(capacity, sizeof *t->e);
	if (!t->buckets || !t->e) {
		sip_digest_nc_free(t);
		return NULL;
	}
	for (unsigned i = 0; i < t->nbuckets; i++)
		t->buckets[i] = -1;
	return t;
}

void sip_digest_nc_free(struct sip_digest_nc_table *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->e);
	free(t);
}

unsigned sip_digest_nc_count(const struct sip_digest_nc_table *t)
{
	return t ? t->count : 0;
}

static unsigned nc_bucket(const struct sip_digest_nc_table *t, const uint8_t *key)
{
	uint32_t h = 2166136261u;       /* FNV-1a; the keys are random anyway */
	for (int i = 0; i < NC_KEY; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % t->nbuckets;
}

static void nc_unlink(struct sip_digest_nc_table *t, int32_t idx)
{
	int32_t *pp = &t->buckets[nc_bucket(t, t->e[idx].key)];
	while (*pp >= 0) {
		if (*pp == idx) {
			*pp = t->e[idx].next;
			return;
		}
		pp = &t->e[*pp].next;
	}
}

int sip_digest_nc_check(struct sip_digest_nc_table *t, const char *nonce, time_t issued, uint32_t nc)
{
	uint8_t key[NC_KEY];
	if (!t || !nonce || strlen(nonce) < 2 * NC_KEY || from_hex(nonce, 2 * NC_KEY, key) < 0)
		return -EINVAL;
	unsigned b = nc_bucket(t, key);
	for (int32_t i = t->buckets[b]; i >= 0; i = t->e[i].next) {
		if (memcmp(t->e[i].key, key, NC_KEY) == 0) {
			if (nc <= t->e[i].nc)
				return -EALREADY;
			t->e[i].nc = nc;
			return 0;
		}
	}
	if (t->has_floor && issued <= t->floor)
		return -ESTALE;
	int32_t idx = (int32_t)t->cursor;
	struct nc_entry *e = &t->e[idx];
	if (e->used) {
		nc_unlink(t, idx);
		if (!t->has_floor || e->issued > t->floor)
			t->floor = e->issued;
		t->has_floor = true;
	} else {
		t->count++;
	}
	memcpy(e->key, key, NC_KEY);
	e->issued = issued;
	e->nc = nc;
	e->used = true;
	e->next = t->buckets[b];
	t->buckets[b] = idx;
	t->cursor = (t->cursor + 1) % t->cap;
	return 0;
}

/* ---- challenges (RFC 7616 §3.3, RFC 3261 §22.4) ---- */

static int put_quoted(char *out, size_t n, size_t *pos, const char *s)
{
	if (*pos + 1 >= n)
		return -ENOSPC;
	out[(*pos)++] = '"';
	for (; *s; s++) {
		if (*pos + 3 >= n)
			return -ENOSPC;
		if (*s == '"' || *s == '\\')
			out[(*pos)++] = '\\';
		out[(*pos)++] = *s;
	}
	out[(*pos)++] = '"';
	out[*pos] = '\0';
	return 0;
}

static int put_str(char *out, size_t n, size_t *pos, const char *s)
{
	size_t l = strlen(s);
	if (*pos + l + 1 > n)
		return -ENOSPC;
	memcpy(out + *pos, s, l + 1);
	*pos += l;
	return 0;
}

int sip_digest_challenge(char *out, size_t n, enum sip_digest_alg alg, const char *realm,
                     const char *nonce, bool stale)
{
	size_t pos = 0;
	if (!out || n == 0 || !realm || !nonce)
		return -EINVAL;
	out[0] = '\0';
	if (put_str(out, n, &pos, "Digest realm=") < 0 || put_quoted(out, n, &pos, realm) < 0 ||
	    put_str(out, n, &pos, ", nonce=") < 0 || put_quoted(out, n, &pos, nonce) < 0 ||
	    put_str(out, n, &pos, ", algorithm=") < 0 || put_str(out, n, &pos, sip_digest_alg_name(alg)) < 0 ||
	    put_str(out, n, &pos, ", qop=\"auth\"") < 0 ||
	    (stale && put_str(out, n, &pos, ", stale=true") < 0))
		return -ENOSPC;
	return (int)pos;
}

int sip_digest_challenge_headers(char *out, size_t n, bool proxy, const char *realm,
                             const char *nonce, bool stale,
                             const enum sip_digest_alg *algs, size_t nalgs)
{
	static const enum sip_digest_alg preferred[] = { SIP_DIGEST_SHA256, SIP_DIGEST_MD5 };
	const enum sip_digest_alg *order = algs ? algs : preferred;
	size_t norder = algs ? nalgs : 2;
	const char *name = proxy ? "Proxy-Authenticate: " : "WWW-Authenticate: ";
	size_t pos = 0;
	if (!out || n == 0)
		return -EINVAL;
	out[0] = '\0';
	for (size_t i = 0; i < norder; i++) {
		if (put_str(out, n, &pos, name) < 0)
			return -ENOSPC;
		int l = sip_digest_challenge(out + pos, n - pos, order[i], realm, nonce, stale);
		if (l < 0)
			return l;
		pos += (size_t)l;
		if (put_str(out, n, &pos, "\r\n") < 0)
			return -ENOSPC;
	}
	return (int)pos;
}

/* ---- client side (RFC 3261 §22.2, RFC 2617 §3.2.2, RFC 7616 §3.4) ---- */

enum { C_REALM, C_NONCE, C_OPAQUE, C_ALGORITHM, C_QOP, C_STALE, C__COUNT };
static const char *const challenge_names[C__COUNT] = {
	"realm", "nonce", "opaque", "algorithm", "qop", "stale",
};

int sip_digest_parse_challenge(struct sip_str value, struct sip_digest_challenge *ch)
{
	const char *vals[C__COUNT] = { 0 };
	memset(ch, 0, offsetof(struct sip_digest_challenge, store));
	int rc = parse_params(value, challenge_names, C__COUNT, vals, ch->store, sizeof ch->store);
	if (rc < 0)
		return rc;
	/* RFC 7616 §3.3: realm and nonce are mandatory */
	if (!vals[C_REALM] || !vals[C_NONCE] || !vals[C_NONCE][0])
		return -EINVAL;
	ch->alg = SIP_DIGEST_MD5;      /* §3.3: absent means MD5 */
	if (vals[C_ALGORITHM]) {
		if (strcasecmp(vals[C_ALGORITHM], "MD5") == 0)
			ch->alg = SIP_DIGEST_MD5;
		else if (strcasecmp(vals[C_ALGORITHM], "SHA-256") == 0)
			ch->alg = SIP_DIGEST_SHA256;
		else
			return -EPROTONOSUPPORT;   /* -sess variants, SHA-512-256 */
	}
	if (vals[C_QOP]) {
		/* qop-options = "qop" EQUAL LDQUOT qop-value *("," qop-value) RDQUOT */
		struct sip_str rest = sip_str_c(vals[C_QOP]), item;
		while (sip_list_next(&rest, &item))
			if (sip_str_caseeq_c(item, "auth"))
				ch->qop_auth = true;
		/* only auth-int offered: we do not hash bodies */
		if (!ch->qop_auth)
			return -EPROTONOSUPPORT;
	}
	ch->stale = vals[C_STALE] && strcasecmp(vals[C_STALE], "true") == 0;
	const char *empty = ch->store;
	ch->realm = vals[C_REALM];
	ch->nonce = vals[C_NONCE];
	ch->opaque = vals[C_OPAQUE] ? vals[C_OPAQUE] : empty;
	return 0;
}

/* Higher is stronger. */
static int alg_strength(enum sip_digest_alg a)
{
	return a == SIP_DIGEST_SHA256 ? 2 : 1;
}

int sip_digest_pick_challenge(const struct sip_msg *resp, const char *realm,
                              struct sip_digest_challenge *out)
{
	enum sip_hdr_id id;
	if (!resp || !out)
		return -EINVAL;
	if (resp->status == 401)
		id = SIP_HDR_WWW_AUTHENTICATE;
	else if (resp->status == 407)
		id = SIP_HDR_PROXY_AUTHENTICATE;
	else
		return -EINVAL;
	struct sip_digest_challenge *tmp = malloc(sizeof *tmp);
	if (!tmp)
		return -ENOMEM;
	int best = 0;
	for (const struct sip_hdr *h = sip_msg_hdr(resp, id); h; h = sip_msg_hdr_next(resp, h)) {
		if (sip_digest_parse_challenge(h->value, tmp) < 0)
			continue;   /* Basic, unknown algorithms: another challenge may do */
		if (realm && realm[0] && strcmp(tmp->realm, realm) != 0)
			continue;
		if (alg_strength(tmp->alg) <= best)
			continue;
		best = alg_strength(tmp->alg);
		/* the strings point into store: rebase them on the copy */
		memcpy(out, tmp, sizeof *out);
		out->realm = out->store + (tmp->realm - tmp->store);
		out->nonce = out->store + (tmp->nonce - tmp->store);
		out->opaque = out->store + (tmp->opaque - tmp->store);
	}
	free(tmp);
	return best ? 0 : -ENOENT;
}

uint32_t sip_digest_client_next_nc(struct sip_digest_client *cl, const char *nonce)
{
	if (cl->nonce[0] && strcmp(cl->nonce, nonce) == 0 && cl->nc < UINT32_MAX)
		return ++cl->nc;
	if (strlen(nonce) < sizeof cl->nonce)
		snprintf(cl->nonce, sizeof cl->nonce, "%s", nonce);
	else
		cl->nonce[0] = '\0';
	cl->nc = 1;
	return 1;
}

int sip_digest_authorization(char *out, size_t n, const struct sip_digest_challenge *ch,
                             const char *user, const char *password, const char *method,
                             const char *uri, uint32_t nc, const char *cnonce)
{
	char ha1[SIP_DIGEST_HEX_MAX], resp[SIP_DIGEST_HEX_MAX], cn[33], nc_hex[9];
	size_t pos = 0;
	if (!out || n == 0 || !ch || !user || !password || !method || !uri)
		return -EINVAL;
	out[0] = '\0';
	struct sip_digest_cred *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	c->nonce = ch->nonce;
	c->uri = uri;
	c->has_qop = ch->qop_auth;
	if (c->has_qop) {
		if (!cnonce) {
			uint8_t raw[16];
			if (RAND_bytes(raw, sizeof raw) != 1) {
				free(c);
				return -EIO;
			}
			to_hex(raw, sizeof raw, cn);
			cnonce = cn;
		}
		if (nc == 0)
			nc = 1;
		snprintf(nc_hex, sizeof nc_hex, "%08x", (unsigned)nc);
		c->cnonce = cnonce;
		c->nc_hex = nc_hex;
		c->qop = "auth";
	}
	int rc = sip_digest_ha1(ch->alg, user, ch->realm, password, ha1);
	if (rc == 0)
		rc = sip_digest_response(ch->alg, ha1, method, c, resp);
	OPENSSL_cleanse(ha1, sizeof ha1);
	if (rc < 0) {
		free(c);
		return rc;
	}
	/* RFC 3261 §22.4 / RFC 7616 §3.4: username, realm, nonce, uri,
	 * response, algorithm, cnonce, opaque quoted; qop and nc tokens. */
	if (put_str(out, n, &pos, "Digest username=") < 0 || put_quoted(out, n, &pos, user) < 0 ||
	    put_str(out, n, &pos, ", realm=") < 0 || put_quoted(out, n, &pos, ch->realm) < 0 ||
	    put_str(out, n, &pos, ", nonce=") < 0 || put_quoted(out, n, &pos, ch->nonce) < 0 ||
	    put_str(out, n, &pos, ", uri=") < 0 || put_quoted(out, n, &pos, uri) < 0 ||
	    put_str(out, n, &pos, ", response=") < 0 || put_quoted(out, n, &pos, resp) < 0 ||
	    put_str(out, n, &pos, ", algorithm=") < 0 || put_str(out, n, &pos, sip_digest_alg_name(ch->alg)) < 0)
		rc = -ENOSPC;
	if (rc == 0 && c->has_qop &&
	    (put_str(out, n, &pos, ", cnonce=") < 0 || put_quoted(out, n, &pos, cnonce) < 0 ||
	     put_str(out, n, &pos, ", qop=auth, nc=") < 0 || put_str(out, n, &pos, nc_hex) < 0))
		rc = -ENOSPC;
	/* RFC 2617 §3.2.2: opaque is returned unchanged */
	if (rc == 0 && ch->opaque[0] &&
	    (put_str(out, n, &pos, ", opaque=") < 0 || put_quoted(out, n, &pos, ch->opaque) < 0))
		rc = -ENOSPC;
	free(c);
	return rc < 0 ? rc : (int)pos;
}
