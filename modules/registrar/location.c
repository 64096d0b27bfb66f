/* mod_registrar — location service (RFC 3261 §10.3) and its snapshot file. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tandem/sip_uri.h>

#include "location.h"

#define NBUCKETS 1024

struct location {
	struct location_cfg cfg;
	char *path;                 /* snapshot, NULL: memory only */
	struct location_aor *buckets[NBUCKETS];
	unsigned count;             /* bindings */
};

static unsigned aor_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % NBUCKETS;
}

static void binding_free(struct location_binding *b)
{
	free(b->contact);
	free(b->call_id);
	free(b->instance);
	free(b->user_agent);
}

static void aor_free(struct location_aor *a)
{
	for (unsigned i = 0; i < a->n; i++)
		binding_free(&a->b[i]);
	free(a->b);
	free(a->aor);
	free(a);
}

static struct location_aor *aor_get(const struct location *l, const char *aor)
{
	for (struct location_aor *a = l->buckets[aor_hash(aor)]; a; a = a->next)
		if (strcmp(a->aor, aor) == 0)
			return a;
	return NULL;
}

static struct location_aor *aor_create(struct location *l, const char *aor)
{
	struct location_aor *a = calloc(1, sizeof *a);
	if (!a || !(a->aor = strdup(aor))) {
		free(a);
		return NULL;
	}
	unsigned h = aor_hash(aor);
	a->next = l->buckets[h];
	l->buckets[h] = a;
	return a;
}

static void aor_remove_if_empty(struct location *l, struct location_aor *a)
{
	if (a->n > 0)
		return;
	for (struct location_aor **pp = &l->buckets[aor_hash(a->aor)]; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			aor_free(a);
			return;
		}
	}
}

const struct location_aor *location_find(const struct location *l, const char *aor)
{
	return l && aor ? aor_get(l, aor) : NULL;
}

unsigned location_count(const struct location *l)
{
	return l ? l->count : 0;
}

int location_foreach(const struct location *l, int (*fn)(void *arg, const struct location_aor *a),
                     void *arg)
{
	for (unsigned h = 0; l && h < NBUCKETS; h++)
		for (const struct location_aor *a = l->buckets[h]; a; a = a->next) {
			int rc = fn(arg, a);
			if (rc)
				return rc;
		}
	return 0;
}

void location_census(const struct location *l, struct location_census *out)
{
	memset(out, 0, sizeof *out);
	for (unsigned i = 0; l && i < NBUCKETS; i++)
		for (const struct location_aor *a = l->buckets[i]; a; a = a->next) {
			out->aors++;
			for (unsigned k = 0; k < a->n; k++)
				if (a->b[k].proto < SIP_PROTO__COUNT)
					out->bindings[a->b[k].proto]++;
		}
}

void location_set_cfg(struct location *l, const struct location_cfg *cfg)
{
	l->cfg = *cfg;
}

/* RFC 3261 §10.3 step 7: "using the URI comparison rules"; RFC 5626 §6:
 * with an instance and reg-id the flow identity replaces the URI. */
static bool same_contact(const char *b_uri, const char *b_inst, unsigned b_reg,
                         const struct location_contact_in *c)
{
	if (c->instance.len && c->reg_id && b_inst && b_reg)
		return b_reg == c->reg_id && strlen(b_inst) == c->instance.len &&
		       memcmp(b_inst, c->instance.p, c->instance.len) == 0;
	struct sip_uri ua, ub;
	struct sip_str bs = sip_str_c(b_uri);
	if (sip_uri_parse(bs, &ub) == 0 && sip_uri_parse(c->uri, &ua) == 0)
		return sip_uri_equal(&ua, &ub);
	return sip_str_eq(bs, c->uri);
}

static bool same_in(const struct location_contact_in *a, const struct location_contact_in *c)
{
	if (a->instance.len && a->reg_id && c->instance.len && c->reg_id)
		return a->reg_id == c->reg_id && sip_str_eq(a->instance, c->instance);
	struct sip_uri ua, uc;
	if (sip_uri_parse(a->uri, &ua) == 0 && sip_uri_parse(c->uri, &uc) == 0)
		return sip_uri_equal(&ua, &uc);
	return sip_str_eq(a->uri, c->uri);
}

/* One entry of the working set while a REGISTER is applied. */
struct work {
	int old;                    /* index of the existing binding, -1 new */
	const struct location_contact_in *in; /* NULL: unchanged */
	unsigned expires;
	bool removed;
	struct location_binding nb; /* strings prepared before commit */
};

