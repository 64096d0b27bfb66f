# Unit tests (CUnit) link the core objects; SIP tests are scripts driving
# tandemd with real peers (SIPp, sipsak) over loopback.
TANDEM_UNIT_LIBS = libtandemcore.a $(CUNIT_LIBS) $(CORE_LIBS)
TANDEM_UNIT_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)

AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir;
