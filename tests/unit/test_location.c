/* Unit tests: modules/registrar/location.c (RFC 3261 §10.3 rules and the
 * snapshot file). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "../../modules/registrar/location.h"

static const struct location_cfg cfg = {
	.default_expires = 3600, .min_expires = 60, .max_expires = 7200, .max_contacts = 3,
};

static struct sockaddr_in src4;
static struct sockaddr_in6 src6;

static struct location_contact_in ct(const char *uri, long expires, int q)
{
	return (struct location_contact_in){ .uri = sip_str_c(uri), .expires = expires, .q = q };
}

static struct location_request req(const char *aor, const char *callid, uint32_t cseq,
                                   long expires_hdr, const struct location_contact_in *c,
                                   unsigned n)
{
	return (struct location_request){
		.aor = aor, .call_id = sip_str_c(callid), .cseq = cseq, .expires_hdr = expires_hdr,
		.contacts = c, .ncontacts = n, .proto = SIP_PROTO_UDP,
		.src = (const struct sockaddr *)&src4, .src_len = sizeof src4, .conn_id = 0,
	};
}

static int reg(struct location *l, const char *aor, const char *callid, uint32_t cseq,
               long expires_hdr, const struct location_contact_in *c, unsigned n, time_t now)
{
	struct location_request r = req(aor, callid, cseq, expires_hdr, c, n);
	int perr = 0;
	int rc = location_register(l, &r, now, &perr);
	CU_ASSERT_EQUAL(perr, 0);
	return rc;
}

static unsigned nb(struct location *l, const char *aor)
{
	const struct location_aor *a = location_find(l, aor);
	return a ? a->n : 0;
}

static void test_expires_sources(void)
{
	struct location *l;
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, NULL, 1000, &l, NULL), 0);
	/* default */
	struct location_contact_in c1 = ct("sip:1001@10.0.0.1:5060", -1, -1);
	CU_ASSERT_EQUAL(reg(l, "1001", "cid-a", 1, -1, &c1, 1, 1000), 0);
	const struct location_aor *a = location_find(l, "1001");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->n, 1);
	CU_ASSERT_EQUAL(a->b[0].expires_at, 1000 + 3600);
	CU_ASSERT_EQUAL(a->b[0].q, 1000);
	CU_ASSERT_EQUAL(a->b[0].cseq, 1);
	CU_ASSERT_STRING_EQUAL(a->b[0].call_id, "cid-a");
	CU_ASSERT_STRING_EQUAL(a->b[0].contact, "sip:1001@10.0.0.1:5060");
	CU_ASSERT_EQUAL(a->b[0].src_len, sizeof src4);
	/* Expires header */
	CU_ASSERT_EQUAL(reg(l, "1001", "cid-a", 2, 300, &c1, 1, 1000), 0);
	CU_ASSERT_EQUAL(location_find(l, "1001")->b[0].expires_at, 1300);
	/* the Contact param beats the header */
	c1.expires = 120;
	CU_ASSERT_EQUAL(reg(l, "1001", "cid-a", 3, 300, &c1, 1, 1000), 0);
	CU_ASSERT_EQUAL(location_find(l, "1001")->b[0].expires_at, 1120);
	/* too long: shortened to max */
	c1.expires = 100000;
	CU_ASSERT_EQUAL(reg(l, "1001", "cid-a", 4, -1, &c1, 1, 1000), 0);
	CU_ASSERT_EQUAL(location_find(l, "1001")->b[0].expires_at, 1000 + 7200);
	/* too short: 423, nothing changed (no silent clamp up) */
	c1.expires = 59;
	CU_ASSERT_EQUAL(reg(l, "1001", "cid-a", 5, -1, &c1, 1, 1000), -ERANGE);
	CU_ASSERT_EQUAL(location_find(l, "1001")->b[0].expires_at, 1000 + 7200);
	CU_ASSERT_EQUAL(location_find(l, "1001")->b[0].cseq, 4);
	c1.expires = -1;
	CU_ASSERT_EQUAL(reg(l, "1001", "cid-a", 5, 10, &c1, 1, 1000), -ERANGE);
	/* exactly the minimum is fine */
	CU_ASSERT_EQUAL(reg(l, "1001", "cid-a", 5, 60, &c1, 1, 1000), 0);
	/* 423 for one Contact fails the whole request */
	struct location_contact_in two[2] = { ct("sip:1001@10.0.0.2", 600, -1), ct("sip:1001@10.0.0.3", 5, -1) };
	CU_ASSERT_EQUAL(reg(l, "1001", "cid-a", 6, -1, two, 2, 1000), -ERANGE);
	CU_ASSERT_EQUAL(nb(l, "1001"), 1);
	/* expires=0 removes */
	c1.expires = 0;
	CU_ASSERT_EQUAL(reg(l, "1001", "cid-a", 7, -1, &c1, 1, 1000), 0);
	CU_ASSERT_EQUAL(nb(l, "1001"), 0);
	CU_ASSERT_PTR_NULL(location_find(l, "1001"));
	CU_ASSERT_EQUAL(location_count(l), 0);
	/* removing an unknown contact is fine and creates nothing */
	CU_ASSERT_EQUAL(reg(l, "1009", "cid-z", 1, 0, &c1, 1, 1000), 0);
	CU_ASSERT_PTR_NULL(location_find(l, "1009"));
	location_close(l);
}

