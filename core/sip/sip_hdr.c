/* tandem — header names, methods, reason phrases, protocol names. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <tandem/sip_msg.h>

/* Canonical long forms, indexed by enum sip_hdr_id. */
static const char *const hdr_names[SIP_HDR__COUNT] = {
	[SIP_HDR_OTHER] = NULL,
	[SIP_HDR_ACCEPT] = "Accept",
	[SIP_HDR_ACCEPT_CONTACT] = "Accept-Contact",
	[SIP_HDR_ACCEPT_ENCODING] = "Accept-Encoding",
	[SIP_HDR_ACCEPT_LANGUAGE] = "Accept-Language",
	[SIP_HDR_ALERT_INFO] = "Alert-Info",
	[SIP_HDR_ALLOW] = "Allow",
	[SIP_HDR_ALLOW_EVENTS] = "Allow-Events",
	[SIP_HDR_AUTHENTICATION_INFO] = "Authentication-Info",
	[SIP_HDR_AUTHORIZATION] = "Authorization",
	[SIP_HDR_CALL_ID] = "Call-ID",
	[SIP_HDR_CALL_INFO] = "Call-Info",
	[SIP_HDR_CONTACT] = "Contact",
	[SIP_HDR_CONTENT_DISPOSITION] = "Content-Disposition",
	[SIP_HDR_CONTENT_ENCODING] = "Content-Encoding",
	[SIP_HDR_CONTENT_LANGUAGE] = "Content-Language",
	[SIP_HDR_CONTENT_LENGTH] = "Content-Length",
	[SIP_HDR_CONTENT_TYPE] = "Content-Type",
	[SIP_HDR_CSEQ] = "CSeq",
	[SIP_HDR_DATE] = "Date",
	[SIP_HDR_ERROR_INFO] = "Error-Info",
	[SIP_HDR_EVENT] = "Event",
	[SIP_HDR_EXPIRES] = "Expires",
	[SIP_HDR_FROM] = "From",
	[SIP_HDR_IDENTITY] = "Identity",
	[SIP_HDR_IN_REPLY_TO] = "In-Reply-To",
	[SIP_HDR_MAX_FORWARDS] = "Max-Forwards",
	[SIP_HDR_MIME_VERSION] = "MIME-Version",
	[SIP_HDR_MIN_EXPIRES] = "Min-Expires",
	[SIP_HDR_MIN_SE] = "Min-SE",
	[SIP_HDR_ORGANIZATION] = "Organization",
	[SIP_HDR_PRIORITY] = "Priority",
	[SIP_HDR_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
	[SIP_HDR_PROXY_AUTHORIZATION] = "Proxy-Authorization",
	[SIP_HDR_PROXY_REQUIRE] = "Proxy-Require",
	[SIP_HDR_RACK] = "RAck",
	[SIP_HDR_REASON] = "Reason",
	[SIP_HDR_RECORD_ROUTE] = "Record-Route",
	[SIP_HDR_REFER_TO] = "Refer-To",
	[SIP_HDR_REFERRED_BY] = "Referred-By",
	[SIP_HDR_REJECT_CONTACT] = "Reject-Contact",
	[SIP_HDR_REPLACES] = "Replaces",
	[SIP_HDR_REPLY_TO] = "Reply-To",
	[SIP_HDR_REQUEST_DISPOSITION] = "Request-Disposition",
	[SIP_HDR_REQUIRE] = "Require",
	[SIP_HDR_RETRY_AFTER] = "Retry-After",
	[SIP_HDR_ROUTE] = "Route",
	[SIP_HDR_RSEQ] = "RSeq",
	[SIP_HDR_SERVER] = "Server",
	[SIP_HDR_SESSION_EXPIRES] = "Session-Expires",
	[SIP_HDR_SUBJECT] = "Subject",
	[SIP_HDR_SUBSCRIPTION_STATE] = "Subscription-State",
	[SIP_HDR_SUPPORTED] = "Supported",
	[SIP_HDR_TIMESTAMP] = "Timestamp",
	[SIP_HDR_TO] = "To",
	[SIP_HDR_UNSUPPORTED] = "Unsupported",
	[SIP_HDR_USER_AGENT] = "User-Agent",
	[SIP_HDR_VIA] = "Via",
	[SIP_HDR_WARNING] = "Warning",
	[SIP_HDR_WWW_AUTHENTICATE] = "WWW-Authenticate",
};

/* RFC 3261 §7.3.3 and the IANA SIP parameters registry: compact forms,
 * indexed by the lower-case letter. */
static const unsigned char compact[26] = {
	['a' - 'a'] = SIP_HDR_ACCEPT_CONTACT,      /* RFC 3841 */
	['b' - 'a'] = SIP_HDR_REFERRED_BY,         /* RFC 3892 */
	['c' - 'a'] = SIP_HDR_CONTENT_TYPE,
	['d' - 'a'] = SIP_HDR_REQUEST_DISPOSITION, /* RFC 3841 */
	['e' - 'a'] = SIP_HDR_CONTENT_ENCODING,
	['f' - 'a'] = SIP_HDR_FROM,
	['i' - 'a'] = SIP_HDR_CALL_ID,
	['j' - 'a'] = SIP_HDR_REJECT_CONTACT,      /* RFC 3841 */
	['k' - 'a'] = SIP_HDR_SUPPORTED,
	['l' - 'a'] = SIP_HDR_CONTENT_LENGTH,
	['m' - 'a'] = SIP_HDR_CONTACT,
	['o' - 'a'] = SIP_HDR_EVENT,               /* RFC 6665 */
	['r' - 'a'] = SIP_HDR_REFER_TO,            /* RFC 3515 */
	['s' - 'a'] = SIP_HDR_SUBJECT,
	['t' - 'a'] = SIP_HDR_TO,
	['u' - 'a'] = SIP_HDR_ALLOW_EVENTS,        /* RFC 6665 */
	['v' - 'a'] = SIP_HDR_VIA,
	['x' - 'a'] = SIP_HDR_SESSION_EXPIRES,     /* RFC 4028 */
	['y' - 'a'] = SIP_HDR_IDENTITY,            /* RFC 8224 */
};

static inline unsigned lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned)(c | 0x20) : c;
}

