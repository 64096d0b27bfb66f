/* mod_cdr: the SQLite output (db.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tandem/tandem.h>

#include "db.h"
#include "file.h"

#define REPORT_INTERVAL 60
#define BUSY_WAIT_MS 10
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)
#define SCHEMA_VERSION_TEXT TEXT(CDR_DB_SCHEMA_VERSION)

/* docs/CDR.md documents every column. id numbers the rows (tandemd's own
 * call number, call_number, starts again at 1 with each start). Times are
 * epoch seconds with milliseconds: datetime(start, 'unixepoch',
 * 'localtime') reads them. */
static const char DB_SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS cdr ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" uniqueid TEXT NOT NULL,"
	" call_number INTEGER NOT NULL,"
	" a_call_id TEXT NOT NULL,"
	" b_call_id TEXT,"
	" accountcode TEXT NOT NULL,"
	" src TEXT NOT NULL,"
	" dst TEXT NOT NULL,"
	" dcontext TEXT NOT NULL,"
	" clid TEXT NOT NULL,"
	" channel TEXT NOT NULL,"
	" dstchannel TEXT NOT NULL,"
	" lastapp TEXT NOT NULL,"
	" lastdata TEXT NOT NULL,"
	" caller TEXT NOT NULL,"
	" callee TEXT,"
	" rule TEXT,"
	" start REAL NOT NULL,"
	" ringing REAL,"
	" answer REAL,"
	" \"end\" REAL NOT NULL,"
	" duration INTEGER NOT NULL,"
	" billsec INTEGER NOT NULL,"
	" disposition TEXT NOT NULL,"
	" status INTEGER NOT NULL,"
	" hangup_side TEXT,"
	" hangup_cause TEXT,"
	" owner TEXT,"
	" amaflags TEXT NOT NULL,"
	" userfield TEXT NOT NULL,"
	" a_rx_packets INTEGER, a_rx_bytes INTEGER, a_tx_packets INTEGER, a_tx_bytes INTEGER,"
	" a_lost INTEGER, a_jitter INTEGER,"
	" b_rx_packets INTEGER, b_rx_bytes INTEGER, b_tx_packets INTEGER, b_tx_bytes INTEGER,"
	" b_lost INTEGER, b_jitter INTEGER,"
	" media TEXT"
	");"
	"CREATE INDEX IF NOT EXISTS cdr_start ON cdr(start);"
	"CREATE INDEX IF NOT EXISTS cdr_a_call_id ON cdr(a_call_id);";

static const char DB_INSERT[] =
	"INSERT INTO cdr (uniqueid, call_number, a_call_id, b_call_id, accountcode, src, dst,"
	" dcontext, clid, channel, dstchannel, lastapp, lastdata, caller, callee, rule, start,"
	" ringing, answer, \"end\", duration, billsec, disposition, status, hangup_side,"
	" hangup_cause, owner, amaflags, userfield,"
	" a_rx_packets, a_rx_bytes, a_tx_packets, a_tx_bytes, a_lost, a_jitter,"
	" b_rx_packets, b_rx_bytes, b_tx_packets, b_tx_bytes, b_lost, b_jitter, media)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	" ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29,"
	" ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42)";

static int fail(struct cdr_db *d, const char *doing)
{
	tlog_error("cdr: %s: cannot %s: %s", d->path, doing,
	           d->db ? sqlite3_errmsg(d->db) : "out of memory");
	cdr_db_close(d);
	return -EINVAL;
}

static int exec(struct cdr_db *d, const char *sql)
{
	return sqlite3_exec(d->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EINVAL;
}

static int user_version(struct cdr_db *d, int *v)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(d->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -EINVAL;
	int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -EINVAL;
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc;
}

static int journal_wal(struct cdr_db *d)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(d->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK)
		return -EINVAL;
	int rc = sqlite3_step(st) == SQLITE_ROW &&
	         strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0 ? 0 : -EINVAL;
	sqlite3_finalize(st);
	return rc;
}

