/* Unit tests: mod_voicemail's prompt set, made by tools/make-prompts
 * (espeak-ng + sox) into a temporary directory, loaded with mod_rtprelay's
 * WAV reader, and numbers said from its words. */
#include "config.h"

#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../modules/rtprelay/wav.h"
#include "../../modules/voicemail/voicemail.h"

static const struct mod_rtprelay_api rtp = {
	.wav_load = rtpr_wav_load,
	.wav_free = rtpr_wav_free,
};

static char tmp[] = "/tmp/tandem-vm-prompts-XXXXXX";
static char sounds[sizeof tmp + 16];
static struct vm_prompts *prompts;

/* Run tools/make-prompts DIR; its first output line into out. */
static int make_prompts(const char *dir, char *out, size_t n)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s/tools/make-prompts' '%s'", TOP_SRCDIR, dir);
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	if (out && n) {
		out[0] = '\0';
		if (!fgets(out, (int)n, f))
			out[0] = '\0';
	}
	char junk[256];
	while (fgets(junk, sizeof junk, f))
		;
	return pclose(f);
}

static int suite_init(void)
{
	if (!mkdtemp(tmp))
		return -1;
	snprintf(sounds, sizeof sounds, "%s/sounds", tmp);
	/* espeak-ng and sox are tools/deps': without them this fails, saying
	 * so on stderr */
	if (make_prompts(sounds, NULL, 0) != 0) {
		fprintf(stderr, "test_vm_prompts: tools/make-prompts %s failed\n", sounds);
		return -1;
	}
	return 0;
}

