/* tandem — dialplan engine tests: loading (real files with @include, so
 * file:line of every error is checked), matching, expansion, stepping. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"

#include "dialplan/dialplan.h"
#include "dialplan/dialplan_internal.h"

/* ---- a module action table, as a loaded module would export ---- */

static int n_fixups, n_frees;

/* queue(name): only queues the "module" knows */
static int queue_fixup(struct tandem *t, int argc, const char *const *argv,
                       void **priv, char *err, size_t errlen)
{
	if (strcmp(argv[0], "sales") && strcmp(argv[0], "support")) {
		snprintf(err, errlen, "no queue '%s'", argv[0]);
		return -EINVAL;
	}
	*priv = strdup(argv[0]);
	n_fixups++;
	return *priv ? 0 : -ENOMEM;
}

static void queue_free(void *priv)
{
	n_frees++;
	free(priv);
}

static const struct tandem_action test_actions[] = {
	{ .name = "auth", .min_args = 0, .max_args = 0 },
	{ .name = "queue", .min_args = 1, .max_args = 1, .fixup = queue_fixup, .free_priv = queue_free },
	{ .name = "voicemail", .min_args = 1, .max_args = 2 },
	{ .name = NULL },
};

static const struct tandem_action *find_action(void *arg, const char *name)
{
	const struct tandem_action *tab = arg;

	for (; tab->name; tab++)
		if (!strcmp(tab->name, name))
			return tab;
	return NULL;
}

static const char *const extra_vars[] = { "caller_name", NULL };
static const struct dialplan_env env = {
	.find_action = find_action, .arg = (void *)test_actions, .extra_vars = extra_vars,
};

/* ---- fixtures ---- */

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* Load main.conf from the temp dir (it may @include others). */
static int load_file(struct dialplan **dp, struct dialplan_errors *errs)
{
	char path[256];
	config_t cfg;
	int rc;

	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	config_init(&cfg);
	config_set_include_dir(&cfg, tmpdir);
	if (!config_read_file(&cfg, path)) {
		fprintf(stderr, "%s:%d: %s\n", config_error_file(&cfg), config_error_line(&cfg),
		        config_error_text(&cfg));
		config_destroy(&cfg);
		return -EBADMSG;
	}
	rc = dialplan_load(&cfg, &env, dp, errs);
	config_destroy(&cfg);
	return rc;
}

static int load_str(const char *text, struct dialplan **dp, struct dialplan_errors *errs)
{
	config_t cfg;
	int rc;

	config_init(&cfg);
	if (!config_read_string(&cfg, text)) {
		fprintf(stderr, "line %d: %s\n", config_error_line(&cfg), config_error_text(&cfg));
		config_destroy(&cfg);
		return -EBADMSG;
	}
	rc = dialplan_load(&cfg, &env, dp, errs);
	config_destroy(&cfg);
	return rc;
}

static struct dialplan *must_load(const char *text)
{
	struct dialplan *dp = NULL;
	struct dialplan_errors errs;
	int rc = load_str(text, &dp, &errs);

	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "unexpected: %s\n", errs.msg[i]);
	dialplan_errors_free(&errs);
	CU_ASSERT_EQUAL(rc, 0);
	return rc ? NULL : dp;
}

static bool has_error(const struct dialplan_errors *e, const char *where, const char *what)
{
	for (size_t i = 0; i < e->count; i++)
		if (strstr(e->msg[i], where) && strstr(e->msg[i], what))
			return true;
	return false;
}

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5060) };

	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

static struct sockaddr_in6 v6(const char *ip)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(5060) };

	inet_pton(AF_INET6, ip, &sa.sin6_addr);
	return sa;
}

static struct dialplan_input input(const char *ruri_user)
{
	return (struct dialplan_input){ .ruri_user = ruri_user, .from_user = "1001",
		.from_domain = "pbx.example", .method = "INVITE", .call_id = "abc@host" };
}

/* Match ruri in ctx and return the first step's first argument (or name
 * when it has none) in buf; "" when nothing matched. */
static const char *first(struct dialplan *dp, const char *ctx, const struct dialplan_input *in,
                         char *buf, size_t n)
{
	struct dialplan_cursor *cur;
	struct dialplan_step st;

	buf[0] = '\0';
	if (dialplan_match(dp, ctx, in, &cur))
		return buf;
	if (dialplan_next(cur, &st) == DIALPLAN_STEP)
		snprintf(buf, n, "%s", st.argc ? st.argv[0] : st.name);
	dialplan_cursor_free(cur);
	return buf;
}

static const char *first_for(struct dialplan *dp, const char *ruri, char *buf, size_t n)
{
	struct dialplan_input in = input(ruri);

	return first(dp, "c", &in, buf, n);
}

/* ---- tests ---- */

