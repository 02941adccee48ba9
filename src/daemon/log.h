/*
 * log.h - the daemon's log: one line per event on stderr, prefixed with
 * its syslog priority ("<6>") so that journald files it right.
 */
#ifndef TLVSIGN_DAEMON_LOG_H
#define TLVSIGN_DAEMON_LOG_H

enum {
	LOG_P_ERR = 3,
	LOG_P_WARNING = 4,
	LOG_P_NOTICE = 5,
	LOG_P_INFO = 6,
};

void dlog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
