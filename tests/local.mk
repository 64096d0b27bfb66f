# Unit tests (CUnit) link the core objects; SIP tests are scripts driving
# tandemd with real peers (SIPp, sipsak) over loopback.
# Each unit test program is one test file plus the one CUnit main
# (tests/unit/runner.c, from a library so no test lists it; unit.h).
check_LIBRARIES = tests/unit/libunitrunner.a
tests_unit_libunitrunner_a_SOURCES = tests/unit/runner.c tests/unit/unit.h
tests_unit_libunitrunner_a_CFLAGS = $(TANDEM_UNIT_CFLAGS)
TANDEM_UNIT_LIBS = tests/unit/libunitrunner.a libtandemcore.a $(CUNIT_LIBS) $(CORE_LIBS)
# Unit tests call the core's internal functions: they see core/ as the core
# does (-I here, since each test already has its own _CFLAGS).
TANDEM_UNIT_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) -I$(top_srcdir)/core

AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir;

# Transaction layer (RFC 3261 §17): real sockets on 127.0.0.1, T1 = 20 ms.
check_PROGRAMS += tests/unit/test_transaction
TESTS += tests/unit/test_transaction
tests_unit_test_transaction_SOURCES = tests/unit/test_transaction.c
tests_unit_test_transaction_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_transaction_LDADD = $(TANDEM_UNIT_LIBS)

# Digest (core/sip/digest.c, client and server side) and mod_auth's users file
check_PROGRAMS += tests/unit/test_digest
TESTS += tests/unit/test_digest
tests_unit_test_digest_SOURCES = tests/unit/test_digest.c \
	modules/auth/users.c modules/auth/users.h
tests_unit_test_digest_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_digest_LDADD = $(TANDEM_UNIT_LIBS)

# mod_auth: failure counting, bans and whitelist networks
check_PROGRAMS += tests/unit/test_ban
TESTS += tests/unit/test_ban
tests_unit_test_ban_SOURCES = tests/unit/test_ban.c modules/auth/ban.c modules/auth/ban.h
tests_unit_test_ban_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_ban_LDADD = $(TANDEM_UNIT_LIBS)

check_PROGRAMS += tests/unit/test_dialplan
TESTS += tests/unit/test_dialplan
tests_unit_test_dialplan_SOURCES = tests/unit/test_dialplan.c
tests_unit_test_dialplan_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_dialplan_LDADD = $(TANDEM_UNIT_LIBS)

# Transports (RFC 3261 §18, RFC 3581, RFC 5626): UDP/TCP/TLS on 127.0.0.1 and ::1
check_PROGRAMS += tests/unit/test_transport
TESTS += tests/unit/test_transport
tests_unit_test_transport_SOURCES = tests/unit/test_transport.c
tests_unit_test_transport_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_transport_LDADD = $(TANDEM_UNIT_LIBS)

# mod_registrar: location service rules (RFC 3261 §10.3) and snapshot file
check_PROGRAMS += tests/unit/test_location
TESTS += tests/unit/test_location
tests_unit_test_location_SOURCES = tests/unit/test_location.c modules/registrar/location.c \
	modules/registrar/location.h
tests_unit_test_location_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_location_LDADD = $(TANDEM_UNIT_LIBS)

# mod_voicemail: the spool on real files (WAV and metadata, numbering,
# save/delete, crash leftovers, greetings)
check_PROGRAMS += tests/unit/test_vm_spool
TESTS += tests/unit/test_vm_spool
tests_unit_test_vm_spool_SOURCES = tests/unit/test_vm_spool.c modules/voicemail/spool.c \
	modules/voicemail/voicemail.h
tests_unit_test_vm_spool_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_vm_spool_LDADD = $(TANDEM_UNIT_LIBS)

# mod_voicemail: boxes from the users file, and mod_auth reading the same file
check_PROGRAMS += tests/unit/test_vm_boxes
TESTS += tests/unit/test_vm_boxes
tests_unit_test_vm_boxes_SOURCES = tests/unit/test_vm_boxes.c modules/voicemail/boxes.c \
	modules/voicemail/voicemail.h modules/auth/users.c modules/auth/users.h
