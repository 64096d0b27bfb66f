# The core: a convenience library (so unit tests link the same objects) and
# tandemd. One fragment per subsystem folder.
# The core sees its private headers; its symbols are hidden unless declared
# in include/tandem/ (include/tandem/export.h).
CORE_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core \
	-DTANDEM_MODULE_DIR='"$(pkglibdir)"' -DTANDEM_SYSCONF_DIR='"$(sysconfdir)/tandem"'
CORE_CFLAGS = $(AM_CFLAGS) $(LIBCARES_CFLAGS) -fvisibility=hidden
noinst_LIBRARIES = libtandemcore.a
libtandemcore_a_CPPFLAGS = $(CORE_CPPFLAGS)
libtandemcore_a_CFLAGS = $(CORE_CFLAGS)
libtandemcore_a_SOURCES = \
	core/tandem_internal.h \
	core/log.c \
	core/config.c \
	core/module_config.c \
	core/loader.c \
	core/reload.c \
	core/server.c \
	core/sd_notify.c core/sd_notify.h \
	core/metrics_internal.h \
	core/metrics.c \
	core/metrics_core.c
# What anything linking libtandemcore.a also needs.
CORE_LIBS = $(OPENSSL_LIBS) $(LIBCONFIG_LIBS) $(LIBCARES_LIBS) $(JANSSON_LIBS) $(EV_LIBS) $(LIBS)

include $(srcdir)/core/sip/local.mk
include $(srcdir)/core/net/local.mk
include $(srcdir)/core/dialplan/local.mk
include $(srcdir)/core/call/local.mk
include $(srcdir)/core/control/local.mk

sbin_PROGRAMS += tandemd
tandemd_SOURCES = core/main.c
tandemd_CPPFLAGS = $(CORE_CPPFLAGS)
tandemd_CFLAGS = $(CORE_CFLAGS)
# Modules resolve the core API against the daemon itself: keep every core
# object, used by the daemon or not, and export what include/tandem/
# declares (default visibility), tandem_* and sip_* only (tandemd.sym).
tandemd_LDFLAGS = $(AM_LDFLAGS) -Wl,--export-dynamic,--version-script=$(srcdir)/core/tandemd.sym \
	-Wl,--whole-archive,libtandemcore.a,--no-whole-archive
tandemd_LDADD = $(CORE_LIBS)
tandemd_DEPENDENCIES = libtandemcore.a $(srcdir)/core/tandemd.sym
EXTRA_DIST += core/tandemd.sym
