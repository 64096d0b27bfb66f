# End-to-end tests of the B2BUA call core: SIPp caller -> tandemd -> SIPp callee.
CALL_TESTS = tests/sip/test_call_basic.sh tests/sip/test_call_bye_callee.sh \
	tests/sip/test_call_early.sh tests/sip/test_call_cancel.sh \
	tests/sip/test_call_reject.sh tests/sip/test_call_indialog.sh \
	tests/sip/test_call_message.sh tests/sip/test_call_load.sh tests/sip/test_call_ringgroup.sh \
	tests/sip/test_call_prack.sh tests/sip/test_timers.sh tests/sip/test_call_transfer.sh \
	tests/sip/test_call_replaces.sh tests/sip/test_call_glare.sh tests/sip/test_call_redirect.sh \
	tests/sip/test_call_transfer_media.sh tests/sip/test_call_transfer_edge.sh \
	tests/sip/test_call_context.sh
TESTS += $(CALL_TESTS)
EXTRA_DIST += tests/sip/calls_lib.sh tests/sip/silent_peer.py $(CALL_TESTS) bench/cps/run-cps.sh