int cdr_db_open(struct cdr_db *d, const char *path, bool sync)
{
	*d = (struct cdr_db){ 0 };
	if (!(d->path = strdup(path)))
		return -ENOMEM;
	int rc = cdr_make_parent(path);
	if (rc < 0) {
		tlog_error("cdr: %s: cannot make its folder: %s", path, strerror(-rc));
		free(d->path);
		d->path = NULL;
		return rc;
	}
	/* created 0640 as the record files are: SQLite gives its -wal and
	 * -shm files the database's own mode */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd >= 0)
		close(fd);
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		return fail(d, "open the database");
	sqlite3_busy_timeout(d->db, BUSY_WAIT_MS);
	int version;
	if (user_version(d, &version) < 0)
		return fail(d, "read the database");
	if (version > CDR_DB_SCHEMA_VERSION) {
		tlog_error("cdr: %s: schema version %d is newer than this tandem's (%d)", path, version,
		           CDR_DB_SCHEMA_VERSION);
		cdr_db_close(d);
		return -EINVAL;
	}
	if (journal_wal(d) < 0)
		return fail(d, "use a WAL journal");
	if (exec(d, sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") < 0 ||
	    exec(d, DB_SCHEMA) < 0)
		return fail(d, "create the schema");
	if (version < CDR_DB_SCHEMA_VERSION &&
	    exec(d, "PRAGMA user_version = " SCHEMA_VERSION_TEXT) < 0)
		return fail(d, "set the schema version");
	/* a table cdr of another shape fails here, not at the first call */
	if (sqlite3_prepare_v3(d->db, DB_INSERT, -1, SQLITE_PREPARE_PERSISTENT, &d->insert, NULL) !=
	    SQLITE_OK)
		return fail(d, "prepare the insert (a table cdr of another shape?)");
	return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s, bool null_if_empty)
{
	if (null_if_empty && !s[0])
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void bind_time(sqlite3_stmt *st, int i, double t)
{
	if (t > 0)
		sqlite3_bind_double(st, i, t);
	else
		sqlite3_bind_null(st, i);
}

static void bind_leg(sqlite3_stmt *st, int first, const struct cdr_record *r, enum rtpr_leg leg)
{
	if (!r->nstreams) {
		for (int i = 0; i < 6; i++)
			sqlite3_bind_null(st, first + i);
		return;
	}
	struct cdr_leg_totals t;
	cdr_leg_totals(r, leg, &t);
	sqlite3_bind_int64(st, first, (sqlite3_int64)t.rx_packets);
	sqlite3_bind_int64(st, first + 1, (sqlite3_int64)t.rx_bytes);
	sqlite3_bind_int64(st, first + 2, (sqlite3_int64)t.tx_packets);
	sqlite3_bind_int64(st, first + 3, (sqlite3_int64)t.tx_bytes);
	if (t.lost < 0) {
		sqlite3_bind_null(st, first + 4);
		sqlite3_bind_null(st, first + 5);
	} else {
		sqlite3_bind_int64(st, first + 4, t.lost);
		sqlite3_bind_int64(st, first + 5, t.jitter);
	}
}

/* One row: SQLITE_DONE, or the error. */
static int insert_one(struct cdr_db *d, const struct cdr_record *r)
{
	sqlite3_stmt *st = d->insert;
	char *media = r->nstreams ? cdr_format_media_json(r) : NULL;
	if (r->nstreams && !media)
		return SQLITE_NOMEM;
	bind_text(st, 1, r->uniqueid, false);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->id);
	bind_text(st, 3, r->a_call_id, false);
	bind_text(st, 4, r->b_call_id, true);
	bind_text(st, 5, r->accountcode, false);
	bind_text(st, 6, r->src, false);
	bind_text(st, 7, r->dst, false);
	bind_text(st, 8, r->context, false);
	bind_text(st, 9, r->clid, false);
	bind_text(st, 10, r->channel, false);
	bind_text(st, 11, r->dstchannel, false);
	bind_text(st, 12, r->lastapp, false);
	bind_text(st, 13, r->lastdata, false);
	bind_text(st, 14, r->caller, false);
	bind_text(st, 15, r->callee, true);
	bind_text(st, 16, r->rule, true);
	sqlite3_bind_double(st, 17, r->start);
	bind_time(st, 18, r->ringing);
	bind_time(st, 19, r->answer);
	sqlite3_bind_double(st, 20, r->end);
	sqlite3_bind_int64(st, 21, r->duration);
	sqlite3_bind_int64(st, 22, r->billsec);
	sqlite3_bind_text(st, 23, tandem_disposition_name(r->disposition), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 24, r->status);
	bind_text(st, 25, cdr_hangup_side_name(r->hangup_side), true);
	bind_text(st, 26, r->hangup_cause, true);
	bind_text(st, 27, r->owner, true);
	bind_text(st, 28, r->amaflags, false);
	bind_text(st, 29, r->userfield, false);
	bind_leg(st, 30, r, RTPR_LEG_A);
	bind_leg(st, 36, r, RTPR_LEG_B);
	if (media)
		sqlite3_bind_text(st, 42, media, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 42);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(media);
	return rc;
}

