/* mod_rtprelay — RIFF/WAVE reader for prompts: PCM16 mono 8 kHz only. */
#ifndef RTPRELAY_WAV_H
#define RTPRELAY_WAV_H

#include <stddef.h>
#include <stdint.h>

#include <tandem/rtprelay.h> /* struct rtpr_wav */

/* Parse a WAV image. 0, -EINVAL (not RIFF/WAVE, truncated chunk header,
 * no fmt/data), -ENOTSUP (not PCM16 mono 8000 Hz), -ENOMEM. */
int rtpr_wav_parse(const uint8_t *buf, size_t len, struct rtpr_wav *w);
/* Read and parse a file (at most 64 MiB). Also -errno of open/read. */
int rtpr_wav_load(const char *path, struct rtpr_wav *w);
void rtpr_wav_free(struct rtpr_wav *w);

#endif
