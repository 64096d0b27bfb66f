# The SIP message layer: strings, parser, URIs, writer, transactions (RFC 3261 §7, §17, §19, §20).
libtandemcore_a_SOURCES += \
	core/sip/str.c \
	core/sip/sip_hdr.c \
	core/sip/sip_msg.c \
	core/sip/sip_uri.c \
	core/sip/sip_writer.c \
	core/sip/transaction.c \
	core/sip/digest.c
