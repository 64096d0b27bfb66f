# The core: a convenience library (so unit tests link the same objects) and
# tandemd. One fragment per subsystem folder.
noinst_LIBRARIES = libtandemcore.a
libtandemcore_a_SOURCES = \
	core/tandem_internal.h \
	core/log.c \
	core/config.c \
	core/module_config.c \
	core/loader.c \
	core/server.c
# What anything linking libtandemcore.a also needs.
CORE_LIBS = $(OPENSSL_LIBS) $(LIBCONFIG_LIBS) $(EV_LIBS) $(LIBS)

include $(srcdir)/core/sip/local.mk
include $(srcdir)/core/net/local.mk
include $(srcdir)/core/dialplan/local.mk
include $(srcdir)/core/call/local.mk

sbin_PROGRAMS += tandemd
tandemd_SOURCES = core/main.c
# Modules resolve the core API against the daemon itself: export every
# symbol and keep every core object, used by the daemon or not.
tandemd_LDFLAGS = $(AM_LDFLAGS) -export-dynamic -Wl,--whole-archive,libtandemcore.a,--no-whole-archive
tandemd_LDADD = $(CORE_LIBS)
tandemd_DEPENDENCIES = libtandemcore.a
