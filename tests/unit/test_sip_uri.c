/* Unit tests: URIs (RFC 3261 §19, RFC 3966), comparison (§19.1.4),
 * name-addr, parameters, lists, header/method/reason tables, strings. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include <tandem/sip_msg.h>
#include <tandem/sip_uri.h>
#include <tandem/sip_writer.h>

#define SEQ(sl, lit) CU_ASSERT_TRUE(sip_str_eq((sl), SIP_STR_LIT(lit)))

static int U(const char *s, struct sip_uri *u)
{
	return sip_uri_parse(sip_str_c(s), u);
}

static void test_sip_uris(void)
{
	struct sip_uri u;

	CU_ASSERT_EQUAL_FATAL(U("sip:alice:secretword@atlanta.com;transport=tcp?subject=x&priority=urgent", &u), 0);
	CU_ASSERT_EQUAL(u.scheme, SIP_URI_SIP);
	SEQ(u.user, "alice");
	SEQ(u.password, "secretword");
	SEQ(u.host, "atlanta.com");
	CU_ASSERT_EQUAL(u.port, 0);
	SEQ(u.params, ";transport=tcp");
	SEQ(u.headers, "subject=x&priority=urgent");
	CU_ASSERT_EQUAL_FATAL(U("SIPS:+1-212-555-1212:1234@gateway.com;user=phone", &u), 0);
	CU_ASSERT_EQUAL(u.scheme, SIP_URI_SIPS);
	SEQ(u.user, "+1-212-555-1212");
	SEQ(u.password, "1234");
	CU_ASSERT_EQUAL_FATAL(U("sip:192.0.2.4:5061", &u), 0);
	CU_ASSERT_EQUAL(u.user.len, 0);
	CU_ASSERT_PTR_NULL(u.user.p);
	SEQ(u.host, "192.0.2.4");
	CU_ASSERT_EQUAL(u.port, 5061);
	CU_ASSERT_EQUAL_FATAL(U("sip:alice@[2001:db8::10]:5070;maddr=239.255.255.1;ttl=15", &u), 0);
	CU_ASSERT_TRUE(u.host_ipv6);
	SEQ(u.host, "2001:db8::10");
	CU_ASSERT_EQUAL(u.port, 5070);
	CU_ASSERT_EQUAL_FATAL(U("sip:[::ffff:192.0.2.1]", &u), 0);
	SEQ(u.host, "::ffff:192.0.2.1");
	CU_ASSERT_EQUAL_FATAL(U("sip:atlanta.com.", &u), 0);
	/* malformed */
	CU_ASSERT_EQUAL(U("sip:", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:@host", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:user@", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:user@host:99999", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:user@host:", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:user@[2001:db8::1", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:user@[zz::1]", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:us er@host", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:user@ho st", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:user@host;lr ", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:us%4@host", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:us%zz@host", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:user@-host.com", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("sip:user@host..com", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("<sip:user@host>", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("nocolon", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("1sip:a@b", &u), -EINVAL);
	CU_ASSERT_EQUAL(sip_uri_parse(SIP_STR_NULL, &u), -EINVAL);
}

static void test_tel_other(void)
{
	struct sip_uri u, v;

	CU_ASSERT_EQUAL_FATAL(U("tel:+1-201-555-0123", &u), 0);
	CU_ASSERT_EQUAL(u.scheme, SIP_URI_TEL);
	SEQ(u.user, "+1-201-555-0123");
	CU_ASSERT_EQUAL_FATAL(U("tel:7042;phone-context=example.com", &u), 0);
	SEQ(u.user, "7042");
	SEQ(u.params, ";phone-context=example.com");
	CU_ASSERT_EQUAL(U("tel:", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("tel:12+34", &u), -EINVAL);
	/* RFC 3966 §4: visual separators do not count */
	CU_ASSERT_EQUAL(U("tel:+1(201)555.0123", &v), 0);
	CU_ASSERT_EQUAL(U("tel:+1-201-555-0123", &u), 0);
	CU_ASSERT_TRUE(sip_uri_equal(&u, &v));
	CU_ASSERT_EQUAL(U("tel:+1-201-555-0124", &v), 0);
	CU_ASSERT_FALSE(sip_uri_equal(&u, &v));
	/* other schemes: -EPROTONOSUPPORT, still comparable */
	CU_ASSERT_EQUAL(U("mailto:alice@example.com", &u), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(u.scheme, SIP_URI_OTHER);
	SEQ(u.scheme_str, "mailto");
	CU_ASSERT_EQUAL(U("soap.beep://192.0.2.103:3002", &u), -EPROTONOSUPPORT);
	SEQ(u.scheme_str, "soap.beep");
	CU_ASSERT_EQUAL(U("urn:service:sos", &u), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(U("URN:service:sos", &v), -EPROTONOSUPPORT);
	CU_ASSERT_TRUE(sip_uri_equal(&u, &v));
	CU_ASSERT_EQUAL(U("http://a b", &u), -EINVAL);
	CU_ASSERT_EQUAL(U("x:", &u), -EINVAL);
}

static bool eq(const char *a, const char *b)
{
	struct sip_uri ua, ub;
	int ra = U(a, &ua), rb = U(b, &ub);

	if (ra < 0 && ra != -EPROTONOSUPPORT)
		return false;
	if (rb < 0 && rb != -EPROTONOSUPPORT)
		return false;
	/* comparison is symmetric */
	CU_ASSERT_EQUAL(sip_uri_equal(&ua, &ub), sip_uri_equal(&ub, &ua));
	return sip_uri_equal(&ua, &ub);
}

/* RFC 3261 §19.1.4, the examples of the section */
static void test_compare(void)
{
	CU_ASSERT_TRUE(eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
	CU_ASSERT_TRUE(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
	CU_ASSERT_TRUE(eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
	CU_ASSERT_TRUE(eq("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
	CU_ASSERT_TRUE(eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
	                  "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
	CU_ASSERT_TRUE(eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
	                  "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));

	CU_ASSERT_FALSE(eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
	CU_ASSERT_FALSE(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
	CU_ASSERT_FALSE(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
	CU_ASSERT_FALSE(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
	CU_ASSERT_FALSE(eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
	CU_ASSERT_FALSE(eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
	/* not transitive */
	CU_ASSERT_FALSE(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
	/* more rules of the section */
	CU_ASSERT_FALSE(eq("sip:alice@atlanta.com", "sips:alice@atlanta.com"));
	CU_ASSERT_FALSE(eq("sip:alice:pw@atlanta.com", "sip:alice@atlanta.com"));
	CU_ASSERT_FALSE(eq("sip:alice:pw@atlanta.com", "sip:alice:PW@atlanta.com"));
	CU_ASSERT_FALSE(eq("sip:alice@atlanta.com;user=phone", "sip:alice@atlanta.com"));
	CU_ASSERT_FALSE(eq("sip:alice@atlanta.com;maddr=1.2.3.4", "sip:alice@atlanta.com;maddr=1.2.3.5"));
	CU_ASSERT_TRUE(eq("sip:alice@[2001:DB8::1]", "sip:alice@[2001:db8::1]"));
	CU_ASSERT_FALSE(eq("sip:alice@[2001:db8::1]", "sip:alice@2001.db8"));
	/* an escaped reserved character differs from the literal */
	CU_ASSERT_FALSE(eq("sip:a%3bb@atlanta.com", "sip:a;b@atlanta.com"));
	CU_ASSERT_TRUE(eq("sip:a%3bb@atlanta.com", "sip:a%3Bb@atlanta.com"));
	CU_ASSERT_FALSE(eq("sip:alice@atlanta.com?a=b", "sip:alice@atlanta.com?a=b&c=d"));
}

static void test_unescape(void)
{
	char buf[16];

	CU_ASSERT_EQUAL(sip_unescape(SIP_STR_LIT("%61lice%20b"), buf, sizeof(buf)), 7);
	CU_ASSERT_STRING_EQUAL(buf, "alice b");
	CU_ASSERT_EQUAL(sip_unescape(SIP_STR_LIT("a%00b"), buf, sizeof(buf)), 3);
	CU_ASSERT_EQUAL(buf[1], '\0');
	CU_ASSERT_EQUAL(sip_unescape(SIP_STR_LIT("%4"), buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_EQUAL(sip_unescape(SIP_STR_LIT("%"), buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_EQUAL(sip_unescape(SIP_STR_LIT("%g1"), buf, sizeof(buf)), -EINVAL);
	CU_ASSERT_EQUAL(sip_unescape(SIP_STR_LIT("0123456789abcdef"), buf, sizeof(buf)), -ENOSPC);
	CU_ASSERT_EQUAL(sip_unescape(SIP_STR_LIT("0123456789abcde"), buf, sizeof(buf)), 15);
	CU_ASSERT_EQUAL(sip_unescape(SIP_STR_LIT(""), buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(buf[0], '\0');
}

static void test_nameaddr(void)
{
	struct sip_nameaddr na;
	struct sip_str v;

	CU_ASSERT_EQUAL_FATAL(sip_nameaddr_parse(SIP_STR_LIT(
		"\"A. G. Bell \\\"Aleck\\\"\" <sip:agb@bell-telephone.com> ;tag=a48s ; x=\"q;r\""), &na), 0);
	SEQ(na.display, "A. G. Bell \\\"Aleck\\\"");
	SEQ(na.uri_str, "sip:agb@bell-telephone.com");
	SEQ(na.uri.user, "agb");
	CU_ASSERT_EQUAL(sip_param_get(na.params, "TAG", &v), 1);
	SEQ(v, "a48s");
	CU_ASSERT_EQUAL(sip_param_get(na.params, "x", &v), 1);
	SEQ(v, "\"q;r\"");
	CU_ASSERT_EQUAL(sip_param_get(na.params, "y", &v), 0);

	CU_ASSERT_EQUAL_FATAL(sip_nameaddr_parse(SIP_STR_LIT("Anonymous <sip:c8oqz84zk7z@privacy.org>;tag=hyh8"), &na), 0);
	SEQ(na.display, "Anonymous");
	CU_ASSERT_EQUAL_FATAL(sip_nameaddr_parse(SIP_STR_LIT("Mr  Watson <sip:watson@worcester.bell-telephone.com>"), &na), 0);
	SEQ(na.display, "Mr  Watson");
	CU_ASSERT_EQUAL_FATAL(sip_nameaddr_parse(SIP_STR_LIT("<sip:a@b.c;lr>"), &na), 0);
	CU_ASSERT_EQUAL(na.display.len, 0);
	SEQ(na.uri.params, ";lr");
	/* bare addr-spec: the parameters belong to the header */
	CU_ASSERT_EQUAL_FATAL(sip_nameaddr_parse(SIP_STR_LIT("sip:+12125551212@server.phone2net.com;tag=887s"), &na), 0);
	SEQ(na.uri_str, "sip:+12125551212@server.phone2net.com");
	SEQ(na.params, ";tag=887s");
	CU_ASSERT_EQUAL(na.uri.params.len, 0);
	/* Contact: * */
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT(" * "), &na), 0);
	CU_ASSERT_TRUE(na.wildcard);
	/* tel and unknown schemes */
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("<tel:+1-201-555-0123>;tag=1"), &na), 0);
	CU_ASSERT_EQUAL(na.uri.scheme, SIP_URI_TEL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("<urn:x:y>"), &na), -EPROTONOSUPPORT);
	SEQ(na.uri_str, "urn:x:y");
	/* malformed */
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("\"unterminated <sip:a@b>"), &na), -EINVAL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("<sip:a@b"), &na), -EINVAL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("\"x\" sip:a@b"), &na), -EINVAL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("< sip:a@b >"), &na), -EINVAL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("Bell, Alexander <sip:a@b>"), &na), -EINVAL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("sip:a@b?x=y"), &na), -EINVAL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("<sip:a@b> junk"), &na), -EINVAL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("<sip:a@b>;;"), &na), -EINVAL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT("<sip:a@b>;x=\"open"), &na), -EINVAL);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(SIP_STR_LIT(""), &na), -EINVAL);
}

static void test_params(void)
{
	struct sip_str v;

	CU_ASSERT_EQUAL(sip_param_get(SIP_STR_LIT(";lr;transport=tcp"), "lr", &v), 1);
	CU_ASSERT_EQUAL(v.len, 0);
	CU_ASSERT_EQUAL(sip_param_get(SIP_STR_LIT(";lr;transport=tcp"), "transport", &v), 1);
	SEQ(v, "tcp");
	CU_ASSERT_EQUAL(sip_param_get(SIP_STR_LIT(";lr;transport=tcp"), "trans", &v), 0);
	CU_ASSERT_EQUAL(sip_param_get(SIP_STR_LIT("a=1;b=2"), "b", &v), 1);
	SEQ(v, "2");
	CU_ASSERT_EQUAL(sip_param_get(SIP_STR_LIT(" ;\r\n  tag = 98asjd8"), "tag", &v), 1);
	SEQ(v, "98asjd8");
	CU_ASSERT_EQUAL(sip_param_get(SIP_STR_LIT(";q=\"a;b=c\";b=d"), "b", &v), 1);
	SEQ(v, "d");
	CU_ASSERT_EQUAL(sip_param_get(SIP_STR_NULL, "x", &v), 0);
	CU_ASSERT_EQUAL(sip_param_get(SIP_STR_LIT(";x"), "x", NULL), 1);
}

static void test_lists(void)
{
	struct sip_str rest = SIP_STR_LIT(
		"\"Doe, John\" <sip:j@a.com>;q=0.5 , <sip:x@b.com;a=1,2>,, sip:y@c.com ,"), it;
	unsigned n = 0;

	CU_ASSERT_TRUE(sip_list_next(&rest, &it));
	SEQ(it, "\"Doe, John\" <sip:j@a.com>;q=0.5");
	CU_ASSERT_TRUE(sip_list_next(&rest, &it));
	SEQ(it, "<sip:x@b.com;a=1,2>");
	CU_ASSERT_TRUE(sip_list_next(&rest, &it));
	SEQ(it, "sip:y@c.com");
	CU_ASSERT_FALSE(sip_list_next(&rest, &it));
	rest = SIP_STR_LIT(";;,,;;,;");
	while (sip_list_next(&rest, &it))
		n++;
	CU_ASSERT_EQUAL(n, 3); /* ";;", ";;", ";": empty items are skipped */
	rest = SIP_STR_LIT("");
	CU_ASSERT_FALSE(sip_list_next(&rest, &it));
	rest = SIP_STR_LIT("\"unterminated, x");
	CU_ASSERT_TRUE(sip_list_next(&rest, &it));
	CU_ASSERT_FALSE(sip_list_next(&rest, &it));

	CU_ASSERT_TRUE(sip_list_has_token(SIP_STR_LIT("100rel, timer,\r\n replaces"), "REPLACES"));
	CU_ASSERT_TRUE(sip_list_has_token(SIP_STR_LIT("gzip;q=1.0, identity"), "gzip"));
	CU_ASSERT_FALSE(sip_list_has_token(SIP_STR_LIT("100rel, timer"), "time"));
	CU_ASSERT_FALSE(sip_list_has_token(SIP_STR_LIT(""), "x"));
}

static void test_tables(void)
{
	static const struct { const char *n; enum sip_hdr_id id; } h[] = {
		{ "i", SIP_HDR_CALL_ID }, { "F", SIP_HDR_FROM }, { "t", SIP_HDR_TO },
		{ "v", SIP_HDR_VIA }, { "m", SIP_HDR_CONTACT }, { "l", SIP_HDR_CONTENT_LENGTH },
		{ "c", SIP_HDR_CONTENT_TYPE }, { "e", SIP_HDR_CONTENT_ENCODING },
		{ "k", SIP_HDR_SUPPORTED }, { "s", SIP_HDR_SUBJECT }, { "o", SIP_HDR_EVENT },
		{ "u", SIP_HDR_ALLOW_EVENTS }, { "r", SIP_HDR_REFER_TO }, { "b", SIP_HDR_REFERRED_BY },
		{ "x", SIP_HDR_SESSION_EXPIRES }, { "y", SIP_HDR_IDENTITY },
		{ "a", SIP_HDR_ACCEPT_CONTACT }, { "j", SIP_HDR_REJECT_CONTACT },
		{ "d", SIP_HDR_REQUEST_DISPOSITION }, { "g", SIP_HDR_OTHER }, { "1", SIP_HDR_OTHER },
		{ "CALL-ID", SIP_HDR_CALL_ID }, { "call-id", SIP_HDR_CALL_ID },
		{ "cseq", SIP_HDR_CSEQ }, { "WWW-Authenticate", SIP_HDR_WWW_AUTHENTICATE },
		{ "max-forwards", SIP_HDR_MAX_FORWARDS }, { "Content-Length", SIP_HDR_CONTENT_LENGTH },
		{ "Content-Lengt", SIP_HDR_OTHER }, { "Content-Lengthx", SIP_HDR_OTHER },
		{ "X-Foo", SIP_HDR_OTHER }, { "Via-", SIP_HDR_OTHER }, { "", SIP_HDR_OTHER },
		{ "Proxy-Authorization", SIP_HDR_PROXY_AUTHORIZATION },
		{ "Request-Disposition", SIP_HDR_REQUEST_DISPOSITION },
		{ "Subscription-State", SIP_HDR_SUBSCRIPTION_STATE }, { "rack", SIP_HDR_RACK },
		{ "Call\rID", SIP_HDR_OTHER },
	};
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		CU_ASSERT_EQUAL(sip_hdr_lookup(sip_str_c(h[i].n)), h[i].id);
	/* every long name maps back to its id, in any case */
	for (int id = 1; id < SIP_HDR__COUNT; id++) {
		char up[32];
		const char *n = sip_hdr_name((enum sip_hdr_id)id);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_EQUAL(sip_hdr_lookup(sip_str_c(n)), (enum sip_hdr_id)id);
		for (size_t k = 0; n[k] && k < sizeof(up) - 1; k++)
			up[k] = (char)((n[k] >= 'a' && n[k] <= 'z') ? n[k] - 32 : n[k]), up[k + 1] = '\0';
		CU_ASSERT_EQUAL(sip_hdr_lookup(sip_str_c(up)), (enum sip_hdr_id)id);
	}
	CU_ASSERT_PTR_NULL(sip_hdr_name(SIP_HDR_OTHER));
	CU_ASSERT_PTR_NULL(sip_hdr_name(SIP_HDR__COUNT));

	for (int m = 1; m < SIP_METHOD__COUNT; m++)
		CU_ASSERT_EQUAL(sip_method_lookup(sip_str_c(sip_method_name((enum sip_method)m))), m);
	/* RFC 3261 §7.1: case-sensitive */
	CU_ASSERT_EQUAL(sip_method_lookup(SIP_STR_LIT("invite")), SIP_METHOD_UNKNOWN);
	CU_ASSERT_EQUAL(sip_method_lookup(SIP_STR_LIT("INVITEX")), SIP_METHOD_UNKNOWN);

	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(100), "Trying");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(182), "Queued");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(204), "No Notification");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(416), "Unsupported URI Scheme");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(422), "Session Interval Too Small");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(481), "Call/Transaction Does Not Exist");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(489), "Bad Event");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(505), "Version Not Supported");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(580), "Precondition Failure");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(603), "Decline");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(607), "Unwanted");
	CU_ASSERT_STRING_EQUAL(sip_reason_phrase(608), "Rejected");
	CU_ASSERT_PTR_NOT_NULL(sip_reason_phrase(499));
	CU_ASSERT_PTR_NOT_NULL(sip_reason_phrase(-1));
	CU_ASSERT_STRING_EQUAL(sip_proto_name(SIP_PROTO_TLS), "TLS");
	CU_ASSERT_STRING_EQUAL(sip_proto_name(SIP_PROTO_UDP), "UDP");
}

