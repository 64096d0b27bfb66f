# mod_voicemail: deposit on busy / no answer, MWI (RFC 3842), retrieval (issue 10)
pkglib_LTLIBRARIES += mod_voicemail.la
mod_voicemail_la_SOURCES = modules/voicemail/mod_voicemail.c modules/voicemail/voicemail.h \
	modules/voicemail/boxes.c modules/voicemail/spool.c modules/voicemail/prompts.c \
	modules/voicemail/session.c modules/voicemail/recorder.c modules/voicemail/deposit.c modules/voicemail/takeover.c modules/voicemail/retrieve.c \
	modules/voicemail/mwi.c modules/voicemail/mwi_text.c modules/voicemail/notify.c \
	modules/voicemail/control.c
mod_voicemail_la_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
mod_voicemail_la_LDFLAGS = $(MODULE_LDFLAGS)
mod_voicemail_la_LIBADD = $(LIBCONFIG_LIBS) $(OPENSSL_LIBS) $(JANSSON_LIBS)
