# SIP trunks (mod_trunk, issue 12): providers played by SIPp and Kamailio.
TRUNK_TESTS = tests/sip/test_trunk_call.sh tests/sip/test_trunk_inbound.sh \
	tests/sip/test_trunk_bridge.sh tests/sip/test_trunk_tls.sh \
	tests/sip/test_trunk_limits.sh tests/sip/test_trunk_reload.sh \
	tests/sip/test_trunk_dns.sh tests/sip/test_trunk_register.sh tests/sip/test_trunk_kamailio.sh
TESTS += $(TRUNK_TESTS)
EXTRA_DIST += $(TRUNK_TESTS) tests/sip/trunk_lib.sh tests/sip/kamailio_lib.sh tests/sip/trunk_provider.cfg \
	tests/sip/trunk_peer.py

# mod_trunk's codec filter on offers (pure)
check_PROGRAMS += tests/unit/test_trunk_codecs
TESTS += tests/unit/test_trunk_codecs
tests_unit_test_trunk_codecs_SOURCES = tests/unit/test_trunk_codecs.c modules/trunk/codecs.c \
	modules/trunk/trunk.h
tests_unit_test_trunk_codecs_CFLAGS = $(TANDEM_UNIT_CFLAGS) $(SRTP_CFLAGS)
tests_unit_test_trunk_codecs_LDADD = $(TANDEM_UNIT_LIBS)

# A user of mod_trunk's state API (include/tandem/trunk.h).
check_LTLIBRARIES += tests/sip/mod_trunkwatch.la
tests_sip_mod_trunkwatch_la_SOURCES = tests/sip/mod_trunkwatch.c
tests_sip_mod_trunkwatch_la_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere
