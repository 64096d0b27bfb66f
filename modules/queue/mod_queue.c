/* mod_queue — call queues that tell callers their place with 182 Queued.
 *
 *   queue: {
 *     sounds_dir = "../var/sounds";    # tools/make-prompts: queue-*.wav, digits/, moh.wav
 *     queues = (
 *       { name = "sales";
 *         members = ( "1001", { user = "1002"; penalty = 1; } );
 *         strategy = "ringall";        # roundrobin, leastrecent, fewestcalls, linear
 *         wait = "early";              # 183 + music, never answered; "answered": 200 + music
 *         ring_timeout = 15;           # s an agent rings
 *         wrapup = 10;                 # s after a call before the next
 *         max_callers = 20;            # 0: no limit; more get on(full)
 *         max_wait = 300;              # s in line, then on(timeout); 0: no limit
 *         announce = 30;               # s between "you are caller number N"; 0: never
 *         music = "moh.wav";           # relative to sounds_dir
 *         full_code = 503;             # the answer when full and no on(full) (486 or 503)
 *         autologin = false;           # members logged in from the start (static members)
 *         autofill = false; }          # offer callers behind the head while its offer rings
 *     );
 *   };
 *
 * Dialplan: queue(name), with on(timeout|full|empty) continuations after
 * it; queue_login([name]), queue_logout([name]), queue_pause([name]) for
 * the agent logged in by digest (${auth_user}). A reload keeps the waiting
 * callers and the agents' state (matched by name and user). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tandem/registrar.h>

#include "queue.h"

#define CFG_ERR(where, ...) tandem_config_error(QMOD, where, __VA_ARGS__)

double q_now(const struct qmod *m)
{
	(void)m;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct qqueue *q_find(struct qmod *m, const char *name)
{
	for (size_t i = 0; i < m->nqueues; i++)
		if (!strcmp(m->queues[i]->line.name, name))
			return m->queues[i];
	return NULL;
}

void q_sweep(struct qmod *m)
{
	for (size_t i = 0; i < m->nqueues; i++)
		q_caller_tick(m, m->queues[i]);
}

void q_sweep_soon(struct qmod *m)
{
	ev_timer_stop(tandem_loop(m->t), &m->sweep);
	ev_timer_set(&m->sweep, 0., 0.5);
	ev_timer_start(tandem_loop(m->t), &m->sweep);
}

static void on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop; (void)revents;
	q_sweep(w->data);
}

/* ---- config ---- */

static int load_wav(struct qmod *m, const char *name, struct rtpr_wav *w)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s.wav", m->sounds, name);
	int rc = m->rtp->wav_load(path, w);
	if (rc < 0)
		tlog_error("mod_queue: %s: %s (make the prompts with tools/make-prompts %s)", path,
		           strerror(-rc), m->sounds);
	return rc;
}

/* One member: "1001" or { user = "1002"; penalty = 1; }. */
static int read_member(const config_setting_t *e, struct ql_agent *a)
{
	*a = (struct ql_agent){ 0 };
	const char *user = NULL;
	int pen = 0;
	if (config_setting_type(e) == CONFIG_TYPE_STRING) {
		user = config_setting_get_string(e);
	} else if (config_setting_is_group(e)) {
		config_setting_lookup_string(e, "user", &user);
		if (config_setting_lookup_int(e, "penalty", &pen) && (pen < 0 || pen > 100)) {
			CFG_ERR(e, "penalty must be 0..100");
			return -EINVAL;
		}
	}
	if (!user || !user[0] || strlen(user) >= sizeof a->user) {
		CFG_ERR(e, "a member is \"user\" or { user = \"...\"; penalty = N; }");
		return -EINVAL;
	}
	snprintf(a->user, sizeof a->user, "%s", user);
	a->penalty = (unsigned)pen;
	return 0;
}

struct qconf {
	char name[QL_NAME_MAX];
	enum ql_strategy strategy;
	enum q_wait_mode mode;
	unsigned ring_timeout, wrapup, max_callers, max_wait, announce, full_code;
	bool autologin, autofill;
	char music[256];
	struct ql_agent agents[64];
	size_t nagents;
};

static int read_queue(const config_setting_t *g, struct qconf *c)
{
	*c = (struct qconf){ 0 };
	const char *name = NULL, *strategy = "ringall", *wait = "early", *music = "moh";
	if (!config_setting_is_group(g) || !config_setting_lookup_string(g, "name", &name) ||
	    !name[0] || strlen(name) >= sizeof c->name) {
		CFG_ERR(g, "each queue is { name = \"...\"; members = ( ... ); ... }");
		return -EINVAL;
	}
	snprintf(c->name, sizeof c->name, "%s", name);
	config_setting_lookup_string(g, "strategy", &strategy);
	config_setting_lookup_string(g, "wait", &wait);
	config_setting_lookup_string(g, "music", &music);
	int s = ql_strategy_parse(strategy);
	if (s < 0) {
		CFG_ERR(g, "queue %s: strategy '%s' (ringall, roundrobin, leastrecent, fewestcalls, "
		        "linear)", name, strategy);
		return -EINVAL;
	}
	c->strategy = (enum ql_strategy)s;
	if (strcmp(wait, "early") && strcmp(wait, "answered")) {
		CFG_ERR(g, "queue %s: wait is \"early\" or \"answered\"", name);
		return -EINVAL;
	}
	c->mode = !strcmp(wait, "early") ? Q_WAIT_EARLY : Q_WAIT_ANSWERED;
	/* music: a name in sounds_dir, without .wav */
	snprintf(c->music, sizeof c->music, "%.*s", (int)(strlen(music) > 4 &&
	         !strcmp(music + strlen(music) - 4, ".wav") ? strlen(music) - 4 : strlen(music)), music);
	if (tandem_config_uint(QMOD, g, "ring_timeout", 15, 1, 300, &c->ring_timeout) < 0 ||
	    tandem_config_uint(QMOD, g, "wrapup", 10, 0, 3600, &c->wrapup) < 0 ||
	    tandem_config_uint(QMOD, g, "max_callers", 0, 0, 100000, &c->max_callers) < 0 ||
	    tandem_config_uint(QMOD, g, "max_wait", 300, 0, 86400, &c->max_wait) < 0 ||
	    tandem_config_uint(QMOD, g, "announce", 30, 0, 3600, &c->announce) < 0 ||
	    tandem_config_uint(QMOD, g, "full_code", 503, 400, 699, &c->full_code) < 0)
		return -EINVAL;
	const config_setting_t *al = config_setting_get_member(g, "autologin");
	if (al && config_setting_type(al) != CONFIG_TYPE_BOOL) {
		CFG_ERR(al, "queue %s: autologin is true or false", name);
		return -EINVAL;
	}
	c->autologin = al && config_setting_get_bool(al);
	const config_setting_t *af = config_setting_get_member(g, "autofill");
	if (af && config_setting_type(af) != CONFIG_TYPE_BOOL) {
		CFG_ERR(af, "queue %s: autofill is true or false", name);
		return -EINVAL;
	}
	c->autofill = af && config_setting_get_bool(af);
	const config_setting_t *mem = config_setting_get_member(g, "members");
	int n = mem ? config_setting_length(mem) : 0;
	if (!mem || !config_setting_is_list(mem) || n == 0 || n > 64) {
		CFG_ERR(mem ? mem : g, "queue %s: members = ( \"1001\", ... ), 1 to 64", name);
		return -EINVAL;
	}
	for (int i = 0; i < n; i++)
		if (read_member(config_setting_get_elem(mem, (unsigned)i), &c->agents[i]) < 0)
			return -EINVAL;
	c->nagents = (size_t)n;
	return 0;
}

/* Every queue of cfg into *out (n in *nout); errors logged with file:line. */
static int read_conf(const config_setting_t *cfg, struct qconf **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	const config_setting_t *list = cfg ? config_setting_get_member(cfg, "queues") : NULL;
	if (!list || !config_setting_is_list(list)) {
		tlog_error("mod_queue: needs queue.queues = ( { name = ...; members = ( ... ); } )");
		return -EINVAL;
	}
	int n = config_setting_length(list);
	struct qconf *c = calloc((size_t)n + 1, sizeof *c);
	if (!c)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		if (read_queue(g, &c[i]) < 0) {
			free(c);
			return -EINVAL;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(c[j].name, c[i].name)) {
				CFG_ERR(g, "queue %s defined twice", c[i].name);
				free(c);
				return -EINVAL;
			}
	}
	*out = c;
	*nout = (size_t)n;
	return 0;
}

static void queue_free(struct qmod *m, struct qqueue *q)
{
	ql_free(&q->line);
	if (q->have_music)
		m->rtp->wav_free(&q->music);
	free(q);
}

