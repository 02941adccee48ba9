/*
 * tvsd.h - the TVS listener of tlvsignd: TLS over libevent bufferevents,
 * one event loop per worker thread (as many as cores), each accepting on
 * its own SO_REUSEPORT socket of the same address; answers come from
 * ops/tvsresp. The settings, trust store and TLS context live in a
 * snapshot that SIGHUP replaces; connections keep the one they began with.
 */
#ifndef TLVSIGN_DAEMON_TVSD_H
#define TLVSIGN_DAEMON_TVSD_H

#include <openssl/ssl.h>

#include "ops/tvsresp.h"

struct tvsd_snapshot {
	SSL_CTX *ctx;
	struct tvs_db db;
	unsigned ttl, timeout, max_conn;
	int refs;                 /* under the server's lock */
};

struct tvsd;

/* Bind host:port (port 0: a free one), start workers threads; the snapshot
 * is taken over. *port_out is the port bound. */
int tvsd_start(const char *host, unsigned port, unsigned workers,
    struct tvsd_snapshot *snap, unsigned *port_out, struct tvsd **out);
/* Serve new connections from snap (taken over). */
void tvsd_replace(struct tvsd *d, struct tvsd_snapshot *snap);
/* Stop accepting, answer what is in flight, join the workers, free. */
void tvsd_stop(struct tvsd *d);

void tvsd_snapshot_free(struct tvsd_snapshot *snap);

#endif
