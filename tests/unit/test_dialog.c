/* Unit tests: where the requests of a dialog go (core/call/dialog.c):
 * uri_dest on URIs and name-addrs (RFC 3263 §4.1, RFC 3261 §19.1.1), and
 * dialog_dest for a UAC dialog with a flow (a registered contact, RFC 5626
 * §5.3) or a first hop whose transport a remote target naming none keeps
 * (issue 9: ACK and BYE went by UDP to a TCP callee); our Contact URI
 * with a user part (a trunk's registration, include/tandem/uac.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <ev.h>

#include <tandem/sip_msg.h>
#include <tandem/transaction.h>
#include <tandem/transport.h>

#include "call/dialog.h"

static uint16_t port_of(const struct sip_dest *d)
{
	return ntohs(((const struct sockaddr_in *)&d->addr)->sin_port);
}

static void test_uri_dest(void)
{
	struct sip_dest d;
	/* a bare URI's ';' parameters are the URI's (transport, maddr) */
	CU_ASSERT_EQUAL_FATAL(uri_dest(sip_str_c("sip:bob@127.0.0.1:5070;transport=tcp"), &d), 0);
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(port_of(&d), 5070);
	CU_ASSERT_EQUAL_FATAL(uri_dest(sip_str_c("sip:bob@127.0.0.1;transport=TLS"), &d), 0);
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_TLS);
	CU_ASSERT_EQUAL(port_of(&d), 5061);
	CU_ASSERT_EQUAL_FATAL(uri_dest(sip_str_c("sip:bob@example.invalid;maddr=127.0.0.2;transport=udp"), &d), 0);
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(((const struct sockaddr_in *)&d.addr)->sin_addr.s_addr, htonl(0x7f000002));
	/* defaults: UDP, sips: TLS (also with transport=tcp) */
	CU_ASSERT_EQUAL_FATAL(uri_dest(sip_str_c("sip:bob@127.0.0.1"), &d), 0);
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(port_of(&d), 5060);
	CU_ASSERT_EQUAL_FATAL(uri_dest(sip_str_c("sips:bob@127.0.0.1:5071;transport=tcp"), &d), 0);
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_TLS);
	CU_ASSERT_EQUAL(port_of(&d), 5071);
	/* a Route is a name-addr: its URI's parameters inside <> */
	CU_ASSERT_EQUAL_FATAL(uri_dest(sip_str_c("<sip:127.0.0.1:5080;transport=tcp;lr>"), &d), 0);
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(port_of(&d), 5080);
	CU_ASSERT_EQUAL_FATAL(uri_dest(sip_str_c("\"Proxy\" <sip:127.0.0.1:5080;lr>;x=y"), &d), 0);
	CU_ASSERT_EQUAL(d.proto, SIP_PROTO_UDP);
	/* refused: other schemes, unknown transports, sips: over UDP, junk */
	CU_ASSERT_EQUAL(uri_dest(sip_str_c("tel:+15551234"), &d), -EINVAL);
	CU_ASSERT_EQUAL(uri_dest(sip_str_c("sip:bob@127.0.0.1;transport=sctp"), &d), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(uri_dest(sip_str_c("sips:bob@127.0.0.1;transport=udp"), &d), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(uri_dest(sip_str_c("sip:"), &d), -EINVAL);
	CU_ASSERT_EQUAL(uri_dest(sip_str_c("<sip:bob@127.0.0.1"), &d), -EINVAL);
	CU_ASSERT_EQUAL(uri_dest(sip_str_c(""), &d), -EINVAL);
}

static struct sip_dest dest(enum sip_proto proto, uint16_t port, uint64_t conn_id)
{
	struct sip_dest d;
	memset(&d, 0, sizeof d);
	struct sockaddr_in *sin = (struct sockaddr_in *)&d.addr;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(0x7f000001);
	d.addr_len = sizeof *sin;
	d.proto = proto;
	d.conn_id = conn_id;
	return d;
}

/* The 200 to our INVITE, as received on rx. */
static void answer(struct dialog *d, const char *contact, const struct sip_dest *rx)
{
	char buf[512];
	snprintf(buf, sizeof buf,
	         "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-1\r\n"
	         "From: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:b@127.0.0.1>;tag=b\r\n"
	         "Call-ID: %s\r\nCSeq: 1 INVITE\r\nContact: %s\r\nContent-Length: 0\r\n\r\n",
	         d->call_id, contact);
	struct sip_msg m;
	struct sip_error e;
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&m, buf, strlen(buf), 0, &e), 0);
	m.rx.proto = rx->proto;
	memcpy(&m.rx.src, &rx->addr, sizeof m.rx.src);
	m.rx.src_len = rx->addr_len;
	m.rx.conn_id = rx->conn_id;
	CU_ASSERT_EQUAL(dialog_update_uac(d, &m, true), 0);
	sip_msg_free(&m);
}

