/* Unit tests: modules/auth/ban.c — failure counting within a window, ban
 * expiry, whitelist networks (IPv4 and IPv6), a reload keeping bans. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "unit.h"

#include "../../modules/auth/ban.h"

static struct sockaddr_storage addr(const char *ip)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(5060);
	} else {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(5060);
	}
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static const struct auth_ban_cfg cfg3 = { .failures = 3, .window = 60, .ban_time = 600 };

/* N failures within the window ban, for ban_time exactly */
static void test_threshold_and_expiry(void)
{
	struct auth_ban *b = auth_ban_new(&cfg3, 64);
	struct sockaddr_storage a = addr("192.0.2.7"), other = addr("192.0.2.8");
	CU_ASSERT_FATAL(b != NULL);
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 1000));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 1001));
	CU_ASSERT_FALSE(auth_ban_check(b, SA(a), 1001));
	CU_ASSERT_TRUE(auth_ban_fail(b, SA(a), 1002));      /* the third starts the ban */
	CU_ASSERT_TRUE(auth_ban_check(b, SA(a), 1002));
	CU_ASSERT_FALSE(auth_ban_check(b, SA(other), 1002)); /* only that address */
	/* failures during the ban neither extend it nor start it again */
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 1100));
	CU_ASSERT_TRUE(auth_ban_check(b, SA(a), 1601));
	CU_ASSERT_FALSE(auth_ban_check(b, SA(a), 1602));    /* 1002 + 600 */
	/* afterwards the count starts from zero */
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 1700));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 1701));
	CU_ASSERT_TRUE(auth_ban_fail(b, SA(a), 1702));
	auth_ban_free(b);
}

/* Failures further apart than the window never add up to a ban. */
static void test_window(void)
{
	struct auth_ban *b = auth_ban_new(&cfg3, 64);
	struct sockaddr_storage a = addr("198.51.100.1");
	for (time_t t = 0; t < 10 * 60; t += 30)            /* 2 per window of 60 s */
		CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 5000 + t));
	CU_ASSERT_FALSE(auth_ban_check(b, SA(a), 5600));
	/* the window restarts at its first failure: 2 at the end of one window
	 * and 1 at the start of the next are not 3 in one */
	struct sockaddr_storage c = addr("198.51.100.2");
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(c), 100));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(c), 159));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(c), 160));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(c), 161));
	CU_ASSERT_TRUE(auth_ban_fail(b, SA(c), 162));
	auth_ban_free(b);
}

static void test_success_forgets(void)
{
	struct auth_ban *b = auth_ban_new(&cfg3, 64);
	struct sockaddr_storage a = addr("203.0.113.5");
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 10));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 11));
	auth_ban_success(b, SA(a));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 12));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 13));
	CU_ASSERT_TRUE(auth_ban_fail(b, SA(a), 14));
	auth_ban_free(b);
}

static void test_disabled(void)
{
	struct auth_ban_cfg off = { .failures = 0, .window = 60, .ban_time = 600 };
	struct auth_ban *b = auth_ban_new(&off, 64);
	struct sockaddr_storage a = addr("192.0.2.1");
	for (int i = 0; i < 100; i++)
		CU_ASSERT_FALSE(auth_ban_fail(b, SA(a), 1));
	CU_ASSERT_FALSE(auth_ban_check(b, SA(a), 1));
	auth_ban_free(b);
}

static void test_whitelist_parse(void)
{
	struct auth_ban *b = auth_ban_new(&cfg3, 16);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "10.0.0.0/8"), 0);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "192.0.2.7"), 0);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "2001:db8::/32"), 0);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "::1"), 0);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "0.0.0.0/0"), 0);
	const char *bad[] = { "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/8x", "2001:db8::/129",
	                      "10.0.0", "host.example", "10.0.0.0/-1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, bad[i]), -EINVAL);
	auth_ban_free(b);
}

