# SIP trunks (mod_trunk, issue 12): providers played by SIPp and Kamailio.
TRUNK_TESTS = tests/sip/test_trunk_call.sh tests/sip/test_trunk_inbound.sh \
	tests/sip/test_trunk_bridge.sh tests/sip/test_trunk_tls.sh \
	tests/sip/test_trunk_limits.sh
TESTS += $(TRUNK_TESTS)
EXTRA_DIST += $(TRUNK_TESTS) tests/sip/trunk_lib.sh
