# The SDK's example module, examples/timeofday/: built out of tree against
# the installed headers (tests/daemon/test_sdk.sh), never by this Makefile.
# Its source is installed with the module-writing guide.
timeofdaydir = $(docdir)/examples/timeofday
dist_timeofday_DATA = examples/timeofday/Makefile examples/timeofday/mod_timeofday.c \
	examples/timeofday/hours.c examples/timeofday/hours.h
