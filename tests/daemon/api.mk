# The module API as tandemd and the installed headers offer it.

# tandemd exports the module API and nothing else: tandem_*/sip_* only,
# everything include/tandem/ declares, everything a built module uses.
TESTS += tests/daemon/test_exports.sh
EXTRA_DIST += tests/daemon/test_exports.sh
AM_TESTS_ENVIRONMENT += TANDEM_CC='$(CC)' TANDEM_NM='$(NM)' \
	TANDEM_API_CPPFLAGS='$(LIBCONFIG_CFLAGS)'; export TANDEM_CC TANDEM_NM TANDEM_API_CPPFLAGS;

# The registrar, auth and rtprelay APIs through their load_api helpers, from
# a module that has include/ only (mod_apiuser).
TESTS += tests/daemon/test_load_api.sh
EXTRA_DIST += tests/daemon/test_load_api.sh
check_LTLIBRARIES += tests/daemon/mod_apiuser.la
tests_daemon_mod_apiuser_la_SOURCES = tests/daemon/mod_apiuser.c
tests_daemon_mod_apiuser_la_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere

# Signals during start-up: held until the loop's watchers take them.
TESTS += tests/daemon/test_signals_early.sh
EXTRA_DIST += tests/daemon/test_signals_early.sh