static void test_multi_q_lookup(void)
{
	struct location *l;
	struct location_contact out[4];
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, NULL, 1000, &l, NULL), 0);
	struct location_contact_in c[3] = {
		ct("sip:1002@10.0.0.1", 600, 500), ct("sip:1002@10.0.0.2", 900, 1000),
		ct("sip:1002@10.0.0.3", 300, 500),
	};
	CU_ASSERT_EQUAL(reg(l, "1002", "cid-b", 10, -1, c, 3, 1000), 0);
	CU_ASSERT_EQUAL(nb(l, "1002"), 3);
	CU_ASSERT_EQUAL(location_count(l), 3);
	CU_ASSERT_EQUAL(location_lookup(l, "1002", 1100, out, 4), 3);
	CU_ASSERT_STRING_EQUAL(out[0].uri, "sip:1002@10.0.0.2");
	CU_ASSERT_EQUAL(out[0].q, 1000);
	CU_ASSERT_EQUAL(out[0].expires_in, 800);
	CU_ASSERT_STRING_EQUAL(out[1].uri, "sip:1002@10.0.0.1");  /* same q: later expiry first */
	CU_ASSERT_STRING_EQUAL(out[2].uri, "sip:1002@10.0.0.3");
	CU_ASSERT_EQUAL(out[2].proto, SIP_PROTO_UDP);
	CU_ASSERT_EQUAL(((struct sockaddr_in *)&out[2].src)->sin_port, src4.sin_port);
	/* max smaller than the count */
	CU_ASSERT_EQUAL(location_lookup(l, "1002", 1100, out, 1), 3);
	CU_ASSERT_STRING_EQUAL(out[0].uri, "sip:1002@10.0.0.2");
	CU_ASSERT_EQUAL(location_lookup(l, "nobody", 1100, out, 4), 0);
	/* an expired one is not offered even before the sweep */
	CU_ASSERT_EQUAL(location_lookup(l, "1002", 1300, out, 4), 2);
	/* the sweep */
	int perr = 1;
	CU_ASSERT_EQUAL(location_expire(l, 1299, &perr), 0);
	CU_ASSERT_EQUAL(location_expire(l, 1300, &perr), 1);
	CU_ASSERT_EQUAL(perr, 0);
	CU_ASSERT_EQUAL(nb(l, "1002"), 2);
	CU_ASSERT_EQUAL(location_expire(l, 2000, NULL), 2);
	CU_ASSERT_PTR_NULL(location_find(l, "1002"));
	CU_ASSERT_EQUAL(location_count(l), 0);
	/* q out of range */
	c[0].q = 1001;
	CU_ASSERT_EQUAL(reg(l, "1002", "cid-b", 11, -1, c, 1, 1000), -EINVAL);
	/* a query (no Contact) changes nothing */
	CU_ASSERT_EQUAL(reg(l, "1002", "cid-b", 12, -1, NULL, 0, 1000), 0);
	CU_ASSERT_EQUAL(location_count(l), 0);
	location_close(l);
}