static void test_whitelist_match(void)
{
	struct auth_ban *b = auth_ban_new(&cfg3, 64);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "10.1.0.0/16"), 0);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "172.16.0.0/12"), 0);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "192.0.2.7/32"), 0);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "2001:db8:aa00::/40"), 0);
	struct { const char *ip; bool white; } cases[] = {
		{ "10.1.0.1", true }, { "10.1.255.255", true }, { "10.2.0.1", false },
		{ "172.16.0.1", true }, { "172.31.255.254", true }, { "172.32.0.1", false },
		{ "192.0.2.7", true }, { "192.0.2.6", false },
		{ "::ffff:10.1.2.3", true },                     /* a v4 peer on a v6 socket */
		{ "2001:db8:aa12::1", true }, { "2001:db8:ab00::1", false }, { "::1", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct sockaddr_storage a = addr(cases[i].ip);
		CU_ASSERT_EQUAL(auth_ban_whitelisted(b, SA(a)), cases[i].white);
		/* whitelisted sources are never banned, the others are */
		bool banned = false;
		for (int n = 0; n < 3; n++)
			banned |= auth_ban_fail(b, SA(a), 100 + n);
		CU_ASSERT_EQUAL(banned, !cases[i].white);
		CU_ASSERT_EQUAL(auth_ban_check(b, SA(a), 103), !cases[i].white);
	}
	auth_ban_free(b);
}

/* A v4 source and the same address mapped into v6 are one source. */
static void test_v4_mapped_is_one_source(void)
{
	struct auth_ban *b = auth_ban_new(&cfg3, 64);
	struct sockaddr_storage v4 = addr("198.51.100.9"), v6 = addr("::ffff:198.51.100.9");
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(v4), 1));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(v6), 2));
	CU_ASSERT_TRUE(auth_ban_fail(b, SA(v4), 3));
	CU_ASSERT_TRUE(auth_ban_check(b, SA(v6), 3));
	auth_ban_free(b);
}

/* A reload builds a new table: it takes over the bans, and a network
 * whitelisted by the new config is let through at once. */
static void test_reload_adopt(void)
{
	struct auth_ban *old = auth_ban_new(&cfg3, 64);
	struct sockaddr_storage a = addr("192.0.2.50"), c = addr("198.51.100.50");
	for (int n = 0; n < 3; n++) {
		auth_ban_fail(old, SA(a), 10);
		auth_ban_fail(old, SA(c), 10);
	}
	CU_ASSERT_TRUE(auth_ban_check(old, SA(a), 11));
	struct auth_ban *next = auth_ban_new(&cfg3, 64);
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(next, "198.51.100.0/24"), 0);
	auth_ban_adopt(next, old);
	auth_ban_free(old);
	CU_ASSERT_TRUE(auth_ban_check(next, SA(a), 11));
	CU_ASSERT_FALSE(auth_ban_check(next, SA(c), 11));
	auth_ban_free(next);
}

/* The table is bounded: a colliding address cannot evict a ban. */
static void test_bounded_table(void)
{
	struct auth_ban *b = auth_ban_new(&cfg3, 1);
	struct sockaddr_storage a = addr("192.0.2.1"), c = addr("192.0.2.2");
	for (int n = 0; n < 3; n++)
		auth_ban_fail(b, SA(a), 10);
	CU_ASSERT_TRUE(auth_ban_check(b, SA(a), 10));
	for (int n = 0; n < 10; n++)
		auth_ban_fail(b, SA(c), 11);
	CU_ASSERT_TRUE(auth_ban_check(b, SA(a), 12));
	CU_ASSERT_FALSE(auth_ban_check(b, SA(c), 12));
	CU_ASSERT_PTR_NULL(auth_ban_new(&cfg3, 0));
	auth_ban_free(b);
}

struct seen {
	struct auth_ban_entry e[8];
	unsigned n;
};

