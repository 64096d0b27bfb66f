/* mod_trunk — the codecs a trunk allows, applied to an SDP offer (RFC
 * 4566 §5.14 m= formats, §6 a=rtpmap/a=fmtp). An audio or video m-line
 * keeps the payload types whose encoding is allowed, in the offerer's
 * order; telephone-event (RFC 4733) and comfort noise are always kept
 * (they are not codecs a provider bills or transcodes). Static payload
 * types without rtpmap are named by RFC 3551 §6. Pure. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trunk.h"

#define MAX_PTS 64

/* RFC 3551 §6 table 4 and 5: static payload types that name a codec. */
static const char *static_name(unsigned pt)
{
	switch (pt) {
	case 0: return "PCMU";
	case 3: return "GSM";
	case 4: return "G723";
	case 8: return "PCMA";
	case 9: return "G722";
	case 13: return "CN";
	case 18: return "G729";
	case 26: return "JPEG";
	case 31: return "H261";
	case 34: return "H263";
	default: return NULL;
	}
}

struct line {
	const char *p;
	size_t len;      /* without the line end */
	size_t full;     /* with it */
};

static bool next_line(const char **p, const char *end, struct line *l)
{
	if (*p >= end)
		return false;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *e = nl ? nl + 1 : end;
	l->p = *p;
	l->full = (size_t)(e - *p);
	l->len = l->full;
	while (l->len && (l->p[l->len - 1] == '\n' || l->p[l->len - 1] == '\r'))
		l->len--;
	*p = e;
	return true;
}

/* "a=rtpmap:PT NAME/..." or "a=fmtp:PT ...": the payload type, -1 otherwise. */
static int attr_pt(const struct line *l, const char *attr)
{
	size_t al = strlen(attr);
	if (l->len <= al || strncmp(l->p, attr, al) != 0 || !isdigit((unsigned char)l->p[al]))
		return -1;
	return atoi(l->p + al);
}

static bool allowed(const char *name, size_t len, const char *const *names, size_t n)
{
	if ((len == 15 && strncasecmp(name, "telephone-event", 15) == 0) ||
	    (len == 2 && strncasecmp(name, "CN", 2) == 0))
		return true;
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
			return true;
	return false;
}

/* The encoding name of pt in the media section [sec, end): its rtpmap, or
 * the static table. */
static bool pt_name(const char *sec, const char *end, unsigned pt, const char **name, size_t *len)
{
	struct line l;
	const char *p = sec;
	while (next_line(&p, end, &l)) {
		if (l.len > 2 && l.p[0] == 'm' && l.p[1] == '=' && l.p != sec)
			break;
		if (attr_pt(&l, "a=rtpmap:") == (int)pt) {
			const char *sp = memchr(l.p, ' ', l.len);
			if (!sp)
				return false;
			const char *slash = memchr(sp, '/', (size_t)(l.p + l.len - sp));
			*name = sp + 1;
			*len = (size_t)((slash ? slash : l.p + l.len) - *name);
			return true;
		}
	}
	const char *s = static_name(pt);
	if (!s)
		return false;
	*name = s;
	*len = strlen(s);
	return true;
}

static int put(char *out, size_t size, size_t *o, const char *p, size_t n)
{
	if (*o + n > size)
		return -ENOSPC;
	memcpy(out + *o, p, n);
	*o += n;
	return 0;
}

int trunk_codecs_filter(const char *sdp, size_t len, const char *const *names, size_t nnames,
                        char *out, size_t size)
{
	const char *end = sdp + len, *p = sdp;
	if (len < 4 || strncmp(sdp, "v=0", 3) != 0)
		return -EINVAL;
	size_t o = 0;
	bool keep[MAX_PTS * 2];      /* per payload type 0..127 of the current section */
	bool filtering = false;
	struct line l;
	while (next_line(&p, end, &l)) {
		if (l.len > 2 && l.p[0] == 'm' && l.p[1] == '=') {
			/* m=<media> <port> <proto> <fmt> ... */
			filtering = (l.len > 8 && strncmp(l.p, "m=audio ", 8) == 0) ||
			            (l.len > 8 && strncmp(l.p, "m=video ", 8) == 0);
			if (!filtering || strstr(l.p, "RTP/") == NULL || strstr(l.p, "RTP/") > l.p + l.len) {
				filtering = false;
				if (put(out, size, &o, l.p, l.full) < 0)
					return -ENOSPC;
				continue;
			}
			memset(keep, 0, sizeof keep);
			/* the formats start after the third space */
			const char *f = l.p, *le = l.p + l.len;
			for (int sp = 0; sp < 3 && f < le; f++)
				if (*f == ' ')
					sp++;
			if (put(out, size, &o, l.p, (size_t)(f - l.p)) < 0)
				return -ENOSPC;
			bool any_codec = false, first = true;
			while (f < le) {
				const char *e = memchr(f, ' ', (size_t)(le - f));
				if (!e)
					e = le;
				unsigned pt = (unsigned)atoi(f);
				const char *name;
				size_t nl;
				if (pt < MAX_PTS * 2 && e > f && isdigit((unsigned char)*f) &&
				    pt_name(l.p, end, pt, &name, &nl) && allowed(name, nl, names, nnames)) {
					keep[pt] = true;
					if (!(nl == 15 && strncasecmp(name, "telephone-event", 15) == 0) &&
					    !(nl == 2 && strncasecmp(name, "CN", 2) == 0))
						any_codec = true;
					if ((!first && put(out, size, &o, " ", 1) < 0) ||
					    put(out, size, &o, f, (size_t)(e - f)) < 0)
						return -ENOSPC;
					first = false;
				}
				f = e + 1;
			}
			if (!any_codec)
				return -ENOENT;
			if (put(out, size, &o, l.p + l.len, l.full - l.len) < 0)
				return -ENOSPC;
			continue;
		}
		if (filtering) {
			int pt = attr_pt(&l, "a=rtpmap:");
			if (pt < 0)
				pt = attr_pt(&l, "a=fmtp:");
			if (pt < 0)
				pt = attr_pt(&l, "a=rtcp-fb:");
			if (pt >= 0 && (pt >= MAX_PTS * 2 || !keep[pt]))
				continue;
		}
		if (put(out, size, &o, l.p, l.full) < 0)
			return -ENOSPC;
	}
	return (int)o;
}
