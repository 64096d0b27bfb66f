/* Unit tests: mod_rtprelay's media endpoint as a call's far end: the SDP
 * answer and offer (RFC 3264), and symmetric RTP (RFC 4961) over 127.0.0.1. */
#include "config.h"

#include "unit.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../modules/rtprelay/answer.h"
#include "../../modules/rtprelay/media.h"
#include "../../modules/rtprelay/ports.h"
#include "../../modules/rtprelay/sdp.h"

#define PORT_MIN 44100
#define PORT_MAX 44139
#define WAIT_MS  3000             /* upper bound to never hang, not a speed check */
#define MY_PORT  30000

static bool has_line(const char *sdp, const char *line)
{
	char want[256];
	snprintf(want, sizeof want, "%s\r\n", line);
	return strstr(sdp, want) != NULL;
}

/* Answer an offer with the pure writer; the answer must parse back. */
static int answer(const char *offer, struct rtpr_sdp_choice *ch, char *out, size_t size,
                  struct rtpr_sdp *back)
{
	struct rtpr_sdp o;
	int rc = rtpr_sdp_parse(offer, strlen(offer), &o);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	rc = rtpr_sdp_answer(&o, "127.0.0.1", MY_PORT, 4242, 4242, ch, out, size);
	if (rc > 0) {
		CU_ASSERT_EQUAL(strlen(out), (size_t)rc);
		CU_ASSERT_EQUAL(rtpr_sdp_parse(out, (size_t)rc, back), 0);
		CU_ASSERT_EQUAL(back->nmedia, o.nmedia);
	}
	return rc;
}

#define SESS "v=0\r\no=bob 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

static void test_pcma_first(void)
{
	char out[1024];
	struct rtpr_sdp_choice ch;
	struct rtpr_sdp back;
	int rc = answer(SESS "m=audio 4000 RTP/AVP 18 8 0 101\r\n"
	                "a=rtpmap:101 telephone-event/8000\r\n", &ch, out, sizeof out, &back);
	CU_ASSERT_FATAL(rc > 0);
	CU_ASSERT_EQUAL(ch.codec, RTPR_PCMA);
	CU_ASSERT_EQUAL(ch.stream, 0);
	CU_ASSERT_STRING_EQUAL(ch.remote, "192.0.2.1");
	CU_ASSERT_EQUAL(ch.remote_port, 4000);
	CU_ASSERT(has_line(out, "m=audio 30000 RTP/AVP 8 101"));
	CU_ASSERT(has_line(out, "a=rtpmap:8 PCMA/8000"));
	CU_ASSERT(has_line(out, "c=IN IP4 127.0.0.1"));
	CU_ASSERT(has_line(out, "o=tandem 4242 4242 IN IP4 127.0.0.1"));
	CU_ASSERT(has_line(out, "a=sendrecv"));
	CU_ASSERT_PTR_NULL(strstr(out, "PCMU"));
	CU_ASSERT_EQUAL(back.media[0].port, MY_PORT);
	CU_ASSERT_EQUAL(back.media[0].nfmt, 2);
	CU_ASSERT_EQUAL(back.media[0].fmt[0], 8);
	CU_ASSERT_EQUAL(back.media[0].te_pt, 101);

	/* PCMU first: PCMU */
	rc = answer(SESS "m=audio 4000 RTP/AVP 0 8\r\n", &ch, out, sizeof out, &back);
	CU_ASSERT_FATAL(rc > 0);
	CU_ASSERT_EQUAL(ch.codec, RTPR_PCMU);
	CU_ASSERT(has_line(out, "m=audio 30000 RTP/AVP 0"));
	CU_ASSERT(has_line(out, "a=rtpmap:0 PCMU/8000"));
	CU_ASSERT_EQUAL(ch.te_pt, -1);
	CU_ASSERT_PTR_NULL(strstr(out, "telephone-event"));
}

