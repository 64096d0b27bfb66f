# mod_cdr: call detail records: CSV (Asterisk's Master.csv columns), JSON
# lines and SQLite (issue 13, docs/CDR.md)
pkglib_LTLIBRARIES += mod_cdr.la
mod_cdr_la_SOURCES = modules/cdr/mod_cdr.c \
	modules/cdr/record.c modules/cdr/record.h \
	modules/cdr/file.c modules/cdr/file.h \
	modules/cdr/db.c modules/cdr/db.h
mod_cdr_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
mod_cdr_la_LDFLAGS = $(MODULE_LDFLAGS)
mod_cdr_la_LIBADD = $(JANSSON_LIBS) $(SQLITE_LIBS) -lm
