/* Unit tests: modules/auth/sample.c — users whose password is still one
 * of the sample office's: the shipped etc/users.conf has three; a changed
 * password is no longer one; ha1_* values made from a sample password are
 * caught too; the same password in another realm is not one. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "../../modules/auth/sample.h"

static struct auth_users *load(const char *path)
{
	struct auth_users *u = NULL;
	char err[512];
	int rc = auth_users_load(path, &u, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return u;
}

static void test_shipped_sample(void)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	snprintf(path, sizeof path, "%s/etc/users.conf", top ? top : ".");
	struct auth_users *u = load(path);
	CU_ASSERT_EQUAL(u->n, 3);
	for (size_t i = 0; i < u->n; i++)
		CU_ASSERT_TRUE(auth_sample_password(u, &u->v[i]));
	CU_ASSERT_EQUAL(auth_sample_warn(u), 3);
	auth_users_free(u);
}

static struct auth_users *load_text(const char *text)
{
	char path[] = "/tmp/tandem-sample-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	struct auth_users *u = load(path);
	unlink(path);
	return u;
}

static void test_changed_and_ha1(void)
{
	char ha1[SIP_DIGEST_HEX_MAX], text[1024];
	CU_ASSERT_EQUAL_FATAL(sip_digest_ha1(SIP_DIGEST_MD5, "1004", "tandem.local", "bob-1002", ha1), 0);
	snprintf(text, sizeof text,
	         "users: { realm = \"tandem.local\"; list = (\n"
	         "  { user = \"1001\"; password = \"a-better-one\"; },\n"
	         "  { user = \"1002\"; password = \"carol-1003\"; },\n"   /* another user's sample */
	         "  { user = \"1003\"; password = \"carol-1003x\"; },\n"
	         "  { user = \"1004\"; ha1_md5 = \"%s\"; }\n"
	         "); };\n", ha1);
	struct auth_users *u = load_text(text);
	CU_ASSERT_FALSE(auth_sample_password(u, auth_users_find(u, "1001")));
	CU_ASSERT_TRUE(auth_sample_password(u, auth_users_find(u, "1002")));
	CU_ASSERT_FALSE(auth_sample_password(u, auth_users_find(u, "1003")));
	CU_ASSERT_TRUE(auth_sample_password(u, auth_users_find(u, "1004")));
	CU_ASSERT_EQUAL(auth_sample_warn(u), 2);
	auth_users_free(u);
	/* HA1 binds the realm: the same HA1 value in another realm is not the sample's */
	snprintf(text, sizeof text,
	         "users: { realm = \"other.example\"; list = ( { user = \"1004\"; ha1_md5 = \"%s\"; } ); };\n",
	         ha1);
	u = load_text(text);
	CU_ASSERT_FALSE(auth_sample_password(u, &u->v[0]));
	CU_ASSERT_EQUAL(auth_sample_warn(u), 0);
	auth_users_free(u);
}

static CU_TestInfo sample_tests[] = {
	{ "the shipped users.conf", test_shipped_sample },
	{ "changed passwords, ha1 values, realms", test_changed_and_ha1 },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "auth_sample", .pTests = sample_tests },
	CU_SUITE_INFO_NULL,
};
