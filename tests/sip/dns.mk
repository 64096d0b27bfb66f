# RFC 3263 server location (core/net/dns.c) against a real DNS server:
# dnsmasq on 127.0.0.1 serving NAPTR, SRV and A/AAAA records, a socket
# that swallows queries, cancels. tests/sip/dns_locate drives sip_locate
# on a libev loop, linked with the core.
check_PROGRAMS += tests/sip/dns_locate
tests_sip_dns_locate_SOURCES = tests/sip/dns_locate.c
tests_sip_dns_locate_LDADD = libtandemcore.a $(CORE_LIBS)
DNS_TESTS = tests/sip/test_dns_locate.sh
TESTS += $(DNS_TESTS)
EXTRA_DIST += $(DNS_TESTS)
