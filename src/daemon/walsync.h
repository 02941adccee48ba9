/*
 * walsync.h - the inventory's commits made durable off the event loop.
 * The loop commits without syncing (inventory_set_synced 0) and hands
 * over what waits on the commit; a thread syncs the write-ahead log once
 * for everything handed over since its last sync (a group commit) and
 * gives each item back to the loop with the outcome. The loop never waits
 * for the disk, and nothing that waits on a commit goes on before the
 * commit is durable.
 */
#ifndef TLVSIGN_DAEMON_WALSYNC_H
#define TLVSIGN_DAEMON_WALSYNC_H

#include <stddef.h>

#include <event2/event.h>

#include "daemon/handback.h"

struct walsync_item {
	int ok;                      /* when handed back: 1 durable */
	struct hb_item link;         /* the module's */
};

/* Called on the event loop thread for each item, in the order given. */
typedef void (*walsync_done_fn)(struct walsync_item *it, void *arg);

struct walsync;

/* Sync wal_path (the inventory's write-ahead log) for what is handed
 * over; the event base must have thread support. */
int walsync_start(struct event_base *base, const char *wal_path,
    walsync_done_fn done, void *arg, struct walsync **out);
/* Hand over an item whose commit is made (but not synced). */
void walsync_submit(struct walsync *w, struct walsync_item *it);
/* Items handed over and not yet given back. */
size_t walsync_pending(const struct walsync *w);
/* Sync what is left, give every item back, join the thread. */
void walsync_stop(struct walsync *w);

#endif