static unsigned contact_expires(const struct location_cfg *cfg, const struct location_request *r,
                                const struct location_contact_in *c)
{
	/* RFC 3261 §10.3 step 6: the expires param, else the Expires header,
	 * else a locally configured default. */
	long e = c->expires >= 0 ? c->expires : r->expires_hdr >= 0 ? r->expires_hdr
	                                                           : (long)cfg->default_expires;
	return e > UINT32_MAX ? UINT32_MAX : (unsigned)e;
}

static bool call_id_eq(const char *stored, struct sip_str call_id)
{
	return strlen(stored) == call_id.len && memcmp(stored, call_id.p, call_id.len) == 0;
}

static int wildcard_remove(struct location *l, const struct location_request *r, int *persist_err)
{
	/* RFC 3261 §10.3 step 6: "*" only with Expires: 0 and no other Contact */
	if (r->ncontacts > 0 || r->expires_hdr != 0)
		return -EINVAL;
	struct location_aor *a = aor_get(l, r->aor);
	if (!a)
		return 0;
	for (unsigned i = 0; i < a->n; i++)
		if (call_id_eq(a->b[i].call_id, r->call_id) && r->cseq <= a->b[i].cseq)
			return -EALREADY;
	l->count -= a->n;
	for (unsigned i = 0; i < a->n; i++)
		binding_free(&a->b[i]);
	a->n = 0;
	aor_remove_if_empty(l, a);
	*persist_err = location_save(l);
	return 0;
}

int location_register(struct location *l, const struct location_request *r, time_t now,
                      int *persist_err)
{
	int dummy;
	if (!persist_err)
		persist_err = &dummy;
	*persist_err = 0;
	if (!l || !r || !r->aor || !*r->aor || (r->ncontacts && !r->contacts))
		return -EINVAL;
	if (r->wildcard)
		return wildcard_remove(l, r, persist_err);

	struct location_aor *a = aor_get(l, r->aor);
	unsigned old_n = a ? a->n : 0;
	/* Checks that fail the whole request come first (§10.3 step 5). */
	for (unsigned i = 0; i < r->ncontacts; i++) {
		const struct location_contact_in *c = &r->contacts[i];
		unsigned e = contact_expires(&l->cfg, r, c);
		if (c->q > 1000 || c->uri.len == 0)
			return -EINVAL;
		if (e > 0 && e < l->cfg.min_expires)
			return -ERANGE;
	}
	if (r->ncontacts == 0)
		return 0;   /* a query: answer with the current bindings */

	size_t cap = (size_t)old_n + r->ncontacts;
	struct work *w = calloc(cap, sizeof *w);
	if (!w)
		return -ENOMEM;
	unsigned nw = 0;
	for (unsigned i = 0; i < old_n; i++)
		w[nw++] = (struct work){ .old = (int)i };
	int rc = 0;
	for (unsigned i = 0; i < r->ncontacts && rc == 0; i++) {
		const struct location_contact_in *c = &r->contacts[i];
		unsigned e = contact_expires(&l->cfg, r, c);
		if (e > l->cfg.max_expires)
			e = l->cfg.max_expires;    /* §10.3 step 6: MAY shorten */
		struct work *hit = NULL;
		for (unsigned j = 0; j < nw && !hit; j++) {
			if (w[j].removed)
				continue;
			if (w[j].in) {
				/* a Contact repeated within this request: the later one wins */
				if (same_in(w[j].in, c))
					hit = &w[j];
				continue;
			}
			const struct location_binding *b = &a->b[w[j].old];
			if (same_contact(b->contact, b->instance, b->reg_id, c)) {
				/* §10.3 step 7: same Call-ID needs a higher CSeq */
				if (call_id_eq(b->call_id, r->call_id) && r->cseq <= b->cseq)
					rc = -EALREADY;
				hit = &w[j];
			}
		}
		if (rc < 0)
			break;
		if (!hit) {
			if (e == 0)
				continue;     /* removing what is not there */
			hit = &w[nw++];
			*hit = (struct work){ .old = -1 };
		}
		if (e == 0) {
			hit->removed = true;
		} else {
			hit->in = c;
			hit->expires = e;
		}
	}
	unsigned live = 0;
	for (unsigned j = 0; j < nw; j++)
		live += !w[j].removed;
	if (rc == 0 && live > l->cfg.max_contacts && live > old_n)
		rc = -EMLINK;

	/* Prepare every allocation, so the commit below cannot fail halfway. */
	struct location_binding *nb = NULL;
	if (rc == 0 && live > 0 && !(nb = calloc(live, sizeof *nb)))
		rc = -ENOMEM;
	if (rc == 0 && !a && live > 0 && !(a = aor_create(l, r->aor)))
		rc = -ENOMEM;
	for (unsigned j = 0; j < nw && rc == 0; j++) {
		if (w[j].removed || !w[j].in)
			continue;
		const struct location_contact_in *c = w[j].in;
		struct location_binding *b = &w[j].nb;
		b->contact = sip_str_dup(c->uri);
		b->call_id = sip_str_dup(r->call_id);
		b->instance = c->instance.len ? sip_str_dup(c->instance) : NULL;
		b->user_agent = r->user_agent.len ? sip_str_dup(r->user_agent) : NULL;
		if (!b->contact || !b->call_id || (c->instance.len && !b->instance) ||
		    (r->user_agent.len && !b->user_agent))
			rc = -ENOMEM;
		b->cseq = r->cseq;
		b->expires_at = now + (time_t)w[j].expires;
		b->q = c->q >= 0 ? (unsigned)c->q : 1000;
		b->reg_id = c->reg_id;
		b->proto = r->proto;
		b->conn_id = r->conn_id;
		if (r->src && r->src_len <= sizeof b->src) {
			memcpy(&b->src, r->src, r->src_len);
			b->src_len = r->src_len;
		}
	}
	if (rc < 0) {
		for (unsigned j = 0; j < nw; j++)
			binding_free(&w[j].nb);
		free(nb);
		free(w);
		if (a && a->n == 0)
			aor_remove_if_empty(l, a);
		return rc;
	}

	/* Commit. */
	unsigned k = 0;
	for (unsigned j = 0; j < nw; j++) {
		struct location_binding *old = w[j].old >= 0 ? &a->b[w[j].old] : NULL;
		if (w[j].removed) {
			if (old)
				binding_free(old);
			continue;
		}
		if (w[j].in) {
			if (old)
				binding_free(old);
			nb[k++] = w[j].nb;
		} else {
			nb[k++] = *old;
		}
	}
	if (a) {
		free(a->b);
		a->b = nb;
		a->n = k;
		l->count = l->count - old_n + k;
		aor_remove_if_empty(l, a);
	}
	free(w);
	*persist_err = location_save(l);
	return 0;
}

