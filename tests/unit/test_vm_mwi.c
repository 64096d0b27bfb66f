/* mod_voicemail MWI texts (modules/voicemail/mwi_text.c): the RFC 3842
 * §5.2 body and the destination of an unsolicited NOTIFY (the flow the
 * contact registered over). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"

#include <tandem/registrar.h>

#include "../../modules/voicemail/voicemail.h"

static void test_body(void)
{
	char b[256];
	const char *yes = "Messages-Waiting: yes\r\nMessage-Account: sip:1001@pbx.example\r\n"
	                  "Voice-Message: 2/5\r\n";
	CU_ASSERT_EQUAL(vm_mwi_body("sip:1001@pbx.example", 2, 5, b, sizeof b), (int)strlen(yes));
	CU_ASSERT_STRING_EQUAL(b, yes);

	/* only new messages light the lamp: old ones alone say no */
	const char *no = "Messages-Waiting: no\r\nMessage-Account: sip:sales@pbx.example\r\n"
	                 "Voice-Message: 0/3\r\n";
	CU_ASSERT_EQUAL(vm_mwi_body("sip:sales@pbx.example", 0, 3, b, sizeof b), (int)strlen(no));
	CU_ASSERT_STRING_EQUAL(b, no);

	const char *zero = "Messages-Waiting: no\r\nMessage-Account: sip:x@y\r\nVoice-Message: 0/0\r\n";
	CU_ASSERT_EQUAL(vm_mwi_body("sip:x@y", 0, 0, b, sizeof b), (int)strlen(zero));
	CU_ASSERT_STRING_EQUAL(b, zero);
	CU_ASSERT(vm_mwi_body("sip:x@y", 4294967295u, 1, b, sizeof b) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "Voice-Message: 4294967295/1\r\n"));

	/* Message-Account is optional (§5.2): none without an account */
	CU_ASSERT_EQUAL(vm_mwi_body(NULL, 1, 0, b, sizeof b), 43);
	CU_ASSERT_STRING_EQUAL(b, "Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n");
	CU_ASSERT_EQUAL(vm_mwi_body("", 1, 0, b, sizeof b), 43);
	CU_ASSERT_STRING_EQUAL(b, "Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n");
}

static void test_body_nospace(void)
{
	char b[128];
	int n = vm_mwi_body("sip:1001@pbx.example", 1, 1, b, sizeof b);
	CU_ASSERT_FATAL(n > 0);
	/* exactly the length: no room for the NUL */
	memset(b, 'x', sizeof b);
	CU_ASSERT_EQUAL(vm_mwi_body("sip:1001@pbx.example", 1, 1, b, (size_t)n), -ENOSPC);
	CU_ASSERT_EQUAL(b[0], '\0');
	CU_ASSERT_EQUAL(vm_mwi_body("sip:1001@pbx.example", 1, 1, b, (size_t)n + 1), n);
	CU_ASSERT_EQUAL(vm_mwi_body("sip:1001@pbx.example", 1, 1, b, 1), -ENOSPC);
	CU_ASSERT_EQUAL(vm_mwi_body("sip:1001@pbx.example", 1, 1, b, 0), -ENOSPC);
	CU_ASSERT_EQUAL(vm_mwi_body("sip:1001@pbx.example", 1, 1, NULL, 10), -ENOSPC);
}

static void contact4(struct location_contact *c, const char *ip, unsigned port,
                     enum sip_proto proto)
{
	memset(c, 0, sizeof *c);
	struct sockaddr_in *in = (struct sockaddr_in *)&c->src;
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	CU_ASSERT_EQUAL(inet_pton(AF_INET, ip, &in->sin_addr), 1);
	c->src_len = sizeof *in;
	c->proto = proto;
	snprintf(c->uri, sizeof c->uri, "sip:1001@10.0.0.5:5060");
}

