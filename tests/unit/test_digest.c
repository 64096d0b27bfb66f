/* Unit tests: modules/auth/digest.c (RFC 2617 / RFC 7616 vectors, parser,
 * nonces, nonce-count replay, challenges). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include <tandem/digest.h>
#include "../../modules/auth/users.h"

static const uint8_t secret[SIP_DIGEST_SECRET_LEN] = "0123456789abcdef0123456789abcde";

static int parse(const char *s, struct sip_digest_cred *c)
{
	return sip_digest_parse_credentials(sip_str_c(s), c);
}

/* RFC 2617 §3.5 */
static void test_rfc2617_md5(void)
{
	struct sip_digest_cred c;
	char ha1[SIP_DIGEST_HEX_MAX];
	CU_ASSERT_EQUAL_FATAL(parse("Digest username=\"Mufasa\",\r\n realm=\"testrealm@host.com\","
	                            " nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\","
	                            " uri=\"/dir/index.html\", qop=auth, nc=00000001,"
	                            " cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\","
	                            " opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.username, "Mufasa");
	CU_ASSERT_STRING_EQUAL(c.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	CU_ASSERT_EQUAL(c.alg, SIP_DIGEST_MD5);
	CU_ASSERT(c.has_qop);
	CU_ASSERT_EQUAL(c.nc, 1);
	CU_ASSERT_EQUAL(sip_digest_ha1(SIP_DIGEST_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", ha1), 0);
	CU_ASSERT_EQUAL(sip_digest_verify(&c, ha1, "GET"), 0);
	CU_ASSERT_EQUAL(sip_digest_verify(&c, ha1, "POST"), -EACCES);
	CU_ASSERT_EQUAL(sip_digest_ha1(SIP_DIGEST_MD5, "Mufasa", "testrealm@host.com", "Circle of Life", ha1), 0);
	CU_ASSERT_EQUAL(sip_digest_verify(&c, ha1, "GET"), -EACCES);
}

/* RFC 7616 §3.9.1, both the SHA-256 and the MD5 answer. */
static void test_rfc7616_vectors(void)
{
	static const char *fmt = "Digest username=\"Mufasa\", realm=\"http-auth@example.org\","
		" uri=\"/dir/index.html\", algorithm=%s,"
		" nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001,"
		" cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth,"
		" response=\"%s\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
	struct { const char *alg, *resp; enum sip_digest_alg a; } v[] = {
		{ "SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", SIP_DIGEST_SHA256 },
		{ "MD5", "8ca523f5e9506fed4657c9700eebdbec", SIP_DIGEST_MD5 },
		/* upper-case hex in the response is accepted */
		{ "sha-256", "753927FA0E85D155564E2E272A28D1802CA10DAF4496794697CF8DB5856CB6C1", SIP_DIGEST_SHA256 },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char hdr[600], ha1[SIP_DIGEST_HEX_MAX], out[SIP_DIGEST_HEX_MAX];
		struct sip_digest_cred c;
		snprintf(hdr, sizeof hdr, fmt, v[i].alg, v[i].resp);
		CU_ASSERT_EQUAL_FATAL(parse(hdr, &c), 0);
		CU_ASSERT_EQUAL(c.alg, v[i].a);
		CU_ASSERT_EQUAL(sip_digest_ha1(v[i].a, "Mufasa", "http-auth@example.org", "Circle of Life", ha1), 0);
		CU_ASSERT_EQUAL(sip_digest_response(v[i].a, ha1, "GET", &c, out), 0);
		CU_ASSERT_EQUAL(strlen(out), sip_digest_alg_hexlen(v[i].a));
		CU_ASSERT_EQUAL(sip_digest_verify(&c, ha1, "GET"), 0);
		/* HA1 given upper-case (users file) still verifies */
		for (char *p = ha1; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		CU_ASSERT_EQUAL(sip_digest_verify(&c, ha1, "GET"), 0);
	}
}

/* Without qop: RFC 2617 §3.2.2.1 H(HA1:nonce:HA2). */
static void test_no_qop(void)
{
	struct sip_digest_cred c;
	char ha1[SIP_DIGEST_HEX_MAX];
	/* MD5(MD5(a:r:p):n:MD5(REGISTER:sip:r)) computed independently */
	CU_ASSERT_EQUAL_FATAL(parse("Digest username=\"a\",realm=\"r\",nonce=\"n\",uri=\"sip:r\","
	                            "response=\"00000000000000000000000000000000\"", &c), 0);
	CU_ASSERT(!c.has_qop);
	CU_ASSERT_EQUAL(c.nc, 0);
	CU_ASSERT_STRING_EQUAL(c.cnonce, "");
	CU_ASSERT_EQUAL(sip_digest_ha1(SIP_DIGEST_MD5, "a", "r", "p", ha1), 0);
	char want[SIP_DIGEST_HEX_MAX];
	CU_ASSERT_EQUAL(sip_digest_response(SIP_DIGEST_MD5, ha1, "REGISTER", &c, want), 0);
	CU_ASSERT_STRING_EQUAL(want, "ce0db7232cb22e4e882ac0a44065d64b");
}

static void test_parser_edges(void)
{
	struct sip_digest_cred c;
	const char *base = "username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", "
		"response=\"0123456789abcdef0123456789abcdef\"";
	char buf[4096];

	/* escapes inside quoted strings; scheme and names case-insensitive */
	CU_ASSERT_EQUAL(parse("dIgEsT UserName=\"a\\\"b\\\\c\", realm = \"r\" ,nonce=\"n\","
	                      "uri=\"sip:x\",response=\"0123456789abcdef0123456789abcdef\","
	                      " foo=bar, baz=\"q,x\"", &c), 0);
	CU_ASSERT_STRING_EQUAL(c.username, "a\"b\\c");
	CU_ASSERT_STRING_EQUAL(c.realm, "r");
	CU_ASSERT_STRING_EQUAL(c.opaque, "");
	/* empty username is syntactically fine (lookup will fail) */
	CU_ASSERT_EQUAL(parse("Digest username=\"\", realm=\"r\", nonce=\"n\", uri=\"u\", "
	                      "response=\"0123456789abcdef0123456789abcdef\"", &c), 0);

	/* other scheme, no space after Digest */
	CU_ASSERT_EQUAL(parse("Basic dXNlcjpwYXNz", &c), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(parse("Digestive username=\"u\"", &c), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(parse("Digest", &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("", &c), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(sip_digest_parse_credentials(SIP_STR_NULL, &c), -EINVAL);

	/* duplicate parameter */
	snprintf(buf, sizeof buf, "Digest %s, realm=\"r2\"", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	snprintf(buf, sizeof buf, "Digest %s, NONCE=\"x\"", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	/* each mandatory parameter missing */
	CU_ASSERT_EQUAL(parse("Digest realm=\"r\", nonce=\"n\", uri=\"s\", response=\"0123456789abcdef0123456789abcdef\"", &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("Digest username=\"u\", nonce=\"n\", uri=\"s\", response=\"0123456789abcdef0123456789abcdef\"", &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("Digest username=\"u\", realm=\"r\", uri=\"s\", response=\"0123456789abcdef0123456789abcdef\"", &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("Digest username=\"u\", realm=\"r\", nonce=\"n\", response=\"0123456789abcdef0123456789abcdef\"", &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"s\"", &c), -EINVAL);
	/* qop without cnonce / nc, bad nc, nc zero */
	snprintf(buf, sizeof buf, "Digest %s, qop=auth, nc=00000001", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	snprintf(buf, sizeof buf, "Digest %s, qop=auth, cnonce=\"c\"", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	snprintf(buf, sizeof buf, "Digest %s, qop=auth, cnonce=\"c\", nc=0000001", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	snprintf(buf, sizeof buf, "Digest %s, qop=auth, cnonce=\"c\", nc=0000000g", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	snprintf(buf, sizeof buf, "Digest %s, qop=auth, cnonce=\"c\", nc=00000000", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	/* quoted qop (some phones) is accepted */
	snprintf(buf, sizeof buf, "Digest %s, qop=\"auth\", cnonce=\"c\", nc=0000000a", base);
	CU_ASSERT_EQUAL(parse(buf, &c), 0);
	CU_ASSERT_EQUAL(c.nc, 10);
	CU_ASSERT_STRING_EQUAL(c.nc_hex, "0000000a");
	/* unsupported qop / algorithm / userhash */
	snprintf(buf, sizeof buf, "Digest %s, qop=auth-int, cnonce=\"c\", nc=00000001", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EPROTONOSUPPORT);
	snprintf(buf, sizeof buf, "Digest %s, algorithm=MD5-sess", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EPROTONOSUPPORT);
	snprintf(buf, sizeof buf, "Digest %s, algorithm=SHA-512-256", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EPROTONOSUPPORT);
	snprintf(buf, sizeof buf, "Digest %s, userhash=true", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EPROTONOSUPPORT);
	/* response of the wrong length for the algorithm, or not hex */
	snprintf(buf, sizeof buf, "Digest %s, algorithm=SHA-256", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"s\", response=\"0123456789abcdef0123456789abcdeg\"", &c), -EINVAL);
	/* syntax: unterminated quote, missing '=', trailing comma, junk, NUL */
	CU_ASSERT_EQUAL(parse("Digest username=\"u", &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("Digest username", &c), -EINVAL);
	snprintf(buf, sizeof buf, "Digest %s,", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	snprintf(buf, sizeof buf, "Digest %s junk", base);
	CU_ASSERT_EQUAL(parse(buf, &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("Digest username=\"u\\", &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("Digest =\"u\"", &c), -EINVAL);
	CU_ASSERT_EQUAL(parse("Digest username=", &c), -EINVAL);
	{
		char nul[] = "Digest username=\"a\0b\", realm=\"r\"";
		CU_ASSERT_EQUAL(sip_digest_parse_credentials((struct sip_str){ nul, sizeof nul - 1 }, &c), -EINVAL);
	}
	/* too long for the store */
	{
		char *big = malloc(10000);
		int n = snprintf(big, 10000, "Digest %s, opaque=\"", base);
		memset(big + n, 'x', 5000);
		strcpy(big + n + 5000, "\"");
		CU_ASSERT_EQUAL(parse(big, &c), -E2BIG);
		free(big);
	}
}

static void test_nonce(void)
{
	char n[SIP_DIGEST_NONCE_LEN + 1], bad[SIP_DIGEST_NONCE_LEN + 1], n2[SIP_DIGEST_NONCE_LEN + 1];
	time_t issued = 0;
	uint8_t other[SIP_DIGEST_SECRET_LEN];
	memcpy(other, secret, sizeof other);
	other[0] ^= 1;

	CU_ASSERT_EQUAL_FATAL(sip_digest_nonce_make(secret, "tandem.local", 1000000, n), 0);
	CU_ASSERT_EQUAL(strlen(n), SIP_DIGEST_NONCE_LEN);
	CU_ASSERT_EQUAL(sip_digest_nonce_make(secret, "tandem.local", 1000000, n2), 0);
	CU_ASSERT(strcmp(n, n2) != 0);           /* random part differs */
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "tandem.local", n, 1000010, 300, &issued), 0);
	CU_ASSERT_EQUAL(issued, 1000000);
	/* expiry: exactly lifetime is still fine, one second more is stale */
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "tandem.local", n, 1000300, 300, NULL), 0);
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "tandem.local", n, 1000301, 300, &issued), -ESTALE);
	/* from the future */
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "tandem.local", n, 999000, 300, NULL), -EINVAL);
	/* other realm, other secret (a restart with a new secret) */
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "other", n, 1000010, 300, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sip_digest_nonce_check(other, "tandem.local", n, 1000010, 300, NULL), -EINVAL);
	/* forged: timestamp bumped, signature byte flipped, truncated, junk */
	strcpy(bad, n);
	bad[15] = bad[15] == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "tandem.local", bad, 1000010, 300, NULL), -EINVAL);
	strcpy(bad, n);
	bad[63] = bad[63] == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "tandem.local", bad, 1000010, 300, NULL), -EINVAL);
	bad[40] = '\0';
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "tandem.local", bad, 1000010, 300, NULL), -EINVAL);
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "tandem.local", "zz", 1000010, 300, NULL), -EINVAL);
	memset(bad, 'g', SIP_DIGEST_NONCE_LEN);
	bad[SIP_DIGEST_NONCE_LEN] = '\0';
	CU_ASSERT_EQUAL(sip_digest_nonce_check(secret, "tandem.local", bad, 1000010, 300, NULL), -EINVAL);
}

static void test_secret_file(void)
{
	char dir[] = "/tmp/tandem-digest-XXXXXX", path[256];
	uint8_t s1[SIP_DIGEST_SECRET_LEN], s2[SIP_DIGEST_SECRET_LEN];
	struct stat st;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/auth.secret", dir);
	CU_ASSERT_EQUAL(sip_digest_secret_load(path, s1), 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	/* a restart reads the same secret: old nonces stay valid */
	CU_ASSERT_EQUAL(sip_digest_secret_load(path, s2), 0);
	CU_ASSERT_EQUAL(memcmp(s1, s2, sizeof s1), 0);
	char n[SIP_DIGEST_NONCE_LEN + 1];
	CU_ASSERT_EQUAL(sip_digest_nonce_make(s1, "r", 5000, n), 0);
	CU_ASSERT_EQUAL(sip_digest_nonce_check(s2, "r", n, 5001, 60, NULL), 0);
	/* a corrupt file is an error, not a silent new secret */
	FILE *f = fopen(path, "w");
	fputs("short\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(sip_digest_secret_load(path, s2), -EINVAL);
	unlink(path);
	snprintf(path, sizeof path, "%s/missing/auth.secret", dir);
	CU_ASSERT_EQUAL(sip_digest_secret_load(path, s2), -ENOENT);
	rmdir(dir);
}

static void test_nc_replay(void)
{
	char n[8][SIP_DIGEST_NONCE_LEN + 1];
	struct sip_digest_nc_table *t = sip_digest_nc_new(4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(sip_digest_nonce_make(secret, "r", 100 + i, n[i]), 0);

	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[0], 100, 1), 0);
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[0], 100, 1), -EALREADY);  /* replay */
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[0], 100, 2), 0);
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[0], 100, 5), 0);          /* gaps are fine */
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[0], 100, 4), -EALREADY);  /* going back is not */
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[1], 101, 1), 0);          /* other nonce, own count */
	CU_ASSERT_EQUAL(sip_digest_nc_count(t), 2);
	/* fill past capacity: n[0] (issued 100) is forgotten, the floor moves to 100 */
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[2], 102, 1), 0);
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[3], 103, 1), 0);
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[4], 104, 1), 0);
	CU_ASSERT_EQUAL(sip_digest_nc_count(t), 4);
	/* a forgotten nonce cannot be replayed: stale, get a fresh one */
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[0], 100, 6), -ESTALE);
	/* still-remembered ones keep their counts */
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[1], 101, 1), -EALREADY);
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[4], 104, 2), 0);
	/* a new nonce issued after the floor is accepted */
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[5], 105, 1), 0);
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, n[1], 101, 9), -ESTALE);    /* now evicted */
	CU_ASSERT_EQUAL(sip_digest_nc_check(t, "xyz", 101, 9), -EINVAL);
	sip_digest_nc_free(t);
	CU_ASSERT_PTR_NULL(sip_digest_nc_new(0));

	/* a big table: many nonces, every one refuses its own replay */
	t = sip_digest_nc_new(4096);
	for (int i = 0; i < 5000; i++) {
		char x[SIP_DIGEST_NONCE_LEN + 1];
		CU_ASSERT_EQUAL(sip_digest_nonce_make(secret, "r", 1000 + i, x), 0);
		CU_ASSERT_EQUAL(sip_digest_nc_check(t, x, 1000 + i, 1), 0);
		CU_ASSERT_EQUAL(sip_digest_nc_check(t, x, 1000 + i, 1), -EALREADY);
	}
	CU_ASSERT_EQUAL(sip_digest_nc_count(t), 4096);
	sip_digest_nc_free(t);
}

