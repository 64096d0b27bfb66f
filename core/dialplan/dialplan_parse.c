/* tandem — dialplan syntax: action strings, match patterns, source CIDRs. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan_internal.h"

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

void dp_parsed_action_clear(struct dp_parsed_action *p)
{
	free(p->name);
	for (int i = 0; i < p->argc; i++)
		free(p->argv[i]);
	memset(p, 0, sizeof(*p));
}

/* One argument between b and e (exclusive): trimmed, and unquoted when a
 * pair of double quotes encloses all of it. A quote anywhere else is an
 * error rather than a guess at what was meant. */
static int take_arg(const char *b, const char *e, char **out, char *err, size_t errlen)
{
	char *d;
	size_t n;

	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (b < e && *b == '"') {
		const char *p = b + 1;
		char *w;

		d = malloc((size_t)(e - b) + 1);
		if (!d)
			return -ENOMEM;
		w = d;
		while (p < e && *p != '"') {
			if (*p == '\\' && p + 1 < e)
				p++;
			*w++ = *p++;
		}
		*w = '\0';
		if (p + 1 != e) {
			free(d);
			snprintf(err, errlen, "text after a quoted argument");
			return -EINVAL;
		}
		*out = d;
		return 0;
	}
	if (memchr(b, '"', (size_t)(e - b))) {
		snprintf(err, errlen, "a quote must enclose the whole argument");
		return -EINVAL;
	}
	n = (size_t)(e - b);
	d = malloc(n + 1);
	if (!d)
		return -ENOMEM;
	memcpy(d, b, n);
	d[n] = '\0';
	*out = d;
	return 0;
}

/* The argument list after '(' up to its matching ')': split on commas
 * outside nested parentheses and quotes. *end is set past the ')'. */
static int parse_args(const char *s, struct dp_parsed_action *p, const char **end,
                      char *err, size_t errlen)
{
	const char *b = s, *q = s;
	int depth = 0;
	bool quoted = false;

	for (;; q++) {
		char c = *q;

		if (c == '\0') {
			snprintf(err, errlen, quoted ? "unterminated quote" : "missing ')'");
			return -EINVAL;
		}
		if (quoted) {
			if (c == '\\' && q[1])
				q++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && depth > 0) {
			depth--;
		} else if (depth == 0 && (c == ',' || c == ')')) {
			int rc;

			/* "name()" and "name( )" have no arguments */
			if (c == ')' && p->argc == 0 && *skip_ws(b) == ')')
				break;
			if (p->argc == DP_MAX_ARGS) {
				snprintf(err, errlen, "more than %d arguments", DP_MAX_ARGS);
				return -EINVAL;
			}
			rc = take_arg(b, q, &p->argv[p->argc], err, errlen);
			if (rc)
				return rc;
			p->argc++;
			b = q + 1;
			if (c == ')')
				break;
		}
	}
	*end = q + 1;
	return 0;
}

static int parse_on(const char *s, unsigned *mask, const char **rest, char *err, size_t errlen)
{
	static const struct { const char *name; unsigned bit; } outcomes[] = {
		{ "busy", DP_ON_BUSY }, { "noanswer", DP_ON_NOANSWER },
		{ "unavailable", DP_ON_UNAVAILABLE }, { "fail", DP_ON_FAIL },
		{ "timeout", DP_ON_TIMEOUT }, { "full", DP_ON_FULL }, { "empty", DP_ON_EMPTY },
		{ "closed", DP_ON_CLOSED },
	};
	const char *close = strchr(s, ')');
	const char *p = s;

	if (!close) {
		snprintf(err, errlen, "on(...): missing ')'");
		return -EINVAL;
	}
	*mask = 0;
	while (p <= close) {
		const char *b = skip_ws(p), *e = b;
		size_t i, n;

		while (e < close && *e != '|')
			e++;
		p = e + 1;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		n = (size_t)(e - b);
		for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
			if (strlen(outcomes[i].name) == n && !strncmp(outcomes[i].name, b, n))
				break;
		if (i == sizeof(outcomes) / sizeof(outcomes[0])) {
			snprintf(err, errlen, "on(...): unknown outcome '%.*s' (busy, noanswer, unavailable, fail, timeout, full, empty, closed)",
			         (int)n, b);
			return -EINVAL;
		}
		*mask |= outcomes[i].bit;
	}
	p = skip_ws(close + 1);
	if (*p != ':') {
		snprintf(err, errlen, "on(...) must be followed by ': action'");
		return -EINVAL;
	}
	*rest = skip_ws(p + 1);
	return 0;
}

