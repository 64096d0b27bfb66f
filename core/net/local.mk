# Transports: addresses, UDP, TCP and TLS connections (RFC 3261 §18, RFC 3581, RFC 5626).
libtandemcore_a_SOURCES += \
	core/net/transport_internal.h \
	core/net/transport.c \
	core/net/transport_udp.c \
	core/net/transport_stream.c \
	core/net/tls.c \
	core/net/netaddr.c \
	core/net/dns.c