static void test_challenge(void)
{
	char buf[1024];
	int n = sip_digest_challenge(buf, sizeof buf, SIP_DIGEST_SHA256, "tandem.local", "abc", false);
	CU_ASSERT(n > 0);
	CU_ASSERT_STRING_EQUAL(buf, "Digest realm=\"tandem.local\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\"");
	n = sip_digest_challenge(buf, sizeof buf, SIP_DIGEST_MD5, "we\"ird\\", "abc", true);
	CU_ASSERT_STRING_EQUAL(buf, "Digest realm=\"we\\\"ird\\\\\", nonce=\"abc\", algorithm=MD5, qop=\"auth\", stale=true");
	CU_ASSERT_EQUAL((size_t)n, strlen(buf));
	n = sip_digest_challenge_headers(buf, sizeof buf, false, "r", "N", false, NULL, 0);
	CU_ASSERT_STRING_EQUAL(buf,
		"WWW-Authenticate: Digest realm=\"r\", nonce=\"N\", algorithm=SHA-256, qop=\"auth\"\r\n"
		"WWW-Authenticate: Digest realm=\"r\", nonce=\"N\", algorithm=MD5, qop=\"auth\"\r\n");
	n = sip_digest_challenge_headers(buf, sizeof buf, true, "r", "N", true, NULL, 0);
	CU_ASSERT(strncmp(buf, "Proxy-Authenticate: Digest", 26) == 0);
	CU_ASSERT(strstr(buf, "stale=true\r\nProxy-Authenticate:") != NULL);
	CU_ASSERT_EQUAL(sip_digest_challenge(buf, 20, SIP_DIGEST_MD5, "tandem.local", "abc", false), -ENOSPC);
	CU_ASSERT_EQUAL(sip_digest_challenge_headers(buf, 100, false, "r", "N", false, NULL, 0), -ENOSPC);
	{
		const enum sip_digest_alg md5only[] = { SIP_DIGEST_MD5 };
		sip_digest_challenge_headers(buf, sizeof buf, false, "r", "N", false, md5only, 1);
		CU_ASSERT_STRING_EQUAL(buf, "WWW-Authenticate: Digest realm=\"r\", nonce=\"N\", algorithm=MD5, qop=\"auth\"\r\n");
	}

	/* a challenge parsed back by a client: realm round-trips */
	char hdr[2048];
	struct sip_digest_cred c;
	sip_digest_challenge(buf, sizeof buf, SIP_DIGEST_MD5, "a\"b", "n", false);
	snprintf(hdr, sizeof hdr, "%s, username=\"u\", uri=\"sip:x\", response=\"0123456789abcdef0123456789abcdef\", cnonce=\"c\", nc=00000001", buf);
	CU_ASSERT_EQUAL(parse(hdr, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.realm, "a\"b");
}

static void test_ct_equal(void)
{
	CU_ASSERT(sip_digest_str_equal_ct("abc", "abc"));
	CU_ASSERT(!sip_digest_str_equal_ct("abc", "abd"));
	CU_ASSERT(!sip_digest_str_equal_ct("abc", "abcd"));
	CU_ASSERT(sip_digest_str_equal_ct("", ""));
}

static char users_dir[64];

static int users_from(const char *text, struct auth_users **u, char *err, size_t n)
{
	char path[128];
	snprintf(path, sizeof path, "%s/users.conf", users_dir);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	*u = NULL;
	return auth_users_load(path, u, err, n);
}

static void test_users_file(void)
{
	struct auth_users *u;
	char err[512], ha1[SIP_DIGEST_HEX_MAX];
	strcpy(users_dir, "/tmp/tandem-users-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(users_dir));

	CU_ASSERT_EQUAL_FATAL(users_from(
		"users: {\n"
		"  realm = \"tandem.local\";\n"
		"  list = (\n"
		"    { user = \"1001\"; password = \"secret1001\"; },\n"
		"    { user = \"1002\"; ha1_md5 = \"0123456789ABCDEF0123456789abcdef\"; context = \"internal\"; },\n"
		"    { user = \"1000\"; ha1_sha256 = \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"; }\n"
		"  );\n"
		"};\n", &u, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(u->realm, "tandem.local");
	CU_ASSERT_EQUAL(u->n, 3);
	const struct auth_user *a = auth_users_find(u, "1001");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT(a->has_ha1[SIP_DIGEST_MD5] && a->has_ha1[SIP_DIGEST_SHA256]);
	sip_digest_ha1(SIP_DIGEST_SHA256, "1001", "tandem.local", "secret1001", ha1);
	CU_ASSERT_STRING_EQUAL(a->ha1[SIP_DIGEST_SHA256], ha1);
	CU_ASSERT_PTR_NULL(a->context);
	a = auth_users_find(u, "1002");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->ha1[SIP_DIGEST_MD5], "0123456789abcdef0123456789abcdef");
	CU_ASSERT(!a->has_ha1[SIP_DIGEST_SHA256]);
	CU_ASSERT_STRING_EQUAL(a->context, "internal");
	CU_ASSERT_PTR_NOT_NULL(auth_users_find(u, "1000"));
	CU_ASSERT_PTR_NULL(auth_users_find(u, "1003"));
	CU_ASSERT_PTR_NULL(auth_users_find(u, ""));
	auth_users_free(u);

	/* errors name file:line */
	struct { const char *text, *want; } bad[] = {
		{ "users: { realm = \"r\";\n list = (\n { user = \"1\"; password = \"p\"; },\n { user = \"1\"; password = \"q\"; }\n ); };\n",
		  "users.conf:4: user '1' listed twice" },
		{ "users: { realm = \"r\";\n list = (\n { user = \"1\"; paswd = \"p\"; }\n ); };\n",
		  "users.conf:3: unknown setting 'paswd'" },
		{ "users: { realm = \"r\";\n list = (\n { user = \"1\";\n ha1_md5 = \"abc\"; }\n ); };\n",
		  "users.conf:4: user '1': ha1_md5 must be 32 hex digits" },
		{ "users: { realm = \"r\";\n list = (\n { user = \"1\"; password = \"p\"; ha1_md5 = \"0123456789abcdef0123456789abcdef\"; }\n ); };\n",
		  "users.conf:3: user '1': give password or ha1_*, not both" },
		{ "users: { realm = \"r\";\n list = (\n { user = \"1\"; }\n ); };\n",
		  "users.conf:3: user '1': needs password" },
		{ "users: { realm = \"r\";\n list = (\n { password = \"p\"; }\n ); };\n",
		  "users.conf:3: user entry without 'user'" },
		{ "users: { realm = \"r\";\n list = (\n { user = \"a:b\"; password = \"p\"; }\n ); };\n",
		  "users.conf:3: user 'a:b'" },
		{ "users: { realm = \"r\";\n list = (\n { user = 1001; password = \"p\"; }\n ); };\n",
		  "users.conf:3: 'user' must be a string" },
		{ "users: { list = (); };\n", "users.conf:1: users.realm missing" },
		{ "nothing = 1;\n", "users.conf: no 'users' group" },
		{ "users: { realm = \"r\"\n list = ( };\n", "users.conf:2: syntax error" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(users_from(bad[i].text, &u, err, sizeof err), -EINVAL);
		CU_ASSERT_PTR_NULL(u);
		const char *base = strstr(err, "users.conf");
		if (!base || strncmp(base, bad[i].want, strlen(bad[i].want)) != 0) {
			fprintf(stderr, "\n  case %zu: got '%s', want '%s...'\n", i, err, bad[i].want);
			CU_FAIL("error message");
		}
	}
	/* an empty list is fine (nobody can log in) */
	CU_ASSERT_EQUAL(users_from("users: { realm = \"r\"; list = (); };\n", &u, err, sizeof err), 0);
	CU_ASSERT_EQUAL(u->n, 0);
	CU_ASSERT_PTR_NULL(auth_users_find(u, "x"));
	auth_users_free(u);

	char path[128];
	snprintf(path, sizeof path, "%s/users.conf", users_dir);
	unlink(path);
	CU_ASSERT_EQUAL(auth_users_load(path, &u, err, sizeof err), -EINVAL);
	CU_ASSERT(strstr(err, "cannot read") != NULL);
	rmdir(users_dir);
}

/* ---- client side ---- */

/* RFC 2617 §3.5: the challenge, then the example's Authorization rebuilt
 * from it with the example's cnonce and nc. */
static void test_client_rfc2617(void)
{
	struct sip_digest_challenge ch;
	char out[1024];
	CU_ASSERT_EQUAL_FATAL(sip_digest_parse_challenge(sip_str_c(
		"Digest\r\n realm=\"testrealm@host.com\",\r\n qop=\"auth,auth-int\",\r\n"
		" nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
		" opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""), &ch), 0);
	CU_ASSERT_STRING_EQUAL(ch.realm, "testrealm@host.com");
	CU_ASSERT_STRING_EQUAL(ch.nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	CU_ASSERT_STRING_EQUAL(ch.opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	CU_ASSERT_EQUAL(ch.alg, SIP_DIGEST_MD5);
	CU_ASSERT(ch.qop_auth);
	CU_ASSERT(!ch.stale);
	int n = sip_digest_authorization(out, sizeof out, &ch, "Mufasa", "Circle Of Life", "GET",
	                                 "/dir/index.html", 1, "0a4f113b");
	CU_ASSERT_EQUAL_FATAL(n, (int)strlen(out));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "response=\"6629fae49393a05397450978507c4ef1\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "qop=auth, nc=00000001"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "cnonce=\"0a4f113b\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
	/* what we send, the server side accepts */
	struct sip_digest_cred c;
	char ha1[SIP_DIGEST_HEX_MAX];
	CU_ASSERT_EQUAL_FATAL(parse(out, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.username, "Mufasa");
	CU_ASSERT_STRING_EQUAL(c.uri, "/dir/index.html");
	CU_ASSERT_EQUAL(sip_digest_ha1(SIP_DIGEST_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", ha1), 0);
	CU_ASSERT_EQUAL(sip_digest_verify(&c, ha1, "GET"), 0);
	/* too small a buffer */
	CU_ASSERT_EQUAL(sip_digest_authorization(out, 40, &ch, "Mufasa", "Circle Of Life", "GET",
	                                         "/dir/index.html", 1, "0a4f113b"), -ENOSPC);
	/* a fresh cnonce when none is given: still verifies */
	CU_ASSERT(sip_digest_authorization(out, sizeof out, &ch, "Mufasa", "Circle Of Life", "GET",
	                                   "/dir/index.html", 7, NULL) > 0);
	CU_ASSERT_EQUAL_FATAL(parse(out, &c), 0);
	CU_ASSERT_EQUAL(c.nc, 7);
	CU_ASSERT_EQUAL(strlen(c.cnonce), 32);
	CU_ASSERT_EQUAL(sip_digest_verify(&c, ha1, "GET"), 0);
}

/* RFC 7616 §3.9.1: the SHA-256 answer to its challenge. */
static void test_client_rfc7616(void)
{
	struct sip_digest_challenge ch;
	char out[1024];
	CU_ASSERT_EQUAL_FATAL(sip_digest_parse_challenge(sip_str_c(
		"Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256,"
		" nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
		" opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""), &ch), 0);
	CU_ASSERT_EQUAL(ch.alg, SIP_DIGEST_SHA256);
	CU_ASSERT(sip_digest_authorization(out, sizeof out, &ch, "Mufasa", "Circle of Life", "GET",
	                                   "/dir/index.html", 1,
	                                   "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ") > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out,
		"response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "algorithm=SHA-256"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""));
	/* the same challenge with MD5: the RFC's MD5 response */
	CU_ASSERT_EQUAL_FATAL(sip_digest_parse_challenge(sip_str_c(
		"Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5,"
		" nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
		" opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""), &ch), 0);
	CU_ASSERT(sip_digest_authorization(out, sizeof out, &ch, "Mufasa", "Circle of Life", "GET",
	                                   "/dir/index.html", 1,
	                                   "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ") > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "response=\"8ca523f5e9506fed4657c9700eebdbec\""));
}

/* No qop in the challenge: the RFC 2069 form, no cnonce or nc. */
static void test_client_no_qop(void)
{
	struct sip_digest_challenge ch;
	char out[512];
	CU_ASSERT_EQUAL_FATAL(sip_digest_parse_challenge(sip_str_c("Digest realm=\"r\", nonce=\"n\""), &ch), 0);
	CU_ASSERT(!ch.qop_auth);
	CU_ASSERT_STRING_EQUAL(ch.opaque, "");
	CU_ASSERT(sip_digest_authorization(out, sizeof out, &ch, "a", "p", "REGISTER", "sip:r", 1, NULL) > 0);
	/* the vector of test_no_qop, computed independently */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "response=\"ce0db7232cb22e4e882ac0a44065d64b\""));
	CU_ASSERT_PTR_NULL(strstr(out, "cnonce"));
	CU_ASSERT_PTR_NULL(strstr(out, "nc="));
	CU_ASSERT_PTR_NULL(strstr(out, "opaque"));
	/* quotes and backslashes in the user name are escaped, and come back */
	CU_ASSERT(sip_digest_authorization(out, sizeof out, &ch, "a\"b\\c", "p", "REGISTER", "sip:r", 1, NULL) > 0);
	struct sip_digest_cred c;
	CU_ASSERT_EQUAL_FATAL(parse(out, &c), 0);
	CU_ASSERT_STRING_EQUAL(c.username, "a\"b\\c");
}

static void test_client_challenge_errors(void)
{
	struct sip_digest_challenge ch;
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c("Basic realm=\"r\""), &ch), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c("Digest nonce=\"n\""), &ch), -EINVAL);
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c("Digest realm=\"r\""), &ch), -EINVAL);
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c("Digest realm=\"r\", nonce=\"\""), &ch), -EINVAL);
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c("Digest realm=\"r\", realm=\"s\", nonce=\"n\""), &ch), -EINVAL);
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess"), &ch), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256"), &ch), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""), &ch), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c("Digest realm=\"r, nonce=\"n\""), &ch), -EINVAL);
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(SIP_STR_NULL, &ch), -EINVAL);
	/* unknown parameters are skipped; stale is read */
	CU_ASSERT_EQUAL(sip_digest_parse_challenge(sip_str_c(
		"Digest realm=\"r\", domain=\"sip:r\", nonce=\"n\", stale=TRUE, charset=UTF-8"), &ch), 0);
	CU_ASSERT(ch.stale);
}