static bool retryable(int rc)
{
	switch (rc & 0xff) {   /* the primary code of an extended one */
	case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_FULL: case SQLITE_IOERR:
	case SQLITE_NOMEM: case SQLITE_CANTOPEN:
		return true;
	default:
		return false;
	}
}

static void report(struct cdr_db *d, time_t now, const char *why)
{
	if (d->last_report && now - d->last_report < REPORT_INTERVAL)
		return;
	tlog_error("cdr: %s: cannot insert: %s (%u record(s) waiting, %lu lost since the last report)",
	           d->path, why, d->npending, d->lost);
	d->last_report = now;
	d->lost = 0;
}

unsigned cdr_db_retry(struct cdr_db *d, time_t now)
{
	unsigned done = 0;
	int rc = SQLITE_DONE;
	while (d->insert && done < d->npending && (rc = insert_one(d, &d->pending[done])) == SQLITE_DONE)
		done++;
	if (done) {
		memmove(d->pending, d->pending + done, (d->npending - done) * sizeof *d->pending);
		d->npending -= done;
	}
	if (rc != SQLITE_DONE && !retryable(rc)) {
		/* this record can never go in: drop it, keep the rest going */
		memmove(d->pending, d->pending + 1, (d->npending - 1) * sizeof *d->pending);
		d->npending--;
		d->lost++;
		report(d, now, sqlite3_errstr(rc));
	} else if (!d->npending && d->last_report) {
		tlog_notice("cdr: %s: inserting again", d->path);
		d->last_report = 0;
	}
	if (!d->npending) {
		free(d->pending);
		d->pending = NULL;
	}
	return d->npending;
}

static int keep(struct cdr_db *d, const struct cdr_record *r)
{
	if (d->npending >= CDR_DB_PENDING_MAX)
		return -ENOSPC;
	struct cdr_record *p = realloc(d->pending, (d->npending + 1) * sizeof *p);
	if (!p)
		return -ENOMEM;
	d->pending = p;
	d->pending[d->npending++] = *r;
	return 0;
}

int cdr_db_insert(struct cdr_db *d, const struct cdr_record *r, time_t now)
{
	if (!d->insert)
		return -EBADF;
	if (d->npending && cdr_db_retry(d, now)) {
		/* older records wait: this one goes behind them */
		if (keep(d, r) < 0) {
			d->lost++;
			report(d, now, "too many records waiting");
			return -ENOSPC;
		}
		return -EAGAIN;
	}
	int rc = insert_one(d, r);
	if (rc == SQLITE_DONE)
		return 0;
	if (retryable(rc) && keep(d, r) == 0) {
		report(d, now, sqlite3_errstr(rc));
		return -EAGAIN;
	}
	d->lost++;
	report(d, now, sqlite3_errstr(rc));
	return -EIO;
}

void cdr_db_close(struct cdr_db *d)
{
	if (d->npending)
		tlog_error("cdr: %s: %u record(s) could not be inserted before closing", d->path,
		           d->npending);
	sqlite3_finalize(d->insert);
	sqlite3_close(d->db);
	free(d->pending);
	free(d->path);
	*d = (struct cdr_db){ 0 };
}
