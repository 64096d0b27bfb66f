# mod_cdr (issue 13): records of real SIPp calls through tandemd in the
# CSV, JSON and SQLite outputs; kill -9 under load; torn tails; rotation
# and reload.
CDR_TESTS = tests/sip/test_cdr_calls.sh tests/sip/test_cdr_crash.sh \
	tests/sip/test_cdr_rotate.sh tests/sip/test_cdr_errors.sh
TESTS += $(CDR_TESTS)
EXTRA_DIST += $(CDR_TESTS) tests/sip/cdr_lib.sh tests/sip/cdr_check.py

# mod_cdr's pure pieces (durations, dispositions, Master.csv quoting, the
# JSON line) and its record file (torn tails, rotation) on real files
check_PROGRAMS += tests/unit/test_cdr_record
TESTS += tests/unit/test_cdr_record
tests_unit_test_cdr_record_SOURCES = tests/unit/test_cdr_record.c \
	modules/cdr/record.c modules/cdr/record.h modules/cdr/file.c modules/cdr/file.h
tests_unit_test_cdr_record_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_cdr_record_LDADD = $(TANDEM_UNIT_LIBS) -lm
