/* tandem — core-private definitions: the server context, the configuration
 * and the module loader. Modules never include this file. */
#ifndef TANDEM_INTERNAL_H
#define TANDEM_INTERNAL_H

#include <errno.h>
#include <ev.h>
#include <libconfig.h>
#include <tandem/call.h>
#include <tandem/dns.h>
#include <tandem/tandem.h>
#include <tandem/transport.h>

/* ---- log.c ---- */
int tandem_log_level_parse(const char *name, enum tandem_log_level *out);
void tandem_log_set_level(enum tandem_log_level lvl);
enum tandem_log_level tandem_log_get_level(void);
const char *tandem_log_level_name(enum tandem_log_level lvl);  /* "debug" */
void tandem_log_use_syslog(bool on);
struct config_errors;
/* While errs is not NULL, every ERROR line logged is also added to it
 * (a reload's answer to the control socket). NULL stops. */
void tandem_log_capture(struct config_errors *errs);

/* ---- config.c: tandem.conf, read and checked as a whole ---- */
#define TANDEM_MAX_LISTENERS 16
#define TANDEM_MAX_MODULES 64
#define TANDEM_MAX_RESOLVERS 16

/* Error lines "FILE:LINE: message", collected so --check-config lists all. */
struct config_errors {
	char **lines;
	unsigned count;
};
void config_errors_add(struct config_errors *e, const config_setting_t *where,
                       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void config_errors_print(const struct config_errors *e);
void config_errors_clear(struct config_errors *e);

struct tandem_config {
	config_t cfg;                   /* owns every string below */
	char *path;                     /* the main file as given */
	char *dir;                      /* its folder: relative paths start there */
	enum tandem_log_level log_level;
	const char *module_dir;
	const char *state_dir;
	const char *modules[TANDEM_MAX_MODULES];
	unsigned nmodules;
	struct sip_listener_cfg listeners[TANDEM_MAX_LISTENERS];
	char *listener_paths[TANDEM_MAX_LISTENERS * 3]; /* resolved cert/key/ca, owned */
	unsigned nlisteners;
	struct sip_transport_cfg transport;
	struct sip_timer_cfg timers;
	const char *server_name;        /* Server / User-Agent header value */
	struct sip_dns_cfg dns;         /* the dns group (servers: NULL, the system's) */
	/* the control group: the control socket (core/control/, docs/CONTROL.md) */
	struct control_cfg {
		bool enabled;
		char *socket;               /* resolved path, owned; NULL when disabled */
		unsigned mode;              /* permission bits, 0660 by default */
		const char *group;          /* NULL: tandemd's own group */
		long gid;                   /* the group's id, -1 for none */
		unsigned max_clients;       /* connections at once */
		double idle_timeout;        /* s without a request: closed */
	} control;
};

/* Read and check path. On any error returns -EINVAL with every problem in
 * *errs ("FILE:LINE: ..."); *out is only set on success. */
int tandem_config_load(const char *path, struct tandem_config **out,
                       struct config_errors *errs);
void tandem_config_free(struct tandem_config *c);
/* Resolve a path from the config relative to its folder; malloc'd. */
char *tandem_config_path(const struct tandem_config *c, const char *p);
/* The settings group of a module ("echo: { ... }"), or NULL. */
const config_setting_t *tandem_config_module_group(const struct tandem_config *c,
                                                   const char *name);

/* ---- net/dns.c ---- */
/* Is servers a server list c-ares takes ("127.0.0.1:5353,[::1]:53")? 0, or
 * negative with the reason in err. */
int dns_servers_check(const char *servers, char *err, size_t errlen);

/* ---- loader.c: dlopen'd modules ---- */
struct loaded_module {
	const struct tandem_module *mod;
	void *dl;
	void *data;
	bool started;
};

struct hook_entry {
	const struct tandem_hook *hook;
	const struct loaded_module *owner;
};

/* Load every module named in c, ordered by deps, and call init. On failure
 * everything loaded is unloaded and a message names the module and why. */
int loader_load_all(struct tandem *t, const struct tandem_config *c,
                    struct config_errors *errs);
int loader_start_all(struct tandem *t);
/* Ask every module to accept the new config; any veto keeps the old one. */
int loader_reload_all(struct tandem *t, const struct tandem_config *c);
void loader_stop_all(struct tandem *t);
void loader_unload_all(struct tandem *t);
/* Dialplan actions exported by the loaded modules. */
const struct tandem_action *loader_find_action(struct tandem *t, const char *name);
/* Run the hook chain of a point; returns the verdict that ended it, as
 * the point reads it (the table in tandem.h), TANDEM_CONTINUE when every
 * handler continued, always for CALL_END (every handler runs there).
 * t->hook_decider names the module that ended the chain. */
enum tandem_verdict loader_run_hooks(struct tandem *t, struct tandem_event *ev);
/* The slot of a loaded module in t->mods, or -ENOENT. */
int loader_module_index(const struct tandem *t, const char *name);
/* The status a TANDEM_REJECT verdict (or tandem_call_resume) answers with:
 * the module's code when it is a final failure 300..699, else 500. */
int loader_reject_status(int code);

/* ---- route_action.c ---- */
struct dialplan_cursor;
struct dialplan_step;
/* Run the module action of step s, its cursor reachable through the
 * tandem_route_* functions meanwhile. */
enum tandem_verdict route_run_action(struct tandem *t, struct dialplan_cursor *cur,
                                     const struct dialplan_step *s, struct tandem_event *ev);

/* ---- reload.c: SIGHUP and the control socket's "reload" ---- */
/* Read t->conf->path again and swap the new config in whole (modules,
 * dialplan, listeners added or removed, log level), or keep the running
 * one. Calls in progress keep the dialplan they started with. 0; or
 * -EINVAL with every reason ("FILE:LINE: ...") in *errs when errs is not
 * NULL (the caller clears it); logged either way. The caller logs who
 * asked ("SIGHUP: reloading FILE"). */
int tandem_reload(struct tandem *t, struct config_errors *errs);

/* ---- control/: the control socket (include/tandem/control.h) ---- */
/* The command table and the core's own commands: before the modules' init
 * (they add theirs). */
int control_core_init(struct tandem *t);
/* Open the socket of c's control group: after every module started, so a
 * client sees all commands. Reload calls it again with the new config. */
int control_core_open(struct tandem *t, const struct tandem_config *c);
void control_core_free(struct tandem *t);

/* ---- metrics.c: collectors (include/tandem/metrics.h) ---- */
int metrics_core_init(struct tandem *t);   /* before the modules' init */
void metrics_core_free(struct tandem *t);

/* ---- the server context ---- */
struct control_core;  /* control/: the control socket and its commands */
struct metrics_core;  /* metrics.c: collectors and the core's own counters */
struct tandem {
	struct ev_loop *loop;
	struct tandem_config *conf;
	const char *module_dir;         /* -M, else conf->module_dir, else built-in */
	struct sip_transport *tp;
	struct sip_stack *stack;
	struct sip_dns *dns;             /* the resolver (tandem_dns), from the dns group */
	struct call_core *calls;         /* call.c */
	struct dialplan_cursor *route_cursor; /* while a module's dialplan action runs */
	struct tandem_uac *uacs;         /* module requests in flight (call/uac.c) */
	struct event_core *events;       /* event packages, subscriptions (call/subscription.c) */
	const char *hook_decider;        /* the module whose verdict ended the last chain */

	struct loaded_module mods[TANDEM_MAX_MODULES];
	unsigned nmods;
	struct hook_entry *hooks[TANDEM_HOOK__COUNT];
	unsigned nhooks[TANDEM_HOOK__COUNT];
	/* dial target resolvers modules registered (core/call/resolve.c) */
	struct tandem_resolver resolvers[TANDEM_MAX_RESOLVERS];
	unsigned nresolvers;

	struct control_core *control;
	struct metrics_core *metrics;
	double started;                  /* wall clock at start-up (status, metrics) */

	ev_signal sig_term, sig_int, sig_hup;
	bool stopping;

	struct {
		unsigned long requests, responses_sent_stateless, rejected, bad_dropped;
		unsigned long filtered;   /* discarded by a RECEIVE hook (banned sources) */
	} stats;
};

/* ---- server.c: the transaction user below the call core ---- */
int tandem_server_open(struct tandem *t);   /* transport, listeners, stack */
void tandem_server_close(struct tandem *t);
/* Apply the parts of a new config that can change at run time. */
void tandem_server_apply(struct tandem *t, const struct tandem_config *c);

#endif