tests_unit_test_vm_boxes_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_vm_boxes_LDADD = $(TANDEM_UNIT_LIBS)

# mod_queue: the line, agent states and strategies (pure: no SIP, no clock)
check_PROGRAMS += tests/unit/test_queue_line
TESTS += tests/unit/test_queue_line
tests_unit_test_queue_line_SOURCES = tests/unit/test_queue_line.c modules/queue/line.c \
	modules/queue/line.h
tests_unit_test_queue_line_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_queue_line_LDADD = $(TANDEM_UNIT_LIBS)

# mod_rtprelay: SDP parse/rewrite
check_PROGRAMS += tests/unit/test_sdp
TESTS += tests/unit/test_sdp
tests_unit_test_sdp_SOURCES = tests/unit/test_sdp.c modules/rtprelay/sdp.c modules/rtprelay/sdp.h
tests_unit_test_sdp_CFLAGS = $(TANDEM_UNIT_CFLAGS) $(SRTP_CFLAGS)
tests_unit_test_sdp_LDADD = $(TANDEM_UNIT_LIBS) $(SRTP_LIBS) -lpthread

# mod_rtprelay: ports, relay over 127.0.0.1, SRTP bridging, SDES, G.711/WAV media
check_PROGRAMS += tests/unit/test_relay
TESTS += tests/unit/test_relay
tests_unit_test_relay_SOURCES = tests/unit/test_relay.c \
	modules/rtprelay/ports.c modules/rtprelay/relay.c modules/rtprelay/srtp.c \
	modules/rtprelay/sdp.c modules/rtprelay/g711.c modules/rtprelay/wav.c modules/rtprelay/media.c \
	modules/rtprelay/answer.c
tests_unit_test_relay_CFLAGS = $(TANDEM_UNIT_CFLAGS) $(SRTP_CFLAGS)
tests_unit_test_relay_LDADD = $(TANDEM_UNIT_LIBS) $(SRTP_LIBS) -lpthread

# mod_rtprelay: an endpoint as the far end: SDP answer/offer (RFC 3264),
# symmetric RTP (RFC 4961) on 127.0.0.1
check_PROGRAMS += tests/unit/test_media_answer
TESTS += tests/unit/test_media_answer
tests_unit_test_media_answer_SOURCES = tests/unit/test_media_answer.c \
	modules/rtprelay/answer.c modules/rtprelay/sdp.c modules/rtprelay/media.c \
	modules/rtprelay/ports.c modules/rtprelay/g711.c
tests_unit_test_media_answer_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_media_answer_LDADD = $(TANDEM_UNIT_LIBS) -lpthread

# mod_rtprelay: the player (pace, play queue, loop music, audio and digits
# back) on an endpoint over 127.0.0.1 and a libev loop
check_PROGRAMS += tests/unit/test_player
TESTS += tests/unit/test_player
tests_unit_test_player_SOURCES = tests/unit/test_player.c \
	modules/rtprelay/player.c modules/rtprelay/answer.c modules/rtprelay/sdp.c \
	modules/rtprelay/media.c modules/rtprelay/ports.c modules/rtprelay/g711.c \
	modules/rtprelay/wav.c
tests_unit_test_player_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_player_LDADD = $(TANDEM_UNIT_LIBS) -lpthread

# mod_voicemail: the prompt set made by tools/make-prompts (espeak-ng, sox),
# loaded with mod_rtprelay's WAV reader; numbers and digits said
check_PROGRAMS += tests/unit/test_vm_prompts
TESTS += tests/unit/test_vm_prompts
tests_unit_test_vm_prompts_SOURCES = tests/unit/test_vm_prompts.c \
	modules/voicemail/prompts.c modules/voicemail/voicemail.h \
	modules/rtprelay/wav.c modules/rtprelay/wav.h
