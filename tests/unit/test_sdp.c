/* Unit tests: mod_rtprelay SDP parse and rewrite. */
#include "config.h"

#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../modules/rtprelay/sdp.h"

static const char offer[] =
	"v=0\r\n"
	"o=alice 2890844526 7 IN IP4 192.0.2.10\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.10\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/SAVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32\r\n"
	"a=sendonly\r\n"
	"m=video 0 RTP/AVP 31\r\n";

static bool has_line(const char *sdp, const char *line)
{
	char want[256];
	snprintf(want, sizeof want, "%s\r\n", line);
	return strstr(sdp, want) != NULL;
}

static void test_parse_basic(void)
{
	struct rtpr_sdp s;
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_parse(offer, strlen(offer), &s), 0);
	CU_ASSERT_EQUAL(s.o_version, 7);
	CU_ASSERT_STRING_EQUAL(s.addr, "192.0.2.10");
	CU_ASSERT_EQUAL_FATAL(s.nmedia, 2);
	const struct rtpr_sdp_media *m = &s.media[0];
	CU_ASSERT_STRING_EQUAL(m->type, "audio");
	CU_ASSERT_EQUAL(m->port, 49170);
	CU_ASSERT_STRING_EQUAL(m->proto, "RTP/SAVP");
	CU_ASSERT_TRUE(m->secure);
	CU_ASSERT_EQUAL(m->nfmt, 3);
	CU_ASSERT_EQUAL(m->fmt[2], 101);
	CU_ASSERT_EQUAL(m->te_pt, 101);
	CU_ASSERT_EQUAL(m->te_rate, 8000);
	CU_ASSERT_EQUAL(m->dir, RTPR_DIR_SENDONLY);
	CU_ASSERT_EQUAL(m->rtcp_port, -1);
	CU_ASSERT_FALSE(m->has_conn);
	CU_ASSERT_STRING_EQUAL(m->addr, "192.0.2.10");
	CU_ASSERT_EQUAL_FATAL(m->ncrypto, 2);
	CU_ASSERT_EQUAL(m->crypto[1].tag, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->crypto[0].value, "AES_CM_128_HMAC_SHA1_80 inline:"));
	CU_ASSERT_EQUAL(s.media[1].port, 0);
	CU_ASSERT_FALSE(s.media[1].secure);
	CU_ASSERT_STRING_EQUAL(m->codec, "PCMU/8000");
	CU_ASSERT_STRING_EQUAL(s.media[1].codec, "H261/90000");   /* static, no rtpmap */
}

/* The first format's encoding: a=rtpmap wherever it is, else RFC 3551's. */
static void test_parse_codec(void)
{
	static const char sdp[] =
		"v=0\r\n"
		"o=- 1 1 IN IP4 192.0.2.1\r\n"
		"s=-\r\n"
		"c=IN IP4 192.0.2.1\r\n"
		"t=0 0\r\n"
		"m=audio 4000 RTP/AVP 111 8 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=rtpmap:111 opus/48000/2\r\n"
		"m=audio 4002 RTP/AVP 8 0\r\n"
		"m=audio 4004 RTP/AVP 96\r\n"
		"m=audio 4006 RTP/AVP 97\r\n"
		"a=rtpmap:97 AVERYVERYLONGCODECNAMETHATDOESNOTFIT/8000\r\n";
	struct rtpr_sdp s;
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_parse(sdp, strlen(sdp), &s), 0);
	CU_ASSERT_EQUAL_FATAL(s.nmedia, 4);
	CU_ASSERT_STRING_EQUAL(s.media[0].codec, "opus/48000/2");
	CU_ASSERT_EQUAL(s.media[0].te_pt, 101);
	CU_ASSERT_STRING_EQUAL(s.media[1].codec, "PCMA/8000");
	CU_ASSERT_STRING_EQUAL(s.media[2].codec, "");      /* dynamic without a=rtpmap */
	CU_ASSERT_STRING_EQUAL(s.media[3].codec, "");
}