static void test_wildcard(void)
{
	struct location *l;
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, NULL, 1000, &l, NULL), 0);
	struct location_contact_in c[2] = { ct("sip:1003@10.0.0.1", -1, -1), ct("sip:1003@10.0.0.2", -1, -1) };
	CU_ASSERT_EQUAL(reg(l, "1003", "cid-c", 5, 600, c, 2, 1000), 0);
	struct location_request r = req("1003", "cid-c", 6, 0, NULL, 0);
	r.wildcard = true;
	/* "*" needs Expires: 0 ... */
	r.expires_hdr = 600;
	CU_ASSERT_EQUAL(location_register(l, &r, 1000, NULL), -EINVAL);
	r.expires_hdr = -1;
	CU_ASSERT_EQUAL(location_register(l, &r, 1000, NULL), -EINVAL);
	/* ... and no other Contact */
	r.expires_hdr = 0;
	r.contacts = c;
	r.ncontacts = 1;
	CU_ASSERT_EQUAL(location_register(l, &r, 1000, NULL), -EINVAL);
	CU_ASSERT_EQUAL(nb(l, "1003"), 2);
	/* same Call-ID, CSeq not higher: refused (§10.3 step 6) */
	r.contacts = NULL;
	r.ncontacts = 0;
	r.cseq = 5;
	CU_ASSERT_EQUAL(location_register(l, &r, 1000, NULL), -EALREADY);
	CU_ASSERT_EQUAL(nb(l, "1003"), 2);
	r.cseq = 6;
	CU_ASSERT_EQUAL(location_register(l, &r, 1000, NULL), 0);
	CU_ASSERT_PTR_NULL(location_find(l, "1003"));
	CU_ASSERT_EQUAL(location_count(l), 0);
	/* another Call-ID may remove with any CSeq */
	CU_ASSERT_EQUAL(reg(l, "1003", "cid-c", 7, 600, c, 1, 1000), 0);
	r.call_id = sip_str_c("other");
	r.cseq = 1;
	CU_ASSERT_EQUAL(location_register(l, &r, 1000, NULL), 0);
	CU_ASSERT_EQUAL(location_count(l), 0);
	/* "*" on an unknown AOR */
	CU_ASSERT_EQUAL(location_register(l, &r, 1000, NULL), 0);
	location_close(l);
}

static void test_callid_cseq(void)
{
	struct location *l;
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, NULL, 1000, &l, NULL), 0);
	struct location_contact_in c = ct("sip:1004@10.0.0.1", 600, -1);
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-d", 10, -1, &c, 1, 1000), 0);
	/* same Call-ID, same or lower CSeq: aborted, binding untouched */
	c.expires = 900;
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-d", 10, -1, &c, 1, 1001), -EALREADY);
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-d", 9, -1, &c, 1, 1001), -EALREADY);
	CU_ASSERT_EQUAL(location_find(l, "1004")->b[0].expires_at, 1600);
	c.expires = 0;
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-d", 9, -1, &c, 1, 1001), -EALREADY);
	CU_ASSERT_EQUAL(nb(l, "1004"), 1);
	/* an abort leaves the other Contacts of the request unapplied too */
	struct location_contact_in two[2] = { ct("sip:1004@10.0.0.9", 600, -1), ct("sip:1004@10.0.0.1", 600, -1) };
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-d", 8, -1, two, 2, 1001), -EALREADY);
	CU_ASSERT_EQUAL(nb(l, "1004"), 1);
	/* higher CSeq updates */
	c.expires = 900;
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-d", 11, -1, &c, 1, 1001), 0);
	CU_ASSERT_EQUAL(location_find(l, "1004")->b[0].expires_at, 1901);
	CU_ASSERT_EQUAL(location_find(l, "1004")->b[0].cseq, 11);
	/* another Call-ID (a rebooted phone) updates whatever its CSeq */
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-new", 1, -1, &c, 1, 1002), 0);
	CU_ASSERT_EQUAL(nb(l, "1004"), 1);
	CU_ASSERT_STRING_EQUAL(location_find(l, "1004")->b[0].call_id, "cid-new");
	CU_ASSERT_EQUAL(location_find(l, "1004")->b[0].cseq, 1);
	/* URI comparison per §19.1.4: case of host and params does not matter */
	struct location_contact_in same = ct("sip:1004@10.0.0.1;TRANSPORT=udp", 600, -1);
	struct location_contact_in s2 = ct("sip:1004@10.0.0.1;transport=UDP", 600, -1);
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-new", 2, -1, &same, 1, 1002), 0);
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-new", 3, -1, &s2, 1, 1002), 0);
	CU_ASSERT_EQUAL(nb(l, "1004"), 2);
	/* a Contact twice in one request: one binding, the later one wins */
	struct location_contact_in dup[2] = { ct("sip:1004@10.0.0.5", 600, -1), ct("sip:1004@10.0.0.5", 700, -1) };
	CU_ASSERT_EQUAL(reg(l, "1004", "cid-new", 4, -1, dup, 2, 1002), 0);
	CU_ASSERT_EQUAL(nb(l, "1004"), 3);
	location_close(l);
}

