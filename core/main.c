/* tandemd: command line, start-up, signals (SIGTERM stop, SIGHUP reload). */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "call/call.h"
#include "call/events.h"
#include "sd_notify.h"
#include "tandem_internal.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: tandemd [-c FILE] [-d] [-s] [-l LEVEL] [-M DIR] [--check-config]\n"
	        "  -c, --config FILE     configuration (default %s/tandem.conf)\n"
	        "  -d, --daemon          run in the background (logs go to syslog)\n"
	        "  -s, --syslog          log to syslog (daemon facility) instead of stderr\n"
	        "  -l, --log-level LVL   error, warn, notice, info or debug\n"
	        "  -M, --module-dir DIR  where mod_<name>.so are (overrides module_dir)\n"
	        "  -p, --pidfile FILE    write the process id there\n"
	        "      --check-config    check the configuration and modules, then exit\n"
	        "  -V, --version         print the version\n",
	        TANDEM_SYSCONF_DIR);
}

/* The module directory: -M, then module_dir from the config (relative to
 * the config's folder), then the install location. */
static char *module_dir_for(const struct tandem_config *c, const char *opt)
{
	if (opt)
		return strdup(opt);
	if (c->module_dir)
		return tandem_config_path(c, c->module_dir);
	return strdup(TANDEM_MODULE_DIR);
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct tandem *t = w->data;
	(void)revents;
	tlog_notice("signal %d: stopping", w->signum);
	sd_notify_state("STOPPING=1");
	t->stopping = true;
	ev_break(loop, EVBREAK_ALL);
}

/* SIGHUP: read the file again; any error keeps the config in force. */
static void on_reload_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct tandem *t = w->data;
	(void)loop;
	(void)revents;
	tlog_notice("SIGHUP: reloading %s", t->conf->path);
	tandem_reload(t, NULL);
}

/* Fork into the background; the parent waits until the child says it runs,
 * so `tandemd -d` exits non-zero when start-up fails. */
static int daemonize(int *ready_fd)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char status = 1;
		close(fds[1]);
		if (read(fds[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(fds[0]);
	setsid();
	*ready_fd = fds[1];
	return 0;
}

static void report_ready(int *ready_fd, char status)
{
	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, &status, 1) != 1)
		tlog_warn("could not report start-up to the parent process");
	close(*ready_fd);
	*ready_fd = -1;
	if (status == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			close(null);
		}
		tandem_log_use_syslog(true);
	}
}