/* Long names: an open-addressed table keyed by length and the lower-cased
 * first and last characters, filled once at load time. With 60 names in 256
 * slots nearly every lookup is one probe plus one compare against a
 * lower-case copy of the name. */
#define HASH_SLOTS 256
#define NAME_MAX_LEN 19             /* "Authentication-Info" and friends */
#define NAME_WORDS 3                /* 8-byte words holding NAME_MAX_LEN */
static unsigned char hash_tab[HASH_SLOTS]; /* enum sip_hdr_id, 0 = empty */
static unsigned char name_len[SIP_HDR__COUNT];
/* Lower-case name and a mask with 0x20 at every letter, zero-padded: an
 * input word w matches when (w | mask) == name. Only the two cases of that
 * letter survive the OR; every other position must match exactly. */
static uint64_t name_word[SIP_HDR__COUNT][NAME_WORDS];
static uint64_t name_mask[SIP_HDR__COUNT][NAME_WORDS];
static unsigned char lower[256];

static inline unsigned hdr_hash(const char *p, size_t len)
{
	unsigned a = lower[(unsigned char)p[0]];
	unsigned b = lower[(unsigned char)p[len - 1]];
	unsigned c = lower[(unsigned char)p[len / 2]];

	return (a * 15u + b * 35u + c + (unsigned)len) & (HASH_SLOTS - 1);
}