int dp_parse_action(const char *s, struct dp_parsed_action *p, char *err, size_t errlen)
{
	const char *b, *e;
	int rc;

	memset(p, 0, sizeof(*p));
	s = skip_ws(s);
	/* the continuation prefix: on(busy|noanswer): action */
	if (!strncmp(s, "on", 2) && *skip_ws(s + 2) == '(') {
		rc = parse_on(skip_ws(s + 2) + 1, &p->on_mask, &s, err, errlen);
		if (rc)
			return rc;
		if (*s == '\0') {
			snprintf(err, errlen, "on(...): no action after ':'");
			return -EINVAL;
		}
		if (!strncmp(s, "on", 2) && *skip_ws(s + 2) == '(') {
			snprintf(err, errlen, "on(...) cannot be nested");
			return -EINVAL;
		}
	}
	b = s;
	if (!name_start(*b)) {
		snprintf(err, errlen, "expected an action name, got '%s'", b);
		return -EINVAL;
	}
	for (e = b; name_char(*e); e++)
		;
	p->name = strndup(b, (size_t)(e - b));
	if (!p->name)
		return -ENOMEM;
	e = skip_ws(e);
	if (*e == '(') {
		rc = parse_args(e + 1, p, &e, err, errlen);
		if (rc)
			return rc;
		e = skip_ws(e);
	}
	if (*e != '\0') {
		snprintf(err, errlen, "unexpected text '%s' after %s", e, p->name);
		return -EINVAL;
	}
	return 0;
}

/* ---- patterns ---- */

/* Asterisk extension pattern (after the '_') to an anchored ERE:
 * X [0-9], Z [1-9], N [2-9], [..] a set, '.' one or more and '!' zero or
 * more of anything (each a capture group, so "_9." gives ${1}), '-' ignored
 * (readability: _1-800-NXX-XXXX); anything else literal. */
static int asterisk_to_ere(const char *pat, char **out, char *err, size_t errlen)
{
	size_t n = strlen(pat);
	char *re = malloc(6 * n + 3), *w = re;
	const char *p;

	if (!re)
		return -ENOMEM;
	if (n == 0) {
		snprintf(err, errlen, "empty '_' pattern");
		free(re);
		return -EINVAL;
	}
	*w++ = '^';
	for (p = pat; *p; p++) {
		switch (*p) {
		case 'X': case 'x': w = stpcpy(w, "[0-9]"); break;
		case 'Z': case 'z': w = stpcpy(w, "[1-9]"); break;
		case 'N': case 'n': w = stpcpy(w, "[2-9]"); break;
		case '.': w = stpcpy(w, "(.+)"); break;
		case '!': w = stpcpy(w, "(.*)"); break;
		case '-': break;
		case '[': {
			const char *q = p + 1;

			while (*q && *q != ']' && (isalnum((unsigned char)*q) ||
			       *q == '-' || *q == '*' || *q == '#' || *q == '+'))
				q++;
			if (*q != ']' || q == p + 1) {
				snprintf(err, errlen, "bad set in pattern '_%s'", pat);
				free(re);
				return -EINVAL;
			}
			memcpy(w, p, (size_t)(q - p) + 1);
			w += q - p + 1;
			p = q;
			break;
		}
		default:
			if (strchr(".[]()*+?{}|^$\\", *p))
				*w++ = '\\';
			*w++ = *p;
		}
	}
	*w++ = '$';
	*w = '\0';
	*out = re;
	return 0;
}

int dp_compile_pattern(const char *pat, regex_t *re, char *err, size_t errlen)
{
	char *ere = NULL;
	int rc;

	if (pat[0] == '_') {
		rc = asterisk_to_ere(pat + 1, &ere, err, errlen);
		if (rc)
			return rc;
	}
	rc = regcomp(re, ere ? ere : pat, REG_EXTENDED);
	free(ere);
	if (rc) {
		char msg[128];

		regerror(rc, re, msg, sizeof(msg));
		snprintf(err, errlen, "bad pattern '%s': %s", pat, msg);
		return rc == REG_ESPACE ? -ENOMEM : -EINVAL;
	}
	return 0;
}
