/* mod_registrar — the location service: bindings per address-of-record
 * (RFC 3261 §10.3) with an on-disk snapshot. Pure: no sockets, no loop;
 * the caller passes the time. */
#ifndef MOD_REGISTRAR_LOCATION_H
#define MOD_REGISTRAR_LOCATION_H

#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <tandem/registrar.h>
#include <tandem/sip_msg.h>

struct location_cfg {
	unsigned default_expires;   /* no expires param nor Expires header (3600) */
	unsigned min_expires;       /* shorter (and not 0): 423 (60) */
	unsigned max_expires;       /* longer: shortened to this (7200) */
	unsigned max_contacts;      /* bindings per AOR (10) */
};

struct location_binding {
	char *contact;              /* the Contact URI text */
	char *call_id;
	uint32_t cseq;
	time_t expires_at;          /* wall clock: survives restarts */
	unsigned q;                 /* q-value x 1000; 1000 when absent */
	enum sip_proto proto;       /* where the REGISTER came from (NAT, RFC 3581) */
	struct sockaddr_storage src;
	socklen_t src_len;
	uint64_t conn_id;           /* 0 after a restart */
	char *instance;             /* RFC 5626 +sip.instance, NULL when absent */
	unsigned reg_id;            /* RFC 5626 reg-id, 0 when absent */
	char *user_agent;           /* the REGISTER's User-Agent, NULL when absent */
};

struct location_aor {
	char *aor;
	struct location_binding *b;
	unsigned n;
	struct location_aor *next;  /* hash chain */
};

/* One Contact of a REGISTER, as parsed by the caller. */
struct location_contact_in {
	struct sip_str uri;
	long expires;               /* the expires param, -1 when absent */
	int q;                      /* x 1000, -1 when absent */
	struct sip_str instance;    /* empty when absent */
	unsigned reg_id;
};

struct location_request {
	const char *aor;
	struct sip_str call_id;
	uint32_t cseq;
	bool wildcard;              /* a "Contact: *" was present */
	long expires_hdr;           /* the Expires header, -1 when absent */
	const struct location_contact_in *contacts; /* the non-wildcard ones */
	unsigned ncontacts;
	enum sip_proto proto;
	const struct sockaddr *src;
	socklen_t src_len;
	uint64_t conn_id;
	struct sip_str user_agent;  /* empty when absent */
};

struct location;

/* state_file NULL: memory only. An existing file is loaded, dropping
 * bindings expired at now; *out is set even when some lines were skipped
 * (counted in *skipped). Returns 0 or negative errno (unreadable file). */
int location_open(const struct location_cfg *cfg, const char *state_file, time_t now,
                  struct location **out, unsigned *skipped);
void location_close(struct location *l);
void location_set_cfg(struct location *l, const struct location_cfg *cfg);

/* Apply a REGISTER (RFC 3261 §10.3 steps 5-7) atomically: on error nothing
 * changed. Returns 0 (answer 200 with location_find's bindings) or
 *  -EINVAL   400: "*" with other Contacts or with Expires other than 0,
 *            a q-value out of range
 *  -ERANGE   423: an expiry below min_expires (Min-Expires: cfg.min_expires)
 *  -EALREADY step 7: same Call-ID and a CSeq not above the binding's
 *  -EMLINK   more than max_contacts bindings would result
 *  -ENOMEM
 * A failed snapshot write does not undo the change: *persist_err gets it. */
int location_register(struct location *l, const struct location_request *r, time_t now,
                      int *persist_err);

const struct location_aor *location_find(const struct location *l, const char *aor);
/* Remove bindings expired at now (and empty AORs); the number removed. */
unsigned location_expire(struct location *l, time_t now, int *persist_err);
/* Copy up to max live bindings of aor, highest q first then the most
 * recently refreshed; returns how many were found (may exceed max). */
int location_lookup(const struct location *l, const char *aor, time_t now,
                    struct location_contact *out, int max);
unsigned location_count(const struct location *l);
/* fn for every AOR (in no particular order) until it returns non-zero
 * (then that value); 0. The bindings may include expired ones the sweep
 * has not removed yet: compare expires_at with the time. */
int location_foreach(const struct location *l, int (*fn)(void *arg, const struct location_aor *a),
                     void *arg);
/* What is registered now, for the metrics: AORs, and bindings by the
 * transport their REGISTER came over. */
struct location_census {
	unsigned aors;
	unsigned bindings[SIP_PROTO__COUNT];
};
void location_census(const struct location *l, struct location_census *out);
/* Write the snapshot now (tmp + fsync + rename + fsync dir). */
int location_save(struct location *l);

#endif
