# Modules as event servers and UACs (include/tandem/event.h, uac.h):
# mod_testevent serves the x-test package and sends MESSAGE/OPTIONS that
# SIPp and a Python peer challenge with 401/407 (MD5, SHA-256).
EVENT_TESTS = tests/sip/test_events.sh tests/sip/test_uac.sh
TESTS += $(EVENT_TESTS)
EXTRA_DIST += $(EVENT_TESTS) tests/sip/events_check.py tests/sip/digest_uas.py

check_LTLIBRARIES += tests/sip/mod_testevent.la
tests_sip_mod_testevent_la_SOURCES = tests/sip/mod_testevent.c
tests_sip_mod_testevent_la_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere
