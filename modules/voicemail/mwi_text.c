/* mod_voicemail — the texts MWI writes, kept apart from mwi.c so the unit
 * tests link them alone: the RFC 3842 body, and where an unsolicited
 * NOTIFY is sent (the flow a phone registered over). Pure. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include <tandem/registrar.h>
#include <tandem/transport.h>

#include "voicemail.h"

/* RFC 3842 §5.2:
 *   Messages-Waiting: yes|no          (first; yes when there are new messages)
 *   Message-Account: <uri>            (optional)
 *   Voice-Message: new/old            (the voice message-context-class, §5.1;
 *                                      the urgent counts are optional: we keep none)
 */
int vm_mwi_body(const char *account_uri, unsigned nnew, unsigned nold, char *out, size_t size)
{
	if (!out || size == 0)
		return -ENOSPC;
	int n;
	if (account_uri && *account_uri)
		n = snprintf(out, size, "Messages-Waiting: %s\r\nMessage-Account: %s\r\n"
		             "Voice-Message: %u/%u\r\n", nnew ? "yes" : "no", account_uri, nnew, nold);
	else
		n = snprintf(out, size, "Messages-Waiting: %s\r\nVoice-Message: %u/%u\r\n",
		             nnew ? "yes" : "no", nnew, nold);
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return -ENOSPC;
	}
	return n;
}

/* "sip:192.0.2.7:40000", "sip:[2001:db8::1]:5062;transport=tcp": the
 * source the REGISTER came from, so the NOTIFY crosses the phone's NAT
 * binding (and reuses its TCP/TLS connection) as RFC 3581 rport does for
 * responses. */
int vm_mwi_flow_uri(const struct location_contact *c, char *out, size_t size)
{
	if (!out || size == 0)
		return -ENOSPC;
	out[0] = '\0';
	if (!c)
		return -EINVAL;
	sa_family_t fam = c->src.ss_family;
	if (!(fam == AF_INET && c->src_len >= (socklen_t)sizeof(struct sockaddr_in)) &&
	    !(fam == AF_INET6 && c->src_len >= (socklen_t)sizeof(struct sockaddr_in6)))
		return -EAFNOSUPPORT;   /* no source known (a binding restored from disk) */
	const char *tp;
	switch (c->proto) {
	case SIP_PROTO_UDP: tp = ""; break;
	case SIP_PROTO_TCP: tp = ";transport=tcp"; break;
	case SIP_PROTO_TLS: tp = ";transport=tls"; break;
	default: return -EPROTONOSUPPORT;
	}
	char addr[INET6_ADDRSTRLEN + 16];
	sip_addr_str((const struct sockaddr *)&c->src, addr, sizeof addr);   /* v6 in brackets */
	int n = snprintf(out, size, "sip:%s%s", addr, tp);
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return -ENOSPC;
	}
	return n;
}