static void test_str(void)
{
	unsigned long v;
	char buf[4], *d;

	CU_ASSERT_TRUE(sip_str_caseeq_c(SIP_STR_LIT("Call-ID"), "call-id"));
	CU_ASSERT_FALSE(sip_str_caseeq_c(SIP_STR_LIT("Call-ID"), "call-i"));
	CU_ASSERT_FALSE(sip_str_eq(SIP_STR_LIT("a"), SIP_STR_LIT("A")));
	CU_ASSERT_TRUE(sip_str_eq(SIP_STR_NULL, SIP_STR_LIT("")));
	SEQ(sip_str_trim(SIP_STR_LIT(" \t\r\n x y \r\n")), "x y");
	CU_ASSERT_EQUAL(sip_str_trim(SIP_STR_LIT("   ")).len, 0);
	CU_ASSERT_EQUAL(sip_str_to_uint(SIP_STR_LIT("0068"), 255, &v), 0);
	CU_ASSERT_EQUAL(v, 68);
	CU_ASSERT_EQUAL(sip_str_to_uint(SIP_STR_LIT("256"), 255, &v), -EINVAL);
	CU_ASSERT_EQUAL(sip_str_to_uint(SIP_STR_LIT("9"), 5, &v), -EINVAL);
	CU_ASSERT_EQUAL(sip_str_to_uint(SIP_STR_LIT("36893488147419103232"), (unsigned long)-1, &v), -EINVAL);
	CU_ASSERT_EQUAL(sip_str_to_uint(SIP_STR_LIT("18446744073709551615"), (unsigned long)-1, &v), 0);
	CU_ASSERT_EQUAL(sip_str_to_uint(SIP_STR_LIT(""), 5, &v), -EINVAL);
	CU_ASSERT_EQUAL(sip_str_to_uint(SIP_STR_LIT("-1"), 5, &v), -EINVAL);
	CU_ASSERT_EQUAL(sip_str_to_uint(SIP_STR_LIT(" 1"), 5, &v), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sip_str_copy(buf, sizeof(buf), SIP_STR_LIT("abcdef")), "abc");
	d = sip_str_dup(SIP_STR_LIT("xyz"));
	CU_ASSERT_STRING_EQUAL(d, "xyz");
	free(d);
}

