# End-to-end tests: tandemd driven by real peers (SIPp, sipsak, raw sockets).
TESTS += tests/sip/test_options.sh tests/sip/test_invite_retrans.sh \
	tests/sip/test_bad_input.sh tests/sip/test_tls.sh tests/daemon/test_daemon.sh
EXTRA_DIST += tests/sip/lib.sh tests/sip/sipwire.py tests/sip/test_bad_input.py \
	tests/sip/scenarios tests/sip/test_options.sh tests/sip/test_invite_retrans.sh \
	tests/sip/test_bad_input.sh tests/sip/test_tls.sh tests/daemon/test_daemon.sh

# Modules that must be refused (built only for `make check`).
check_LTLIBRARIES = tests/daemon/mod_badabi.la tests/daemon/mod_nosym.la
tests_daemon_mod_badabi_la_SOURCES = tests/daemon/mod_badabi.c
tests_daemon_mod_badabi_la_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere
tests_daemon_mod_nosym_la_SOURCES = tests/daemon/mod_nosym.c
tests_daemon_mod_nosym_la_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere
