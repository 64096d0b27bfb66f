/* mod_rtprelay — G.711 by segment arithmetic (no tables: small, exact). */
#include "config.h"

#include "g711.h"

#define ULAW_BIAS 0x84            /* G.711 mu-law: 33 in 14-bit, << 2 */
#define ULAW_CLIP 32635

uint8_t rtpr_ulaw_encode(int16_t pcm)
{
	int v = pcm, mask = 0xFF;
	if (v < 0) {
		v = -v;
		mask = 0x7F;              /* sign bit cleared after the inversion */
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS;
	int seg = 7;
	for (int m = 0x4000; !(v & m) && seg > 0; m >>= 1)
		seg--;
	int u = seg << 4 | (v >> (seg + 3) & 0x0F);
	return (uint8_t)(u ^ mask);
}

int16_t rtpr_ulaw_decode(uint8_t u)
{
	u = (uint8_t)~u;
	int t = ((u & 0x0F) << 3) + ULAW_BIAS;
	t <<= (u & 0x70) >> 4;
	return (int16_t)(u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS);
}

/* Upper ends of the A-law segments, 13-bit magnitude. */
static const int alaw_end[8] = { 0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF };

uint8_t rtpr_alaw_encode(int16_t pcm)
{
	int v = pcm >> 3, mask = 0xD5;    /* even bits inverted (G.711 §A) */
	if (v < 0) {
		mask = 0x55;
		v = -v - 1;
	}
	int seg = 0;
	while (seg < 8 && v > alaw_end[seg])
		seg++;
	if (seg >= 8)
		return (uint8_t)(0x7F ^ mask);
	int a = seg << 4 | ((seg < 2 ? v >> 1 : v >> seg) & 0x0F);
	return (uint8_t)(a ^ mask);
}

int16_t rtpr_alaw_decode(uint8_t a)
{
	a ^= 0x55;
	int t = (a & 0x0F) << 4;
	int seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)(a & 0x80 ? t : -t);
}
