/* The module loader: dlopen mod_<name>.so, check its ABI, order by deps,
 * init/start/reload/stop, and the hook chains (docs/ARCHITECTURE.md "The module ABI"). */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem_internal.h"

static struct loaded_module *find_loaded(struct tandem *t, const char *name)
{
	int i = loader_module_index(t, name);
	return i < 0 ? NULL : &t->mods[i];
}

static int open_module(struct tandem *t, const char *name, struct loaded_module *out,
                       struct config_errors *errs)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/mod_%s.so", t->module_dir, name);
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		config_errors_add(errs, NULL, "module %s: cannot load %s: %s", name, path, dlerror());
		return -ENOENT;
	}
	const struct tandem_module *mod = dlsym(dl, TANDEM_MODULE_SYMBOL);
	const char *why = NULL;
	char buf[160];
	if (!mod)
		why = "no symbol '" TANDEM_MODULE_SYMBOL "' (not a tandem module)";
	else if (mod->abi != TANDEM_MODULE_ABI) {
		snprintf(buf, sizeof buf, "module ABI %u, tandemd speaks ABI %u: rebuild the module",
		         mod->abi, TANDEM_MODULE_ABI);
		why = buf;
	} else if (mod->build_sig != TANDEM_BUILD_SIGNATURE)
		why = "built against different tandem headers (build signature mismatch): rebuild the module";
	else if (!mod->name || strcmp(mod->name, name) != 0)
		why = "its tandem_module.name differs from its file name";
	if (why) {
		config_errors_add(errs, NULL, "module %s: %s: %s", name, path, why);
		dlclose(dl);
		return -EINVAL;
	}
	*out = (struct loaded_module){ .mod = mod, .dl = dl };
	return 0;
}

/* Depth-first: deps are opened (and so inited) before the module itself. */
static int load_one(struct tandem *t, const struct tandem_config *c, const char *name,
                    unsigned depth, struct config_errors *errs)
{
	if (find_loaded(t, name))
		return 0;
	if (depth > TANDEM_MAX_MODULES) {
		config_errors_add(errs, NULL, "module %s: dependency cycle", name);
		return -ELOOP;
	}
	bool listed = false;
	for (unsigned i = 0; i < c->nmodules && !listed; i++)
		listed = strcmp(c->modules[i], name) == 0;
	if (!listed) {
		config_errors_add(errs, NULL, "module %s is needed but not listed in 'modules'", name);
		return -ENOENT;
	}
	struct loaded_module lm;
	int rc = open_module(t, name, &lm, errs);
	if (rc < 0)
		return rc;
	for (const char *const *d = lm.mod->deps; d && *d; d++) {
		if ((rc = load_one(t, c, *d, depth + 1, errs)) < 0) {
			config_errors_add(errs, NULL, "module %s: needs %s, which failed", name, *d);
			dlclose(lm.dl);
			return rc;
		}
	}
	if (find_loaded(t, name)) { /* a cycle loaded it meanwhile */
		dlclose(lm.dl);
		return 0;
	}
	t->mods[t->nmods++] = lm;
	struct loaded_module *m = &t->mods[t->nmods - 1];
	if (m->mod->init && (rc = m->mod->init(t, tandem_config_module_group(c, name))) < 0) {
		config_errors_add(errs, tandem_config_module_group(c, name),
		                  "module %s: init failed (%s)", name, strerror(-rc));
		t->nmods--;
		dlclose(m->dl);
		return rc;
	}
	tlog_info("module %s loaded", name);
	return 0;
}

static int hook_cmp(const void *a, const void *b)
{
	const struct hook_entry *x = a, *y = b;
	if (x->hook->priority != y->hook->priority)
		return x->hook->priority < y->hook->priority ? -1 : 1;
	return x->owner < y->owner ? -1 : x->owner > y->owner; /* load order */
}

static int collect_hooks(struct tandem *t)
{
	for (int p = 0; p < TANDEM_HOOK__COUNT; p++) {
		unsigned n = 0;
		for (unsigned i = 0; i < t->nmods; i++)
			for (const struct tandem_hook *h = t->mods[i].mod->hooks; h && h->fn; h++)
				n += h->point == (enum tandem_hook_point)p;
		free(t->hooks[p]);
		t->hooks[p] = NULL;
		t->nhooks[p] = 0;
		if (!n)
			continue;
		if (!(t->hooks[p] = calloc(n, sizeof *t->hooks[p])))
			return -ENOMEM;
		for (unsigned i = 0; i < t->nmods; i++)
			for (const struct tandem_hook *h = t->mods[i].mod->hooks; h && h->fn; h++)
				if (h->point == (enum tandem_hook_point)p)
					t->hooks[p][t->nhooks[p]++] = (struct hook_entry){ h, &t->mods[i] };
		qsort(t->hooks[p], n, sizeof *t->hooks[p], hook_cmp);
	}
	return 0;
}

int loader_load_all(struct tandem *t, const struct tandem_config *c, struct config_errors *errs)
{
	for (unsigned i = 0; i < c->nmodules; i++) {
		if (load_one(t, c, c->modules[i], 0, errs) < 0) {
			loader_stop_all(t);
			loader_unload_all(t);
			return -EINVAL;
		}
	}
	if (collect_hooks(t) < 0) {
		loader_stop_all(t);
		loader_unload_all(t);
		return -ENOMEM;
	}
	return 0;
}

int loader_start_all(struct tandem *t)
{
	for (unsigned i = 0; i < t->nmods; i++) {
		struct loaded_module *m = &t->mods[i];
		int rc = m->mod->start ? m->mod->start(t) : 0;
		if (rc < 0) {
			tlog_error("module %s: start failed (%s)", m->mod->name, strerror(-rc));
			return rc;
		}
		m->started = true;
	}
	return 0;
}

int loader_reload_all(struct tandem *t, const struct tandem_config *c)
{
	unsigned i;
	int rc = 0;
	for (i = 0; i < t->nmods; i++) {
		const struct tandem_module *mod = t->mods[i].mod;
		if (mod->reload && (rc = mod->reload(t, tandem_config_module_group(c, mod->name))) < 0) {
			tlog_error("reload: module %s refused the new config (%s); keeping the old one",
			           mod->name, strerror(-rc));
			break;
		}
	}
	if (rc == 0)
		return 0;
	/* Roll back the modules that already took the new config. */
	while (i-- > 0) {
		const struct tandem_module *mod = t->mods[i].mod;
		if (mod->reload && mod->reload(t, tandem_config_module_group(t->conf, mod->name)) < 0)
			tlog_error("reload: module %s could not return to the old config", mod->name);
	}
	return rc;
}

void loader_stop_all(struct tandem *t)
{
	for (unsigned i = t->nmods; i-- > 0;) {
		if (t->mods[i].mod->stop)
			t->mods[i].mod->stop(t);
		t->mods[i].started = false;
	}
}

void loader_unload_all(struct tandem *t)
{
	t->nresolvers = 0;   /* their code goes away with the modules */
	for (int p = 0; p < TANDEM_HOOK__COUNT; p++) {
		free(t->hooks[p]);
		t->hooks[p] = NULL;
		t->nhooks[p] = 0;
	}
	for (unsigned i = t->nmods; i-- > 0;) {
		/* Under a leak checker keep the code mapped so stacks stay readable. */
		if (!getenv("TANDEM_NO_DLCLOSE"))
			dlclose(t->mods[i].dl);
	}
	t->nmods = 0;
}

const struct tandem_action *loader_find_action(struct tandem *t, const char *name)
{
	for (unsigned i = 0; i < t->nmods; i++)
		for (const struct tandem_action *a = t->mods[i].mod->actions; a && a->name; a++)
			if (strcmp(a->name, name) == 0)
				return a;
	return NULL;
}

/* The "checker" of each point (include/tandem/tandem.h, the verdict
 * table): the verdicts a point takes; any other is read as the table says. */
