/* mod_auth — "ban" on the control socket (include/tandem/control.h,
 * docs/CONTROL.md). */
#ifndef MOD_AUTH_CONTROL_H
#define MOD_AUTH_CONTROL_H

struct tandem;
struct auth_ban;

/* Serve "ban". *banp is the ban table in use (a reload replaces it: the
 * pointer is read at each command), *ban_time ban.time, the default
 * length of a ban added by hand; both pointers stay valid until
 * auth_control_remove. 0 or tandem_control_command_add's error. */
int auth_control_add(struct tandem *t, struct auth_ban *const *banp, const unsigned *ban_time);
void auth_control_remove(struct tandem *t);

#endif
