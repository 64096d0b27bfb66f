/* mod_cdr: call detail records (docs/CDR.md). One record per call
 * attempt, written when the call ends (CALL_END), to any of:
 *
 *   cdr: {
 *     csv = "../var/cdr/Master.csv";   # the columns of Asterisk's Master.csv
 *     json = "../var/cdr/cdr.json";    # JSON lines: everything
 *     sqlite = "../var/cdr/cdr.db";    # table cdr, indexed on start
 *     rotate_size = "10M";             # CSV and JSON files: bytes, or K/M/G; 0 off
 *     rotate_daily = true;             # at the first record of a new day
 *     sync = false;                    # fdatasync each record (and SQLite FULL)
 *     usegmtime = false;               # CSV times in UTC instead of local time
 *   };
 *
 * Paths are relative to the folder of the file the setting is in. The
 * media counters come from mod_rtprelay when it is loaded (not a
 * dependency: without it a record has no media). Files are opened at
 * start; a reload opens the new outputs before it lets the old ones go,
 * and keeps the old ones when any of the new cannot be opened. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <tandem/call.h>
#include <tandem/rtprelay.h>
#include <tandem/tandem.h>

#include "db.h"
#include "file.h"
#include "record.h"

#define RETRY_INTERVAL 1.0
/* rotate_size bounds: below a few records rotation would never stop */
#define ROTATE_MIN 4096LL
#define ROTATE_MAX (1LL << 40)

struct cdr_conf {
	char *csv, *json, *sqlite;        /* malloc'd absolute-or-relative paths, NULL: off */
	struct cdr_file_cfg file;
	bool sync, gmt;
};

/* The open outputs of one configuration. */
struct cdr_outputs {
	struct cdr_conf conf;
	struct cdr_file csv, json;
	struct cdr_db db;
};

struct cdr_state {
	struct tandem *t;
	struct cdr_conf initial;          /* from init, opened at start */
	struct cdr_outputs *out;          /* NULL before start */
	ev_timer retry;                   /* SQLite records waiting */
	unsigned long records;
	struct cdr_record rec;            /* the record being written (big: not on the stack) */
};

#define CFG_ERR(where, ...) tandem_config_error("cdr", where, __VA_ARGS__)

static void conf_free(struct cdr_conf *c)
{
	free(c->csv);
	free(c->json);
	free(c->sqlite);
	*c = (struct cdr_conf){ 0 };
}

static int read_bool(const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		CFG_ERR(s, "'%s' must be true or false", name);
		return -EINVAL;
	}
	*out = config_setting_get_bool(s);
	return 0;
}

static int read_path(const config_setting_t *g, const char *name, char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	const char *v = config_setting_get_string(s);
	if (!v || !*v) {
		CFG_ERR(s, "'%s' must be a file name", name);
		return -EINVAL;
	}
	if (v[strlen(v) - 1] == '/') {
		CFG_ERR(s, "'%s' names a folder: give the file's name", name);
		return -EINVAL;
	}
	if (!(*out = tandem_setting_path(s, v, NULL)))
		return -ENOMEM;
	return 0;
}

/* rotate_size: 10485760, 10485760L, or "10M" (K, M, G: powers of 1024). */
static int read_size(const config_setting_t *g, const char *name, off_t *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	long long v;
	if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *text = config_setting_get_string(s);
		char *end;
		errno = 0;
		v = strtoll(text, &end, 10);
		long long unit = 1;
		if (*end && !end[1]) {
			switch (*end) {
			case 'k': case 'K': unit = 1024; end++; break;
			case 'm': case 'M': unit = 1024 * 1024; end++; break;
			case 'g': case 'G': unit = 1024 * 1024 * 1024; end++; break;
			}
		}
		if (errno || end == text || *end || v < 0 || v > ROTATE_MAX / unit) {
			CFG_ERR(s, "'%s' = \"%s\": expected bytes, or a number with K, M or G", name, text);
			return -EINVAL;
		}
		v *= unit;
	} else {
		CFG_ERR(s, "'%s' must be a number of bytes or a string such as \"10M\"", name);
		return -EINVAL;
	}
	if (v != 0 && (v < ROTATE_MIN || v > ROTATE_MAX)) {
		CFG_ERR(s, "'%s' must be 0 (off) or %lld..%lld bytes", name, ROTATE_MIN, ROTATE_MAX);
		return -EINVAL;
	}
	*out = (off_t)v;
	return 0;
}