static enum tandem_verdict verdict_at(enum tandem_hook_point p, enum tandem_verdict v)
{
	switch (v) {
	case TANDEM_RETRY:
		return p == TANDEM_HOOK_BLEG_RESPONSE ? v : TANDEM_CONTINUE;
	case TANDEM_SUSPEND:
		if (p == TANDEM_HOOK_BLEG_CREATE || p == TANDEM_HOOK_BLEG_RESPONSE ||
		    p == TANDEM_HOOK_ANSWER)
			return TANDEM_CONTINUE;
		return p == TANDEM_HOOK_MEDIA ? TANDEM_DONE : v;
	case TANDEM_REJECT:
		return p == TANDEM_HOOK_MEDIA ? TANDEM_DONE : v;
	case TANDEM_CONTINUE:
	case TANDEM_DONE:
		return v;
	}
	return TANDEM_CONTINUE;   /* a value outside the enum */
}

static const char *const verdict_names[] = { "CONTINUE", "DONE", "SUSPEND", "REJECT", "RETRY" };

enum tandem_verdict loader_run_hooks(struct tandem *t, struct tandem_event *ev)
{
	unsigned n = t->nhooks[ev->point];
	t->hook_decider = NULL;
	for (unsigned i = 0; i < n; i++) {
		const struct hook_entry *h = &t->hooks[ev->point][i];
		enum tandem_verdict got = h->hook->fn(ev);
		/* CALL_END is informational: every module frees its data there */
		if (ev->point == TANDEM_HOOK_CALL_END)
			continue;
		enum tandem_verdict v = verdict_at(ev->point, got);
		if (v != got)
			tlog_warn("mod_%s: %s is not a verdict of this hook point: taken as %s",
			          h->owner->mod->name,
			          (unsigned)got < 5 ? verdict_names[got] : "an unknown verdict",
			          verdict_names[v]);
		if (v != TANDEM_CONTINUE) {
			t->hook_decider = h->owner->mod->name;
			return v;
		}
	}
	return TANDEM_CONTINUE;
}

/* A module is known by its slot in t->mods, given at load and kept until
 * unload. The module-facing calls name it by string on every hook event
 * (tandem_call_data, tandem_module_data), and a module passes the same
 * literal each time: so the slot is cached by the name's address, in a
 * direct-mapped table. A hit is confirmed against the slot's module name,
 * so a reused address (a buffer, a module unloaded after a failed init)
 * costs one strcmp and a fallback to the search, never a wrong slot.
 * Signalling thread only, like every caller. */
#define NAME_CACHE_SIZE 64
static struct {
	const struct tandem *t;
	const char *name;
	unsigned slot;
} name_cache[NAME_CACHE_SIZE];

int loader_module_index(const struct tandem *t, const char *name)
{
	if (!name)
		return -ENOENT;
	uintptr_t h = (uintptr_t)name;
	h = (h ^ h >> 6 ^ h >> 12) % NAME_CACHE_SIZE;
	if (name_cache[h].name == name && name_cache[h].t == t && name_cache[h].slot < t->nmods) {
		const char *mod_name = t->mods[name_cache[h].slot].mod->name;
		if (mod_name == name || strcmp(mod_name, name) == 0)
			return (int)name_cache[h].slot;
	}
	for (unsigned i = 0; i < t->nmods; i++)
		if (strcmp(t->mods[i].mod->name, name) == 0) {
			name_cache[h].t = t;
			name_cache[h].name = name;
			name_cache[h].slot = i;
			return (int)i;
		}
	return -ENOENT;
}

/* ---- module-facing helpers (include/tandem/tandem.h) ---- */

const void *tandem_module_api(struct tandem *t, const char *module_name)
{
	struct loaded_module *m = find_loaded(t, module_name);
	return m ? m->mod->api : NULL;
}

void tandem_set_module_data(struct tandem *t, const char *module_name, void *data)
{
	struct loaded_module *m = find_loaded(t, module_name);
	if (m)
		m->data = data;
	else
		tlog_error("tandem_set_module_data: no module %s", module_name);
}

void *tandem_module_data(struct tandem *t, const char *module_name)
{
	struct loaded_module *m = find_loaded(t, module_name);
	return m ? m->data : NULL;
}

int loader_reject_status(int code)
{
	return code >= 300 && code <= 699 ? code : 500;
}
