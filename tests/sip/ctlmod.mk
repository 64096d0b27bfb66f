# The modules' control commands (docs/CONTROL.md, "Module commands"):
# registrations, ban, queues, trunks, voicemail and the calls' media, with
# tandemctl against tandemd and real peers.
CTLMOD_TESTS = tests/sip/test_ctlmod_registrar.sh tests/sip/test_ctlmod_media.sh \
	tests/sip/test_ctlmod_queue.sh tests/sip/test_ctlmod_voicemail.sh tests/sip/test_ctlmod_trunk.sh
TESTS += $(CTLMOD_TESTS)
EXTRA_DIST += $(CTLMOD_TESTS) tests/sip/ctlmod_lib.sh tests/sip/scenarios/ctlmod_register.xml \
	tests/sip/scenarios/ctlmod_register_bad.xml tests/sip/ctlmod_media.py