static const char *const known_keys[] = {
	"csv", "json", "sqlite", "rotate_size", "rotate_daily", "sync", "usegmtime", NULL
};

/* The cdr group into c (NULL: no group, nothing written). Errors with file:line. */
static int conf_read(const config_setting_t *g, struct cdr_conf *c)
{
	*c = (struct cdr_conf){ 0 };
	if (!g)
		return 0;
	if (!config_setting_is_group(g)) {
		CFG_ERR(g, "'cdr' must be a group: cdr: { csv = \"...\"; }");
		return -EINVAL;
	}
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		bool known = false;
		for (const char *const *k = known_keys; *k && !known; k++)
			known = name && strcmp(name, *k) == 0;
		if (!known) {
			CFG_ERR(m, "unknown setting '%s'", name ? name : "?");
			return -EINVAL;
		}
	}
	if (read_path(g, "csv", &c->csv) < 0 || read_path(g, "json", &c->json) < 0 ||
	    read_path(g, "sqlite", &c->sqlite) < 0 || read_size(g, "rotate_size", &c->file.rotate_size) < 0 ||
	    read_bool(g, "rotate_daily", &c->file.rotate_daily) < 0 || read_bool(g, "sync", &c->sync) < 0 ||
	    read_bool(g, "usegmtime", &c->gmt) < 0) {
		conf_free(c);
		return -EINVAL;
	}
	const char *clash = NULL;
	if (c->csv && c->json && strcmp(c->csv, c->json) == 0)
		clash = "csv and json";
	else if (c->sqlite && ((c->csv && strcmp(c->csv, c->sqlite) == 0) ||
	                       (c->json && strcmp(c->json, c->sqlite) == 0)))
		clash = "sqlite and a text output";
	if (clash) {
		CFG_ERR(g, "%s name the same file", clash);
		conf_free(c);
		return -EINVAL;
	}
	c->file.sync = c->sync;
	return 0;
}

static bool conf_outputs(const struct cdr_conf *c)
{
	return c->csv || c->json || c->sqlite;
}

static void outputs_close(struct cdr_outputs *o)
{
	if (!o)
		return;
	if (o->conf.csv)
		cdr_file_close(&o->csv);
	if (o->conf.json)
		cdr_file_close(&o->json);
	if (o->conf.sqlite)
		cdr_db_close(&o->db);
	conf_free(&o->conf);
	free(o);
}

/* Open every output of c (c moves into the result). NULL when one cannot
 * be opened (logged): the others are closed again, c freed. */
static struct cdr_outputs *outputs_open(struct cdr_conf *c)
{
	struct cdr_outputs *o = calloc(1, sizeof *o);
	if (!o) {
		conf_free(c);
		return NULL;
	}
	o->conf = *c;
	*c = (struct cdr_conf){ 0 };
	o->csv.fd = o->json.fd = -1;
	time_t now = time(NULL);
	struct cdr_conf *k = &o->conf;
	bool ok = true;
	if (k->csv && cdr_file_open(&o->csv, "csv", k->csv, &k->file, now) < 0)
		ok = false;
	if (ok && k->json && cdr_file_open(&o->json, "json", k->json, &k->file, now) < 0)
		ok = false;
	if (ok && k->sqlite && cdr_db_open(&o->db, k->sqlite, k->sync) < 0)
		ok = false;
	if (!ok) {
		/* only what was opened is closed: mark the rest off */
		if (o->csv.path == NULL) {
			free(k->csv);
			k->csv = NULL;
		}
		if (o->json.path == NULL) {
			free(k->json);
			k->json = NULL;
		}
		if (o->db.db == NULL) {
			free(k->sqlite);
			k->sqlite = NULL;
		}
		outputs_close(o);
		return NULL;
	}
	return o;
}