__attribute__((constructor)) static void hdr_table_init(void)
{
	for (unsigned c = 0; c < 256; c++)
		lower[c] = (unsigned char)lc((unsigned char)c);
	for (unsigned id = 1; id < SIP_HDR__COUNT; id++) {
		const char *n = hdr_names[id];
		size_t len = strlen(n);
		unsigned h = hdr_hash(n, len);
		unsigned char w[NAME_WORDS * 8] = { 0 }, k[NAME_WORDS * 8] = { 0 };
		name_len[id] = (unsigned char)len;
		for (size_t i = 0; i < len; i++) {
			w[i] = lower[(unsigned char)n[i]];
			k[i] = (w[i] >= 'a' && w[i] <= 'z') ? 0x20 : 0;
		}
		memcpy(name_word[id], w, sizeof(w));
		memcpy(name_mask[id], k, sizeof(k));
		while (hash_tab[h])
			h = (h + 1) & (HASH_SLOTS - 1);
		hash_tab[h] = (unsigned char)id;
	}
}

static inline bool name_match(const char *a, size_t len, unsigned id)
{
	size_t i = 0, wi = 0;

	for (; i + 8 <= len; i += 8, wi++) {
		uint64_t x;
		memcpy(&x, a + i, 8);
		if ((x | name_mask[id][wi]) != name_word[id][wi])
			return false;
	}
	if (i < len) {
		unsigned char t[8] = { 0 }; /* zero padding matches the table's */
		uint64_t x;
		for (size_t j = 0; i + j < len; j++)
			t[j] = (unsigned char)a[i + j];
		memcpy(&x, t, 8);
		if ((x | name_mask[id][wi]) != name_word[id][wi])
			return false;
	}
	return true;
}

enum sip_hdr_id sip_hdr_lookup(struct sip_str name)
{
	unsigned h;

	if (!name.p || name.len == 0)
		return SIP_HDR_OTHER;
	if (name.len == 1) {
		unsigned c = lc((unsigned char)name.p[0]);
		if (c >= 'a' && c <= 'z')
			return (enum sip_hdr_id)compact[c - 'a'];
		return SIP_HDR_OTHER;
	}
	if (name.len > NAME_MAX_LEN)
		return SIP_HDR_OTHER;
	h = hdr_hash(name.p, name.len);
	while (hash_tab[h]) {
		unsigned id = hash_tab[h];
		if (name_len[id] == name.len && name_match(name.p, name.len, id))
			return (enum sip_hdr_id)id;
		h = (h + 1) & (HASH_SLOTS - 1);
	}
	return SIP_HDR_OTHER;
}

const char *sip_hdr_name(enum sip_hdr_id id)
{
	if ((unsigned)id >= SIP_HDR__COUNT)
		return NULL;
	return hdr_names[id];
}

static const char *const method_names[SIP_METHOD__COUNT] = {
	[SIP_METHOD_UNKNOWN] = NULL,
	[SIP_INVITE] = "INVITE", [SIP_ACK] = "ACK", [SIP_BYE] = "BYE",
	[SIP_CANCEL] = "CANCEL", [SIP_OPTIONS] = "OPTIONS",
	[SIP_REGISTER] = "REGISTER", [SIP_INFO] = "INFO", [SIP_PRACK] = "PRACK",
	[SIP_UPDATE] = "UPDATE", [SIP_REFER] = "REFER",
	[SIP_SUBSCRIBE] = "SUBSCRIBE", [SIP_NOTIFY] = "NOTIFY",
	[SIP_MESSAGE] = "MESSAGE", [SIP_PUBLISH] = "PUBLISH",
};

