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
