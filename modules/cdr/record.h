/* mod_cdr: one call record, built from a call's facts and media counters,
 * and its two text forms (a Master.csv line, a JSON line). Pure: no I/O,
 * no clock, no module state, so tests/unit/test_cdr_record.c checks every
 * rule here directly. docs/CDR.md documents each column. */
#ifndef TANDEM_MOD_CDR_RECORD_H
#define TANDEM_MOD_CDR_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tandem/call.h>
#include <tandem/rtprelay.h>

/* m-lines whose counters a record keeps (audio, video, ...). */
#define CDR_MAX_STREAMS 4

struct cdr_stream {
	unsigned index;                  /* the m-line */
	struct rtpr_leg_stats a, b;      /* the caller's leg, the B side */
};

/* Every string is NUL-terminated and cut to its buffer (a record is a
 * value: copied, queued, written later). */
struct cdr_record {
	unsigned long id;                /* tandemd's call number */
	char uniqueid[48];               /* "START.ID", as Asterisk's "1700000000.42" */
	char a_call_id[256], b_call_id[256];
	char caller[256];                /* A's From name-addr */
	char src[128];                   /* its URI user: the caller's number */
	char clid[256];                  /* "\"Name\" <src>", or src alone */
	char dst[128];                   /* the number dialled */
	char callee[256];                /* the B target that answered ("" none) */
	char context[64], rule[256];
	char channel[192], dstchannel[320];
	char lastapp[32], lastdata[256];
	char accountcode[64], userfield[256], amaflags[16];
	double start, ringing, answer, end;   /* epoch seconds; 0 = never */
	long duration, billsec;          /* whole seconds */
	enum tandem_call_disposition disposition;
	int status;                      /* A's final status */
	enum tandem_hangup_side hangup_side;
	char hangup_cause[96];
	char owner[32];                  /* the module that owned the call, "" none */
	unsigned nstreams;               /* relayed m-lines with counters */
	struct cdr_stream streams[CDR_MAX_STREAMS];
};

/* What the dialplan may set for the record (Asterisk's CDR(accountcode),
 * CDR(amaflags), CDR(userfield)); NULL: unset. */
struct cdr_vars {
	const char *accountcode, *amaflags, *userfield;
};

/* Whole seconds from start to end, and from answer to end (0 when never
 * answered), rounded down as Asterisk does: a 2.9 s call is 2 s. Never
 * negative (a clock step backwards), and billsec <= duration. */
void cdr_durations(double start, double answer, double end, long *duration, long *billsec);

/* The record's disposition from the facts': one of the five, never NONE
 * (a call that ended without a final answer counts as FAILED, one with an
 * answer time as ANSWERED). */
enum tandem_call_disposition cdr_disposition(enum tandem_call_disposition d, double answer);

/* "caller", "callee", "tandem", "" (none recorded). */
const char *cdr_hangup_side_name(enum tandem_hangup_side s);

/* amaflags as Asterisk spells them: "OMIT", "BILLING", "DOCUMENTATION"
 * (any case in v; NULL or "": DOCUMENTATION). NULL when v is not one. */
const char *cdr_amaflags(const char *v);

/* Fill r from the facts at CALL_END (f->end set) and the dialplan's vars.
 * Derived columns: src and clid from the caller's From, channel
 * "SIP/<src>-<id as 8 hex digits>", dstchannel "SIP/<callee>-<id>" (its
 * sip:/sips: scheme left out; "" without a callee), lastapp the owning module or "Dial", lastdata the
 * rule, uniqueid "<start s>.<id>", durations and the disposition as above.
 * Media counters are added afterwards (cdr_record_add_stream). */
void cdr_record_from_facts(const struct tandem_call_facts *f, const struct cdr_vars *v,
                           struct cdr_record *r);
/* One more stream's counters; false when CDR_MAX_STREAMS are kept. */
bool cdr_record_add_stream(struct cdr_record *r, unsigned index, const struct rtpr_leg_stats *a,
                           const struct rtpr_leg_stats *b);

/* t as "YYYY-MM-DD HH:MM:SS" (local time, or UTC with gmt) into out; ""
 * for 0. out needs 20 bytes. */
void cdr_format_time(double t, bool gmt, char out[20]);

/* One Master.csv line, '\n' ended, into buf: the 18 columns in Asterisk's
 * order, each string in double quotes with a quote doubled, duration and
 * billsec bare. Control characters (CR, LF, TAB...) in a field become
 * spaces, so a record is always one line. The length, or -ENOSPC. */
int cdr_format_csv(const struct cdr_record *r, bool gmt, char *buf, size_t size);

/* One JSON object on one line, '\n' ended: every field of the record
 * (docs/CDR.md), times as epoch seconds (null: never) and as ISO 8601
 * UTC strings, the media counters per stream. Bytes that are not UTF-8
 * become U+FFFD. malloc'd (free it), or NULL on ENOMEM; *len its length. */
char *cdr_format_json(const struct cdr_record *r, size_t *len);

/* The media counters alone, as the JSON line has them (an array, one
 * object per stream): the SQLite row's media column. malloc'd or NULL. */
char *cdr_format_media_json(const struct cdr_record *r);

/* The totals over every stream of one side (A or B): what the SQLite row
 * keeps in columns (the JSON keeps each stream). */
struct cdr_leg_totals {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	int64_t lost;                    /* RTCP cumulative lost, summed; -1 no report */
	uint32_t jitter;                 /* the highest reported, RTP units */
};
void cdr_leg_totals(const struct cdr_record *r, enum rtpr_leg leg, struct cdr_leg_totals *out);

#endif