/* Build or (reload) rebuild q from c, keeping state where the line does. */
static int queue_apply(struct qmod *m, struct qqueue *q, const struct qconf *c, bool fresh)
{
	int rc = fresh ? ql_init(&q->line, c->name, c->strategy, c->max_callers, c->wrapup, c->agents,
	                         c->nagents)
	               : ql_reconfigure(&q->line, c->strategy, c->max_callers, c->wrapup, c->agents,
	                                c->nagents);
	if (rc < 0)
		return rc;
	/* static members (app_queue's): logged in when the queue is made;
	 * the feature codes still log them out */
	for (size_t i = 0; c->autologin && fresh && i < q->line.nagents; i++)
		q->line.agents[i].logged_in = true;
	q->mode = c->mode;
	q->ring_timeout = c->ring_timeout;
	q->max_wait = c->max_wait;
	q->announce = c->announce;
	q->full_code = (int)c->full_code;
	q->autofill = c->autofill;
	/* the waiting callers loop the music: move them to the new one
	 * before the old goes */
	struct rtpr_wav music;
	if (load_wav(m, c->music, &music) < 0)
		return 0;   /* logged; the old music (or none) stays */
	struct rtpr_wav old = q->music;
	bool had = q->have_music;
	q->music = music;
	q->have_music = true;
	q_callers_music(m, q);
	if (had)
		m->rtp->wav_free(&old);
	return 0;
}

/* The queues and prompts (wav_free takes the never-loaded ones too). */
static void qmod_free(struct qmod *m)
{
	for (size_t i = 0; i < m->nqueues; i++)
		queue_free(m, m->queues[i]);
	free(m->queues);
	if (m->rtp) {
		m->rtp->wav_free(&m->caller_number);
		for (int i = 0; i < 4; i++)
			m->rtp->wav_free(&m->agent_prompt[i]);
		for (int i = 0; i <= 20; i++)
			m->rtp->wav_free(&m->digits[i]);
		for (int i = 3; i <= 9; i++)
			m->rtp->wav_free(&m->tens[i]);
	}
	free(m->sounds);
	free(m);
}

static int q_init(struct tandem *t, const config_setting_t *cfg)
{
	struct qmod *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->t = t;
	m->rtp = rtprelay_load_api(t, QMOD);
	m->registrar = tandem_module_api(t, "registrar");   /* without it: agents count as registered */
	const config_setting_t *sd = cfg ? config_setting_get_member(cfg, "sounds_dir") : NULL;
	const char *sounds = sd ? config_setting_get_string(sd) : NULL;
	struct qconf *c = NULL;
	size_t n = 0;
	int rc = -EINVAL;
	if (!m->rtp)
		goto fail;
	if (!sounds) {
		CFG_ERR(cfg, "queue.sounds_dir missing (the prompts of tools/make-prompts)");
		goto fail;
	}
	if (!(m->sounds = tandem_setting_path(sd, sounds, NULL))) {
		rc = -ENOMEM;
		goto fail;
	}
	static const char *const agent_prompts[] = { "queue-login", "queue-logout", "queue-paused",
	                                             "queue-unpaused" };
	if ((rc = load_wav(m, "queue-caller", &m->caller_number)) < 0)
		goto fail;
	for (int i = 0; i < 4; i++)
		if ((rc = load_wav(m, agent_prompts[i], &m->agent_prompt[i])) < 0)
			goto fail;
	for (int i = 0; i <= 20; i++) {
		char name[32];
		snprintf(name, sizeof name, "digits/%d", i);
		if ((rc = load_wav(m, name, &m->digits[i])) < 0)
			goto fail;
	}
	for (int i = 3; i <= 9; i++) {
		char name[32];
		snprintf(name, sizeof name, "digits/%d0", i);
		if ((rc = load_wav(m, name, &m->tens[i])) < 0)
			goto fail;
	}
	if ((rc = read_conf(cfg, &c, &n)) < 0)
		goto fail;
	if (!(m->queues = calloc(n + 1, sizeof *m->queues))) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		struct qqueue *q = calloc(1, sizeof *q);
		if (!q || (rc = queue_apply(m, q, &c[i], true)) < 0) {
			free(q);
			rc = q ? rc : -ENOMEM;
			goto fail;
		}
		m->queues[m->nqueues++] = q;
	}
	free(c);
	ev_timer_init(&m->sweep, on_sweep, 0.5, 0.5);
	m->sweep.data = m;
	tandem_set_module_data(t, QMOD, m);
	tlog_info("mod_queue: %zu queues", m->nqueues);
	return 0;
fail:
	free(c);
	qmod_free(m);
	return rc;
}

static int q_start(struct tandem *t)
{
	struct qmod *m = tandem_module_data(t, QMOD);
	ev_timer_start(tandem_loop(t), &m->sweep);
	int rc = q_control_add(t);
	if (rc < 0)
		tlog_error("mod_queue: no \"queues\" control command: %s", strerror(-rc));
	q_metrics_add(m);
	return 0;
}

