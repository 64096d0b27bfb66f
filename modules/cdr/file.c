/* mod_cdr: the append-only record file (file.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tandem/tandem.h>

#include "file.h"

/* Errors are told at most this often (a full disk fails every call). */
#define REPORT_INTERVAL 60

int cdr_local_day(time_t now)
{
	struct tm tm;
	if (!localtime_r(&now, &tm))
		return 0;
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int cdr_rotated_name(const char *path, int day, unsigned n, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base)
		dot = base + strlen(base);   /* no extension ("cdr", ".hidden") */
	char suffix[16] = "";
	if (n)
		snprintf(suffix, sizeof suffix, "-%u", n);
	int len = snprintf(out, size, "%.*s-%04d-%02d-%02d%s%s", (int)(dot - path), path,
	                   day / 10000, day / 100 % 100, day % 100, suffix, dot);
	return len < 0 || (size_t)len >= size ? -ENOSPC : 0;
}

int cdr_file_repair(int fd, off_t *cut)
{
	struct stat st;
	*cut = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	off_t end = st.st_size, pos = end;
	char buf[4096];
	while (pos > 0) {
		size_t n = pos > (off_t)sizeof buf ? sizeof buf : (size_t)pos;
		ssize_t got = pread(fd, buf, n, pos - (off_t)n);
		if (got < 0)
			return -errno;
		if ((size_t)got != n)
			return -EIO;
		for (size_t i = n; i > 0; i--)
			if (buf[i - 1] == '\n') {
				off_t keep = pos - (off_t)n + (off_t)i;
				if (keep == end)
					return 0;
				if (ftruncate(fd, keep) < 0)
					return -errno;
				*cut = end - keep;
				return 0;
			}
		pos -= (off_t)n;
	}
	/* no line at all: the whole file is one torn record */
	if (end > 0 && ftruncate(fd, 0) < 0)
		return -errno;
	*cut = end;
	return 0;
}

int cdr_make_parent(const char *path)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return -ENAMETOOLONG;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_fd(struct cdr_file *f)
{
	int fd = open(f->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 && errno == ENOENT && cdr_make_parent(f->path) == 0)
		fd = open(f->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	off_t cut;
	int rc = cdr_file_repair(fd, &cut);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	if (cut)
		tlog_warn("cdr: %s: cut %lld byte(s) of a torn last record", f->path, (long long)cut);
	f->fd = fd;
	return 0;
}

/* Told now, or at the next report (f->lost counts the records meanwhile). */
static void report(struct cdr_file *f, time_t now, const char *doing, int err)
{
	if (f->last_report && now - f->last_report < REPORT_INTERVAL)
		return;
	tlog_error("cdr: %s: cannot %s: %s (%lu %s record(s) lost since the last report)", f->path,
	           doing, strerror(err), f->lost, f->what);
	f->last_report = now;
	f->lost = 0;
}

static void recovered(struct cdr_file *f)
{
	if (!f->last_report)
		return;
	if (f->lost)
		tlog_notice("cdr: %s: writing again (%lu more %s record(s) were lost)", f->path, f->lost,
		            f->what);
	else
		tlog_notice("cdr: %s: writing again", f->path);
	f->last_report = 0;
	f->lost = 0;
}

/* Rename to a dated name that does not exist yet, atomically. */
static int rename_new(const char *from, const char *to)
{
#ifdef RENAME_NOREPLACE
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -errno;
#endif
	/* a file system without RENAME_NOREPLACE: link refuses an existing name too */
	if (link(from, to) == 0)
		return unlink(from) < 0 ? -errno : 0;
	if (errno == EEXIST)
		return -EEXIST;
	struct stat st;
	if (stat(to, &st) == 0)
		return -EEXIST;
	return rename(from, to) < 0 ? -errno : 0;
}

static int rotate(struct cdr_file *f, time_t now)
{
	char to[PATH_MAX];
	int rc = -EEXIST;
	for (unsigned n = 0; n < 1000 && rc == -EEXIST; n++) {
		if (cdr_rotated_name(f->path, f->day, n, to, sizeof to) < 0)
			return -ENAMETOOLONG;
		rc = rename_new(f->path, to);
	}
	if (rc < 0)
		return rc;
	tlog_info("cdr: %s rotated to %s (%lu record(s))", f->path, to, f->written);
	close(f->fd);
	f->fd = -1;
	f->written = 0;
	f->day = cdr_local_day(now);
	return open_fd(f);
}

int cdr_file_open(struct cdr_file *f, const char *what, const char *path,
                  const struct cdr_file_cfg *cfg, time_t now)
{
	*f = (struct cdr_file){ .fd = -1, .what = what, .cfg = *cfg };
	if (!(f->path = strdup(path)))
		return -ENOMEM;
	f->day = cdr_local_day(now);
	int rc = open_fd(f);
	if (rc < 0) {
		tlog_error("cdr: cannot open %s: %s", f->path, strerror(-rc));
		return rc;
	}
	struct stat st;
	if (fstat(f->fd, &st) == 0 && st.st_size > 0) {
		/* the records in it are of the day it was last written */
		f->day = cdr_local_day(st.st_mtime);
		if (cfg->rotate_daily && f->day != cdr_local_day(now) && (rc = rotate(f, now)) < 0)
			tlog_error("cdr: cannot rotate %s: %s", f->path, strerror(-rc));
	}
	return 0;
}

/* Before a record: the file is there (reopened if it was deleted or never
 * opened) and rotated when due. Its size in *size. */
static int prepare(struct cdr_file *f, size_t len, time_t now, off_t *size)
{
	struct stat st;
	int rc;
	if (f->fd >= 0 && fstat(f->fd, &st) == 0 && st.st_nlink == 0) {
		/* removed under us: what goes to a deleted file is lost */
		tlog_warn("cdr: %s was removed: opening it again", f->path);
		close(f->fd);
		f->fd = -1;
	}
	if (f->fd < 0 && (rc = open_fd(f)) < 0)
		return rc;
	if (fstat(f->fd, &st) < 0)
		return -errno;
	int today = cdr_local_day(now);
	if (st.st_size == 0)
		f->day = today;
	else if ((f->cfg.rotate_daily && f->day != today) ||
	         (f->cfg.rotate_size && st.st_size + (off_t)len > f->cfg.rotate_size)) {
		if ((rc = rotate(f, now)) < 0) {
			/* keep writing where we are rather than lose records */
			report(f, now, "rotate", -rc);
			if (f->fd < 0)
				return rc;
		}
		if (fstat(f->fd, &st) < 0)
			return -errno;
	}
	*size = st.st_size;
	return 0;
}

int cdr_file_write(struct cdr_file *f, const char *line, size_t len, time_t now)
{
	off_t size = 0;
	int rc = prepare(f, len, now, &size);
	if (rc < 0) {
		f->lost++;
		report(f, now, "open", -rc);
		return rc;
	}
	ssize_t n;
	do
		n = write(f->fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		rc = n < 0 ? -errno : -ENOSPC;
		/* a short write (a full disk) must not leave half a line */
		if (n > 0 && ftruncate(f->fd, size) < 0)
			tlog_error("cdr: %s: cannot cut a partly written record: %s", f->path,
			           strerror(errno));
		f->lost++;
		report(f, now, "write", -rc);
		return rc;
	}
	if (f->cfg.sync && fdatasync(f->fd) < 0) {
		rc = -errno;
		report(f, now, "sync", -rc);
		f->written++;
		return rc;
	}
	f->written++;
	recovered(f);
	return 0;
}

void cdr_file_close(struct cdr_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->last_report && f->lost)
		tlog_error("cdr: %s: %lu %s record(s) lost since the last report", f->path, f->lost,
		           f->what);
	free(f->path);
	*f = (struct cdr_file){ .fd = -1 };
}