static int collect(void *arg, const struct auth_ban_entry *e)
{
	struct seen *s = arg;
	if (s->n < 8)
		s->e[s->n] = *e;
	s->n++;
	return 0;
}

static const struct auth_ban_entry *seen_find(const struct seen *s, const char *ip)
{
	struct sockaddr_storage a = addr(ip);
	for (unsigned i = 0; i < s->n && i < 8; i++) {
		const struct sockaddr_storage *x = &s->e[i].addr;
		if (x->ss_family == AF_INET && a.ss_family == AF_INET &&
		    memcmp(&((const struct sockaddr_in *)x)->sin_addr,
		           &((const struct sockaddr_in *)&a)->sin_addr, 4) == 0)
			return &s->e[i];
		if (x->ss_family == AF_INET6 && a.ss_family == AF_INET6 &&
		    memcmp(&((const struct sockaddr_in6 *)x)->sin6_addr,
		           &((const struct sockaddr_in6 *)&a)->sin6_addr, 16) == 0)
			return &s->e[i];
	}
	return NULL;
}

/* The control socket's ban add / remove / list. */
static void test_by_hand(void)
{
	struct auth_ban *b = auth_ban_new(&cfg3, 64);
	struct sockaddr_storage a = addr("192.0.2.10"), c = addr("2001:db8::10"), w = addr("10.0.0.1");
	CU_ASSERT_EQUAL(auth_ban_whitelist_add(b, "10.0.0.0/8"), 0);
	CU_ASSERT_EQUAL(auth_ban_add(b, SA(a), 30, 100), 0);
	CU_ASSERT_TRUE(auth_ban_check(b, SA(a), 129));
	CU_ASSERT_FALSE(auth_ban_check(b, SA(a), 130));
	CU_ASSERT_EQUAL(auth_ban_add(b, SA(w), 30, 100), -EPERM);
	CU_ASSERT_FALSE(auth_ban_check(b, SA(w), 101));
	CU_ASSERT_EQUAL(auth_ban_add(b, SA(a), 0, 100), -EINVAL);
	/* two failures, then a ban by hand: listed with them */
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(c), 100));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(c), 100));
	struct seen s = { .n = 0 };
	CU_ASSERT_EQUAL(auth_ban_foreach(b, 110, collect, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.n, 2);
	const struct auth_ban_entry *e = seen_find(&s, "192.0.2.10");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_TRUE(e->banned);
	CU_ASSERT_TRUE(e->by_hand);
	CU_ASSERT_EQUAL(e->remaining, 20);
	e = seen_find(&s, "2001:db8::10");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_FALSE(e->banned);
	CU_ASSERT_EQUAL(e->failures, 2);
	CU_ASSERT_EQUAL(auth_ban_add(b, SA(c), 600, 110), 0);
	s.n = 0;
	auth_ban_foreach(b, 111, collect, &s);
	e = seen_find(&s, "2001:db8::10");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_TRUE(e->banned);
	CU_ASSERT_EQUAL(e->failures, 2);
	CU_ASSERT_EQUAL(e->remaining, 599);
	/* removing lifts the ban and the count: three more failures to ban */
	CU_ASSERT_EQUAL(auth_ban_remove(b, SA(c), 112), 0);
	CU_ASSERT_FALSE(auth_ban_check(b, SA(c), 112));
	CU_ASSERT_EQUAL(auth_ban_remove(b, SA(c), 112), -ENOENT);
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(c), 113));
	CU_ASSERT_FALSE(auth_ban_fail(b, SA(c), 113));
	CU_ASSERT_TRUE(auth_ban_fail(b, SA(c), 113));
	/* an automatic ban is lifted the same way; an expired one is not there */
	CU_ASSERT_EQUAL(auth_ban_remove(b, SA(c), 114), 0);
	CU_ASSERT_EQUAL(auth_ban_remove(b, SA(a), 200), -ENOENT);
	s.n = 0;
	CU_ASSERT_EQUAL(auth_ban_foreach(b, 200, collect, &s), 0);
	CU_ASSERT_EQUAL(s.n, 0);
	auth_ban_free(b);

	/* failures = 0: no failure bans, a ban by hand still holds */
	struct auth_ban_cfg off = { .failures = 0, .window = 60, .ban_time = 600 };
	b = auth_ban_new(&off, 64);
	CU_ASSERT_EQUAL(auth_ban_add(b, SA(a), 30, 100), 0);
	CU_ASSERT_TRUE(auth_ban_check(b, SA(a), 101));
	auth_ban_free(b);

	/* a one-slot table: a ban by hand never evicts another ban */
	b = auth_ban_new(&cfg3, 1);
	CU_ASSERT_EQUAL(auth_ban_add(b, SA(a), 30, 100), 0);
	CU_ASSERT_EQUAL(auth_ban_add(b, SA(c), 30, 100), -EBUSY);
	CU_ASSERT_TRUE(auth_ban_check(b, SA(a), 101));
	CU_ASSERT_EQUAL(auth_ban_add(b, SA(c), 30, 131), 0);   /* once it expired */
	CU_ASSERT_TRUE(auth_ban_check(b, SA(c), 131));
	auth_ban_free(b);
}

