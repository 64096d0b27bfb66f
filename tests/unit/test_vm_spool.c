/* mod_voicemail — the spool (modules/voicemail/spool.c) on real files in a
 * temporary directory: recording and commit (the WAV header, the samples,
 * the metadata), numbering, save and delete, crash leftovers, greetings,
 * and the metadata text against garbage. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "../../modules/voicemail/voicemail.h"

static char tmpdir[64];
static char spool[128];
static unsigned spool_seq;

/* A fresh spool for each test: <tmpdir>/spoolN. */
static void new_spool(void)
{
	snprintf(spool, sizeof spool, "%s/spool%u", tmpdir, spool_seq++);
}

static void pathf(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", spool, rel);
}

static bool exists(const char *rel)
{
	char p[512];
	pathf(p, sizeof p, rel);
	return access(p, F_OK) == 0;
}

static void touch(const char *rel, const char *text)
{
	char p[512];
	pathf(p, sizeof p, rel);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* Read a whole file (at most size bytes); its length or -1. */
static long slurp(const char *rel, uint8_t *buf, size_t size)
{
	char p[512];
	pathf(p, sizeof p, rel);
	FILE *f = fopen(p, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, size, f);
	fclose(f);
	return (long)n;
}

/* Entries of a directory other than . and .., or -1. */
static int count_entries(const char *rel)
{
	char p[512];
	pathf(p, sizeof p, rel);
	DIR *d = opendir(p);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The canonical header of an 8 kHz mono 16-bit file of nsamples. */
static void check_header(const uint8_t *h, size_t nsamples)
{
	CU_ASSERT(memcmp(h, "RIFF", 4) == 0);
	CU_ASSERT_EQUAL(le32(h + 4), 36 + 2 * nsamples);
	CU_ASSERT(memcmp(h + 8, "WAVE", 4) == 0);
	CU_ASSERT(memcmp(h + 12, "fmt ", 4) == 0);
	CU_ASSERT_EQUAL(le32(h + 16), 16);
	CU_ASSERT_EQUAL(le16(h + 20), 1);
	CU_ASSERT_EQUAL(le16(h + 22), 1);
	CU_ASSERT_EQUAL(le32(h + 24), 8000);
	CU_ASSERT_EQUAL(le32(h + 28), 16000);
	CU_ASSERT_EQUAL(le16(h + 32), 2);
	CU_ASSERT_EQUAL(le16(h + 34), 16);
	CU_ASSERT(memcmp(h + 36, "data", 4) == 0);
	CU_ASSERT_EQUAL(le32(h + 40), 2 * nsamples);
}

static int16_t sample(size_t i) { return (int16_t)((int)(i * 37 % 65536) - 32768); }

static void fill(int16_t *pcm, size_t n, size_t from)
{
	for (size_t i = 0; i < n; i++)
		pcm[i] = sample(from + i);
}

static struct vm_meta meta_of(const char *caller)
{
	struct vm_meta m = { .time = 1700000000, .reason = VM_REASON_BUSY };
	snprintf(m.caller_id, sizeof m.caller_id, "%s", caller);
	snprintf(m.caller_name, sizeof m.caller_name, "Caller %s", caller);
	snprintf(m.call_id, sizeof m.call_id, "cid-%s@example.com", caller);
	snprintf(m.box, sizeof m.box, "ignored");
	return m;
}

/* Record n samples and commit them to box's INBOX; the number, or -errno. */
static int deposit(const char *box, size_t n, const char *caller)
{
	struct vm_recording *r;
	int16_t pcm[1000];
	unsigned num = 12345;
	int rc = vm_rec_start(spool, box, &r);
	if (rc < 0)
		return rc;
	for (size_t done = 0; done < n;) {
		size_t k = n - done < 1000 ? n - done : 1000;
		fill(pcm, k, done);
		if ((rc = vm_rec_write(r, pcm, k)) < 0) {
			vm_rec_abort(r);
			return rc;
		}
		done += k;
	}
	struct vm_meta m = meta_of(caller);
	rc = vm_rec_commit(r, &m, &num);
	return rc < 0 ? rc : (int)num;
}

static void test_record_commit(void)
{
	static uint8_t buf[44 + 2 * 4000 + 16];
	unsigned nnew = 99, nold = 99;

	new_spool();
	CU_ASSERT_EQUAL_FATAL(vm_spool_prepare(spool, "1001", &nnew, &nold), 0);
	CU_ASSERT_EQUAL(nnew, 0);
	CU_ASSERT_EQUAL(nold, 0);
	CU_ASSERT(exists("1001/INBOX") && exists("1001/Old") && exists("1001/tmp"));
	char p[512];
	struct stat st;
	pathf(p, sizeof p, "1001/INBOX");
	CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0750);

	/* written in several calls, one of them empty */
	struct vm_recording *r;
	int16_t pcm[1000];
	CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "1001", &r), 0);
	CU_ASSERT_EQUAL(count_entries("1001/tmp"), 1);
	fill(pcm, 1000, 0);
	CU_ASSERT_EQUAL(vm_rec_write(r, pcm, 1000), 0);
	CU_ASSERT_EQUAL(vm_rec_write(r, NULL, 0), 0);
	for (size_t at = 1000; at < 4000; at += 1000) {
		fill(pcm, 1000, at);
		CU_ASSERT_EQUAL(vm_rec_write(r, pcm, 1000), 0);
	}
	CU_ASSERT_EQUAL(vm_rec_samples(r), 4000);
	struct vm_meta m = meta_of("2001");
	unsigned num = 99;
	CU_ASSERT_EQUAL(vm_rec_commit(r, &m, &num), 0);
	CU_ASSERT_EQUAL(num, 0);

	CU_ASSERT_EQUAL(count_entries("1001/tmp"), 0);
	CU_ASSERT_EQUAL_FATAL(slurp("1001/INBOX/msg0000.wav", buf, sizeof buf), 44 + 8000);
	check_header(buf, 4000);
	bool same = true;
	for (size_t i = 0; i < 4000; i++)
		same &= (int16_t)le16(buf + 44 + 2 * i) == sample(i);
	CU_ASSERT(same);

	/* the metadata beside it: the box and duration are the recording's */
	char text[1024];
	long len = slurp("1001/INBOX/msg0000.txt", (uint8_t *)text, sizeof text);
	CU_ASSERT_FATAL(len > 0);
	struct vm_meta got;
	CU_ASSERT_EQUAL(vm_meta_parse(text, (size_t)len, &got), 0);
	CU_ASSERT_STRING_EQUAL(got.caller_id, "2001");
	CU_ASSERT_STRING_EQUAL(got.caller_name, "Caller 2001");
	CU_ASSERT_STRING_EQUAL(got.box, "1001");
	CU_ASSERT_STRING_EQUAL(got.call_id, "cid-2001@example.com");
	CU_ASSERT_EQUAL(got.time, 1700000000);
	CU_ASSERT_EQUAL(got.duration_ms, 500);
	CU_ASSERT_EQUAL(got.reason, VM_REASON_BUSY);

	CU_ASSERT_EQUAL(vm_spool_msg_path(spool, "1001", VM_INBOX, 0, p, sizeof p), 0);
	char want[512];
	pathf(want, sizeof want, "1001/INBOX/msg0000.wav");
	CU_ASSERT_STRING_EQUAL(p, want);

	CU_ASSERT_EQUAL(vm_spool_prepare(spool, "1001", &nnew, &nold), 0);
	CU_ASSERT_EQUAL(nnew, 1);
	CU_ASSERT_EQUAL(nold, 0);

	/* an empty recording is a valid (empty) WAV */
	CU_ASSERT_EQUAL(deposit("1001", 0, "2002"), 1);
	CU_ASSERT_EQUAL(slurp("1001/INBOX/msg0001.wav", buf, sizeof buf), 44);
	check_header(buf, 0);

	/* abort leaves nothing */
	CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "1001", &r), 0);
	CU_ASSERT_EQUAL(vm_rec_write(r, pcm, 100), 0);
	vm_rec_abort(r);
	vm_rec_abort(NULL);
	CU_ASSERT_EQUAL(count_entries("1001/tmp"), 0);
	CU_ASSERT_EQUAL(count_entries("1001/INBOX"), 4);

	/* a box that was never prepared has no tmp/ */
	r = (struct vm_recording *)&r;
	CU_ASSERT_EQUAL(vm_rec_start(spool, "nobox", &r), -ENOENT);
	CU_ASSERT_PTR_NULL(r);
}