static int suite_clean(void)
{
	vm_prompts_free(prompts);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static bool usable(const struct rtpr_wav *w)
{
	return w && w->rate == 8000 && w->nsamples > 0 && w->samples;
}

static void test_load(void)
{
	char err[512] = "";
	int rc = vm_prompts_load(&rtp, sounds, &prompts, err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "vm_prompts_load: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	int bad = 0;
	for (int i = 0; i < VM_P__COUNT; i++)
		if (!usable(vm_prompt(prompts, (enum vm_prompt)i)))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_PTR_NULL(vm_prompt(prompts, VM_P__COUNT));
	/* every number word: 0..20, 30..90, hundred, thousand */
	const struct rtpr_wav *w[8];
	for (unsigned n = 0; n <= 90; n++) {
		if (n > 20 && n % 10)
			continue;
		CU_ASSERT_EQUAL(vm_say_number(prompts, n, w, 8), 1);
		if (!usable(w[0]))
			bad++;
	}
	CU_ASSERT_EQUAL(vm_say_number(prompts, 1000, w, 8), 2);
	CU_ASSERT(usable(w[0]) && usable(w[1]));
	CU_ASSERT_EQUAL(vm_say_number(prompts, 100, w, 8), 2);
	CU_ASSERT(usable(w[1]));
	CU_ASSERT_EQUAL(bad, 0);
	/* the tone: 0.5 s */
	CU_ASSERT_EQUAL(vm_prompt(prompts, VM_P_BEEP)->nsamples, 4000);
	/* the words differ: not one file copied around */
	CU_ASSERT(vm_prompt(prompts, VM_P_MENU)->nsamples > 4 * vm_prompt(prompts, VM_P_NEW)->nsamples);
}

/* The prompt that says the number word n (0..20, 30..90). */
static const struct rtpr_wav *word(unsigned n)
{
	const struct rtpr_wav *w;
	CU_ASSERT_EQUAL_FATAL(vm_say_number(prompts, n, &w, 1), 1);
	return w;
}

static void test_numbers(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(prompts);
	static const struct { unsigned n; size_t words; } counts[] = {
		{ 0, 1 }, { 7, 1 }, { 15, 1 }, { 20, 1 }, { 21, 2 }, { 100, 2 }, { 110, 3 },
		{ 999, 4 }, { 1000, 2 }, { 1234, 6 }, { 9999, 6 }, { 2005, 3 }, { 30, 1 },
	};
	const struct rtpr_wav *w[16];
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		size_t got = vm_say_number(prompts, counts[i].n, w, 16);
		if (got != counts[i].words)
			fprintf(stderr, "%u: %zu words, want %zu\n", counts[i].n, got, counts[i].words);
		CU_ASSERT_EQUAL(got, counts[i].words);
	}
	const struct rtpr_wav *hundred, *thousand, *pair[2];
	vm_say_number(prompts, 100, pair, 2);
	hundred = pair[1];
	vm_say_number(prompts, 1000, pair, 2);
	thousand = pair[1];
	CU_ASSERT(hundred != thousand && hundred != word(1));
	/* "one thousand two hundred thirty four" */
	CU_ASSERT_EQUAL_FATAL(vm_say_number(prompts, 1234, w, 16), 6);
	CU_ASSERT_PTR_EQUAL(w[0], word(1));
	CU_ASSERT_PTR_EQUAL(w[1], thousand);
	CU_ASSERT_PTR_EQUAL(w[2], word(2));
	CU_ASSERT_PTR_EQUAL(w[3], hundred);
	CU_ASSERT_PTR_EQUAL(w[4], word(30));
	CU_ASSERT_PTR_EQUAL(w[5], word(4));
	/* "one hundred ten", "twenty one", "nine thousand nine hundred ninety nine" */
	CU_ASSERT_EQUAL_FATAL(vm_say_number(prompts, 110, w, 16), 3);
	CU_ASSERT_PTR_EQUAL(w[2], word(10));
	CU_ASSERT_EQUAL_FATAL(vm_say_number(prompts, 21, w, 16), 2);
	CU_ASSERT_PTR_EQUAL(w[0], word(20));
	CU_ASSERT_PTR_EQUAL(w[1], word(1));
	CU_ASSERT_EQUAL_FATAL(vm_say_number(prompts, 9999, w, 16), 6);
	CU_ASSERT_PTR_EQUAL(w[0], word(9));
	CU_ASSERT_PTR_EQUAL(w[4], word(90));
	CU_ASSERT_PTR_EQUAL(w[5], word(9));
	/* "two thousand five": no zero words */
	CU_ASSERT_EQUAL_FATAL(vm_say_number(prompts, 2005, w, 16), 3);
	CU_ASSERT_PTR_EQUAL(w[2], word(5));
	/* out of room: what fits */
	CU_ASSERT_EQUAL(vm_say_number(prompts, 1234, w, 3), 3);
	CU_ASSERT_EQUAL(vm_say_number(prompts, 1234, w, 0), 0);
	/* past the words: digit by digit */
	CU_ASSERT_EQUAL(vm_say_number(prompts, 1000000, w, 16), 7);
	CU_ASSERT_EQUAL(vm_say_number(prompts, 123456, w, 16), 9);
}

static void test_digits(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(prompts);
	const struct rtpr_wav *w[16];
	CU_ASSERT_EQUAL_FATAL(vm_say_digits(prompts, "+1 (555) 0102", w, 16), 8);
	CU_ASSERT_PTR_EQUAL(w[0], word(1));
	CU_ASSERT_PTR_EQUAL(w[1], word(5));
	CU_ASSERT_PTR_EQUAL(w[4], word(0));
	CU_ASSERT_PTR_EQUAL(w[7], word(2));
	CU_ASSERT_EQUAL(vm_say_digits(prompts, "anonymous", w, 16), 0);
	CU_ASSERT_EQUAL(vm_say_digits(prompts, "", w, 16), 0);
	CU_ASSERT_EQUAL(vm_say_digits(prompts, NULL, w, 16), 0);
	CU_ASSERT_EQUAL(vm_say_digits(prompts, "123456789", w, 4), 4);
}

/* A file gone or broken: the error names it and the way to make it. */
static void test_errors(void)
{
	char err[512], path[256], moved[300];
	struct vm_prompts *p = (void *)1;
	CU_ASSERT_EQUAL(vm_prompts_load(&rtp, "/nonexistent", &p, err, sizeof err), -ENOENT);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/vm-busy.wav"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "tools/make-prompts"));

	snprintf(path, sizeof path, "%s/digits/thousand.wav", sounds);
	snprintf(moved, sizeof moved, "%s.away", path);
	CU_ASSERT_EQUAL_FATAL(rename(path, moved), 0);
	CU_ASSERT_EQUAL(vm_prompts_load(&rtp, sounds, &p, err, sizeof err), -ENOENT);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "digits/thousand.wav: missing"));
	/* not a WAV */
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("not a wav", f);
	fclose(f);
	CU_ASSERT_EQUAL(vm_prompts_load(&rtp, sounds, &p, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "digits/thousand.wav: not a WAV"));
	CU_ASSERT_EQUAL_FATAL(rename(moved, path), 0);
	struct vm_prompts *again;
	CU_ASSERT_EQUAL(vm_prompts_load(&rtp, sounds, &again, err, sizeof err), 0);
	vm_prompts_free(again);
}

/* A second run with the set whole speaks nothing; a lost file comes back
 * alone; no DIR.tmp is left. */
static void test_make_prompts_again(void)
{
	char out[256], path[256];
	CU_ASSERT_EQUAL(make_prompts(sounds, out, sizeof out), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	snprintf(path, sizeof path, "%s/digits/7.wav", sounds);
	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	CU_ASSERT_EQUAL(make_prompts(sounds, out, sizeof out), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " 1 prompts spoken"));
	CU_ASSERT_EQUAL(access(path, R_OK), 0);
	snprintf(path, sizeof path, "%s.tmp", sounds);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	struct rtpr_wav w;
	snprintf(path, sizeof path, "%s/digits/7.wav", sounds);
	CU_ASSERT_EQUAL_FATAL(rtpr_wav_load(path, &w), 0);
	CU_ASSERT_EQUAL(w.nsamples, word(7)->nsamples);   /* the same words as before */
	rtpr_wav_free(&w);
}

static CU_TestInfo prompt_tests[] = {
	{ "every prompt loads, 8 kHz, not empty", test_load },
	{ "numbers in words", test_numbers },
	{ "digit by digit", test_digits },
	{ "missing and broken files named", test_errors },
	{ "make-prompts again: up to date, one file remade", test_make_prompts_again },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "prompts", .pInitFunc = suite_init, .pCleanupFunc = suite_clean,
	  .pTests = prompt_tests },
	CU_SUITE_INFO_NULL,
};
