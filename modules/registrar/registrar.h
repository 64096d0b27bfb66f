/* mod_registrar — what other modules and the call core fetch with
 * tandem_module_api(t, "registrar"). */
#ifndef MOD_REGISTRAR_H
#define MOD_REGISTRAR_H

#include <stdint.h>
#include <sys/socket.h>

#include <tandem/sip_msg.h>

#define LOCATION_URI_MAX 512

/* Where to reach one registered device: send to its Contact URI but over
 * the flow the REGISTER came on (source address, transport, connection),
 * as RFC 3581 rport does for responses: a phone behind NAT is only
 * reachable there. */
struct location_contact {
	char uri[LOCATION_URI_MAX];
	unsigned q;                 /* x 1000 */
	unsigned expires_in;        /* seconds left */
	enum sip_proto proto;
	struct sockaddr_storage src;
	socklen_t src_len;
	uint64_t conn_id;           /* 0: none known, open one to src */
};

struct tandem;

struct registrar_api {
	/* Live contacts of a user (the AOR's user part), best first (highest
	 * q, then most recently registered). Returns how many exist (may be
	 * more than max; out holds min(max, n)), 0 when not registered. */
	int (*lookup)(struct tandem *t, const char *aor_user, struct location_contact *out, int max);
};

#endif