/* A reload: queues matched by name keep their line (waiting callers, who
 * point at their queue) and their agents' state; new ones start empty;
 * the callers of a queue gone from the config go on to on(timeout). A
 * queue that cannot be rebuilt refuses the whole reload, nothing changed
 * (ql_reconfigure leaves a line as it was when it fails). */
static int q_reload(struct tandem *t, const config_setting_t *cfg)
{
	struct qmod *m = tandem_module_data(t, QMOD);
	struct qconf *c;
	size_t n;
	int rc = read_conf(cfg, &c, &n);
	if (rc < 0)
		return rc;
	struct qqueue **next = calloc(n + 1, sizeof *next);
	if (!next) {
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct qqueue *old = q_find(m, c[i].name);
		if (!old && !(next[i] = calloc(1, sizeof *next[i]))) {
			rc = -ENOMEM;
			break;
		}
		if (old)
			next[i] = old;
		if ((rc = queue_apply(m, next[i], &c[i], !old)) < 0)
			tlog_error("mod_queue: queue %s: %s", c[i].name, strerror(-rc));
	}
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			if (next[i] && !q_find(m, c[i].name))
				queue_free(m, next[i]);
		free(next);
		free(c);
		return rc;
	}
	for (size_t i = 0; i < m->nqueues; i++) {
		bool kept = false;
		for (size_t j = 0; j < n; j++)
			kept |= next[j] == m->queues[i];
		if (!kept) {
			q_callers_drop(m, m->queues[i]);
			queue_free(m, m->queues[i]);
		}
	}
	free(m->queues);
	m->queues = next;
	m->nqueues = n;
	free(c);
	tlog_info("mod_queue: reloaded, %zu queues", n);
	return 0;
}

static void q_stop(struct tandem *t)
{
	struct qmod *m = tandem_module_data(t, QMOD);
	if (!m)
		return;
	q_control_remove(t);
	q_metrics_remove(m);
	ev_timer_stop(tandem_loop(t), &m->sweep);
	for (size_t i = 0; i < m->nqueues; i++)
		q_callers_drop(m, m->queues[i]);
	qmod_free(m);
	tandem_set_module_data(t, QMOD, NULL);
}

/* ---- actions and hooks ---- */

static int queue_fixup(struct tandem *t, int argc, const char *const *argv, void **priv, char *err,
                       size_t errlen)
{
	struct qmod *m = tandem_module_data(t, QMOD);
	(void)argc;
	*priv = NULL;
	if (m && !strstr(argv[0], "${") && !q_find(m, argv[0])) {
		snprintf(err, errlen, "queue(%s): no such queue in queue.queues", argv[0]);
		return -EINVAL;
	}
	return 0;
}

static enum tandem_verdict queue_run(struct tandem_event *ev, void *priv)
{
	(void)priv;
	struct qmod *m = tandem_module_data(ev->t, QMOD);
	struct qqueue *q = m ? q_find(m, ev->argv[0]) : NULL;
	if (!q) {
		ev->reject_code = 404;
		ev->reject_reason = "No Such Queue";
		return TANDEM_REJECT;
	}
	return q_caller_join(m, q, ev);
}

static enum tandem_verdict on_call_end(struct tandem_event *ev)
{
	struct qmod *m = tandem_module_data(ev->t, QMOD);
	if (m)
		q_caller_end(m, ev->call);
	return TANDEM_CONTINUE;
}

static const struct tandem_action actions[] = {
	{ "queue", 1, 1, queue_fixup, queue_run, NULL },
	{ "queue_login", 0, 1, NULL, q_agent_login, NULL },
	{ "queue_logout", 0, 1, NULL, q_agent_logout, NULL },
	{ "queue_pause", 0, 1, NULL, q_agent_pause, NULL },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

static const struct tandem_hook hooks[] = {
	/* after the other modules: a B-leg they refuse never rings */
	{ TANDEM_HOOK_BLEG_CREATE, 100, q_agent_bleg_create },
	{ TANDEM_HOOK_BLEG_RESPONSE, 100, q_agent_bleg_response },
	{ TANDEM_HOOK_CALL_END, 0, on_call_end },
	{ 0, 0, NULL }
};

static const char *const deps[] = { "rtprelay", NULL };

const struct tandem_module tandem_module = {
	.abi = TANDEM_MODULE_ABI,
	.build_sig = TANDEM_BUILD_SIGNATURE,
	.name = QMOD,
	.deps = deps,
	.init = q_init,
	.start = q_start,
	.reload = q_reload,
	.stop = q_stop,
	.actions = actions,
	.hooks = hooks,
	.api = &q_api,
};