static void test_first_hop(void)
{
	struct dialog d;
	struct sip_dest out, hop = dest(SIP_PROTO_TCP, 5070, 0);
	/* a URI target over TCP; the 200's Contact names no transport */
	CU_ASSERT_EQUAL_FATAL(dialog_init_uac(&d, "<sip:a@127.0.0.1>", "<sip:b@127.0.0.1>",
	                                      "sip:b@127.0.0.1:5070;transport=tcp"), 0);
	dialog_set_first_hop(&d, &hop, false);
	struct sip_dest rx = dest(SIP_PROTO_TCP, 5070, 7);
	answer(&d, "<sip:b@127.0.0.1:5070>", &rx);
	CU_ASSERT_EQUAL_FATAL(dialog_dest(&d, &out), 0);
	CU_ASSERT_EQUAL(out.proto, SIP_PROTO_TCP);    /* not UDP (§18.1.1 would say) */
	CU_ASSERT_EQUAL(port_of(&out), 5070);
	CU_ASSERT_EQUAL(out.conn_id, 7);              /* the answer's connection */
	/* a target refresh to another address: same transport, new connection */
	struct sip_msg m;
	struct sip_error e;
	const char *reinv = "INVITE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-2\r\n"
	                    "From: <sip:b@127.0.0.1>;tag=b\r\nTo: <sip:a@127.0.0.1>;tag=a\r\nCall-ID: x\r\n"
	                    "CSeq: 2 INVITE\r\nContact: <sip:b@127.0.0.1:5090>\r\nContent-Length: 0\r\n\r\n";
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&m, reinv, strlen(reinv), 0, &e), 0);
	dialog_refresh_target(&d, &m);
	sip_msg_free(&m);
	CU_ASSERT_EQUAL_FATAL(dialog_dest(&d, &out), 0);
	CU_ASSERT_EQUAL(out.proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(port_of(&out), 5090);
	CU_ASSERT_EQUAL(out.conn_id, 0);
	dialog_clear(&d);

	/* a Contact that names its transport is followed */
	hop = dest(SIP_PROTO_TLS, 5071, 0);
	CU_ASSERT_EQUAL_FATAL(dialog_init_uac(&d, "<sip:a@127.0.0.1>", "<sip:b@127.0.0.1>",
	                                      "sips:b@127.0.0.1:5071"), 0);
	dialog_set_first_hop(&d, &hop, false);
	rx = dest(SIP_PROTO_TLS, 5071, 9);
	answer(&d, "<sip:b@127.0.0.1:5072;transport=udp>", &rx);
	CU_ASSERT_EQUAL_FATAL(dialog_dest(&d, &out), 0);
	CU_ASSERT_EQUAL(out.proto, SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(port_of(&out), 5072);
	CU_ASSERT_EQUAL(out.conn_id, 0);
	dialog_clear(&d);

	/* no first hop known (a UAC dialog of its own): the URI alone */
	CU_ASSERT_EQUAL_FATAL(dialog_init_uac(&d, "<sip:a@127.0.0.1>", "<sip:b@127.0.0.1>",
	                                      "sip:b@127.0.0.1:5070"), 0);
	CU_ASSERT_EQUAL_FATAL(dialog_dest(&d, &out), 0);
	CU_ASSERT_EQUAL(out.proto, SIP_PROTO_UDP);
	dialog_clear(&d);
}

static void test_flow(void)
{
	struct dialog d;
	struct sip_dest out, flow = dest(SIP_PROTO_TLS, 40000, 3);
	/* a registered phone: its connection, whatever its Contact says */
	CU_ASSERT_EQUAL_FATAL(dialog_init_uac(&d, "<sip:a@127.0.0.1>", "<sip:1001@127.0.0.1>",
	                                      "sip:1001@192.168.1.20:5060;transport=tls"), 0);
	dialog_set_first_hop(&d, &flow, true);
	struct sip_dest rx = flow;
	answer(&d, "<sip:1001@192.168.1.20:5060>", &rx);
	CU_ASSERT_EQUAL_FATAL(dialog_dest(&d, &out), 0);
	CU_ASSERT_EQUAL(out.proto, SIP_PROTO_TLS);
	CU_ASSERT_EQUAL(port_of(&out), 40000);
	CU_ASSERT_EQUAL(out.conn_id, 3);
	CU_ASSERT_STRING_EQUAL(d.remote_target, "sip:1001@192.168.1.20:5060");
	dialog_clear(&d);
}

static void no_request(void *arg, struct sip_tsx *st, struct sip_msg *req)
{
	(void)arg; (void)st; (void)req;
}
static void no_cancel(void *arg, struct sip_tsx *st, struct sip_msg *req)
{
	(void)arg; (void)st; (void)req;
}
static void no_stray(void *arg, struct sip_msg *resp)
{
	(void)arg; (void)resp;
}
static void no_rx(void *arg, struct sip_msg *m)
{
	(void)arg; (void)m;
}
static void no_bad(void *arg, const struct sip_rx_info *rx, const char *data, size_t len,
                   const struct sip_error *err)
{
	(void)arg; (void)rx; (void)data; (void)len; (void)err;
}

/* The listener of the request's transport, the user escaped (§25.1). */
static void test_contact_uri(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct sip_transport_cfg cfg = { 0 };
	struct sip_transport *tp = NULL;
	unsigned port = 0;
	for (int i = 0; i < 20 && !port; i++) {
		tp = sip_transport_new(loop, &cfg, no_rx, no_bad, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(tp);
		unsigned p = 20000 + (unsigned)(rand() % 20000);
		struct sip_listener_cfg u = { .proto = SIP_PROTO_UDP, .address = "127.0.0.1", .port = p };
		struct sip_listener_cfg t = { .proto = SIP_PROTO_TCP, .address = "127.0.0.1", .port = p };
		if (sip_transport_listen(tp, &u) == 0 && sip_transport_listen(tp, &t) == 0)
			port = p;
		else
			sip_transport_free(tp);
	}
	CU_ASSERT_FATAL(port != 0);
	static const struct sip_tu_ops ops = { no_request, no_cancel, no_stray, NULL };
	struct sip_timer_cfg tm = { 0.5, 4, 5 };
	struct sip_stack *stk = sip_stack_new(loop, tp, &tm, &ops, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(stk);
	struct sip_dest udp, tcp;
	CU_ASSERT_EQUAL(uri_dest(sip_str_c("sip:127.0.0.1:5999"), &udp), 0);
	CU_ASSERT_EQUAL(uri_dest(sip_str_c("sip:127.0.0.1:5999;transport=tcp"), &tcp), 0);
	char uri[256], want[256];
	CU_ASSERT_EQUAL(dialog_contact_uri(stk, &udp, "office-line", uri, sizeof uri), 0);
	snprintf(want, sizeof want, "sip:office-line@127.0.0.1:%u", port);
	CU_ASSERT_STRING_EQUAL(uri, want);
	CU_ASSERT_EQUAL(dialog_contact_uri(stk, &tcp, "+49 30;x", uri, sizeof uri), 0);
	snprintf(want, sizeof want, "sip:+49%%2030;x@127.0.0.1:%u;transport=tcp", port);
	CU_ASSERT_STRING_EQUAL(uri, want);
	CU_ASSERT_EQUAL(dialog_contact_uri(stk, &udp, NULL, uri, sizeof uri), 0);
	snprintf(want, sizeof want, "sip:127.0.0.1:%u", port);
	CU_ASSERT_STRING_EQUAL(uri, want);
	CU_ASSERT_EQUAL(dialog_contact_uri(stk, &udp, "a@b", uri, 12), -ENOSPC);
	sip_stack_free(stk);
	sip_transport_free(tp);
	ev_loop_destroy(loop);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("dialog", NULL, NULL);
	if (s) {
		CU_add_test(s, "uri_dest", test_uri_dest);
		CU_add_test(s, "first hop kept for a target naming no transport", test_first_hop);
		CU_add_test(s, "a registered contact's flow", test_flow);
		CU_add_test(s, "our Contact URI with a user part", test_contact_uri);
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
