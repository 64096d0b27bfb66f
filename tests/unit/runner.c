/* The one CUnit main of the unit tests (unit.h): register the test file's
 * suites, run them (all, one suite, or one test), report, and exit 0 only
 * when something ran and nothing failed. */
#include "config.h"

#include <stdio.h>

#include "unit.h"

int main(int argc, char **argv)
{
	if (argc > 3) {
		fprintf(stderr, "usage: %s [suite [test]]\n", argv[0]);
		return 2;
	}
	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "%s: CUnit: %s\n", argv[0], CU_get_error_msg());
		return 2;
	}
	int rc = 2;
	if (CU_register_suites(unit_suites) != CUE_SUCCESS) {
		fprintf(stderr, "%s: cannot register the suites: %s\n", argv[0], CU_get_error_msg());
		goto out;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_pSuite suite = argc > 1 ? CU_get_suite(argv[1]) : NULL;
	CU_pTest test = suite && argc > 2 ? CU_get_test(suite, argv[2]) : NULL;
	if (argc > 1 && !suite) {
		fprintf(stderr, "%s: no suite '%s'\n", argv[0], argv[1]);
		goto out;
	}
	if (argc > 2 && !test) {
		fprintf(stderr, "%s: no test '%s' in suite '%s'\n", argv[0], argv[2], argv[1]);
		goto out;
	}
	CU_ErrorCode err = test ? CU_basic_run_test(suite, test)
	                 : suite ? CU_basic_run_suite(suite) : CU_basic_run_tests();
	/* Failed assertions, and suites whose init or cleanup failed (their
	 * tests never ran: that is a failure too). */
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
	                  CU_get_number_of_suites_failed();
	unsigned run = CU_get_number_of_tests_run();
	if (err != CUE_SUCCESS)
		fprintf(stderr, "%s: CUnit: %s\n", argv[0], CU_get_error_msg());
	if (run == 0)
		fprintf(stderr, "%s: no test ran\n", argv[0]);
	rc = err != CUE_SUCCESS || failed || run == 0 ? 1 : 0;
out:
	CU_cleanup_registry();
	return rc;
}
