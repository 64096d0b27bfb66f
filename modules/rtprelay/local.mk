# mod_rtprelay: RTP/SRTP relay, SDP rewriting, media endpoints (issue 5)
pkglib_LTLIBRARIES += mod_rtprelay.la
mod_rtprelay_la_SOURCES = modules/rtprelay/mod_rtprelay.c \
	modules/rtprelay/callmedia.c modules/rtprelay/callmedia.h \
	modules/rtprelay/sdp.c modules/rtprelay/sdp.h \
	modules/rtprelay/ports.c modules/rtprelay/ports.h \
	modules/rtprelay/relay.c modules/rtprelay/relay.h \
	modules/rtprelay/srtp.c modules/rtprelay/srtp.h \
	modules/rtprelay/g711.c modules/rtprelay/g711.h \
	modules/rtprelay/wav.c modules/rtprelay/wav.h \
	modules/rtprelay/media.c modules/rtprelay/media.h \
	modules/rtprelay/farend.c modules/rtprelay/farend.h \
	modules/rtprelay/answer.c modules/rtprelay/answer.h \
	modules/rtprelay/player.c modules/rtprelay/player.h \
	modules/rtprelay/control.c \
	modules/rtprelay/metrics.c modules/rtprelay/rp_metrics.h
mod_rtprelay_la_LDFLAGS = $(MODULE_LDFLAGS)
mod_rtprelay_la_LIBADD = $(SRTP_LIBS) $(JANSSON_LIBS) -lpthread
mod_rtprelay_la_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