static void test_patterns(void)
{
	struct dialplan *dp = must_load(
		"dialplan: { c: (\n"
		"  { match = \"^1[0-9]{3}$\"; do = ( \"log(ext ${exten})\" ); },\n"
		"  { match = \"_9.\";        do = ( \"log(out ${1})\" ); },\n"
		"  { match = \"_NXX\";       do = ( \"log(nxx)\" ); },\n"
		"  { match = \"_0[2-4]Z\";   do = ( \"log(set)\" ); },\n"
		"  { match = \"_+1-800-X!\"; do = ( \"log(tollfree ${1})\" ); },\n"
		"  { match = \"^\\\\+4([0-9])([0-9]+)$\"; do = ( \"log(${2}-${1})\" ); },\n"
		"  { match = \"_*7X\";       do = ( \"log(star)\" ); }\n"
		"); };");
	char b[128];

	if (!dp)
		return;
	CU_ASSERT_STRING_EQUAL(first_for(dp, "1234", b, sizeof(b)), "ext 1234");
	CU_ASSERT_STRING_EQUAL(first_for(dp, "12345", b, sizeof(b)), "");
	CU_ASSERT_STRING_EQUAL(first_for(dp, "90049123", b, sizeof(b)), "out 0049123");
	CU_ASSERT_STRING_EQUAL(first_for(dp, "9", b, sizeof(b)), "");          /* '.' is one or more */
	CU_ASSERT_STRING_EQUAL(first_for(dp, "234", b, sizeof(b)), "nxx");
	CU_ASSERT_STRING_EQUAL(first_for(dp, "134", b, sizeof(b)), "");        /* N is 2-9 */
	CU_ASSERT_STRING_EQUAL(first_for(dp, "035", b, sizeof(b)), "set");
	CU_ASSERT_STRING_EQUAL(first_for(dp, "030", b, sizeof(b)), "");        /* Z is 1-9 */
	CU_ASSERT_STRING_EQUAL(first_for(dp, "055", b, sizeof(b)), "");        /* [2-4] */
	CU_ASSERT_STRING_EQUAL(first_for(dp, "+18005", b, sizeof(b)), "tollfree ");  /* '!' zero or more */
	CU_ASSERT_STRING_EQUAL(first_for(dp, "+1800512", b, sizeof(b)), "tollfree 12");
	CU_ASSERT_STRING_EQUAL(first_for(dp, "1800512", b, sizeof(b)), "");    /* '+' literal */
	CU_ASSERT_STRING_EQUAL(first_for(dp, "+4930123", b, sizeof(b)), "30123-9");
	CU_ASSERT_STRING_EQUAL(first_for(dp, "*71", b, sizeof(b)), "star");
	CU_ASSERT_STRING_EQUAL(first_for(dp, "x71", b, sizeof(b)), "");        /* '*' literal */
	dialplan_unref(dp);
}

static void test_pattern_errors(void)
{
	regex_t re;
	char err[128];

	CU_ASSERT_EQUAL(dp_compile_pattern("_9[", &re, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(dp_compile_pattern("_[]", &re, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(dp_compile_pattern("_", &re, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(dp_compile_pattern("^(1", &re, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "^(1"));
	CU_ASSERT_EQUAL(dp_compile_pattern("_X.", &re, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(re.re_nsub, 1);
	regfree(&re);
}

static void test_first_match_wins(void)
{
	struct dialplan *dp = must_load(
		"dialplan: { c: (\n"
		"  { match = \"^10\"; do = ( \"log(a)\" ); },\n"
		"  { match = \"^1\";  do = ( \"log(b)\" ); },\n"
		"  { match = \"^100$\"; do = ( \"log(never)\" ); }\n"
		"); };");
	char b[64];

	if (!dp)
		return;
	CU_ASSERT_STRING_EQUAL(first_for(dp, "100", b, sizeof(b)), "a");
	CU_ASSERT_STRING_EQUAL(first_for(dp, "110", b, sizeof(b)), "b");
	dialplan_unref(dp);
}

static void test_from_method_source(void)
{
	struct dialplan *dp = must_load(
		"dialplan: { c: (\n"
		"  { match = \"^9(.+)$\"; from = \"^10[0-9][0-9]$\"; method = \"INVITE|MESSAGE\";\n"
		"    source = \"127.0.0.0/8\"; do = ( \"log(local ${1})\" ); },\n"
		"  { match = \"^9\"; source = [ \"2001:db8::/32\", \"192.0.2.7\" ]; do = ( \"log(listed)\" ); },\n"
		"  { match = \"^9\"; method = \"OPTIONS\"; do = ( \"log(options)\" ); },\n"
		"  { from = \"_2XX\"; do = ( \"log(from2xx)\" ); }\n"
		"); };");
	struct sockaddr_in lo = v4("127.0.0.1"), other = v4("10.1.2.3"), listed = v4("192.0.2.7");
	struct sockaddr_in6 doc = v6("2001:db8::5"), mapped = v6("::ffff:127.0.0.2"), v6other = v6("2001:db9::1");
	struct dialplan_input in = input("955");
	char b[64];

	if (!dp)
		return;
	in.source = (struct sockaddr *)&lo;
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "local 55");
	in.source = (struct sockaddr *)&mapped;      /* a dual-stack socket's IPv4 peer */
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "local 55");
	in.method = "MESSAGE";
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "local 55");
	in.method = "invite";                        /* methods are case-sensitive */
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "");
	in.method = "INVITE";
	in.from_user = "2001";                       /* from fails: next rules */
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "");
	in.from_user = "1001";
	in.source = (struct sockaddr *)&other;
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "");
	in.source = (struct sockaddr *)&listed;
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "listed");
	in.source = (struct sockaddr *)&doc;
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "listed");
	in.source = (struct sockaddr *)&v6other;
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "");
	in.source = NULL;                            /* unknown source: source rules never match */
	in.method = "OPTIONS";
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "options");
	in.method = "INVITE";
	in.ruri_user = "555";
	in.from_user = "234";
	CU_ASSERT_STRING_EQUAL(first(dp, "c", &in, b, sizeof(b)), "from2xx");
	dialplan_unref(dp);
}

static void test_cidr(void)
{
	struct sip_net c;
	struct sockaddr_in a = v4("10.255.0.1"), b = v4("11.0.0.1");

	CU_ASSERT_EQUAL(sip_net_parse("10.0.0.0/8", &c), 0);
	CU_ASSERT(sip_net_match(&c, (struct sockaddr *)&a));
	CU_ASSERT(!sip_net_match(&c, (struct sockaddr *)&b));
	CU_ASSERT_EQUAL(sip_net_parse("10.0.0.0/9", &c), 0);
	CU_ASSERT(!sip_net_match(&c, (struct sockaddr *)&a));
	CU_ASSERT_EQUAL(sip_net_parse("0.0.0.0/0", &c), 0);
	CU_ASSERT(sip_net_match(&c, (struct sockaddr *)&b));
	CU_ASSERT_EQUAL(sip_net_parse("10.0.0.0/33", &c), -EINVAL);
	CU_ASSERT_EQUAL(sip_net_parse("10.0.0.0/", &c), -EINVAL);
	CU_ASSERT_EQUAL(sip_net_parse("10.0.0.0/-1", &c), -EINVAL);
	CU_ASSERT_EQUAL(sip_net_parse("::1/129", &c), -EINVAL);
	CU_ASSERT_EQUAL(sip_net_parse("example.com", &c), -EINVAL);
	CU_ASSERT_EQUAL(sip_net_parse("::/0", &c), 0);
	CU_ASSERT(!sip_net_match(&c, (struct sockaddr *)&b));  /* families differ */
	CU_ASSERT(!sip_net_match(&c, NULL));
}