static void test_numbering_list(void)
{
	new_spool();
	CU_ASSERT_EQUAL_FATAL(vm_spool_prepare(spool, "b", NULL, NULL), 0);
	CU_ASSERT_EQUAL(deposit("b", 80, "a"), 0);
	CU_ASSERT_EQUAL(deposit("b", 160, "b"), 1);
	CU_ASSERT_EQUAL(deposit("b", 240, "c"), 2);
	CU_ASSERT_EQUAL(vm_spool_delete(spool, "b", VM_INBOX, 1), 0);
	/* next is one past the highest, not the gap */
	CU_ASSERT_EQUAL(deposit("b", 8, "d"), 3);
	CU_ASSERT_EQUAL(vm_spool_delete(spool, "b", VM_INBOX, 3), 0);
	CU_ASSERT_EQUAL(vm_spool_delete(spool, "b", VM_INBOX, 2), 0);
	CU_ASSERT_EQUAL(deposit("b", 8, "e"), 1);

	/* a stray .txt with a higher number is not overwritten */
	touch("b/INBOX/msg0007.txt", "callerid=stray\n");
	CU_ASSERT_EQUAL(deposit("b", 8, "f"), 8);
	/* numbers above 9999 do not exist: a folder ending at 9999 is full */
	touch("b/INBOX/msg9999.wav", "");
	CU_ASSERT_EQUAL(deposit("b", 8, "g"), -ENOSPC);
	CU_ASSERT_EQUAL(count_entries("b/tmp"), 0);

	/* names that are not msgNNNN are not messages */
	touch("b/INBOX/msg12.wav", "");
	touch("b/INBOX/msg00001.wav", "");
	touch("b/INBOX/msg0002.wav~", "");
	touch("b/INBOX/Msg0003.wav", "");
	touch("b/INBOX/msg00x3.wav", "");

	struct vm_msg *v = NULL;
	int n = vm_spool_list(spool, "b", VM_INBOX, &v);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(v[0].num, 0);
	CU_ASSERT_EQUAL(v[1].num, 1);
	CU_ASSERT_EQUAL(v[2].num, 8);
	CU_ASSERT_EQUAL(v[3].num, 9999);
	CU_ASSERT_STRING_EQUAL(v[0].meta.caller_id, "a");
	CU_ASSERT_EQUAL(v[0].meta.duration_ms, 10);
	CU_ASSERT_STRING_EQUAL(v[1].meta.caller_id, "e");
	CU_ASSERT_EQUAL(v[1].meta.duration_ms, 1);
	CU_ASSERT_STRING_EQUAL(v[2].meta.caller_id, "f");
	CU_ASSERT_EQUAL(v[0].folder, VM_INBOX);
	/* no .txt: listed, with empty metadata */
	CU_ASSERT_STRING_EQUAL(v[3].meta.caller_id, "");
	CU_ASSERT_STRING_EQUAL(v[3].meta.box, "");
	CU_ASSERT_EQUAL(v[3].meta.duration_ms, 0);
	free(v);

	v = (struct vm_msg *)&v;
	CU_ASSERT_EQUAL(vm_spool_list(spool, "b", VM_OLD, &v), 0);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_EQUAL(vm_spool_list(spool, "b", VM_FOLDER__COUNT, &v), -EINVAL);
	CU_ASSERT_EQUAL(vm_spool_list(spool, "none", VM_INBOX, &v), -ENOENT);

	/* many messages: the list grows past its first allocation */
	new_spool();
	CU_ASSERT_EQUAL_FATAL(vm_spool_prepare(spool, "many", NULL, NULL), 0);
	for (int i = 0; i < 40; i++)
		CU_ASSERT_EQUAL(deposit("many", 8, "x"), i);
	n = vm_spool_list(spool, "many", VM_INBOX, &v);
	CU_ASSERT_EQUAL_FATAL(n, 40);
	bool ordered = true;
	for (int i = 0; i < n; i++)
		ordered &= v[i].num == (unsigned)i;
	CU_ASSERT(ordered);
	free(v);
}

