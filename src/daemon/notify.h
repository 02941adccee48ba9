/*
 * notify.h - the service manager's readiness protocol (sd_notify(3)): one
 * datagram of "KEY=VALUE" lines to the AF_UNIX socket named by
 * NOTIFY_SOCKET ("@..." for the abstract namespace). Nothing is sent when
 * the variable is unset, so the daemon runs the same without systemd.
 */
#ifndef TLVSIGN_DAEMON_NOTIFY_H
#define TLVSIGN_DAEMON_NOTIFY_H

/* Send state ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...");
 * failures are ignored, as a service manager that is gone cannot hear. */
void notify(const char *state);

#endif
