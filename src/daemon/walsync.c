/* walsync.c - group commits: one log sync for everything waiting. */
#include "daemon/walsync.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/log.h"
#include "ops/publish.h"
#include "util/error.h"

struct walsync {
	char *path;
	int fd;                      /* the log, opened at the first sync */
	struct handback hb;
	walsync_done_fn done;
	void *arg;
	int started;
	pthread_t th;
};

static struct walsync_item *
item_of(struct hb_item *it)
{
	return (struct walsync_item *)(void *)((char *)it -
	    offsetof(struct walsync_item, link));
}

/* 1 when everything written to the log so far is on the disk. */
static int
sync_log(struct walsync *w)
{
	/* test builds: a disk that takes a second to sync */
	if (ops_fault("wal_sync_slow") != 0) {
		ts_error_clear();
		sleep(1);
	}
	if (ops_fault("wal_sync") != 0) {
		dlog(LOG_P_ERR, "cannot sync %s: %s", w->path,
		    ts_error_detail(TS_ERR_IO));
		ts_error_clear();
		return 0;
	}
	/* another descriptor of the same file: fdatasync syncs the file */
	if (w->fd < 0 && (w->fd = open(w->path, O_RDONLY | O_CLOEXEC)) < 0) {
		dlog(LOG_P_ERR, "cannot open %s to sync it: %s", w->path,
		    strerror(errno));
		return 0;
	}
	while (fdatasync(w->fd) != 0) {
		if (errno == EINTR)
			continue;
		dlog(LOG_P_ERR, "cannot sync %s: %s", w->path, strerror(errno));
		return 0;
	}
	return 1;
}

static void *
syncer(void *arg)
{
	struct walsync *w = arg;
	struct hb_item *list, *it;
	int ok;

	/* whatever is handed over during a sync waits for the next one:
	 * that is the group */
	while ((list = hb_take(&w->hb, 1)) != NULL) {
		ok = sync_log(w);
		for (it = list; it != NULL; it = it->next)
			item_of(it)->ok = ok;
		hb_finish(&w->hb, list);
	}
	return NULL;
}

/* The loop thread: give the synced items back. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct walsync *w = arg;
	struct hb_item *list, *it;
	size_t n;

	(void)fd;
	(void)what;
	list = hb_finished(&w->hb, &n);
	while ((it = list) != NULL) {
		list = it->next;
		it->next = NULL;
		w->done(item_of(it), w->arg);
	}
}

int
walsync_start(struct event_base *base, const char *wal_path,
    walsync_done_fn done, void *arg, struct walsync **out)
{
	struct walsync *w;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->path = strdup(wal_path)) == NULL) {
		free(w);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	w->fd = -1;
	w->done = done;
	w->arg = arg;
	if (hb_init(&w->hb, base, wake_cb, w) != 0) {
		walsync_stop(w);
		return ts_error(TS_ERR_NOMEM, "cannot create an event");
	}
	if (pthread_create(&w->th, NULL, syncer, w) != 0) {
		walsync_stop(w);
		return ts_error(TS_ERR_NOMEM, "cannot start the log thread");
	}
	w->started = 1;
	*out = w;
	return 0;
}

void
walsync_submit(struct walsync *w, struct walsync_item *it)
{
	it->ok = 0;
	hb_submit(&w->hb, &it->link);
}

size_t
walsync_pending(const struct walsync *w)
{
	return w == NULL ? 0 : w->hb.pending;
}

void
walsync_stop(struct walsync *w)
{
	if (w == NULL)
		return;
	hb_stop(&w->hb);
	if (w->started)
		pthread_join(w->th, NULL);
	if (w->hb.wake != NULL)
		wake_cb(-1, 0, w);
	hb_destroy(&w->hb);
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	free(w);
}