static void test_parse_media_level(void)
{
	/* LF line ends, c= and a=rtcp per media, session-level direction, IPv6 */
	static const char sdp[] =
		"v=0\n"
		"o=- 1 1 IN IP6 2001:db8::1\n"
		"s=x\n"
		"t=0 0\n"
		"a=recvonly\n"
		"m=audio 4000/2 RTP/AVP 0\n"
		"c=IN IP6 2001:db8::1\n"
		"a=rtcp:5001 IN IP6 2001:db8::2\n"
		"a=rtcp-mux\n";
	struct rtpr_sdp s;
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_parse(sdp, strlen(sdp), &s), 0);
	CU_ASSERT_EQUAL(s.media[0].nports, 2);
	CU_ASSERT_TRUE(s.media[0].has_conn);
	CU_ASSERT_STRING_EQUAL(s.media[0].addr, "2001:db8::1");
	CU_ASSERT_EQUAL(s.media[0].rtcp_port, 5001);
	CU_ASSERT_STRING_EQUAL(s.media[0].rtcp_addr, "2001:db8::2");
	CU_ASSERT_TRUE(s.media[0].rtcp_mux);
	CU_ASSERT_EQUAL(s.media[0].dir, RTPR_DIR_RECVONLY);
}

static void test_parse_bad(void)
{
	static const char *const bad[] = {
		"",
		"v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\n",
		"o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n",
		"v=0\r\n",                                         /* no o= */
		"v=0\r\no=- 1 x IN IP4 1.2.3.4\r\n",               /* bad version */
		"v=0\r\no=- 1 1 IN IP4\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\n", /* no c= */
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=XX IP4 1.2.3.4\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ngarbage\r\n",
		"v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 0\r\na=rtcp:abc\r\n",
		"v=0\r\no=- 1 99999999999999999999999 IN IP4 1.2.3.4\r\n",
	};
	struct rtpr_sdp s;
	char out[512];
	size_t n;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CU_ASSERT_TRUE(rtpr_sdp_parse(bad[i], strlen(bad[i]), &s) < 0);
		CU_ASSERT_TRUE(rtpr_sdp_rewrite(bad[i], strlen(bad[i]), NULL, out, sizeof out, &n) < 0);
	}
	CU_ASSERT_TRUE(rtpr_sdp_parse(NULL, 0, &s) < 0);
	/* embedded NUL */
	static const char nul[] = "v=0\r\no=- 1 1 IN IP4 1.2\0.3.4\r\n";
	CU_ASSERT_TRUE(rtpr_sdp_parse(nul, sizeof nul - 1, &s) < 0);
	/* too many m-lines */
	char many[2048];
	int len = snprintf(many, sizeof many, "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n");
	for (int i = 0; i < RTPR_SDP_MAX_MEDIA + 1; i++)
		len += snprintf(many + len, sizeof many - (size_t)len, "m=audio %d RTP/AVP 0\r\n", 1000 + i);
	CU_ASSERT_EQUAL(rtpr_sdp_parse(many, (size_t)len, &s), -E2BIG);
}

/* Every truncation of a valid SDP and every single-byte corruption parses or
 * fails cleanly (run under ASan/valgrind to catch overreads). */
static void test_parse_fuzzish(void)
{
	char buf[sizeof offer], out[2048];
	struct rtpr_sdp s;
	size_t n;
	struct rtpr_sdp_rw rw = { .nmedia = 1, .media = { { .addr = "10.0.0.1", .rtp_port = 30000 } } };
	for (size_t cut = 0; cut < sizeof offer - 1; cut++) {
		(void)rtpr_sdp_parse(offer, cut, &s);
		(void)rtpr_sdp_rewrite(offer, cut, &rw, out, sizeof out, &n);
	}
	for (size_t i = 0; i < sizeof offer - 1; i += 3) {
		memcpy(buf, offer, sizeof offer);
		buf[i] = (char)(buf[i] ^ 0x5a);
		(void)rtpr_sdp_parse(buf, sizeof offer - 1, &s);
		(void)rtpr_sdp_rewrite(buf, sizeof offer - 1, &rw, out, sizeof out, &n);
	}
	CU_PASS("no crash");
}

