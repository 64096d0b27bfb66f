# The module SDK: the example module's matcher (pure), and the example
# built out of tree against a `make install`ed tandem and loaded into it.

# examples/timeofday/hours.c: office hours and holidays
check_PROGRAMS += tests/unit/test_timeofday
TESTS += tests/unit/test_timeofday
tests_unit_test_timeofday_SOURCES = tests/unit/test_timeofday.c examples/timeofday/hours.c \
	examples/timeofday/hours.h
tests_unit_test_timeofday_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_timeofday_LDADD = $(TANDEM_UNIT_LIBS)

# make install into a throwaway DESTDIR, the example built there with
# pkg-config alone, loaded into the installed tandemd, SIPp calls in and
# out of office hours and on a holiday.
TESTS += tests/daemon/test_sdk.sh
EXTRA_DIST += tests/daemon/test_sdk.sh
AM_TESTS_ENVIRONMENT += TANDEM_MAKE='$(MAKE)'; export TANDEM_MAKE;

# First start: mod_auth names the users still on a sample password
check_PROGRAMS += tests/unit/test_auth_sample
TESTS += tests/unit/test_auth_sample
tests_unit_test_auth_sample_SOURCES = tests/unit/test_auth_sample.c modules/auth/sample.c \
	modules/auth/sample.h modules/auth/users.c modules/auth/users.h
tests_unit_test_auth_sample_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_auth_sample_LDADD = $(TANDEM_UNIT_LIBS)

# First start of the sample office: the missing certificate named with the
# command that makes it, tools/make-cert, the sample passwords named
TESTS += tests/daemon/test_first_start.sh
EXTRA_DIST += tests/daemon/test_first_start.sh tools/make-cert

# systemd's Type=notify: READY=1 once started, STOPPING=1 at SIGTERM
TESTS += tests/daemon/test_sd_notify.sh
EXTRA_DIST += tests/daemon/test_sd_notify.sh

# Packaging: tandem.conf(5) names every key read, the pages format, the unit verifies
TESTS += tests/daemon/test_packaging.sh
EXTRA_DIST += tests/daemon/test_packaging.sh