/* One line of counters at the end of a run (tests read it). */
static void log_stats(const struct tandem *t)
{
	struct sip_stack_stats ss;
	struct sip_transport_stats ts;
	sip_stack_get_stats(t->stack, &ss);
	sip_transport_get_stats(t->tp, &ts);
	tlog_notice("stats: requests %lu, rejected %lu, dropped %lu, filtered %lu, "
	            "retransmissions absorbed %lu, transaction timeouts %lu, messages in %lu out %lu, calls alive %u",
	            t->stats.requests, t->stats.rejected, t->stats.bad_dropped + ts.rx_bad,
	            t->stats.filtered, ss.retrans_absorbed, ss.timeouts, ts.rx_msgs, ts.tx_msgs, call_core_count(t));
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		tlog_error("cannot write pid file %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	return 0;
}

static int check_config(struct tandem *t, const char *path, const char *module_opt)
{
	struct config_errors errs = { 0 };
	int rc = tandem_config_load(path, &t->conf, &errs);
	if (rc == 0) {
		char *dir = module_dir_for(t->conf, module_opt);
		t->module_dir = dir;
		/* init only parses and allocates (no I/O), so it is safe here;
		 * modules add their control commands there */
		if (control_core_init(t) == 0 && loader_load_all(t, t->conf, &errs) == 0) {
			if (call_core_init(t, t->conf, &errs) == 0)
				call_core_free(t);
			event_core_free(t);
			loader_stop_all(t);
			uac_core_free(t);
			loader_unload_all(t);
		}
		control_core_free(t);
		free(dir);
		tandem_config_free(t->conf);
	}
	for (unsigned i = 0; i < errs.count; i++)
		fprintf(stderr, "%s\n", errs.lines[i]);
	rc = errs.count ? 1 : 0;
	if (!rc)
		printf("%s: configuration OK\n", path);
	config_errors_clear(&errs);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "module-dir", required_argument, NULL, 'M' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "syslog", no_argument, NULL, 's' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	/* SIGHUP and SIGTERM may come at any moment, even before tandemd can
	 * act on them (a supervisor reloading as soon as the port answers):
	 * held until the loop's watchers take them, never the default action
	 * (which would kill tandemd) */
	sigset_t held;
	sigemptyset(&held);
	sigaddset(&held, SIGHUP);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGINT);
	sigprocmask(SIG_BLOCK, &held, NULL);
	const char *path = TANDEM_SYSCONF_DIR "/tandem.conf", *level = NULL, *module_opt = NULL;
	const char *pidfile = NULL;
	bool daemon = false, check = false;
	int c;
	while ((c = getopt_long(argc, argv, "c:dfl:M:p:sVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'd': daemon = true; break;
		case 'f': daemon = false; break;
		case 'l': level = optarg; break;
		case 'M': module_opt = optarg; break;
		case 'p': pidfile = optarg; break;
		case 's': tandem_log_use_syslog(true); break;
		case 'C': check = true; break;
		case 'V': printf("tandemd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	enum tandem_log_level lvl = TLOG_INFO;
	if (level && tandem_log_level_parse(level, &lvl) < 0) {
		fprintf(stderr, "tandemd: unknown log level '%s'\n", level);
		return 2;
	}

	struct tandem t;
	memset(&t, 0, sizeof t);
	if (check)
		return check_config(&t, path, module_opt);

	struct config_errors errs = { 0 };
	if (tandem_config_load(path, &t.conf, &errs) < 0) {
		for (unsigned i = 0; i < errs.count; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		config_errors_clear(&errs);
		fprintf(stderr, "tandemd: not started: configuration errors\n");
		return 1;
	}
	if (level)
		tandem_log_hold_level(lvl);
	else
		tandem_log_config_level(t.conf->log_level);

	int ready_fd = -1;
	if (daemon && daemonize(&ready_fd) < 0) {
		fprintf(stderr, "tandemd: cannot daemonize: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	char *module_dir = module_dir_for(t.conf, module_opt);
	t.module_dir = module_dir;
	t.loop = ev_default_loop(EVFLAG_AUTO);
	int rc = 1;
	if (!t.loop || !module_dir) {
		tlog_error("cannot create the event loop");
		goto out;
	}
	/* the watchers before anything opens; a signal held meanwhile is
	 * handled once the loop runs (a SIGTERM during start-up stops it
	 * right after, a SIGHUP reloads) */
	ev_signal_init(&t.sig_term, on_stop_signal, SIGTERM);
	ev_signal_init(&t.sig_int, on_stop_signal, SIGINT);
	ev_signal_init(&t.sig_hup, on_reload_signal, SIGHUP);
	t.sig_term.data = t.sig_int.data = t.sig_hup.data = &t;
	ev_signal_start(t.loop, &t.sig_term);
	ev_signal_start(t.loop, &t.sig_int);
	ev_signal_start(t.loop, &t.sig_hup);
	sigprocmask(SIG_UNBLOCK, &held, NULL);
	t.started = ev_time();
	if (tandem_server_open(&t) < 0) {
		tlog_error("not started: a listener or the resolver could not be opened");
		goto out;
	}
	/* the command table and the metrics before the modules' init, which
	 * add their commands and collectors */
	if (control_core_init(&t) < 0) {
		tlog_error("not started: out of memory");
		goto out;
	}
	if (metrics_core_init(&t) < 0) {
		tlog_error("not started: no memory for the metrics");
		goto out;
	}
	if (loader_load_all(&t, t.conf, &errs) < 0) {
		config_errors_print(&errs);
		tlog_error("not started: a module failed to load");
		goto out;
	}
	if (call_core_init(&t, t.conf, &errs) < 0) {
		config_errors_print(&errs);
		tlog_error("not started: the dialplan has errors");
		goto out_modules;
	}
	if (loader_start_all(&t) < 0) {
		tlog_error("not started: a module failed to start");
		goto out_calls;
	}
	/* once every module started, so a client sees all commands */
	if (control_core_open(&t, t.conf) < 0) {
		tlog_error("not started: the control socket could not be opened");
		goto out_calls;
	}
	if (pidfile && write_pidfile(pidfile) < 0)
		goto out_calls;

	tlog_notice("tandemd %s started (%u listeners, %u modules)", PACKAGE_VERSION,
	            t.conf->nlisteners, t.nmods);
	report_ready(&ready_fd, 0);
	sd_notify_state("READY=1\nSTATUS=running");   /* systemd's Type=notify */
	ev_run(t.loop, 0);
	rc = 0;
	log_stats(&t);
out_calls:
	call_core_free(&t);
out_modules:
	/* subscriptions end before the modules that serve them stop; module
	 * requests still in flight after the modules' stop are dropped */
	event_core_free(&t);
	loader_stop_all(&t);
	uac_core_free(&t);
	loader_unload_all(&t);
out:
	report_ready(&ready_fd, 1);
	control_core_free(&t);   /* after the modules' stop removed their commands */
	metrics_core_free(&t);   /* the modules removed their collectors in stop */
	tandem_server_close(&t);
	if (pidfile && rc == 0)
		unlink(pidfile);
	config_errors_clear(&errs);
	tandem_config_free(t.conf);
	free(module_dir);
	if (t.loop) {
		ev_signal_stop(t.loop, &t.sig_term);
		ev_signal_stop(t.loop, &t.sig_int);
		ev_signal_stop(t.loop, &t.sig_hup);
		ev_loop_destroy(t.loop);
	}
	tlog_notice("tandemd stopped");
	return rc;
}