static void test_random(void)
{
	char a[33], b[33], br[40];

	sip_random_token(a, sizeof(a));
	sip_random_token(b, sizeof(b));
	CU_ASSERT_EQUAL(strlen(a), 32);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	for (size_t i = 0; i < 32; i++)
		CU_ASSERT_TRUE((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'z') ||
		               (a[i] >= 'A' && a[i] <= 'Z'));
	sip_new_branch(br, sizeof(br));
	CU_ASSERT_EQUAL(strncmp(br, "z9hG4bK", 7), 0);
	CU_ASSERT_EQUAL(strlen(br), sizeof(br) - 1);
	sip_new_branch(br, 4);
	CU_ASSERT_STRING_EQUAL(br, "z9h");
	sip_random_token(a, 1);
	CU_ASSERT_EQUAL(a[0], '\0');
}

static CU_TestInfo sip_uri_tests[] = {
	{ "sip/sips URIs", test_sip_uris },
	{ "tel and other schemes", test_tel_other },
	{ "RFC 3261 19.1.4 comparison", test_compare },
	{ "unescape", test_unescape },
	{ "name-addr", test_nameaddr },
	{ "parameters", test_params },
	{ "lists", test_lists },
	{ "header, method, reason tables", test_tables },
	{ "strings", test_str },
	{ "random tokens", test_random },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "sip_uri", .pTests = sip_uri_tests },
	CU_SUITE_INFO_NULL,
};