static void test_no_usable_stream(void)
{
	char out[1024];
	struct rtpr_sdp_choice ch;
	struct rtpr_sdp back;
	static const char *const refused[] = {
		/* SRTP only: no keys to answer with */
		SESS "m=audio 4000 RTP/SAVP 0 8\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n",
		/* feedback profiles: only exactly RTP/AVP */
		SESS "m=audio 4000 RTP/AVPF 0 8\r\n",
		SESS "m=audio 4000 RTP/SAVPF 0\r\n",
		/* no G.711 */
		SESS "m=audio 4000 RTP/AVP 18 9 101\r\n",
		/* G.711 only on a rejected stream, or on video */
		SESS "m=audio 0 RTP/AVP 0 8\r\n",
		SESS "m=video 4000 RTP/AVP 0\r\n",
		/* no media at all */
		SESS,
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		CU_ASSERT_EQUAL(answer(refused[i], &ch, out, sizeof out, &back), -EPROTONOSUPPORT);
	/* the plain stream after an SRTP one is taken */
	int rc = answer(SESS "m=audio 4000 RTP/SAVP 0\r\nm=audio 4002 RTP/AVP 0\r\n", &ch, out,
	                sizeof out, &back);
	CU_ASSERT_FATAL(rc > 0);
	CU_ASSERT_EQUAL(ch.stream, 1);
	CU_ASSERT(has_line(out, "m=audio 0 RTP/SAVP 0"));
	CU_ASSERT_PTR_NULL(strstr(out, "a=crypto"));
	CU_ASSERT_EQUAL(back.media[0].port, 0);
	CU_ASSERT_EQUAL(back.media[1].port, MY_PORT);
}

static void test_video_rejected(void)
{
	char out[1024];
	struct rtpr_sdp_choice ch;
	struct rtpr_sdp back;
	int rc = answer(SESS "m=video 5000 RTP/AVP 31 34\r\na=rtpmap:31 H261/90000\r\n"
	                "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 192.0.2.7\r\n"
	                "m=application 6000 TCP/BFCP *\r\n", &ch, out, sizeof out, &back);
	CU_ASSERT_FATAL(rc > 0);
	CU_ASSERT_EQUAL(ch.stream, 1);
	CU_ASSERT_STRING_EQUAL(ch.remote, "192.0.2.7");   /* the m-line's own c= */
	CU_ASSERT_EQUAL_FATAL(back.nmedia, 3);
	CU_ASSERT_STRING_EQUAL(back.media[0].type, "video");
	CU_ASSERT_EQUAL(back.media[0].port, 0);
	CU_ASSERT_STRING_EQUAL(back.media[1].type, "audio");
	CU_ASSERT_EQUAL(back.media[1].port, MY_PORT);
	CU_ASSERT_STRING_EQUAL(back.media[2].type, "application");
	CU_ASSERT_EQUAL(back.media[2].port, 0);
	CU_ASSERT(has_line(out, "m=video 0 RTP/AVP 31 34"));
	CU_ASSERT(has_line(out, "m=application 0 TCP/BFCP 0"));
	CU_ASSERT_PTR_NULL(strstr(out, "H261"));
	/* the video comes before the audio, as offered */
	CU_ASSERT(strstr(out, "m=video") < strstr(out, "m=audio"));
}

static void test_telephone_event(void)
{
	char out[1024];
	struct rtpr_sdp_choice ch;
	struct rtpr_sdp back;
	int rc = answer(SESS "m=audio 4000 RTP/AVP 0 96 97\r\n"
	                "a=rtpmap:97 telephone-event/48000\r\n"
	                "a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n",
	                &ch, out, sizeof out, &back);
	CU_ASSERT_FATAL(rc > 0);
	CU_ASSERT_EQUAL(ch.te_pt, 96);
	CU_ASSERT(has_line(out, "m=audio 30000 RTP/AVP 0 96"));
	CU_ASSERT(has_line(out, "a=rtpmap:96 telephone-event/8000"));
	CU_ASSERT(has_line(out, "a=fmtp:96 0-15"));
	CU_ASSERT_PTR_NULL(strstr(out, "97"));
	/* only at another clock rate, or not among the formats: not echoed */
	rc = answer(SESS "m=audio 4000 RTP/AVP 0 97\r\na=rtpmap:97 telephone-event/16000\r\n",
	            &ch, out, sizeof out, &back);
	CU_ASSERT_FATAL(rc > 0);
	CU_ASSERT_EQUAL(ch.te_pt, -1);
	CU_ASSERT_PTR_NULL(strstr(out, "telephone-event"));
	rc = answer(SESS "m=audio 4000 RTP/AVP 0\r\na=rtpmap:101 telephone-event/8000\r\n",
	            &ch, out, sizeof out, &back);
	CU_ASSERT_FATAL(rc > 0);
	CU_ASSERT_EQUAL(ch.te_pt, -1);
	/* on the audio's own type: audio wins */
	rc = answer(SESS "m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:8 telephone-event/8000\r\n",
	            &ch, out, sizeof out, &back);
	CU_ASSERT_FATAL(rc > 0);
	CU_ASSERT_EQUAL(ch.te_pt, -1);
	CU_ASSERT(has_line(out, "m=audio 30000 RTP/AVP 0"));
}

static void test_direction(void)
{
	static const struct { const char *attr, *want; } cases[] = {
		{ "a=sendonly\r\n", "a=recvonly" },
		{ "a=recvonly\r\n", "a=sendonly" },
		{ "a=inactive\r\n", "a=inactive" },
		{ "a=sendrecv\r\n", "a=sendrecv" },
		{ "", "a=sendrecv" },
	};
	char offer[512], out[1024];
	struct rtpr_sdp_choice ch;
	struct rtpr_sdp back;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(offer, sizeof offer, SESS "m=audio 4000 RTP/AVP 0\r\n%s", cases[i].attr);
		CU_ASSERT_FATAL(answer(offer, &ch, out, sizeof out, &back) > 0);
		CU_ASSERT(has_line(out, cases[i].want));
	}
	/* a session-level attribute applies to the stream */
	CU_ASSERT_FATAL(answer(SESS "a=sendonly\r\nm=audio 4000 RTP/AVP 0\r\n", &ch, out, sizeof out,
	                       &back) > 0);
	CU_ASSERT(has_line(out, "a=recvonly"));
	CU_ASSERT_EQUAL(back.media[0].dir, RTPR_DIR_RECVONLY);
}

