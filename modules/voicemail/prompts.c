/* mod_voicemail — the prompt set (made by tools/make-prompts) and numbers
 * said in English from its digits/ words. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "voicemail.h"

/* <sounds>/<name>.wav for each enum vm_prompt; tools/make-prompts makes
 * the same names. */
static const char *const prompt_names[VM_P__COUNT] = {
	[VM_P_BUSY] = "vm-busy",
	[VM_P_UNAVAIL] = "vm-unavail",
	[VM_P_LEAVE] = "vm-leave",
	[VM_P_BEEP] = "beep",
	[VM_P_FULL] = "vm-full",
	[VM_P_GOODBYE] = "vm-goodbye",
	[VM_P_ENTER_BOX] = "vm-enter-box",
	[VM_P_ENTER_PIN] = "vm-enter-pin",
	[VM_P_INCORRECT] = "vm-incorrect",
	[VM_P_YOU_HAVE] = "vm-you-have",
	[VM_P_NEW] = "vm-new",
	[VM_P_OLD] = "vm-old",
	[VM_P_AND] = "vm-and",
	[VM_P_NO] = "vm-no",
	[VM_P_MESSAGE] = "vm-message",
	[VM_P_MESSAGES] = "vm-messages",
	[VM_P_FIRST] = "vm-first",
	[VM_P_NEXT] = "vm-next",
	[VM_P_FROM] = "vm-from",
	[VM_P_MENU] = "vm-menu",
	[VM_P_DELETED] = "vm-deleted",
	[VM_P_SAVED] = "vm-saved",
	[VM_P_NO_MORE] = "vm-no-more",
	[VM_P_OPTIONS] = "vm-options",
	[VM_P_RECORD] = "vm-record",
	[VM_P_RECORDED] = "vm-recorded",
};

/* The number words: digits/0..20, then 30..90 by tens. */
#define NUM_SMALL 21
#define NUM_TENS  7

struct vm_prompts {
	const struct mod_rtprelay_api *rtp;
	struct rtpr_wav prompt[VM_P__COUNT];
	struct rtpr_wav small[NUM_SMALL];       /* zero .. twenty */
	struct rtpr_wav tens[NUM_TENS];         /* thirty .. ninety */
	struct rtpr_wav hundred, thousand;
};

static int load_one(const struct mod_rtprelay_api *rtp, const char *dir, const char *name,
                    struct rtpr_wav *w, char *err, size_t errlen)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s.wav", dir, name) >= sizeof path) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	int rc = rtp->wav_load(path, w);
	if (rc == 0 && w->nsamples > 0)
		return 0;
	if (rc == 0) {
		rtp->wav_free(w);
		rc = -EINVAL;
	}
	if (rc == -ENOENT)
		snprintf(err, errlen, "%s: missing (make the prompts with tools/make-prompts %s)", path,
		         dir);
	else if (rc == -ENOTSUP)
		snprintf(err, errlen, "%s: not 8 kHz 16-bit mono PCM WAV (remake it with "
		         "tools/make-prompts %s)", path, dir);
	else if (rc == -EINVAL)
		snprintf(err, errlen, "%s: not a WAV file with samples (remake it with "
		         "tools/make-prompts %s)", path, dir);
	else
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

int vm_prompts_load(const struct mod_rtprelay_api *rtp, const char *dir, struct vm_prompts **out,
                    char *err, size_t errlen)
{
	*out = NULL;
	struct vm_prompts *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->rtp = rtp;
	char name[32];
	int rc = 0;
	for (unsigned i = 0; i < VM_P__COUNT && rc == 0; i++)
		rc = load_one(rtp, dir, prompt_names[i], &p->prompt[i], err, errlen);
	for (unsigned i = 0; i < NUM_SMALL && rc == 0; i++) {
		snprintf(name, sizeof name, "digits/%u", i);
		rc = load_one(rtp, dir, name, &p->small[i], err, errlen);
	}
	for (unsigned i = 0; i < NUM_TENS && rc == 0; i++) {
		snprintf(name, sizeof name, "digits/%u", 30 + 10 * i);
		rc = load_one(rtp, dir, name, &p->tens[i], err, errlen);
	}
	if (rc == 0)
		rc = load_one(rtp, dir, "digits/hundred", &p->hundred, err, errlen);
	if (rc == 0)
		rc = load_one(rtp, dir, "digits/thousand", &p->thousand, err, errlen);
	if (rc < 0) {
		vm_prompts_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void vm_prompts_free(struct vm_prompts *p)
{
	if (!p)
		return;
	/* wav_free of a never loaded (zeroed) WAV frees NULL */
	for (unsigned i = 0; i < VM_P__COUNT; i++)
		p->rtp->wav_free(&p->prompt[i]);
	for (unsigned i = 0; i < NUM_SMALL; i++)
		p->rtp->wav_free(&p->small[i]);
	for (unsigned i = 0; i < NUM_TENS; i++)
		p->rtp->wav_free(&p->tens[i]);
	p->rtp->wav_free(&p->hundred);
	p->rtp->wav_free(&p->thousand);
	free(p);
}

const struct rtpr_wav *vm_prompt(const struct vm_prompts *p, enum vm_prompt which)
{
	return (unsigned)which < VM_P__COUNT ? &p->prompt[which] : NULL;
}

/* Words out, at most max of them. */
struct say {
	const struct rtpr_wav **out;
	size_t max, n;
};

static void say(struct say *s, const struct rtpr_wav *w)
{
	if (s->n < s->max)
		s->out[s->n++] = w;
}

/* 1..999 (0 says nothing: "one thousand", not "one thousand zero"). */
static void say_below_thousand(const struct vm_prompts *p, unsigned n, struct say *s)
{
	if (n >= 100) {
		say(s, &p->small[n / 100]);
		say(s, &p->hundred);
		n %= 100;
	}
	if (n > 20) {
		say(s, n >= 30 ? &p->tens[n / 10 - 3] : &p->small[20]);
		n %= 10;
	}
	if (n > 0)
		say(s, &p->small[n]);
}

/* American usage, no "and": 1234 is "one thousand two hundred thirty
 * four". Up to 999999 in words; beyond that, digit by digit. */
size_t vm_say_number(const struct vm_prompts *p, unsigned n, const struct rtpr_wav **out,
                     size_t max)
{
	if (n >= 1000000) {
		char buf[16];
		snprintf(buf, sizeof buf, "%u", n);
		return vm_say_digits(p, buf, out, max);
	}
	struct say s = { out, max, 0 };
	if (n == 0) {
		say(&s, &p->small[0]);
		return s.n;
	}
	if (n >= 1000) {
		say_below_thousand(p, n / 1000, &s);
		say(&s, &p->thousand);
	}
	say_below_thousand(p, n % 1000, &s);
	return s.n;
}

size_t vm_say_digits(const struct vm_prompts *p, const char *str, const struct rtpr_wav **out,
                     size_t max)
{
	struct say s = { out, max, 0 };
	for (; str && *str; str++)
		if (*str >= '0' && *str <= '9')
			say(&s, &p->small[*str - '0']);
	return s.n;
}
