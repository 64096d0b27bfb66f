/* tandem — mod_cdr's pure pieces (modules/cdr/record.c): durations,
 * dispositions, the caller's src and clid, Master.csv quoting and the JSON
 * line; and its record file (modules/cdr/file.c) on real files: torn tails
 * cut, rotation by size and by day to dated names that never replace one. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"

#include "../../modules/cdr/file.h"
#include "../../modules/cdr/record.h"

static struct tandem_call_facts facts(void)
{
	return (struct tandem_call_facts){
		.id = 42, .a_call_id = "abc@10.0.0.1", .b_call_id = "xyz@tandem",
		.caller = "\"Alice \\\"A\\\" Smith\" <sip:1001@pbx.example>",
		.called = "1002", .callee = "sip:1002@10.0.0.2:5062",
		.context = "internal", .rule = "^(10..)$",
		.start = 1700000000.25, .ringing = 1700000000.5, .answer = 1700000003.0,
		.end = 1700000010.9, .disposition = TANDEM_DISP_ANSWERED, .status = 200,
		.hangup_side = TANDEM_HANGUP_CALLEE, .hangup_cause = "BYE",
	};
}

/* ---- durations and dispositions ---- */

static void test_durations(void)
{
	long d, b;
	cdr_durations(100.0, 103.0, 110.9, &d, &b);
	CU_ASSERT_EQUAL(d, 10);    /* rounded down, as Asterisk */
	CU_ASSERT_EQUAL(b, 7);
	cdr_durations(100.0, 0, 104.99, &d, &b);
	CU_ASSERT_EQUAL(d, 4);
	CU_ASSERT_EQUAL(b, 0);     /* never answered */
	cdr_durations(100.0, 100.0, 101.9999999, &d, &b);
	CU_ASSERT_EQUAL(d, 2);     /* float noise is not a second less */
	CU_ASSERT_EQUAL(b, 2);
	cdr_durations(100.0, 100.0, 99.0, &d, &b);
	CU_ASSERT_EQUAL(d, 0);     /* a clock step back is not negative */
	CU_ASSERT_EQUAL(b, 0);
	cdr_durations(100.5, 100.0, 102.2, &d, &b);
	CU_ASSERT_TRUE(b <= d);
}

static void test_dispositions(void)
{
	CU_ASSERT_EQUAL(cdr_disposition(TANDEM_DISP_BUSY, 0), TANDEM_DISP_BUSY);
	CU_ASSERT_EQUAL(cdr_disposition(TANDEM_DISP_CANCELLED, 0), TANDEM_DISP_CANCELLED);
	CU_ASSERT_EQUAL(cdr_disposition(TANDEM_DISP_NOANSWER, 0), TANDEM_DISP_NOANSWER);
	CU_ASSERT_EQUAL(cdr_disposition(TANDEM_DISP_NONE, 0), TANDEM_DISP_FAILED);
	CU_ASSERT_EQUAL(cdr_disposition(TANDEM_DISP_NONE, 5.0), TANDEM_DISP_ANSWERED);
	CU_ASSERT_STRING_EQUAL(tandem_disposition_name(TANDEM_DISP_NOANSWER), "NO ANSWER");
	CU_ASSERT_STRING_EQUAL(cdr_hangup_side_name(TANDEM_HANGUP_CALLER), "caller");
	CU_ASSERT_STRING_EQUAL(cdr_hangup_side_name(TANDEM_HANGUP_NONE), "");
	CU_ASSERT_STRING_EQUAL(cdr_amaflags(NULL), "DOCUMENTATION");
	CU_ASSERT_STRING_EQUAL(cdr_amaflags("billing"), "BILLING");
	CU_ASSERT_PTR_NULL(cdr_amaflags("free"));
}

/* ---- the record ---- */

