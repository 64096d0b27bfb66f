/* mod_voicemail — a recording fed with the caller's audio, with the limits
 * every recording here has: voicemail.max_message, and the end by
 * voicemail.silence (a message, a greeting alike). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "voicemail.h"

int vm_recorder_start(struct vm_recorder *r, const struct vm *vm, const char *box)
{
	*r = (struct vm_recorder){
		.max_samples = (size_t)vm->max_message_s * 8000,
		.silence_samples = (size_t)vm->silence_s * 8000,
		.level = vm->silence_level,
	};
	return vm_rec_start(vm->spool, box, &r->rec);
}

/* Silence: the mean magnitude under the level (no VAD: a quiet line, not
 * a quiet word, ends a message). */
static bool silent(const int16_t *pcm, size_t n, unsigned level)
{
	unsigned long sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (unsigned long)(pcm[i] < 0 ? -(long)pcm[i] : pcm[i]);
	return n == 0 || sum / n < level;
}

enum vm_rec_event vm_recorder_feed(struct vm_recorder *r, const int16_t *pcm, size_t n)
{
	if (!r->rec)
		return VM_REC_ERROR;
	size_t have = vm_rec_samples(r->rec);
	if (have + n > r->max_samples)
		n = r->max_samples - have;
	if (vm_rec_write(r->rec, pcm, n) < 0)
		return VM_REC_ERROR;
	r->silent = r->silence_samples && silent(pcm, n, r->level) ? r->silent + n : 0;
	if (vm_rec_samples(r->rec) >= r->max_samples)
		return VM_REC_FULL;
	if (r->silence_samples && r->silent >= r->silence_samples)
		return VM_REC_SILENCE;
	return VM_REC_GOING;
}

struct vm_recording *vm_recorder_take(struct vm_recorder *r, bool cut_silence, unsigned *ms)
{
	struct vm_recording *rec = r->rec;
	r->rec = NULL;
	*ms = 0;
	if (!rec)
		return NULL;
	size_t n = vm_rec_samples(rec);
	/* the silence that ended it is no part of it */
	if (cut_silence && r->silent && r->silent <= n && vm_rec_truncate(rec, n - r->silent) == 0)
		n -= r->silent;
	*ms = (unsigned)(n / 8);
	return rec;
}

void vm_recorder_abort(struct vm_recorder *r)
{
	if (r->rec)
		vm_rec_abort(r->rec);
	r->rec = NULL;
}