static void test_flow_uri(void)
{
	struct location_contact c;
	char b[128];

	/* the NATed source, not the private address of the Contact */
	contact4(&c, "192.0.2.7", 40000, SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(vm_mwi_flow_uri(&c, b, sizeof b), (int)strlen("sip:192.0.2.7:40000"));
	CU_ASSERT_STRING_EQUAL(b, "sip:192.0.2.7:40000");

	contact4(&c, "198.51.100.1", 5060, SIP_PROTO_TCP);
	CU_ASSERT(vm_mwi_flow_uri(&c, b, sizeof b) > 0);
	CU_ASSERT_STRING_EQUAL(b, "sip:198.51.100.1:5060;transport=tcp");

	contact4(&c, "198.51.100.1", 5061, SIP_PROTO_TLS);
	CU_ASSERT(vm_mwi_flow_uri(&c, b, sizeof b) > 0);
	CU_ASSERT_STRING_EQUAL(b, "sip:198.51.100.1:5061;transport=tls");

	/* IPv6 in brackets (RFC 3261 §25.1 IPv6reference) */
	memset(&c, 0, sizeof c);
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&c.src;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(5062);
	CU_ASSERT_EQUAL(inet_pton(AF_INET6, "2001:db8::1", &in6->sin6_addr), 1);
	c.src_len = sizeof *in6;
	c.proto = SIP_PROTO_TCP;
	CU_ASSERT(vm_mwi_flow_uri(&c, b, sizeof b) > 0);
	CU_ASSERT_STRING_EQUAL(b, "sip:[2001:db8::1]:5062;transport=tcp");
	c.proto = SIP_PROTO_UDP;
	CU_ASSERT(vm_mwi_flow_uri(&c, b, sizeof b) > 0);
	CU_ASSERT_STRING_EQUAL(b, "sip:[2001:db8::1]:5062");
}

static void test_flow_uri_bad(void)
{
	struct location_contact c;
	char b[64];

	/* no source known (a binding restored from the snapshot without one) */
	memset(&c, 0, sizeof c);
	strcpy(c.uri, "sip:1001@10.0.0.5");
	CU_ASSERT_EQUAL(vm_mwi_flow_uri(&c, b, sizeof b), -EAFNOSUPPORT);
	CU_ASSERT_STRING_EQUAL(b, "");
	/* a family without its length */
	contact4(&c, "192.0.2.7", 5060, SIP_PROTO_UDP);
	c.src_len = 2;
	CU_ASSERT_EQUAL(vm_mwi_flow_uri(&c, b, sizeof b), -EAFNOSUPPORT);
	c.src.ss_family = AF_UNIX;
	c.src_len = sizeof c.src;
	CU_ASSERT_EQUAL(vm_mwi_flow_uri(&c, b, sizeof b), -EAFNOSUPPORT);

	contact4(&c, "192.0.2.7", 5060, SIP_PROTO__COUNT);
	CU_ASSERT_EQUAL(vm_mwi_flow_uri(&c, b, sizeof b), -EPROTONOSUPPORT);

	contact4(&c, "192.0.2.7", 5060, SIP_PROTO_TCP);
	size_t need = strlen("sip:192.0.2.7:5060;transport=tcp");
	CU_ASSERT_EQUAL(vm_mwi_flow_uri(&c, b, need), -ENOSPC);
	CU_ASSERT_STRING_EQUAL(b, "");
	CU_ASSERT_EQUAL(vm_mwi_flow_uri(&c, b, need + 1), (int)need);
	CU_ASSERT_EQUAL(vm_mwi_flow_uri(&c, b, 0), -ENOSPC);
	CU_ASSERT_EQUAL(vm_mwi_flow_uri(NULL, b, sizeof b), -EINVAL);
}

static CU_TestInfo body_tests[] = {
	{ "yes/no, counts, optional account", test_body },
	{ "-ENOSPC at the exact size", test_body_nospace },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo flow_tests[] = {
	{ "UDP, TCP, TLS, IPv6 brackets", test_flow_uri },
	{ "no source, bad family/proto, -ENOSPC", test_flow_uri_bad },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "vm_mwi_body", .pTests = body_tests },
	{ .pName = "vm_mwi_flow_uri", .pTests = flow_tests },
	CU_SUITE_INFO_NULL,
};
