/* tandemctl: talk to a running tandemd over its control socket
 * (docs/CONTROL.md). One command per run: the request goes out as one JSON
 * line, the answer comes back as one, and is printed as a table or
 * "key: value" lines (ctl_format.c), or as JSON with --json.
 *
 * Exit status, for scripts: 0 done; 1 the command failed; 2 usage (a bad
 * command or arguments, ours or tandemd's verdict); 3 tandemd cannot be
 * reached (no socket, nobody answering, no permission, no answer); 4 the
 * thing named does not exist (no such call). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libconfig.h>
#include <libgen.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_format.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3, EXIT_NOTFOUND = 4 };

/* An answer takes no longer than this (a reload runs on tandemd's loop). */
#define ANSWER_TIMEOUT_MS 30000

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: tandemctl [-s SOCKET] [-c CONFIG] [--json] COMMAND [ARGS...]\n"
	        "  -s, --socket PATH   tandemd's control socket\n"
	        "  -c, --config FILE   find the socket in this tandem.conf (default %s/tandem.conf)\n"
	        "  -j, --json          print the result as JSON\n"
	        "  -h, --help          this text; `tandemctl help` lists tandemd's commands\n"
	        "exit status: 0 ok, 1 the command failed, 2 usage, 3 tandemd unreachable, 4 not found\n",
	        TANDEM_SYSCONF_DIR);
}

/* The socket a config names, as tandemd reads it (core/config.c
 * read_control): control.socket, else <state_dir>/tandemd.ctl, paths
 * relative to the config's folder. NULL with the reason in why. */
static char *socket_from_config(const char *path, char *why, size_t whylen)
{
	config_t cfg;
	config_init(&cfg);
	char *copy = strdup(path);
	char *dir = copy ? strdup(dirname(copy)) : NULL;
	free(copy);
	char *out = NULL;
	if (!dir) {
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	config_set_include_dir(&cfg, dir);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(why, whylen, "cannot read %s (-s SOCKET names the socket)", path);
		else
			snprintf(why, whylen, "%s:%d: %s", config_error_file(&cfg) ? config_error_file(&cfg) : path,
			         config_error_line(&cfg), config_error_text(&cfg));
		goto done;
	}
	int enabled = 1;
	const char *sock = NULL, *state = NULL;
	config_lookup_bool(&cfg, "control.enabled", &enabled);
	config_lookup_string(&cfg, "control.socket", &sock);
	config_lookup_string(&cfg, "state_dir", &state);
	if (!enabled) {
		snprintf(why, whylen, "%s disables the control socket (control.enabled)", path);
		goto done;
	}
	const char *rel = sock && *sock ? sock : state;
	if (!rel) {
		snprintf(why, whylen, "%s names no control socket (no control.socket, no state_dir)", path);
		goto done;
	}
	const char *leaf = sock && *sock ? "" : "/tandemd.ctl";
	size_t n = strlen(dir) + strlen(rel) + strlen(leaf) + 2;
	if ((out = malloc(n))) {
		if (rel[0] == '/')
			snprintf(out, n, "%s%s", rel, leaf);
		else
			snprintf(out, n, "%s/%s%s", dir, rel, leaf);
	}
done:
	free(dir);
	config_destroy(&cfg);
	return out;
}

/* Connected to path, or -1 with the reason (which names what to check). */
static int connect_to(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(why, whylen, "the socket path %s is too long", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	int err = errno;
	close(fd);
	switch (err) {
	case ENOENT:
		snprintf(why, whylen, "no control socket at %s (is tandemd running?)", path);
		break;
	case ECONNREFUSED:
		snprintf(why, whylen, "nobody answers on %s (tandemd is not running; a stale socket)", path);
		break;
	case EACCES:
	case EPERM:
		snprintf(why, whylen, "permission denied on %s (the socket's group may use it)", path);
		break;
	case ENOTSOCK:
		snprintf(why, whylen, "%s is not a socket", path);
		break;
	default:
		snprintf(why, whylen, "cannot connect to %s: %s", path, strerror(err));
	}
	return -1;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line from fd (the answer), malloc'd without its newline. */
static char *read_line(int fd, char *why, size_t whylen)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	long long deadline = now_ms() + ANSWER_TIMEOUT_MS;
	while (buf) {
		char *nl = memchr(buf, '\n', len);
		if (nl) {
			*nl = '\0';
			return buf;
		}
		long long left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			snprintf(why, whylen, "no answer from tandemd within %d s", ANSWER_TIMEOUT_MS / 1000);
			break;
		}
		if (len + 1 >= cap) {
			char *grown = realloc(buf, cap * 2);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		ssize_t n = r > 0 ? recv(fd, buf + len, cap - len - 1, 0) : -1;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "tandemd closed the connection without an answer");
			break;
		}
		len += (size_t)n;
	}
	if (!buf)
		snprintf(why, whylen, "out of memory");
	free(buf);
	return NULL;
}