unsigned location_expire(struct location *l, time_t now, int *persist_err)
{
	unsigned removed = 0;
	if (persist_err)
		*persist_err = 0;
	if (!l)
		return 0;
	for (unsigned h = 0; h < NBUCKETS; h++) {
		struct location_aor **pp = &l->buckets[h];
		while (*pp) {
			struct location_aor *a = *pp;
			unsigned k = 0;
			for (unsigned i = 0; i < a->n; i++) {
				if (a->b[i].expires_at <= now) {
					binding_free(&a->b[i]);
					removed++;
				} else {
					a->b[k++] = a->b[i];
				}
			}
			a->n = k;
			if (k == 0) {
				*pp = a->next;
				aor_free(a);
			} else {
				pp = &a->next;
			}
		}
	}
	l->count -= removed;
	if (removed) {
		int rc = location_save(l);
		if (persist_err)
			*persist_err = rc;
	}
	return removed;
}

static int cmp_contact(const void *x, const void *y)
{
	const struct location_binding *a = *(const struct location_binding *const *)x;
	const struct location_binding *b = *(const struct location_binding *const *)y;
	if (a->q != b->q)
		return a->q > b->q ? -1 : 1;
	/* Among equal q, the one that expires last refreshed most recently. */
	if (a->expires_at != b->expires_at)
		return a->expires_at > b->expires_at ? -1 : 1;
	return 0;
}

int location_lookup(const struct location *l, const char *aor, time_t now,
                    struct location_contact *out, int max)
{
	const struct location_aor *a = location_find(l, aor);
	if (!a || a->n == 0)
		return 0;
	const struct location_binding **v = malloc(sizeof *v * a->n);
	if (!v)
		return -ENOMEM;
	int n = 0;
	for (unsigned i = 0; i < a->n; i++)
		if (a->b[i].expires_at > now)
			v[n++] = &a->b[i];
	qsort(v, (size_t)n, sizeof *v, cmp_contact);
	for (int i = 0; i < n && i < max && out; i++) {
		struct location_contact *o = &out[i];
		memset(o, 0, sizeof *o);
		snprintf(o->uri, sizeof o->uri, "%s", v[i]->contact);
		o->q = v[i]->q;
		o->expires_in = (unsigned)(v[i]->expires_at - now);
		o->proto = v[i]->proto;
		o->src = v[i]->src;
		o->src_len = v[i]->src_len;
		o->conn_id = v[i]->conn_id;
	}
	free(v);
	return n;
}