static void test_max_contacts_and_instance(void)
{
	struct location *l;
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, NULL, 1000, &l, NULL), 0);
	struct location_contact_in c[4] = {
		ct("sip:1005@10.0.0.1", -1, -1), ct("sip:1005@10.0.0.2", -1, -1),
		ct("sip:1005@10.0.0.3", -1, -1), ct("sip:1005@10.0.0.4", -1, -1),
	};
	CU_ASSERT_EQUAL(reg(l, "1005", "x", 1, -1, c, 4, 1000), -EMLINK);
	CU_ASSERT_PTR_NULL(location_find(l, "1005"));
	CU_ASSERT_EQUAL(reg(l, "1005", "x", 2, -1, c, 3, 1000), 0);
	CU_ASSERT_EQUAL(reg(l, "1005", "y", 1, -1, &c[3], 1, 1000), -EMLINK);
	/* a refresh of a known one is fine at the limit, and so is a swap */
	CU_ASSERT_EQUAL(reg(l, "1005", "x", 3, -1, c, 1, 1000), 0);
	struct location_contact_in swap[2] = { ct("sip:1005@10.0.0.1", 0, -1), ct("sip:1005@10.0.0.4", -1, -1) };
	CU_ASSERT_EQUAL(reg(l, "1005", "x", 4, -1, swap, 2, 1000), 0);
	CU_ASSERT_EQUAL(nb(l, "1005"), 3);

	/* RFC 5626: the same instance + reg-id replaces the binding even when
	 * the Contact URI changed (a new NATed port) */
	struct location_contact_in o1 = ct("sip:1006@192.168.1.2:5060", -1, -1);
	o1.instance = sip_str_c("<urn:uuid:00000000-0000-1000-8000-000A95A0E128>");
	o1.reg_id = 1;
	CU_ASSERT_EQUAL(reg(l, "1006", "i", 1, -1, &o1, 1, 1000), 0);
	struct location_contact_in o2 = o1;
	o2.uri = sip_str_c("sip:1006@192.168.1.2:5070");
	CU_ASSERT_EQUAL(reg(l, "1006", "i", 2, -1, &o2, 1, 1000), 0);
	CU_ASSERT_EQUAL(nb(l, "1006"), 1);
	CU_ASSERT_STRING_EQUAL(location_find(l, "1006")->b[0].contact, "sip:1006@192.168.1.2:5070");
	CU_ASSERT_EQUAL(location_find(l, "1006")->b[0].reg_id, 1);
	o2.reg_id = 2;  /* another flow of the same instance: a second binding */
	CU_ASSERT_EQUAL(reg(l, "1006", "i", 3, -1, &o2, 1, 1000), 0);
	CU_ASSERT_EQUAL(nb(l, "1006"), 2);
	location_close(l);
}

