# Transports: addresses, UDP, TCP and TLS connections (RFC 3261 §18, RFC 3581, RFC 5626).
libtandemcore_a_SOURCES += \
	core/net/transport_internal.h \
	core/net/transport.c \
	core/net/transport_udp.c \
	core/net/transport_stream.c \
	core/net/tls.c \
	core/net/netaddr.c
# Locating SIP servers (RFC 3263): c-ares on the loop (dns.c), the pure
# rules of RFC 3263 §4 and RFC 2782 (dns_order.c, unit-tested).
libtandemcore_a_SOURCES += \
	core/net/dns.c \
	core/net/dns_order.c \
	core/net/dns_order.h