static void test_remote_address(void)
{
	char out[1024];
	struct rtpr_sdp_choice ch;
	struct rtpr_sdp back;
	/* on hold (RFC 3264 §8.4), a name: latching will find the peer */
	CU_ASSERT_FATAL(answer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
	                       "m=audio 4000 RTP/AVP 0\r\n", &ch, out, sizeof out, &back) > 0);
	CU_ASSERT_STRING_EQUAL(ch.remote, "");
	CU_ASSERT_FATAL(answer("v=0\r\no=- 1 1 IN IP4 pbx.example.com\r\ns=-\r\n"
	                       "c=IN IP4 pbx.example.com\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
	                       &ch, out, sizeof out, &back) > 0);
	CU_ASSERT_STRING_EQUAL(ch.remote, "");
	CU_ASSERT_FATAL(answer("v=0\r\no=- 1 1 IN IP6 ::\r\ns=-\r\nc=IN IP6 ::\r\nt=0 0\r\n"
	                       "m=audio 4000 RTP/AVP 0\r\n", &ch, out, sizeof out, &back) > 0);
	CU_ASSERT_STRING_EQUAL(ch.remote, "");
	/* IPv6 both ways */
	struct rtpr_sdp o;
	const char *v6 = "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::1\r\n"
	                 "t=0 0\r\nm=audio 4000 RTP/AVP 8\r\n";
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_parse(v6, strlen(v6), &o), 0);
	CU_ASSERT_FATAL(rtpr_sdp_answer(&o, "::1", MY_PORT, 7, 7, &ch, out, sizeof out) > 0);
	CU_ASSERT_STRING_EQUAL(ch.remote, "2001:db8::1");
	CU_ASSERT(has_line(out, "c=IN IP6 ::1"));
	CU_ASSERT(has_line(out, "o=tandem 7 7 IN IP6 ::1"));
	/* our address must be a literal, our port real */
	CU_ASSERT_EQUAL(rtpr_sdp_answer(&o, "pbx.example.com", MY_PORT, 7, 7, &ch, out, sizeof out), -EINVAL);
	CU_ASSERT_EQUAL(rtpr_sdp_answer(&o, NULL, MY_PORT, 7, 7, &ch, out, sizeof out), -EINVAL);
	CU_ASSERT_EQUAL(rtpr_sdp_answer(&o, "127.0.0.1", 0, 7, 7, &ch, out, sizeof out), -EINVAL);
}