static int exit_for(const char *kind)
{
	if (kind && strcmp(kind, "usage") == 0)
		return EXIT_USAGE;
	if (kind && strcmp(kind, "notfound") == 0)
		return EXIT_NOTFOUND;
	return EXIT_FAILED;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock_opt = NULL, *config = TANDEM_SYSCONF_DIR "/tandem.conf";
	bool as_json = false;
	int c;
	/* "+": options end at the command, whose arguments may start with '-' */
	while ((c = getopt_long(argc, argv, "+s:c:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock_opt = optarg; break;
		case 'c': config = optarg; break;
		case 'j': as_json = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tandemctl: which command? (`tandemctl help` lists them)\n");
		usage(stderr);
		return EXIT_USAGE;
	}

	char why[512] = "";
	char *path = sock_opt ? strdup(sock_opt) : socket_from_config(config, why, sizeof why);
	if (!path) {
		fprintf(stderr, "tandemctl: %s\n", why[0] ? why : "out of memory");
		return EXIT_UNREACHABLE;
	}
	json_t *args = json_array();
	for (int i = optind + 1; args && i < argc; i++) {
		json_t *s = json_string(argv[i]);
		if (!s) {
			fprintf(stderr, "tandemctl: argument %d is not UTF-8 text\n", i - optind);
			free(path);
			json_decref(args);
			return EXIT_USAGE;
		}
		json_array_append_new(args, s);
	}
	json_t *req = json_pack("{s:s, s:o}", "command", argv[optind], "args", args);
	char *line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!line) {
		fprintf(stderr, "tandemctl: the command is not UTF-8 text\n");
		free(path);
		return EXIT_USAGE;
	}

	int rc = EXIT_UNREACHABLE;
	char *answer = NULL;
	int fd = connect_to(path, why, sizeof why);
	if (fd >= 0) {
		if (send_all(fd, line, strlen(line)) < 0 || send_all(fd, "\n", 1) < 0)
			snprintf(why, sizeof why, "cannot send to %s: %s", path, strerror(errno));
		else
			answer = read_line(fd, why, sizeof why);
		close(fd);
	}
	free(line);
	if (!answer) {
		fprintf(stderr, "tandemctl: %s\n", why);
		free(path);
		return EXIT_UNREACHABLE;
	}
	json_error_t jerr;
	json_t *resp = json_loads(answer, 0, &jerr);
	free(answer);
	if (!json_is_object(resp)) {
		fprintf(stderr, "tandemctl: tandemd's answer on %s is not a JSON object: %s\n", path, jerr.text);
		json_decref(resp);
		free(path);
		return EXIT_FAILED;
	}
	free(path);
	json_t *result = json_object_get(resp, "result");
	if (json_is_true(json_object_get(resp, "ok"))) {
		rc = EXIT_OK;
		int w = as_json ? json_dumpf(result ? result : json_null(), stdout,
		                             JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)) :
		                  ctl_print(stdout, result);
		if (as_json && w == 0)
			fputc('\n', stdout);
		if (w < 0 || fflush(stdout) != 0) {
			fprintf(stderr, "tandemctl: cannot write the result: %s\n", strerror(errno));
			rc = EXIT_FAILED;
		}
	} else {
		const char *kind = json_string_value(json_object_get(resp, "kind"));
		const char *err = json_string_value(json_object_get(resp, "error"));
		rc = exit_for(kind);
		if (as_json) {
			/* the whole answer (kind, error, any details) for scripts */
			json_dumpf(resp, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
			fputc('\n', stdout);
		}
		fprintf(stderr, "tandemctl: %s\n", err ? err : "the command failed");
		if (rc == EXIT_USAGE)
			fprintf(stderr, "tandemctl: `tandemctl help` lists the commands and their arguments\n");
	}
	json_decref(resp);
	return rc;
}