static void test_variables(void)
{
	struct dialplan *dp = must_load(
		"dialplan: { c: (\n"
		"  { match = \"^(1)(0)(0)(1)$\"; do = (\n"
		"      \"set(greeting=hi ${from_user})\",\n"
		"      \"log(${exten}|${1}${2}${3}${4}|${from_user}@${from_domain}|${auth_user}|${method}|${source_ip}|${call_id})\",\n"
		"      \"log(${greeting} ${caller_name}${nobody_set_me})\",\n"
		"      \"set(nobody_set_me=x)\",\n"
		"      \"log(${auth_user} ${nobody_set_me} ${caller_name})\" ); }\n"
		"); };");
	struct sockaddr_in6 src = v6("2001:db8::1");
	struct dialplan_input in = input("1001");
	struct dialplan_cursor *cur;
	struct dialplan_step st;

	if (!dp)
		return;
	in.source = (struct sockaddr *)&src;
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_LOG);
	CU_ASSERT_STRING_EQUAL(st.u.log.text, "1001|1001|1001@pbx.example||INVITE|2001:db8::1|abc@host");
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_STRING_EQUAL(st.u.log.text, "hi 1001 ");    /* unset variables expand to "" */
	/* the call core learns who authenticated and sets its own variables */
	CU_ASSERT_EQUAL(dialplan_set_var(cur, "auth_user", "alice"), 0);
	CU_ASSERT_EQUAL(dialplan_set_var(cur, "caller_name", "Alice"), 0);
	CU_ASSERT_EQUAL(dialplan_set_var(cur, "caller_name", "Alice B"), 0);
	CU_ASSERT_EQUAL(dialplan_set_var(cur, "1", "x"), -EINVAL);
	CU_ASSERT_EQUAL(dialplan_set_var(cur, "bad name", "x"), -EINVAL);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_STRING_EQUAL(st.u.log.text, "alice x Alice B");
	CU_ASSERT_STRING_EQUAL(dialplan_get_var(cur, "greeting"), "hi 1001");
	CU_ASSERT_STRING_EQUAL(dialplan_get_var(cur, "exten"), "1001");
	CU_ASSERT_STRING_EQUAL(dialplan_get_var(cur, "3"), "0");
	CU_ASSERT_PTR_NULL(dialplan_get_var(cur, "never"));
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
	dialplan_cursor_free(cur);
	dialplan_unref(dp);
}

static void test_variable_errors(void)
{
	struct dialplan *dp = NULL;
	struct dialplan_errors e;
	int rc = load_str(
		"dialplan: { c: (\n"
		"  { match = \"^9(.)$\"; do = ( \"log(${2})\",\n"   /* line 2: one group only */
		"      \"log(${nope})\",\n"                         /* 3: never set */
		"      \"log(${exten)\",\n"                          /* 4: unterminated */
		"      \"log(${a-b})\",\n"                           /* 5: bad name */
		"      \"set(exten=1)\",\n"                          /* 6: built-in */
		"      \"set(novalue)\" ); }\n"                      /* 7 */
		"); };", &dp, &e);

	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NULL(dp);
	CU_ASSERT_EQUAL(e.count, 6);
	CU_ASSERT(has_error(&e, "(config):2: ", "${2} but the match pattern has 1"));
	CU_ASSERT(has_error(&e, "(config):3: ", "unknown variable ${nope}"));
	CU_ASSERT(has_error(&e, "(config):4: ", "unterminated"));
	CU_ASSERT(has_error(&e, "(config):5: ", "bad variable name"));
	CU_ASSERT(has_error(&e, "(config):6: ", "built-in"));
	CU_ASSERT(has_error(&e, "(config):7: ", "set(name=value)"));
	dialplan_errors_free(&e);
}