static void describe(const struct cdr_outputs *o)
{
	const struct cdr_conf *c = &o->conf;
	if (!conf_outputs(c)) {
		tlog_warn("mod_cdr: no output configured (csv, json, sqlite): calls are not recorded");
		return;
	}
	char rot[64] = "";
	if (c->file.rotate_daily || c->file.rotate_size)
		snprintf(rot, sizeof rot, " (rotated%s%s%lld bytes)", c->file.rotate_daily ? " daily" : "",
		         c->file.rotate_daily && c->file.rotate_size ? " and at " :
		         c->file.rotate_size ? " at " : "", (long long)c->file.rotate_size);
	if (c->file.rotate_daily && !c->file.rotate_size)
		snprintf(rot, sizeof rot, " (rotated daily)");
	tlog_info("mod_cdr: recording calls to%s%s%s%s%s%s%s%s", c->csv ? " " : "",
	          c->csv ? c->csv : "", c->json ? " " : "", c->json ? c->json : "",
	          c->sqlite ? " " : "", c->sqlite ? c->sqlite : "", rot, c->sync ? " (synced)" : "");
}

/* ---- writing a record ---- */

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	struct cdr_state *s = w->data;
	if (!s->out || !s->out->conf.sqlite || cdr_db_retry(&s->out->db, time(NULL)) == 0)
		ev_timer_stop(loop, w);
}

/* The relayed streams' counters, from mod_rtprelay (its CALL_END hook runs
 * after ours: priority 1000). Not a dependency: looked up at each call,
 * so a tandemd without the relay records calls without media. */
static void add_media(struct tandem *t, struct tandem_call *call, struct cdr_record *r)
{
	const struct mod_rtprelay_api *api = tandem_module_api(t, "rtprelay");
	if (!api || !api->call_stats)
		return;
	for (unsigned i = 0; i < CDR_MAX_STREAMS; i++) {
		struct rtpr_leg_stats a = { 0 }, b = { 0 };
		int ra = api->call_stats(t, call, i, RTPR_LEG_A, &a);
		int rb = api->call_stats(t, call, i, RTPR_LEG_B, &b);
		if (ra == 0 || rb == 0)
			cdr_record_add_stream(r, i, &a, &b);
	}
}

static void write_record(struct cdr_state *s, const struct cdr_record *r)
{
	struct cdr_outputs *o = s->out;
	time_t now = time(NULL);
	if (o->conf.csv) {
		char line[4096];
		int n = cdr_format_csv(r, o->conf.gmt, line, sizeof line);
		if (n > 0)
			cdr_file_write(&o->csv, line, (size_t)n, now);
		else
			tlog_error("cdr: call %s: record too long for a CSV line", r->a_call_id);
	}
	if (o->conf.json) {
		size_t n;
		char *line = cdr_format_json(r, &n);
		if (line)
			cdr_file_write(&o->json, line, n, now);
		else
			tlog_error("cdr: call %s: out of memory for its JSON record", r->a_call_id);
		free(line);
	}
	if (o->conf.sqlite && cdr_db_insert(&o->db, r, now) == -EAGAIN &&
	    !ev_is_active(&s->retry)) {
		ev_timer_set(&s->retry, RETRY_INTERVAL, RETRY_INTERVAL);
		ev_timer_start(tandem_loop(s->t), &s->retry);
	}
}

/* Before mod_rtprelay's (1000), which frees the counters. */
#define CDR_HOOK_PRIORITY 900

