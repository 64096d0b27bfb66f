/* tandem — the dial engine's pure rules (core/call/dial_rules.h): which
 * failure of a dial the caller gets (RFC 3261 §16.7 step 6), the one
 * classification of a status into busy / noanswer / unavailable / fail,
 * as the dialplan's on(...) sees it too, target schemes, and the
 * dialplan's load check of schemes nobody serves. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "call/dial_rules.h"
#include "dialplan/dialplan.h"

/* The failure kept after statuses arrive in order. */
static int kept_after(const int *st, size_t n)
{
	struct dial_failure f = { 0 };
	for (size_t i = 0; i < n; i++)
		dial_failure_note(&f, st[i], NULL, 0);
	return f.status;
}

static void test_failure_ranking(void)
{
	/* a 6xx wins whatever came before or after, the first one is kept */
	CU_ASSERT_EQUAL(kept_after((int[]){ 486, 603, 404 }, 3), 603);
	CU_ASSERT_EQUAL(kept_after((int[]){ 503, 600, 603 }, 3), 600);
	/* a callee's definite answer beats a timeout or a server failure */
	CU_ASSERT_EQUAL(kept_after((int[]){ 408, 486 }, 2), 486);
	CU_ASSERT_EQUAL(kept_after((int[]){ 503, 480 }, 2), 480);
	CU_ASSERT_EQUAL(kept_after((int[]){ 486, 408, 500 }, 3), 486);
	/* among definite answers the first is kept */
	CU_ASSERT_EQUAL(kept_after((int[]){ 404, 486 }, 2), 404);
	CU_ASSERT_EQUAL(kept_after((int[]){ 302, 486 }, 2), 302);
	/* weak ones only until anything else comes: the last weak one */
	CU_ASSERT_EQUAL(kept_after((int[]){ 408, 503 }, 2), 503);
	CU_ASSERT_EQUAL(kept_after((int[]){ 503, 408 }, 2), 408);
	CU_ASSERT_EQUAL(kept_after((int[]){ 0 }, 0), 0);
	/* before the fix, a start failure (404) could overwrite a 6xx */
	CU_ASSERT_FALSE(dial_failure_better(603, 404));
	CU_ASSERT_TRUE(dial_failure_better(0, 500));
}

static void test_failure_reason(void)
{
	struct dial_failure f = { 0 };
	dial_failure_note(&f, 503, "Trunk Down", 10);
	CU_ASSERT_STRING_EQUAL(f.reason, "Trunk Down");
	dial_failure_note(&f, 486, "Busy Here", 9);
	CU_ASSERT_EQUAL(f.status, 486);
	CU_ASSERT_STRING_EQUAL(f.reason, "Busy Here");
	dial_failure_note(&f, 480, "Later", 5);   /* not kept: 486 came first */
	CU_ASSERT_STRING_EQUAL(f.reason, "Busy Here");
	dial_failure_note(&f, 603, NULL, 0);
	CU_ASSERT_EQUAL(f.status, 603);
	CU_ASSERT_STRING_EQUAL(f.reason, "");
	/* an overlong phrase is cut, never overflows */
	char longr[200];
	memset(longr, 'x', sizeof longr);
	struct dial_failure g = { 0 };
	dial_failure_note(&g, 500, longr, sizeof longr);
	CU_ASSERT_EQUAL(strlen(g.reason), sizeof g.reason - 1);
}

/* Trunk failover: the callee's answers stop it, the provider's trouble not. */
static void test_provider_final(void)
{
	static const int stop[] = { 400, 403, 404, 480, 484, 486, 487, 488, 600, 603, 604, 699 };
	static const int move_on[] = { 300, 302, 401, 407, 408, 500, 502, 503, 504, 580 };
	for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
		CU_ASSERT_TRUE(dial_provider_final(stop[i]));
	for (size_t i = 0; i < sizeof move_on / sizeof move_on[0]; i++)
		CU_ASSERT_FALSE(dial_provider_final(move_on[i]));
}