static void test_arg_split(void)
{
	struct dp_parsed_action p;
	char err[128];

	CU_ASSERT_EQUAL(dp_parse_action("  auth ", &p, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(p.name, "auth");
	CU_ASSERT_EQUAL(p.argc, 0);
	dp_parsed_action_clear(&p);

	CU_ASSERT_EQUAL(dp_parse_action("log( )", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.argc, 0);
	dp_parsed_action_clear(&p);

	CU_ASSERT_EQUAL(dp_parse_action("x( a ,b,, \" c, (d) \\\"e\\\" \" , f(g, h(i)) , \"\" )", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(p.argc, 6);
	CU_ASSERT_STRING_EQUAL(p.argv[0], "a");
	CU_ASSERT_STRING_EQUAL(p.argv[1], "b");
	CU_ASSERT_STRING_EQUAL(p.argv[2], "");
	CU_ASSERT_STRING_EQUAL(p.argv[3], " c, (d) \"e\" ");
	CU_ASSERT_STRING_EQUAL(p.argv[4], "f(g, h(i))");
	CU_ASSERT_STRING_EQUAL(p.argv[5], "");
	dp_parsed_action_clear(&p);

	CU_ASSERT_EQUAL(dp_parse_action("on( busy | noanswer ):voicemail(${exten})", &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.on_mask, DP_ON_BUSY | DP_ON_NOANSWER);
	CU_ASSERT_STRING_EQUAL(p.name, "voicemail");
	CU_ASSERT_STRING_EQUAL(p.argv[0], "${exten}");
	dp_parsed_action_clear(&p);

	static const char *const bad[] = {
		"dial(a", "dial(\"a)", "dial(a) x", "dial(a\"b\")", "dial(\"a\" b)", "(x)", "",
		"on(busy) dial(a)", "on(busy):", "on(sleepy): x", "on(busy): on(fail): x", "on(): x",
		"1dial",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(dp_parse_action(bad[i], &p, err, sizeof(err)), -EINVAL);
		CU_ASSERT(err[0] != '\0');
		dp_parsed_action_clear(&p);
	}
}

/* Every kind of load error, from a dialplan.conf pulled in by @include:
 * each names that file and the line of the offending action. */
static void test_errors_file_line(void)
{
	struct dialplan *dp = NULL;
	struct dialplan_errors e;
	int rc;

	write_file("main.conf",
		"# tandem.conf\n"
		"log_level = \"info\";\n"
		"@include \"dialplan.conf\"\n");
	write_file("dialplan.conf",
		"dialplan: {\n"                                                   /* 1 */
		"  internal: (\n"                                                 /* 2 */
		"    { match = \"^1[0-9]{3}$\";\n"                                /* 3 */
		"      do = ( \"auth\",\n"                                        /* 4 */
		"             \"reject(302)\",\n"                                 /* 5 */
		"             \"goto(nowhere)\",\n"                               /* 6 */
		"             \"frobnicate(1)\",\n"                               /* 7 */
		"             \"queue(marketing)\",\n"                            /* 8 */
		"             \"auth(x)\" ); },\n"                                /* 9 */
		"    { match = \"^(\"; do = ( \"reject(404, Not Here)\" ); },\n"  /* 10 */
		"    { match = \"^2\"; to = \"x\"; do = ( \"dial(a&b|c)\",\n"     /* 11 */
		"             \"dial(trunk:/1)\", \"dial(1001, 0)\",\n"           /* 12 */
		"             \"set_header(Call-ID, x)\", \"remove_header(X Y)\",\n" /* 13 */
		"             \"redirect(http://x)\", \"reject(abc)\", \"reject(700)\" ); },\n" /* 14 */
		"    { match = \"^3\"; method = \"INVITE|\"; source = \"10.0.0.0/40\";\n" /* 15 */
		"      do = ( \"on(busy): goto(later)\", \"log\" ); },\n"         /* 16 */
		"    { match = \"^4\"; }\n"                                       /* 17 */
		"  );\n"
		"  later: ( { match = \"_X.\"; do = ( \"queue(sales)\" ); } );\n"
		"};\n");
	n_fixups = n_frees = 0;
	rc = load_file(&dp, &e);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NULL(dp);
	for (size_t i = 0; i < e.count; i++)
		printf("    %s\n", e.msg[i]);
	CU_ASSERT(has_error(&e, "dialplan.conf:5: ", "reject: code '302'"));
	CU_ASSERT(has_error(&e, "dialplan.conf:6: ", "goto: no context 'nowhere'"));
	CU_ASSERT(has_error(&e, "dialplan.conf:7: ", "unknown action 'frobnicate'"));
	CU_ASSERT(has_error(&e, "dialplan.conf:8: ", "queue: no queue 'marketing'"));   /* module fixup */
	CU_ASSERT(has_error(&e, "dialplan.conf:9: ", "auth: takes 0 argument(s), got 1"));
	CU_ASSERT(has_error(&e, "dialplan.conf:10: ", "match: bad pattern '^('"));
	CU_ASSERT(has_error(&e, "dialplan.conf:11: ", "unknown rule key 'to'"));
	CU_ASSERT(has_error(&e, "dialplan.conf:11: ", "cannot mix"));
	CU_ASSERT(has_error(&e, "dialplan.conf:12: ", "not trunk:name/number"));
	CU_ASSERT(has_error(&e, "dialplan.conf:12: ", "timeout '0'"));
	CU_ASSERT(has_error(&e, "dialplan.conf:13: ", "Call-ID is managed"));
	CU_ASSERT(has_error(&e, "dialplan.conf:13: ", "'X Y' is not a header name"));
	CU_ASSERT(has_error(&e, "dialplan.conf:14: ", "redirect: 'http://x'"));
	CU_ASSERT(has_error(&e, "dialplan.conf:14: ", "code 'abc'"));
	CU_ASSERT(has_error(&e, "dialplan.conf:14: ", "code '700'"));
	CU_ASSERT(has_error(&e, "dialplan.conf:15: ", "method: '' is not a method"));
	CU_ASSERT(has_error(&e, "dialplan.conf:15: ", "source: '10.0.0.0/40'"));
	CU_ASSERT(has_error(&e, "dialplan.conf:16: ", "takes 1 argument(s), got 0"));
	CU_ASSERT(has_error(&e, "dialplan.conf:17: ", "a rule needs do"));
	CU_ASSERT_EQUAL(e.count, 19);
	/* goto(later) points forward and is fine; queue(sales) was fixed up and
	 * released with the failed dialplan */
	CU_ASSERT(!has_error(&e, "", "later"));
	CU_ASSERT_EQUAL(n_fixups, 1);
	CU_ASSERT_EQUAL(n_frees, 1);
	dialplan_errors_free(&e);
	CU_ASSERT_EQUAL(e.count, 0);

	/* no dialplan at all */
	write_file("main.conf", "log_level = \"info\";\n");
	CU_ASSERT_EQUAL(load_file(&dp, &e), -EINVAL);
	CU_ASSERT_EQUAL(e.count, 1);
	dialplan_errors_free(&e);
	/* errs is optional */
	write_file("main.conf", "dialplan: { c: ( { match = \"x\"; do = ( \"nope\" ); } ); };\n");
	CU_ASSERT_EQUAL(load_file(&dp, NULL), -EINVAL);
	CU_ASSERT_PTR_NULL(dp);
}

/* The example from the issue loads as is. */
static void test_issue_example(void)
{
	struct dialplan *dp;
	struct dialplan_errors e;
	struct dialplan_cursor *cur;
	struct dialplan_step st;
	struct dialplan_input in = input("+155512301");

	write_file("main.conf", "@include \"dialplan.conf\"\n");
	write_file("dialplan.conf",
		"dialplan: {\n"
		"  internal: (\n"
		"    { match = \"^1[0-9]{3}$\";  do = ( \"auth\", \"dial(${exten}, 20)\",\n"
		"                                     \"on(busy|noanswer): voicemail(${exten})\" ); },\n"
		"    { match = \"^600$\";        do = ( \"auth\", \"queue(sales)\" ); },\n"
		"    { match = \"_9.\";          do = ( \"auth\", \"dial(trunk:provider-a/${1})\" ); },\n"
		"    { match = \"^9(.+)$\"; from = \"^10[0-9][0-9]$\"; method = \"INVITE|MESSAGE\";\n"
		"      source = \"127.0.0.0/8\"; do = ( \"dial(trunk:provider-b/${1})\" ); }\n"
		"  );\n"
		"  from-provider-a: (\n"
		"    { match = \"^\\\\+15551230(.*)$\"; do = ( \"dial(10${1}, 25)\", \"on(fail): queue(sales)\" ); }\n"
		"  );\n"
		"};\n");
	CU_ASSERT_EQUAL_FATAL(load_file(&dp, &e), 0);
	CU_ASSERT_EQUAL(e.count, 0);
	CU_ASSERT(dialplan_has_context(dp, "from-provider-a"));
	CU_ASSERT(!dialplan_has_context(dp, "external"));
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "from-provider-a", &in, &cur), 0);
	CU_ASSERT_STRING_EQUAL(dialplan_cursor_context(cur), "from-provider-a");
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_DIAL);
	CU_ASSERT_EQUAL(st.u.dial.timeout, 25);
	CU_ASSERT_EQUAL_FATAL(st.u.dial.ntargets, 1);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].value, "101");
	CU_ASSERT_STRING_EQUAL(st.file, "dialplan.conf");
	CU_ASSERT_EQUAL(st.line, 11);
	dialplan_set_outcome(cur, dialplan_outcome_from_status(500));
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_MODULE);
	CU_ASSERT_STRING_EQUAL(st.name, "queue");
	CU_ASSERT_PTR_EQUAL(st.u.module.action, &test_actions[1]);
	CU_ASSERT_STRING_EQUAL((const char *)st.u.module.priv, "sales");
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
	dialplan_cursor_free(cur);

	/* a module action gets its arguments expanded */
	in = input("1002");
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "internal", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_STRING_EQUAL(st.name, "auth");
	CU_ASSERT_EQUAL(st.argc, 0);
	CU_ASSERT_PTR_NULL(st.u.module.priv);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_DIAL);
	CU_ASSERT_STRING_EQUAL(dialplan_get_var(cur, "dial_outcome"), "");
	dialplan_set_outcome(cur, DIALPLAN_OUTCOME_NOANSWER);
	/* ${dial_outcome} says why an on(...) continuation runs; read-only */
	CU_ASSERT_STRING_EQUAL(dialplan_get_var(cur, "dial_outcome"), "noanswer");
	CU_ASSERT_EQUAL(dialplan_set_var(cur, "dial_outcome", "busy"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(dialplan_get_var(cur, "dial_outcome"), "noanswer");
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_MODULE);
	CU_ASSERT_PTR_EQUAL(st.u.module.action, &test_actions[2]);
	CU_ASSERT_EQUAL(st.argc, 1);
	CU_ASSERT_STRING_EQUAL(st.argv[0], "1002");
	CU_ASSERT_PTR_NULL(st.argv[1]);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
	dialplan_cursor_free(cur);
	dialplan_unref(dp);
}