/* ---- snapshot file ----
 * One binding per line, space-separated fields, each percent-encoded
 * (bytes <= 0x20, '%', >= 0x7f), "-" for absent:
 *   B aor contact call-id cseq expires_at q proto addr port instance reg-id user-agent
 * Version 1 had no user-agent field: its lines load as bindings without one. */

#define SNAP_MAGIC "# tandem location v"
#define SNAP_VERSION 2

static void put_field(FILE *f, const char *s)
{
	fputc(' ', f);
	if (!s || !*s) {
		fputc('-', f);
		return;
	}
	if (strcmp(s, "-") == 0) {
		fputs("%2D", f);
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c == '%' || c >= 0x7f)
			fprintf(f, "%%%02X", c);
		else
			fputc(c, f);
	}
}

static int hexv(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
	     : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode in place; NULL for "-". Returns false on a bad escape. */
static bool get_field(char *s, char **out)
{
	if (strcmp(s, "-") == 0) {
		*out = NULL;
		return true;
	}
	char *d = s;
	for (char *p = s; *p; p++) {
		if (*p == '%') {
			int hi = hexv((unsigned char)p[1]), lo = hi < 0 ? -1 : hexv((unsigned char)p[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			*d++ = (char)(hi << 4 | lo);
			p += 2;
		} else {
			*d++ = *p;
		}
	}
	*d = '\0';
	*out = s;
	return true;
}

static void addr_text(const struct location_binding *b, char *host, size_t n, unsigned *port)
{
	*port = 0;
	snprintf(host, n, "-");
	if (b->src.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&b->src;
		inet_ntop(AF_INET, &s4->sin_addr, host, (socklen_t)n);
		*port = ntohs(s4->sin_port);
	} else if (b->src.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&b->src;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, (socklen_t)n);
		*port = ntohs(s6->sin6_port);
	}
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int location_save(struct location *l)
{
	if (!l || !l->path)
		return 0;
	size_t plen = strlen(l->path);
	char *tmp = malloc(plen + 5);
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, l->path, plen);
	memcpy(tmp + plen, ".tmp", 5);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int rc = -errno;
		if (fd >= 0)
			close(fd);
		free(tmp);
		return rc;
	}
	fprintf(f, "%s%d\n", SNAP_MAGIC, SNAP_VERSION);
	for (unsigned h = 0; h < NBUCKETS; h++) {
		for (const struct location_aor *a = l->buckets[h]; a; a = a->next) {
			for (unsigned i = 0; i < a->n; i++) {
				const struct location_binding *b = &a->b[i];
				char host[INET6_ADDRSTRLEN], num[96];
				unsigned port;
				addr_text(b, host, sizeof host, &port);
				fputc('B', f);
				put_field(f, a->aor);
				put_field(f, b->contact);
				put_field(f, b->call_id);
				snprintf(num, sizeof num, " %u %lld %u %s", b->cseq,
				         (long long)b->expires_at, b->q, sip_proto_name(b->proto));
				fputs(num, f);
				put_field(f, host);
				fprintf(f, " %u", port);
				put_field(f, b->instance);
				fprintf(f, " %u", b->reg_id);
				put_field(f, b->user_agent);
				fputc('\n', f);
			}
		}
	}
	int rc = 0;
	if (fflush(f) != 0 || ferror(f) || fsync(fd) != 0)
		rc = -errno ? -errno : -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, l->path) != 0)
		rc = -errno;
	if (rc == 0)
		rc = fsync_dir_of(l->path);   /* the rename itself must survive a crash */
	else
		unlink(tmp);
	free(tmp);
	return rc;
}

