/* Benchmark: parse a typical INVITE with SDP (about 800 bytes, 12 headers)
 * in a loop; prints messages/s and ns/message.
 * usage: bench/parse [iterations] [--validate] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tandem/sip_msg.h>

static const char invite[] =
	"INVITE sip:1002@pbx.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9a7c8e1d2f3;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: \"Alice 1001\" <sip:1001@pbx.example.com>;tag=9fxced76sl\r\n"
	"To: <sip:1002@pbx.example.com>\r\n"
	"Call-ID: 3848276298220188511@192.0.2.10\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:1001@192.0.2.10:5060;transport=udp>\r\n"
	"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, INFO, UPDATE\r\n"
	"Supported: replaces, timer, 100rel\r\n"
	"User-Agent: ExamplePhone/4.2.1\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 293\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n"
	"s=Talk\r\n"
	"c=IN IP4 192.0.2.10\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0 8 9 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=ptime:20\r\n"
	"a=maxptime:150\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-mux\r\n";

static double now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 1000000;
	bool validate = argc > 2 && strcmp(argv[2], "--validate") == 0;
	struct sip_msg m;
	struct sip_error err;
	unsigned long sink = 0;
	double t0, t1, c0, c1;

	memset(&m, 0, sizeof(m));
	/* check once that the message is what we think it is */
	if (sip_msg_parse(&m, invite, sizeof(invite) - 1, 0, &err) < 0 ||
	    sip_msg_validate_request(&m, &err) < 0 || m.nhdrs != 12 ||
	    m.body.len != (size_t)m.content_length) {
		fprintf(stderr, "bench message does not parse: %s (%u headers, body %zu)\n",
		        err.reason ? err.reason : "?", m.nhdrs, m.body.len);
		return 1;
	}
	sip_msg_free(&m);
	/* CPU time as well as wall time: on a shared machine the process
	 * CPU clock does not count the time other jobs held the core */
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (long i = 0; i < iters; i++) {
		if (sip_msg_parse(&m, invite, sizeof(invite) - 1, 0, &err) < 0)
			return 1;
		if (validate && sip_msg_validate_request(&m, &err) < 0)
			return 1;
		sink += m.nhdrs + m.body.len + m.cseq;
		sip_msg_free(&m);
	}
	c1 = now(CLOCK_PROCESS_CPUTIME_ID);
	t1 = now(CLOCK_MONOTONIC);
	if (iters > 0)
		printf("parse%s: %zu-byte INVITE, %u headers, %ld messages: wall %.3f s "
		       "(%.0f messages/s, %.1f ns/message), cpu %.3f s (%.0f messages/s, "
		       "%.1f ns/message) [sink %lu]\n",
		       validate ? "+validate" : "", sizeof(invite) - 1, 12u, iters,
		       t1 - t0, (double)iters / (t1 - t0), (t1 - t0) * 1e9 / (double)iters,
		       c1 - c0, (double)iters / (c1 - c0), (c1 - c0) * 1e9 / (double)iters, sink);
	return 0;
}