/* A module's outcomes (a queue's timeout, full, empty) pick their own
 * continuations, and ${dial_outcome} names them. */
static void test_module_outcomes(void)
{
	struct dialplan *dp = must_load(
		"dialplan: { c: (\n"
		"  { match = \"^q$\"; do = ( \"queue(sales)\", \"on(full): reject(486)\",\n"
		"      \"on(timeout|empty): voicemail(${dial_outcome})\", \"on(busy): reject(400)\" ); }\n"
		"); };\n");
	const char *words[] = { "timeout", "full", "empty" };
	enum dialplan_outcome os[] = { DIALPLAN_OUTCOME_TIMEOUT, DIALPLAN_OUTCOME_FULL,
	                               DIALPLAN_OUTCOME_EMPTY };
	for (int i = 0; i < 3; i++) {
		struct dialplan_input in = input("q");
		struct dialplan_cursor *cur;
		struct dialplan_step st;
		CU_ASSERT_EQUAL(dialplan_outcome_parse(words[i]), (int)os[i]);
		CU_ASSERT_STRING_EQUAL(dialplan_outcome_word(os[i]), words[i]);
		CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
		CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
		CU_ASSERT_STRING_EQUAL(st.name, "queue");
		dialplan_set_outcome(cur, os[i]);
		CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
		if (os[i] == DIALPLAN_OUTCOME_FULL) {
			CU_ASSERT_EQUAL(st.kind, DIALPLAN_REJECT);
		} else {
			CU_ASSERT_STRING_EQUAL(st.name, "voicemail");
			CU_ASSERT_STRING_EQUAL(st.argv[0], words[i]);
		}
		CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
		dialplan_cursor_free(cur);
	}
	CU_ASSERT_EQUAL(dialplan_outcome_parse("nonsense"), -1);
	CU_ASSERT_EQUAL(dialplan_outcome_parse(""), -1);
	dialplan_unref(dp);
}

/* "closed" (a schedule's action outside its hours) gates the rest of its
 * rule: the dial after it never runs, only on(...) actions do (a failed
 * after-hours dial's own continuations too); without one the plan ends;
 * a goto() leaves the rule and the gate. */
static void test_closed_gate(void)
{
	struct dialplan *dp = must_load(
		"dialplan: { c: (\n"
		"  { match = \"^1$\"; do = ( \"auth\", \"on(closed): dial(night, 5)\",\n"
		"      \"on(noanswer): voicemail(night)\", \"dial(day)\", \"voicemail(day)\" ); },\n"
		"  { match = \"^2$\"; do = ( \"auth\", \"dial(day)\" ); },\n"
		"  { match = \"^3$\"; do = ( \"auth\", \"on(closed): goto(night)\", \"dial(day)\" ); }\n"
		"); night: ( { do = ( \"dial(operator)\" ); } ); };\n");
	struct dialplan_cursor *cur;
	struct dialplan_step st;
	struct dialplan_input in = input("1");

	CU_ASSERT_EQUAL(dialplan_outcome_parse("closed"), (int)DIALPLAN_OUTCOME_CLOSED);
	CU_ASSERT_STRING_EQUAL(dialplan_outcome_word(DIALPLAN_OUTCOME_CLOSED), "closed");
	/* open: the on(closed) actions are skipped, the plan goes on */
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_DIAL);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].text, "day");
	dialplan_cursor_free(cur);
	/* closed: the night dial, its noanswer continuation, never the day's */
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	dialplan_set_outcome(cur, DIALPLAN_OUTCOME_CLOSED);
	CU_ASSERT_STRING_EQUAL(dialplan_get_var(cur, "dial_outcome"), "closed");
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_DIAL);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].text, "night");
	dialplan_set_outcome(cur, DIALPLAN_OUTCOME_NOANSWER);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_STRING_EQUAL(st.name, "voicemail");
	CU_ASSERT_STRING_EQUAL(st.argv[0], "night");
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
	dialplan_cursor_free(cur);
	/* closed with no on(closed) in the rule: nothing more runs */
	in = input("2");
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	dialplan_set_outcome(cur, DIALPLAN_OUTCOME_CLOSED);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
	dialplan_cursor_free(cur);
	/* goto(): the other context's rule runs in full */
	in = input("3");
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	dialplan_set_outcome(cur, DIALPLAN_OUTCOME_CLOSED);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_DIAL);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].text, "operator");
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
	dialplan_cursor_free(cur);
	dialplan_unref(dp);
}

static void test_dial_targets(void)
{
	struct dialplan *dp = must_load(
		"dialplan: { c: (\n"
		"  { match = \"^1$\"; do = ( \"dial(1001 & sip:bob@example.com&trunk:pstn/${from_user}, 15)\" ); },\n"
		"  { match = \"^2$\"; do = ( \"dial(1001|1002|${exten}9)\" ); },\n"
		"  { match = \"^3(.*)$\"; do = ( \"dial(${1})\" ); },\n"
		"  { match = \"^4(.*)$\"; do = ( \"dial(trunk:pstn/${1})\" ); }\n"
		"); };");
	struct dialplan_cursor *cur;
	struct dialplan_step st;
	struct dialplan_input in = input("1");

	if (!dp)
		return;
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.u.dial.mode, DIALPLAN_DIAL_PARALLEL);
	CU_ASSERT_EQUAL(st.u.dial.timeout, 15);
	CU_ASSERT_EQUAL_FATAL(st.u.dial.ntargets, 3);
	CU_ASSERT_EQUAL(st.u.dial.targets[0].kind, DIALPLAN_TARGET_USER);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[0].value, "1001");
	CU_ASSERT_EQUAL(st.u.dial.targets[1].kind, DIALPLAN_TARGET_URI);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[1].value, "sip:bob@example.com");
	CU_ASSERT_EQUAL(st.u.dial.targets[2].kind, DIALPLAN_TARGET_TRUNK);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[2].trunk, "pstn");
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[2].value, "1001");
	dialplan_cursor_free(cur);

	in.ruri_user = "2";
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.u.dial.mode, DIALPLAN_DIAL_HUNT);
	CU_ASSERT_EQUAL(st.u.dial.timeout, 0);
	CU_ASSERT_EQUAL_FATAL(st.u.dial.ntargets, 3);
	CU_ASSERT_STRING_EQUAL(st.u.dial.targets[2].value, "29");
	dialplan_cursor_free(cur);

	/* a value from the caller can neither add targets nor be empty */
	in.ruri_user = "3a&b";
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.u.dial.mode, DIALPLAN_DIAL_SINGLE);
	CU_ASSERT_EQUAL(st.u.dial.ntargets, 1);
	dialplan_cursor_free(cur);
	in.ruri_user = "3";
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(dialplan_cursor_error(cur), "(config):4: dial"));
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), -EINVAL);   /* stays failed */
	dialplan_cursor_free(cur);
	in.ruri_user = "4";
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), -EINVAL);
	dialplan_cursor_free(cur);
	dialplan_unref(dp);
}

static void test_core_steps(void)
{
	struct dialplan *dp = must_load(
		"dialplan: { c: (\n"
		"  { match = \"^(.*)$\"; do = (\n"
		"      \"set_header(X-Original, ${exten})\", \"remove_header(P-Asserted-Identity)\",\n"
		"      \"redirect(sip:${1}@other.example)\", \"reject(486)\",\n"
		"      \"reject(603, \\\"Go away, ${from_user}\\\")\", \"log(\\\"a, b\\\")\" ); }\n"
		"); };");
	struct dialplan_cursor *cur;
	struct dialplan_step st;
	struct dialplan_input in = input("42");

	if (!dp)
		return;
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_SET_HEADER);
	CU_ASSERT_STRING_EQUAL(st.u.header.name, "X-Original");
	CU_ASSERT_STRING_EQUAL(st.u.header.value, "42");
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_REMOVE_HEADER);
	CU_ASSERT_STRING_EQUAL(st.u.header.name, "P-Asserted-Identity");
	CU_ASSERT_PTR_NULL(st.u.header.value);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_REDIRECT);
	CU_ASSERT_STRING_EQUAL(st.u.redirect.uri, "sip:42@other.example");
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_REJECT);
	CU_ASSERT_EQUAL(st.u.reject.code, 486);
	CU_ASSERT_PTR_NULL(st.u.reject.reason);
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.u.reject.code, 603);
	CU_ASSERT_STRING_EQUAL(st.u.reject.reason, "Go away, 1001");
	CU_ASSERT_EQUAL_FATAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.argc, 1);
	CU_ASSERT_STRING_EQUAL(st.u.log.text, "a, b");
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
	dialplan_cursor_free(cur);

	/* a caller-supplied line break never reaches a header */
	in.ruri_user = "42\r\nVia: evil";
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), -EINVAL);
	dialplan_cursor_free(cur);
	dialplan_unref(dp);
}

/* Walk the plan of one call whose dials all end with outcome o; record the
 * steps as "name:arg" joined with spaces. */
