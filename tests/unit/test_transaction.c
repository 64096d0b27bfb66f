/* tandem — transaction layer tests (RFC 3261 §17, §9): a real stack on
 * 127.0.0.1 talking to a hand-driven peer socket, T1 = 20 ms. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ev.h>
#include "unit.h"

#include <tandem/sip_msg.h>
#include <tandem/sip_writer.h>
#include <tandem/transport.h>
#include <tandem/transaction.h>

#define T1 0.02
#define T2 0.16
#define T4 0.2
#define MAXRX 256

/* ---- fixture: the stack, its transport and a peer socket ---- */

struct rxmsg {
	char *data;
	size_t len;
};

static struct ev_loop *loop;
static struct sip_transport *tp;
static struct sip_stack *stk;
static uint16_t stack_port;
static int peer_fd = -1;        /* UDP peer */
static uint16_t peer_port;
static ev_io peer_io;
static struct rxmsg rx[MAXRX];
static int nrx;

/* what the TU saw */
static int n_request, n_ack, n_cancel, n_stray, n_server_error;
static struct sip_tsx *held;          /* a server tsx kept by the TU */
static char ack_ruri[128];
static int tu_answer;                 /* status to answer with at once, 0 = hold */
static int cancel_answer;             /* status to answer the INVITE in on_cancel */
static bool tu_ignore;                /* neither answer nor keep the tsx */

static void on_request(void *arg, struct sip_tsx *st, struct sip_msg *req)
{
	if (!st) {
		CU_ASSERT_EQUAL(req->method, SIP_ACK);
		n_ack++;
		snprintf(ack_ruri, sizeof(ack_ruri), "%.*s", (int)req->ruri.len, req->ruri.p);
		return;
	}
	n_request++;
	CU_ASSERT_PTR_EQUAL(sip_tsx_request(st), req);
	if (tu_ignore)
		return;
	if (tu_answer) {
		CU_ASSERT_EQUAL(sip_tsx_respond(st, tu_answer, NULL, NULL), 0);
		return;
	}
	if (!held) {
		sip_tsx_ref(st);
		held = st;
	}
}

static void on_cancel(void *arg, struct sip_tsx *st, struct sip_msg *cancel)
{
	n_cancel++;
	CU_ASSERT_EQUAL(cancel->method, SIP_CANCEL);
	if (cancel_answer)
		CU_ASSERT_EQUAL(sip_tsx_respond(st, cancel_answer, NULL, NULL), 0);
}

static void on_stray(void *arg, struct sip_msg *resp)
{
	n_stray++;
}

static void on_server_error(void *arg, struct sip_tsx *st, int err)
{
	n_server_error++;
}

static const struct sip_tu_ops tu_ops = {
	.on_request = on_request,
	.on_cancel = on_cancel,
	.on_stray_response = on_stray,
	.on_server_error = on_server_error,
};

static void tp_rx(void *arg, struct sip_msg *msg)
{
	sip_stack_receive(stk, msg);
}

static void tp_bad(void *arg, const struct sip_rx_info *info, const char *data,
                   size_t len, const struct sip_error *err)
{
}

static void peer_cb(struct ev_loop *l, ev_io *w, int revents)
{
	char buf[8192];
	for (;;) {
		ssize_t n = recv(w->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return;
		if (nrx < MAXRX) {
			rx[nrx].data = malloc((size_t)n + 1);
			memcpy(rx[nrx].data, buf, (size_t)n);
			rx[nrx].data[n] = 0;
			rx[nrx].len = (size_t)n;
			nrx++;
		}
	}
}

static void rx_clear(void)
{
	for (int i = 0; i < nrx; i++)
		free(rx[i].data);
	nrx = 0;
}

static int udp_socket(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* A free port for the stack's listeners (UDP and TCP on the same number). */
static uint16_t pick_port(void)
{
	uint16_t p = 0;
	int fd = udp_socket(&p);
	if (fd >= 0)
		close(fd);
	return p;
}

static int setup(void)
{
	loop = ev_loop_new(EVFLAG_AUTO);
	struct sip_transport_cfg cfg = { 0 };
	tp = sip_transport_new(loop, &cfg, tp_rx, tp_bad, NULL);
	if (!tp)
		return -1;
	for (int i = 0; i < 20; i++) {
		stack_port = pick_port();
		struct sip_listener_cfg u = { .proto = SIP_PROTO_UDP, .address = "127.0.0.1",
		                              .port = stack_port };
		struct sip_listener_cfg t = { .proto = SIP_PROTO_TCP, .address = "127.0.0.1",
		                              .port = stack_port };
		if (sip_transport_listen(tp, &u) == 0 && sip_transport_listen(tp, &t) == 0)
			break;
		sip_transport_free(tp);
		tp = sip_transport_new(loop, &cfg, tp_rx, tp_bad, NULL);
		stack_port = 0;
	}
	if (!stack_port)
		return -1;
	struct sip_timer_cfg tm = { .t1 = T1, .t2 = T2, .t4 = T4 };
	stk = sip_stack_new(loop, tp, &tm, &tu_ops, NULL);
	peer_fd = udp_socket(&peer_port);
	if (!stk || peer_fd < 0)
		return -1;
	ev_io_init(&peer_io, peer_cb, peer_fd, EV_READ);
	ev_io_start(loop, &peer_io);
	return 0;
}

static void reset(void);

static int teardown(void)
{
	reset(); /* a transaction a test still holds */
	ev_io_stop(loop, &peer_io);
	close(peer_fd);
	sip_stack_free(stk);
	sip_transport_free(tp);
	ev_loop_destroy(loop);
	rx_clear();
	return 0;
}

/* Reset the per-test state; the stack carries on. */
static void reset(void)
{
	rx_clear();
	n_request = n_ack = n_cancel = n_stray = n_server_error = 0;
	tu_answer = cancel_answer = 0;
	tu_ignore = false;
	if (held)
		sip_tsx_unref(held);
	held = NULL;
}

static void deadline_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	*(bool *)w->data = true;
}

/* Run the loop until cond() holds or secs pass. */
static bool run_until(bool (*cond)(void), double secs)
{
	bool expired = false;
	ev_timer t;
	ev_timer_init(&t, deadline_cb, secs, 0.);
	t.data = &expired;
	ev_timer_start(loop, &t);
	while (!expired && !(cond && cond()))
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &t);
	return cond ? cond() : true;
}