static void test_persistence(void)
{
	char dir[] = "/tmp/tandem-loc-XXXXXX", path[128];
	struct location *l, *l2;
	unsigned skipped = 99;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/location.db", dir);

	/* a missing file is an empty table */
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, path, 1000, &l, &skipped), 0);
	CU_ASSERT_EQUAL(skipped, 0);
	CU_ASSERT_EQUAL(location_count(l), 0);

	struct location_contact_in c[2] = { ct("sip:1007@10.0.0.1:5062;transport=tcp", 600, 700),
	                                    ct("sip:1007@[2001:db8::1]", 120, -1) };
	c[0].instance = sip_str_c("<urn:uuid:a b%c>");
	c[0].reg_id = 1;
	struct location_request r = req("1007", "we ird%call-id", 42, -1, c, 1);
	r.proto = SIP_PROTO_TCP;
	r.conn_id = 77;
	r.user_agent = sip_str_c("Grand Phone 1.2 (50%)");
	int perr = 1;
	CU_ASSERT_EQUAL(location_register(l, &r, 1000, &perr), 0);
	CU_ASSERT_EQUAL(perr, 0);
	r = req("-", "-", 1, -1, &c[1], 1);
	r.src = (const struct sockaddr *)&src6;
	r.src_len = sizeof src6;
	CU_ASSERT_EQUAL(location_register(l, &r, 1000, &perr), 0);
	CU_ASSERT_EQUAL(perr, 0);

	/* as after kill -9: the file is complete without any close */
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, path, 1001, &l2, &skipped), 0);
	CU_ASSERT_EQUAL(skipped, 0);
	CU_ASSERT_EQUAL(location_count(l2), 2);
	const struct location_aor *a = location_find(l2, "1007");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->b[0].contact, "sip:1007@10.0.0.1:5062;transport=tcp");
	CU_ASSERT_STRING_EQUAL(a->b[0].call_id, "we ird%call-id");
	CU_ASSERT_STRING_EQUAL(a->b[0].instance, "<urn:uuid:a b%c>");
	CU_ASSERT_EQUAL(a->b[0].reg_id, 1);
	CU_ASSERT_STRING_EQUAL(a->b[0].user_agent, "Grand Phone 1.2 (50%)");
	CU_ASSERT_EQUAL(a->b[0].cseq, 42);
	CU_ASSERT_EQUAL(a->b[0].q, 700);
	CU_ASSERT_EQUAL(a->b[0].expires_at, 1600);
	CU_ASSERT_EQUAL(a->b[0].proto, SIP_PROTO_TCP);
	CU_ASSERT_EQUAL(a->b[0].conn_id, 0);      /* connections do not survive */
	CU_ASSERT_EQUAL(a->b[0].src_len, sizeof src4);
	CU_ASSERT_EQUAL(memcmp(&((struct sockaddr_in *)&a->b[0].src)->sin_addr, &src4.sin_addr, 4), 0);
	CU_ASSERT_EQUAL(((struct sockaddr_in *)&a->b[0].src)->sin_port, src4.sin_port);
	a = location_find(l2, "-");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->b[0].call_id, "-");
	CU_ASSERT_PTR_NULL(a->b[0].instance);
	CU_ASSERT_PTR_NULL(a->b[0].user_agent);
	CU_ASSERT_EQUAL(a->b[0].src.ss_family, AF_INET6);
	CU_ASSERT_EQUAL(((struct sockaddr_in6 *)&a->b[0].src)->sin6_port, src6.sin6_port);
	CU_ASSERT_EQUAL(memcmp(&((struct sockaddr_in6 *)&a->b[0].src)->sin6_addr, &src6.sin6_addr, 16), 0);
	/* the §10.3 step 7 rule holds across a restart */
	r = req("1007", "we ird%call-id", 42, -1, c, 1);
	CU_ASSERT_EQUAL(location_register(l2, &r, 1001, NULL), -EALREADY);
	location_close(l2);

	/* reload later: expired bindings are dropped */
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, path, 1120, &l2, &skipped), 0);
	CU_ASSERT_EQUAL(location_count(l2), 1);
	CU_ASSERT_PTR_NULL(location_find(l2, "-"));
	location_close(l2);

	/* a removal is persisted too */
	c[0].expires = 0;
	r = req("1007", "we ird%call-id", 43, -1, c, 1);
	CU_ASSERT_EQUAL(location_register(l, &r, 1002, &perr), 0);
	CU_ASSERT_EQUAL(perr, 0);
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, path, 1002, &l2, &skipped), 0);
	CU_ASSERT_EQUAL(location_count(l2), 1);
	CU_ASSERT_PTR_NULL(location_find(l2, "1007"));
	location_close(l2);
	location_close(l);

	/* no temporary file left behind */
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);

	/* damaged lines are skipped and counted, the rest loads (version 1
	 * lines, without the user-agent field, too) */
	FILE *f = fopen(path, "a");
	fputs("B broken line\nB x sip:x c 1 99999 1000 UDP - 0 - 0\nB y sip:y c 1 99999 1000 FOO - 0 - 0\n"
	      "B z sip:z c 1 99999 1000 UDP 10.0.0.1 0 - 0\nB w sip:w c 1 99999 1000 UDP 10.0.0.1 99999 - 0\n"
	      "B v sip:%zz c 1 99999 1000 UDP - 0 - 0\n", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, path, 1002, &l2, &skipped), 0);
	CU_ASSERT_EQUAL(skipped, 4);
	CU_ASSERT_EQUAL(location_count(l2), 3);
	CU_ASSERT_PTR_NOT_NULL(location_find(l2, "x"));
	CU_ASSERT_PTR_NULL(location_find(l2, "x")->b[0].user_agent);
	CU_ASSERT_PTR_NOT_NULL(location_find(l2, "z"));
	location_close(l2);

	/* a version 1 file loads whole */
	f = fopen(path, "w");
	fputs("# tandem location v1\nB u sip:u c 1 99999 1000 UDP 10.0.0.1 5060 - 0\n", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, path, 1002, &l2, &skipped), 0);
	CU_ASSERT_EQUAL(skipped, 0);
	CU_ASSERT_EQUAL(location_count(l2), 1);
	location_close(l2);

	/* an unwritable state dir: the change stands, the error is reported */
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, "/nonexistent-dir/location.db", 1000, &l2, NULL), 0);
	r = req("1008", "q", 1, -1, &c[1], 1);
	CU_ASSERT_EQUAL(location_register(l2, &r, 1000, &perr), 0);
	CU_ASSERT(perr < 0);
	CU_ASSERT_EQUAL(location_count(l2), 1);
	location_close(l2);

	unlink(path);
	rmdir(dir);
}

