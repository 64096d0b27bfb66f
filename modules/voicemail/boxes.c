/* mod_voicemail — the boxes, from the users file mod_auth reads
 * (voicemail.h, "boxes"): a box per user with a `voicemail` group in
 * users.list, and the shared boxes of users.boxes. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "voicemail.h"

#define PIN_MAX 16
#define BOX_MAX_MESSAGES 9999   /* msgNNNN */

static void free_strv(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static void box_clear(struct vm_box *b)
{
	free(b->name);
	free(b->pin);
	if (b->owners)
		for (size_t i = 0; i < b->nowners; i++)
			free(b->owners[i]);
	free(b->owners);
	free_strv(b->notify_argv);
	*b = (struct vm_box){ 0 };
}

void vm_boxes_free(struct vm_boxes *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		box_clear(&b->v[i]);
	free(b->v);
	free(b->realm);
	free(b);
}

static int cmp_box(const void *a, const void *b)
{
	return strcmp(((const struct vm_box *)a)->name, ((const struct vm_box *)b)->name);
}

const struct vm_box *vm_boxes_find(const struct vm_boxes *b, const char *name)
{
	if (!b || !name || b->n == 0)
		return NULL;
	struct vm_box key = { .name = (char *)name };
	return bsearch(&key, b->v, b->n, sizeof *b->v, cmp_box);
}

bool vm_box_owned_by(const struct vm_box *box, const char *user)
{
	if (!box || !user)
		return false;
	for (size_t i = 0; i < box->nowners; i++)
		if (!strcmp(box->owners[i], user))
			return true;
	return false;
}

/* A box name becomes a folder under the spool: [A-Za-z0-9_.-]+, and no
 * leading '.' (".", "..", hidden folders). false with why filled in. */
static bool good_box_name(const char *s, char *why, size_t n)
{
	size_t len = strlen(s);
	if (len == 0) {
		snprintf(why, n, "empty");
		return false;
	}
	if (len >= VM_NAME_MAX) {
		snprintf(why, n, "longer than %d characters", VM_NAME_MAX - 1);
		return false;
	}
	if (*s == '.') {
		snprintf(why, n, "starts with '.'");
		return false;
	}
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '.' || *s == '-')) {
			snprintf(why, n, "holds a character other than A-Z a-z 0-9 _ . -");
			return false;
		}
	}
	return true;
}

static bool is_strings(const config_setting_t *s)
{
	if (!config_setting_is_list(s) && !config_setting_is_array(s))
		return false;
	for (int i = 0; i < config_setting_length(s); i++)
		if (config_setting_type(config_setting_get_elem(s, (unsigned)i)) != CONFIG_TYPE_STRING)
			return false;
	return true;
}

/* What a load needs at hand. */
struct load {
	const char *path;
	char *err;
	size_t errlen;
	unsigned default_max;
	const char **users;       /* names of users.list, into the config */
	size_t nusers;
};

static bool is_user(const struct load *l, const char *name)
{
	for (size_t i = 0; i < l->nusers; i++)
		if (!strcmp(l->users[i], name))
			return true;
	return false;
}

/* The settings a user's voicemail group and a shared box have in common.
 * what names the box in messages. */