static void run_for(double secs)
{
	run_until(NULL, secs);
}

static void peer_send(const char *msg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(stack_port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ssize_t n = sendto(peer_fd, msg, strlen(msg), 0, (struct sockaddr *)&a, sizeof(a));
	CU_ASSERT_EQUAL(n, (ssize_t)strlen(msg));
}

/* ---- looking at what the peer received ---- */

static int status_of(const struct rxmsg *m)
{
	int st = 0;
	if (sscanf(m->data, "SIP/2.0 %d", &st) != 1)
		return 0;
	return st;
}

/* Count responses with this status whose CSeq method is method. */
static int count_resp(int status, const char *method)
{
	int n = 0;
	for (int i = 0; i < nrx; i++) {
		if (status_of(&rx[i]) != status)
			continue;
		const char *c = strstr(rx[i].data, "\r\nCSeq:");
		if (c && strstr(c, method) && strstr(c, method) < strstr(c + 2, "\r\n"))
			n++;
	}
	return n;
}

static int count_req(const char *method)
{
	int n = 0;
	size_t l = strlen(method);
	for (int i = 0; i < nrx; i++)
		if (!strncmp(rx[i].data, method, l) && rx[i].data[l] == ' ')
			n++;
	return n;
}

static const struct rxmsg *last_req(const char *method)
{
	size_t l = strlen(method);
	for (int i = nrx - 1; i >= 0; i--)
		if (!strncmp(rx[i].data, method, l) && rx[i].data[l] == ' ')
			return &rx[i];
	return NULL;
}

static const struct rxmsg *last_resp(int status)
{
	for (int i = nrx - 1; i >= 0; i--)
		if (status_of(&rx[i]) == status)
			return &rx[i];
	return NULL;
}

/* The text of header name (first occurrence) into out. */
static const char *hdr(const struct rxmsg *m, const char *name, char *out, size_t n)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	out[0] = 0;
	const char *p = m ? strstr(m->data, pat) : NULL;
	if (!p)
		return out;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	const char *e = strstr(p, "\r\n");
	snprintf(out, n, "%.*s", (int)(e - p), p);
	return out;
}

static const char *to_tag_of(const struct rxmsg *m, char *out, size_t n)
{
	char to[256];
	hdr(m, "To", to, sizeof(to));
	const char *t = strstr(to, ";tag=");
	out[0] = 0;
	if (t) {
		t += 5;
		size_t l = strcspn(t, ";> ");
		snprintf(out, n, "%.*s", (int)l, t);
	}
	return out;
}

/* ---- requests from the peer ---- */

static char reqbuf[2048];

static const char *make_req(const char *method, const char *branch, const char *callid,
                            unsigned cseq, const char *cseq_method, const char *to_tag)
{
	char via_branch[96] = "";
	if (branch)
		snprintf(via_branch, sizeof(via_branch), ";branch=%s", branch);
	snprintf(reqbuf, sizeof(reqbuf),
	         "%s sip:1002@127.0.0.1:%u SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:%u%s;rport\r\n"
	         "Max-Forwards: 70\r\n"
	         "From: <sip:1001@127.0.0.1>;tag=peer1\r\n"
	         "To: <sip:1002@127.0.0.1>%s%s\r\n"
	         "Call-ID: %s\r\n"
	         "CSeq: %u %s\r\n"
	         "Contact: <sip:1001@127.0.0.1:%u>\r\n"
	         "Content-Length: 0\r\n\r\n",
	         method, (unsigned)stack_port, (unsigned)peer_port, via_branch,
	         to_tag ? ";tag=" : "", to_tag ? to_tag : "",
	         callid, cseq, cseq_method ? cseq_method : method, (unsigned)peer_port);
	return reqbuf;
}


/* Wait for the n-th response with this status and CSeq method (robust
 * against late retransmissions from earlier tests reaching the peer). */
static int wr_status, wr_n;
static const char *wr_method;
static bool resp_at_least(void) { return count_resp(wr_status, wr_method) >= wr_n; }
static bool wait_resp(int status, const char *method, int n, double secs)
{
	wr_status = status;
	wr_method = method;
	wr_n = n;
	return run_until(resp_at_least, secs);
}

static const char *wq_method;
static int wq_n;
static bool req_at_least(void) { return count_req(wq_method) >= wq_n; }
static bool wait_req(const char *method, int n, double secs)
{
	wq_method = method;
	wq_n = n;
	return run_until(req_at_least, secs);
}

static int *wi_ptr, wi_val;
static unsigned long *wl_ptr, wl_val;
static bool int_at_least(void) { return *wi_ptr >= wi_val; }
static bool ulong_at_least(void) { return *wl_ptr >= wl_val; }
/* Wait until *p >= v (a TU counter). */
static bool wait_int(int *p, int v, double secs)
{
	wi_ptr = p;
	wi_val = v;
	return run_until(int_at_least, secs);
}

/* Wait until the stack's retrans_absorbed reaches v. */
static struct sip_stack_stats wl_stats;
static bool absorbed_at_least(void)
{
	sip_stack_get_stats(stk, &wl_stats);
	wl_ptr = &wl_stats.retrans_absorbed;
	return ulong_at_least();
}
static bool wait_absorbed(unsigned long v, double secs)
{
	wl_val = v;
	return run_until(absorbed_at_least, secs);
}

