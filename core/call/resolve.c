/* tandem — dial target resolution (resolve.h): modules' resolvers by
 * scheme, the core's sip:/sips: URIs, one resolution at a time. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_internal.h"
#include "dial_rules.h"
#include "resolve.h"

/* RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ),
 * lower case here since targets are matched after lowering theirs. */
static bool scheme_syntax_ok(const char *s)
{
	if (!s || !islower((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '+' &&
		    *s != '-' && *s != '.')
			return false;
	return true;
}

int tandem_register_resolver(struct tandem *t, const struct tandem_resolver *r)
{
	if (!t || !r || !r->resolve || !scheme_syntax_ok(r->scheme) || dial_scheme_is_uri(r->scheme))
		return -EINVAL;
	if (resolver_find(t, r->scheme))
		return -EEXIST;
	if (t->nresolvers >= TANDEM_MAX_RESOLVERS)
		return -ENOSPC;
	t->resolvers[t->nresolvers++] = *r;
	tlog_debug("resolver for '%s:' targets registered", r->scheme);
	return 0;
}

const struct tandem_resolver *resolver_find(const struct tandem *t, const char *scheme)
{
	for (unsigned i = 0; t && i < t->nresolvers; i++)
		if (strcmp(t->resolvers[i].scheme, scheme) == 0)
			return &t->resolvers[i];
	return NULL;
}

bool resolver_serves(const struct tandem *t, const char *scheme)
{
	return dial_scheme_is_uri(scheme) || resolver_find(t, scheme) != NULL;
}

int tandem_resolve_add(struct tandem_resolve *r, const struct tandem_contact *c)
{
	if (!r || !c || (r->finished && !r->in_resolve))
		return -EINVAL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4;
		struct tandem_contact *grown = realloc(r->c, cap * sizeof *grown);
		if (!grown)
			return -ENOMEM;
		r->c = grown;
		r->cap = cap;
	}
	r->c[r->n] = *c;
	/* the module's header text is copied: the core keeps no pointer of it */
	r->c[r->n].headers = c->headers ? strdup(c->headers) : NULL;
	if (c->headers && !r->c[r->n].headers)
		return -ENOMEM;
	r->n++;
	return 0;
}

const char *tandem_resolve_domain(const struct tandem_resolve *r)
{
	return r && r->domain[0] ? r->domain : "localhost";
}

/* A resolver's answer as the core takes it: 0 only with contacts. */
static int resolve_status(struct tandem_resolve *r, int status)
{
	if (status == 0 && r->n == 0) {
		tlog_info("call %s: resolver '%s:' gave no contact for %s", r->call_id,
		          r->res->scheme, r->target);
		return 480;
	}
	if (status != 0 && (status < 300 || status > 699)) {
		tlog_warn("call %s: resolver '%s:' answered %d for %s: taken as 500", r->call_id,
		          r->res->scheme, status, r->target);
		return 500;
	}
	return status;
}

void resolve_free(struct tandem_resolve *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free((char *)r->c[i].headers);
	free(r->c);
	free(r->target);
	free(r->call_id);
	free(r);
}

void resolve_abandon(struct tandem_resolve *r)
{
	if (!r)
		return;
	tlog_info("call %s: resolver '%s:': %s abandoned", r->call_id, r->res->scheme, r->target);
	if (r->res->abandon)
		r->res->abandon(r, r->res->arg);
	resolve_free(r);
}

void tandem_resolve_done(struct tandem_resolve *r, int status)
{
	if (!r || r->finished)
		return;
	r->finished = true;
	if (r->in_resolve) {
		r->status = status;   /* answered before resolve even returned */
		return;
	}
	r->done(r, resolve_status(r, status), r->arg);
}

/* sip:/sips: targets are the core's: one contact, where the URI says. */
static int resolve_uri(struct tandem_resolve *r)
{
	struct tandem_contact c = { .flow = false };
	if (strlen(r->target) >= sizeof c.ruri || strlen(r->target) + 2 >= sizeof c.to)
		return 414;   /* Request-URI Too Long (RFC 3261 §21.4.12) */
	if (uri_dest(sip_str_c(r->target), &c.dst) < 0) {
		tlog_info("call %s: dial: cannot reach %s (no usable host)", r->call_id, r->target);
		return 404;
	}
	snprintf(c.ruri, sizeof c.ruri, "%s", r->target);
	snprintf(c.to, sizeof c.to, "<%s>", r->target);
	return tandem_resolve_add(r, &c) < 0 ? 500 : 0;
}

int resolve_start(struct tandem *t, struct tandem_call *call, const char *target,
                  const char *domain, resolve_done_fn done, void *arg,
                  struct tandem_resolve **out)
{
	char scheme[32];
	*out = NULL;
	int off = dial_target_scheme(target, scheme, sizeof scheme);
	const struct tandem_resolver *res = NULL;
	if (off >= 0 && !dial_scheme_is_uri(scheme) && !(res = resolver_find(t, scheme))) {
		/* see resolve.h for why 503 */
		tlog_warn("call %s: dial: no module serves '%s:' targets: %s fails with 503 (load "
		          "the module that registers a resolver for it)", call ? tandem_call_id(call) : "-",
		          scheme, target);
		return 503;
	}
	if (off < 0) {
		tlog_warn("call %s: dial: '%.40s...' has no scheme anybody serves",
		          call ? tandem_call_id(call) : "-", target);
		return 503;
	}
	struct tandem_resolve *r = calloc(1, sizeof *r);
	if (!r || !(r->target = strdup(target)) ||
	    !(r->call_id = strdup(call ? tandem_call_id(call) : "-"))) {
		if (r)
			free(r->target);
		free(r);
		return 500;
	}
	r->t = t;
	r->res = res;
	r->done = done;
	r->arg = arg;
	snprintf(r->domain, sizeof r->domain, "%s", domain ? domain : "");
	int rc;
	if (!res) {
		rc = resolve_uri(r);
	} else {
		r->in_resolve = true;
		rc = res->resolve(t, call, target + off, r, res->arg);
		r->in_resolve = false;
		if (rc == -EINPROGRESS && r->finished)
			rc = r->status;   /* tandem_resolve_done came inside */
		if (rc == -EINPROGRESS) {
			tlog_info("call %s: resolver '%s:': %s pending", r->call_id, scheme, target);
			*out = r;
			return -EINPROGRESS;
		}
		rc = resolve_status(r, rc);
	}
	r->finished = true;
	if (rc) {
		resolve_free(r);
		return rc;
	}
	*out = r;
	return 0;
}
