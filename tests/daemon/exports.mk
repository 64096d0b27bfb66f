# tandemd exports the module API and nothing else: tandem_*/sip_* only,
# everything include/tandem/ declares, everything a built module uses.
TESTS += tests/daemon/test_exports.sh
EXTRA_DIST += tests/daemon/test_exports.sh
AM_TESTS_ENVIRONMENT += TANDEM_CC='$(CC)' TANDEM_NM='$(NM)' \
	TANDEM_API_CPPFLAGS='$(LIBCONFIG_CFLAGS)'; export TANDEM_CC TANDEM_NM TANDEM_API_CPPFLAGS;
