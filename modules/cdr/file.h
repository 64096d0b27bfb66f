/* mod_cdr: an append-only record file (Master.csv, JSON lines) that a
 * crash cannot tear.
 *
 * Every record is one line written with one write() on an O_APPEND
 * descriptor, so once the hook returns the line is in the kernel: a crash
 * or kill -9 of tandemd loses no finished record (with sync, fdatasync
 * also survives a power cut). A line can only be torn by a crash inside
 * that write, or by a full disk: a short write is cut off at once, and at
 * every open (start, reload, after rotation) a last line without its '\n'
 * is cut off (logged). Rotation (by size, daily) renames the file between
 * two records to PATH's stem, the day of its records and PATH's extension
 * (Master-2024-05-01.csv, then Master-2024-05-01-1.csv...), never
 * replacing a file. Errors are logged at most once a minute with the
 * count of records lost meanwhile; the caller goes on. Signalling loop
 * only; no timers (rotation happens at the first record of a new day). */
#ifndef TANDEM_MOD_CDR_FILE_H
#define TANDEM_MOD_CDR_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct cdr_file_cfg {
	off_t rotate_size;       /* bytes; 0: never by size */
	bool rotate_daily;
	bool sync;               /* fdatasync after each record */
};

struct cdr_file {
	char *path;              /* owned */
	const char *what;        /* "csv", "json": for the log */
	int fd;                  /* -1: not open (reopened at the next record) */
	int day;                 /* local YYYYMMDD of the records in the file */
	struct cdr_file_cfg cfg;
	unsigned long written;   /* records written since open */
	unsigned long lost;      /* records not written, since the last report */
	time_t last_report;      /* of an error; 0 none pending */
};

/* Open (creating it and its folder) path for appending, cut a torn last
 * line, and rotate it first when rotate_daily and its records are of an
 * earlier day than now. path is copied. 0, or -errno (logged) with f
 * still usable: the next write tries to open again. */
int cdr_file_open(struct cdr_file *f, const char *what, const char *path,
                  const struct cdr_file_cfg *cfg, time_t now);
/* Append line[0..len) (one record, '\n' ended), rotating first when the
 * record would pass rotate_size or belongs to another day. 0 or -errno
 * (logged, rate-limited); the file is never left with part of it. */
int cdr_file_write(struct cdr_file *f, const char *line, size_t len, time_t now);
void cdr_file_close(struct cdr_file *f);

/* ---- the pieces, for tests ---- */
/* Cut everything after the last '\n' of the file open on fd (read and
 * write). *cut: the bytes removed. 0 or -errno. */
int cdr_file_repair(int fd, off_t *cut);
/* The rotated name of path for day (YYYYMMDD) and attempt n (0: none):
 * "dir/Master.csv" -> "dir/Master-2024-05-01.csv", n 2 ->
 * "dir/Master-2024-05-01-2.csv"; a name without extension gets the date
 * at its end. 0 or -ENOSPC. */
int cdr_rotated_name(const char *path, int day, unsigned n, char *out, size_t size);
/* mkdir -p of path's folder (0750): a fresh var/cdr/ needs no step of
 * its own. 0 or -errno. */
int cdr_make_parent(const char *path);
/* now's local date as YYYYMMDD. */
int cdr_local_day(time_t now);

#endif
