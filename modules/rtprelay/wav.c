/* mod_rtprelay — WAV (RIFF) reader. Chunks other than fmt/data (LIST,
 * fact, ...) are skipped; a data size past the end (streamed files) is
 * clamped to what is there. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wav.h"

#define WAV_MAX_FILE (64u << 20)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

int rtpr_wav_parse(const uint8_t *buf, size_t len, struct rtpr_wav *w)
{
	memset(w, 0, sizeof *w);
	if (!buf || len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
		return -EINVAL;
	bool have_fmt = false;
	size_t pos = 12;
	while (pos + 8 <= len) {
		const uint8_t *c = buf + pos;
		size_t csize = le32(c + 4), avail = len - pos - 8;
		if (memcmp(c, "fmt ", 4) == 0) {
			if (csize < 16 || csize > avail)
				return -EINVAL;
			unsigned format = le16(c + 8), channels = le16(c + 10), bits = le16(c + 22);
			w->rate = le32(c + 12);
			if (format != 1 || channels != 1 || bits != 16 || w->rate != 8000)
				return -ENOTSUP;
			have_fmt = true;
		} else if (memcmp(c, "data", 4) == 0) {
			if (!have_fmt)
				return -EINVAL;
			if (csize > avail)
				csize = avail;
			w->nsamples = csize / 2;
			w->samples = malloc(w->nsamples ? w->nsamples * 2 : 1);
			if (!w->samples)
				return -ENOMEM;
			for (size_t i = 0; i < w->nsamples; i++)
				w->samples[i] = (int16_t)le16(c + 8 + 2 * i);
			return 0;
		}
		if (csize > avail)
			break;
		pos += 8 + csize + (csize & 1);   /* chunks are word aligned */
	}
	return -EINVAL;
}

int rtpr_wav_load(const char *path, struct rtpr_wav *w)
{
	memset(w, 0, sizeof *w);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > WAV_MAX_FILE) {
		close(fd);
		return -EINVAL;
	}
	size_t n = (size_t)st.st_size, got = 0;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	int rc = rtpr_wav_parse(buf, got, w);
	free(buf);
	return rc;
}

void rtpr_wav_free(struct rtpr_wav *w)
{
	free(w->samples);
	memset(w, 0, sizeof *w);
}
