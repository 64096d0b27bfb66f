/* Unit tests: the SIP message parser against the RFC 4475 torture cases
 * (messages written afresh from the RFC's descriptions), stream framing and
 * response building. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include <tandem/sip_msg.h>
#include <tandem/sip_uri.h>
#include <tandem/sip_writer.h>

#define SEQ(sl, lit) CU_ASSERT_TRUE(sip_str_eq((sl), SIP_STR_LIT(lit)))
#define REASON_IS(e, lit) CU_ASSERT_TRUE((e).reason && strcmp((e).reason, (lit)) == 0)

static struct sip_msg M;
static struct sip_error E;
static char mkbuf[65536];

/* Headers with "@CL@" replaced by the body length, then the body. */
static const char *mk(const char *head, const char *body)
{
	const char *at = strstr(head, "@CL@");
	size_t bl = strlen(body);

	if (!at)
		snprintf(mkbuf, sizeof(mkbuf), "%s%s", head, body);
	else
		snprintf(mkbuf, sizeof(mkbuf), "%.*s%zu%s%s", (int)(at - head), head, bl,
		         at + 4, body);
	return mkbuf;
}

static int P(const char *s)
{
	sip_msg_free(&M);
	return sip_msg_parse(&M, s, strlen(s), 0, &E);
}

static int PN(const char *s, size_t n, unsigned flags)
{
	sip_msg_free(&M);
	return sip_msg_parse(&M, s, n, flags, &E);
}

static int V(void)
{
	return sip_msg_validate_request(&M, &E);
}

static const char SDP[] =
	"v=0\r\n"
	"o=jdrosen 0 0 IN IP4 192.0.2.1\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.1\r\n"
	"t=0 0\r\n"
	"m=audio 49217 RTP/AVP 0 12\r\n"
	"m=video 3227 RTP/AVP 31\r\n"
	"a=rtpmap:31 LPC\r\n";

/* ---------------- RFC 4475 §3.1.1 valid messages ---------------- */

