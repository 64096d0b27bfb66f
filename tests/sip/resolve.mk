# Dial target resolvers and the one dial engine: a test module serving an
# invented scheme (test:NAME), synchronously and from a timer; hunt and
# parallel dials and a transfer through it.
RESOLVE_TESTS = tests/sip/test_call_resolver.sh
TESTS += $(RESOLVE_TESTS)
EXTRA_DIST += $(RESOLVE_TESTS)

check_LTLIBRARIES += tests/sip/mod_testresolve.la
tests_sip_mod_testresolve_la_SOURCES = tests/sip/mod_testresolve.c
tests_sip_mod_testresolve_la_LDFLAGS = $(MODULE_LDFLAGS) -rpath /nowhere

# The pure pieces of the dial engine: failure ranking, outcome
# classification, target schemes, the dialplan's check of schemes.
check_PROGRAMS += tests/unit/test_dial
TESTS += tests/unit/test_dial
tests_unit_test_dial_SOURCES = tests/unit/test_dial.c
tests_unit_test_dial_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_dial_LDADD = $(TANDEM_UNIT_LIBS)