static void walk(struct dialplan *dp, const char *ruri, enum dialplan_outcome o, char *out, size_t n)
{
	struct dialplan_input in = input(ruri);
	struct dialplan_cursor *cur;
	struct dialplan_step st;
	int rc;

	out[0] = '\0';
	if (dialplan_match(dp, "c", &in, &cur))
		return;
	while ((rc = dialplan_next(cur, &st)) == DIALPLAN_STEP) {
		size_t l = strlen(out);

		snprintf(out + l, n - l, "%s%s:%s", l ? " " : "", st.name, st.argc ? st.argv[0] : "");
		if (st.kind == DIALPLAN_DIAL)
			dialplan_set_outcome(cur, o);
	}
	if (rc < 0) {
		size_t l = strlen(out);

		snprintf(out + l, n - l, " error:%d", rc);
	}
	dialplan_cursor_free(cur);
}

static void test_on_continuations(void)
{
	struct dialplan *dp = must_load(
		"dialplan: { c: (\n"
		"  { match = \"^1$\"; do = ( \"auth\", \"dial(a, 20)\",\n"
		"      \"on(busy|noanswer): voicemail(a)\",\n"
		"      \"on(unavailable): dial(b)\",\n"
		"      \"on(busy): log(after-vm)\",\n"
		"      \"on(fail): reject(503)\",\n"
		"      \"log(always)\" ); },\n"
		"  { match = \"^2$\"; do = ( \"on(fail): log(no dial yet)\", \"log(x)\" ); }\n"
		"); };");
	char b[256];

	if (!dp)
		return;
	walk(dp, "1", DIALPLAN_OUTCOME_BUSY, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "auth: dial:a voicemail:a log:after-vm log:always");
	walk(dp, "1", DIALPLAN_OUTCOME_NOANSWER, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "auth: dial:a voicemail:a log:always");
	/* the second dial's outcome (unavailable again) drives what follows */
	walk(dp, "1", DIALPLAN_OUTCOME_UNAVAILABLE, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "auth: dial:a dial:b log:always");
	walk(dp, "1", DIALPLAN_OUTCOME_FAIL, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "auth: dial:a reject:503 log:always");
	/* answered: the call is bridged, the plan is over */
	walk(dp, "1", DIALPLAN_OUTCOME_ANSWERED, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "auth: dial:a");
	walk(dp, "2", DIALPLAN_OUTCOME_FAIL, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "log:x");
	dialplan_unref(dp);

	CU_ASSERT_EQUAL(dialplan_outcome_from_status(200), DIALPLAN_OUTCOME_ANSWERED);
	CU_ASSERT_EQUAL(dialplan_outcome_from_status(486), DIALPLAN_OUTCOME_BUSY);
	CU_ASSERT_EQUAL(dialplan_outcome_from_status(600), DIALPLAN_OUTCOME_BUSY);
	CU_ASSERT_EQUAL(dialplan_outcome_from_status(480), DIALPLAN_OUTCOME_UNAVAILABLE);
	CU_ASSERT_EQUAL(dialplan_outcome_from_status(404), DIALPLAN_OUTCOME_UNAVAILABLE);
	CU_ASSERT_EQUAL(dialplan_outcome_from_status(408), DIALPLAN_OUTCOME_NOANSWER);
	/* 503 is "no route" (no trunk, no resolver): unavailable, like 480 */
	CU_ASSERT_EQUAL(dialplan_outcome_from_status(503), DIALPLAN_OUTCOME_UNAVAILABLE);
	CU_ASSERT_EQUAL(dialplan_outcome_from_status(500), DIALPLAN_OUTCOME_FAIL);
}

static void test_goto(void)
{
	struct dialplan *dp = must_load(
		"dialplan: {\n"
		"  c: (\n"
		"    { match = \"^1(.)$\"; do = ( \"set(via=c)\", \"goto(second)\", \"log(not reached)\" ); },\n"
		"    { match = \"^2$\"; do = ( \"goto(ping)\" ); },\n"
		"    { match = \"^3$\"; do = ( \"goto(empty)\" ); },\n"
		"    { match = \"^4$\"; do = ( \"dial(x)\", \"on(busy): goto(second)\", \"log(not busy)\" ); }\n"
		"  );\n"
		"  second: ( { match = \"^(1)(.)$\"; do = ( \"log(${via} ${2})\" ); },\n"
		"            { match = \"^4$\"; do = ( \"log(busy here)\" ); } );\n"
		"  ping: ( { do = ( \"goto(pong)\" ); } );\n"
		"  pong: ( { match = \"\"; do = ( \"goto(ping)\" ); } );\n"
		"  empty: ( { match = \"^never$\"; do = ( \"log(x)\" ); } );\n"
		"};");
	char b[256];

	if (!dp)
		return;
	walk(dp, "17", DIALPLAN_OUTCOME_NONE, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "log:c 7");   /* captures come from the new match */
	walk(dp, "2", DIALPLAN_OUTCOME_NONE, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, " error:-40");  /* ELOOP */
	walk(dp, "3", DIALPLAN_OUTCOME_NONE, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, " error:-2");   /* ENOENT */
	walk(dp, "4", DIALPLAN_OUTCOME_BUSY, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "dial:x log:busy here");
	walk(dp, "4", DIALPLAN_OUTCOME_FAIL, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "dial:x log:not busy");

	struct dialplan_input in = input("2");
	struct dialplan_cursor *cur;
	struct dialplan_step st;

	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), -ELOOP);
	CU_ASSERT_PTR_NOT_NULL(strstr(dialplan_cursor_error(cur), "more than 16"));
	CU_ASSERT_EQUAL(dialplan_goto(cur, "second"), -EINVAL);   /* a failed cursor stays so */
	dialplan_cursor_free(cur);

	/* dialplan_goto: the core moves a running cursor (mod_auth: the user's
	 * context); the rest of the current rule is dropped */
	in = input("17");
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL(dialplan_goto(cur, "nowhere"), -ESRCH);
	CU_ASSERT_EQUAL(dialplan_goto(cur, "second"), 0);
	CU_ASSERT_STRING_EQUAL(dialplan_cursor_context(cur), "second");
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_EQUAL(st.kind, DIALPLAN_LOG);
	CU_ASSERT_STRING_EQUAL(st.u.log.text, " 7");          /* set(via) never ran */
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_END);
	dialplan_cursor_free(cur);
	in = input("3");
	CU_ASSERT_EQUAL_FATAL(dialplan_match(dp, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL(dialplan_goto(cur, "empty"), -ENOENT);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(dialplan_cursor_error(cur), "goto(empty): no rule matches"));
	dialplan_cursor_free(cur);
	dialplan_unref(dp);
}

