/* tandemctl's human output (tools/ctl_format.c): tables from arrays of
 * objects (columns in the members' order, nested objects flattened,
 * missing cells "-"), aligned key: value lines from objects, cells. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../../tools/ctl_format.h"
#include "unit.h"

/* ctl_print of the JSON text, as a string (freed by the caller). */
static char *printed(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(ctl_print(f, v), 0);
	fclose(f);
	json_decref(v);
	return buf;
}

static void expect(const char *json, const char *want)
{
	char *got = printed(json);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n--- for %s\n--- got\n%s--- want\n%s", json, got, want);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
}

static void test_table(void)
{
	expect("[{\"id\": 1, \"state\": \"answered\", \"caller\": \"alice\"},"
	       " {\"id\": 12, \"state\": \"ringing\", \"caller\": \"bob-the-builder\"}]",
	       "id  state     caller\n"
	       "1   answered  alice\n"
	       "12  ringing   bob-the-builder\n");
}

static void test_table_nested_and_missing(void)
{
	/* a module's members (media) flattened; a row without them shows -;
	 * a column first seen in a later row goes last */
	expect("[{\"id\": 1, \"media\": {\"codec\": \"PCMU\", \"rx\": {\"packets\": 50}}},"
	       " {\"id\": 2, \"owner\": null},"
	       " {\"id\": 3, \"media\": {\"codec\": \"opus\"}, \"note\": true}]",
	       "id  media.codec  media.rx.packets  owner  note\n"
	       "1   PCMU         50                -      -\n"
	       "2   -            -                 -      -\n"
	       "3   opus         -                 -      true\n");
}

static void test_table_cells(void)
{
	/* arrays of scalars joined, deeper values as compact JSON, reals
	 * without trailing zeros, UTF-8 counted by characters, control
	 * characters never break the line */
	expect("[{\"hooks\": [\"request\", \"route\"], \"x\": [{\"a\": 1}], \"t\": 1.5, \"n\": \"é\"},"
	       " {\"hooks\": [], \"x\": {}, \"t\": 2.0, \"n\": \"a\\nb\"}]",
	       "hooks          x          t    n\n"
	       "request,route  [{\"a\":1}]  1.5  é\n"
	       "-              -          2    a?b\n");
}

static void test_object(void)
{
	expect("{\"version\": \"0.1.0\", \"calls_active\": 2, \"listeners\": [\"udp:127.0.0.1:5060\","
	       " \"tcp:127.0.0.1:5060\"], \"media\": {\"codec\": \"PCMA\"}, \"owner\": null}",
	       "version:      0.1.0\n"
	       "calls_active: 2\n"
	       "listeners:    udp:127.0.0.1:5060,tcp:127.0.0.1:5060\n"
	       "media.codec:  PCMA\n"
	       "owner:        -\n");
}

static void test_object_with_table(void)
{
	/* a member that is a list of objects: a table below its key */
	expect("{\"queue\": \"sales\", \"agents\": [{\"name\": \"1001\", \"state\": \"idle\"},"
	       " {\"name\": \"1002\", \"state\": \"busy\"}], \"waiting\": 0}",
	       "queue:   sales\n"
	       "agents:\n"
	       "  name  state\n"
	       "  1001  idle\n"
	       "  1002  busy\n"
	       "waiting: 0\n");
}

static void test_scalars_and_lists(void)
{
	expect("[]", "(none)\n");
	expect("[\"a\", 2, null]", "a\n2\n-\n");
	expect("\"done\"", "done\n");
	expect("true", "true\n");
	expect("{}", "");
}

static void test_cell(void)
{
	json_t *v = json_pack("[s, I, f, n, b]", "x\ty", (json_int_t)-42, 0.125, 0);
	const char *want[] = { "x?y", "-42", "0.125", "-", "false" };
	for (size_t i = 0; i < 5; i++) {
		char *c = ctl_cell(json_array_get(v, i));
		CU_ASSERT_STRING_EQUAL(c, want[i]);
		free(c);
	}
	json_decref(v);
}

static CU_TestInfo format_tests[] = {
	{ "table of objects", test_table },
	{ "nested members and missing cells", test_table_nested_and_missing },
	{ "cells: lists, JSON, reals, UTF-8, control characters", test_table_cells },
	{ "object as key: value lines", test_object },
	{ "object with a list of objects", test_object_with_table },
	{ "scalars and lists of scalars", test_scalars_and_lists },
	{ "one cell", test_cell },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "ctl_format", .pTests = format_tests },
	CU_SUITE_INFO_NULL,
};
