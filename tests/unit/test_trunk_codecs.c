/* tandem — mod_trunk's codec filter on offers (modules/trunk/codecs.c):
 * allowed encodings kept in the offerer's order with their rtpmap/fmtp,
 * static payload types named by RFC 3551, telephone-event and CN kept,
 * other m-lines untouched, an m-line left with no codec refused. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include "unit.h"

#include "../../modules/trunk/trunk.h"

static const char offer[] =
	"v=0\r\n"
	"o=a 1 1 IN IP4 192.0.2.1\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.1\r\n"
	"t=0 0\r\n"
	"m=audio 4000 RTP/AVP 0 8 18 96 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:18 G729/8000\r\n"
	"a=fmtp:18 annexb=no\r\n"
	"a=rtpmap:96 opus/48000/2\r\n"
	"a=fmtp:96 useinbandfec=1\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=sendrecv\r\n"
	"m=image 4002 udptl t38\r\n"
	"a=T38FaxVersion:0\r\n";

static int filter(const char *const *names, size_t n, char *out, size_t size)
{
	return trunk_codecs_filter(offer, strlen(offer), names, n, out, size);
}

static void test_keeps_allowed_in_offer_order(void)
{
	const char *names[] = { "pcma", "OPUS" };
	char out[2048];
	int len = filter(names, 2, out, sizeof out);
	CU_ASSERT_FATAL(len > 0);
	out[len] = '\0';
	/* 8 (static, no rtpmap) and 96 kept in the offer's order, 101 too */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "m=audio 4000 RTP/AVP 8 96 101\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a=rtpmap:96 opus/48000/2\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a=fmtp:96 useinbandfec=1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a=fmtp:101 0-15\r\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "PCMU"));
	CU_ASSERT_PTR_NULL(strstr(out, "G729"));
	CU_ASSERT_PTR_NULL(strstr(out, "annexb"));
	/* session lines and attributes of no payload type stay */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "c=IN IP4 192.0.2.1\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a=sendrecv\r\n"));
	/* a non-RTP m-line is not touched */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "m=image 4002 udptl t38\r\na=T38FaxVersion:0\r\n"));
}

static void test_static_names(void)
{
	const char *names[] = { "G729" };
	char out[2048];
	int len = filter(names, 1, out, sizeof out);
	CU_ASSERT_FATAL(len > 0);
	out[len] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "m=audio 4000 RTP/AVP 18 101\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a=fmtp:18 annexb=no\r\n"));
}

static void test_nothing_left_refused(void)
{
	const char *names[] = { "G722" };
	char out[2048];
	/* telephone-event alone is no codec: the caller sends the offer as it is */
	CU_ASSERT_EQUAL(filter(names, 1, out, sizeof out), -ENOENT);
}

static void test_bounds(void)
{
	const char *names[] = { "PCMU" };
	char out[40];
	CU_ASSERT_EQUAL(filter(names, 1, out, sizeof out), -ENOSPC);
	CU_ASSERT_EQUAL(trunk_codecs_filter("hello", 5, names, 1, out, sizeof out), -EINVAL);
	/* LF line ends are SDP too (RFC 4566 §5 asks parsers to take them) */
	const char lf[] = "v=0\nm=audio 9 RTP/AVP 0 8\na=rtpmap:8 PCMA/8000\n";
	char big[256];
	int len = trunk_codecs_filter(lf, strlen(lf), names, 1, big, sizeof big);
	CU_ASSERT_FATAL(len > 0);
	big[len] = '\0';
	CU_ASSERT_STRING_EQUAL(big, "v=0\nm=audio 9 RTP/AVP 0\n");
}

static CU_TestInfo codec_tests[] = {
	{ "allowed codecs kept in the offer's order", test_keeps_allowed_in_offer_order },
	{ "static payload types by RFC 3551 name", test_static_names },
	{ "an m-line with no codec left is refused", test_nothing_left_refused },
	{ "small buffers, not SDP, LF line ends", test_bounds },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "trunk codecs", .pTests = codec_tests },
	CU_SUITE_INFO_NULL,
};
