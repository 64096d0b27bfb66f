/* tandem — the Prometheus text exposition writer (core/metrics.c): the
 * format's escaping of HELP text and label values, sample values,
 * histograms (cumulative buckets, +Inf, _sum, _count), and the collector
 * registry (order, removal, limits). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "metrics_internal.h"
#include "unit.h"

static struct sip_wbuf out;
static struct tandem_metrics m;

static void start(void)
{
	sip_wbuf_init(&out, 256);
	metrics_begin(&m, &out);
}

/* out as a C string, then reset */
static const char *text(void)
{
	static char copy[8192];
	snprintf(copy, sizeof copy, "%.*s", (int)out.len, out.p ? out.p : "");
	sip_wbuf_free(&out);
	return copy;
}

static void test_family_and_escaping(void)
{
	start();
	tandem_metrics_family(&m, "tandem_x_total", TANDEM_METRIC_COUNTER,
	                      "back\\slash \"quoted\"\nsecond line");
	/* label values escape \ " and line feed; other bytes pass */
	tandem_metrics_sample(&m, NULL, 3, "a", "x\\y\"z\nw", "b", "plain é", NULL);
	tandem_metrics_sample(&m, NULL, 0, NULL);
	CU_ASSERT_STRING_EQUAL(text(),
		"# HELP tandem_x_total back\\\\slash \"quoted\"\\nsecond line\n"
		"# TYPE tandem_x_total counter\n"
		"tandem_x_total{a=\"x\\\\y\\\"z\\nw\",b=\"plain é\"} 3\n"
		"tandem_x_total 0\n");
}

static void test_types_and_values(void)
{
	start();
	tandem_metrics_family(&m, "tandem_g", TANDEM_METRIC_GAUGE, "");
	tandem_metrics_sample(&m, NULL, 0.25, NULL);
	tandem_metrics_sample(&m, NULL, -7, NULL);
	tandem_metrics_sample(&m, NULL, 1e300, NULL);
	tandem_metrics_sample(&m, NULL, NAN, NULL);
	tandem_metrics_sample(&m, NULL, INFINITY, NULL);
	tandem_metrics_sample(&m, NULL, -INFINITY, NULL);
	tandem_metrics_sample(&m, NULL, 4294967296.0 * 65536, NULL);   /* 2^48: an integer */
	tandem_metrics_family(&m, "tandem_h", TANDEM_METRIC_HISTOGRAM, "h");
	CU_ASSERT_STRING_EQUAL(text(),
		"# HELP tandem_g \n# TYPE tandem_g gauge\n"
		"tandem_g 0.25\ntandem_g -7\ntandem_g 1e+300\n"
		"tandem_g NaN\ntandem_g +Inf\ntandem_g -Inf\ntandem_g 281474976710656\n"
		"# HELP tandem_h h\n# TYPE tandem_h histogram\n");
	/* a sample before any family goes nowhere */
	start();
	tandem_metrics_sample(&m, NULL, 1, NULL);
	CU_ASSERT_STRING_EQUAL(text(), "");
}

static const double bounds[] = { 0.1, 0.5, 1 };

static void test_histogram(void)
{
	unsigned long counts[4] = { 0 };
	struct tandem_histogram h = { .bounds = bounds, .nbounds = 3, .counts = counts };
	/* a bound is inclusive (le: less or equal) */
	tandem_histogram_observe(&h, 0.0625);
	tandem_histogram_observe(&h, 0.5);
	tandem_histogram_observe(&h, 0.25);
	tandem_histogram_observe(&h, 2);
	tandem_histogram_observe(&h, 7);
	CU_ASSERT_EQUAL(counts[0], 1);
	CU_ASSERT_EQUAL(counts[1], 2);
	CU_ASSERT_EQUAL(counts[2], 0);
	CU_ASSERT_EQUAL(counts[3], 2);
	CU_ASSERT_EQUAL(h.count, 5);
	start();
	tandem_metrics_family(&m, "tandem_d_seconds", TANDEM_METRIC_HISTOGRAM, "d");
	tandem_metrics_histogram(&m, &h, NULL, NULL);
	/* cumulative: each bucket counts everything at or below its bound */
	CU_ASSERT_STRING_EQUAL(text(),
		"# HELP tandem_d_seconds d\n# TYPE tandem_d_seconds histogram\n"
		"tandem_d_seconds_bucket{le=\"0.1\"} 1\n"
		"tandem_d_seconds_bucket{le=\"0.5\"} 3\n"
		"tandem_d_seconds_bucket{le=\"1\"} 3\n"
		"tandem_d_seconds_bucket{le=\"+Inf\"} 5\n"
		"tandem_d_seconds_sum 9.8125\n"
		"tandem_d_seconds_count 5\n");
	/* the optional label comes before le, and on _sum and _count */
	start();
	tandem_metrics_family(&m, "tandem_d_seconds", TANDEM_METRIC_HISTOGRAM, "d");
	tandem_metrics_histogram(&m, &h, "queue", "sa\"les");
	const char *s = text();
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_d_seconds_bucket{queue=\"sa\\\"les\",le=\"0.5\"} 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_d_seconds_bucket{queue=\"sa\\\"les\",le=\"+Inf\"} 5\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_d_seconds_count{queue=\"sa\\\"les\"} 5\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_d_seconds_sum{queue=\"sa\\\"les\"} 9.8125\n"));
}