static void test_outcomes(void)
{
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(200), TANDEM_DIAL_ANSWERED);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(486), TANDEM_DIAL_BUSY);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(600), TANDEM_DIAL_BUSY);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(408), TANDEM_DIAL_NOANSWER);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(404), TANDEM_DIAL_UNAVAILABLE);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(410), TANDEM_DIAL_UNAVAILABLE);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(480), TANDEM_DIAL_UNAVAILABLE);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(503), TANDEM_DIAL_UNAVAILABLE);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(604), TANDEM_DIAL_UNAVAILABLE);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(603), TANDEM_DIAL_FAILED);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(500), TANDEM_DIAL_FAILED);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(302), TANDEM_DIAL_FAILED);
	CU_ASSERT_EQUAL(tandem_dial_outcome_of(488), TANDEM_DIAL_FAILED);
	CU_ASSERT_STRING_EQUAL(tandem_dial_outcome_name(TANDEM_DIAL_NOANSWER), "noanswer");
	CU_ASSERT_STRING_EQUAL(tandem_dial_outcome_name(TANDEM_DIAL_FAILED), "fail");
	/* the dialplan's on(...) sees the same classification, for every status */
	for (int st = 200; st < 700; st++) {
		enum tandem_dial_outcome o = tandem_dial_outcome_of(st);
		CU_ASSERT_EQUAL(dialplan_outcome_from_status(st), dialplan_outcome_of_dial(o));
	}
	CU_ASSERT_EQUAL(dialplan_outcome_of_dial(TANDEM_DIAL_BUSY), DIALPLAN_OUTCOME_BUSY);
	CU_ASSERT_EQUAL(dialplan_outcome_of_dial(TANDEM_DIAL_NOANSWER), DIALPLAN_OUTCOME_NOANSWER);
	CU_ASSERT_EQUAL(dialplan_outcome_of_dial(TANDEM_DIAL_UNAVAILABLE), DIALPLAN_OUTCOME_UNAVAILABLE);
	CU_ASSERT_EQUAL(dialplan_outcome_of_dial(TANDEM_DIAL_FAILED), DIALPLAN_OUTCOME_FAIL);
}

static void test_schemes(void)
{
	char s[32];
	CU_ASSERT_EQUAL(dial_target_scheme("1002", s, sizeof s), 0);
	CU_ASSERT_STRING_EQUAL(s, "user");
	CU_ASSERT_EQUAL(dial_target_scheme("+4930123", s, sizeof s), 0);
	CU_ASSERT_STRING_EQUAL(s, "user");
	CU_ASSERT_EQUAL(dial_target_scheme("12:34", s, sizeof s), 0);   /* a digit starts no scheme */
	CU_ASSERT_EQUAL(dial_target_scheme("sip:bob@example.com", s, sizeof s), 4);
	CU_ASSERT_STRING_EQUAL(s, "sip");
	CU_ASSERT_TRUE(dial_scheme_is_uri(s));
	CU_ASSERT_EQUAL(dial_target_scheme("trunk:a/123", s, sizeof s), 6);
	CU_ASSERT_STRING_EQUAL(s, "trunk");
	CU_ASSERT_EQUAL(dial_target_scheme("TeSt:bob", s, sizeof s), 5);
	CU_ASSERT_STRING_EQUAL(s, "test");
	CU_ASSERT_FALSE(dial_scheme_is_uri(s));
	CU_ASSERT_EQUAL(dial_target_scheme("x-y.z+1:r", s, sizeof s), 8);
	CU_ASSERT_STRING_EQUAL(s, "x-y.z+1");
	CU_ASSERT_EQUAL(dial_target_scheme("abcdefgh:r", s, 4), -1);   /* does not fit */
}

static bool serves_only_test(void *arg, const char *scheme)
{
	(void)arg;
	return strcmp(scheme, "test") == 0;
}

