# The control socket and tandemctl (docs/CONTROL.md) against a running
# tandemd with SIPp peers; the human output's formatting as a unit test.
TANDEMCTL_TESTS = tests/sip/test_tandemctl_calls.sh tests/sip/test_tandemctl_reload.sh \
	tests/sip/test_tandemctl_socket.sh
TESTS += $(TANDEMCTL_TESTS)
EXTRA_DIST += $(TANDEMCTL_TESTS) tests/sip/tandemctl_lib.sh tests/sip/ctl_protocol.py

check_PROGRAMS += tests/unit/test_ctl_format
TESTS += tests/unit/test_ctl_format
tests_unit_test_ctl_format_SOURCES = tests/unit/test_ctl_format.c tools/ctl_format.c tools/ctl_format.h
tests_unit_test_ctl_format_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_ctl_format_LDADD = tests/unit/libunitrunner.a $(CUNIT_LIBS) $(JANSSON_LIBS) -lm
