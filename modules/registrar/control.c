/* mod_registrar — "registrations [AOR]": every live binding of the
 * location service, one object each (docs/CONTROL.md, "Module commands"),
 * sorted by AOR, then as the "user" resolver rings them (highest q, then
 * the most recently refreshed). Read-only. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tandem/control.h>
#include <tandem/transport.h>

#include "control.h"
#include "location.h"

struct row {
	const char *aor;
	const struct location_binding *b;
};

struct rows {
	struct row *v;
	size_t n, cap;
	time_t now;
	const char *only;           /* one AOR, NULL: all */
};

static int collect(void *arg, const struct location_aor *a)
{
	struct rows *r = arg;
	if (r->only && strcmp(r->only, a->aor) != 0)
		return 0;
	for (unsigned i = 0; i < a->n; i++) {
		if (a->b[i].expires_at <= r->now)
			continue;           /* expired, the sweep has not run yet */
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 32;
			struct row *v = realloc(r->v, cap * sizeof *v);
			if (!v)
				return -ENOMEM;
			r->v = v;
			r->cap = cap;
		}
		r->v[r->n++] = (struct row){ .aor = a->aor, .b = &a->b[i] };
	}
	return 0;
}

static int cmp_row(const void *x, const void *y)
{
	const struct row *a = x, *b = y;
	int c = strcmp(a->aor, b->aor);
	if (c)
		return c;
	if (a->b->q != b->b->q)
		return a->b->q > b->b->q ? -1 : 1;
	if (a->b->expires_at != b->b->expires_at)
		return a->b->expires_at > b->b->expires_at ? -1 : 1;
	return strcmp(a->b->contact, b->b->contact);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *binding_json(const struct row *r, time_t now)
{
	const struct location_binding *b = r->b;
	char src[96] = "";
	if (b->src_len)
		sip_addr_str((const struct sockaddr *)&b->src, src, sizeof src);
	json_t *o = json_object();
	if (!o)
		return NULL;
	/* the members' order is the table's column order */
	json_object_set_new(o, "aor", json_string(r->aor));
	json_object_set_new(o, "contact", json_string(b->contact));
	json_object_set_new(o, "expires", json_integer((json_int_t)(b->expires_at - now)));
	json_object_set_new(o, "transport", json_string(sip_proto_name(b->proto)));
	json_object_set_new(o, "received", src[0] ? json_string(src) : json_null());
	json_object_set_new(o, "user_agent", str_or_null(b->user_agent));
	json_object_set_new(o, "q", json_real(b->q / 1000.0));
	/* RFC 5626: the flow the phone keeps (the connection its REGISTER
	 * came on, 0 after a restart or on UDP) and its instance */
	json_object_set_new(o, "flow", json_boolean(b->conn_id != 0));
	json_object_set_new(o, "instance", str_or_null(b->instance));
	json_object_set_new(o, "reg_id", b->reg_id ? json_integer(b->reg_id) : json_null());
	json_object_set_new(o, "call_id", json_string(b->call_id));
	json_object_set_new(o, "cseq", json_integer(b->cseq));
	return o;
}

static int registrations_run(struct tandem *t, const json_t *args, json_t **result, char *err,
                             size_t errlen, void *arg)
{
	(void)t;
	const struct location *l = arg;
	size_t nargs = tandem_control_nargs(args);
	const char *aor = tandem_control_arg(args, 0);
	if (nargs > 1 || (nargs == 1 && (!aor || !*aor))) {
		snprintf(err, errlen, "usage: registrations [AOR]");
		return -EINVAL;
	}
	struct rows r = { .now = time(NULL), .only = aor };
	int rc = location_foreach(l, collect, &r);
	json_t *out = rc == 0 ? json_array() : NULL;
	if (!out) {
		free(r.v);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (aor && r.n == 0) {
		json_decref(out);
		free(r.v);
		snprintf(err, errlen, "%s has no binding", aor);
		return -ENOENT;
	}
	if (r.n)
		qsort(r.v, r.n, sizeof *r.v, cmp_row);
	for (size_t i = 0; i < r.n; i++) {
		json_t *o = binding_json(&r.v[i], r.now);
		if (!o || json_array_append_new(out, o) < 0) {
			json_decref(out);
			free(r.v);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	free(r.v);
	*result = out;
	return 0;
}

static const struct tandem_control_command registrations = {
	.name = "registrations",
	.usage = "[AOR]",
	.help = "the registered contacts (of one address-of-record)",
	.run = registrations_run,
};

int reg_control_add(struct tandem *t, const struct location *l)
{
	struct tandem_control_command c = registrations;
	c.arg = (void *)l;
	return tandem_control_command_add(t, "registrar", &c);
}