tests_unit_test_vm_prompts_CFLAGS = $(TANDEM_UNIT_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_vm_prompts_LDADD = $(TANDEM_UNIT_LIBS)
EXTRA_DIST += tools/make-prompts

# mod_rtprelay end to end: Python caller/callee (RTP counts, hold, latching,
# late offer, media timeout) and baresip SRTP <-> plain RTP
RTPRELAY_TESTS = tests/sip/test_rtprelay.sh tests/sip/test_rtprelay_timeout.sh \
	tests/sip/test_rtprelay_srtp.sh
TESTS += $(RTPRELAY_TESTS)
EXTRA_DIST += $(RTPRELAY_TESTS) tests/sip/rtprelay_lib.sh tests/sip/rtp_peers.py \
	tests/sip/baresip_lib.sh

# SIP message layer (parser, URIs, writer)
check_PROGRAMS += tests/unit/test_sip_parser tests/unit/test_sip_uri
TESTS += tests/unit/test_sip_parser tests/unit/test_sip_uri
tests_unit_test_sip_parser_SOURCES = tests/unit/test_sip_parser.c
tests_unit_test_sip_parser_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_sip_parser_LDADD = $(TANDEM_UNIT_LIBS)
tests_unit_test_sip_uri_SOURCES = tests/unit/test_sip_uri.c
tests_unit_test_sip_uri_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_sip_uri_LDADD = $(TANDEM_UNIT_LIBS)

# REGISTER end to end: mod_auth + mod_registrar under SIPp and a Python digest client
TESTS += tests/sip/test_register.sh
EXTRA_DIST += tests/sip/test_register.sh tests/sip/test_register.py \
	tests/sip/scenarios/register_auth.xml

# The location service with phones on UDP, TCP and TLS sockets
TESTS += tests/sip/test_registrar.sh
EXTRA_DIST += tests/sip/test_registrar.sh tests/sip/test_registrar.py

# ${auth_user} and the user's own dialplan context after the auth action
TESTS += tests/sip/test_auth_context.sh
EXTRA_DIST += tests/sip/test_auth_context.sh tests/sip/test_auth_context.py

# Attack tools (sipvicious): svwar finds no extension, svcrack gets banned
TESTS += tests/sip/test_sipvicious.sh
EXTRA_DIST += tests/sip/test_sipvicious.sh tests/sip/test_auth_invite.py

# Two baresip phones register and call each other through the location service
TESTS += tests/sip/test_baresip.sh
EXTRA_DIST += tests/sip/test_baresip.sh tests/sip/baresip_ctrl.py

# mod_voicemail: the MWI body (RFC 3842 §5.2) and where an unsolicited NOTIFY goes
check_PROGRAMS += tests/unit/test_vm_mwi
TESTS += tests/unit/test_vm_mwi
tests_unit_test_vm_mwi_SOURCES = tests/unit/test_vm_mwi.c modules/voicemail/mwi_text.c \
	modules/voicemail/voicemail.h
tests_unit_test_vm_mwi_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_vm_mwi_LDADD = $(TANDEM_UNIT_LIBS)

# mod_voicemail: the notify command (posix_spawn, its environment, reaped by the loop)
check_PROGRAMS += tests/unit/test_vm_notify
TESTS += tests/unit/test_vm_notify
tests_unit_test_vm_notify_SOURCES = tests/unit/test_vm_notify.c modules/voicemail/notify.c \
	modules/voicemail/voicemail.h
tests_unit_test_vm_notify_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_vm_notify_LDADD = $(TANDEM_UNIT_LIBS)

# RFC 3263 server location, the pure part (core/net/dns_order.c): what a
# host asks for, NAPTR selection, RFC 2782 SRV order with injected draws
check_PROGRAMS += tests/unit/test_dns_order
TESTS += tests/unit/test_dns_order
tests_unit_test_dns_order_SOURCES = tests/unit/test_dns_order.c
tests_unit_test_dns_order_CFLAGS = $(TANDEM_UNIT_CFLAGS)
tests_unit_test_dns_order_LDADD = $(TANDEM_UNIT_LIBS)
