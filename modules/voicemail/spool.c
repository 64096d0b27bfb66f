/* mod_voicemail — the on-disk store (voicemail.h, "the spool"): messages
 * in INBOX/ and Old/, greetings, recordings in progress in tmp/.
 * Every file that appears outside tmp/ appears whole: written in tmp/,
 * fsynced, renamed (atomic within one file system), and the folder
 * fsynced so that the rename itself survives a crash. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tandem/str.h>

#include "voicemail.h"

#define WAV_HEADER 44
#define WAV_RATE 8000
#define MSG_MAX 9999          /* msgNNNN: four digits */
#define META_MAX 4096         /* a .txt is a few hundred bytes; more is not ours */
#define DIR_MODE 0750
#define FILE_MODE 0640

static const char *const folder_names[VM_FOLDER__COUNT] = { "INBOX", "Old" };

struct vm_recording {
	int fd;
	size_t samples;
	char box[VM_NAME_MAX];
	char boxdir[PATH_MAX];    /* <spool>/<box> */
	char wav[PATH_MAX];       /* <spool>/<box>/tmp/rec-XXXXXX.wav */
};

/* ---- paths ---- */

static int path_fmt(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int path_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The caller validated the name against the users file; refuse anything
 * that would leave <spool> or hide in it anyway. */
static bool box_ok(const char *box)
{
	return box && *box && *box != '.' && !strchr(box, '/') && strlen(box) < VM_NAME_MAX;
}

static int box_path(const char *spool, const char *box, const char *sub, char *out, size_t size)
{
	if (!spool || !*spool || !box_ok(box))
		return -EINVAL;
	if (!sub)
		return path_fmt(out, size, "%s/%s", spool, box);
	return path_fmt(out, size, "%s/%s/%s", spool, box, sub);
}

static int folder_path(const char *spool, const char *box, enum vm_folder f, char *out, size_t size)
{
	if ((unsigned)f >= VM_FOLDER__COUNT)
		return -EINVAL;
	return box_path(spool, box, folder_names[f], out, size);
}

/* <dir>/msgNNNN.<ext> */
static int msg_file(const char *dir, unsigned num, const char *ext, char *out, size_t size)
{
	if (num > MSG_MAX)
		return -EINVAL;
	return path_fmt(out, size, "%s/msg%04u.%s", dir, num, ext);
}

int vm_spool_msg_path(const char *spool, const char *box, enum vm_folder f, unsigned num,
                      char *out, size_t size)
{
	char dir[PATH_MAX];
	int rc = folder_path(spool, box, f, dir, sizeof dir);
	return rc < 0 ? rc : msg_file(dir, num, "wav", out, size);
}

static bool greeting_ok(const char *which)
{
	return which && (!strcmp(which, "busy") || !strcmp(which, "unavail") || !strcmp(which, "name"));
}

int vm_spool_greeting_path(const char *spool, const char *box, const char *which, char *out,
                           size_t size)
{
	char dir[PATH_MAX];
	if (!greeting_ok(which))
		return -EINVAL;
	int rc = box_path(spool, box, NULL, dir, sizeof dir);
	return rc < 0 ? rc : path_fmt(out, size, "%s/%s.wav", dir, which);
}

/* ---- small file helpers ---- */

static int write_all(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;
	while (len) {
		ssize_t w = pwrite(fd, p, len, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* mkdir -p: every missing component of path, each DIR_MODE. */
static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	int rc = path_fmt(buf, sizeof buf, "%s", path);
	if (rc < 0)
		return rc;
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, DIR_MODE) < 0 && errno != EEXIST) {
			/* EACCES, EROFS... on a folder that is there are fine */
			int e = errno;
			struct stat st;
			if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
				return -e;
		}
		*p = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* "msgNNNN.wav" / "msgNNNN.txt" and nothing else (no "msg12.wav", no
 * "msg0001.wav~"). */
static bool msg_name(const char *name, unsigned *num, bool *wav)
{
	if (strlen(name) != 11 || memcmp(name, "msg", 3) != 0 || name[7] != '.')
		return false;
	unsigned n = 0;
	for (int i = 3; i < 7; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		n = n * 10 + (unsigned)(name[i] - '0');
	}
	if (!strcmp(name + 8, "wav"))
		*wav = true;
	else if (!strcmp(name + 8, "txt"))
		*wav = false;
	else
		return false;
	*num = n;
	return true;
}

/* What a folder holds. */
struct scan {
	unsigned nwav;
	int highest;              /* over .wav and .txt; -1: none */
	unsigned *nums;           /* the .wav numbers when collecting */
	size_t cap;
	bool collect, drop_orphans;
};

static int scan_folder(const char *dir, struct scan *s)
{
	s->nwav = 0;
	s->highest = -1;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int rc = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		unsigned num;
		bool wav;
		if (!msg_name(e->d_name, &num, &wav))
			continue;
		if (!wav && s->drop_orphans) {
			/* the crash fell between the two renames of a commit or a
			 * save: the message never was */
			char w[16];
			snprintf(w, sizeof w, "msg%04u.wav", num);
			if (faccessat(dirfd(d), w, F_OK, 0) < 0 && errno == ENOENT) {
				if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT) {
					rc = -errno;
					break;
				}
				errno = 0;
				continue;
			}
		}
		if ((int)num > s->highest)
			s->highest = (int)num;
		if (wav) {
			if (s->collect && s->nwav == s->cap) {
				size_t cap = s->cap ? s->cap * 2 : 16;
				unsigned *v = realloc(s->nums, cap * sizeof *v);
				if (!v) {
					rc = -ENOMEM;
					break;
				}
				s->nums = v;
				s->cap = cap;
			}
			if (s->collect)
				s->nums[s->nwav] = num;
			s->nwav++;
		}
		errno = 0;
	}
	if (!rc && errno)
		rc = -errno;
	closedir(d);
	return rc;
}