/* Several challenges in one response: the strongest we support, realm filter. */
static void test_client_pick(void)
{
	static const char resp[] =
		"SIP/2.0 401 Unauthorized\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc\r\n"
		"From: <sip:a@r>;tag=1\r\nTo: <sip:a@r>;tag=2\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\n"
		"WWW-Authenticate: Basic realm=\"r\"\r\n"
		"WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n"
		"WWW-Authenticate: Digest realm=\"r\", nonce=\"n2\", algorithm=SHA-512-256, qop=\"auth\"\r\n"
		"WWW-Authenticate: Digest realm=\"r\", nonce=\"n3\", algorithm=SHA-256, qop=\"auth\"\r\n"
		"WWW-Authenticate: Digest realm=\"other\", nonce=\"n4\", algorithm=MD5\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sip_msg m;
	struct sip_error err;
	memset(&m, 0, sizeof m);
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&m, resp, sizeof resp - 1, 0, &err), 0);
	struct sip_digest_challenge ch;
	CU_ASSERT_EQUAL(sip_digest_pick_challenge(&m, NULL, &ch), 0);
	CU_ASSERT_EQUAL(ch.alg, SIP_DIGEST_SHA256);
	CU_ASSERT_STRING_EQUAL(ch.nonce, "n3");
	CU_ASSERT_STRING_EQUAL(ch.realm, "r");
	CU_ASSERT_EQUAL(sip_digest_pick_challenge(&m, "other", &ch), 0);
	CU_ASSERT_STRING_EQUAL(ch.nonce, "n4");
	CU_ASSERT_EQUAL(sip_digest_pick_challenge(&m, "nowhere", &ch), -ENOENT);
	/* a 401 is answered from WWW-Authenticate only */
	m.status = 407;
	CU_ASSERT_EQUAL(sip_digest_pick_challenge(&m, NULL, &ch), -ENOENT);
	m.status = 200;
	CU_ASSERT_EQUAL(sip_digest_pick_challenge(&m, NULL, &ch), -EINVAL);
	sip_msg_free(&m);
}