static int box_settings(const struct load *l, const config_setting_t *g, const char *what,
                        bool shared, struct vm_box *b)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		int type = config_setting_type(s);

		if (!strcmp(k, "pin")) {
			const char *pin = config_setting_get_string(s);
			size_t n = pin ? strlen(pin) : 0;
			bool digits = n >= 1 && n <= PIN_MAX;
			for (size_t j = 0; digits && j < n; j++)
				digits = pin[j] >= '0' && pin[j] <= '9';
			if (type != CONFIG_TYPE_STRING || !digits)
				return tandem_setting_fail(l->err, l->errlen, l->path, s,
				            "%s: pin must be a string of 1 to %d digits", what, PIN_MAX);
			if (!(b->pin = strdup(pin)))
				return -ENOMEM;
		} else if (!strcmp(k, "max_messages")) {
			long long v = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64
			                  ? config_setting_get_int64(s) : 0;
			if (v < 1 || v > BOX_MAX_MESSAGES)
				return tandem_setting_fail(l->err, l->errlen, l->path, s,
				            "%s: max_messages must be an integer from 1 to %d", what,
				            BOX_MAX_MESSAGES);
			b->max_messages = (unsigned)v;
		} else if (!strcmp(k, "mwi")) {
			const char *v = type == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
			if (v && !strcmp(v, "subscribe"))
				b->mwi_unsolicited = false;
			else if (v && !strcmp(v, "unsolicited"))
				b->mwi_unsolicited = true;
			else
				return tandem_setting_fail(l->err, l->errlen, l->path, s,
				            "%s: mwi must be \"subscribe\" or \"unsolicited\"", what);
		} else if (!strcmp(k, "notify")) {
			int n = config_setting_length(s);
			if (!is_strings(s) || n < 1)
				return tandem_setting_fail(l->err, l->errlen, l->path, s,
				            "%s: notify must be a list of strings ( \"/path/to/command\", \"arg\", ... )",
				            what);
			const char *cmd = config_setting_get_string_elem(s, 0);
			if (cmd[0] != '/')
				return tandem_setting_fail(l->err, l->errlen, l->path, s,
				            "%s: notify: the command '%s' must be an absolute path", what, cmd);
			if (!(b->notify_argv = calloc((size_t)n + 1, sizeof *b->notify_argv)))
				return -ENOMEM;
			for (int j = 0; j < n; j++)
				if (!(b->notify_argv[j] = strdup(config_setting_get_string_elem(s, (unsigned)j))))
					return -ENOMEM;
		} else if (shared && !strcmp(k, "owners")) {
			int n = config_setting_length(s);
			if (!is_strings(s))
				return tandem_setting_fail(l->err, l->errlen, l->path, s,
				            "%s: owners must be a list of user names ( \"1001\", ... )", what);
			if (n > 0 && !(b->owners = calloc((size_t)n, sizeof *b->owners)))
				return -ENOMEM;
			for (int j = 0; j < n; j++) {
				const char *u = config_setting_get_string_elem(s, (unsigned)j);
				if (!is_user(l, u))
					return tandem_setting_fail(l->err, l->errlen, l->path, s,
					            "%s: owner '%s' is not a user of users.list", what, u);
				if (vm_box_owned_by(b, u))
					return tandem_setting_fail(l->err, l->errlen, l->path, s,
					            "%s: owner '%s' listed twice", what, u);
				if (!(b->owners[b->nowners] = strdup(u)))
					return -ENOMEM;
				b->nowners++;
			}
		} else if (!(shared && !strcmp(k, "box"))) {
			return tandem_setting_fail(l->err, l->errlen, l->path, s,
			            "%s: unknown setting '%s' (%s)", what, k,
			            shared ? "box, pin, owners, max_messages, mwi, notify"
			                   : "pin, max_messages, mwi, notify");
		}
	}
	return 0;
}

