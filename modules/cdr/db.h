/* mod_cdr: records into an SQLite database, for offices that query their
 * calls. The schema (table cdr, an index on start) is docs/CDR.md's and
 * DB_SCHEMA in db.c; the journal is WAL, so readers (sqlite3, a report
 * script) never block tandemd's inserts, and a committed row survives a
 * kill -9 (synchronous NORMAL; FULL with sync: a power cut too).
 *
 * An insert that cannot be done now (another writer holds the database
 * beyond a 10 ms wait, a full disk) keeps the record in memory (up to
 * CDR_DB_PENDING_MAX) and cdr_db_retry tries again later, in order; errors
 * are logged at most once a minute. Signalling loop only. */
#ifndef TANDEM_MOD_CDR_DB_H
#define TANDEM_MOD_CDR_DB_H

#include <stdbool.h>
#include <time.h>

#include "record.h"

#define CDR_DB_PENDING_MAX 1000
#define CDR_DB_SCHEMA_VERSION 1

struct sqlite3;
struct sqlite3_stmt;

struct cdr_db {
	char *path;
	struct sqlite3 *db;
	struct sqlite3_stmt *insert;
	struct cdr_record *pending;    /* waiting to be inserted, oldest first */
	unsigned npending;
	unsigned long lost;            /* dropped since the last report */
	time_t last_report;
};

/* Open or create the database (and its folder), WAL, the schema. 0, or
 * -errno / -EINVAL (logged: a file that is not a database, a schema of a
 * newer version, a table cdr of another shape). */
int cdr_db_open(struct cdr_db *d, const char *path, bool sync);
/* Insert r (after any still pending). 0 inserted; -EAGAIN kept for
 * later; other -errno lost (logged, rate-limited). */
int cdr_db_insert(struct cdr_db *d, const struct cdr_record *r, time_t now);
/* Records still waiting: try them again. The number left. */
unsigned cdr_db_retry(struct cdr_db *d, time_t now);
void cdr_db_close(struct cdr_db *d);

#endif