static void test_record_fields(void)
{
	struct tandem_call_facts f = facts();
	struct cdr_vars v = { .accountcode = "sales", .amaflags = "omit", .userfield = "x" };
	struct cdr_record r;
	cdr_record_from_facts(&f, &v, &r);
	CU_ASSERT_STRING_EQUAL(r.src, "1001");
	CU_ASSERT_STRING_EQUAL(r.clid, "\"Alice \"A\" Smith\" <1001>");
	CU_ASSERT_STRING_EQUAL(r.dst, "1002");
	CU_ASSERT_STRING_EQUAL(r.channel, "SIP/1001-0000002a");
	CU_ASSERT_STRING_EQUAL(r.dstchannel, "SIP/1002@10.0.0.2:5062-0000002a");
	CU_ASSERT_STRING_EQUAL(r.lastapp, "Dial");
	CU_ASSERT_STRING_EQUAL(r.lastdata, "^(10..)$");
	CU_ASSERT_STRING_EQUAL(r.uniqueid, "1700000000.42");
	CU_ASSERT_STRING_EQUAL(r.accountcode, "sales");
	CU_ASSERT_STRING_EQUAL(r.amaflags, "OMIT");
	CU_ASSERT_EQUAL(r.duration, 10);
	CU_ASSERT_EQUAL(r.billsec, 7);

	/* no display name, an escaped user, owned by a module, nobody answered */
	f.caller = "<sip:%31%30%30%31@pbx>";
	f.callee = NULL;
	f.owner = "voicemail";
	f.answer = 0;
	f.disposition = TANDEM_DISP_BUSY;
	cdr_record_from_facts(&f, NULL, &r);
	CU_ASSERT_STRING_EQUAL(r.src, "1001");
	CU_ASSERT_STRING_EQUAL(r.clid, "1001");
	CU_ASSERT_STRING_EQUAL(r.dstchannel, "");
	CU_ASSERT_STRING_EQUAL(r.lastapp, "voicemail");
	CU_ASSERT_STRING_EQUAL(r.amaflags, "DOCUMENTATION");
	CU_ASSERT_EQUAL(r.billsec, 0);
	CU_ASSERT_EQUAL(r.disposition, TANDEM_DISP_BUSY);

	/* a From that does not parse: no src, the channel says so */
	f.caller = "garbage <<";
	cdr_record_from_facts(&f, NULL, &r);
	CU_ASSERT_STRING_EQUAL(r.src, "");
	CU_ASSERT_STRING_EQUAL(r.channel, "SIP/anonymous-0000002a");
}

static void test_csv_line(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	struct tandem_call_facts f = facts();
	struct cdr_vars v = { .userfield = "line1\nline2\t\"q\"" };
	struct cdr_record r;
	cdr_record_from_facts(&f, &v, &r);
	char buf[2048];
	int n = cdr_format_csv(&r, false, buf, sizeof buf);
	const char *want =
		"\"\",\"1001\",\"1002\",\"internal\",\"\"\"Alice \"\"A\"\" Smith\"\" <1001>\","
		"\"SIP/1001-0000002a\",\"SIP/1002@10.0.0.2:5062-0000002a\",\"Dial\",\"^(10..)$\","
		"\"2023-11-14 22:13:20\",\"2023-11-14 22:13:23\",\"2023-11-14 22:13:30\",10,7,"
		"\"ANSWERED\",\"DOCUMENTATION\",\"1700000000.42\",\"line1 line2 \"\"q\"\"\"\n";
	CU_ASSERT_STRING_EQUAL(buf, want);
	CU_ASSERT_EQUAL(n, (int)strlen(want));

	/* never answered: an empty answer column */
	f.answer = 0;
	f.disposition = TANDEM_DISP_CANCELLED;
	cdr_record_from_facts(&f, NULL, &r);
	n = cdr_format_csv(&r, true, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, ",\"2023-11-14 22:13:20\",\"\",\"2023-11-14 22:13:30\",10,0,"
	                                   "\"CANCELLED\","));
	CU_ASSERT_EQUAL(strchr(buf, '\n') - buf, n - 1);

	/* too small a buffer: refused, not cut */
	CU_ASSERT_EQUAL(cdr_format_csv(&r, true, buf, 50), -ENOSPC);
	unsetenv("TZ");
	tzset();
}

