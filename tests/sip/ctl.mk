# The control socket and tandemctl (docs/CONTROL.md) against a running
# tandemd with SIPp peers; the human output's formatting as a unit test.
TANDEMCTL_TESTS = tests/sip/test_tandemctl_calls.sh
TESTS += $(TANDEMCTL_TESTS)
EXTRA_DIST += $(TANDEMCTL_TESTS) tests/sip/tandemctl_lib.sh