static enum tandem_verdict on_call_end(struct tandem_event *ev)
{
	struct cdr_state *s = tandem_module_data(ev->t, "cdr");
	if (!s || !s->out || !conf_outputs(&s->out->conf) || !ev->call)
		return TANDEM_CONTINUE;
	struct tandem_call_facts f;
	if (tandem_call_facts(ev->call, &f) < 0)
		return TANDEM_CONTINUE;
	/* the dialplan's set(accountcode=...), as Asterisk's CDR(accountcode) */
	const struct cdr_vars v = {
		.accountcode = tandem_call_var(ev->call, "accountcode"),
		.amaflags = tandem_call_var(ev->call, "amaflags"),
		.userfield = tandem_call_var(ev->call, "userfield"),
	};
	if (v.amaflags && !cdr_amaflags(v.amaflags))
		tlog_warn("cdr: call %s: amaflags \"%s\" is not OMIT, BILLING or DOCUMENTATION",
		          f.a_call_id, v.amaflags);
	cdr_record_from_facts(&f, &v, &s->rec);
	add_media(ev->t, ev->call, &s->rec);
	write_record(s, &s->rec);
	s->records++;
	return TANDEM_CONTINUE;
}

static const struct tandem_hook cdr_hooks[] = {
	{ TANDEM_HOOK_CALL_END, CDR_HOOK_PRIORITY, on_call_end },
	{ .fn = NULL },
};

/* ---- lifecycle ---- */

static int cdr_init(struct tandem *t, const config_setting_t *cfg)
{
	struct cdr_state *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	int rc = conf_read(cfg, &s->initial);
	if (rc < 0) {
		free(s);
		return rc;
	}
	s->t = t;
	ev_timer_init(&s->retry, retry_cb, RETRY_INTERVAL, RETRY_INTERVAL);
	s->retry.data = s;
	tandem_set_module_data(t, "cdr", s);
	return 0;
}

static int cdr_start(struct tandem *t)
{
	struct cdr_state *s = tandem_module_data(t, "cdr");
	if (!(s->out = outputs_open(&s->initial)))
		return -EIO;
	describe(s->out);
	return 0;
}

/* The new outputs are opened while the old ones still work; a failure
 * keeps the old ones (the whole reload is refused). SQLite records still
 * waiting move to the new database. */
static int cdr_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct cdr_state *s = tandem_module_data(t, "cdr");
	struct cdr_conf next;
	int rc = conf_read(cfg, &next);
	if (rc < 0)
		return rc;
	struct cdr_outputs *o = outputs_open(&next);
	if (!o) {
		tlog_error("mod_cdr: reload refused: the old outputs stay");
		return -EIO;
	}
	struct cdr_outputs *old = s->out;
	s->out = o;
	if (old && old->conf.sqlite && old->db.npending) {
		unsigned n = old->db.npending;
		time_t now = time(NULL);
		for (unsigned i = 0; o->conf.sqlite && i < old->db.npending; i++)
			cdr_db_insert(&o->db, &old->db.pending[i], now);
		old->db.npending = 0;
		if (!o->conf.sqlite)
			tlog_error("mod_cdr: sqlite is off now: %u waiting record(s) dropped", n);
	}
	outputs_close(old);
	if (o->conf.sqlite && o->db.npending && !ev_is_active(&s->retry))
		ev_timer_start(tandem_loop(t), &s->retry);
	describe(o);
	return 0;
}

static void cdr_stop(struct tandem *t)
{
	struct cdr_state *s = tandem_module_data(t, "cdr");
	if (!s)
		return;
	ev_timer_stop(tandem_loop(t), &s->retry);
	if (s->out && s->out->conf.sqlite && s->out->db.npending)
		cdr_db_retry(&s->out->db, time(NULL));
	if (s->out)
		tlog_info("mod_cdr: %lu call(s) recorded", s->records);
	outputs_close(s->out);
	conf_free(&s->initial);
	free(s);
	tandem_set_module_data(t, "cdr", NULL);
}

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = "cdr",
	.init = cdr_init,
	.start = cdr_start,
	.reload = cdr_reload,
	.stop = cdr_stop,
	.hooks = cdr_hooks,
};
