/* mod_voicemail — the per-box command run on each new message (mail it,
 * push it to a phone app...). Spawned without a shell, so nothing a caller
 * put in its display name is ever parsed as a command: the metadata goes
 * in the environment only, control characters blanked. Each child is
 * reaped by a libev child watcher on the signalling loop (the default
 * loop: libev serves child watchers there only) and its end logged. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "voicemail.h"

/* The children of every vm (there is one per tandemd), each with the vm
 * that spawned it: vm_notify_stop(vm) leaves the others alone. Kept here,
 * not in struct vm, which the other files share. */
struct notify_child {
	ev_child w;
	struct vm *vm;
	struct notify_child *prev, *next;
	char box[VM_NAME_MAX];
	unsigned num;
};
static struct notify_child *children;

#define ENV_MAX 11   /* the VM_* variables, PATH, NULL */

static void child_unlink(struct notify_child *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		children = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

static void on_child(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	struct notify_child *c = w->data;
	int st = w->rstatus;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		tlog_info("mod_voicemail: notify command for box %s message %04u exited with status 0",
		          c->box, c->num);
	else if (WIFEXITED(st))
		tlog_warn("mod_voicemail: notify command for box %s message %04u exited with status %d",
		          c->box, c->num, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		tlog_warn("mod_voicemail: notify command for box %s message %04u killed by signal %d (%s)",
		          c->box, c->num, WTERMSIG(st), strsignal(WTERMSIG(st)));
	ev_child_stop(loop, w);
	child_unlink(c);
	free(c);
}

/* "NAME=value", value at most max bytes (the metadata's fixed arrays need
 * not be terminated), every control character (C0, DEL) made a space: a
 * newline in a display name must not start a line of its own in what the
 * command writes. NULL on ENOMEM. */
static char *env_var(const char *name, const char *value, size_t max)
{
	if (!value)
		value = "";
	size_t nl = strlen(name), vl = strnlen(value, max);
	char *s = malloc(nl + 1 + vl + 1);
	if (!s)
		return NULL;
	memcpy(s, name, nl);
	s[nl] = '=';
	char *d = s + nl + 1;
	for (size_t i = 0; i < vl; i++) {
		unsigned char ch = (unsigned char)value[i];
		d[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	d[vl] = '\0';
	return s;
}

static void env_free(char **env)
{
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
}

/* env gets ENV_MAX entries, NULL-terminated. 0 or -ENOMEM. */
static int env_build(char **env, const struct vm_box *box, unsigned num, const char *wav,
                     const struct vm_meta *m)
{
	char num_s[16], dur_s[16], time_s[32];
	snprintf(num_s, sizeof num_s, "%04u", num);
	snprintf(dur_s, sizeof dur_s, "%u", (m->duration_ms + 500) / 1000);
	/* RFC 3339 §5.6, in UTC */
	struct tm tm;
	time_t when = m->time;
	if (!gmtime_r(&when, &tm) || strftime(time_s, sizeof time_s, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		time_s[0] = '\0';
	size_t n = 0;
	memset(env, 0, ENV_MAX * sizeof *env);
	if (!(env[n++] = env_var("VM_BOX", box->name, VM_NAME_MAX)) ||
	    !(env[n++] = env_var("VM_MSGNUM", num_s, sizeof num_s)) ||
	    !(env[n++] = env_var("VM_WAV", wav, SIZE_MAX)) ||
	    !(env[n++] = env_var("VM_CALLER_ID", m->caller_id, sizeof m->caller_id)) ||
	    !(env[n++] = env_var("VM_CALLER_NAME", m->caller_name, sizeof m->caller_name)) ||
	    !(env[n++] = env_var("VM_DURATION", dur_s, sizeof dur_s)) ||
	    !(env[n++] = env_var("VM_REASON", vm_reason_name(m->reason), SIZE_MAX)) ||
	    !(env[n++] = env_var("VM_TIME", time_s, sizeof time_s)) ||
	    !(env[n++] = env_var("VM_CALL_ID", m->call_id, sizeof m->call_id)) ||
	    /* nothing of tandemd's own environment: only a sane PATH */
	    !(env[n++] = env_var("PATH", "/usr/bin:/bin", SIZE_MAX))) {
		env_free(env);
		return -ENOMEM;
	}
	return 0;
}

/* posix_spawn's error number, 0 with *pid set. */
static int spawn(char *const argv[], char *const envp[], pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return rc;
	if ((rc = posix_spawnattr_init(&at))) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/* stdin from /dev/null; stdout/stderr are tandemd's (its log) */
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* no descriptor of the server leaks to the command, whoever opened it
	 * without O_CLOEXEC */
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	/* tandemd ignores SIGPIPE (a peer closing a connection): a command
	 * would inherit that and its pipelines misbehave; and nothing blocked */
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&at, &all);
	if (!rc)
		rc = posix_spawnattr_setsigmask(&at, &none);
	if (!rc)
		rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	if (!rc)
		rc = posix_spawn(pid, argv[0], &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int vm_notify_run(struct vm *vm, const struct vm_box *box, unsigned num, const char *wav_path,
                  const struct vm_meta *meta)
{
	if (!vm || !vm->t || !box || !meta)
		return -EINVAL;
	if (!box->notify_argv || !box->notify_argv[0])
		return 0;     /* the box runs no command */
	const char *cmd = box->notify_argv[0];
	if (cmd[0] != '/') {
		/* without a shell nobody searches a PATH for it */
		tlog_warn("mod_voicemail: notify command '%s' of box %s is not an absolute path: "
		          "not run", cmd, box->name);
		return -EINVAL;
	}
	struct notify_child *c = calloc(1, sizeof *c);
	char *env[ENV_MAX];
	if (!c || env_build(env, box, num, wav_path, meta) < 0) {
		free(c);
		tlog_warn("mod_voicemail: out of memory running the notify command of box %s", box->name);
		return -ENOMEM;
	}
	pid_t pid;
	int rc = spawn(box->notify_argv, env, &pid);
	env_free(env);
	if (rc) {
		/* glibc reports a failed exec here too (ENOENT, EACCES) */
		tlog_warn("mod_voicemail: cannot run the notify command %s for box %s message %u: %s",
		          cmd, box->name, num, strerror(rc));
		free(c);
		return -rc;
	}
	c->vm = vm;
	snprintf(c->box, sizeof c->box, "%s", box->name);
	c->num = num;
	/* started before the loop runs again: libev collects the exit then,
	 * however early the child ended */
	ev_child_init(&c->w, on_child, pid, 0);
	c->w.data = c;
	ev_child_start(tandem_loop(vm->t), &c->w);
	c->next = children;
	if (c->next)
		c->next->prev = c;
	children = c;
	tlog_debug("mod_voicemail: notify command %s for box %s message %u: pid %d", cmd, box->name,
	           num, (int)pid);
	return 0;
}

void vm_notify_stop(struct vm *vm)
{
	struct notify_child *c = children, *next;
	for (; c; c = next) {
		next = c->next;
		if (c->vm != vm)
			continue;
		/* the command runs on, unwatched: libev's SIGCHLD handler still
		 * reaps it while the loop runs, init once tandemd is gone */
		tlog_info("mod_voicemail: notify command for box %s message %04u (pid %d) still running "
		          "at stop: left to finish, its exit not logged", c->box, c->num, c->w.pid);
		ev_child_stop(tandem_loop(vm->t), &c->w);
		child_unlink(c);
		free(c);
	}
}