static int next_num(const char *dir, unsigned *num)
{
	struct scan s = { 0 };
	int rc = scan_folder(dir, &s);
	if (rc < 0)
		return rc;
	/* numbers only grow while a folder is never emptied; past msg9999 the
	 * owner has to delete the newest first */
	if (s.highest >= MSG_MAX)
		return -ENOSPC;
	*num = (unsigned)(s.highest + 1);
	return 0;
}

/* Remove everything in dir (tmp/ holds only our files). */
static int empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int rc = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0 &&
		    !(errno == EISDIR && unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0) &&
		    errno != ENOENT) {
			rc = -errno;
			break;
		}
		errno = 0;
	}
	if (!rc && errno)
		rc = -errno;
	closedir(d);
	return rc;
}

/* ---- folders ---- */

int vm_spool_prepare(const char *spool, const char *box, unsigned *nnew, unsigned *nold)
{
	static const char *const subs[] = { "INBOX", "Old", "tmp" };
	char dir[PATH_MAX];
	unsigned counts[VM_FOLDER__COUNT] = { 0 };
	int rc;

	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
		if ((rc = box_path(spool, box, subs[i], dir, sizeof dir)) < 0 || (rc = mkdir_p(dir)) < 0)
			return rc;
	}
	if ((rc = box_path(spool, box, "tmp", dir, sizeof dir)) < 0 || (rc = empty_dir(dir)) < 0)
		return rc;
	for (int f = 0; f < VM_FOLDER__COUNT; f++) {
		struct scan s = { .drop_orphans = true };
		if ((rc = folder_path(spool, box, (enum vm_folder)f, dir, sizeof dir)) < 0 ||
		    (rc = scan_folder(dir, &s)) < 0)
			return rc;
		counts[f] = s.nwav;
	}
	if (nnew)
		*nnew = counts[VM_INBOX];
	if (nold)
		*nold = counts[VM_OLD];
	return 0;
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

