/* tandem — the pure rules of the dial engine, in one place: which failure
 * of a dial tells the caller most, and what a dial target's scheme is.
 * No I/O, no call state: the dialplan (load-time checks), the dial engine,
 * MESSAGE forking and the unit tests share them. The classification of a
 * final status into busy / noanswer / unavailable / fail is
 * tandem_dial_outcome_of (include/tandem/call.h), defined beside these. */
#ifndef TANDEM_DIAL_RULES_H
#define TANDEM_DIAL_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/call.h>

/* The failure a forked request reports when no branch succeeded
 * (RFC 3261 §16.7 step 6, as a B2BUA applies it to its B-legs). */
struct dial_failure {
	int status;                /* 0: none yet */
	char reason[64];           /* the reason phrase that came with it, "" */
};

/* Does a new failure status replace the kept one (kept 0: none yet)?
 * RFC 3261 §16.7 step 6: a 6xx is what the caller gets, whatever else
 * came (the first 6xx is kept); below that, a definite answer of a callee
 * (3xx not followed, 4xx) beats what only says that nobody answered in
 * time or a server failed (408, 5xx), so those are kept only until
 * anything else comes. Among definite answers the first is kept. */
bool dial_failure_better(int kept, int status);
/* Keep status (and its reason, NULL: none) in f if dial_failure_better. */
void dial_failure_note(struct dial_failure *f, int status, const char *reason, size_t reason_len);

/* A provider leg's final failure that is the callee's own answer (486,
 * 404, 603...), after which no other provider is tried: any 4xx or 6xx
 * except 401/407 (the provider refused tandem's credentials) and 408 (no
 * answer from the provider). 5xx and 3xx are not (tandem_contact.provider). */
bool dial_provider_final(int status);

/* Scheme of a dial target: "sip:..." -> "sip", "trunk:a/1" -> "trunk",
 * "test:bob" -> "test"; a bare user ("1002", "alice", "+4930...") has none
 * and is served by the resolver of scheme "user". A scheme is
 * ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) before the first ':'
 * (RFC 3986 §3.1); anything else before a colon is part of a user.
 * Writes the scheme (lower case) to out and returns the offset of the text
 * after the colon, or 0 for a bare user (out = "user"); -1 when the scheme
 * does not fit in n. */
int dial_target_scheme(const char *target, char *out, size_t n);
/* The core's own schemes (sip:, sips:): a URI dialled directly. */
bool dial_scheme_is_uri(const char *scheme);

#endif