/* nc counts per nonce (RFC 7616 §3.4). */
static void test_client_nc(void)
{
	struct sip_digest_client cl;
	memset(&cl, 0, sizeof cl);
	CU_ASSERT_EQUAL(sip_digest_client_next_nc(&cl, "a"), 1);
	CU_ASSERT_EQUAL(sip_digest_client_next_nc(&cl, "a"), 2);
	CU_ASSERT_EQUAL(sip_digest_client_next_nc(&cl, "a"), 3);
	CU_ASSERT_EQUAL(sip_digest_client_next_nc(&cl, "b"), 1);
	CU_ASSERT_EQUAL(sip_digest_client_next_nc(&cl, "a"), 1);
	char longn[300];
	memset(longn, 'x', sizeof longn - 1);
	longn[sizeof longn - 1] = '\0';
	CU_ASSERT_EQUAL(sip_digest_client_next_nc(&cl, longn), 1);
	CU_ASSERT_EQUAL(sip_digest_client_next_nc(&cl, longn), 1);  /* not remembered: 1 is always valid */
}

static CU_TestInfo digest_tests[] = {
	{ "RFC 2617 MD5 example", test_rfc2617_md5 },
	{ "RFC 7616 SHA-256 and MD5 examples", test_rfc7616_vectors },
	{ "no qop", test_no_qop },
	{ "parser edge cases", test_parser_edges },
	{ "nonce round trip, expiry, forgery", test_nonce },
	{ "secret file", test_secret_file },
	{ "nonce-count replay", test_nc_replay },
	{ "challenges", test_challenge },
	{ "constant-time equal", test_ct_equal },
	{ "users file", test_users_file },
	{ "client: RFC 2617 example", test_client_rfc2617 },
	{ "client: RFC 7616 SHA-256 example", test_client_rfc7616 },
	{ "client: no qop (RFC 2069)", test_client_no_qop },
	{ "client: bad challenges", test_client_challenge_errors },
	{ "client: strongest challenge, realm", test_client_pick },
	{ "client: nonce-count", test_client_nc },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "digest", .pTests = digest_tests },
	CU_SUITE_INFO_NULL,
};