static void test_save_delete(void)
{
	unsigned nnew, nold, nn = 99;

	new_spool();
	CU_ASSERT_EQUAL_FATAL(vm_spool_prepare(spool, "s", NULL, NULL), 0);
	CU_ASSERT_EQUAL(deposit("s", 800, "a"), 0);
	CU_ASSERT_EQUAL(deposit("s", 800, "b"), 1);
	CU_ASSERT_EQUAL(deposit("s", 800, "c"), 2);

	CU_ASSERT_EQUAL(vm_spool_save(spool, "s", 1, &nn), 0);
	CU_ASSERT_EQUAL(nn, 0);
	CU_ASSERT(!exists("s/INBOX/msg0001.wav") && !exists("s/INBOX/msg0001.txt"));
	CU_ASSERT(exists("s/Old/msg0000.wav") && exists("s/Old/msg0000.txt"));
	CU_ASSERT_EQUAL(vm_spool_save(spool, "s", 0, NULL), 0);
	CU_ASSERT(exists("s/Old/msg0001.wav") && exists("s/Old/msg0001.txt"));
	CU_ASSERT_EQUAL(vm_spool_save(spool, "s", 0, &nn), -ENOENT);
	CU_ASSERT_EQUAL(vm_spool_save(spool, "s", 10000, &nn), -EINVAL);

	struct vm_msg *v;
	CU_ASSERT_EQUAL_FATAL(vm_spool_list(spool, "s", VM_OLD, &v), 2);
	CU_ASSERT_STRING_EQUAL(v[0].meta.caller_id, "b");
	CU_ASSERT_STRING_EQUAL(v[1].meta.caller_id, "a");
	CU_ASSERT_EQUAL(v[1].folder, VM_OLD);
	CU_ASSERT_EQUAL(v[1].meta.duration_ms, 100);
	free(v);

	CU_ASSERT_EQUAL(vm_spool_prepare(spool, "s", &nnew, &nold), 0);
	CU_ASSERT_EQUAL(nnew, 1);
	CU_ASSERT_EQUAL(nold, 2);

	/* a message without its .txt moves all the same */
	char p[512];
	pathf(p, sizeof p, "s/INBOX/msg0002.txt");
	CU_ASSERT_EQUAL(unlink(p), 0);
	CU_ASSERT_EQUAL(vm_spool_save(spool, "s", 2, &nn), 0);
	CU_ASSERT_EQUAL(nn, 2);
	CU_ASSERT(exists("s/Old/msg0002.wav") && !exists("s/Old/msg0002.txt"));

	CU_ASSERT_EQUAL(vm_spool_delete(spool, "s", VM_OLD, 0), 0);
	CU_ASSERT(!exists("s/Old/msg0000.wav") && !exists("s/Old/msg0000.txt"));
	CU_ASSERT_EQUAL(vm_spool_delete(spool, "s", VM_OLD, 0), -ENOENT);
	CU_ASSERT_EQUAL(vm_spool_delete(spool, "s", VM_OLD, 2), 0);
	CU_ASSERT_EQUAL(vm_spool_delete(spool, "s", VM_FOLDER__COUNT, 1), -EINVAL);
	CU_ASSERT_EQUAL(vm_spool_prepare(spool, "s", &nnew, &nold), 0);
	CU_ASSERT_EQUAL(nnew, 0);
	CU_ASSERT_EQUAL(nold, 1);
}

