/* tandem — telling a service manager how tandemd is doing: systemd's
 * Type=notify protocol (sd_notify(3)), without linking libsystemd. */
#ifndef TANDEM_SD_NOTIFY_H
#define TANDEM_SD_NOTIFY_H

/* Send state ("READY=1", "STOPPING=1", lines joined by '\n') to the
 * datagram socket named by $NOTIFY_SOCKET (a path, or "@name" in the
 * abstract namespace). 0 when sent or when there is no such variable (not
 * run by a service manager); a negative errno, logged, when sending
 * failed. */
int sd_notify_state(const char *state);

#endif
