# End-to-end tests of the B2BUA call core: SIPp caller -> tandemd -> SIPp callee.
CALL_TESTS = tests/sip/test_call_basic.sh tests/sip/test_call_bye_callee.sh \
	tests/sip/test_call_early.sh tests/sip/test_call_cancel.sh \
	tests/sip/test_call_reject.sh tests/sip/test_call_indialog.sh \
	tests/sip/test_call_message.sh tests/sip/test_call_load.sh tests/sip/test_call_ringgroup.sh \
	tests/sip/test_call_prack.sh tests/sip/test_timers.sh tests/sip/test_call_transfer.sh \
	tests/sip/test_call_replaces.sh tests/sip/test_call_glare.sh tests/sip/test_call_redirect.sh \
	tests/sip/test_call_transfer_media.sh tests/sip/test_call_transfer_edge.sh \
	tests/sip/test_call_context.sh tests/sip/test_call_suspend.sh
TESTS += $(CALL_TESTS)
EXTRA_DIST += tests/sip/calls_lib.sh tests/sip/silent_peer.py $(CALL_TESTS)

# mod_later: a dialplan action that answers later (SUSPEND, then
# tandem_call_resume from a timer), for test_call_suspend.sh.
check_LTLIBRARIES += tests/sip/mod_later.la
tests_sip_mod_later_la_SOURCES = tests/sip/mod_later.c
tests_sip_mod_later_la_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere
