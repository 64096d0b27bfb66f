/* tandemctl's human output (ctl_format.h): generic over the JSON a
 * command returns, so a module's command prints well without tandemctl
 * knowing it. --json bypasses all of this. */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_format.h"

/* ---- cells ---- */

static char *sanitized(const char *s)
{
	char *out = strdup(s);
	for (char *p = out; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

static char *real_text(double d)
{
	char buf[64];
	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, sizeof buf, "%.0f", d);
	else {
		snprintf(buf, sizeof buf, "%.3f", d);
		char *e = buf + strlen(buf) - 1;
		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
	}
	return strdup(buf);
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static bool all_scalars(const json_t *a)
{
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
		if (!is_scalar(e))
			return false;
	return true;
}

char *ctl_cell(const json_t *v)
{
	char buf[32];
	switch (json_typeof(v)) {
	case JSON_STRING:
		return sanitized(json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strdup(buf);
	case JSON_REAL:
		return real_text(json_real_value(v));
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("-");
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			return strdup("-");
		if (all_scalars(v)) {
			size_t n = 1, i;
			json_t *e;
			char *out = calloc(1, 1);
			json_array_foreach(v, i, e) {
				char *c = ctl_cell(e);
				char *grown = c && out ? realloc(out, n + strlen(c) + 1) : NULL;
				if (!grown) {
					free(c);
					free(out);
					return NULL;
				}
				out = grown;
				if (i)
					strcat(out, ",");
				strcat(out, c);
				n += strlen(c) + 1;
				free(c);
			}
			return out;
		}
		break;
	case JSON_OBJECT:
		if (json_object_size(v) == 0)
			return strdup("-");
		break;
	}
	/* anything deeper: compact JSON, still one line */
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
	return text;
}

/* Characters on screen: UTF-8 continuation bytes take no column. */
static size_t width_of(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* ---- flattening: {"media": {"codec": "PCMU"}} is media.codec ---- */

struct flat {
	char **keys, **vals;
	size_t n;
};

static void flat_free(struct flat *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->keys[i]);
		free(f->vals[i]);
	}
	free(f->keys);
	free(f->vals);
	*f = (struct flat){ 0 };
}

static int flat_add(struct flat *f, const char *prefix, const char *key, char *val)
{
	size_t n = strlen(prefix) + strlen(key) + 1;
	char *k = malloc(n);
	char **ks = realloc(f->keys, (f->n + 1) * sizeof *ks);
	if (ks)
		f->keys = ks;
	char **vs = ks ? realloc(f->vals, (f->n + 1) * sizeof *vs) : NULL;
	if (vs)
		f->vals = vs;
	if (!k || !val || !ks || !vs) {
		free(k);
		free(val);
		return -1;
	}
	snprintf(k, n, "%s%s", prefix, key);
	f->keys[f->n] = k;
	f->vals[f->n] = val;
	f->n++;
	return 0;
}

static int flatten(const json_t *obj, const char *prefix, struct flat *f)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		if (json_is_object(v) && json_object_size(v)) {
			size_t n = strlen(prefix) + strlen(key) + 2;
			char *sub = malloc(n);
			if (!sub)
				return -1;
			snprintf(sub, n, "%s%s.", prefix, key);
			int rc = flatten(v, sub, f);
			free(sub);
			if (rc < 0)
				return rc;
		} else if (flat_add(f, prefix, key, ctl_cell(v)) < 0)
			return -1;
	}
	return 0;
}

static const char *flat_get(const struct flat *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return f->vals[i];
	return NULL;
}

/* ---- tables ---- */

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

/* rows: an array of objects. Columns: every flattened key, in the order
 * first seen; a row without one shows "-". */
static int print_table(FILE *out, const json_t *rows, const char *indent)
{
	size_t nrows = json_array_size(rows);
	struct flat *fl = calloc(nrows ? nrows : 1, sizeof *fl);
	struct flat cols = { 0 };
	size_t *w = NULL;
	int rc = -1;
	if (!fl)
		return -1;
	for (size_t r = 0; r < nrows; r++) {
		if (flatten(json_array_get(rows, r), "", &fl[r]) < 0)
			goto out;
		for (size_t i = 0; i < fl[r].n; i++)
			if (!flat_get(&cols, fl[r].keys[i]) && flat_add(&cols, "", fl[r].keys[i], strdup("")) < 0)
				goto out;
	}
	if (!(w = calloc(cols.n ? cols.n : 1, sizeof *w)))
		goto out;
	for (size_t c = 0; c < cols.n; c++) {
		w[c] = width_of(cols.keys[c]);
		for (size_t r = 0; r < nrows; r++) {
			const char *v = flat_get(&fl[r], cols.keys[c]);
			size_t vw = width_of(v ? v : "-");
			if (vw > w[c])
				w[c] = vw;
		}
	}
	for (size_t r = 0; r <= nrows; r++) {
		fputs(indent, out);
		for (size_t c = 0; c < cols.n; c++) {
			const char *v = r == 0 ? cols.keys[c] : flat_get(&fl[r - 1], cols.keys[c]);
			if (!v)
				v = "-";
			fputs(v, out);
			if (c + 1 < cols.n)
				pad(out, w[c] - width_of(v) + 2);
		}
		fputc('\n', out);
	}
	rc = ferror(out) ? -1 : 0;
out:
	for (size_t r = 0; r < nrows; r++)
		flat_free(&fl[r]);
	free(fl);
	flat_free(&cols);
	free(w);
	return rc;
}

static bool is_table(const json_t *v)
{
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

/* ---- objects: aligned key: value lines ---- */

static int print_object(FILE *out, const json_t *obj)
{
	struct flat f = { 0 };
	size_t w = 0;
	const char *key;
	json_t *v;
	/* a member that is a list of objects is a table of its own, below
	 * its key; the rest are flattened lines */
	json_object_foreach((json_t *)obj, key, v) {
		if (is_table(v))
			continue;
		if (json_is_object(v) && json_object_size(v)) {
			struct flat one = { 0 };
			size_t n = strlen(key) + 2;
			char prefix[n];
			snprintf(prefix, n, "%s.", key);
			if (flatten(v, prefix, &one) < 0) {
				flat_free(&one);
				flat_free(&f);
				return -1;
			}
			for (size_t i = 0; i < one.n; i++)
				if (width_of(one.keys[i]) > w)
					w = width_of(one.keys[i]);
			flat_free(&one);
		} else if (width_of(key) > w)
			w = width_of(key);
	}
	int rc = 0;
	json_object_foreach((json_t *)obj, key, v) {
		if (is_table(v)) {
			fprintf(out, "%s:\n", key);
			if (print_table(out, v, "  ") < 0)
				rc = -1;
			continue;
		}
		struct flat one = { 0 };
		if (json_is_object(v) && json_object_size(v)) {
			size_t n = strlen(key) + 2;
			char prefix[n];
			snprintf(prefix, n, "%s.", key);
			rc = flatten(v, prefix, &one);
		} else
			rc = flat_add(&one, "", key, ctl_cell(v));
		for (size_t i = 0; rc == 0 && i < one.n; i++) {
			fprintf(out, "%s:", one.keys[i]);
			pad(out, w - width_of(one.keys[i]) + 1);
			fprintf(out, "%s\n", one.vals[i]);
		}
		flat_free(&one);
		if (rc < 0)
			break;
	}
	flat_free(&f);
	return rc < 0 || ferror(out) ? -1 : 0;
}

int ctl_print(FILE *out, const json_t *v)
{
	if (!v)
		return 0;
	if (is_table(v))
		return print_table(out, v, "");
	if (json_is_object(v))
		return print_object(out, v);
	if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			fputs("(none)\n", out);
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			if (json_is_object(e) || json_is_array(e)) {
				/* mixed: each on its own */
				if (ctl_print(out, e) < 0)
					return -1;
				continue;
			}
			char *c = ctl_cell(e);
			if (!c)
				return -1;
			fprintf(out, "%s\n", c);
			free(c);
		}
		return ferror(out) ? -1 : 0;
	}
	char *c = ctl_cell(v);
	if (!c)
		return -1;
	fprintf(out, "%s\n", c);
	free(c);
	return ferror(out) ? -1 : 0;
}