static int load(const char *text, const struct dialplan_env *env, struct dialplan **dp,
                struct dialplan_errors *e)
{
	config_t cfg;
	config_init(&cfg);
	if (!config_read_string(&cfg, text)) {
		config_destroy(&cfg);
		return -EBADMSG;
	}
	int rc = dialplan_load(&cfg, env, dp, e);
	config_destroy(&cfg);
	return rc;
}

static void test_dialplan_schemes(void)
{
	struct dialplan_env env = { .serves_scheme = serves_only_test };
	struct dialplan *dp = NULL;
	struct dialplan_errors e = { 0 };
	/* a scheme nobody serves: a load error on its line; user, trunk,
	 * sip and a ${...} scheme are accepted */
	const char *bad =
		"dialplan: { internal: (\n"
		"  { match = \"^1$\"; do = ( \"dial(test:bob | tset:bob)\" ); },\n"
		"  { match = \"^2$\"; do = ( \"dial(1002 & trunk:a/1 & sip:x@h & ${exten}:1)\" ); },\n"
		"  { match = \"^3$\"; do = ( \"dial(test:)\" ); }\n"
		"); };\n";
	CU_ASSERT_EQUAL(load(bad, &env, &dp, &e), -EINVAL);
	CU_ASSERT_EQUAL(e.count, 2);
	bool named = false, empty = false;
	for (size_t i = 0; i < e.count; i++) {
		named = named || (strstr(e.msg[i], ":2: ") && strstr(e.msg[i], "no module serves 'tset:'"));
		empty = empty || (strstr(e.msg[i], ":4: ") && strstr(e.msg[i], "nothing after 'test:'"));
	}
	CU_ASSERT_TRUE(named);
	CU_ASSERT_TRUE(empty);
	dialplan_errors_free(&e);

	/* the step of a served scheme names its kind, rest and whole text */
	const char *good =
		"dialplan: { internal: ( { match = \"^(.*)$\"; do = ( \"dial(test:${1} | 1002)\" ); } ); };\n";
	CU_ASSERT_EQUAL_FATAL(load(good, &env, &dp, &e), 0);
	struct dialplan_input in = { .ruri_user = "bob", .method = "INVITE" };
	struct dialplan_cursor *cur;
	struct dialplan_step st;
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "internal", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.u.dial.mode, DIALPLAN_DIAL_HUNT);
	CU_ASSERT_EQUAL_FATAL(st.u.dial.ntargets, 2);
	CU_ASSERT_EQUAL(st.u.dial.targets[0].kind, DIALPLAN_TARGET_SCHEME);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].value, "bob");
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].text, "test:bob");
	CU_ASSERT_EQUAL(st.u.dial.targets[1].kind, DIALPLAN_TARGET_USER);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[1].text, "1002");
	dialplan_cursor_free(cur);
	dialplan_unref(dp);

	/* trunk targets keep their name and number, and their whole text */
	const char *trunk =
		"dialplan: { internal: ( { match = \"^(.*)$\"; do = ( \"dial(trunk:pstn/${1})\" ); } ); };\n";
	CU_ASSERT_EQUAL_FATAL(load(trunk, &env, &dp, &e), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "internal", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.u.dial.targets[0].kind, DIALPLAN_TARGET_TRUNK);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].trunk, "pstn");
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].value, "bob");
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].text, "trunk:pstn/bob");
	dialplan_cursor_free(cur);
	dialplan_unref(dp);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("dial", NULL, NULL);
	CU_add_test(s, "most telling failure (RFC 3261 §16.7)", test_failure_ranking);
	CU_add_test(s, "the kept failure's reason phrase", test_failure_reason);
	CU_add_test(s, "outcome classification, dialplan's too", test_outcomes);
	CU_add_test(s, "trunk failover: the callee's final stops it", test_provider_final);
	CU_add_test(s, "target schemes", test_schemes);
	CU_add_test(s, "dialplan: schemes at load, target text", test_dialplan_schemes);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