static void test_json_line(void)
{
	struct tandem_call_facts f = facts();
	f.caller = "\"Ren\xe9\" <sip:1001@pbx>";    /* Latin-1, not UTF-8 */
	struct cdr_record r;
	cdr_record_from_facts(&f, NULL, &r);
	struct rtpr_leg_stats a = { .rx_packets = 100, .rx_bytes = 17200, .tx_packets = 99,
	                            .have_report = true, .cumulative_lost = 3, .jitter = 40 };
	struct rtpr_leg_stats b = { .rx_packets = 99, .tx_packets = 100 };
	CU_ASSERT_TRUE(cdr_record_add_stream(&r, 0, &a, &b));
	size_t len;
	char *line = cdr_format_json(&r, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	CU_ASSERT_EQUAL(strlen(line), len);
	CU_ASSERT_EQUAL(line[len - 1], '\n');
	CU_ASSERT_PTR_NULL(memchr(line, '\n', len - 1));
	json_error_t err;
	json_t *o = json_loads(line, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "a_call_id")), "abc@10.0.0.1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "b_call_id")), "xyz@tandem");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "clid")), "\"Ren\xef\xbf\xbd\" <1001>");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "disposition")), "ANSWERED");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "hangup_side")), "callee");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "start_utc")), "2023-11-14T22:13:20.250Z");
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(o, "start")), 1700000000.25, 0.0005);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "\"start\":1700000000.25,"));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "billsec")), 7);
	CU_ASSERT_TRUE(json_is_null(json_object_get(o, "owner")));
	json_t *m = json_array_get(json_object_get(o, "media"), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(m, "a"), "rx_packets")), 100);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(m, "a"), "lost")), 3);
	CU_ASSERT_TRUE(json_is_null(json_object_get(json_object_get(m, "b"), "lost")));
	json_decref(o);
	free(line);

	struct cdr_leg_totals t;
	cdr_leg_totals(&r, RTPR_LEG_A, &t);
	CU_ASSERT_EQUAL(t.rx_packets, 100);
	CU_ASSERT_EQUAL(t.lost, 3);
	cdr_leg_totals(&r, RTPR_LEG_B, &t);
	CU_ASSERT_EQUAL(t.lost, -1);
	for (unsigned i = 1; i < CDR_MAX_STREAMS; i++)
		CU_ASSERT_TRUE(cdr_record_add_stream(&r, i, &a, &b));
	CU_ASSERT_FALSE(cdr_record_add_stream(&r, 9, &a, &b));
}

/* ---- the record file ---- */

static char dir[64];

