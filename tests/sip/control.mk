# Call control for modules (include/tandem/call.h): a test module that owns
# calls (local answer, 18x, DTMF, bridge) and uses every hook verdict.
CONTROL_TESTS = tests/sip/test_ctl_hooks.sh tests/sip/test_ctl_ivr.sh tests/sip/test_ctl_transfer.sh \
	tests/sip/test_ctl_outcome.sh
TESTS += $(CONTROL_TESTS)
EXTRA_DIST += $(CONTROL_TESTS) tests/sip/ctl_callee.py

check_LTLIBRARIES += tests/sip/mod_ctl.la
tests_sip_mod_ctl_la_SOURCES = tests/sip/mod_ctl.c
tests_sip_mod_ctl_la_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
tests_sip_mod_ctl_la_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere
