# The core: a convenience library (so unit tests link the same objects) and tandemd.
noinst_LIBRARIES = libtandemcore.a
libtandemcore_a_SOURCES = \
	core/str.c \
	core/sip_hdr.c \
	core/sip_msg.c \
	core/sip_uri.c \
	core/sip_writer.c \
	core/transport.c \
	core/transport_udp.c \
	core/transport_stream.c \
	core/tls.c \
	core/transport_internal.h \
	core/transaction.c \
	core/log.c \
	core/config.c \
	core/loader.c \
	core/module_config.c \
	core/server.c \
	core/call.c \
	core/call.h \
	core/tandem_internal.h
# What anything linking libtandemcore.a also needs.
CORE_LIBS = $(OPENSSL_LIBS) $(LIBCONFIG_LIBS) $(EV_LIBS) $(LIBS)

sbin_PROGRAMS += tandemd
tandemd_SOURCES = core/main.c
# Modules resolve the core API against the daemon itself: export every
# symbol and keep every core object, used by the daemon or not.
tandemd_LDFLAGS = $(AM_LDFLAGS) -export-dynamic -Wl,--whole-archive,libtandemcore.a,--no-whole-archive
tandemd_LDADD = $(CORE_LIBS)
tandemd_DEPENDENCIES = libtandemcore.a
# The dialplan engine (pure: libconfig rules -> matched, expanded actions).
libtandemcore_a_SOURCES += \
	core/dialplan.c \
	core/dialplan_parse.c \
	core/dialplan_vars.c \
	core/dialplan_exec.c \
	core/dialplan.h \
	core/dialplan_internal.h
# The B2BUA call core: dialogs, calls and legs, MESSAGE relaying.
libtandemcore_a_SOURCES += \
	core/dialog.c \
	core/dialog.h \
	core/call_internal.h \
	core/call_media.c \
	core/call_message.c \
	core/route_action.c \
	core/call_transfer.c