/* ---- server transactions ---- */

static void test_nist_absorbs(void)
{
	reset();
	tu_answer = 200;
	struct sip_stack_stats st0, st1;
	sip_stack_get_stats(stk, &st0);
	const char *m = make_req("OPTIONS", "z9hG4bKnist1", "nist1@peer", 1, NULL, NULL);
	peer_send(m);
	CU_ASSERT(wait_resp(200, "OPTIONS", 1, 2.0));
	CU_ASSERT_EQUAL(count_resp(200, "OPTIONS"), 1);
	char tag[64];
	CU_ASSERT(to_tag_of(last_resp(200), tag, sizeof(tag))[0] != 0);
	peer_send(m);   /* retransmission: same final again, TU not bothered */
	CU_ASSERT(wait_resp(200, "OPTIONS", 2, 2.0));
	CU_ASSERT_EQUAL(count_resp(200, "OPTIONS"), 2);
	CU_ASSERT_EQUAL(n_request, 1);
	CU_ASSERT_STRING_EQUAL(rx[0].data, rx[1].data);
	sip_stack_get_stats(stk, &st1);
	CU_ASSERT_EQUAL(st1.retrans_absorbed, st0.retrans_absorbed + 1);
	CU_ASSERT_EQUAL(st1.server_tsx, st0.server_tsx + 1);   /* Timer J running */
	run_for(64 * T1 + 0.2);
	sip_stack_get_stats(stk, &st1);
	CU_ASSERT_EQUAL(st1.server_tsx, st0.server_tsx);      /* J fired */
}