/* The metadata of one message; empty when unreadable. */
static void read_meta(const char *dir, unsigned num, struct vm_meta *m)
{
	char path[PATH_MAX], buf[META_MAX];
	int fd = -1;
	if (msg_file(dir, num, "txt", path, sizeof path) == 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vm_meta_parse(NULL, 0, m);
		return;
	}
	size_t len = 0;
	while (len < sizeof buf) {
		ssize_t r = read(fd, buf + len, sizeof buf - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	vm_meta_parse(buf, len, m);
}

int vm_spool_list(const char *spool, const char *box, enum vm_folder f, struct vm_msg **out)
{
	char dir[PATH_MAX];
	struct scan s = { .collect = true };
	int rc;

	*out = NULL;
	if ((rc = folder_path(spool, box, f, dir, sizeof dir)) < 0)
		return rc;
	if ((rc = scan_folder(dir, &s)) < 0) {
		free(s.nums);
		return rc;
	}
	if (s.nwav == 0) {
		free(s.nums);
		return 0;
	}
	struct vm_msg *v = calloc(s.nwav, sizeof *v);
	if (!v) {
		free(s.nums);
		return -ENOMEM;
	}
	qsort(s.nums, s.nwav, sizeof *s.nums, cmp_uint);
	for (unsigned i = 0; i < s.nwav; i++) {
		v[i].num = s.nums[i];
		v[i].folder = f;
		read_meta(dir, s.nums[i], &v[i].meta);
	}
	free(s.nums);
	*out = v;
	return (int)s.nwav;
}

int vm_spool_save(const char *spool, const char *box, unsigned num, unsigned *new_num)
{
	char in[PATH_MAX], old[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	unsigned n;
	int rc;

	if ((rc = folder_path(spool, box, VM_INBOX, in, sizeof in)) < 0 ||
	    (rc = folder_path(spool, box, VM_OLD, old, sizeof old)) < 0 ||
	    (rc = msg_file(in, num, "wav", from, sizeof from)) < 0)
		return rc;
	if (access(from, F_OK) < 0)
		return -errno;
	if ((rc = next_num(old, &n)) < 0)
		return rc;
	/* the .txt first: the message moves when its .wav does */
	if ((rc = msg_file(in, num, "txt", from, sizeof from)) < 0 ||
	    (rc = msg_file(old, n, "txt", to, sizeof to)) < 0)
		return rc;
	if (rename(from, to) < 0 && errno != ENOENT)
		return -errno;
	if ((rc = msg_file(in, num, "wav", from, sizeof from)) < 0 ||
	    (rc = msg_file(old, n, "wav", to, sizeof to)) < 0)
		return rc;
	if (rename(from, to) < 0) {
		rc = -errno;
		/* put the .txt back where its .wav still is */
		char t_from[PATH_MAX], t_to[PATH_MAX];
		if (msg_file(old, n, "txt", t_from, sizeof t_from) == 0 &&
		    msg_file(in, num, "txt", t_to, sizeof t_to) == 0)
			rename(t_from, t_to);
		return rc;
	}
	if ((rc = fsync_dir(old)) < 0 || (rc = fsync_dir(in)) < 0)
		return rc;
	if (new_num)
		*new_num = n;
	return 0;
}

int vm_spool_delete(const char *spool, const char *box, enum vm_folder f, unsigned num)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int rc;

	if ((rc = folder_path(spool, box, f, dir, sizeof dir)) < 0 ||
	    (rc = msg_file(dir, num, "wav", path, sizeof path)) < 0)
		return rc;
	/* the .wav first: the message is gone once it is */
	if (unlink(path) < 0)
		return -errno;
	if ((rc = msg_file(dir, num, "txt", path, sizeof path)) < 0)
		return rc;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return fsync_dir(dir);
}

/* ---- recordings ---- */

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

/* The canonical 44-byte header: RIFF, "fmt " (PCM, mono, 8 kHz, 16-bit),
 * "data" of the given sample count. */
static void wav_header(uint8_t h[WAV_HEADER], size_t samples)
{
	uint32_t data = (uint32_t)(samples * 2);
	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + data);
	memcpy(h + 8, "WAVE", 4);
	memcpy(h + 12, "fmt ", 4);
	put_le32(h + 16, 16);
	put_le16(h + 20, 1);                    /* PCM */
	put_le16(h + 22, 1);                    /* mono */
	put_le32(h + 24, WAV_RATE);
	put_le32(h + 28, WAV_RATE * 2);         /* byte rate */
	put_le16(h + 32, 2);                    /* block align */
	put_le16(h + 34, 16);                   /* bits per sample */
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, data);
}

/* The RIFF size is 32 bits: 36 + data must fit. */
#define REC_MAX_SAMPLES ((UINT32_MAX - 36) / 2)