static int files_init(void)
{
	snprintf(dir, sizeof dir, "/tmp/cdr-unit.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int files_cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_repair(void)
{
	char p[128];
	snprintf(p, sizeof p, "%s/repair.csv", dir);
	const struct { const char *in, *out; off_t cut; } cases[] = {
		{ "", "", 0 },
		{ "a\nb\n", "a\nb\n", 0 },
		{ "a\nb\n\"torn", "a\nb\n", 5 },
		{ "no newline at all", "", 17 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		put_file(p, cases[i].in);
		int fd = open(p, O_RDWR);
		off_t cut = -1;
		CU_ASSERT_EQUAL(cdr_file_repair(fd, &cut), 0);
		close(fd);
		CU_ASSERT_EQUAL(cut, cases[i].cut);
		CU_ASSERT_STRING_EQUAL(slurp(p), cases[i].out);
	}
	/* a torn line longer than one read */
	char big[10000];
	memset(big, 'x', sizeof big);
	big[0] = '\n';
	big[sizeof big - 1] = '\0';
	put_file(p, big);
	int fd = open(p, O_RDWR);
	off_t cut;
	CU_ASSERT_EQUAL(cdr_file_repair(fd, &cut), 0);
	close(fd);
	CU_ASSERT_EQUAL(cut, (off_t)sizeof big - 2);
	CU_ASSERT_STRING_EQUAL(slurp(p), "\n");
}

static void test_rotated_names(void)
{
	char out[128];
	CU_ASSERT_EQUAL(cdr_rotated_name("/v/cdr/Master.csv", 20240501, 0, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "/v/cdr/Master-2024-05-01.csv");
	CU_ASSERT_EQUAL(cdr_rotated_name("/v/cdr/Master.csv", 20240501, 2, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "/v/cdr/Master-2024-05-01-2.csv");
	CU_ASSERT_EQUAL(cdr_rotated_name("/v.d/cdr", 20241231, 0, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "/v.d/cdr-2024-12-31");
	CU_ASSERT_EQUAL(cdr_rotated_name("/v/.cdr", 20241231, 0, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "/v/.cdr-2024-12-31");
	CU_ASSERT_EQUAL(cdr_rotated_name("/v/Master.csv", 20240501, 0, out, 10), -ENOSPC);
}

static void test_file_open_write(void)
{
	char p[128], sub[128];
	snprintf(p, sizeof p, "%s/a/b/Master.csv", dir);   /* folders made */
	struct cdr_file_cfg cfg = { 0 };
	struct cdr_file f;
	time_t now = time(NULL);
	CU_ASSERT_EQUAL_FATAL(cdr_file_open(&f, "csv", p, &cfg, now), 0);
	CU_ASSERT_EQUAL(cdr_file_write(&f, "one\n", 4, now), 0);
	CU_ASSERT_EQUAL(cdr_file_write(&f, "two\n", 4, now), 0);
	cdr_file_close(&f);
	struct stat st;
	CU_ASSERT_EQUAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0640);
	/* a crash left half a line: the next open cuts it, appends after */
	FILE *x = fopen(p, "a");
	fputs("thr", x);
	fclose(x);
	CU_ASSERT_EQUAL_FATAL(cdr_file_open(&f, "csv", p, &cfg, now), 0);
	CU_ASSERT_EQUAL(cdr_file_write(&f, "three\n", 6, now), 0);
	CU_ASSERT_STRING_EQUAL(slurp(p), "one\ntwo\nthree\n");
	/* removed under us: the next record opens it again */
	unlink(p);
	CU_ASSERT_EQUAL(cdr_file_write(&f, "four\n", 5, now), 0);
	CU_ASSERT_STRING_EQUAL(slurp(p), "four\n");
	cdr_file_close(&f);
	/* a folder where the file should be: an error, no crash */
	snprintf(sub, sizeof sub, "%s/adir", dir);
	mkdir(sub, 0700);
	CU_ASSERT_NOT_EQUAL(cdr_file_open(&f, "csv", sub, &cfg, now), 0);
	CU_ASSERT_NOT_EQUAL(cdr_file_write(&f, "x\n", 2, now), 0);
	CU_ASSERT_EQUAL(f.lost, 0);   /* reported at once: the count starts again */
	CU_ASSERT_NOT_EQUAL(cdr_file_write(&f, "y\n", 2, now), 0);
	CU_ASSERT_EQUAL(f.lost, 1);   /* within the minute: counted, not logged */
	cdr_file_close(&f);
}

static void test_rotation(void)
{
	char p[128], name[160];
	snprintf(p, sizeof p, "%s/rot/cdr.json", dir);
	/* noon, so that + 1 day is the next date in any time zone */
	struct tm tm = { .tm_year = 124, .tm_mon = 4, .tm_mday = 1, .tm_hour = 12, .tm_isdst = -1 };
	time_t day1 = mktime(&tm), day2 = day1 + 86400;
	int d1 = cdr_local_day(day1), d2 = cdr_local_day(day2);
	CU_ASSERT_EQUAL(d1, 20240501);
	CU_ASSERT_EQUAL(d2, 20240502);
	struct cdr_file_cfg cfg = { .rotate_size = 10, .rotate_daily = true };
	struct cdr_file f;
	CU_ASSERT_EQUAL_FATAL(cdr_file_open(&f, "json", p, &cfg, day1), 0);
	/* by size: a record never splits, the file may hold one bigger than the limit */
	CU_ASSERT_EQUAL(cdr_file_write(&f, "aaaa\n", 5, day1), 0);
	CU_ASSERT_EQUAL(cdr_file_write(&f, "bbbb\n", 5, day1), 0);
	CU_ASSERT_EQUAL(cdr_file_write(&f, "cccc\n", 5, day1), 0);     /* 15 > 10: rotate first */
	CU_ASSERT_EQUAL(cdr_file_write(&f, "dddddddddddddd\n", 15, day1), 0);
	CU_ASSERT_EQUAL(cdr_file_write(&f, "e\n", 2, day1), 0);
	/* by day */
	CU_ASSERT_EQUAL(cdr_file_write(&f, "f\n", 2, day2), 0);
	cdr_file_close(&f);
	cdr_rotated_name(p, d1, 0, name, sizeof name);
	CU_ASSERT_STRING_EQUAL(slurp(name), "aaaa\nbbbb\n");
	cdr_rotated_name(p, d1, 1, name, sizeof name);
	CU_ASSERT_STRING_EQUAL(slurp(name), "cccc\n");
	cdr_rotated_name(p, d1, 2, name, sizeof name);
	CU_ASSERT_STRING_EQUAL(slurp(name), "dddddddddddddd\n");
	cdr_rotated_name(p, d1, 3, name, sizeof name);
	CU_ASSERT_STRING_EQUAL(slurp(name), "e\n");
	CU_ASSERT_STRING_EQUAL(slurp(p), "f\n");
	cdr_rotated_name(p, d2, 0, name, sizeof name);
	CU_ASSERT_PTR_NULL(slurp(name));
}

static CU_TestInfo record_tests[] = {
	{ "durations", test_durations },
	{ "dispositions, sides, amaflags", test_dispositions },
	{ "fields from the facts", test_record_fields },
	{ "Master.csv line", test_csv_line },
	{ "JSON line", test_json_line },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo file_tests[] = {
	{ "torn tails", test_repair },
	{ "rotated names", test_rotated_names },
	{ "open, write, reopen, removed file", test_file_open_write },
	{ "rotation by size and day", test_rotation },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "cdr record", .pTests = record_tests },
	{ .pName = "cdr file", .pInitFunc = files_init, .pCleanupFunc = files_cleanup,
	  .pTests = file_tests },
	CU_SUITE_INFO_NULL,
};
