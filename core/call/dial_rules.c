/* tandem — the pure rules of the dial engine (dial_rules.h): the outcome
 * classification of include/tandem/call.h, the "most telling failure" and
 * target schemes. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dial_rules.h"

const char *tandem_dial_outcome_name(enum tandem_dial_outcome o)
{
	switch (o) {
	case TANDEM_DIAL_ANSWERED: return "answered";
	case TANDEM_DIAL_BUSY: return "busy";
	case TANDEM_DIAL_NOANSWER: return "noanswer";
	case TANDEM_DIAL_UNAVAILABLE: return "unavailable";
	case TANDEM_DIAL_FAILED: return "fail";
	case TANDEM_DIAL_CANCELLED: return "cancelled";
	}
	return "?";
}

enum tandem_dial_outcome tandem_dial_outcome_of(int status)
{
	if (status >= 200 && status < 300)
		return TANDEM_DIAL_ANSWERED;
	switch (status) {
	case 486:   /* Busy Here (RFC 3261 §21.4.24) */
	case 600:   /* Busy Everywhere (§21.6.1) */
		return TANDEM_DIAL_BUSY;
	case 408:
		/* §8.1.3.1: our own Timer B, the callee never answered at all */
		return TANDEM_DIAL_NOANSWER;
	case 404:   /* no such user (and our "no registrar" answer) */
	case 410:   /* Gone */
	case 480:   /* §21.4.18: reached but unavailable; also "not registered" */
	case 503:   /* no route: no trunk, no resolver, the gateway refuses */
	case 604:   /* Does Not Exist Anywhere */
		return TANDEM_DIAL_UNAVAILABLE;
	default:
		return TANDEM_DIAL_FAILED;
	}
}

bool dial_provider_final(int status)
{
	if (status >= 600 && status <= 699)
		return true;
	return status >= 400 && status <= 499 && status != 401 && status != 407 && status != 408;
}

bool dial_failure_better(int kept, int status)
{
	if (kept >= 600)
		return false;
	if (status >= 600)
		return true;
	return kept == 0 || kept == 408 || kept >= 500;
}

void dial_failure_note(struct dial_failure *f, int status, const char *reason, size_t reason_len)
{
	if (!dial_failure_better(f->status, status))
		return;
	f->status = status;
	if (reason_len >= sizeof f->reason)
		reason_len = sizeof f->reason - 1;
	if (reason)
		memcpy(f->reason, reason, reason_len);
	f->reason[reason ? reason_len : 0] = '\0';
}

int dial_target_scheme(const char *target, char *out, size_t n)
{
	size_t i = 0;
	if (isalpha((unsigned char)target[0]))
		while (isalnum((unsigned char)target[i]) || target[i] == '+' || target[i] == '-' ||
		       target[i] == '.')
			i++;
	if (i == 0 || target[i] != ':') {
		snprintf(out, n, "user");
		return n > 4 ? 0 : -1;
	}
	if (i >= n)
		return -1;
	for (size_t k = 0; k < i; k++)
		out[k] = (char)tolower((unsigned char)target[k]);
	out[i] = '\0';
	return (int)i + 1;
}

bool dial_scheme_is_uri(const char *scheme)
{
	return strcmp(scheme, "sip") == 0 || strcmp(scheme, "sips") == 0;
}
