/* tandem unit tests: one CUnit runner (runner.c) for every test program.
 *
 * A test file holds no main: it defines the suites it runs, each with its
 * tests and, where the file needs them, the init/cleanup that set up and
 * tear down what its tests share (a loop, a temporary directory):
 *
 *   static CU_TestInfo ban_tests[] = {
 *           { "threshold and ban expiry", test_threshold_and_expiry },
 *           CU_TEST_INFO_NULL,
 *   };
 *   CU_SuiteInfo unit_suites[] = {
 *           { .pName = "ban", .pTests = ban_tests },
 *           CU_SUITE_INFO_NULL,
 *   };
 *
 * Each program is runner.c (tests/unit/libunitrunner.a) linked with one
 * test file. It runs every suite, or the one named by its first argument
 * (and then only the test named by the second), and exits 1 when an
 * assertion or a suite's init/cleanup failed or when nothing ran. */
#ifndef TANDEM_TESTS_UNIT_H
#define TANDEM_TESTS_UNIT_H

#include <CUnit/Basic.h>

/* The test file's suites, ended by CU_SUITE_INFO_NULL. */
extern CU_SuiteInfo unit_suites[];

#endif