static void test_rewrite_addresses(void)
{
	static const char *const ours[] = { "1 AES_CM_128_HMAC_SHA1_80 inline:AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIIIJJJJ" };
	struct rtpr_sdp_rw rw = {
		.nmedia = 1,
		.media = { { .addr = "203.0.113.5", .rtp_port = 30000, .rtcp_port = 30001,
		             .crypto_op = RTPR_CRYPTO_REPLACE, .ncrypto = 1, .crypto = ours } },
	};
	char out[2048];
	size_t n;
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(offer, strlen(offer), &rw, out, sizeof out, &n), 0);
	CU_ASSERT_EQUAL(n, strlen(out));
	CU_ASSERT_TRUE(has_line(out, "o=alice 2890844526 8 IN IP4 192.0.2.10"));
	CU_ASSERT_TRUE(has_line(out, "c=IN IP4 203.0.113.5"));
	CU_ASSERT_TRUE(has_line(out, "m=audio 30000 RTP/SAVP 0 8 101"));
	CU_ASSERT_TRUE(has_line(out, "a=rtpmap:101 telephone-event/8000"));
	CU_ASSERT_TRUE(has_line(out, "a=fmtp:101 0-16"));
	CU_ASSERT_TRUE(has_line(out, "a=sendonly"));
	CU_ASSERT_TRUE(has_line(out, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIIIJJJJ"));
	CU_ASSERT_PTR_NULL(strstr(out, "WVNfX19"));     /* the peer's keys are gone */
	CU_ASSERT_PTR_NULL(strstr(out, "a=rtcp:"));     /* RTCP on RTP+1 */
	CU_ASSERT_TRUE(has_line(out, "m=video 0 RTP/AVP 31"));
	CU_ASSERT_PTR_NULL(strstr(out, "192.0.2.10\r\nt="));
	/* the rejected video stream relied on the session c=: it keeps the old one */
	CU_ASSERT_TRUE(has_line(out, "m=video 0 RTP/AVP 31\r\nc=IN IP4 192.0.2.10"));

	struct rtpr_sdp s;
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_parse(out, n, &s), 0);
	CU_ASSERT_EQUAL(s.media[0].port, 30000);
	CU_ASSERT_STRING_EQUAL(s.media[0].addr, "203.0.113.5");
	CU_ASSERT_EQUAL(s.media[0].ncrypto, 1);
	CU_ASSERT_EQUAL(s.media[0].dir, RTPR_DIR_SENDONLY);
}

static void test_rewrite_remove_crypto_rtcp(void)
{
	struct rtpr_sdp_rw rw = {
		.nmedia = 1,
		.media = { { .addr = "10.1.1.1", .rtp_port = 30010, .rtcp_port = 30021,
		             .crypto_op = RTPR_CRYPTO_REMOVE } },
	};
	char out[2048];
	size_t n;
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(offer, strlen(offer), &rw, out, sizeof out, &n), 0);
	CU_ASSERT_TRUE(has_line(out, "m=audio 30010 RTP/AVP 0 8 101"));
	CU_ASSERT_PTR_NULL(strstr(out, "a=crypto"));
	CU_ASSERT_TRUE(has_line(out, "a=rtcp:30021"));

	/* RTP -> SRTP with an existing a=rtcp carrying an address and media c= */
	static const char plain[] =
		"v=0\r\no=- 5 5 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVPF 0\r\nc=IN IP4 1.2.3.4\r\na=rtcp:4001 IN IP4 1.2.3.4\r\na=inactive\r\n";
	static const char *const ours[] = { "7 AES_256_CM_HMAC_SHA1_80 inline:xyz" };
	struct rtpr_sdp_rw rw2 = {
		.nmedia = 1,
		.media = { { .addr = "fd00::1", .rtp_port = 30000, .crypto_op = RTPR_CRYPTO_REPLACE,
		             .ncrypto = 1, .crypto = ours } },
	};
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(plain, strlen(plain), &rw2, out, sizeof out, &n), 0);
	CU_ASSERT_TRUE(has_line(out, "m=audio 30000 RTP/SAVPF 0"));
	CU_ASSERT_TRUE(has_line(out, "c=IN IP6 fd00::1"));
	CU_ASSERT_TRUE(has_line(out, "a=rtcp:30001 IN IP6 fd00::1"));
	CU_ASSERT_TRUE(has_line(out, "a=inactive"));
	CU_ASSERT_TRUE(has_line(out, "a=crypto:7 AES_256_CM_HMAC_SHA1_80 inline:xyz"));
	CU_ASSERT_TRUE(has_line(out, "o=- 5 6 IN IP4 1.2.3.4"));
	CU_ASSERT_EQUAL(strstr(out, "c=IN IP4 1.2.3.4"), NULL);
}

