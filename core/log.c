/* Logging: one line per event, to stderr (foreground) or syslog (daemon). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>

#include "tandem_internal.h"

static enum tandem_log_level log_level = TLOG_INFO;
static bool log_to_syslog;

static const char *const level_names[] = { "ERROR", "WARN", "NOTICE", "INFO", "DEBUG" };
static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

int tandem_log_level_parse(const char *name, enum tandem_log_level *out)
{
	for (unsigned i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcasecmp(name, level_names[i]) == 0) {
			*out = (enum tandem_log_level)i;
			return 0;
		}
	}
	if (strcasecmp(name, "warning") == 0) {
		*out = TLOG_WARN;
		return 0;
	}
	return -EINVAL;
}

void tandem_log_set_level(enum tandem_log_level lvl) { log_level = lvl; }
enum tandem_log_level tandem_log_get_level(void) { return log_level; }

const char *tandem_log_level_name(enum tandem_log_level lvl)
{
	static const char *const lower[] = { "error", "warn", "notice", "info", "debug" };
	return (unsigned)lvl < sizeof lower / sizeof lower[0] ? lower[lvl] : "info";
}

void tandem_log_use_syslog(bool on)
{
	if (on && !log_to_syslog)
		openlog("tandemd", LOG_PID, LOG_DAEMON);
	log_to_syslog = on;
}

/* A reload collects the error lines modules log while they check the new
 * config, for the control socket's answer. */
static struct config_errors *capture;

void tandem_log_capture(struct config_errors *errs) { capture = errs; }

bool tandem_log_enabled(enum tandem_log_level lvl) { return lvl <= log_level; }

void tandem_log(enum tandem_log_level lvl, const char *fmt, ...)
{
	if (lvl > log_level)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (capture && lvl == TLOG_ERROR) {
		struct config_errors *e = capture;
		capture = NULL;   /* config_errors_add logs nothing, but stay safe */
		config_errors_add(e, NULL, "%s", line);
		capture = e;
	}
	if (log_to_syslog) {
		syslog(syslog_prio[lvl], "%s", line);
		return;
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	localtime_r(&tv.tv_sec, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	/* One write per line so lines from a daemon and its children never interleave. */
	fprintf(stderr, "%s.%03ld %s %s\n", stamp, (long)(tv.tv_usec / 1000), level_names[lvl], line);
}