static void test_ist_non2xx(void)
{
	reset();
	const char *m = make_req("INVITE", "z9hG4bKist1", "ist1@peer", 1, NULL, NULL);
	char invite[2048];
	snprintf(invite, sizeof(invite), "%s", m);
	peer_send(invite);
	CU_ASSERT(wait_resp(100, "INVITE", 1, 2.0));
	CU_ASSERT_EQUAL(count_resp(100, "INVITE"), 1);   /* §17.2.1: at once */
	CU_ASSERT_EQUAL(n_request, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(held);
	char tag[64];
	CU_ASSERT_EQUAL(to_tag_of(last_resp(100), tag, sizeof(tag))[0], 0);
	CU_ASSERT_EQUAL(sip_tsx_respond(held, 180, NULL, NULL), 0);
	CU_ASSERT(wait_resp(180, "INVITE", 1, 2.0));
	peer_send(invite);   /* absorbed: the last provisional again */
	CU_ASSERT(wait_resp(180, "INVITE", 2, 2.0));
	CU_ASSERT_EQUAL(count_resp(180, "INVITE"), 2);
	CU_ASSERT_EQUAL(n_request, 1);
	CU_ASSERT_STRING_EQUAL(to_tag_of(last_resp(180), tag, sizeof(tag)), sip_tsx_to_tag(held));

	CU_ASSERT_EQUAL(sip_tsx_respond(held, 486, NULL, NULL), 0);
	CU_ASSERT(sip_tsx_answered(held));
	CU_ASSERT_EQUAL(sip_tsx_respond(held, 480, NULL, NULL), -EALREADY);
	run_for(0.3);   /* Timer G: T1, 2T1, 4T1, T2... */
	int n486 = count_resp(486, "INVITE");
	CU_ASSERT(n486 >= 2 && n486 <= 8);
	snprintf(invite, sizeof(invite), "%s",
	         make_req("ACK", "z9hG4bKist1", "ist1@peer", 1, NULL, tag));
	struct sip_stack_stats s0, s1;
	sip_stack_get_stats(stk, &s0);
	peer_send(invite);
	peer_send(invite);   /* ACK retransmission within Timer I: absorbed */
	CU_ASSERT(wait_absorbed(s0.retrans_absorbed + 1, 1.0));
	sip_stack_get_stats(stk, &s1);
	run_for(T1);
	int after_ack = count_resp(486, "INVITE");
	CU_ASSERT_EQUAL(n_ack, 0);
	CU_ASSERT_EQUAL(s1.retrans_absorbed, s0.retrans_absorbed + 1);
	run_for(4 * T2);
	CU_ASSERT_EQUAL(count_resp(486, "INVITE"), after_ack);   /* G stopped */
	CU_ASSERT_EQUAL(n_server_error, 0);
}

static void test_ist_2xx(void)
{
	reset();
	char invite[2048];
	snprintf(invite, sizeof(invite), "%s",
	         make_req("INVITE", "z9hG4bKist2", "ist2@peer", 7, NULL, NULL));
	peer_send(invite);
	CU_ASSERT(wait_resp(100, "INVITE", 1, 2.0));
	CU_ASSERT_PTR_NOT_NULL_FATAL(held);
	CU_ASSERT_EQUAL(sip_tsx_respond(held, 200, NULL, NULL), 0);
	run_for(0.2);
	int n200 = count_resp(200, "INVITE");
	CU_ASSERT(n200 >= 3 && n200 <= 8);   /* retransmitted until ACK */
	CU_ASSERT_EQUAL(n_ack, 0);
	char tag[64];
	to_tag_of(last_resp(200), tag, sizeof(tag));
	CU_ASSERT_STRING_EQUAL(tag, sip_tsx_to_tag(held));
	/* the ACK for a 2xx is a new transaction: its own branch, the remote target */
	char ack[2048];
	snprintf(ack, sizeof(ack), "%s",
	         make_req("ACK", "z9hG4bKack2", "ist2@peer", 7, NULL, tag));
	peer_send(ack);
	CU_ASSERT(wait_int(&n_ack, 1, 1.0));
	run_for(T1);
	int after = count_resp(200, "INVITE");
	run_for(3 * T2);
	CU_ASSERT_EQUAL(count_resp(200, "INVITE"), after);
	CU_ASSERT_EQUAL(n_server_error, 0);
	CU_ASSERT_EQUAL(n_request, 1);
}

static void test_ist_2xx_no_ack(void)
{
	reset();
	tu_answer = 200;
	peer_send(make_req("INVITE", "z9hG4bKist3", "ist3@peer", 1, NULL, NULL));
	run_for(64 * T1 + 0.3);
	CU_ASSERT_EQUAL(n_server_error, 1);   /* §13.3.1.4: TU told to BYE */
	int n = count_resp(200, "INVITE");
	CU_ASSERT(n >= 5 && n <= 14);
}

static void test_cancel(void)
{
	reset();
	cancel_answer = 487;
	char invite[2048];
	snprintf(invite, sizeof(invite), "%s",
	         make_req("INVITE", "z9hG4bKcan1", "can1@peer", 3, NULL, NULL));
	peer_send(invite);
	CU_ASSERT(wait_resp(100, "INVITE", 1, 2.0));
	CU_ASSERT_PTR_NOT_NULL_FATAL(held);
	peer_send(make_req("CANCEL", "z9hG4bKcan1", "can1@peer", 3, NULL, NULL));
	CU_ASSERT(wait_resp(487, "INVITE", 1, 2.0));
	CU_ASSERT_EQUAL(count_resp(200, "CANCEL"), 1);
	CU_ASSERT_EQUAL(n_cancel, 1);
	CU_ASSERT(count_resp(487, "INVITE") >= 1);
	CU_ASSERT_EQUAL(n_request, 1);   /* CANCEL is not the TU's */
	char t1[64], t2[64];
	to_tag_of(last_resp(487), t1, sizeof(t1));
	CU_ASSERT_STRING_EQUAL(to_tag_of(last_resp(200), t2, sizeof(t2)), t1); /* §9.2 */
	peer_send(make_req("ACK", "z9hG4bKcan1", "can1@peer", 3, NULL, t1));
	run_for(0.05);
	CU_ASSERT_EQUAL(n_ack, 0);

	/* CANCEL of an answered INVITE: 200, no on_cancel */
	rx_clear();
	peer_send(make_req("CANCEL", "z9hG4bKcan1", "can1@peer", 3, NULL, NULL));
	/* the CANCEL retransmission is absorbed: same 200 again */
	CU_ASSERT(wait_resp(200, "CANCEL", 1, 1.0));
	CU_ASSERT_EQUAL(n_cancel, 1);

	/* CANCEL matching nothing: 481 */
	rx_clear();
	peer_send(make_req("CANCEL", "z9hG4bKnothing", "can2@peer", 3, NULL, NULL));
	CU_ASSERT(wait_resp(481, "CANCEL", 1, 2.0));
	CU_ASSERT_EQUAL(count_resp(481, "CANCEL"), 1);
	CU_ASSERT_EQUAL(n_cancel, 1);
}

static void test_cancel_answered(void)
{
	reset();
	tu_answer = 486;
	peer_send(make_req("INVITE", "z9hG4bKcan3", "can3@peer", 3, NULL, NULL));
	CU_ASSERT(wait_resp(486, "INVITE", 1, 2.0));
	peer_send(make_req("CANCEL", "z9hG4bKcan3", "can3@peer", 3, NULL, NULL));
	CU_ASSERT(wait_resp(200, "CANCEL", 1, 2.0));
	CU_ASSERT_EQUAL(n_cancel, 0);
	char tag[64];
	to_tag_of(last_resp(486), tag, sizeof(tag));
	peer_send(make_req("ACK", "z9hG4bKcan3", "can3@peer", 3, NULL, tag));
	run_for(0.03);
}

static void test_rfc2543(void)
{
	reset();
	tu_answer = 200;
	char m[2048];
	snprintf(m, sizeof(m), "%s", make_req("OPTIONS", NULL, "old1@peer", 5, NULL, NULL));
	peer_send(m);
	CU_ASSERT(wait_resp(200, "OPTIONS", 1, 2.0));
	peer_send(m);
	CU_ASSERT(wait_resp(200, "OPTIONS", 2, 2.0));
	CU_ASSERT_EQUAL(n_request, 1);
	/* a different CSeq is a new request */
	peer_send(make_req("OPTIONS", NULL, "old1@peer", 6, NULL, NULL));
	CU_ASSERT(wait_resp(200, "OPTIONS", 3, 2.0));
	CU_ASSERT_EQUAL(n_request, 2);

	/* an RFC 2543 INVITE, rejected; its ACK (To tag of our response) is absorbed */
	reset();
	tu_answer = 603;
	snprintf(m, sizeof(m), "%s", make_req("INVITE", NULL, "old2@peer", 1, NULL, NULL));
	peer_send(m);
	CU_ASSERT(wait_resp(603, "INVITE", 1, 2.0));
	char tag[64];
	to_tag_of(last_resp(603), tag, sizeof(tag));
	CU_ASSERT(tag[0] != 0);
	peer_send(make_req("ACK", NULL, "old2@peer", 1, NULL, tag));
	run_for(0.05);
	int n = count_resp(603, "INVITE");
	run_for(3 * T2);
	CU_ASSERT_EQUAL(count_resp(603, "INVITE"), n);
	CU_ASSERT_EQUAL(n_ack, 0);
	CU_ASSERT_EQUAL(n_request, 1);
}

/* ---- client transactions ---- */

static int ct_calls, ct_status, ct_final;
static struct sip_tsx *ct_cancel_on_180;

static void ct_cb(void *arg, struct sip_tsx *ct, const struct sip_msg *resp, int status)
{
	ct_calls++;
	ct_status = status;
	if (status >= 200)
		ct_final++;
	CU_ASSERT(resp ? resp->status == status : (status == 408 || status == 503));
	if (ct_cancel_on_180 == ct && status == 180)
		CU_ASSERT_EQUAL(sip_tsx_cancel(ct), 0);
}

static bool ct_done(void) { return ct_final > 0; }

static struct sip_dest peer_dest(void)
{
	struct sip_dest d = { .proto = SIP_PROTO_UDP };
	struct sockaddr_in *a = (struct sockaddr_in *)&d.addr;
	a->sin_family = AF_INET;
	a->sin_port = htons(peer_port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d.addr_len = sizeof(*a);
	return d;
}

static struct sip_tsx *client_send(const char *method, const char *callid)
{
	struct sip_dest d = peer_dest();
	struct sip_wbuf w;
	sip_wbuf_init(&w, 1024);
	sip_wbuf_printf(&w, "%s sip:1002@127.0.0.1:%u SIP/2.0\r\n", method, (unsigned)peer_port);
	char branch[64];
	CU_ASSERT_EQUAL(sip_stack_make_via(stk, &d, &w, branch, sizeof(branch)), 0);
	CU_ASSERT_EQUAL(strncmp(branch, "z9hG4bK", 7), 0);
	sip_wbuf_printf(&w, "Route: <sip:127.0.0.1:%u;lr>\r\n"
	                "Max-Forwards: 70\r\n"
	                "From: <sip:tandem@127.0.0.1>;tag=tnd1\r\n"
	                "To: <sip:1002@127.0.0.1>\r\n"
	                "Call-ID: %s\r\n"
	                "CSeq: 11 %s\r\n"
	                "Content-Length: 0\r\n\r\n", (unsigned)peer_port, callid, method);
	char *buf;
	long len = sip_wbuf_take(&w, &buf);
	CU_ASSERT_FATAL(len > 0);
	ct_calls = ct_status = ct_final = 0;
	return sip_tsx_client_new(stk, &d, buf, (size_t)len, ct_cb, NULL);
}

/* The peer answers the last request it got with status (and a To tag). */
static void peer_answer(const struct rxmsg *req, int status, const char *tag)
{
	char via[256], from[256], to[256], cid[128], cseq[64], out[2048];
	hdr(req, "Via", via, sizeof(via));
	hdr(req, "From", from, sizeof(from));
	hdr(req, "To", to, sizeof(to));
	hdr(req, "Call-ID", cid, sizeof(cid));
	hdr(req, "CSeq", cseq, sizeof(cseq));
	snprintf(out, sizeof(out),
	         "SIP/2.0 %d Whatever\r\nVia: %s\r\nFrom: %s\r\nTo: %s%s%s\r\n"
	         "Call-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
	         status, via, from, to, tag ? ";tag=" : "", tag ? tag : "", cid, cseq);
	peer_send(out);
}

static void test_ict_timer_b(void)
{
	reset();
	struct sip_stack_stats s0, s1;
	sip_stack_get_stats(stk, &s0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(client_send("INVITE", "ictb@tandem"));
	CU_ASSERT(run_until(ct_done, 64 * T1 + 1.0));
	CU_ASSERT_EQUAL(ct_status, 408);
	CU_ASSERT_EQUAL(ct_calls, 1);
	int n = count_req("INVITE");
	CU_ASSERT(n >= 3 && n <= 7);   /* Timer A: T1, 2T1, 4T1... within 64*T1 */
	sip_stack_get_stats(stk, &s1);
	CU_ASSERT(s1.timeouts >= s0.timeouts + 1);   /* older ISTs may time out too */
	CU_ASSERT_EQUAL(s1.client_tsx, s0.client_tsx);
	run_for(0.05);   /* drain a last retransmission still in flight */
	rx_clear();
	run_for(0.2);
	CU_ASSERT_EQUAL(count_req("INVITE"), 0);   /* nothing after B */
}

static void test_ict_486_ack(void)
{
	reset();
	CU_ASSERT_PTR_NOT_NULL_FATAL(client_send("INVITE", "ict486@tandem"));
	CU_ASSERT(wait_req("INVITE", 1, 1.0));
	const struct rxmsg *inv = last_req("INVITE");
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	char inv_copy[4096];
	snprintf(inv_copy, sizeof(inv_copy), "%s", inv->data);
	struct rxmsg invm = { inv_copy, strlen(inv_copy) };
	peer_answer(&invm, 486, "busy99");
	CU_ASSERT(run_until(ct_done, 1.0));
	CU_ASSERT_EQUAL(ct_status, 486);
	CU_ASSERT(wait_req("ACK", 1, 1.0));
	const struct rxmsg *ack = last_req("ACK");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ack);
	char a[256], b[256], tag[64];
	CU_ASSERT_STRING_EQUAL(to_tag_of(ack, tag, sizeof(tag)), "busy99");
	CU_ASSERT_STRING_EQUAL(hdr(ack, "Via", a, sizeof(a)), hdr(&invm, "Via", b, sizeof(b)));
	CU_ASSERT_STRING_EQUAL(hdr(ack, "Route", a, sizeof(a)), hdr(&invm, "Route", b, sizeof(b)));
	CU_ASSERT_STRING_EQUAL(hdr(ack, "Call-ID", a, sizeof(a)), "ict486@tandem");
	CU_ASSERT_STRING_EQUAL(hdr(ack, "CSeq", a, sizeof(a)), "11 ACK");
	char ruri[128];
	snprintf(ruri, sizeof(ruri), "ACK sip:1002@127.0.0.1:%u SIP/2.0\r\n", (unsigned)peer_port);
	CU_ASSERT_EQUAL(strncmp(ack->data, ruri, strlen(ruri)), 0);   /* same R-URI */
	/* a retransmitted 486: ACK again, no second callback */
	peer_answer(&invm, 486, "busy99");
	CU_ASSERT(wait_req("ACK", 2, 1.0));
	CU_ASSERT_EQUAL(ct_calls, 1);
	/* no INVITE retransmission after the final */
	int ninv = count_req("INVITE");
	run_for(0.2);
	CU_ASSERT_EQUAL(count_req("INVITE"), ninv);
}

static void test_ict_2xx_stray(void)
{
	reset();
	CU_ASSERT_PTR_NOT_NULL_FATAL(client_send("INVITE", "ict200@tandem"));
	CU_ASSERT(wait_req("INVITE", 1, 1.0));
	char inv[4096];
	snprintf(inv, sizeof(inv), "%s", last_req("INVITE")->data);
	struct rxmsg invm = { inv, strlen(inv) };
	peer_answer(&invm, 200, "ok1");
	CU_ASSERT(run_until(ct_done, 1.0));
	CU_ASSERT_EQUAL(ct_status, 200);
	peer_answer(&invm, 200, "ok1");   /* the ICT is gone: the TU gets it */
	CU_ASSERT(wait_int(&n_stray, 1, 1.0));
	run_for(T1);
	CU_ASSERT_EQUAL(n_stray, 1);
	CU_ASSERT_EQUAL(ct_calls, 1);
	CU_ASSERT_EQUAL(count_req("ACK"), 0);   /* ACK for 2xx is the TU's */
}

static void test_nict_timer_f(void)
{
	reset();
	struct sip_stack_stats s0, s1;
	sip_stack_get_stats(stk, &s0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(client_send("OPTIONS", "nictf@tandem"));
	CU_ASSERT(run_until(ct_done, 64 * T1 + 1.0));
	CU_ASSERT_EQUAL(ct_status, 408);
	CU_ASSERT_EQUAL(ct_calls, 1);
	/* Timer E: T1 doubling to T2: 0.02 .06 .14 .30 .46 ... 1.26 */
	int n = count_req("OPTIONS");
	CU_ASSERT(n >= 6 && n <= 12);
	sip_stack_get_stats(stk, &s1);
	CU_ASSERT(s1.timeouts >= s0.timeouts + 1);
	CU_ASSERT_EQUAL(s1.client_tsx, s0.client_tsx);
}

static void test_nict_200(void)
{
	reset();
	CU_ASSERT_PTR_NOT_NULL_FATAL(client_send("OPTIONS", "nict200@tandem"));
	CU_ASSERT(wait_req("OPTIONS", 1, 1.0));
	char req[4096];
	snprintf(req, sizeof(req), "%s", last_req("OPTIONS")->data);
	struct rxmsg m = { req, strlen(req) };
	peer_answer(&m, 100, NULL);
	CU_ASSERT(wait_int(&ct_calls, 1, 1.0));
	CU_ASSERT_EQUAL(ct_status, 100);
	peer_answer(&m, 200, "o");
	CU_ASSERT(run_until(ct_done, 1.0));
	CU_ASSERT_EQUAL(ct_status, 200);
	sip_stack_get_stats(stk, &wl_stats);
	unsigned long base = wl_stats.retrans_absorbed;
	peer_answer(&m, 200, "o");   /* absorbed in Completed */
	CU_ASSERT(wait_absorbed(base + 1, 1.0));
	CU_ASSERT_EQUAL(ct_calls, 2);
	CU_ASSERT_EQUAL(n_stray, 0);
}

static void test_ict_cancel(void)
{
	reset();
	struct sip_tsx *ct = client_send("INVITE", "ictcan@tandem");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	ct_cancel_on_180 = ct;
	CU_ASSERT(wait_req("INVITE", 1, 1.0));
	char inv[4096];
	snprintf(inv, sizeof(inv), "%s", last_req("INVITE")->data);
	struct rxmsg invm = { inv, strlen(inv) };
	peer_answer(&invm, 180, "ring1");
	CU_ASSERT(wait_req("CANCEL", 1, 1.0));
	ct_cancel_on_180 = NULL;
	CU_ASSERT_EQUAL(ct_status, 180);
	CU_ASSERT(count_req("CANCEL") >= 1);   /* Timer E may have re-sent it */
	const struct rxmsg *c = last_req("CANCEL");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	char a[256], b[256];
	/* §9.1: same Request-URI, Call-ID, From, To, CSeq number, top Via, Route */
	CU_ASSERT_EQUAL(strcspn(c->data, "\r") - 7, strcspn(inv, "\r") - 7);
	CU_ASSERT_EQUAL(strncmp(c->data + 7, inv + 7, strcspn(inv, "\r") - 7), 0);
	CU_ASSERT_STRING_EQUAL(hdr(c, "Via", a, sizeof(a)), hdr(&invm, "Via", b, sizeof(b)));
	CU_ASSERT_STRING_EQUAL(hdr(c, "Route", a, sizeof(a)), hdr(&invm, "Route", b, sizeof(b)));
	CU_ASSERT_STRING_EQUAL(hdr(c, "From", a, sizeof(a)), hdr(&invm, "From", b, sizeof(b)));
	CU_ASSERT_STRING_EQUAL(hdr(c, "To", a, sizeof(a)), hdr(&invm, "To", b, sizeof(b)));
	CU_ASSERT_STRING_EQUAL(hdr(c, "Call-ID", a, sizeof(a)), "ictcan@tandem");
	CU_ASSERT_STRING_EQUAL(hdr(c, "CSeq", a, sizeof(a)), "11 CANCEL");
	CU_ASSERT_EQUAL(sip_tsx_cancel(ct), -EALREADY);
	char cbuf[4096];
	snprintf(cbuf, sizeof(cbuf), "%s", c->data);
	struct rxmsg cm = { cbuf, strlen(cbuf) };
	peer_answer(&cm, 200, "ring1");
	peer_answer(&invm, 487, "ring1");
	CU_ASSERT(run_until(ct_done, 1.0));
	CU_ASSERT_EQUAL(ct_status, 487);
	CU_ASSERT(wait_req("ACK", 1, 1.0));
	run_for(T1);
	CU_ASSERT_EQUAL(count_req("ACK"), 1);
	CU_ASSERT_EQUAL(n_stray, 0);   /* the 200 for CANCEL matched its NICT */
}

static void test_ict_cancel_before_1xx(void)
{
	reset();
	struct sip_tsx *ct = client_send("INVITE", "ictcan2@tandem");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_EQUAL(sip_tsx_cancel(ct), 0);
	CU_ASSERT(wait_req("INVITE", 1, 1.0));
	run_for(0.05);
	CU_ASSERT_EQUAL(count_req("CANCEL"), 0);   /* §9.1: wait for a 1xx */
	char inv[4096];
	snprintf(inv, sizeof(inv), "%s", last_req("INVITE")->data);
	struct rxmsg invm = { inv, strlen(inv) };
	peer_answer(&invm, 100, NULL);
	CU_ASSERT(wait_req("CANCEL", 1, 1.0));
	/* the peer never finishes the INVITE: 64*T1 after the CANCEL, 408 */
	CU_ASSERT(run_until(ct_done, 64 * T1 + 1.0));
	CU_ASSERT_EQUAL(ct_status, 408);
}

static void test_ist_timer_h(void)
{
	reset();
	tu_answer = 480;
	struct sip_stack_stats s0, s1;
	sip_stack_get_stats(stk, &s0);
	peer_send(make_req("INVITE", "z9hG4bKisth", "isth@peer", 1, NULL, NULL));
	CU_ASSERT(wait_resp(480, "INVITE", 1, 2.0));
	run_for(64 * T1 + 0.2);   /* no ACK: Timer H */
	CU_ASSERT_EQUAL(n_server_error, 1);
	sip_stack_get_stats(stk, &s1);
	CU_ASSERT(s1.timeouts >= s0.timeouts + 1);
	rx_clear();
	run_for(0.1);
	CU_ASSERT_EQUAL(count_resp(480, "INVITE"), 0);   /* G stopped with H */
}

/* §8.1.3.1: a transport error is a 503, reported from the loop */
static void test_transport_error_503(void)
{
	reset();
	struct sip_tsx *ct = client_send("OPTIONS", "err503@tandem");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	/* sent again to nowhere: a stream destination with no address */
	const struct sip_msg *r = sip_tsx_request(ct);
	char *buf = malloc(r->len);
	memcpy(buf, r->buf, r->len);
	/* a fresh branch so it is a distinct transaction */
	char *b = strstr(buf, "branch=z9hG4bK");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	b[14] = b[14] == 'x' ? 'y' : 'x';
	struct sip_dest nowhere = { .proto = SIP_PROTO_TCP };
	ct_final = ct_calls = 0;
	struct sip_tsx *bad = sip_tsx_client_new(stk, &nowhere, buf, r->len, ct_cb, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bad);
	CU_ASSERT_EQUAL(ct_calls, 0);   /* never from inside sip_tsx_client_new */
	CU_ASSERT(run_until(ct_done, 1.0));
	CU_ASSERT_EQUAL(ct_status, 503);
	CU_ASSERT_EQUAL(ct_calls, 1);
	sip_tsx_detach(ct);   /* the first one times out quietly */
}

/* A request the TU dropped without answering or keeping gets 500. */
static void test_orphan_500(void)
{
	reset();
	tu_ignore = true;
	peer_send(make_req("MESSAGE", "z9hG4bKorph", "orph@peer", 1, NULL, NULL));
	CU_ASSERT(wait_resp(500, "MESSAGE", 1, 2.0));
	CU_ASSERT_EQUAL(n_request, 1);
}

/* ---- TCP: responses go back on the connection the request came on ---- */

static void test_tcp_nist(void)
{
	reset();
	tu_answer = 200;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t lport;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(stack_port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	lport = ntohs(a.sin_port);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	char m[2048];
	snprintf(m, sizeof(m),
	         "OPTIONS sip:1002@127.0.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/TCP 127.0.0.1:%u;branch=z9hG4bKtcp1\r\n"
	         "Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=x\r\n"
	         "To: <sip:b@127.0.0.1>\r\nCall-ID: tcp1@peer\r\nCSeq: 1 OPTIONS\r\n"
	         "Content-Length: 0\r\n\r\n", (unsigned)lport);
	struct sip_stack_stats s0;
	sip_stack_get_stats(stk, &s0);
	CU_ASSERT_EQUAL(write(fd, m, strlen(m)), (ssize_t)strlen(m));
	ev_io_stop(loop, &peer_io);
	ev_io_set(&peer_io, fd, EV_READ);
	ev_io_start(loop, &peer_io);
	CU_ASSERT(wait_resp(200, "OPTIONS", 1, 2.0));
	CU_ASSERT_EQUAL(count_resp(200, "OPTIONS"), 1);
	CU_ASSERT_EQUAL(n_request, 1);
	struct sip_stack_stats s;
	run_for(0.02);
	sip_stack_get_stats(stk, &s);   /* Timer J is zero on TCP */
	ev_io_stop(loop, &peer_io);
	ev_io_set(&peer_io, peer_fd, EV_READ);
	ev_io_start(loop, &peer_io);
	close(fd);
	CU_ASSERT(s.server_tsx <= s0.server_tsx);
}

/* ---- the TU drops its reference from inside a callback ---- */

static void ct_unref_cb(void *arg, struct sip_tsx *ct, const struct sip_msg *resp, int status)
{
	ct_final++;
	sip_tsx_detach(ct);
	sip_tsx_unref(ct);   /* the reference taken below */
}

static void test_reentrancy(void)
{
	reset();
	struct sip_dest d = peer_dest();
	struct sip_wbuf w;
	sip_wbuf_init(&w, 512);
	sip_wbuf_puts(&w, "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n");
	CU_ASSERT_EQUAL(sip_stack_make_via(stk, &d, &w, NULL, 0), 0);
	sip_wbuf_puts(&w, "From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\n"
	              "Call-ID: re1@tandem\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
	              "Content-Length: 0\r\n\r\n");
	char *buf;
	long len = sip_wbuf_take(&w, &buf);
	ct_final = 0;
	struct sip_tsx *ct = sip_tsx_client_new(stk, &d, buf, (size_t)len, ct_unref_cb, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	sip_tsx_ref(ct);
	CU_ASSERT(run_until(ct_done, 64 * T1 + 1.0));
	/* an ACK has no transaction */
	char *ack = strdup("ACK sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKa\r\n"
	                   "From: <sip:a@b>;tag=1\r\nTo: <sip:x@c>;tag=2\r\nCall-ID: a\r\n"
	                   "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n");
	CU_ASSERT_PTR_NULL(sip_tsx_client_new(stk, &d, ack, strlen(ack), ct_cb, NULL));
}

/* sip_stack_free from inside a callback is deferred to the way out. */
static struct sip_stack *stk2;
static int stk2_calls;

static void free_stack_cb(void *arg, struct sip_tsx *ct, const struct sip_msg *resp,
                          int status)
{
	stk2_calls++;
	sip_stack_free(stk2);
}

static bool stk2_done(void) { return stk2_calls > 0; }

static void test_free_in_callback(void)
{
	reset();
	struct sip_timer_cfg tm = { .t1 = T1 / 4, .t2 = T2, .t4 = T4 };
	ct_final = ct_calls = 0;
	stk2 = sip_stack_new(loop, tp, &tm, &tu_ops, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(stk2);
	struct sip_dest d = peer_dest();
	for (int i = 0; i < 3; i++) {
		struct sip_wbuf w;
		sip_wbuf_init(&w, 512);
		sip_wbuf_printf(&w, "%s sip:x@127.0.0.1 SIP/2.0\r\n", i ? "INVITE" : "OPTIONS");
		CU_ASSERT_EQUAL(sip_stack_make_via(stk2, &d, &w, NULL, 0), 0);
		sip_wbuf_printf(&w, "From: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\n"
		                "Call-ID: free%d@tandem\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n"
		                "Content-Length: 0\r\n\r\n", i, i ? "INVITE" : "OPTIONS");
		char *buf;
		long len = sip_wbuf_take(&w, &buf);
		CU_ASSERT_FATAL(len > 0);
		/* the OPTIONS times out first (Timer F); the INVITEs are still calling */
		CU_ASSERT_PTR_NOT_NULL(sip_tsx_client_new(stk2, &d, buf, (size_t)len,
		                                          i ? ct_cb : free_stack_cb, NULL));
		if (i == 0)
			run_for(T1);
	}
	CU_ASSERT(run_until(stk2_done, 2.0));
	CU_ASSERT_EQUAL(stk2_calls, 1);
	run_for(0.1);   /* the freed stack's timers must not fire */
	CU_ASSERT_EQUAL(stk2_calls, 1);
	CU_ASSERT_EQUAL(ct_final, 0);
}

/* Odd but parseable messages handed straight to the stack: no crash, no leak. */
static void feed(const char *text)
{
	struct sip_msg *m = calloc(1, sizeof(*m));
	struct sip_error err;
	if (sip_msg_parse(m, text, strlen(text), 0, &err) < 0) {
		sip_msg_free(m);
		free(m);
		return;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)&m->rx.src;
	a->sin_family = AF_INET;
	a->sin_port = htons(peer_port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	m->rx.src_len = sizeof(*a);
	m->rx.proto = SIP_PROTO_UDP;
	sip_stack_receive(stk, m);
}

static void test_odd_input(void)
{
	reset();
	tu_answer = 200;
	static const char *const msgs[] = {
		"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n",
		"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1\r\n\r\n",
		"ACK sip:a@b SIP/2.0\r\n\r\n",
		"CANCEL sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK\r\n\r\n",
		"SIP/2.0 200 OK\r\n\r\n",
		"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKzz\r\n"
		"CSeq: 1 INVITE\r\n\r\n",
		"FOO sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKfoo\r\n"
		"Call-ID: y\r\nCSeq: 1 FOO\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		feed(msgs[i]);
		feed(msgs[i]);
	}
	sip_stack_receive(stk, NULL);
	run_for(0.05);
	CU_PASS("survived");
}

static CU_TestInfo transaction_tests[] = {
	{ "NIST absorbs a retransmission", test_nist_absorbs },
	{ "IST 100, 1xx re-sent, Timer G until ACK", test_ist_non2xx },
	{ "IST 2xx retransmitted until ACK", test_ist_2xx },
	{ "IST 2xx never ACKed", test_ist_2xx_no_ack },
	{ "CANCEL 200/487, unknown 481", test_cancel },
	{ "CANCEL of an answered INVITE", test_cancel_answered },
	{ "RFC 2543 matching", test_rfc2543 },
	{ "ICT Timer A and B", test_ict_timer_b },
	{ "ICT 486 -> ACK", test_ict_486_ack },
	{ "ICT 2xx then stray", test_ict_2xx_stray },
	{ "NICT Timer F", test_nict_timer_f },
	{ "NICT 100 then 200", test_nict_200 },
	{ "sip_tsx_cancel after 180", test_ict_cancel },
	{ "sip_tsx_cancel before 1xx", test_ict_cancel_before_1xx },
	{ "IST Timer H", test_ist_timer_h },
	{ "transport error -> 503", test_transport_error_503 },
	{ "unanswered request -> 500", test_orphan_500 },
	{ "TCP NIST", test_tcp_nist },
	{ "sip_stack_free inside a callback", test_free_in_callback },
	{ "odd input", test_odd_input },
	{ "unref from a callback; ACK refused", test_reentrancy },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "transaction", .pInitFunc = setup, .pCleanupFunc = teardown,
	  .pTests = transaction_tests },
	CU_SUITE_INFO_NULL,
};