/* What the metrics read: addresses banned at a time, bans ever started
 * (a reload keeps the count with the bans). */
static void test_census(void)
{
	struct auth_ban *b = auth_ban_new(&cfg3, 64);
	struct sockaddr_storage a = addr("192.0.2.60"), c = addr("2001:db8::60");
	unsigned banned;
	unsigned long bans;
	CU_ASSERT_FATAL(b != NULL);
	auth_ban_census(b, 100, &banned, &bans);
	CU_ASSERT_EQUAL(banned, 0);
	CU_ASSERT_EQUAL(bans, 0);
	for (int i = 0; i < 3; i++) {
		auth_ban_fail(b, SA(a), 100);
		auth_ban_fail(b, SA(c), 200);
	}
	auth_ban_fail(b, SA(a), 150);   /* during the ban: no new one */
	auth_ban_census(b, 250, &banned, &bans);
	CU_ASSERT_EQUAL(banned, 2);
	CU_ASSERT_EQUAL(bans, 2);
	auth_ban_census(b, 700, &banned, &bans);   /* a's ban ended at 100 + 600 */
	CU_ASSERT_EQUAL(banned, 1);
	CU_ASSERT_EQUAL(bans, 2);
	struct auth_ban *next = auth_ban_new(&cfg3, 64);
	CU_ASSERT_FATAL(next != NULL);
	auth_ban_adopt(next, b);
	auth_ban_free(b);
	auth_ban_census(next, 250, &banned, &bans);
	CU_ASSERT_EQUAL(banned, 2);
	CU_ASSERT_EQUAL(bans, 2);
	auth_ban_census(NULL, 250, &banned, &bans);
	CU_ASSERT_EQUAL(banned, 0);
	CU_ASSERT_EQUAL(bans, 0);
	auth_ban_free(next);
}

static CU_TestInfo ban_tests[] = {
	{ "threshold and ban expiry", test_threshold_and_expiry },
	{ "failure window", test_window },
	{ "success forgets failures", test_success_forgets },
	{ "failures = 0 disables", test_disabled },
	{ "whitelist syntax", test_whitelist_parse },
	{ "whitelist networks v4/v6", test_whitelist_match },
	{ "v4-mapped v6 is the same source", test_v4_mapped_is_one_source },
	{ "reload keeps bans", test_reload_adopt },
	{ "census for the metrics", test_census },
	{ "bounded table", test_bounded_table },
	{ "ban add, remove, list by hand", test_by_hand },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "ban", .pTests = ban_tests },
	CU_SUITE_INFO_NULL,
};