static void test_tiny_buffer(void)
{
	struct rtpr_sdp o;
	const char *offer = SESS "m=video 5000 RTP/AVP 31\r\nm=audio 4000 RTP/AVP 0 101\r\n"
	                    "a=rtpmap:101 telephone-event/8000\r\n";
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_parse(offer, strlen(offer), &o), 0);
	char full[1024], out[1024];
	int len = rtpr_sdp_answer(&o, "127.0.0.1", MY_PORT, 1, 1, NULL, full, sizeof full);
	CU_ASSERT_FATAL(len > 0);
	int bad = 0;
	for (int size = 0; size <= len; size++)
		if (rtpr_sdp_answer(&o, "127.0.0.1", MY_PORT, 1, 1, NULL, out, (size_t)size) != -ENOSPC)
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(rtpr_sdp_answer(&o, "127.0.0.1", MY_PORT, 1, 1, NULL, out, (size_t)len + 1), len);
	CU_ASSERT_STRING_EQUAL(out, full);
	/* the offer writer too */
	len = rtpr_sdp_offer("127.0.0.1", MY_PORT, 1, 1, full, sizeof full);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(rtpr_sdp_offer("127.0.0.1", MY_PORT, 1, 1, out, (size_t)len), -ENOSPC);
	CU_ASSERT_EQUAL(rtpr_sdp_offer("127.0.0.1", MY_PORT, 1, 1, out, (size_t)len + 1), len);
}

static void test_offer(void)
{
	char out[1024];
	struct rtpr_sdp s;
	int len = rtpr_sdp_offer("127.0.0.1", MY_PORT, 99, 99, out, sizeof out);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_parse(out, (size_t)len, &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.nmedia, 1);
	CU_ASSERT_EQUAL(s.media[0].port, MY_PORT);
	CU_ASSERT_STRING_EQUAL(s.media[0].proto, "RTP/AVP");
	CU_ASSERT_EQUAL_FATAL(s.media[0].nfmt, 3);
	CU_ASSERT_EQUAL(s.media[0].fmt[0], 0);
	CU_ASSERT_EQUAL(s.media[0].fmt[1], 8);
	CU_ASSERT_EQUAL(s.media[0].fmt[2], 101);
	CU_ASSERT_EQUAL(s.media[0].te_pt, 101);
	CU_ASSERT_EQUAL(s.media[0].dir, RTPR_DIR_SENDRECV);
	CU_ASSERT_STRING_EQUAL(s.media[0].addr, "127.0.0.1");
	CU_ASSERT(has_line(out, "a=fmtp:101 0-15"));
	CU_ASSERT_EQUAL(rtpr_sdp_offer("not an address", MY_PORT, 99, 99, out, sizeof out), -EINVAL);
}

/* ---- endpoints over 127.0.0.1 ---- */