static void test_wsinv(void)
{
	const struct sip_hdr *h;
	struct sip_nameaddr na;
	struct sip_str v;

	CU_ASSERT_EQUAL_FATAL(P(mk(
		"INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
		"TO :\r\n"
		" sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
		"from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
		"  ;\r\n"
		"  tag = 98asjd8\r\n"
		"MaX-fOrWaRdS: 0068\r\n"
		"Call-ID: wsinv.ndaksdj@192.0.2.1\r\n"
		"Content-Length   : @CL@\r\n"
		"cseq: 0009\r\n"
		"  INVITE\r\n"
		"Via  : SIP  /   2.0\r\n"
		" /UDP\r\n"
		"    192.0.2.2;branch=390skdjuw\r\n"
		"s :\r\n"
		"NewFangledHeader:   newfangled value\r\n"
		" continued newfangled value\r\n"
		"UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
		"Content-Type: application/sdp\r\n"
		"Route:\r\n"
		" <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
		"v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"
		"  branch  =   z9hG4bK9ikj8  ,\r\n"
		" SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n"
		" z9hG4bK30239\r\n"
		"m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
		"      newvalue ;\r\n"
		"  secondparam ; q = 0.33\r\n"
		"\r\n", SDP)), 0);
	CU_ASSERT_TRUE(M.is_request);
	CU_ASSERT_EQUAL(M.method, SIP_INVITE);
	SEQ(M.ruri, "sip:vivekg@chair-dnrc.example.com;unknownparam");
	SEQ(M.version, "SIP/2.0");
	CU_ASSERT_EQUAL(M.nhdrs, 14);
	SEQ(M.to_uri, "sip:vivekg@chair-dnrc.example.com");
	SEQ(M.to_tag, "1918181833n");
	SEQ(M.from_uri, "sip:jdrosen@example.com");
	SEQ(M.from_tag, "98asjd8");
	CU_ASSERT_EQUAL(M.max_forwards, 68);
	SEQ(M.call_id, "wsinv.ndaksdj@192.0.2.1");
	CU_ASSERT_EQUAL(M.cseq, 9);
	CU_ASSERT_EQUAL(M.cseq_method, SIP_INVITE);
	SEQ(M.via.transport, "UDP");
	SEQ(M.via.host, "192.0.2.2");
	SEQ(M.via.branch, "390skdjuw");
	CU_ASSERT_EQUAL(M.via.port, 0);
	CU_ASSERT_EQUAL(M.via.rport, -1);
	CU_ASSERT_EQUAL(M.via_count, 3);
	CU_ASSERT_EQUAL(M.content_length, (long)strlen(SDP));
	CU_ASSERT_EQUAL(M.body.len, strlen(SDP));
	CU_ASSERT_EQUAL(memcmp(M.body.p, SDP, M.body.len), 0);
	/* the empty Subject is a header with an empty value */
	h = sip_msg_hdr(&M, SIP_HDR_SUBJECT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->value.len, 0);
	h = sip_msg_hdr_by_name(&M, SIP_STR_LIT("newfangledheader"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->id, SIP_HDR_OTHER);
	SEQ(h->value, "newfangled value\r\n continued newfangled value");
	h = sip_msg_hdr_by_name(&M, SIP_STR_LIT("UnknownHeaderWithUnusualValue"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	SEQ(h->value, ";;,,;;,;");
	/* the second Via header (compact v) holds two via-parms */
	h = sip_msg_hdr_next(&M, sip_msg_hdr(&M, SIP_HDR_VIA));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	SEQ(h->name, "v");
	h = sip_msg_hdr(&M, SIP_HDR_CONTACT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(h->value, &na), 0);
	SEQ(na.display, "Quoted string \\\"\\\"");
	CU_ASSERT_EQUAL(sip_param_get(na.params, "newparam", &v), 1);
	SEQ(v, "newvalue");
	CU_ASSERT_EQUAL(sip_param_get(na.params, "secondparam", &v), 1);
	CU_ASSERT_EQUAL(v.len, 0);
	CU_ASSERT_EQUAL(sip_param_get(na.params, "q", &v), 1);
	SEQ(v, "0.33");
	h = sip_msg_hdr(&M, SIP_HDR_ROUTE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(h->value, &na), 0);
	CU_ASSERT_EQUAL(sip_param_get(na.uri.params, "unknownwith", &v), 1);
	SEQ(v, "value");
	CU_ASSERT_EQUAL(V(), 0);
}

static const char INTMETH[] =
	"!interesting-Method0123456789_*+`.%indeed'~ "
	"sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n"
	"To: \"BEL:\\\x07 NUL:\\\0 DEL:\\\x7F\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\r\n"
	"From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\";tag=_token~1'+`*%!-.\r\n"
	"Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
	"CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"
	"Max-Forwards: 255\r\n"
	"extensionHeader-!.%*+_`'~: \xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static void test_intmeth(void)
{
	struct sip_uri u;
	struct sip_nameaddr na;
	const struct sip_hdr *h;
	char user[128];

	CU_ASSERT_EQUAL_FATAL(PN(INTMETH, sizeof(INTMETH) - 1, 0), 0);
	CU_ASSERT_EQUAL(M.method, SIP_METHOD_UNKNOWN);
	SEQ(M.method_str, "!interesting-Method0123456789_*+`.%indeed'~");
	SEQ(M.cseq_method_str, "!interesting-Method0123456789_*+`.%indeed'~");
	CU_ASSERT_EQUAL(M.cseq, 139122385);
	CU_ASSERT_EQUAL(M.max_forwards, 255);
	SEQ(M.via.branch, "z9hG4bK-.!%66*_+`'~");
	SEQ(M.call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
	SEQ(M.from_tag, "_token~1'+`*%!-.");
	CU_ASSERT_EQUAL(M.to_tag.len, 0);
	CU_ASSERT_EQUAL(sip_uri_parse(M.ruri, &u), 0);
	SEQ(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	SEQ(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	SEQ(u.host, "example.com");
	CU_ASSERT_EQUAL(sip_unescape(u.user, user, sizeof(user)), (int)u.user.len);
	/* the To display name holds escaped control characters, NUL included */
	h = sip_msg_hdr(&M, SIP_HDR_TO);
	CU_ASSERT_EQUAL_FATAL(sip_nameaddr_parse(h->value, &na), 0);
	CU_ASSERT_EQUAL(na.display.len, 20);
	CU_ASSERT_EQUAL(na.display.p[12], '\0');
	h = sip_msg_hdr(&M, SIP_HDR_FROM);
	CU_ASSERT_EQUAL_FATAL(sip_nameaddr_parse(h->value, &na), 0);
	SEQ(na.display, "token1~` token2'+_ token3*%!.-");
	h = sip_msg_hdr_by_name(&M, SIP_STR_LIT("extensionHeader-!.%*+_`'~"));
	CU_ASSERT_PTR_NOT_NULL(h);
	CU_ASSERT_EQUAL(V(), 0);
}

static void test_esc01(void)
{
	struct sip_uri u, v;
	char user[64];
	const struct sip_hdr *h;

	CU_ASSERT_EQUAL_FATAL(P(mk(
		"INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n"
		"To: sip:%75se%72@example.com\r\n"
		"From: <sip:I%20have%20spaces@example.net>;tag=938\r\n"
		"Max-Forwards: 87\r\n"
		"i: esc01.239409asdfakjkn23onasd0-3234\r\n"
		"CSeq: 234234 INVITE\r\n"
		"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\r\n"
		"C: application/sdp\r\n"
		"Contact:\r\n"
		"  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n"
		"Content-Length: @CL@\r\n"
		"\r\n", SDP)), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL_FATAL(sip_uri_parse(M.ruri, &u), 0);
	SEQ(u.host, "example.net");
	CU_ASSERT_EQUAL(sip_unescape(u.user, user, sizeof(user)), 21);
	CU_ASSERT_STRING_EQUAL(user, "sips:user@example.com");
	SEQ(M.call_id, "esc01.239409asdfakjkn23onasd0-3234");
	h = sip_msg_hdr(&M, SIP_HDR_CONTENT_TYPE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	SEQ(h->value, "application/sdp");
	/* %75se%72 is "user" */
	CU_ASSERT_EQUAL(sip_uri_parse(M.to_uri, &u), 0);
	CU_ASSERT_EQUAL(sip_uri_parse(SIP_STR_LIT("sip:user@example.com"), &v), 0);
	CU_ASSERT_TRUE(sip_uri_equal(&u, &v));
	CU_ASSERT_EQUAL(sip_uri_parse(M.from_uri, &u), 0);
	CU_ASSERT_EQUAL(sip_unescape(u.user, user, sizeof(user)), 13);
	CU_ASSERT_STRING_EQUAL(user, "I have spaces");
	CU_ASSERT_EQUAL(M.body.len, strlen(SDP));
}

static void test_escnull(void)
{
	struct sip_uri u;
	char user[32];
	const struct sip_hdr *h;
	struct sip_nameaddr na;

	CU_ASSERT_EQUAL_FATAL(P(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: sip:null-%00-null@example.com\r\n"
		"From: sip:null-%00-null@example.com;tag=839923423\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\r\n"
		"CSeq: 14398234 REGISTER\r\n"
		"Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n"
		"Contact: <sip:%00@host5.example.com>\r\n"
		"Contact: <sip:%00%00@host5.example.com>\r\n"
		"L:0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL(M.method, SIP_REGISTER);
	SEQ(M.from_tag, "839923423");
	CU_ASSERT_EQUAL(M.content_length, 0);
	CU_ASSERT_EQUAL_FATAL(sip_uri_parse(M.to_uri, &u), 0);
	CU_ASSERT_EQUAL(sip_unescape(u.user, user, sizeof(user)), 11);
	CU_ASSERT_EQUAL(memcmp(user, "null-\0-null", 11), 0);
	h = sip_msg_hdr(&M, SIP_HDR_CONTACT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	h = sip_msg_hdr_next(&M, h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(h->value, &na), 0);
	CU_ASSERT_EQUAL(sip_unescape(na.uri.user, user, sizeof(user)), 2);
	CU_ASSERT_PTR_NULL(sip_msg_hdr_next(&M, h));
}

static void test_esc02(void)
{
	struct sip_uri u, v;
	struct sip_nameaddr na;
	const struct sip_hdr *h;

	CU_ASSERT_EQUAL_FATAL(P(
		"RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n"
		"To: \"%Z%45\" <sip:resource@example.com>\r\n"
		"From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\r\n"
		"Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf\r\n"
		"Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\r\n"
		"CSeq: 29 RE%47IST%45R\r\n"
		"Max-Forwards: 70\r\n"
		"Contact: <sip:alias1@host1.example.com>\r\n"
		"C%6Fntact: <sip:alias2@host2.example.com>\r\n"
		"Contact: <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	/* an escaped method is just an unknown method (501 above us) */
	CU_ASSERT_EQUAL(M.method, SIP_METHOD_UNKNOWN);
	SEQ(M.method_str, "RE%47IST%45R");
	CU_ASSERT_EQUAL(V(), 0);
	/* an escaped header name is not Contact */
	h = sip_msg_hdr_by_name(&M, SIP_STR_LIT("C%6Fntact"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->id, SIP_HDR_OTHER);
	h = sip_msg_hdr_next(&M, sip_msg_hdr(&M, SIP_HDR_CONTACT));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL_FATAL(sip_nameaddr_parse(h->value, &na), 0);
	CU_ASSERT_EQUAL(sip_uri_parse(SIP_STR_LIT("sip:caller@host5.example.net;lr;name=value%25%34%31"), &v), 0);
	CU_ASSERT_TRUE(sip_uri_equal(&na.uri, &v));
	CU_ASSERT_EQUAL(sip_uri_parse(SIP_STR_LIT("sip:caller@host5.example.net;lr;name=valueA"), &u), 0);
	CU_ASSERT_FALSE(sip_uri_equal(&na.uri, &u));
	CU_ASSERT_EQUAL(sip_nameaddr_parse(sip_msg_hdr(&M, SIP_HDR_TO)->value, &na), 0);
	SEQ(na.display, "%Z%45");
}

static void test_lwsdisp(void)
{
	CU_ASSERT_EQUAL_FATAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: caller<sip:caller@example.com>;tag=323\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: lwsdisp.1234abcd@funky.example.com\r\n"
		"CSeq: 60 OPTIONS\r\n"
		"Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	SEQ(M.from_uri, "sip:caller@example.com");
	SEQ(M.from_tag, "323");
	SEQ(M.to_uri, "sip:user@example.com");
}

static void test_longreq(void)
{
	static char msg[40000], longval[8200], user[2100];
	size_t o = 0;
	const struct sip_hdr *h;
	unsigned n = 0;

	memset(longval, 'x', sizeof(longval) - 1);
	memset(user, 'a', sizeof(user) - 1);
	o += (size_t)snprintf(msg + o, sizeof(msg) - o,
		"INVITE sip:%s@example.com SIP/2.0\r\n"
		"To: \"I have a user name of %s proportion\" <sip:%s@example.com>\r\n"
		"From: sip:caller@example.net;tag=%s\r\n"
		"Call-ID: longreq.%s\r\n"
		"Max-Forwards: 70\r\n"
		"CSeq: 1 INVITE\r\n",
		user, longval + 8000, user, user + 1000, user);
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(msg + o, sizeof(msg) - o,
			"Via: SIP/2.0/TCP sip%d.example.com:5060;branch=z9hG4bK%.*s%d\r\n",
			i, 200, longval, i);
	o += (size_t)snprintf(msg + o, sizeof(msg) - o,
		"Unknown-LongValue: %s\r\nContent-Length: 0\r\n\r\n", longval);
	CU_ASSERT_EQUAL_FATAL(PN(msg, o, 0), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL(M.nhdrs, 47);
	CU_ASSERT(M.hdr_cap >= 47);
	CU_ASSERT_EQUAL(M.via_count, 40);
	SEQ(M.via.host, "sip0.example.com");
	CU_ASSERT_EQUAL(M.via.port, 5060);
	CU_ASSERT_EQUAL(M.call_id.len, 8 + sizeof(user) - 1);
	CU_ASSERT_EQUAL(M.from_tag.len, sizeof(user) - 1 - 1000);
	for (h = sip_msg_hdr(&M, SIP_HDR_VIA); h; h = sip_msg_hdr_next(&M, h))
		n++;
	CU_ASSERT_EQUAL(n, 40);
	h = sip_msg_hdr_by_name(&M, SIP_STR_LIT("unknown-longvalue"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->value.len, sizeof(longval) - 1);
	CU_ASSERT_EQUAL(M.first[SIP_HDR_CONTENT_LENGTH], 46);
}

static const char DBLREQ[] =
	"REGISTER sip:example.com SIP/2.0\r\n"
	"To: sip:j.user@example.com\r\n"
	"From: sip:j.user@example.com;tag=43251j3j324\r\n"
	"Max-Forwards: 8\r\n"
	"I: dblreq.0ha0isndaksdj99sdfafnl3lk233412\r\n"
	"Contact: sip:j.user@host.example.com\r\n"
	"CSeq: 8 REGISTER\r\n"
	"Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492\r\n"
	"Content-Length: 0\r\n"
	"\r\n"
	"INVITE sip:joe@example.com SIP/2.0\r\n"
	"t: sip:joe@example.com\r\n"
	"From: sip:caller@example.net;tag=141334\r\n"
	"Max-Forwards: 8\r\n"
	"Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15\r\n"
	"CSeq: 8 INVITE\r\n"
	"Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static void test_dblreq(void)
{
	CU_ASSERT_EQUAL_FATAL(P(DBLREQ), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL(M.method, SIP_REGISTER);
	CU_ASSERT_EQUAL(M.body.len, 0);
	SEQ(M.call_id, "dblreq.0ha0isndaksdj99sdfafnl3lk233412");
	CU_ASSERT_EQUAL(M.first[SIP_HDR_TO], 0);
	/* the trailing INVITE is not part of this message */
	CU_ASSERT_PTR_NULL(sip_msg_hdr_next(&M, sip_msg_hdr(&M, SIP_HDR_VIA)));
}

static void test_semiuri(void)
{
	struct sip_uri u;

	CU_ASSERT_EQUAL_FATAL(P(
		"OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\n"
		"To: sip:j_user@example.com\r\n"
		"From: sip:caller@example.org;tag=33242\r\n"
		"Max-Forwards: 3\r\n"
		"Call-ID: semiuri.0ha0isndaksdj\r\n"
		"CSeq: 8 OPTIONS\r\n"
		"Accept: application/sdp, application/pkcs7-mime,\r\n"
		"        multipart/mixed, multipart/signed,\r\n"
		"        message/sip, message/sipfrag\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL_FATAL(sip_uri_parse(M.ruri, &u), 0);
	SEQ(u.user, "user;par=u%40example.net");
	SEQ(u.host, "example.com");
	CU_ASSERT_EQUAL(u.params.len, 0);
	CU_ASSERT_TRUE(sip_list_has_token(sip_msg_hdr(&M, SIP_HDR_ACCEPT)->value, "message/sipfrag"));
}

static void test_transports(void)
{
	CU_ASSERT_EQUAL_FATAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: <sip:caller@example.com>;tag=323\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: transports.kijh4akdnaqjkwendsasfdj\r\n"
		"Accept: application/sdp\r\n"
		"CSeq: 60 OPTIONS\r\n"
		"Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\r\n"
		"Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n"
		"Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\r\n"
		"Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\n"
		"Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL(M.via_count, 5);
	SEQ(M.via.transport, "UDP");
	SEQ(M.via.host, "t1.example.com");
}

static void test_mpart01(void)
{
	static const char body[] =
		"--7a9cbec02ceef655\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Transfer-Encoding: binary\r\n"
		"\r\n"
		"v=0\r\n"
		"o=- 3149328700 0 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 49217 RTP/AVP 0\r\n"
		"\r\n"
		"--7a9cbec02ceef655\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Content-Transfer-Encoding: binary\r\n"
		"\r\n"
		"\x30\x82\x01\x52\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\r\n"
		"--7a9cbec02ceef655--\r\n";

	CU_ASSERT_EQUAL_FATAL(P(mk(
		"MESSAGE sip:kumiko@example.org SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport\r\n"
		"Max-Forwards: 70\r\n"
		"Route: <sip:127.0.0.1:5080>\r\n"
		"Identity: r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuL\r\n"
		"Content-Type: multipart/mixed;boundary=7a9cbec02ceef655\r\n"
		"Call-ID: mpart01.0ha0isndaksdj99sdfafnl3lk233412\r\n"
		"From: <sip:fluffy@example.com>;tag=2fb0dcc9\r\n"
		"To: <sip:kumiko@example.org>\r\n"
		"CSeq: 1 MESSAGE\r\n"
		"Content-Length: @CL@\r\n"
		"\r\n", body)), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL(M.method, SIP_MESSAGE);
	CU_ASSERT_EQUAL(M.via.port, 5070);
	CU_ASSERT_EQUAL(M.via.rport, 0);
	CU_ASSERT_EQUAL(M.body.len, strlen(body));
	CU_ASSERT_EQUAL(memcmp(M.body.p, body, M.body.len), 0);
	CU_ASSERT_PTR_NOT_NULL(sip_msg_hdr(&M, SIP_HDR_IDENTITY));
}

static void test_unreason(void)
{
	static const char reason[] =
		"= 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe "
		"\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe "
		"\xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - \xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5";
	char msg[1024];

	snprintf(msg, sizeof(msg),
		"SIP/2.0 200 %s\r\n"
		"Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\n"
		"Call-ID: unreason.1234ksdfak3j2erwedfsASdf\r\n"
		"CSeq: 35 INVITE\r\n"
		"From: sip:user@example.com;tag=11141343\r\n"
		"To: sip:user@example.edu;tag=2229\r\n"
		"Content-Length: 0\r\n"
		"Contact: <sip:user@host198.example.com>\r\n"
		"\r\n", reason);
	CU_ASSERT_EQUAL_FATAL(P(msg), 0);
	CU_ASSERT_FALSE(M.is_request);
	CU_ASSERT_EQUAL(M.status, 200);
	CU_ASSERT_EQUAL(M.reason.len, strlen(reason));
	CU_ASSERT_EQUAL(memcmp(M.reason.p, reason, M.reason.len), 0);
	CU_ASSERT_EQUAL(M.cseq_method, SIP_INVITE);
	SEQ(M.to_tag, "2229");
}

static void test_noreason(void)
{
	static const char tail[] =
		"Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
		"Call-ID: noreason.asndj203insdf99223ndf\r\n"
		"CSeq: 35 INVITE\r\n"
		"From: <sip:user@example.com>;tag=39ansfi3\r\n"
		"To: <sip:user@example.edu>;tag=902jndnke3\r\n"
		"Content-Length: 0\r\n"
		"Contact: <sip:user@host105.example.com>\r\n"
		"\r\n";
	char msg[1024];

	/* RFC 4475 §3.1.1.13: an empty reason phrase must be accepted */
	snprintf(msg, sizeof(msg), "SIP/2.0 100 \r\n%s", tail);
	CU_ASSERT_EQUAL_FATAL(P(msg), 0);
	CU_ASSERT_EQUAL(M.status, 100);
	CU_ASSERT_EQUAL(M.reason.len, 0);
	/* and be tolerant of a missing SP too */
	snprintf(msg, sizeof(msg), "SIP/2.0 100\r\n%s", tail);
	CU_ASSERT_EQUAL_FATAL(P(msg), 0);
	CU_ASSERT_EQUAL(M.status, 100);
	CU_ASSERT_EQUAL(M.reason.len, 0);
}

/* ---------------- RFC 4475 §3.1.2 invalid messages ---------------- */

static void test_badinv01(void)
{
	CU_ASSERT(P(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=134161461246\r\n"
		"Max-Forwards: 7\r\n"
		"Call-ID: badinv01.0ha0isndaksdjasdf3234nas\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n"
		"Contact: \"Joe\" <sip:joe@example.org>;;;;\r\n"
		"Content-Length: 0\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Via");
	/* what was parsed is kept for the 400 */
	SEQ(M.call_id, "badinv01.0ha0isndaksdjasdf3234nas");
}

static void test_clerr(void)
{
	struct sip_wbuf w;

	CU_ASSERT(P(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"Max-Forwards: 80\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=93942939o2\r\n"
		"Contact: <sip:caller@hungry.example.net>\r\n"
		"Call-ID: clerr.0ha0isndaksdjweiafasdk3\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 9999\r\n"
		"\r\n"
		"v=0\r\n"
		"o=mhandley 29739 7272939 IN IP4 192.0.2.155\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Content-Length larger than body");
	/* the answer can be built from the kept message */
	sip_wbuf_init(&w, 256);
	CU_ASSERT_EQUAL(sip_build_response(&w, &M, E.status, E.reason, "x1", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(w.p, "SIP/2.0 400 Content-Length larger than body\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(w.p, "Call-ID: clerr.0ha0isndaksdjweiafasdk3\r\n"));
	sip_wbuf_free(&w);
}

static void test_ncl(void)
{
	CU_ASSERT(P(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"Max-Forwards: 254\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=32394234\r\n"
		"Call-ID: ncl.0ha0isndaksdj2193423r542w35\r\n"
		"CSeq: 0 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw\r\n"
		"Contact: <sip:caller@example53.example.net>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: -999\r\n"
		"\r\n"
		"v=0\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Content-Length");
	CU_ASSERT_EQUAL(V(), -EINVAL);
	REASON_IS(E, "Malformed Content-Length");
}

static void test_scalar02(void)
{
	CU_ASSERT(P(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\r\n"
		"To: <sip:user@example.com>\r\n"
		"From: <sip:user@example.com>;tag=239232jh3\r\n"
		"CSeq: 36893488147419103232 REGISTER\r\n"
		"Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\r\n"
		"Max-Forwards: 300\r\n"
		"Expires: 1000000000000000000\r\n"
		"Contact: <sip:user@host129.example.com>;expires=280297596632815\r\n"
		"Content-Length: 0\r\n"
		"\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed CSeq");
	/* each overlarge value alone is named too */
	CU_ASSERT(P(
		"OPTIONS sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\r\n"
		"To: <sip:user@example.com>\r\n"
		"From: <sip:user@example.com>;tag=239232jh3\r\n"
		"CSeq: 1 OPTIONS\r\n"
		"Call-ID: scalar02.b\r\n"
		"Max-Forwards: 300\r\n"
		"Content-Length: 0\r\n"
		"\r\n") < 0);
	REASON_IS(E, "Malformed Max-Forwards");
	CU_ASSERT_EQUAL(P(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\r\n"
		"To: <sip:user@example.com>\r\n"
		"From: <sip:user@example.com>;tag=239232jh3\r\n"
		"CSeq: 2147483647 REGISTER\r\n"
		"Call-ID: scalar02.c\r\n"
		"Max-Forwards: 255\r\n"
		"Expires: 1000000000000000000\r\n"
		"Content-Length: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(M.cseq, 2147483647u);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Expires");
}

static void test_scalarlg(void)
{
	CU_ASSERT(P(
		"SIP/2.0 503 Service Unavailable\r\n"
		"Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129\r\n"
		"To: <sip:user@example.com>\r\n"
		"From: <sip:other@example.net>;tag=2easdjfejw\r\n"
		"CSeq: 9292394834772304023312 OPTIONS\r\n"
		"Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r\r\n"
		"Retry-After: 949302838503028349304023988\r\n"
		"Warning: 1812 overture \"In Progress\"\r\n"
		"Content-Length: 0\r\n"
		"\r\n") < 0);
	CU_ASSERT_FALSE(M.is_request);
	CU_ASSERT_EQUAL(M.status, 503);
	REASON_IS(E, "Malformed CSeq");
	SEQ(M.via.received, "192.0.2.129");
}

static void test_quotbal(void)
{
	CU_ASSERT(P(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: \"Mr. J. User <sip:j.user@example.com>\r\n"
		"From: sip:caller@example.net;tag=93334\r\n"
		"Max-Forwards: 10\r\n"
		"Call-ID: quotbal.aksdj\r\n"
		"Contact: <sip:caller@host59.example.net>\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\r\n"
		"Content-Length: 0\r\n"
		"\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed To");
	CU_ASSERT_EQUAL(M.via.port, 5050);
}

static const char REQ_TAIL[] =
	"To: sip:user@example.com\r\n"
	"From: sip:caller@example.net;tag=39291\r\n"
	"Max-Forwards: 23\r\n"
	"Call-ID: tail.1234\r\n"
	"CSeq: 1 INVITE\r\n"
	"Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKkdjuw39234\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static int req_line(const char *line)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s\r\n%s", line, REQ_TAIL);
	return P(msg);
}

static void test_start_line_faults(void)
{
	/* ltgtruri: <> around the Request-URI */
	CU_ASSERT_EQUAL(req_line("INVITE <sip:user@example.com> SIP/2.0"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Request-URI");
	/* lwsruri: LWS inside the Request-URI */
	CU_ASSERT(req_line("INVITE sip:user@example.com; lr SIP/2.0") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Request-URI");
	SEQ(M.call_id, "tail.1234");
	/* lwsstart: several SP between elements */
	CU_ASSERT(req_line("INVITE  sip:user@example.com  SIP/2.0") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Request-Line");
	/* trws: SP after the version */
	CU_ASSERT(req_line("INVITE sip:user@example.com SIP/2.0  ") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Request-Line");
	/* escruri: escaped headers are not allowed in a Request-URI */
	CU_ASSERT_EQUAL(req_line("INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Request-URI");
	/* badvers: 505, with the message kept for the answer */
	CU_ASSERT(req_line("INVITE sip:user@example.com SIP/7.0") < 0);
	CU_ASSERT_EQUAL(E.status, 505);
	SEQ(M.call_id, "tail.1234");
	CU_ASSERT_EQUAL(V(), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(E.status, 505);
	/* the version token is case-insensitive */
	CU_ASSERT_EQUAL(req_line("INVITE sip:user@example.com sip/2.0"), 0);
	/* garbage: no answer possible */
	CU_ASSERT(P("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 0);
	CU_ASSERT(P("\x01\x02\x03 garbage") < 0);
	CU_ASSERT_EQUAL(E.status, 0);
	CU_ASSERT(P("INVITE\r\n\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 0);
	CU_ASSERT(P("") < 0);
	CU_ASSERT_EQUAL(E.status, 0);
	CU_ASSERT(P("\r\n\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 0);
}

static void test_baddate(void)
{
	CU_ASSERT_EQUAL(P(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.net;tag=2234923\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234\r\n"
		"CSeq: 1392934 INVITE\r\n"
		"Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\r\n"
		"Date: Fri, 01 Jan 2010 16:00:00 EST\r\n"
		"Contact: <sip:caller@host5.example.net>\r\n"
		"Content-Length: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Date");
}

static void test_regbadct(void)
{
	CU_ASSERT_EQUAL(P(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:user@example.com;tag=998332\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: regbadct.k345asrl3fdbv@10.0.0.1\r\n"
		"CSeq: 1 REGISTER\r\n"
		"Via: SIP/2.0/UDP 135.180.130.133:5060;branch=z9hG4bKkdjuw\r\n"
		"Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Contact");
}

static void test_badaspec(void)
{
	CU_ASSERT(P(
		"OPTIONS sip:user@example.org SIP/2.0\r\n"
		"Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234\r\n"
		"Max-Forwards: 70\r\n"
		"From: \"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=433423\r\n"
		"To: \"Watson, Thomas\" < sip:t.watson@example.org >\r\n"
		"Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3\r\n"
		"Accept: application/sdp\r\n"
		"CSeq: 3923239 OPTIONS\r\n"
		"l: 0\r\n"
		"\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed To");
}

static void test_baddn(void)
{
	CU_ASSERT(P(
		"OPTIONS sip:t.watson@example.org SIP/2.0\r\n"
		"Via:     SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards:      70\r\n"
		"From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43\r\n"
		"To:      Watson, Thomas <sip:t.watson@example.org>\r\n"
		"Call-ID: baddn.31415@c.example.com\r\n"
		"Accept: application/sdp\r\n"
		"CSeq:    3923239 OPTIONS\r\n"
		"l: 0\r\n"
		"\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed From");
}

static void test_mismatch(void)
{
	/* mismatch01 */
	CU_ASSERT_EQUAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=34525\r\n"
		"Max-Forwards: 6\r\n"
		"Call-ID: mismatch01.dj0234sxdfl3\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "CSeq method mismatch");
	/* mismatch02: unknown method, CSeq names another */
	CU_ASSERT_EQUAL(P(
		"NEWMETHOD sip:user@example.com SIP/2.0\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=34525\r\n"
		"Max-Forwards: 6\r\n"
		"Call-ID: mismatch02.dj0234sxdfl3\r\n"
		"CSeq: 8 INVITE\r\n"
		"Contact: <sip:caller@host.example.net>\r\n"
		"Via: SIP/2.0/UDP host.example.net;branch=z9hG4bKkdjuw\r\n"
		"Content-Type: application/sdp\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(M.method, SIP_METHOD_UNKNOWN);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "CSeq method mismatch");
}

static void test_bigcode(void)
{
	CU_ASSERT(P(
		"SIP/2.0 4294967301 better not break the receiver\r\n"
		"Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
		"Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\r\n"
		"CSeq: 353494 INVITE\r\n"
		"From: <sip:user@example.com>;tag=39ansfi3\r\n"
		"To: <sip:user@example.edu>;tag=902jndnke3\r\n"
		"Content-Length: 0\r\n"
		"Contact: <sip:user@host105.example.com>\r\n"
		"\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 0); /* a response: drop */
	CU_ASSERT(P("SIP/2.0 099 Too Low\r\nContent-Length: 0\r\n\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 0);
	CU_ASSERT(P("SIP/2.0 20 OK\r\nContent-Length: 0\r\n\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 0);
	CU_ASSERT(P("SIP/3.0 200 OK\r\nContent-Length: 0\r\n\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 0);
}

/* ---------------- RFC 4475 §3.2, §3.3, §3.4 ---------------- */

static void test_badbranch(void)
{
	CU_ASSERT_EQUAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.org;tag=33242\r\n"
		"Max-Forwards: 3\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK\r\n"
		"Accept: application/sdp\r\n"
		"Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n\r\n"
		"CSeq: 8 OPTIONS\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	SEQ(M.via.branch, "z9hG4bK");
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed Via branch");
}

static void test_insuf(void)
{
	CU_ASSERT_EQUAL(P(mk(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"CSeq: 193942 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"
		"Content-Type: application/sdp\r\n"
		"l: @CL@\r\n"
		"\r\n", SDP)), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Missing To");
	CU_ASSERT_EQUAL(M.body.len, strlen(SDP));
	/* each missing header is named */
	CU_ASSERT_EQUAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\nFrom: sip:a@example.com;tag=1\r\n"
		"CSeq: 1 OPTIONS\r\nVia: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKa\r\n"
		"Max-Forwards: 70\r\n\r\n"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	REASON_IS(E, "Missing Call-ID");
	CU_ASSERT_EQUAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\nFrom: sip:a@example.com;tag=1\r\n"
		"Call-ID: x\r\nVia: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKa\r\n"
		"Max-Forwards: 70\r\n\r\n"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	REASON_IS(E, "Missing CSeq");
	CU_ASSERT_EQUAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\nCall-ID: x\r\n"
		"CSeq: 1 OPTIONS\r\nVia: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKa\r\n"
		"Max-Forwards: 70\r\n\r\n"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	REASON_IS(E, "Missing From");
	CU_ASSERT_EQUAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\nFrom: sip:a@example.com;tag=1\r\nCall-ID: x\r\n"
		"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	REASON_IS(E, "Missing Via");
	CU_ASSERT_EQUAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\nFrom: sip:a@example.com;tag=1\r\nCall-ID: x\r\n"
		"CSeq: 1 OPTIONS\r\nVia: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKa\r\n\r\n"), 0);
	CU_ASSERT_EQUAL(V(), -EINVAL);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Missing Max-Forwards");
}

static void test_unkscm(void)
{
	/* unkscm */
	CU_ASSERT_EQUAL(req_line("OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0"), 0);
	M.cseq_method_str = M.method_str; /* the tail says INVITE */
	CU_ASSERT_EQUAL(V(), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(E.status, 416);
	/* novelsc */
	CU_ASSERT_EQUAL(req_line("INVITE soap.beep://192.0.2.103:3002 SIP/2.0"), 0);
	CU_ASSERT_EQUAL(V(), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(E.status, 416);
	/* tel: is known */
	CU_ASSERT_EQUAL(req_line("INVITE tel:+1-972-555-2222 SIP/2.0"), 0);
	CU_ASSERT_EQUAL(V(), 0);
}

static void test_unksm(void)
{
	struct sip_nameaddr na;

	/* unknown schemes in To, From and Contact are accepted */
	CU_ASSERT_EQUAL_FATAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: isbn:2983792873\r\n"
		"From: <http://www.example.com>;tag=3234233\r\n"
		"Call-ID: unksm.2@192.0.2.1\r\n"
		"CSeq: 3923239 OPTIONS\r\n"
		"Max-Forwards: 7\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\r\n"
		"Contact: <name:John_Smith>\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	SEQ(M.to_uri, "isbn:2983792873");
	SEQ(M.from_uri, "http://www.example.com");
	SEQ(M.from_tag, "3234233");
	CU_ASSERT_EQUAL(sip_nameaddr_parse(sip_msg_hdr(&M, SIP_HDR_TO)->value, &na), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(na.uri.scheme, SIP_URI_OTHER);
	/* unksm2: REGISTER for an isbn: AOR parses; the registrar decides */
	CU_ASSERT_EQUAL_FATAL(P(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: isbn:2983792873\r\n"
		"From: <http://www.example.com>;tag=123aa9\r\n"
		"Call-ID: unksm2.daksdj@hyphenated-host.example.com\r\n"
		"CSeq: 234902 REGISTER\r\n"
		"Max-Forwards: 70\r\n"
		"Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKkdjuw\r\n"
		"Contact: <name:John_Smith>\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	SEQ(M.to_uri, "isbn:2983792873");
}

static void test_bext01(void)
{
	const struct sip_hdr *h;

	CU_ASSERT_EQUAL_FATAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:j_user@example.com\r\n"
		"From: sip:caller@example.net;tag=242etr\r\n"
		"Max-Forwards: 6\r\n"
		"Call-ID: bext01.0ha0isndaksdj\r\n"
		"Require: nothingSupportedHere\r\n"
		"Proxy-Require: noProxiesSupportThis, nothingSupportedHere\r\n"
		"CSeq: 8 OPTIONS\r\n"
		"Via: SIP/2.0/TLS fold-and-staple.example.com;branch=z9hG4bKkdjuw\r\n"
		"Content-Length: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0); /* 420 is the UAS's call */
	h = sip_msg_hdr(&M, SIP_HDR_REQUIRE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(sip_list_has_token(h->value, "nothingsupportedhere"));
	h = sip_msg_hdr(&M, SIP_HDR_PROXY_REQUIRE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(sip_list_has_token(h->value, "noProxiesSupportThis"));
	CU_ASSERT_TRUE(sip_list_has_token(h->value, "nothingSupportedHere"));
	CU_ASSERT_FALSE(sip_list_has_token(h->value, "100rel"));
}

static void test_invut(void)
{
	static const char body[] = "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n";
	const struct sip_hdr *h;

	CU_ASSERT_EQUAL_FATAL(P(mk(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"Contact: <sip:caller@host5.example.net>\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:caller@example.net;tag=8392034\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: invut.0ha0isndaksdjadsfij34n23d\r\n"
		"CSeq: 235448 INVITE\r\n"
		"Via: SIP/2.0/UDP somehost.example.com;branch=z9hG4bKkdjuw\r\n"
		"Content-Type: application/unknownformat\r\n"
		"Content-Length: @CL@\r\n"
		"\r\n", body)), 0);
	CU_ASSERT_EQUAL(V(), 0); /* 415 is the UAS's call */
	h = sip_msg_hdr(&M, SIP_HDR_CONTENT_TYPE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	SEQ(h->value, "application/unknownformat");
	CU_ASSERT_EQUAL(M.body.len, sizeof(body) - 1);
}

static void test_regaut01(void)
{
	const struct sip_hdr *h;

	CU_ASSERT_EQUAL_FATAL(P(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: sip:j.user@example.com\r\n"
		"From: sip:j.user@example.com;tag=87321hj23128\r\n"
		"Max-Forwards: 8\r\n"
		"Call-ID: regaut01.0ha0isndaksdj\r\n"
		"CSeq: 9338 REGISTER\r\n"
		"Via: SIP/2.0/TCP 192.0.2.253;branch=z9hG4bKkdjuw\r\n"
		"Authorization: NoOneKnowsThisScheme opaque-data=here\r\n"
		"Content-Length:0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	h = sip_msg_hdr(&M, SIP_HDR_AUTHORIZATION);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	SEQ(h->value, "NoOneKnowsThisScheme opaque-data=here");
}

static void test_multi01(void)
{
	CU_ASSERT(P(mk(
		"INVITE sip:user@company.com SIP/2.0\r\n"
		"Contact: <sip:caller@host25.example.net>\r\n"
		"Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards: 70\r\n"
		"CSeq: 5 INVITE\r\n"
		"Call-ID: multi01.98asdh@192.0.2.1\r\n"
		"CSeq: 59 INVITE\r\n"
		"Call-ID: multi01.98asdh@192.0.2.2\r\n"
		"From: sip:caller@example.com;tag=3413415\r\n"
		"To: sip:user@example.com\r\n"
		"To: sip:other@example.net\r\n"
		"From: sip:caller@example.net;tag=2923420123\r\n"
		"Content-Type: application/sdp\r\n"
		"l: @CL@\r\n"
		"Contact: <sip:caller@host36.example.net>\r\n"
		"Max-Forwards: 5\r\n"
		"\r\n", SDP)) < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	CU_ASSERT_PTR_NOT_NULL_FATAL(E.reason);
	CU_ASSERT_EQUAL(strncmp(E.reason, "Multiple ", 9), 0);
	REASON_IS(E, "Multiple CSeq headers");
	/* the first values are what a 400 would echo */
	CU_ASSERT_EQUAL(M.cseq, 5);
	SEQ(M.call_id, "multi01.98asdh@192.0.2.1");
}

static void test_mcl01(void)
{
	CU_ASSERT(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:other@example.net;tag=3923942\r\n"
		"Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf\r\n"
		"CSeq: 15932 OPTIONS\r\n"
		"Content-Length: 13\r\n"
		"Max-Forwards: 60\r\n"
		"Content-Length: 5\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"There's no way to know how many octets are supposed to be here.\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Multiple Content-Length headers");
}

static void test_bcast(void)
{
	CU_ASSERT_EQUAL_FATAL(P(
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923;received=255.255.255.255\r\n"
		"Via: SIP/2.0/UDP 192.0.2.199;branch=z9hG4bK1324923\r\n"
		"Call-ID: bcast.0384840201234ksdfak3j2erwedfsASdf\r\n"
		"CSeq: 35 INVITE\r\n"
		"From: sip:user@example.com;tag=11141343\r\n"
		"To: sip:user@example.edu;tag=2229\r\n"
		"Content-Length: 0\r\n"
		"Contact: <sip:user@host28.example.com>\r\n"
		"\r\n"), 0);
	SEQ(M.via.received, "255.255.255.255");
	CU_ASSERT_EQUAL(M.via_count, 2);
}

static void test_zeromf(void)
{
	CU_ASSERT_EQUAL_FATAL(P(
		"OPTIONS sip:user@example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:caller@example.net;tag=3ghsd41\r\n"
		"Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas\r\n"
		"CSeq: 39234321 OPTIONS\r\n"
		"Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw2349i\r\n"
		"Max-Forwards: 0\r\n"
		"Content-Length: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);          /* 483 or answer: a proxy/UAS matter */
	CU_ASSERT_EQUAL(M.max_forwards, 0);
}

static void test_cparam(void)
{
	struct sip_nameaddr na;
	struct sip_str v;

	/* cparam01: bare addr-spec, the parameter belongs to the header */
	CU_ASSERT_EQUAL_FATAL(P(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards: 70\r\n"
		"From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe\r\n"
		"To: sip:watson@example.com\r\n"
		"Call-ID: cparam01.70710@saturn.example.com\r\n"
		"CSeq: 2 REGISTER\r\n"
		"Contact: sip:+19725552222@gw1.example.net;unknownparam\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(sip_msg_hdr(&M, SIP_HDR_CONTACT)->value, &na), 0);
	SEQ(na.uri_str, "sip:+19725552222@gw1.example.net");
	CU_ASSERT_EQUAL(sip_param_get(na.params, "unknownparam", &v), 1);
	CU_ASSERT_EQUAL(na.uri.params.len, 0);
	/* cparam02: inside <> it is a URI parameter */
	CU_ASSERT_EQUAL_FATAL(P(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw\r\n"
		"Max-Forwards: 70\r\n"
		"From: <sip:watson@example.com>;tag=838293\r\n"
		"To: <sip:watson@example.com>\r\n"
		"Call-ID: cparam02.70710@saturn.example.com\r\n"
		"CSeq: 3 REGISTER\r\n"
		"Contact: <sip:+19725552222@gw1.example.net;unknownparam>\r\n"
		"l: 0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(sip_msg_hdr(&M, SIP_HDR_CONTACT)->value, &na), 0);
	SEQ(na.uri.params, ";unknownparam");
	CU_ASSERT_EQUAL(na.params.len, 0);
	SEQ(na.uri.user, "+19725552222");
}

static void test_regescrt(void)
{
	struct sip_nameaddr na;

	CU_ASSERT_EQUAL_FATAL(P(
		"REGISTER sip:example.com SIP/2.0\r\n"
		"To: sip:user@example.com\r\n"
		"From: sip:user@example.com;tag=8\r\n"
		"Max-Forwards: 70\r\n"
		"Call-ID: regescrt.k345asrl3fdbv@192.0.2.1\r\n"
		"CSeq: 14398234 REGISTER\r\n"
		"Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n"
		"M: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>\r\n"
		"L:0\r\n"
		"\r\n"), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL(sip_nameaddr_parse(sip_msg_hdr(&M, SIP_HDR_CONTACT)->value, &na), 0);
	SEQ(na.uri.headers, "Route=%3Csip:sip.example.com%3E");
}

static void test_sdp01(void)
{
	CU_ASSERT_EQUAL_FATAL(P(mk(
		"INVITE sip:user@example.com SIP/2.0\r\n"
		"To: sip:j_user@example.com\r\n"
		"Contact: <sip:caller@host15.example.net>\r\n"
		"From: sip:caller@example.net;tag=234\r\n"
		"Max-Forwards: 5\r\n"
		"Call-ID: sdp01.ndaksdj9342dasdd\r\n"
		"Accept: text/nobodyKnowsThis\r\n"
		"CSeq: 8 INVITE\r\n"
		"Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw\r\n"
		"Content-Length: @CL@\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n", SDP)), 0);
	CU_ASSERT_EQUAL(V(), 0); /* 406 is the UAS's call */
	CU_ASSERT_TRUE(sip_list_has_token(sip_msg_hdr(&M, SIP_HDR_ACCEPT)->value, "text/nobodyKnowsThis"));
	CU_ASSERT_EQUAL(M.body.len, strlen(SDP));
}

static void test_inv2543(void)
{
	/* RFC 2543 style: no branch, no From tag, no Max-Forwards, no
	 * Content-Length on UDP */
	CU_ASSERT_EQUAL_FATAL(P(mk(
		"INVITE sip:UserB@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP iftgw.example.com\r\n"
		"From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n"
		"Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\r\n"
		"To: sip:+16505552222@ss1.example.net;user=phone\r\n"
		"Call-ID: inv2543.1717@ift.client.example.com\r\n"
		"CSeq: 56 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n", SDP)), 0);
	CU_ASSERT_EQUAL(V(), 0);
	CU_ASSERT_EQUAL(M.from_tag.len, 0);
	CU_ASSERT_EQUAL(M.via.branch.len, 0);
	CU_ASSERT_EQUAL(M.max_forwards, -1);
	CU_ASSERT_EQUAL(M.content_length, -1);
	CU_ASSERT_EQUAL(M.body.len, strlen(SDP));
	SEQ(M.to_uri, "sip:+16505552222@ss1.example.net");
}

/* ---------------- framing and parser edges ---------------- */

static const char OPT1[] =
	"OPTIONS sip:a@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
	"To: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\n"
	"Call-ID: one\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
	"Content-Length: 5\r\n\r\nhello";
static const char OPT2[] =
	"OPTIONS sip:a@example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK2\r\n"
	"To: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=2\r\n"
	"Call-ID: two\r\nCSeq: 2 OPTIONS\r\nMax-Forwards: 70\r\n"
	"l : 0\r\n\r\n";

static void test_framing(void)
{
	char buf[2048];
	size_t skip = 99, n1 = sizeof(OPT1) - 1, n2 = sizeof(OPT2) - 1;
	long len;

	/* two messages back to back */
	memcpy(buf, OPT1, n1);
	memcpy(buf + n1, OPT2, n2);
	len = sip_frame_length(buf, n1 + n2, 65535, &skip);
	CU_ASSERT_EQUAL(skip, 0);
	CU_ASSERT_EQUAL(len, (long)n1);
	CU_ASSERT_EQUAL(PN(buf, (size_t)len, SIP_PARSE_STREAM), 0);
	SEQ(M.call_id, "one");
	SEQ(M.body, "hello");
	len = sip_frame_length(buf + n1, n2, 65535, &skip);
	CU_ASSERT_EQUAL(len, (long)n2);
	CU_ASSERT_EQUAL(PN(buf + n1, (size_t)len, SIP_PARSE_STREAM), 0);
	SEQ(M.call_id, "two");
	CU_ASSERT_EQUAL(M.content_length, 0);
	/* partial: every prefix needs more bytes */
	for (size_t k = 0; k < n1; k++) {
		len = sip_frame_length(OPT1, k, 65535, &skip);
		if (len != 0) {
			CU_FAIL("a partial message was framed");
			break;
		}
	}
	/* RFC 5626 §4.4.1 keep-alives: CRLFs are skipped and reported */
	CU_ASSERT_EQUAL(sip_frame_length("\r\n\r\n", 4, 65535, &skip), 0);
	CU_ASSERT_EQUAL(skip, 4);
	CU_ASSERT_EQUAL(sip_frame_length("\r\n", 2, 65535, &skip), 0);
	CU_ASSERT_EQUAL(skip, 2);
	memcpy(buf, "\r\n\r\n", 4);
	memcpy(buf + 4, OPT1, n1);
	len = sip_frame_length(buf, n1 + 4, 65535, &skip);
	CU_ASSERT_EQUAL(skip, 4);
	CU_ASSERT_EQUAL(len, (long)n1);
	/* missing Content-Length on a stream */
	static const char nocl[] =
		"OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK3\r\n"
		"To: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=3\r\n"
		"Call-ID: three\r\nCSeq: 3 OPTIONS\r\nMax-Forwards: 70\r\n\r\n";
	CU_ASSERT_EQUAL(sip_frame_length(nocl, sizeof(nocl) - 1, 65535, &skip), -1);
	CU_ASSERT(PN(nocl, sizeof(nocl) - 1, SIP_PARSE_STREAM) < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Missing Content-Length");
	CU_ASSERT_EQUAL(PN(nocl, sizeof(nocl) - 1, 0), 0); /* fine on UDP */
	/* too big, bad value, conflicting values */
	CU_ASSERT_EQUAL(sip_frame_length(OPT1, n1, 100, &skip), -1);
	CU_ASSERT_EQUAL(sip_frame_length(OPT1, 50, 40, &skip), -1);
	static const char badcl[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5x\r\n\r\nhello";
	CU_ASSERT_EQUAL(sip_frame_length(badcl, sizeof(badcl) - 1, 65535, &skip), -1);
	static const char twocl[] =
		"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5\r\nl: 6\r\n\r\nhello!";
	CU_ASSERT_EQUAL(sip_frame_length(twocl, sizeof(twocl) - 1, 65535, &skip), -1);
	/* a body shorter than Content-Length waits */
	static const char shortb[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 10\r\n\r\nhello";
	CU_ASSERT_EQUAL(sip_frame_length(shortb, sizeof(shortb) - 1, 65535, &skip), 0);
}

static void test_datagram_body(void)
{
	/* RFC 3261 §18.3: extra datagram bytes past Content-Length are dropped */
	static const char m1[] =
		"MESSAGE sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
		"To: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\n"
		"Call-ID: d1\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n"
		"Content-Length: 5\r\n\r\nhello, and some trailing junk";
	CU_ASSERT_EQUAL(P(m1), 0);
	SEQ(M.body, "hello");
	/* bare LF line ends are tolerated */
	CU_ASSERT_EQUAL(P("OPTIONS sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\n"
	                  "Call-ID: lf\nContent-Length: 2\n\nhi"), 0);
	SEQ(M.call_id, "lf");
	SEQ(M.body, "hi");
	/* a header without colon */
	CU_ASSERT(P("OPTIONS sip:a@example.com SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	REASON_IS(E, "Malformed header");
	/* a continuation line with nothing to continue */
	CU_ASSERT(P("OPTIONS sip:a@example.com SIP/2.0\r\n folded: x\r\n\r\n") < 0);
	CU_ASSERT_EQUAL(E.status, 400);
	/* Via variants */
	CU_ASSERT_EQUAL(P("OPTIONS sip:a@example.com SIP/2.0\r\n"
	                  "Via: SIP/2.0/UDP [2001:db8::9]:5070;rport=5071;maddr=239.1.1.1;received=2001:db8::1;branch=z9hG4bKv6\r\n"
	                  "\r\n"), 0);
	SEQ(M.via.host, "2001:db8::9");
	CU_ASSERT_EQUAL(M.via.port, 5070);
	CU_ASSERT_EQUAL(M.via.rport, 5071);
	SEQ(M.via.maddr, "239.1.1.1");
	SEQ(M.via.received, "2001:db8::1");
	SEQ(M.via.branch, "z9hG4bKv6");
	CU_ASSERT(P("OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h:99999\r\n\r\n") < 0);
	REASON_IS(E, "Malformed Via");
	CU_ASSERT(P("OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP\r\n\r\n") < 0);
	REASON_IS(E, "Malformed Via");
	CU_ASSERT(P("OPTIONS sip:a@example.com SIP/2.0\r\nVia: HTTP/1.1/UDP h\r\n\r\n") < 0);
	REASON_IS(E, "Malformed Via");
	/* the header index grows past the inline array and stays reachable */
	{
		char big[8192];
		size_t o = (size_t)snprintf(big, sizeof(big), "OPTIONS sip:a@example.com SIP/2.0\r\n");
		for (int i = 0; i < 100; i++)
			o += (size_t)snprintf(big + o, sizeof(big) - o, "X-H%d: %d\r\n", i, i);
		o += (size_t)snprintf(big + o, sizeof(big) - o, "Call-ID: last\r\n\r\n");
		CU_ASSERT_EQUAL(PN(big, o, 0), 0);
		CU_ASSERT_EQUAL(M.nhdrs, 101);
		SEQ(M.call_id, "last");
		CU_ASSERT_EQUAL(M.first[SIP_HDR_CALL_ID], 100);
		SEQ(sip_msg_hdr_by_name(&M, SIP_STR_LIT("x-h99"))->value, "99");
	}
}

/* Every prefix and a byte-flipped copy of a message must parse or fail
 * cleanly (run under valgrind/ASan to catch reads outside the buffer). */
static void test_truncations(void)
{
	static const char *const msgs[] = { OPT1, OPT2, DBLREQ, REQ_TAIL };
	for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
		size_t n = strlen(msgs[k]);
		for (size_t i = 0; i <= n; i++) {
			char *copy = malloc(i ? i : 1); /* exact size: no slack to hide overreads */
			memcpy(copy, msgs[k], i);
			(void)PN(copy, i, 0);
			(void)V();
			(void)PN(copy, i, SIP_PARSE_STREAM);
			size_t skip;
			(void)sip_frame_length(copy, i, 65535, &skip);
			if (i) {
				copy[i / 2] ^= 0x5a;
				(void)PN(copy, i, 0);
				(void)V();
			}
			free(copy);
		}
	}
	CU_PASS("no crash");
}

/* ---------------- responses ---------------- */

static void test_build_response(void)
{
	struct sip_wbuf w;
	struct sip_resp_extra ex = { "Allow: INVITE, ACK\r\n", "text/plain", SIP_STR_LIT("hi") };
	struct sockaddr_in *a4;
	struct sockaddr_in6 *a6;
	char *out;
	long n;

	CU_ASSERT_EQUAL_FATAL(P(
		"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;rport, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\r\n"
		"Via: SIP/2.0/TCP proxy.example.com:5061;branch=z9hG4bK77ef4c\r\n"
		"Max-Forwards: 70\r\n"
		"To: Bob <sip:bob@biloxi.example.com>\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Timestamp: 54\r\n"
		"Content-Length: 0\r\n"
		"\r\n"), 0);
	/* no source known: Via copied unchanged */
	sip_wbuf_init(&w, 64);
	CU_ASSERT_EQUAL(sip_build_response(&w, &M, 100, NULL, "tt", NULL), 0);
	n = sip_wbuf_take(&w, &out);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_STRING_EQUAL(out,
		"SIP/2.0 100 Trying\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;rport, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\r\n"
		"Via: SIP/2.0/TCP proxy.example.com:5061;branch=z9hG4bK77ef4c\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"To: Bob <sip:bob@biloxi.example.com>\r\n"
		"Call-ID: a84b4c76e66710\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Timestamp: 54\r\n"
		"Server: tandem/" PACKAGE_VERSION "\r\n"
		"Content-Length: 0\r\n"
		"\r\n");
	free(out);
	/* the answer parses back */
	CU_ASSERT_EQUAL(sip_frame_length(w.p ? w.p : "", 0, 1, NULL), 0);

	/* IPv4 source with rport: rport and received filled (RFC 3581 §4) */
	a4 = (struct sockaddr_in *)&M.rx.src;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(5071);
	inet_pton(AF_INET, "192.0.2.7", &a4->sin_addr);
	M.rx.src_len = sizeof(*a4);
	sip_wbuf_init(&w, 64);
	CU_ASSERT_EQUAL(sip_build_response(&w, &M, 486, NULL, "tt", &ex), 0);
	n = sip_wbuf_take(&w, &out);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_STRING_EQUAL(out,
		"SIP/2.0 486 Busy Here\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;rport=5071;received=192.0.2.7, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa\r\n"
		"Via: SIP/2.0/TCP proxy.example.com:5061;branch=z9hG4bK77ef4c\r\n"
		"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
		"To: Bob <sip:bob@biloxi.example.com>;tag=tt\r\n"
		"Call-ID: a84b4c76e66710\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Server: tandem/" PACKAGE_VERSION "\r\n"
		"Allow: INVITE, ACK\r\n"
		"Content-Type: text/plain\r\n"
		"Content-Length: 2\r\n"
		"\r\n"
		"hi");
	{
		/* and it parses back as a response */
		struct sip_msg r;
		struct sip_error e;
		CU_ASSERT_EQUAL(sip_msg_parse(&r, out, (size_t)n, SIP_PARSE_STREAM, &e), 0);
		CU_ASSERT_EQUAL(r.status, 486);
		SEQ(r.to_tag, "tt");
		SEQ(r.via.received, "192.0.2.7");
		CU_ASSERT_EQUAL(r.via.rport, 5071);
		SEQ(r.body, "hi");
		sip_msg_free(&r);
	}
	free(out);

	/* IPv6 source, a sent-by without rport that differs: received only */
	CU_ASSERT_EQUAL_FATAL(P(
		"OPTIONS sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx;received=1.2.3.4\r\n"
		"To: <sip:bob@example.com>;tag=already\r\n"
		"From: <sip:alice@example.com>;tag=f\r\n"
		"Call-ID: v6\r\nCSeq: 2 OPTIONS\r\nMax-Forwards: 70\r\n\r\n"), 0);
	a6 = (struct sockaddr_in6 *)&M.rx.src;
	memset(a6, 0, sizeof(*a6));
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(5060);
	inet_pton(AF_INET6, "2001:db8::2", &a6->sin6_addr);
	M.rx.src_len = sizeof(*a6);
	sip_wbuf_init(&w, 16);
	CU_ASSERT_EQUAL(sip_build_response(&w, &M, 200, "Fine", "new", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(w.p, "SIP/2.0 200 Fine\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(w.p,
		"Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx;received=2001:db8::2\r\n"));
	/* the request's To tag stays, no second one */
	CU_ASSERT_PTR_NOT_NULL(strstr(w.p, "To: <sip:bob@example.com>;tag=already\r\n"));
	CU_ASSERT_PTR_NULL(strstr(w.p, "tag=new"));
	sip_wbuf_free(&w);

	/* sent-by equal to the source (written differently): unchanged */
	CU_ASSERT_EQUAL(P(
		"OPTIONS sip:bob@example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx\r\n"
		"To: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=f\r\n"
		"Call-ID: v6b\r\nCSeq: 2 OPTIONS\r\nMax-Forwards: 70\r\n\r\n"), 0);
	a6 = (struct sockaddr_in6 *)&M.rx.src;
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(5060);
	inet_pton(AF_INET6, "2001:db8:0::1", &a6->sin6_addr);
	M.rx.src_len = sizeof(*a6);
	sip_wbuf_init(&w, 16);
	CU_ASSERT_EQUAL(sip_build_response(&w, &M, 200, "bad\r\nreason", "t", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(w.p, "SIP/2.0 200 OK\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(w.p, "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKx\r\n"));
	sip_wbuf_free(&w);
	sip_wbuf_init(&w, 16);
	CU_ASSERT_EQUAL(sip_build_response(&w, &M, 1000, NULL, NULL, NULL), -EINVAL);
	sip_wbuf_free(&w);
}

static void test_wbuf(void)
{
	struct sip_wbuf w;
	char *out;
	char big[3000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sip_wbuf_init(&w, 4);
	sip_wbuf_puts(&w, "ab");
	sip_wbuf_printf(&w, "%d-%s", 42, big);
	sip_wbuf_hdr(&w, "X", SIP_STR_LIT("y"));
	CU_ASSERT_EQUAL(w.err, 0);
	CU_ASSERT_EQUAL(w.len, 2 + 3 + sizeof(big) - 1 + 6);
	CU_ASSERT_EQUAL(sip_wbuf_take(&w, &out), (long)(2 + 3 + sizeof(big) - 1 + 6));
	CU_ASSERT_EQUAL(strncmp(out, "ab42-qqq", 8), 0);
	CU_ASSERT_EQUAL(strcmp(out + strlen(out) - 6, "X: y\r\n"), 0);
	free(out);
	CU_ASSERT_PTR_NULL(w.p);
}

static int suite_clean(void)
{
	sip_msg_free(&M);
	return 0;
}

static CU_TestInfo sip_parser_tests[] = {
	{ "wsinv (3.1.1.1)", test_wsinv },
	{ "intmeth (3.1.1.2)", test_intmeth },
	{ "esc01 (3.1.1.3)", test_esc01 },
	{ "escnull (3.1.1.4)", test_escnull },
	{ "esc02 (3.1.1.5)", test_esc02 },
	{ "lwsdisp (3.1.1.6)", test_lwsdisp },
	{ "longreq (3.1.1.7)", test_longreq },
	{ "dblreq (3.1.1.8)", test_dblreq },
	{ "semiuri (3.1.1.9)", test_semiuri },
	{ "transports (3.1.1.10)", test_transports },
	{ "mpart01 (3.1.1.11)", test_mpart01 },
	{ "unreason (3.1.1.12)", test_unreason },
	{ "noreason (3.1.1.13)", test_noreason },
	{ "badinv01 (3.1.2.1)", test_badinv01 },
	{ "clerr (3.1.2.2)", test_clerr },
	{ "ncl (3.1.2.3)", test_ncl },
	{ "scalar02 (3.1.2.4)", test_scalar02 },
	{ "scalarlg (3.1.2.5)", test_scalarlg },
	{ "quotbal (3.1.2.6)", test_quotbal },
	{ "ltgtruri lwsruri lwsstart trws escruri badvers", test_start_line_faults },
	{ "baddate (3.1.2.12)", test_baddate },
	{ "regbadct (3.1.2.13)", test_regbadct },
	{ "badaspec (3.1.2.14)", test_badaspec },
	{ "baddn (3.1.2.15)", test_baddn },
	{ "mismatch01/02 (3.1.2.17-18)", test_mismatch },
	{ "bigcode (3.1.2.19)", test_bigcode },
	{ "badbranch (3.2.1)", test_badbranch },
	{ "insuf (3.3.1)", test_insuf },
	{ "unkscm novelsc (3.3.2-3)", test_unkscm },
	{ "unksm unksm2 (3.3.4)", test_unksm },
	{ "bext01 (3.3.5)", test_bext01 },
	{ "invut (3.3.6)", test_invut },
	{ "regaut01 (3.3.7)", test_regaut01 },
	{ "multi01 (3.3.8)", test_multi01 },
	{ "mcl01 (3.3.9)", test_mcl01 },
	{ "bcast (3.3.10)", test_bcast },
	{ "zeromf (3.3.11)", test_zeromf },
	{ "cparam01/02 (3.3.12-13)", test_cparam },
	{ "regescrt (3.3.14)", test_regescrt },
	{ "sdp01 (3.3.15)", test_sdp01 },
	{ "inv2543 (3.4.1)", test_inv2543 },
	{ "stream framing", test_framing },
	{ "datagram body and edges", test_datagram_body },
	{ "truncated and corrupted input", test_truncations },
	{ "sip_build_response", test_build_response },
	{ "wbuf", test_wbuf },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "sip_parser", .pCleanupFunc = suite_clean, .pTests = sip_parser_tests },
	CU_SUITE_INFO_NULL,
};
