# mod_trunk: SIP trunks to providers, and bridging two of them (issue 12)
pkglib_LTLIBRARIES += mod_trunk.la
mod_trunk_la_SOURCES = modules/trunk/mod_trunk.c modules/trunk/trunk.h \
	modules/trunk/config.c modules/trunk/locate.c modules/trunk/register.c \
	modules/trunk/qualify.c modules/trunk/outbound.c modules/trunk/inbound.c \
	modules/trunk/codecs.c modules/trunk/state.c modules/trunk/control.c modules/trunk/metrics.c \
	modules/trunk/calls.c modules/trunk/trunk_call.h
mod_trunk_la_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
mod_trunk_la_LDFLAGS = $(MODULE_LDFLAGS)
mod_trunk_la_LIBADD = $(JANSSON_LIBS)