static int udp_open(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static void udp_send(int fd, uint16_t port, const void *p, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CU_ASSERT_EQUAL(sendto(fd, p, len, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)len);
}

/* One datagram, or -1 after ms. */
static int udp_recv(int fd, uint8_t *buf, size_t n, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return (int)recv(fd, buf, n, 0);
}

/* An RTP packet of pt with 160 bytes of payload b. */
static size_t rtp(uint8_t *p, unsigned pt, uint16_t seq, uint8_t b)
{
	memset(p, 0, 12 + 160);
	p[0] = 0x80;
	p[1] = (uint8_t)pt;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[11] = 1;
	memset(p + 12, b, 160);
	return 12 + 160;
}

/* Feed the endpoint what fd sends it; the recv_frame result. */
static int ep_take(struct rtpr_media_ep *ep, int fd, const uint8_t *p, size_t len,
                   int16_t *pcm, size_t *n)
{
	udp_send(fd, rtpr_media_port(ep), p, len);
	struct pollfd pfd = { .fd = rtpr_media_fd(ep), .events = POLLIN };
	CU_ASSERT_EQUAL(poll(&pfd, 1, WAIT_MS), 1);
	return rtpr_media_recv_frame(ep, pcm, RTPR_FRAME_SAMPLES, n, NULL);
}

/* Does a frame the endpoint sends arrive at fd (with payload type pt)? */
static bool ep_reaches(struct rtpr_media_ep *ep, int fd, int ms, unsigned pt)
{
	int16_t f[RTPR_FRAME_SAMPLES] = { 0 };
	uint8_t b[512];
	if (rtpr_media_send_frame(ep, f) != 0)
		return false;
	int r = udp_recv(fd, b, sizeof b, ms);
	return r == 12 + RTPR_FRAME_SAMPLES && (b[1] & 0x7F) == pt;
}

static void test_latching(void)
{
	struct rtpr_ports *ports;
	CU_ASSERT_EQUAL_FATAL(rtpr_ports_create(&ports, "127.0.0.1", PORT_MIN, PORT_MAX), 0);
	uint16_t pa, pb;
	int a = udp_open(&pa), b = udp_open(&pb);
	CU_ASSERT_FATAL(a >= 0 && b >= 0);
	char offer[512], ans[1024];
	snprintf(offer, sizeof offer,
	         "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
	         "m=audio %u RTP/AVP 0 8 96\r\na=rtpmap:96 telephone-event/8000\r\n", pa);
	struct rtpr_media_ep *ep;
	int len = rtpr_media_answer(ports, "127.0.0.1", offer, strlen(offer), &ep, ans, sizeof ans);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ep);
	char want[64];
	snprintf(want, sizeof want, "m=audio %u RTP/AVP 0 96", rtpr_media_port(ep));
	CU_ASSERT(has_line(ans, want));

	/* aimed at the offer's address */
	CU_ASSERT(ep_reaches(ep, a, WAIT_MS, RTPR_PCMU));
	/* the phone really sends from b (NAT): the endpoint follows */
	uint8_t p[256];
	int16_t pcm[RTPR_FRAME_SAMPLES];
	size_t n;
	CU_ASSERT_EQUAL(ep_take(ep, b, p, rtp(p, RTPR_PCMA, 1, 0xD5), pcm, &n), 0);
	CU_ASSERT_EQUAL(n, RTPR_FRAME_SAMPLES);
	/* PCMA decoded although the endpoint sends PCMU */
	CU_ASSERT_EQUAL(pcm[0], rtpr_alaw_decode(0xD5));
	CU_ASSERT(ep_reaches(ep, b, WAIT_MS, RTPR_PCMU));
	CU_ASSERT(!ep_reaches(ep, a, 100, RTPR_PCMU));
	/* neither garbage nor an unknown payload type moves it back */
	CU_ASSERT_EQUAL(ep_take(ep, a, (const uint8_t *)"hello, world", 12, pcm, &n), -ENOMSG);
	CU_ASSERT_EQUAL(ep_take(ep, a, p, rtp(p, 18, 2, 0), pcm, &n), -ENOMSG);
	CU_ASSERT(ep_reaches(ep, b, WAIT_MS, RTPR_PCMU));
	/* a telephone-event (the offer's type, 96) does */
	uint8_t te[16] = { 0x80, 96, 0, 3, 0, 0, 0, 160, 0, 0, 0, 1, 5, 0x8a, 0, 160 };
	CU_ASSERT_EQUAL(ep_take(ep, a, te, sizeof te, pcm, &n), -ENOMSG);
	char digit;
	unsigned ms;
	CU_ASSERT_EQUAL(rtpr_media_dtmf(ep, &digit, &ms), 1);
	CU_ASSERT_EQUAL(digit, '5');
	CU_ASSERT(ep_reaches(ep, a, WAIT_MS, RTPR_PCMU));
	/* PCMU from a decodes as PCMU */
	CU_ASSERT_EQUAL(ep_take(ep, a, p, rtp(p, RTPR_PCMU, 3, 0x80), pcm, &n), 0);
	CU_ASSERT_EQUAL(pcm[0], rtpr_ulaw_decode(0x80));
	rtpr_media_close(ep);
	close(a);
	close(b);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), 0);
	rtpr_ports_destroy(ports);
}

