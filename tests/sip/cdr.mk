# mod_cdr (issue 13): records of real SIPp calls through tandemd in the
# CSV, JSON and SQLite outputs; kill -9 under load; torn tails; rotation
# and reload.
CDR_TESTS = tests/sip/test_cdr_calls.sh tests/sip/test_cdr_crash.sh \
	tests/sip/test_cdr_rotate.sh
TESTS += $(CDR_TESTS)
EXTRA_DIST += $(CDR_TESTS) tests/sip/cdr_lib.sh tests/sip/cdr_check.py
