/* mod_registrar — "registrations [AOR]" on the control socket
 * (include/tandem/control.h, docs/CONTROL.md). */
#ifndef MOD_REGISTRAR_CONTROL_H
#define MOD_REGISTRAR_CONTROL_H

struct tandem;
struct location;

/* Serve the command, reading l (alive until the module's stop, which
 * removes it). 0 or tandem_control_command_add's error. */
int reg_control_add(struct tandem *t, const struct location *l);

#endif
