/* tandem — metrics (include/tandem/metrics.h): the collectors modules
 * register, and the Prometheus text exposition format, version 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats), that a scrape
 * writes through them. Everything runs on the signalling loop: a
 * collector reads state its module keeps anyway, at scrape time only. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_internal.h"

/* Post-dial delay buckets, seconds: a LAN phone answers 18x within tens
 * of ms, a trunk within a few seconds; 30 s is a dial timeout. */
static const double setup_bounds[METRICS_SETUP_BUCKETS] = {
	0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30,
};

/* ---- the text format ---- */

void metrics_begin(struct tandem_metrics *m, struct sip_wbuf *out)
{
	memset(m, 0, sizeof *m);
	m->out = out;
}

static const char *type_name(enum tandem_metric_type t)
{
	switch (t) {
	case TANDEM_METRIC_COUNTER: return "counter";
	case TANDEM_METRIC_GAUGE: return "gauge";
	case TANDEM_METRIC_HISTOGRAM: return "histogram";
	}
	return "untyped";
}

/* HELP text escapes backslash and line feed; a label value also the
 * double quote (the format's two escaping rules). */
static void put_escaped(struct sip_wbuf *w, const char *s, bool quote)
{
	const char *run = s;
	for (; *s; s++) {
		const char *esc = NULL;
		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		if (!esc)
			continue;
		sip_wbuf_put(w, run, (size_t)(s - run));
		sip_wbuf_puts(w, esc);
		run = s + 1;
	}
	sip_wbuf_put(w, run, (size_t)(s - run));
}

/* The shortest text that reads back as v ("0.1", not
 * "0.10000000000000001"): what a bucket bound and a sample value print. */
static void shortest(double v, char *out, size_t n)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* A sample value: integers as integers (counters read better), the
 * format's spellings of the special values. */
static void put_value(struct sip_wbuf *w, double v)
{
	char buf[32];
	if (isnan(v))
		sip_wbuf_puts(w, "NaN");
	else if (isinf(v))
		sip_wbuf_puts(w, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)   /* 2^53 */
		sip_wbuf_printf(w, "%.0f", v);
	else {
		shortest(v, buf, sizeof buf);
		sip_wbuf_puts(w, buf);
	}
}

void tandem_metrics_family(struct tandem_metrics *m, const char *name, enum tandem_metric_type type,
                           const char *help)
{
	if (!m || !name)
		return;
	snprintf(m->family, sizeof m->family, "%s", name);
	m->type = type;
	sip_wbuf_printf(m->out, "# HELP %s ", name);
	put_escaped(m->out, help ? help : "", false);
	sip_wbuf_printf(m->out, "\n# TYPE %s %s\n", name, type_name(type));
}

#define MAX_LABELS 8

/* name{k="v",...} value: pairs[2i] names, pairs[2i+1] values. */
static void put_sample(struct tandem_metrics *m, const char *suffix, double value,
                       const char *const *pairs, unsigned npairs)
{
	struct sip_wbuf *w = m->out;
	sip_wbuf_puts(w, m->family);
	if (suffix)
		sip_wbuf_puts(w, suffix);
	for (unsigned i = 0; i < npairs; i++) {
		sip_wbuf_puts(w, i ? "," : "{");
		sip_wbuf_puts(w, pairs[2 * i]);
		sip_wbuf_puts(w, "=\"");
		put_escaped(w, pairs[2 * i + 1] ? pairs[2 * i + 1] : "", true);
		sip_wbuf_puts(w, "\"");
	}
	sip_wbuf_puts(w, npairs ? "} " : " ");
	put_value(w, value);
	sip_wbuf_puts(w, "\n");
}

void tandem_metrics_sample(struct tandem_metrics *m, const char *suffix, double value, ...)
{
	if (!m || !m->family[0])
		return;
	const char *pairs[2 * MAX_LABELS];
	unsigned n = 0;
	va_list ap;
	va_start(ap, value);
	for (const char *k; (k = va_arg(ap, const char *)) != NULL;) {
		const char *v = va_arg(ap, const char *);
		if (n < MAX_LABELS) {
			pairs[2 * n] = k;
			pairs[2 * n + 1] = v;
			n++;
		}
	}
	va_end(ap);
	put_sample(m, suffix, value, pairs, n);
}

void tandem_histogram_observe(struct tandem_histogram *h, double v)
{
	unsigned i = 0;
	while (i < h->nbounds && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->sum += v;
	h->count++;
}

void tandem_metrics_histogram(struct tandem_metrics *m, const struct tandem_histogram *h,
                              const char *label, const char *value)
{
	if (!m || !h || !m->family[0])
		return;
	const char *pairs[4];
	unsigned np = 0;
	if (label) {
		pairs[0] = label;
		pairs[1] = value;
		np = 1;
	}
	char le[32];
	pairs[2 * np] = "le";
	pairs[2 * np + 1] = le;
	/* buckets are cumulative: each counts every observation <= its bound */
	unsigned long cum = 0;
	for (unsigned i = 0; i < h->nbounds; i++) {
		cum += h->counts[i];
		shortest(h->bounds[i], le, sizeof le);
		put_sample(m, "_bucket", (double)cum, pairs, np + 1);
	}
	snprintf(le, sizeof le, "+Inf");
	put_sample(m, "_bucket", (double)h->count, pairs, np + 1);
	put_sample(m, "_sum", h->sum, pairs, np);
	put_sample(m, "_count", (double)h->count, pairs, np);
}

/* ---- collectors ---- */

int tandem_metrics_collector_add(struct tandem *t, const char *module, tandem_metrics_collect_fn collect,
                                 void *arg)
{
	struct metrics_core *mc = t ? t->metrics : NULL;
	if (!mc || !module || !collect || strlen(module) >= sizeof mc->col[0].module)
		return -EINVAL;
	if (mc->ncol >= METRICS_MAX_COLLECTORS)
		return -ENOSPC;
	struct metrics_collector *c = &mc->col[mc->ncol++];
	snprintf(c->module, sizeof c->module, "%s", module);
	c->fn = collect;
	c->arg = arg;
	return 0;
}

void tandem_metrics_collector_remove(struct tandem *t, const char *module)
{
	struct metrics_core *mc = t ? t->metrics : NULL;
	if (!mc || !module)
		return;
	unsigned k = 0;
	for (unsigned i = 0; i < mc->ncol; i++)
		if (strcmp(mc->col[i].module, module) != 0)
			mc->col[k++] = mc->col[i];
	mc->ncol = k;
}

int tandem_metrics_render(struct tandem *t, struct sip_wbuf *out)
{
	struct metrics_core *mc = t ? t->metrics : NULL;
	if (!mc || !out)
		return -EINVAL;
	struct tandem_metrics m;
	metrics_begin(&m, out);
	/* load order: the core first, then the modules as they started */
	for (unsigned i = 0; i < mc->ncol; i++) {
		m.family[0] = '\0';
		mc->col[i].fn(t, &m, mc->col[i].arg);
	}
	return out->err ? -ENOMEM : 0;
}

int metrics_core_init(struct tandem *t)
{
	struct metrics_core *mc = calloc(1, sizeof *mc);
	if (!mc)
		return -ENOMEM;
	mc->setup = (struct tandem_histogram){
		.bounds = setup_bounds, .nbounds = METRICS_SETUP_BUCKETS, .counts = mc->setup_counts,
	};
	t->metrics = mc;
	if (!t->started)
		t->started = ev_time();
	return tandem_metrics_collector_add(t, "core", metrics_core_collect, NULL);
}

void metrics_core_free(struct tandem *t)
{
	free(t->metrics);
	t->metrics = NULL;
}
