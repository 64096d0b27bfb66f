/* tandem — the pure rules of SIP server location (core/net/dns_order.h):
 * RFC 3263 §4's choice of lookups, §4.1's NAPTR records, RFC 2782's SRV
 * order with an injected random source. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "net/dns_order.h"
#include "unit.h"

static struct sip_locate_req req(const char *host, uint16_t port, int proto, bool sips)
{
	struct sip_locate_req r = { .host = sip_str_c(host), .port = port, .sips = sips };
	if (proto >= 0) {
		r.proto_given = true;
		r.proto = (enum sip_proto)proto;
	}
	return r;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void test_plan_numeric(void)
{
	struct dns_plan p;
	struct sip_locate_req r = req("192.0.2.7", 0, -1, false);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_NUMERIC);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(p.addr.ss_family, AF_INET);
	CU_ASSERT_EQUAL(port_of(&p.addr), 5060);
	CU_ASSERT_STRING_EQUAL(p.host, "192.0.2.7");

	/* RFC 3263 §4.1: TCP under TLS for a SIPS URI, its default 5061 */
	r = req("[2001:db8::1]", 0, -1, true);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_NUMERIC);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_TLS);
	CU_ASSERT_EQUAL(p.addr.ss_family, AF_INET6);
	CU_ASSERT_EQUAL(port_of(&p.addr), 5061);
	CU_ASSERT_STRING_EQUAL(p.host, "2001:db8::1");

	/* bare IPv6, a port and a transport given */
	r = req("::1", 5070, SIP_PROTO_TCP, false);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_NUMERIC);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(port_of(&p.addr), 5070);
	struct sip_target t;
	dns_plan_target(&p, &t);
	CU_ASSERT_EQUAL(t.proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(t.addr_len, sizeof(struct sockaddr_in6));
	CU_ASSERT_STRING_EQUAL(t.host, "::1");
}

static void test_plan_names(void)
{
	struct dns_plan p;
	/* §4.2: a port given: A/AAAA only, UDP for sip: */
	struct sip_locate_req r = req("sip.example.test", 5080, -1, false);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_ADDR);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(p.port, 5080);
	/* ... TLS for sips: */
	r = req("sip.example.test", 5081, -1, true);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_ADDR);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_TLS);
	/* a port wins over a transport: still no SRV */
	r = req("sip.example.test", 5090, SIP_PROTO_TCP, false);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_ADDR);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_TCP);
	/* §4.1: a transport and no port: its SRV */
	r = req("example.test", 0, SIP_PROTO_TCP, false);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_SRV);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(p.port, 5060);
	/* neither: NAPTR, with UDP (TLS for sips) for an A fallback */
	r = req("Example.test.", 0, -1, false);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_NAPTR);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_UDP);
	CU_ASSERT_STRING_EQUAL(p.host, "Example.test");   /* the absolute dot dropped */
	r = req("example.test", 0, -1, true);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_NAPTR);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_TLS);
	CU_ASSERT_TRUE(p.sips);
	/* sips with transport=tcp: TLS over it */
	r = req("example.test", 0, SIP_PROTO_TCP, true);
	CU_ASSERT_EQUAL_FATAL(dns_plan_make(&r, &p), 0);
	CU_ASSERT_EQUAL(p.kind, DNS_PLAN_SRV);
	CU_ASSERT_EQUAL(p.proto, SIP_PROTO_TLS);
	CU_ASSERT_EQUAL(p.port, 5061);
}

static void test_plan_invalid(void)
{
	struct dns_plan p;
	const char *bad[] = { "", "   ", "[192.0.2.1]", "[example.test]", "[::1", "a..b",
	                      ".example.test", "exa mple.test", "ex@mple", "sip:example.test",
	                      "example.test:5060" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sip_locate_req r = req(bad[i], 0, -1, false);
		if (dns_plan_make(&r, &p) != -EINVAL)
			printf("\n  accepted bad host '%s'\n", bad[i]);
		CU_ASSERT_EQUAL(dns_plan_make(&r, &p), -EINVAL);
	}
	char longlabel[80];
	memset(longlabel, 'a', 64);
	snprintf(longlabel + 64, sizeof longlabel - 64, ".test");
	struct sip_locate_req r = req(longlabel, 0, -1, false);
	CU_ASSERT_EQUAL(dns_plan_make(&r, &p), -EINVAL);
	/* a SIPS URI is never sent over UDP (RFC 3261 §26.2.2) */
	r = req("example.test", 0, SIP_PROTO_UDP, true);
	CU_ASSERT_EQUAL(dns_plan_make(&r, &p), -EINVAL);
	r = req("_sip-1.example.test", 0, -1, false);
	CU_ASSERT_EQUAL(dns_plan_make(&r, &p), 0);
}