static void test_endpoint_answer_errors(void)
{
	struct rtpr_ports *ports;
	CU_ASSERT_EQUAL_FATAL(rtpr_ports_create(&ports, "127.0.0.1", PORT_MIN, PORT_MAX), 0);
	struct rtpr_media_ep *ep = (void *)1;
	char ans[1024], big[4096];
	static const char *const malformed[] = {
		"", "hello", "v=1\r\n", "v=0\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\n",   /* no o= */
		SESS "m=audio 99999 RTP/AVP 0\r\n", SESS "m=audio\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", /* no c= */
	};
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		CU_ASSERT_EQUAL(rtpr_media_answer(ports, "127.0.0.1", malformed[i], strlen(malformed[i]),
		                                  &ep, ans, sizeof ans), -EINVAL);
		CU_ASSERT_PTR_NULL(ep);
	}
	const char *savp = SESS "m=audio 4000 RTP/SAVP 0\r\n";
	CU_ASSERT_EQUAL(rtpr_media_answer(ports, "127.0.0.1", savp, strlen(savp), &ep, ans, sizeof ans),
	                -EPROTONOSUPPORT);
	/* more m-lines than can be answered one by one */
	size_t off = (size_t)snprintf(big, sizeof big, SESS);
	for (int i = 0; i <= RTPR_SDP_MAX_MEDIA; i++)
		off += (size_t)snprintf(big + off, sizeof big - off, "m=audio %d RTP/AVP 0\r\n", 4000 + 2 * i);
	CU_ASSERT_EQUAL(rtpr_media_answer(ports, "127.0.0.1", big, off, &ep, ans, sizeof ans),
	                -EPROTONOSUPPORT);
	const char *ok = SESS "m=audio 4000 RTP/AVP 0\r\n";
	CU_ASSERT_EQUAL(rtpr_media_answer(ports, "127.0.0.1", ok, strlen(ok), &ep, ans, 20), -ENOSPC);
	CU_ASSERT_PTR_NULL(ep);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), 0);   /* the failed ones gave their port back */
	rtpr_ports_destroy(ports);
}

/* media_offer: no remote until the peer sends; then its address and codec. */
static void test_endpoint_offer(void)
{
	struct rtpr_ports *ports;
	CU_ASSERT_EQUAL_FATAL(rtpr_ports_create(&ports, "127.0.0.1", PORT_MIN, PORT_MAX), 0);
	struct rtpr_media_ep *ep;
	char off[1024];
	int len = rtpr_media_offer(ports, "127.0.0.1", &ep, off, sizeof off);
	CU_ASSERT_FATAL(len > 0);
	char want[64];
	snprintf(want, sizeof want, "m=audio %u RTP/AVP 0 8 101", rtpr_media_port(ep));
	CU_ASSERT(has_line(off, want));
	int16_t f[RTPR_FRAME_SAMPLES] = { 0 };
	CU_ASSERT_EQUAL(rtpr_media_send_frame(ep, f), -ENOTCONN);
	uint16_t pa;
	int a = udp_open(&pa);
	CU_ASSERT_FATAL(a >= 0);
	uint8_t p[256];
	int16_t pcm[RTPR_FRAME_SAMPLES];
	size_t n;
	/* the answerer chose PCMA: we send PCMA to where it sends from */
	CU_ASSERT_EQUAL(ep_take(ep, a, p, rtp(p, RTPR_PCMA, 1, 0xD5), pcm, &n), 0);
	CU_ASSERT(ep_reaches(ep, a, WAIT_MS, RTPR_PCMA));
	rtpr_media_close(ep);
	close(a);
	CU_ASSERT_EQUAL(rtpr_ports_in_use(ports), 0);
	rtpr_ports_destroy(ports);
}

/* The o= version of an SDP. */
static unsigned long long o_version(const char *sdp)
{
	unsigned long long id, v;
	const char *o = strstr(sdp, "o=");
	return o && sscanf(o, "o=%*s %llu %llu", &id, &v) == 2 ? v : 0;
}

/* A re-INVITE's offer on the endpoint (RFC 3264 §8): hold, then resume
 * at a new address, then an offer it cannot take. */