/* An empty histogram still has every bucket, all 0. */
static void test_histogram_empty(void)
{
	unsigned long counts[4] = { 0 };
	struct tandem_histogram h = { .bounds = bounds, .nbounds = 3, .counts = counts };
	start();
	tandem_metrics_family(&m, "tandem_e", TANDEM_METRIC_HISTOGRAM, "e");
	tandem_metrics_histogram(&m, &h, NULL, NULL);
	CU_ASSERT_STRING_EQUAL(text(),
		"# HELP tandem_e e\n# TYPE tandem_e histogram\n"
		"tandem_e_bucket{le=\"0.1\"} 0\ntandem_e_bucket{le=\"0.5\"} 0\n"
		"tandem_e_bucket{le=\"1\"} 0\ntandem_e_bucket{le=\"+Inf\"} 0\n"
		"tandem_e_sum 0\ntandem_e_count 0\n");
}

static void collect_a(struct tandem *t, struct tandem_metrics *mm, void *arg)
{
	(void)t;
	tandem_metrics_family(mm, "tandem_a", TANDEM_METRIC_GAUGE, "a");
	tandem_metrics_sample(mm, NULL, *(int *)arg, NULL);
}

static void collect_b(struct tandem *t, struct tandem_metrics *mm, void *arg)
{
	(void)t;
	(void)arg;
	/* a collector that forgot its family writes nothing */
	tandem_metrics_sample(mm, NULL, 9, NULL);
	tandem_metrics_family(mm, "tandem_b_total", TANDEM_METRIC_COUNTER, "b");
	tandem_metrics_sample(mm, NULL, 2, "k", "v", NULL);
}

static void test_collectors(void)
{
	struct tandem t;
	memset(&t, 0, sizeof t);
	int a = 41;
	CU_ASSERT_EQUAL(tandem_metrics_collector_add(&t, "x", collect_a, &a), -EINVAL);   /* no registry */
	CU_ASSERT_EQUAL_FATAL(metrics_core_init(&t), 0);
	CU_ASSERT(t.started > 0);
	CU_ASSERT_EQUAL(tandem_metrics_collector_add(&t, "a", collect_a, &a), 0);
	CU_ASSERT_EQUAL(tandem_metrics_collector_add(&t, "b", collect_b, NULL), 0);
	CU_ASSERT_EQUAL(tandem_metrics_collector_add(&t, NULL, collect_b, NULL), -EINVAL);
	CU_ASSERT_EQUAL(tandem_metrics_collector_add(&t, "c", NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(tandem_metrics_collector_add(&t, "a-module-name-much-too-long-to-keep", collect_a,
	                                             &a), -EINVAL);
	a = 42;   /* read at render time, not when added */
	sip_wbuf_init(&out, 256);
	CU_ASSERT_EQUAL(tandem_metrics_render(&t, &out), 0);
	const char *s = text();
	/* the core's own families first, then the modules' in the order added */
	const char *core = strstr(s, "# TYPE tandem_calls_active gauge\ntandem_calls_active 0\n");
	const char *pa = strstr(s, "# TYPE tandem_a gauge\ntandem_a 42\n");
	const char *pb = strstr(s, "# TYPE tandem_b_total counter\ntandem_b_total{k=\"v\"} 2\n");
	CU_ASSERT_PTR_NOT_NULL(core);
	CU_ASSERT_PTR_NOT_NULL(pa);
	CU_ASSERT_PTR_NOT_NULL(pb);
	CU_ASSERT(core && pa && pb && core < pa && pa < pb);
	CU_ASSERT_PTR_NULL(strstr(s, " 9\n"));   /* b's sample without a family */
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_calls_total{disposition=\"NO ANSWER\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_call_setup_seconds_bucket{le=\"+Inf\"} 0\n"));

	/* the call core's counts show in the next scrape */
	metrics_call_ended(&t, TANDEM_DISP_BUSY);
	metrics_call_ended(&t, TANDEM_DISP_NONE);   /* not a disposition: not counted */
	metrics_call_setup(&t, 0.07);
	tandem_metrics_collector_remove(&t, "a");
	sip_wbuf_init(&out, 256);
	CU_ASSERT_EQUAL(tandem_metrics_render(&t, &out), 0);
	s = text();
	CU_ASSERT_PTR_NULL(strstr(s, "tandem_a "));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_b_total{k=\"v\"} 2\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_calls_total{disposition=\"BUSY\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_calls_total{disposition=\"ANSWERED\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_call_setup_seconds_bucket{le=\"0.05\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_call_setup_seconds_bucket{le=\"0.1\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "tandem_call_setup_seconds_count 1\n"));

	/* the table has a limit */
	int rc = 0;
	for (int i = 0; i < METRICS_MAX_COLLECTORS + 1 && rc == 0; i++)
		rc = tandem_metrics_collector_add(&t, "many", collect_b, NULL);
	CU_ASSERT_EQUAL(rc, -ENOSPC);
	tandem_metrics_collector_remove(&t, "many");
	CU_ASSERT_EQUAL(tandem_metrics_collector_add(&t, "again", collect_b, NULL), 0);
	metrics_core_free(&t);
	CU_ASSERT_PTR_NULL(t.metrics);
	metrics_call_ended(&t, TANDEM_DISP_BUSY);   /* no registry: nothing, no crash */
}

static CU_TestInfo metrics_tests[] = {
	{ "family, HELP and label escaping", test_family_and_escaping },
	{ "types and sample values", test_types_and_values },
	{ "histogram: cumulative buckets, +Inf, sum, count", test_histogram },
	{ "empty histogram", test_histogram_empty },
	{ "collectors: order, removal, limits", test_collectors },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "metrics", .pTests = metrics_tests },
	CU_SUITE_INFO_NULL,
};