static void test_srv_names(void)
{
	char n[64];
	CU_ASSERT_EQUAL(dns_srv_name(SIP_PROTO_UDP, "example.test", n, sizeof n), 0);
	CU_ASSERT_STRING_EQUAL(n, "_sip._udp.example.test");
	CU_ASSERT_EQUAL(dns_srv_name(SIP_PROTO_TCP, "example.test", n, sizeof n), 0);
	CU_ASSERT_STRING_EQUAL(n, "_sip._tcp.example.test");
	CU_ASSERT_EQUAL(dns_srv_name(SIP_PROTO_TLS, "example.test", n, sizeof n), 0);
	CU_ASSERT_STRING_EQUAL(n, "_sips._tcp.example.test");
	CU_ASSERT_EQUAL(dns_srv_name(SIP_PROTO_TLS, "example.test", n, 12), -ENAMETOOLONG);
	enum sip_proto f[2];
	CU_ASSERT_EQUAL(dns_srv_fallback(false, f), 2);
	CU_ASSERT_EQUAL(f[0], SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(f[1], SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(dns_srv_fallback(true, f), 1);
	CU_ASSERT_EQUAL(f[0], SIP_PROTO_TLS);
}

/* ---- NAPTR ---- */

#define NAPTR(o, p, f, s, r) { .order = o, .preference = p, .flags = f, .service = s, \
	.regexp = "", .replacement = r }

static void test_naptr_order(void)
{
	const struct dns_naptr in[] = {
		NAPTR(20, 10, "s", "SIP+D2U", "_sip._udp.example.test"),
		NAPTR(10, 50, "s", "SIP+D2T", "_sip._tcp.example.test"),
		NAPTR(10, 20, "S", "sips+d2t", "_sips._tcp.example.test"),   /* case-blind */
		NAPTR(20, 10, "s", "SIP+D2T", "_sip._tcp.b.example.test"),   /* ties keep order */
	};
	struct dns_naptr_pick out[8];
	size_t n = dns_naptr_select(in, 4, false, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(out[0].srv, "_sips._tcp.example.test");
	CU_ASSERT_EQUAL(out[0].proto, SIP_PROTO_TLS);
	CU_ASSERT_STRING_EQUAL(out[1].srv, "_sip._tcp.example.test");
	CU_ASSERT_EQUAL(out[1].proto, SIP_PROTO_TCP);
	CU_ASSERT_STRING_EQUAL(out[2].srv, "_sip._udp.example.test");
	CU_ASSERT_EQUAL(out[2].proto, SIP_PROTO_UDP);
	CU_ASSERT_STRING_EQUAL(out[3].srv, "_sip._tcp.b.example.test");
	/* max is respected, the best kept */
	n = dns_naptr_select(in, 4, false, out, 2);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(out[1].srv, "_sip._tcp.example.test");
}

static void test_naptr_sips(void)
{
	const struct dns_naptr in[] = {
		NAPTR(10, 10, "s", "SIP+D2U", "_sip._udp.example.test"),
		NAPTR(10, 20, "s", "SIP+D2T", "_sip._tcp.example.test"),
		NAPTR(30, 10, "s", "SIPS+D2T", "_sips._tcp.example.test"),
	};
	struct dns_naptr_pick out[8];
	/* §4.1: for a SIPS URI only SIPS+D2T, whatever its order */
	size_t n = dns_naptr_select(in, 3, true, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(out[0].srv, "_sips._tcp.example.test");
	CU_ASSERT_EQUAL(out[0].proto, SIP_PROTO_TLS);
	/* without it, nothing */
	CU_ASSERT_EQUAL(dns_naptr_select(in, 2, true, out, 8), 0);
}

static void test_naptr_skipped(void)
{
	struct dns_naptr in[] = {
		NAPTR(1, 1, "s", "SIP+D2S", "_sip._sctp.example.test"),    /* SCTP */
		NAPTR(1, 2, "s", "SIPS+D2S", "_sips._sctp.example.test"),
		NAPTR(1, 3, "u", "E2U+sip", "!^.*$!sip:info@example.test!"),
		NAPTR(1, 4, "a", "SIP+D2U", "sip.example.test"),            /* not an SRV */
		NAPTR(1, 5, "", "SIP+D2U", "_sip._udp.example.test"),
		NAPTR(1, 6, "s", "SIP+D2U", "."),
		NAPTR(1, 7, "s", "SIP+D2UX", "_sip._udp.example.test"),
		NAPTR(1, 8, "s", "SIP+D2T", "_sip._tcp.example.test"),
		NAPTR(1, 9, "s", "SIP+D2U", "_sip._udp.example.test"),
	};
	in[8].regexp = "!^.*$!_sip._udp.example.test!";   /* "s" takes no regexp */
	struct dns_naptr_pick out[8];
	size_t n = dns_naptr_select(in, 9, false, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(out[0].srv, "_sip._tcp.example.test");
	CU_ASSERT_EQUAL(out[0].proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(dns_naptr_select(in, 7, false, out, 8), 0);
}

/* ---- SRV ---- */

/* Injected random sources: a fixed draw (clamped to the bound), and a
 * seeded xorshift for distributions. */
static uint32_t fixed_draw(void *arg, uint32_t bound)
{
	uint32_t v = *(uint32_t *)arg;
	return v < bound ? v : bound - 1;
}

static uint32_t xorshift(void *arg, uint32_t bound)
{
	uint64_t *s = arg;
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s % bound);
}

#define SRV(p, w, pt, t) { .priority = p, .weight = w, .port = pt, .target = t }

static void test_srv_priority(void)
{
	struct dns_srv v[] = {
		SRV(20, 0, 5060, "c"), SRV(10, 0, 5060, "a"), SRV(30, 0, 5060, "d"),
		SRV(10, 0, 5062, "b"), SRV(20, 0, 5060, "."),
	};
	uint32_t draw = 0;
	size_t n = dns_srv_order(v, 5, fixed_draw, &draw);
	CU_ASSERT_EQUAL_FATAL(n, 4);   /* "." is no target */
	CU_ASSERT_STRING_EQUAL(v[0].target, "a");
	CU_ASSERT_STRING_EQUAL(v[1].target, "b");
	CU_ASSERT_EQUAL(v[1].port, 5062);
	CU_ASSERT_STRING_EQUAL(v[2].target, "c");
	CU_ASSERT_STRING_EQUAL(v[3].target, "d");
	/* a lone "." : the service is not offered */
	struct dns_srv none[] = { SRV(0, 0, 0, ".") };
	CU_ASSERT_EQUAL(dns_srv_order(none, 1, fixed_draw, &draw), 0);
	/* whatever the draws, priority comes first */
	uint64_t seed = 42;
	for (int round = 0; round < 200; round++) {
		struct dns_srv w[] = {
			SRV(2, 50, 1, "p2a"), SRV(1, 10, 1, "p1a"), SRV(2, 50, 1, "p2b"),
			SRV(1, 90, 1, "p1b"), SRV(3, 0, 1, "p3"),
		};
		CU_ASSERT_EQUAL_FATAL(dns_srv_order(w, 5, xorshift, &seed), 5);
		CU_ASSERT_EQUAL(w[0].priority, 1);
		CU_ASSERT_EQUAL(w[1].priority, 1);
		CU_ASSERT_EQUAL(w[2].priority, 2);
		CU_ASSERT_EQUAL(w[3].priority, 2);
		CU_ASSERT_STRING_EQUAL(w[4].target, "p3");
	}
}

static void test_srv_weight_zero(void)
{
	/* all weights 0: the sum is 0, every draw 0, the given order stays */
	struct dns_srv v[] = { SRV(1, 0, 1, "x"), SRV(1, 0, 1, "y"), SRV(1, 0, 1, "z") };
	uint64_t seed = 7;
	dns_srv_order(v, 3, xorshift, &seed);
	CU_ASSERT_STRING_EQUAL(v[0].target, "x");
	CU_ASSERT_STRING_EQUAL(v[1].target, "y");
	CU_ASSERT_STRING_EQUAL(v[2].target, "z");
	/* RFC 2782: weight 0 records go first in the running sum, so a draw
	 * of 0 picks one even when it was listed last... */
	struct dns_srv a[] = { SRV(1, 5, 1, "heavy"), SRV(1, 0, 1, "zero") };
	uint32_t draw = 0;
	dns_srv_order(a, 2, fixed_draw, &draw);
	CU_ASSERT_STRING_EQUAL(a[0].target, "zero");
	CU_ASSERT_STRING_EQUAL(a[1].target, "heavy");
	/* ... and any other draw picks the weighted one */
	struct dns_srv b[] = { SRV(1, 0, 1, "zero"), SRV(1, 5, 1, "heavy") };
	draw = 1;
	dns_srv_order(b, 2, fixed_draw, &draw);
	CU_ASSERT_STRING_EQUAL(b[0].target, "heavy");
	CU_ASSERT_STRING_EQUAL(b[1].target, "zero");
	/* the draw is in [0, sum]: a weight-0 record is picked first about
	 * once in sum + 1 */
	int zero_first = 0;
	const int rounds = 20000;
	for (int i = 0; i < rounds; i++) {
		struct dns_srv c[] = { SRV(1, 9, 1, "nine"), SRV(1, 0, 1, "zero") };
		dns_srv_order(c, 2, xorshift, &seed);
		zero_first += strcmp(c[0].target, "zero") == 0;
	}
	CU_ASSERT(zero_first > rounds / 10 * 8 / 10 && zero_first < rounds / 10 * 12 / 10);
	/* weights 0 and 1: draws 0 and 1, each record first half the time
	 * (a draw over [0, sum) would always pick the weight-0 one) */
	zero_first = 0;
	for (int i = 0; i < rounds; i++) {
		struct dns_srv c[] = { SRV(1, 1, 1, "one"), SRV(1, 0, 1, "zero") };
		dns_srv_order(c, 2, xorshift, &seed);
		zero_first += strcmp(c[0].target, "zero") == 0;
	}
	CU_ASSERT(zero_first > rounds * 45 / 100 && zero_first < rounds * 55 / 100);
}

static void test_srv_weights(void)
{
	/* weights 10, 30, 60 (sum 100, draws 0..100): the first pick is the
	 * 10 one for draws 0..10 (11/101), the 30 one for 11..40, the 60 one
	 * for 41..100 */
	int first[3] = { 0 }, second_of_10[3] = { 0 };
	const int rounds = 60000;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < rounds; i++) {
		struct dns_srv v[] = { SRV(5, 10, 0, "a"), SRV(5, 30, 1, "b"), SRV(5, 60, 2, "c") };
		CU_ASSERT_EQUAL_FATAL(dns_srv_order(v, 3, xorshift, &seed), 3);
		first[v[0].port]++;
		if (v[0].port == 0)
			second_of_10[v[1].port]++;
		/* every record exactly once */
		CU_ASSERT_EQUAL(v[0].port + v[1].port + v[2].port, 3);
		CU_ASSERT(v[0].port != v[1].port);
	}
	double share[3];
	for (int k = 0; k < 3; k++)
		share[k] = (double)first[k] / rounds;
	CU_ASSERT(share[0] > 11. / 101 - 0.015 && share[0] < 11. / 101 + 0.015);
	CU_ASSERT(share[1] > 30. / 101 - 0.015 && share[1] < 30. / 101 + 0.015);
	CU_ASSERT(share[2] > 60. / 101 - 0.015 && share[2] < 60. / 101 + 0.015);
	/* after "a", the draw is over b and c alone: 31/91 for b */
	int after_a = second_of_10[1] + second_of_10[2];
	CU_ASSERT_FATAL(after_a > 0);
	double b_share = (double)second_of_10[1] / after_a;
	CU_ASSERT(b_share > 31. / 91 - 0.04 && b_share < 31. / 91 + 0.04);
}

static CU_TestInfo plan_tests[] = {
	{ "numeric hosts", test_plan_numeric },
	{ "names: port, transport, neither", test_plan_names },
	{ "invalid hosts", test_plan_invalid },
	{ "SRV names and fallback transports", test_srv_names },
	CU_TEST_INFO_NULL,
};
static CU_TestInfo naptr_tests[] = {
	{ "order then preference", test_naptr_order },
	{ "sips: SIPS+D2T only", test_naptr_sips },
	{ "unsupported services and flags skipped", test_naptr_skipped },
	CU_TEST_INFO_NULL,
};
static CU_TestInfo srv_tests[] = {
	{ "priority order", test_srv_priority },
	{ "weight 0", test_srv_weight_zero },
	{ "weights over many draws", test_srv_weights },
	CU_TEST_INFO_NULL,
};
CU_SuiteInfo unit_suites[] = {
	{ .pName = "plan", .pTests = plan_tests },
	{ .pName = "naptr", .pTests = naptr_tests },
	{ .pName = "srv", .pTests = srv_tests },
	CU_SUITE_INFO_NULL,
};