/* RFC 3261 §7.1: method names are case-sensitive. */
enum sip_method sip_method_lookup(struct sip_str n)
{
#define M(s, id) if (memcmp(n.p, s, sizeof(s) - 1) == 0) return id
	if (!n.p)
		return SIP_METHOD_UNKNOWN;
	switch (n.len) {
	case 3:
		M("ACK", SIP_ACK);
		M("BYE", SIP_BYE);
		break;
	case 4:
		M("INFO", SIP_INFO);
		break;
	case 5:
		M("PRACK", SIP_PRACK);
		M("REFER", SIP_REFER);
		break;
	case 6:
		M("INVITE", SIP_INVITE);
		M("CANCEL", SIP_CANCEL);
		M("UPDATE", SIP_UPDATE);
		M("NOTIFY", SIP_NOTIFY);
		break;
	case 7:
		M("OPTIONS", SIP_OPTIONS);
		M("MESSAGE", SIP_MESSAGE);
		M("PUBLISH", SIP_PUBLISH);
		break;
	case 8:
		M("REGISTER", SIP_REGISTER);
		break;
	case 9:
		M("SUBSCRIBE", SIP_SUBSCRIBE);
		break;
	}
#undef M
	return SIP_METHOD_UNKNOWN;
}

const char *sip_method_name(enum sip_method m)
{
	if ((unsigned)m >= SIP_METHOD__COUNT)
		return NULL;
	return method_names[m];
}

/* RFC 3261 §21 plus the extension codes registered since (RFC number noted). */
const char *sip_reason_phrase(int status)
{
	switch (status) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 199: return "Early Dialog Terminated";     /* RFC 6228 */
	case 200: return "OK";
	case 202: return "Accepted";                    /* RFC 6665 */
	case 204: return "No Notification";             /* RFC 5839 */
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 305: return "Use Proxy";
	case 380: return "Alternative Service";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 412: return "Conditional Request Failed";  /* RFC 3903 */
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 417: return "Unknown Resource-Priority";   /* RFC 4412 */
	case 420: return "Bad Extension";
	case 421: return "Extension Required";
	case 422: return "Session Interval Too Small";  /* RFC 4028 */
	case 423: return "Interval Too Brief";
	case 424: return "Bad Location Information";    /* RFC 6442 */
	case 428: return "Use Identity Header";         /* RFC 8224 */
	case 429: return "Provide Referrer Identity";   /* RFC 3892 */
	case 430: return "Flow Failed";                 /* RFC 5626 */
	case 433: return "Anonymity Disallowed";        /* RFC 5079 */
	case 436: return "Bad Identity Info";           /* RFC 8224 */
	case 437: return "Unsupported Credential";      /* RFC 8224 */
	case 438: return "Invalid Identity Header";     /* RFC 8224 */
	case 439: return "First Hop Lacks Outbound Support"; /* RFC 5626 */
	case 440: return "Max-Breadth Exceeded";        /* RFC 5393 */
	case 469: return "Bad Info Package";            /* RFC 6086 */
	case 470: return "Consent Needed";              /* RFC 5360 */
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 485: return "Ambiguous";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 489: return "Bad Event";                   /* RFC 6665 */
	case 491: return "Request Pending";
	case 493: return "Undecipherable";
	case 494: return "Security Agreement Required"; /* RFC 3329 */
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 513: return "Message Too Large";
	case 580: return "Precondition Failure";        /* RFC 3312 */
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	case 607: return "Unwanted";                    /* RFC 8197 */
	case 608: return "Rejected";                    /* RFC 8688 */
	}
	/* RFC 3261 §8.1.3.2: an unknown code is treated as x00 of its class. */
	if (status >= 100 && status < 200) return "Session Progress";
	if (status >= 200 && status < 300) return "OK";
	if (status >= 300 && status < 400) return "Redirection";
	if (status >= 400 && status < 500) return "Client Error";
	if (status >= 500 && status < 600) return "Server Error";
	if (status >= 600 && status < 700) return "Global Failure";
	return "Unknown";
}

const char *sip_proto_name(enum sip_proto p)
{
	switch (p) {
	case SIP_PROTO_UDP: return "UDP";
	case SIP_PROTO_TCP: return "TCP";
	case SIP_PROTO_TLS: return "TLS";
	default: return "???";
	}
}
