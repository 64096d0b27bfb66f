/* mod_rtprelay — G.711 mu-law and A-law (ITU-T G.711) sample codecs. */
#ifndef RTPRELAY_G711_H
#define RTPRELAY_G711_H

#include <stddef.h>
#include <stdint.h>

uint8_t rtpr_ulaw_encode(int16_t pcm);
int16_t rtpr_ulaw_decode(uint8_t u);
uint8_t rtpr_alaw_encode(int16_t pcm);
int16_t rtpr_alaw_decode(uint8_t a);

#endif