/* Room for one more box in out. */
static int grow(struct vm_boxes *out, size_t *cap)
{
	if (out->n < *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 8;
	struct vm_box *v = realloc(out->v, n * sizeof *v);
	if (!v)
		return -ENOMEM;
	out->v = v;
	*cap = n;
	return 0;
}

/* The box just filled in at out->v[out->n]: keep it unless its name is
 * taken. */
static int add_box(const struct load *l, const config_setting_t *where, struct vm_boxes *out)
{
	struct vm_box *b = &out->v[out->n];
	for (size_t i = 0; i < out->n; i++) {
		if (!strcmp(out->v[i].name, b->name)) {
			int rc = tandem_setting_fail(l->err, l->errlen, l->path, where, "box '%s' defined twice", b->name);
			box_clear(b);
			return rc;
		}
	}
	out->n++;
	return 0;
}

static int user_box(const struct load *l, const config_setting_t *vm, const char *user,
                    struct vm_boxes *out, size_t *cap)
{
	char what[VM_NAME_MAX + 16], why[64];
	int rc;

	snprintf(what, sizeof what, "user '%.*s'", VM_NAME_MAX, user);
	if (!config_setting_is_group(vm))
		return tandem_setting_fail(l->err, l->errlen, l->path, vm, "%s: voicemail must be a group { pin = ...; }",
		            what);
	if (!good_box_name(user, why, sizeof why))
		return tandem_setting_fail(l->err, l->errlen, l->path, vm, "%s: not usable as a box name: %s", what, why);
	if ((rc = grow(out, cap)) < 0)
		return rc;
	struct vm_box *b = &out->v[out->n];
	*b = (struct vm_box){ .max_messages = l->default_max };
	if (!(b->name = strdup(user)) || !(b->owners = calloc(1, sizeof *b->owners)) ||
	    !(b->owners[0] = strdup(user))) {
		box_clear(b);
		return -ENOMEM;
	}
	b->nowners = 1;
	if ((rc = box_settings(l, vm, what, false, b)) < 0) {
		box_clear(b);
		return rc;
	}
	return add_box(l, vm, out);
}

static int shared_box(const struct load *l, const config_setting_t *e, struct vm_boxes *out,
                      size_t *cap)
{
	char what[VM_NAME_MAX + 16], why[64];
	const char *name = NULL;
	int rc;

	if (!config_setting_is_group(e))
		return tandem_setting_fail(l->err, l->errlen, l->path, e,
		            "each entry of users.boxes must be a group { box = ...; }");
	const config_setting_t *n = config_setting_get_member(e, "box");
	if (!n || !(name = config_setting_get_string(n)))
		return tandem_setting_fail(l->err, l->errlen, l->path, n ? n : e,
		            "users.boxes entry without box = \"name\"");
	snprintf(what, sizeof what, "box '%.*s'", VM_NAME_MAX, name);
	if (!good_box_name(name, why, sizeof why))
		return tandem_setting_fail(l->err, l->errlen, l->path, n, "%s: bad box name: %s", what, why);
	if ((rc = grow(out, cap)) < 0)
		return rc;
	struct vm_box *b = &out->v[out->n];
	*b = (struct vm_box){ .max_messages = l->default_max };
	if (!(b->name = strdup(name))) {
		box_clear(b);
		return -ENOMEM;
	}
	if ((rc = box_settings(l, e, what, true, b)) < 0) {
		box_clear(b);
		return rc;
	}
	return add_box(l, e, out);
}

static int load(struct load *l, config_t *cfg, struct vm_boxes *out)
{
	const config_setting_t *g = config_lookup(cfg, "users");
	size_t cap = 0;
	int rc;

	if (!g || !config_setting_is_group(g))
		return tandem_setting_fail(l->err, l->errlen, l->path, g, "no 'users' group");
	const config_setting_t *list = config_setting_get_member(g, "list");
	const config_setting_t *boxes = config_setting_get_member(g, "boxes");
	const char *realm = NULL;   /* mod_auth checks it; we only name it */
	if (config_setting_lookup_string(g, "realm", &realm) && !(out->realm = strdup(realm)))
		return -ENOMEM;
	if (list && !config_setting_is_list(list))
		return tandem_setting_fail(l->err, l->errlen, l->path, list, "users.list must be a list ( {...}, {...} )");
	if (boxes && !config_setting_is_list(boxes))
		return tandem_setting_fail(l->err, l->errlen, l->path, boxes,
		            "users.boxes must be a list ( { box = ...; }, ... )");

	int nlist = list ? config_setting_length(list) : 0;
	if (nlist > 0 && !(l->users = calloc((size_t)nlist, sizeof *l->users)))
		return -ENOMEM;
	for (int i = 0; i < nlist; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		const char *user = NULL;
		if (!config_setting_is_group(e) || !config_setting_lookup_string(e, "user", &user))
			return tandem_setting_fail(l->err, l->errlen, l->path, e, "users.list entry without user = \"name\"");
		l->users[l->nusers++] = user;
	}
	for (int i = 0; i < nlist; i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		const config_setting_t *vm = config_setting_get_member(e, "voicemail");
		if (vm && (rc = user_box(l, vm, l->users[i], out, &cap)) < 0)
			return rc;
	}
	for (int i = 0; boxes && i < config_setting_length(boxes); i++)
		if ((rc = shared_box(l, config_setting_get_elem(boxes, (unsigned)i), out, &cap)) < 0)
			return rc;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, cmp_box);
	return 0;
}

int vm_boxes_load(const char *path, unsigned default_max_messages, struct vm_boxes **out,
                  char *err, size_t errlen)
{
	struct load l = { .path = path, .err = err, .errlen = errlen,
	                  .default_max = default_max_messages };
	config_t cfg;
	int rc;

	*out = NULL;
	struct vm_boxes *b = calloc(1, sizeof *b);
	if (!b) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* @include is relative to the users file's own folder, as for mod_auth */
	if (tandem_config_read(&cfg, path, err, errlen) < 0) {
		vm_boxes_free(b);
		return -EINVAL;
	}
	rc = load(&l, &cfg, b);
	free(l.users);
	config_destroy(&cfg);
	if (rc < 0) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", path);
		vm_boxes_free(b);
		return rc;
	}
	*out = b;
	return 0;
}