static void test_prepare_cleans(void)
{
	unsigned nnew = 99, nold = 99;

	/* mkdir -p: the spool's own parents too */
	new_spool();
	strcat(spool, "/deep/er");
	CU_ASSERT_EQUAL_FATAL(vm_spool_prepare(spool, "c", &nnew, &nold), 0);
	CU_ASSERT(exists("c/INBOX") && exists("c/Old") && exists("c/tmp"));

	CU_ASSERT_EQUAL(deposit("c", 8, "a"), 0);
	CU_ASSERT_EQUAL(deposit("c", 8, "b"), 1);
	CU_ASSERT_EQUAL(vm_spool_save(spool, "c", 1, NULL), 0);
	/* what a crash leaves */
	touch("c/tmp/rec-abcdef.wav", "RIFF");
	touch("c/tmp/rec-abcdef.txt", "callerid=x\n");
	char p[512];
	pathf(p, sizeof p, "c/tmp/emptydir");
	CU_ASSERT_EQUAL(mkdir(p, 0700), 0);
	touch("c/INBOX/msg0004.txt", "callerid=orphan\n");
	touch("c/Old/msg0009.txt", "callerid=orphan\n");
	touch("c/INBOX/notes", "not a message");
	struct vm_recording *r;
	CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "c", &r), 0);

	CU_ASSERT_EQUAL(vm_spool_prepare(spool, "c", &nnew, &nold), 0);
	CU_ASSERT_EQUAL(nnew, 1);
	CU_ASSERT_EQUAL(nold, 1);
	CU_ASSERT_EQUAL(count_entries("c/tmp"), 0);
	CU_ASSERT(!exists("c/INBOX/msg0004.txt"));
	CU_ASSERT(!exists("c/Old/msg0009.txt"));
	CU_ASSERT(exists("c/INBOX/msg0000.txt") && exists("c/Old/msg0000.txt"));
	CU_ASSERT(exists("c/INBOX/notes"));
	/* the orphans no longer count for numbering either */
	CU_ASSERT_EQUAL(deposit("c", 8, "c"), 1);
	/* the recording whose file went away cannot be committed */
	struct vm_meta m = meta_of("z");
	CU_ASSERT(vm_rec_commit(r, &m, NULL) < 0);
	CU_ASSERT_EQUAL(count_entries("c/INBOX"), 5);

	/* a file where a folder should be */
	touch("c2", "");
	CU_ASSERT_EQUAL(vm_spool_prepare(spool, "c2", NULL, NULL), -ENOTDIR);
}