static void test_match_errors(void)
{
	struct dialplan *dp = must_load("dialplan: { c: ( { match = \"^1$\"; do = ( \"log(x)\" ); } ); };");
	struct dialplan_input in = input("2");
	struct dialplan_cursor *cur = NULL;

	if (!dp)
		return;
	CU_ASSERT_EQUAL(dialplan_match(dp, "nope", &in, &cur), -ESRCH);
	CU_ASSERT_EQUAL(dialplan_match(dp, "c", &in, &cur), -ENOENT);
	CU_ASSERT_PTR_NULL(cur);
	in.ruri_user = NULL;   /* no user part: matches as "" */
	CU_ASSERT_EQUAL(dialplan_match(dp, "c", &in, &cur), -ENOENT);
	dialplan_unref(dp);
}

/* A reload that fails leaves the running dialplan alone; a call keeps the
 * plan it started with after a successful reload. */
static void test_reload_refcount(void)
{
	struct dialplan *live = must_load(
		"dialplan: { c: ( { match = \"^1$\"; do = ( \"queue(sales)\", \"log(old)\" ); } ); };");
	struct dialplan *orig = live, *fresh = NULL;
	struct dialplan_errors e;
	struct dialplan_input in = input("1");
	struct dialplan_cursor *cur;
	struct dialplan_step st;

	if (!live)
		return;
	n_fixups = n_frees = 0;
	CU_ASSERT_EQUAL(load_str("dialplan: { c: ( { match = \"^1$\"; do = ( \"reject(99)\" ); } ); };",
	                         &live, &e), -EINVAL);
	CU_ASSERT_PTR_EQUAL(live, orig);
	CU_ASSERT_EQUAL(e.count, 1);
	dialplan_errors_free(&e);

	/* a call starts on the old plan... */
	CU_ASSERT_EQUAL_FATAL(dialplan_match(live, "c", &in, &cur), 0);
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	/* ...the server reloads and drops its reference... */
	CU_ASSERT_EQUAL_FATAL(load_str(
		"dialplan: { c: ( { match = \"^1$\"; do = ( \"log(new)\" ); } ); };", &fresh, NULL), 0);
	dialplan_unref(live);
	live = fresh;
	CU_ASSERT_EQUAL(n_frees, 0);          /* the call still holds the old one */
	/* ...and the call goes on with the rules it started with */
	CU_ASSERT_EQUAL(dialplan_next(cur, &st), DIALPLAN_STEP);
	CU_ASSERT_STRING_EQUAL(st.u.log.text, "old");
	dialplan_cursor_free(cur);
	CU_ASSERT_EQUAL(n_frees, 1);          /* last reference gone: priv freed */

	CU_ASSERT_PTR_EQUAL(dialplan_ref(live), live);
	dialplan_unref(live);
	CU_ASSERT_STRING_EQUAL(first_for(live, "1", (char[16]){ 0 }, 16), "new");
	dialplan_unref(live);
	dialplan_unref(NULL);
}

static void test_context_shapes(void)
{
	struct dialplan *dp = NULL;
	struct dialplan_errors e;

	CU_ASSERT_EQUAL(load_str("dialplan: { c = 1; d: ( \"x\" ); };", &dp, &e), -EINVAL);
	CU_ASSERT_EQUAL(e.count, 2);
	CU_ASSERT(has_error(&e, ":1: ", "context 'c' must be a list"));
	CU_ASSERT(has_error(&e, ":1: ", "a rule must be a group"));
	dialplan_errors_free(&e);
	CU_ASSERT_EQUAL(load_str("dialplan = 3;", &dp, &e), -EINVAL);
	CU_ASSERT_EQUAL(e.count, 1);
	dialplan_errors_free(&e);
	/* an empty context is fine: nothing matches */
	CU_ASSERT_EQUAL(load_str("dialplan: { c: ( ); };", &dp, &e), 0);
	CU_ASSERT_EQUAL(e.count, 0);
	dialplan_unref(dp);
}

/* The config files the tests write live in a directory of their own. */
static int suite_init(void)
{
	return mkdtemp(strcpy(tmpdir, "/tmp/tandem-dialplan-XXXXXX")) ? 0 : -1;
}

static int suite_clean(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/dialplan.conf", tmpdir);
	unlink(path);
	return rmdir(tmpdir);
}

static CU_TestInfo dialplan_tests[] = {
	{ "regex and _ patterns with captures", test_patterns },
	{ "pattern compile errors", test_pattern_errors },
	{ "first match wins", test_first_match_wins },
	{ "from, method, source", test_from_method_source },
	{ "CIDR parsing and matching", test_cidr },
	{ "variable expansion and call variables", test_variables },
	{ "variable load errors", test_variable_errors },
	{ "argument splitting", test_arg_split },
	{ "load errors with file:line through @include", test_errors_file_line },
	{ "the issue's example", test_issue_example },
	{ "dial targets", test_dial_targets },
	{ "module outcomes: timeout, full, empty", test_module_outcomes },
	{ "closed gates the rest of its rule", test_closed_gate },
	{ "core action steps", test_core_steps },
	{ "on() continuations", test_on_continuations },
	{ "goto and its loop guard", test_goto },
	{ "unknown context, no match", test_match_errors },
	{ "reload failure and refcounts", test_reload_refcount },
	{ "context shapes", test_context_shapes },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "dialplan", .pInitFunc = suite_init, .pCleanupFunc = suite_clean,
	  .pTests = dialplan_tests },
	CU_SUITE_INFO_NULL,
};