static void test_reanswer(void)
{
	struct rtpr_ports *ports;
	CU_ASSERT_EQUAL_FATAL(rtpr_ports_create(&ports, "127.0.0.1", PORT_MIN, PORT_MAX), 0);
	uint16_t pa, pb;
	int a = udp_open(&pa), b = udp_open(&pb);
	CU_ASSERT_FATAL(a >= 0 && b >= 0);
	const char *fmt = "v=0\r\no=- 1 %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	                  "t=0 0\r\nm=audio %u RTP/AVP %s\r\n%s";
	char offer[512], first[1024], ans[1024], want[64];
	snprintf(offer, sizeof offer, fmt, 1, pa, "0 101", "a=rtpmap:101 telephone-event/8000\r\n");
	struct rtpr_media_ep *ep;
	CU_ASSERT_FATAL(rtpr_media_answer(ports, "127.0.0.1", offer, strlen(offer), &ep, first,
	                                  sizeof first) > 0);
	snprintf(want, sizeof want, "m=audio %u RTP/AVP 0 101", rtpr_media_port(ep));
	CU_ASSERT(ep_reaches(ep, a, WAIT_MS, RTPR_PCMU));

	/* hold: sendonly answered recvonly, same port, version + 1, silence */
	snprintf(offer, sizeof offer, fmt, 2, pa, "0 101",
	         "a=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n");
	CU_ASSERT_FATAL(rtpr_media_reanswer(ep, "127.0.0.1", offer, strlen(offer), ans, sizeof ans) > 0);
	CU_ASSERT(has_line(ans, want));
	CU_ASSERT(has_line(ans, "a=recvonly"));
	CU_ASSERT_EQUAL(o_version(ans), o_version(first) + 1);
	CU_ASSERT(!ep_reaches(ep, a, 100, RTPR_PCMU));

	/* resume, moved to b, PCMA now: sendrecv, version + 2, PCMA to b */
	snprintf(offer, sizeof offer, fmt, 3, pb, "8", "");
	CU_ASSERT_FATAL(rtpr_media_reanswer(ep, "127.0.0.1", offer, strlen(offer), ans, sizeof ans) > 0);
	snprintf(want, sizeof want, "m=audio %u RTP/AVP 8", rtpr_media_port(ep));
	CU_ASSERT(has_line(ans, want));
	CU_ASSERT(has_line(ans, "a=sendrecv"));
	CU_ASSERT_EQUAL(o_version(ans), o_version(first) + 2);
	CU_ASSERT(ep_reaches(ep, b, WAIT_MS, RTPR_PCMA));

	/* nothing usable: refused, the endpoint as it was */
	snprintf(offer, sizeof offer, fmt, 4, pa, "18", "");
	CU_ASSERT_EQUAL(rtpr_media_reanswer(ep, "127.0.0.1", offer, strlen(offer), ans, sizeof ans),
	                -EPROTONOSUPPORT);
	CU_ASSERT(ep_reaches(ep, b, WAIT_MS, RTPR_PCMA));
	rtpr_media_close(ep);
	close(a);
	close(b);
	rtpr_ports_destroy(ports);
}

static CU_TestInfo sdp_tests[] = {
	{ "PCMA first in the offer: PCMA", test_pcma_first },
	{ "no plain RTP G.711 stream: EPROTONOSUPPORT", test_no_usable_stream },
	{ "other m-lines kept, port 0", test_video_rejected },
	{ "telephone-event echoed with its type", test_telephone_event },
	{ "direction mirrored", test_direction },
	{ "remote address: hold, names, IPv6", test_remote_address },
	{ "tiny buffer: ENOSPC", test_tiny_buffer },
	{ "offer", test_offer },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo endpoint_tests[] = {
	{ "symmetric RTP: the remote follows the source", test_latching },
	{ "answer errors give the port back", test_endpoint_answer_errors },
	{ "offer: remote and codec learnt from the peer", test_endpoint_offer },
	{ "re-offer: hold, resume elsewhere, refused", test_reanswer },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "answer", .pTests = sdp_tests },
	{ .pName = "endpoint", .pTests = endpoint_tests },
	CU_SUITE_INFO_NULL,
};
