/* Benchmark: tandem_call_data / tandem_call_set_data, the per-call module
 * slot a hook fetches on every event (mod_rtprelay on each MEDIA, ANSWER
 * and CALL_END), with the sample config's modules loaded. Prints ns per
 * lookup for a module's own name literal (another object than the name in
 * its descriptor, as in a real module) and for the descriptor's pointer.
 * usage: bench/module_data [iterations] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call/call_internal.h"
#include "tandem_internal.h"

/* etc/tandem.conf's modules, plus a test module (the looked-up one last). */
static const char *const names[] = { "echo", "auth", "registrar", "later", "rtprelay" };
#define NMODS (sizeof names / sizeof names[0])
static struct tandem_module descs[NMODS];
static struct tandem t;
static struct call_core core;
static struct call call;

/* What a module passes: its own string literal, not descs[].name. */
static const char rtprelay_literal[] = "rtprelay";

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double run(const char *name, long n)
{
	struct tandem_call *tc = (struct tandem_call *)&call;
	void *sink = NULL;
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		tandem_call_set_data(tc, name, &sink + (i & 1));
		sink = tandem_call_data(tc, name);
	}
	double dt = now_ns() - t0;
	if (sink != &sink + ((n - 1) & 1)) {
		fprintf(stderr, "module_data: wrong slot returned\n");
		exit(1);
	}
	return dt / (double)n / 2; /* two lookups per iteration */
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000000;
	for (unsigned i = 0; i < NMODS; i++) {
		descs[i].name = names[i];
		t.mods[i].mod = &descs[i];
	}
	t.nmods = NMODS;
	core.t = &t;
	call.core = &core;
	run(rtprelay_literal, n / 10); /* warm up */
	printf("module's own literal:  %.1f ns/lookup (%u modules, last one)\n",
	       run(rtprelay_literal, n), (unsigned)NMODS);
	printf("descriptor's pointer:  %.1f ns/lookup\n", run(descs[NMODS - 1].name, n));
	printf("first module:          %.1f ns/lookup\n", run("echo", n));
	return 0;
}
