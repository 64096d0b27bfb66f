/* mod_voicemail's notify command (modules/voicemail/notify.c): spawned
 * without a shell, the metadata in a clean environment, the child reaped
 * by the loop's child watcher. The command under test is a /bin/sh the
 * test itself writes, dumping what it got with env(1). */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "tandem_internal.h"

#include "../../modules/voicemail/voicemail.h"

/* spool.c is not linked here: its contract (voicemail.h) */
const char *vm_reason_name(enum vm_reason r)
{
	return r == VM_REASON_BUSY ? "busy" : "unavailable";
}

static char dir[64];
static struct tandem t;
static struct vm vm;

static int suite_init(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_vm_notify.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	t.loop = ev_default_loop(0);
	vm.t = &t;
	return t.loop ? 0 : -1;
}

static int suite_cleanup(void)
{
	char p[128];
	snprintf(p, sizeof p, "%s/env", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

static bool timed_out;

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	timed_out = true;
	ev_break(loop, EVBREAK_ALL);
}

/* Run the loop until no watcher of notify.c is left (ev_run returns), or
 * 10 s: a failsafe timer that does not itself keep the loop alive. */
static void run_loop(void)
{
	ev_timer guard;
	timed_out = false;
	ev_timer_init(&guard, on_timeout, 10., 0.);
	ev_timer_start(t.loop, &guard);
	ev_unref(t.loop);
	ev_run(t.loop, 0);
	ev_ref(t.loop);
	ev_timer_stop(t.loop, &guard);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* line is one whole line of text */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && memcmp(p, line, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

static void test_env_and_reap(void)
{
	char out[128], script[192];
	snprintf(out, sizeof out, "%s/env", dir);
	unlink(out);
	snprintf(script, sizeof script, "env > '%s'", out);
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct vm_box box = { .name = "1001", .notify_argv = argv };
	struct vm_meta m = {
		.caller_id = "1002",
		/* what a shell would run, and a newline that would forge a line */
		.caller_name = "Eve; rm -rf / $(id) `id` \"q\" 'q'\nVM_BOX=evil\x7f!",
		.box = "1001",
		.call_id = "a84b4c76e66710@pc33.example.com",
		.time = 1700000000,     /* 2023-11-14T22:13:20Z */
		.duration_ms = 12500,
		.reason = VM_REASON_BUSY,
	};
	/* nothing of ours reaches the command */
	setenv("VM_TEST_LEAK", "leaked", 1);
	CU_ASSERT_EQUAL_FATAL(vm_notify_run(&vm, &box, 7, "/var/spool/vm/1001/INBOX/msg0007.wav", &m),
	                      0);
	run_loop();
	CU_ASSERT_FALSE(timed_out);      /* the child watcher saw the exit and stopped */
	CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);   /* and it was reaped */
	CU_ASSERT_EQUAL(errno, ECHILD);

	const char *env = slurp(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	CU_ASSERT(has_line(env, "VM_BOX=1001"));
	CU_ASSERT(has_line(env, "VM_MSGNUM=0007"));
	CU_ASSERT(has_line(env, "VM_WAV=/var/spool/vm/1001/INBOX/msg0007.wav"));
	CU_ASSERT(has_line(env, "VM_CALLER_ID=1002"));
	CU_ASSERT(has_line(env, "VM_CALLER_NAME=Eve; rm -rf / $(id) `id` \"q\" 'q' VM_BOX=evil !"));
	CU_ASSERT(has_line(env, "VM_DURATION=13"));
	CU_ASSERT(has_line(env, "VM_REASON=busy"));
	CU_ASSERT(has_line(env, "VM_TIME=2023-11-14T22:13:20Z"));
	CU_ASSERT(has_line(env, "VM_CALL_ID=a84b4c76e66710@pc33.example.com"));
	CU_ASSERT(has_line(env, "PATH=/usr/bin:/bin"));
	CU_ASSERT_FALSE(has_line(env, "VM_BOX=evil"));
	CU_ASSERT_PTR_NULL(strstr(env, "VM_TEST_LEAK"));
	unsetenv("VM_TEST_LEAK");
}

static void test_unterminated_meta(void)
{
	char out[128], script[192];
	snprintf(out, sizeof out, "%s/env", dir);
	unlink(out);
	snprintf(script, sizeof script, "env > '%s'", out);
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct vm_box box = { .name = "sales", .notify_argv = argv };
	struct vm_meta m = { .reason = VM_REASON_UNAVAILABLE, .duration_ms = 499 };
	/* a caller id filling its array to the last byte: read no further */
	memset(m.caller_id, 'A', sizeof m.caller_id);
	memset(m.caller_name, 'B', sizeof m.caller_name);
	CU_ASSERT_EQUAL_FATAL(vm_notify_run(&vm, &box, 1, "/x.wav", &m), 0);
	run_loop();
	CU_ASSERT_FALSE(timed_out);
	const char *env = slurp(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(env);
	char want[16 + sizeof m.caller_id];
	snprintf(want, sizeof want, "VM_CALLER_ID=%.*s", (int)sizeof m.caller_id, m.caller_id);
	CU_ASSERT(has_line(env, want));
	CU_ASSERT(has_line(env, "VM_BOX=sales"));
	CU_ASSERT(has_line(env, "VM_REASON=unavailable"));
	CU_ASSERT(has_line(env, "VM_DURATION=0"));
	CU_ASSERT(has_line(env, "VM_TIME=1970-01-01T00:00:00Z"));
}

static void test_not_run(void)
{
	struct vm_meta m = { .caller_id = "1002" };
	/* none configured: nothing to do */
	struct vm_box none = { .name = "1001" };
	CU_ASSERT_EQUAL(vm_notify_run(&vm, &none, 1, "/x.wav", &m), 0);
	/* no shell, no PATH search: a bare name is refused */
	char *rel[] = { "sh", "-c", "true", NULL };
	struct vm_box bare = { .name = "1001", .notify_argv = rel };
	CU_ASSERT_EQUAL(vm_notify_run(&vm, &bare, 1, "/x.wav", &m), -EINVAL);
	/* a command that does not exist fails at once, nothing left to reap */
	char *missing[] = { "/nonexistent/notify-cmd", NULL };
	struct vm_box gone = { .name = "1001", .notify_argv = missing };
	CU_ASSERT_EQUAL(vm_notify_run(&vm, &gone, 1, "/x.wav", &m), -ENOENT);
	CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);
	CU_ASSERT_EQUAL(vm_notify_run(&vm, NULL, 1, "/x.wav", &m), -EINVAL);
	CU_ASSERT_EQUAL(vm_notify_run(&vm, &gone, 1, "/x.wav", NULL), -EINVAL);
	/* the loop has no watcher of ours left */
	run_loop();
	CU_ASSERT_FALSE(timed_out);
}

/* A hex mask of /proc/<pid>/status ("SigIgn:\t0000000000001000"). */
static unsigned long long status_mask(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	return p ? strtoull(p + strlen(name), NULL, 16) : ~0ULL;
}

static void test_exit_status_and_signal(void)
{
	/* logged, not returned: the command ran */
	char *fails[] = { "/bin/sh", "-c", "exit 3", NULL };
	char *killed[] = { "/bin/sh", "-c", "kill -TERM $$", NULL };
	struct vm_box a = { .name = "a", .notify_argv = fails };
	struct vm_box b = { .name = "b", .notify_argv = killed };
	struct vm_meta m = { .caller_id = "1" };
	CU_ASSERT_EQUAL(vm_notify_run(&vm, &a, 1, "/a.wav", &m), 0);
	CU_ASSERT_EQUAL(vm_notify_run(&vm, &b, 2, "/b.wav", &m), 0);
	run_loop();
	CU_ASSERT_FALSE(timed_out);
	CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);
}

static void test_signal_dispositions(void)
{
	/* tandemd ignores SIGPIPE and libev may block signals: the command
	 * gets neither */
	char out[128], script[192];
	snprintf(out, sizeof out, "%s/env", dir);
	unlink(out);
	/* the command's own state: a shell forking a child blocks signals
	 * around the fork, so read it from the exec'd command itself */
	snprintf(script, sizeof script, "exec cat /proc/self/status > '%s'", out);
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct vm_box box = { .name = "c", .notify_argv = argv };
	struct vm_meta m = { .caller_id = "1" };
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	void (*was)(int) = signal(SIGPIPE, SIG_IGN);
	CU_ASSERT_EQUAL(vm_notify_run(&vm, &box, 3, "/c.wav", &m), 0);
	signal(SIGPIPE, was);
	sigprocmask(SIG_SETMASK, &old, NULL);
	run_loop();
	CU_ASSERT_FALSE(timed_out);
	const char *st = slurp(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(status_mask(st, "SigIgn:") & (1ULL << (SIGPIPE - 1)), 0);
	CU_ASSERT_EQUAL(status_mask(st, "SigBlk:") & (1ULL << (SIGUSR1 - 1)), 0);
}

static void test_stop_leaves_children(void)
{
	char pidfile[96], script[384];
	snprintf(pidfile, sizeof pidfile, "%s/pid", dir);
	unlink(pidfile);
	snprintf(script, sizeof script, "echo $$ > '%s.tmp' && mv '%s.tmp' '%s' && exec sleep 30",
	         pidfile, pidfile, pidfile);
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct vm_box box = { .name = "1001", .notify_argv = argv };
	struct vm_meta m = { .caller_id = "1002" };
	CU_ASSERT_EQUAL_FATAL(vm_notify_run(&vm, &box, 9, "/x.wav", &m), 0);
	/* another vm's children are not ours to stop: the watcher stays */
	struct vm other = { .t = &t };
	vm_notify_stop(&other);
	CU_ASSERT(ev_run(t.loop, EVRUN_NOWAIT));   /* true: active watchers left */
	vm_notify_stop(&vm);
	/* no watcher left: the loop returns at once though sleep still runs */
	run_loop();
	CU_ASSERT_FALSE(timed_out);
	pid_t pid = 0;
	for (int i = 0; i < 500 && !pid; i++) {
		FILE *f = fopen(pidfile, "r");
		if (f) {
			if (fscanf(f, "%d", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		if (!pid)
			usleep(10000);
	}
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(waitpid(pid, NULL, WNOHANG), 0);   /* still running */
	CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
	int st = 0;
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	unlink(pidfile);
}

static CU_TestInfo notify_tests[] = {
	{ "environment, literal caller name, reaped", test_env_and_reap },
	{ "metadata filling its arrays, epoch time", test_unterminated_meta },
	{ "no command, relative path, missing command", test_not_run },
	{ "exit status and signal logged, reaped", test_exit_status_and_signal },
	{ "SIGPIPE default, nothing blocked", test_signal_dispositions },
	{ "stop leaves the children running", test_stop_leaves_children },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "vm_notify", .pInitFunc = suite_init, .pCleanupFunc = suite_cleanup,
	  .pTests = notify_tests },
	CU_SUITE_INFO_NULL,
};
