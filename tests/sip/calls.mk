# End-to-end tests of the B2BUA call core: SIPp caller -> tandemd -> SIPp callee.
CALL_TESTS = tests/sip/test_call_basic.sh
TESTS += $(CALL_TESTS)
EXTRA_DIST += tests/sip/calls_lib.sh $(CALL_TESTS)