static int count_aor(void *arg, const struct location_aor *a)
{
	unsigned *n = arg;
	n[0]++;
	n[1] += a->n;
	return strcmp(a->aor, "stop") == 0 ? 7 : 0;
}

static void test_foreach(void)
{
	struct location *l;
	unsigned n[2] = { 0, 0 };
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, NULL, 1000, &l, NULL), 0);
	CU_ASSERT_EQUAL(location_foreach(l, count_aor, n), 0);
	CU_ASSERT_EQUAL(n[0], 0);
	struct location_contact_in c[2] = { ct("sip:a@10.0.0.1", 600, -1), ct("sip:b@10.0.0.2", 600, -1) };
	CU_ASSERT_EQUAL(reg(l, "1001", "x", 1, -1, c, 2, 1000), 0);
	CU_ASSERT_EQUAL(reg(l, "1002", "y", 1, -1, c, 1, 1000), 0);
	CU_ASSERT_EQUAL(location_foreach(l, count_aor, n), 0);
	CU_ASSERT_EQUAL(n[0], 2);
	CU_ASSERT_EQUAL(n[1], 3);
	/* a non-zero return stops the walk and is returned */
	CU_ASSERT_EQUAL(reg(l, "stop", "z", 1, -1, c, 1, 1000), 0);
	CU_ASSERT_EQUAL(location_foreach(l, count_aor, n), 7);
	location_close(l);
}

static void test_bad_args(void)
{
	struct location *l;
	CU_ASSERT_EQUAL_FATAL(location_open(&cfg, NULL, 1000, &l, NULL), 0);
	struct location_contact_in c = ct("", 600, -1);
	CU_ASSERT_EQUAL(reg(l, "1010", "z", 1, -1, &c, 1, 1000), -EINVAL);
	c = ct("sip:a@b", 600, -1);
	CU_ASSERT_EQUAL(reg(l, "", "z", 1, -1, &c, 1, 1000), -EINVAL);
	CU_ASSERT_EQUAL(location_register(l, NULL, 1000, NULL), -EINVAL);
	CU_ASSERT_EQUAL(location_register(NULL, NULL, 1000, NULL), -EINVAL);
	CU_ASSERT_EQUAL(location_lookup(NULL, "x", 0, NULL, 0), 0);
	CU_ASSERT_EQUAL(location_count(l), 0);
	location_close(l);
	location_close(NULL);
}

static int suite_init(void)
{
	src4.sin_family = AF_INET;
	src4.sin_port = htons(40000);
	inet_pton(AF_INET, "198.51.100.7", &src4.sin_addr);
	src6.sin6_family = AF_INET6;
	src6.sin6_port = htons(5062);
	inet_pton(AF_INET6, "2001:db8::1", &src6.sin6_addr);
	return 0;
}

static CU_TestInfo location_tests[] = {
	{ "expires: param, header, default, max clamp, 423", test_expires_sources },
	{ "several contacts, q order, lookup, expiry sweep", test_multi_q_lookup },
	{ "Contact: * with Expires: 0", test_wildcard },
	{ "Call-ID / CSeq ordering (10.3 step 7), URI equality", test_callid_cseq },
	{ "max contacts, instance + reg-id", test_max_contacts_and_instance },
	{ "snapshot: atomic write, reload, expired dropped", test_persistence },
	{ "every AOR walked", test_foreach },
	{ "bad arguments", test_bad_args },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "location", .pInitFunc = suite_init, .pTests = location_tests },
	CU_SUITE_INFO_NULL,
};
