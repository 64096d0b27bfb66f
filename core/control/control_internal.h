/* tandem — the control socket's private parts (core/control/): the command
 * table (control.c), the socket server (server.c) and the core's own
 * commands (commands.c). include/tandem/control.h is what modules see. */
#ifndef TANDEM_CONTROL_INTERNAL_H
#define TANDEM_CONTROL_INTERNAL_H

#include <tandem/control.h>

#include "tandem_internal.h"

/* A request line longer than this is refused and its connection closed. */
#define CONTROL_MAX_REQUEST (64 * 1024)
/* Answers a client does not read pile up to this much, then it is closed. */
#define CONTROL_MAX_PENDING (16 * 1024 * 1024)

struct control_entry {
	char *module;                  /* owned; "core" for the core's */
	struct tandem_control_command cmd;
};

struct control_info {
	char *module;
	tandem_control_call_info_fn fn;
	void *arg;
};

struct control_server;

struct control_core {
	struct tandem *t;
	struct control_entry *cmds;
	unsigned ncmds;
	struct control_info *infos;
	unsigned ninfos;
	struct control_server *srv;    /* server.c; NULL while no socket is open */
};

/* control.c */
const struct control_entry *control_find(const struct control_core *cc, const char *name);
/* Run one request line (without its newline) and return the response
 * object (a new reference; NULL only on ENOMEM). */
json_t *control_dispatch(struct tandem *t, const char *line, size_t len);
/* A usage-kind error response. */
json_t *control_error(const char *kind, const char *msg);

/* commands.c: add the core's commands to the table. */
int control_core_commands(struct tandem *t);

/* server.c */
int control_server_open(struct tandem *t, const struct control_cfg *cfg);
void control_server_free(struct tandem *t);
/* Where the socket listens now, NULL for nowhere. */
const char *control_server_path(const struct tandem *t);

#endif
