# SIP trunks (mod_trunk): outbound registration against Kamailio and SIPp.
TRUNK_TESTS = tests/sip/test_trunk_register.sh
TESTS += $(TRUNK_TESTS)
EXTRA_DIST += $(TRUNK_TESTS) tests/sip/trunk_provider.cfg tests/sip/trunk_peer.py