int vm_rec_start(const char *spool, const char *box, struct vm_recording **out)
{
	struct vm_recording *r = calloc(1, sizeof *r);
	uint8_t h[WAV_HEADER];
	int rc;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	if ((rc = box_path(spool, box, NULL, r->boxdir, sizeof r->boxdir)) < 0 ||
	    (rc = path_fmt(r->wav, sizeof r->wav, "%s/tmp/rec-XXXXXX.wav", r->boxdir)) < 0)
		goto fail;
	snprintf(r->box, sizeof r->box, "%s", box);
	/* no descriptor of ours in the notify command's process */
	if ((r->fd = mkostemps(r->wav, 4, O_CLOEXEC)) < 0) {
		rc = -errno;
		goto fail;
	}
	if (fchmod(r->fd, FILE_MODE) < 0) {
		rc = -errno;
		goto fail;
	}
	wav_header(h, 0);
	if ((rc = write_all(r->fd, h, sizeof h, 0)) < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	vm_rec_abort(r);
	return rc;
}

int vm_rec_write(struct vm_recording *r, const int16_t *pcm, size_t n)
{
	uint8_t buf[1024];

	if (!r || (n && !pcm))
		return -EINVAL;
	if (n > REC_MAX_SAMPLES - r->samples)
		return -EFBIG;
	while (n) {
		size_t k = n < sizeof buf / 2 ? n : sizeof buf / 2;
		for (size_t i = 0; i < k; i++)
			put_le16(buf + 2 * i, (uint16_t)pcm[i]);
		int rc = write_all(r->fd, buf, 2 * k, (off_t)(WAV_HEADER + 2 * r->samples));
		if (rc < 0)
			return rc;
		r->samples += k;
		pcm += k;
		n -= k;
	}
	return 0;
}

size_t vm_rec_samples(const struct vm_recording *r)
{
	return r ? r->samples : 0;
}

int vm_rec_truncate(struct vm_recording *r, size_t n)
{
	if (!r)
		return -EINVAL;
	if (n >= r->samples)
		return 0;
	if (ftruncate(r->fd, (off_t)(WAV_HEADER + 2 * n)) < 0)
		return -errno;
	r->samples = n;
	return 0;
}

void vm_rec_abort(struct vm_recording *r)
{
	if (!r)
		return;
	if (r->fd >= 0) {
		close(r->fd);
		unlink(r->wav);
	}
	free(r);
}

/* Make the tmp WAV whole on disk: exactly its samples, the sizes in the
 * header, fsynced. */
static int rec_finish(struct vm_recording *r)
{
	uint8_t h[WAV_HEADER];
	int rc;

	/* a failed write may have left bytes past the last whole sample */
	if (ftruncate(r->fd, (off_t)(WAV_HEADER + 2 * r->samples)) < 0)
		return -errno;
	wav_header(h, r->samples);
	if ((rc = write_all(r->fd, h, sizeof h, 0)) < 0)
		return rc;
	if (fsync(r->fd) < 0)
		return -errno;
	return 0;
}

/* The tmp .txt beside the tmp .wav: same stem. */
static int write_meta_tmp(const struct vm_recording *r, const struct vm_meta *m, char *txt,
                          size_t size)
{
	char text[META_MAX];
	size_t stem = strlen(r->wav) - 4;
	int len, rc;

	if ((rc = path_fmt(txt, size, "%.*s.txt", (int)stem, r->wav)) < 0)
		return rc;
	if ((len = vm_meta_format(m, text, sizeof text)) < 0)
		return len;
	int fd = open(txt, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, FILE_MODE);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, text, (size_t)len, 0);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		unlink(txt);
	return rc;
}

int vm_rec_commit(struct vm_recording *r, const struct vm_meta *meta, unsigned *num)
{
	char inbox[PATH_MAX], txt[PATH_MAX], to_txt[PATH_MAX], to_wav[PATH_MAX];
	struct vm_meta m;
	unsigned n;
	int rc;

	if (!r)
		return -EINVAL;
	if (!meta) {
		rc = -EINVAL;
		goto out;
	}
	m = *meta;
	m.duration_ms = (unsigned)(r->samples * 1000 / WAV_RATE);
	snprintf(m.box, sizeof m.box, "%s", r->box);
	if ((rc = path_fmt(inbox, sizeof inbox, "%s/INBOX", r->boxdir)) < 0 ||
	    (rc = write_meta_tmp(r, &m, txt, sizeof txt)) < 0)
		goto out;
	if ((rc = rec_finish(r)) < 0 || (rc = next_num(inbox, &n)) < 0 ||
	    (rc = msg_file(inbox, n, "txt", to_txt, sizeof to_txt)) < 0 ||
	    (rc = msg_file(inbox, n, "wav", to_wav, sizeof to_wav)) < 0)
		goto drop_txt;
	if (rename(txt, to_txt) < 0) {
		rc = -errno;
		goto drop_txt;
	}
	if (rename(r->wav, to_wav) < 0) {
		rc = -errno;
		unlink(to_txt);
		goto out;
	}
	/* renamed: nothing left in tmp/ for abort to remove, and the
	 * message exists even if the folder's fsync fails below */
	close(r->fd);
	r->fd = -1;
	if (num)
		*num = n;
	rc = fsync_dir(inbox);
	goto out;
drop_txt:
	unlink(txt);
out:
	vm_rec_abort(r);
	return rc;
}

int vm_rec_commit_greeting(struct vm_recording *r, const char *which)
{
	char to[PATH_MAX];
	int rc;

	if (!r)
		return -EINVAL;
	if (!greeting_ok(which)) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = path_fmt(to, sizeof to, "%s/%s.wav", r->boxdir, which)) < 0 ||
	    (rc = rec_finish(r)) < 0)
		goto out;
	if (rename(r->wav, to) < 0) {
		rc = -errno;
		goto out;
	}
	close(r->fd);
	r->fd = -1;
	rc = fsync_dir(r->boxdir);