static int parse_proto(const char *s, enum sip_proto *p)
{
	for (int i = 0; i < SIP_PROTO__COUNT; i++) {
		if (strcmp(s, sip_proto_name((enum sip_proto)i)) == 0) {
			*p = (enum sip_proto)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* One "B ..." line into l. Returns 1 loaded, 0 expired, -EINVAL malformed,
 * -ENOMEM. */
static int load_line(struct location *l, char *line, time_t now)
{
	char *f[14];
	int n = 0;
	for (char *save = NULL, *tok = strtok_r(line, " \r\n", &save); tok && n < 14;
	     tok = strtok_r(NULL, " \r\n", &save))
		f[n++] = tok;
	/* 12 fields: a version 1 line (no user-agent) */
	if ((n != 12 && n != 13) || strcmp(f[0], "B") != 0)
		return -EINVAL;
	char *aor, *contact, *call_id, *host, *instance, *ua = NULL, *e[5];
	if (!get_field(f[1], &aor) || !get_field(f[2], &contact) || !get_field(f[3], &call_id) ||
	    !get_field(f[8], &host) || !get_field(f[10], &instance) || !aor || !contact || !call_id ||
	    (n == 13 && !get_field(f[12], &ua)))
		return -EINVAL;
	errno = 0;
	unsigned long cseq = strtoul(f[4], &e[0], 10);
	long long exp = strtoll(f[5], &e[1], 10);
	unsigned long q = strtoul(f[6], &e[2], 10);
	unsigned long port = strtoul(f[9], &e[3], 10);
	unsigned long reg_id = strtoul(f[11], &e[4], 10);
	enum sip_proto proto;
	if (errno || *e[0] || *e[1] || *e[2] || *e[3] || *e[4] || cseq > UINT32_MAX ||
	    q > 1000 || port > 65535 || reg_id > UINT32_MAX || parse_proto(f[7], &proto) < 0)
		return -EINVAL;
	struct location_binding b = {
		.cseq = (uint32_t)cseq, .expires_at = (time_t)exp, .q = (unsigned)q,
		.proto = proto, .reg_id = (unsigned)reg_id,
		/* conn_id stays 0: connections do not survive a restart */
	};
	if (host) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&b.src;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&b.src;
		if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons((uint16_t)port);
			b.src_len = sizeof *s4;
		} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((uint16_t)port);
			b.src_len = sizeof *s6;
		} else {
			return -EINVAL;
		}
	}
	if (b.expires_at <= now)
		return 0;
	struct location_aor *a = aor_get(l, aor);
	if (!a && !(a = aor_create(l, aor)))
		return -ENOMEM;
	struct location_binding *nb = realloc(a->b, sizeof *nb * (a->n + 1));
	if (!nb) {
		aor_remove_if_empty(l, a);
		return -ENOMEM;
	}
	a->b = nb;
	b.contact = strdup(contact);
	b.call_id = strdup(call_id);
	b.instance = instance ? strdup(instance) : NULL;
	b.user_agent = ua ? strdup(ua) : NULL;
	if (!b.contact || !b.call_id || (instance && !b.instance) || (ua && !b.user_agent)) {
		binding_free(&b);
		aor_remove_if_empty(l, a);
		return -ENOMEM;
	}
	a->b[a->n++] = b;
	l->count++;
	return 1;
}

/* The first line of a version this code reads (1 or 2). */
static bool known_magic(const char *line)
{
	size_t n = strlen(SNAP_MAGIC);
	if (strncmp(line, SNAP_MAGIC, n) != 0)
		return false;
	char *end;
	long v = strtol(line + n, &end, 10);
	return end != line + n && (*end == '\n' || *end == '\0') && v >= 1 && v <= SNAP_VERSION;
}

int location_open(const struct location_cfg *cfg, const char *state_file, time_t now,
                  struct location **out, unsigned *skipped)
{
	unsigned bad = 0;
	struct location *l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->cfg = *cfg;
	if (state_file && !(l->path = strdup(state_file))) {
		free(l);
		return -ENOMEM;
	}
	FILE *f = state_file ? fopen(state_file, "re") : NULL;
	if (!f && state_file && errno != ENOENT) {
		int rc = -errno;
		location_close(l);
		return rc;
	}
	if (f) {
		char *line = NULL;
		size_t cap = 0;
		bool first = true;
		int rc = 0;
		while (getline(&line, &cap, f) > 0) {
			if (first && !known_magic(line))
				bad++;      /* not ours or a future format: load what parses */
			first = false;
			if (line[0] == '#' || line[0] == '\n')
				continue;
			int r = load_line(l, line, now);
			if (r == -ENOMEM) {
				rc = r;
				break;
			}
			bad += r < 0;
		}
		free(line);
		fclose(f);
		if (rc < 0) {
			location_close(l);
			return rc;
		}
	}
	if (skipped)
		*skipped = bad;
	*out = l;
	return 0;
}

void location_close(struct location *l)
{
	if (!l)
		return;
	for (unsigned h = 0; h < NBUCKETS; h++) {
		while (l->buckets[h]) {
			struct location_aor *a = l->buckets[h];
			l->buckets[h] = a->next;
			aor_free(a);
		}
	}
	free(l->path);
	free(l);
}