static void test_truncate(void)
{
	static uint8_t buf[44 + 2 * 2000];
	struct vm_recording *r;
	int16_t pcm[1000];

	new_spool();
	CU_ASSERT_EQUAL_FATAL(vm_spool_prepare(spool, "t", NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "t", &r), 0);
	fill(pcm, 1000, 0);
	CU_ASSERT_EQUAL(vm_rec_write(r, pcm, 1000), 0);
	CU_ASSERT_EQUAL(vm_rec_truncate(r, 400), 0);
	CU_ASSERT_EQUAL(vm_rec_samples(r), 400);
	/* longer than what is there: nothing to cut */
	CU_ASSERT_EQUAL(vm_rec_truncate(r, 900), 0);
	CU_ASSERT_EQUAL(vm_rec_samples(r), 400);
	fill(pcm, 100, 5000);
	CU_ASSERT_EQUAL(vm_rec_write(r, pcm, 100), 0);
	CU_ASSERT_EQUAL(vm_rec_samples(r), 500);
	struct vm_meta m = meta_of("t");
	unsigned num;
	CU_ASSERT_EQUAL_FATAL(vm_rec_commit(r, &m, &num), 0);
	CU_ASSERT_EQUAL(num, 0);
	CU_ASSERT_EQUAL_FATAL(slurp("t/INBOX/msg0000.wav", buf, sizeof buf), 44 + 1000);
	check_header(buf, 500);
	bool same = true;
	for (size_t i = 0; i < 500; i++)
		same &= (int16_t)le16(buf + 44 + 2 * i) == sample(i < 400 ? i : 5000 + i - 400);
	CU_ASSERT(same);

	struct vm_msg *v;
	CU_ASSERT_EQUAL_FATAL(vm_spool_list(spool, "t", VM_INBOX, &v), 1);
	CU_ASSERT_EQUAL(v[0].meta.duration_ms, 62);   /* 500 / 8 */
	free(v);

	/* down to nothing */
	CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "t", &r), 0);
	CU_ASSERT_EQUAL(vm_rec_write(r, pcm, 100), 0);
	CU_ASSERT_EQUAL(vm_rec_truncate(r, 0), 0);
	CU_ASSERT_EQUAL(vm_rec_samples(r), 0);
	CU_ASSERT_EQUAL_FATAL(vm_rec_commit(r, &m, &num), 0);
	CU_ASSERT_EQUAL(slurp("t/INBOX/msg0001.wav", buf, sizeof buf), 44);
	check_header(buf, 0);

	CU_ASSERT_EQUAL(vm_rec_truncate(NULL, 0), -EINVAL);
	CU_ASSERT_EQUAL(vm_rec_write(NULL, pcm, 1), -EINVAL);
	CU_ASSERT_EQUAL(vm_rec_samples(NULL), 0);
}

static void test_greeting(void)
{
	static uint8_t buf[44 + 2 * 1000];
	struct vm_recording *r;
	int16_t pcm[1000];
	char p[512], want[512];

	new_spool();
	CU_ASSERT_EQUAL_FATAL(vm_spool_prepare(spool, "g", NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "g", &r), 0);
	fill(pcm, 1000, 0);
	CU_ASSERT_EQUAL(vm_rec_write(r, pcm, 1000), 0);
	CU_ASSERT_EQUAL(vm_rec_commit_greeting(r, "busy"), 0);
	CU_ASSERT_EQUAL_FATAL(slurp("g/busy.wav", buf, sizeof buf), 44 + 2000);
	check_header(buf, 1000);
	CU_ASSERT_EQUAL(le16(buf + 44 + 2 * 999), (uint16_t)sample(999));

	/* a new one replaces it */
	CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "g", &r), 0);
	CU_ASSERT_EQUAL(vm_rec_write(r, pcm, 10), 0);
	CU_ASSERT_EQUAL(vm_rec_commit_greeting(r, "busy"), 0);
	CU_ASSERT_EQUAL(slurp("g/busy.wav", buf, sizeof buf), 44 + 20);
	check_header(buf, 10);

	CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "g", &r), 0);
	CU_ASSERT_EQUAL(vm_rec_commit_greeting(r, "unavail"), 0);
	CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "g", &r), 0);
	CU_ASSERT_EQUAL(vm_rec_commit_greeting(r, "name"), 0);
	CU_ASSERT(exists("g/unavail.wav") && exists("g/name.wav"));

	/* anything else is refused, and the recording dropped */
	const char *bad[] = { "temp", "../busy", "", "busy.wav", NULL };
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL_FATAL(vm_rec_start(spool, "g", &r), 0);
		CU_ASSERT_EQUAL(vm_rec_commit_greeting(r, bad[i]), -EINVAL);
	}
	CU_ASSERT_EQUAL(count_entries("g/tmp"), 0);
	CU_ASSERT_EQUAL(count_entries("g"), 6);

	CU_ASSERT_EQUAL(vm_spool_greeting_path(spool, "g", "unavail", p, sizeof p), 0);
	pathf(want, sizeof want, "g/unavail.wav");
	CU_ASSERT_STRING_EQUAL(p, want);
	CU_ASSERT_EQUAL(vm_spool_greeting_path(spool, "g", "temp", p, sizeof p), -EINVAL);
	CU_ASSERT_EQUAL(vm_spool_greeting_path(spool, "g", NULL, p, sizeof p), -EINVAL);
	CU_ASSERT_EQUAL(vm_spool_greeting_path(spool, "../g", "busy", p, sizeof p), -EINVAL);
}