out:
	vm_rec_abort(r);
	return rc;
}

/* ---- metadata ---- */

const char *vm_reason_name(enum vm_reason r)
{
	return r == VM_REASON_BUSY ? "busy" : "unavailable";
}

/* Append "key=value\n", control characters of value as spaces so that a
 * value never ends its line early. value is a field of n bytes, maybe not
 * NUL-terminated. */
static bool put_field(char *out, size_t size, size_t *len, const char *key, const char *value,
                      size_t n)
{
	size_t k = strlen(key), vlen = strnlen(value, n);
	if (*len + k + 1 + vlen + 1 >= size)
		return false;
	memcpy(out + *len, key, k);
	*len += k;
	out[(*len)++] = '=';
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];
		out[(*len)++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[(*len)++] = '\n';
	out[*len] = '\0';
	return true;
}

int vm_meta_format(const struct vm_meta *m, char *out, size_t size)
{
	char num[32];
	size_t len = 0;

	if (!m || !out || size == 0)
		return -EINVAL;
	out[0] = '\0';
	bool ok = put_field(out, size, &len, "callerid", m->caller_id, sizeof m->caller_id) &&
	          put_field(out, size, &len, "callername", m->caller_name, sizeof m->caller_name) &&
	          put_field(out, size, &len, "box", m->box, sizeof m->box) &&
	          put_field(out, size, &len, "callid", m->call_id, sizeof m->call_id);
	snprintf(num, sizeof num, "%lld", m->time > 0 ? (long long)m->time : 0LL);
	ok = ok && put_field(out, size, &len, "time", num, sizeof num);
	snprintf(num, sizeof num, "%u", m->duration_ms);
	ok = ok && put_field(out, size, &len, "duration_ms", num, sizeof num);
	const char *reason = vm_reason_name(m->reason);
	ok = ok && put_field(out, size, &len, "reason", reason, strlen(reason));
	if (!ok) {
		out[0] = '\0';
		return -ENOSPC;
	}
	return (int)len;
}

/* Copy a value into a field: truncated, control characters (a NUL in the
 * file too) as spaces. */
static void get_field(char *dst, size_t n, struct sip_str v)
{
	size_t k = v.len < n - 1 ? v.len : n - 1;
	for (size_t i = 0; i < k; i++) {
		unsigned char c = (unsigned char)v.p[i];
		dst[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	dst[k] = '\0';
}

/* The largest time_t, whether it is 32 or 64 bits. */
#define TIME_MAX (sizeof(time_t) >= sizeof(long) ? (unsigned long)LONG_MAX : (unsigned long)INT32_MAX)

int vm_meta_parse(const char *text, size_t len, struct vm_meta *m)
{
	if (!m || (!text && len))
		return -EINVAL;
	memset(m, 0, sizeof *m);
	m->reason = VM_REASON_UNAVAILABLE;
	if (!len)
		return 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		if (eq) {
			struct sip_str k = { p, (size_t)(eq - p) };
			struct sip_str v = { eq + 1, (size_t)(eol - eq - 1) };
			if (v.len && v.p[v.len - 1] == '\r')
				v.len--;
			unsigned long u;
			if (sip_str_eq(k, SIP_STR_LIT("callerid")))
				get_field(m->caller_id, sizeof m->caller_id, v);
			else if (sip_str_eq(k, SIP_STR_LIT("callername")))
				get_field(m->caller_name, sizeof m->caller_name, v);
			else if (sip_str_eq(k, SIP_STR_LIT("box")))
				get_field(m->box, sizeof m->box, v);
			else if (sip_str_eq(k, SIP_STR_LIT("callid")))
				get_field(m->call_id, sizeof m->call_id, v);
			else if (sip_str_eq(k, SIP_STR_LIT("time")) && sip_str_to_uint(v, TIME_MAX, &u) == 0)
				m->time = (time_t)u;
			else if (sip_str_eq(k, SIP_STR_LIT("duration_ms")) &&
			         sip_str_to_uint(v, UINT_MAX, &u) == 0)
				m->duration_ms = (unsigned)u;
			else if (sip_str_eq(k, SIP_STR_LIT("reason")))
				m->reason = sip_str_eq(v, SIP_STR_LIT("busy")) ? VM_REASON_BUSY
				                                               : VM_REASON_UNAVAILABLE;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}