static void test_rewrite_version(void)
{
	static const char sdp[] =
		"v=0\r\no=- 5 41 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=audio 30000 RTP/AVP 0\r\n";
	char out[1024], out2[1024];
	size_t n, n2;
	/* no change: same version */
	struct rtpr_sdp_rw same = { .nmedia = 1, .media = { { .addr = "10.0.0.1", .rtp_port = 30000 } } };
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(sdp, strlen(sdp), &same, out, sizeof out, &n), 0);
	CU_ASSERT_TRUE(has_line(out, "o=- 5 41 IN IP4 10.0.0.1"));
	CU_ASSERT_EQUAL(n, strlen(sdp));
	/* NULL rw: the SDP is only normalised */
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(sdp, strlen(sdp), NULL, out, sizeof out, &n), 0);
	CU_ASSERT_STRING_EQUAL(out, sdp);

	/* with an origin state: first sent keeps 41, the same again 41, a change 42 */
	struct rtpr_sdp_origin st = { 0 };
	struct rtpr_sdp_rw rw = { .nmedia = 1, .media = { { .addr = "10.9.9.9", .rtp_port = 31000 } },
	                          .origin = &st };
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(sdp, strlen(sdp), &rw, out, sizeof out, &n), 0);
	CU_ASSERT_TRUE(has_line(out, "o=- 5 41 IN IP4 10.0.0.1"));
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(sdp, strlen(sdp), &rw, out2, sizeof out2, &n2), 0);
	CU_ASSERT_STRING_EQUAL(out, out2);
	rw.media[0].rtp_port = 31002;
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(sdp, strlen(sdp), &rw, out, sizeof out, &n), 0);
	CU_ASSERT_TRUE(has_line(out, "o=- 5 42 IN IP4 10.0.0.1"));
	/* a too small buffer fails cleanly */
	CU_ASSERT_EQUAL(rtpr_sdp_rewrite(sdp, strlen(sdp), &rw, out, 20, &n), -ENOSPC);
	/* version 9 -> 10 grows the line */
	static const char v9[] = "v=0\r\no=- 5 9 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.1\r\nm=audio 1 RTP/AVP 0\r\n";
	struct rtpr_sdp_rw rw9 = { .nmedia = 1, .media = { { .addr = "10.0.0.2", .rtp_port = 2 } } };
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(v9, strlen(v9), &rw9, out, sizeof out, &n), 0);
	CU_ASSERT_STRING_EQUAL(out, "v=0\r\no=- 5 10 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.2\r\nm=audio 2 RTP/AVP 0\r\n");
}

static void test_rewrite_two_media(void)
{
	/* audio and video with different relay addresses: session c= follows
	 * the first, the second m-line gets its own c= */
	static const char sdp[] =
		"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n"
		"m=video 4002 RTP/AVP 96\r\ni=cam\r\nb=AS:256\r\na=rtpmap:96 H264/90000\r\n";
	struct rtpr_sdp_rw rw = { .nmedia = 2, .media = {
		{ .addr = "10.5.5.5", .rtp_port = 30000 },
		{ .addr = "10.6.6.6", .rtp_port = 30002 } } };
	char out[1024];
	size_t n;
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_rewrite(sdp, strlen(sdp), &rw, out, sizeof out, &n), 0);
	CU_ASSERT_TRUE(has_line(out, "c=IN IP4 10.5.5.5\r\nt=0 0"));
	CU_ASSERT_TRUE(has_line(out, "m=video 30002 RTP/AVP 96\r\ni=cam\r\nc=IN IP4 10.6.6.6\r\nb=AS:256"));
	struct rtpr_sdp s;
	CU_ASSERT_EQUAL_FATAL(rtpr_sdp_parse(out, n, &s), 0);
	CU_ASSERT_STRING_EQUAL(s.media[0].addr, "10.5.5.5");
	CU_ASSERT_STRING_EQUAL(s.media[1].addr, "10.6.6.6");
	/* an address with a line break is refused (no header injection) */
	rw.media[0].addr = "10.0.0.1\r\na=evil";
	CU_ASSERT_EQUAL(rtpr_sdp_rewrite(sdp, strlen(sdp), &rw, out, sizeof out, &n), -EINVAL);
}

static CU_TestInfo sdp_tests[] = {
	{ "parse basic", test_parse_basic },
	{ "parse media level", test_parse_media_level },
	{ "parse codec", test_parse_codec },
	{ "parse bad", test_parse_bad },
	{ "parse fuzz-ish", test_parse_fuzzish },
	{ "rewrite addresses+crypto", test_rewrite_addresses },
	{ "rewrite remove crypto, rtcp", test_rewrite_remove_crypto_rtcp },
	{ "rewrite version", test_rewrite_version },
	{ "rewrite two media", test_rewrite_two_media },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "sdp", .pTests = sdp_tests },
	CU_SUITE_INFO_NULL,
};
