/* mod_rtprelay — a player: a media endpoint paced at 20 ms on a loop,
 * with a play queue, loop music, audio and digits back
 * (mod_rtprelay_api.player_*, include/tandem/rtprelay.h). The loop is a
 * parameter here so the unit test needs no struct tandem. */
#ifndef RTPRELAY_PLAYER_H
#define RTPRELAY_PLAYER_H

#include <ev.h>
#include <stdbool.h>

#include <tandem/rtprelay.h>

int rtpr_player_new(struct ev_loop *loop, struct rtpr_media_ep *ep,
                    const struct rtpr_player_ops *ops, void *arg, struct rtpr_player **out);
void rtpr_player_free(struct rtpr_player *p);
int rtpr_player_play(struct rtpr_player *p, const struct rtpr_wav *w);
int rtpr_player_play_file(struct rtpr_player *p, const char *path);
void rtpr_player_loop(struct rtpr_player *p, const struct rtpr_wav *w);
void rtpr_player_flush(struct rtpr_player *p);
bool rtpr_player_playing(const struct rtpr_player *p);
struct rtpr_media_ep *rtpr_player_endpoint(const struct rtpr_player *p);

#endif