static void test_bad_names_long_paths(void)
{
	char p[512];
	unsigned a, b;
	struct vm_recording *r;

	new_spool();
	const char *bad[] = { "", ".", "..", ".hidden", "a/b", "../etc", "/abs", NULL };
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(vm_spool_prepare(spool, bad[i], &a, &b), -EINVAL);
		CU_ASSERT_EQUAL(vm_spool_msg_path(spool, bad[i], VM_INBOX, 0, p, sizeof p), -EINVAL);
		CU_ASSERT_EQUAL(vm_rec_start(spool, bad[i], &r), -EINVAL);
		CU_ASSERT_EQUAL(vm_spool_delete(spool, bad[i], VM_INBOX, 0), -EINVAL);
		CU_ASSERT_EQUAL(vm_spool_save(spool, bad[i], 0, NULL), -EINVAL);
	}
	char longbox[VM_NAME_MAX + 1];
	memset(longbox, 'x', VM_NAME_MAX);
	longbox[VM_NAME_MAX] = '\0';
	CU_ASSERT_EQUAL(vm_spool_prepare(spool, longbox, &a, &b), -EINVAL);
	CU_ASSERT_EQUAL(vm_spool_prepare(NULL, "x", &a, &b), -EINVAL);
	CU_ASSERT_EQUAL(vm_spool_prepare("", "x", &a, &b), -EINVAL);
	CU_ASSERT(!exists(""));   /* nothing made for a refused name */

	/* a spool path longer than PATH_MAX */
	size_t n = PATH_MAX + 10;
	char *huge = malloc(n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
	memset(huge, 'a', n);
	huge[0] = '/';
	huge[n] = '\0';
	CU_ASSERT_EQUAL(vm_spool_prepare(huge, "x", &a, &b), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(vm_spool_msg_path(huge, "x", VM_INBOX, 1, p, sizeof p), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(vm_rec_start(huge, "x", &r), -ENAMETOOLONG);
	struct vm_msg *v;
	CU_ASSERT_EQUAL(vm_spool_list(huge, "x", VM_OLD, &v), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(vm_spool_save(huge, "x", 1, NULL), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(vm_spool_delete(huge, "x", VM_OLD, 1), -ENAMETOOLONG);
	/* just short enough for <spool>/<box>, too long for what is under it */
	memset(huge, 'a', n);
	huge[0] = '/';
	huge[PATH_MAX - 8] = '\0';
	CU_ASSERT_EQUAL(vm_rec_start(huge, "x", &r), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(vm_spool_greeting_path(huge, "x", "busy", p, sizeof p), -ENAMETOOLONG);
	free(huge);

	/* the caller's buffer too small */
	CU_ASSERT_EQUAL(vm_spool_msg_path("/s", "box", VM_INBOX, 1, p, 10), -ENAMETOOLONG);
	CU_ASSERT_EQUAL(vm_spool_msg_path("/s", "box", VM_INBOX, 1, p, sizeof "/s/box/INBOX/msg0001.wav"), 0);
	CU_ASSERT_STRING_EQUAL(p, "/s/box/INBOX/msg0001.wav");
	CU_ASSERT_EQUAL(vm_spool_msg_path("/s", "box", VM_INBOX, 1, p, sizeof "/s/box/INBOX/msg0001.wav" - 1),
	                -ENAMETOOLONG);
	CU_ASSERT_EQUAL(vm_spool_msg_path("/s", "box", VM_OLD, 10000, p, sizeof p), -EINVAL);
	CU_ASSERT_EQUAL(vm_spool_greeting_path("/s", "box", "name", p, 8), -ENAMETOOLONG);
}

static void test_meta_round_trip(void)
{
	struct vm_meta m = { .time = 1712345678, .duration_ms = 12345, .reason = VM_REASON_UNAVAILABLE };
	strcpy(m.caller_id, "+15551234567");
	strcpy(m.caller_name, "Alice \"Al\" O'Hara = boss");
	strcpy(m.box, "sales");
	strcpy(m.call_id, "a84b4c76e66710@pc33.atlanta.com");
	char text[2048];
	int len = vm_meta_format(&m, text, sizeof text);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL((size_t)len, strlen(text));
	CU_ASSERT_STRING_EQUAL(text,
		"callerid=+15551234567\n"
		"callername=Alice \"Al\" O'Hara = boss\n"
		"box=sales\n"
		"callid=a84b4c76e66710@pc33.atlanta.com\n"
		"time=1712345678\n"
		"duration_ms=12345\n"
		"reason=unavailable\n");
	struct vm_meta got;
	CU_ASSERT_EQUAL(vm_meta_parse(text, (size_t)len, &got), 0);
	CU_ASSERT_STRING_EQUAL(got.caller_id, m.caller_id);
	CU_ASSERT_STRING_EQUAL(got.caller_name, m.caller_name);
	CU_ASSERT_STRING_EQUAL(got.box, m.box);
	CU_ASSERT_STRING_EQUAL(got.call_id, m.call_id);
	CU_ASSERT_EQUAL(got.time, m.time);
	CU_ASSERT_EQUAL(got.duration_ms, m.duration_ms);
	CU_ASSERT_EQUAL(got.reason, VM_REASON_UNAVAILABLE);

	m.reason = VM_REASON_BUSY;
	len = vm_meta_format(&m, text, sizeof text);
	CU_ASSERT(strstr(text, "reason=busy\n") != NULL);
	CU_ASSERT_EQUAL(vm_meta_parse(text, (size_t)len, &got), 0);
	CU_ASSERT_EQUAL(got.reason, VM_REASON_BUSY);
	CU_ASSERT_STRING_EQUAL(vm_reason_name(VM_REASON_BUSY), "busy");
	CU_ASSERT_STRING_EQUAL(vm_reason_name(VM_REASON_UNAVAILABLE), "unavailable");

	/* a value with line breaks cannot add or end lines */
	strcpy(m.caller_name, "Eve\nbox=evil\r\ntime=1\x01\x7f");
	strcpy(m.caller_id, "1\n");
	len = vm_meta_format(&m, text, sizeof text);
	CU_ASSERT_FATAL(len > 0);
	int lines = 0;
	for (int i = 0; i < len; i++)
		lines += text[i] == '\n';
	CU_ASSERT_EQUAL(lines, 7);
	CU_ASSERT_EQUAL(vm_meta_parse(text, (size_t)len, &got), 0);
	CU_ASSERT_STRING_EQUAL(got.caller_name, "Eve box=evil  time=1  ");
	CU_ASSERT_STRING_EQUAL(got.caller_id, "1 ");
	CU_ASSERT_STRING_EQUAL(got.box, "sales");
	CU_ASSERT_EQUAL(got.time, 1712345678);

	/* fields that fill their arrays, even without a NUL */
	memset(m.caller_name, 'N', sizeof m.caller_name);
	memset(m.call_id, 'C', sizeof m.call_id);
	len = vm_meta_format(&m, text, sizeof text);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(vm_meta_parse(text, (size_t)len, &got), 0);
	CU_ASSERT_EQUAL(strlen(got.caller_name), sizeof got.caller_name - 1);
	CU_ASSERT_EQUAL(strlen(got.call_id), sizeof got.call_id - 1);

	/* too small a buffer: -ENOSPC, never a partial line */
	m = (struct vm_meta){ .time = 1 };
	len = vm_meta_format(&m, text, sizeof text);
	CU_ASSERT_FATAL(len > 0);
	for (int size = 1; size <= len; size++) {
		char small[256];
		memset(small, 'z', sizeof small);
		CU_ASSERT_EQUAL(vm_meta_format(&m, small, (size_t)size), -ENOSPC);
		CU_ASSERT_EQUAL(small[0], '\0');
		CU_ASSERT_EQUAL(small[size], 'z');
	}
	CU_ASSERT_EQUAL(vm_meta_format(&m, text, (size_t)len + 1), len);
	CU_ASSERT_EQUAL(vm_meta_format(&m, text, 0), -EINVAL);
	/* a negative time is written as 0 */
	m.time = -5;
	CU_ASSERT(vm_meta_format(&m, text, sizeof text) > 0);
	CU_ASSERT(strstr(text, "\ntime=0\n") != NULL);
}

static void check_terminated(const struct vm_meta *m)
{
	CU_ASSERT(memchr(m->caller_id, '\0', sizeof m->caller_id) != NULL);
	CU_ASSERT(memchr(m->caller_name, '\0', sizeof m->caller_name) != NULL);
	CU_ASSERT(memchr(m->box, '\0', sizeof m->box) != NULL);
	CU_ASSERT(memchr(m->call_id, '\0', sizeof m->call_id) != NULL);
}

/* Parse exactly len bytes from a heap copy, so that valgrind sees any read
 * past them. */
static void parse_exact(const char *text, size_t len, struct vm_meta *m)
{
	char *copy = malloc(len ? len : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, text, len);
	CU_ASSERT_EQUAL(vm_meta_parse(copy, len, m), 0);
	free(copy);
	check_terminated(m);
}

static void test_meta_garbage(void)
{
	struct vm_meta m;

	/* empty: everything empty, reason unavailable */
	CU_ASSERT_EQUAL(vm_meta_parse(NULL, 0, &m), 0);
	CU_ASSERT_STRING_EQUAL(m.caller_id, "");
	CU_ASSERT_EQUAL(m.time, 0);
	CU_ASSERT_EQUAL(m.reason, VM_REASON_UNAVAILABLE);
	CU_ASSERT_EQUAL(vm_meta_parse(NULL, 5, &m), -EINVAL);
	CU_ASSERT_EQUAL(vm_meta_parse("x", 1, NULL), -EINVAL);

	/* bad numbers are ignored, unknown keys too, CRLF is fine, the last
	 * of a key wins, the line without a newline at the end counts */
	const char *t = "junk line\n=\n==\nfoo=bar\r\ntime=12ab\nduration_ms=99999999999\n"
	                "callerid=1\r\ncallerid=2\r\nbox\nreason=sleeping\ntime=-4\n"
	                "duration_ms=\ncallid=x=y";
	parse_exact(t, strlen(t), &m);
	CU_ASSERT_STRING_EQUAL(m.caller_id, "2");
	CU_ASSERT_STRING_EQUAL(m.box, "");
	CU_ASSERT_STRING_EQUAL(m.call_id, "x=y");
	CU_ASSERT_EQUAL(m.time, 0);
	CU_ASSERT_EQUAL(m.duration_ms, 0);
	CU_ASSERT_EQUAL(m.reason, VM_REASON_UNAVAILABLE);

	t = "time=99999999999999999999999999\nduration_ms=4294967295\n";
	parse_exact(t, strlen(t), &m);
	CU_ASSERT_EQUAL(m.time, 0);
	CU_ASSERT_EQUAL(m.duration_ms, 4294967295u);
	t = "duration_ms=4294967296\n";
	parse_exact(t, strlen(t), &m);
	CU_ASSERT_EQUAL(m.duration_ms, 0);

	/* only len bytes count: a value cut by len, a NUL inside one */
	t = "callerid=12345\n";
	parse_exact(t, 12, &m);
	CU_ASSERT_STRING_EQUAL(m.caller_id, "123");
	parse_exact("box=a\0b\ncallerid=9", 18, &m);
	CU_ASSERT_STRING_EQUAL(m.box, "a b");
	CU_ASSERT_STRING_EQUAL(m.caller_id, "9");

	/* a very long value is cut to its field */
	static char big[20000];
	int n = snprintf(big, sizeof big, "box=");
	memset(big + n, 'B', 10000);
	n += 10000;
	n += snprintf(big + n, sizeof big - (size_t)n, "\ncallerid=ok\n");
	parse_exact(big, (size_t)n, &m);
	CU_ASSERT_EQUAL(strlen(m.box), sizeof m.box - 1);
	CU_ASSERT_STRING_EQUAL(m.caller_id, "ok");

	/* random bytes, and random lines of real keys */
	static const char *const keys[] = { "callerid=", "callername=", "box=", "callid=", "time=",
	                                    "duration_ms=", "reason=", "=", "\n", "\r\n" };
	uint32_t seed = 12345;
	for (int round = 0; round < 3000; round++) {
		size_t len = 0;
		while (len < sizeof big - 64) {
			seed = seed * 1103515245 + 12345;
			unsigned r = seed >> 16;
			if (r % 4 == 0) {
				const char *k = keys[r / 4 % 10];
				memcpy(big + len, k, strlen(k));
				len += strlen(k);
			} else {
				big[len++] = (char)(r >> 3);
			}
			if (r % 97 == 0 || len > (size_t)(round % 50) * 40 + 1)
				break;
		}
		parse_exact(big, len, &m);
	}
}

/* ---- fixtures ---- */

static int suite_init(void)
{
	umask(022);
	return mkdtemp(strcpy(tmpdir, "/tmp/tandem-vmspool-XXXXXX")) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int suite_clean(void)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static CU_TestInfo spool_tests[] = {
	{ "record and commit: WAV header, samples, metadata", test_record_commit },
	{ "numbering and listing", test_numbering_list },
	{ "save to Old and delete", test_save_delete },
	{ "prepare: directories, crash leftovers, counts", test_prepare_cleans },
	{ "truncate a recording", test_truncate },
	{ "greetings", test_greeting },
	{ "bad box names and paths too long", test_bad_names_long_paths },
	{ "metadata format and parse", test_meta_round_trip },
	{ "metadata parse against garbage", test_meta_garbage },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "vm_spool", .pInitFunc = suite_init, .pCleanupFunc = suite_clean, .pTests = spool_tests },
	CU_SUITE_INFO_NULL,
};
