# Calls whose legs use different transports (UDP, TCP, TLS; URI targets and
# registered phones): every in-dialog request on the right flow.
STREAM_TESTS = tests/sip/test_call_stream_callee.sh
TESTS += $(STREAM_TESTS)
EXTRA_DIST += tests/sip/stream_callee.py $(STREAM_TESTS)

# Where a dialog's requests go: uri_dest, flows and first hops.
check_PROGRAMS += tests/unit/test_dialog
TESTS += tests/unit/test_dialog
tests_unit_test_dialog_SOURCES = tests/unit/test_dialog.c
tests_unit_test_dialog_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_dialog_LDADD = $(TANDEM_UNIT_LIBS)
