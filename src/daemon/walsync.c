/* walsync.c - group commits: one log sync for everything waiting. */
#include "daemon/walsync.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/log.h"
#include "ops/publish.h"
#include "util/error.h"

struct walsync {
	char *path;
	int fd;                      /* the log, opened at the first sync */
	struct event *wake;          /* activated by the thread: synced */
	walsync_done_fn done;
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct walsync_item *queue, **queue_tail;
	struct walsync_item *finished, **finished_tail;
	size_t pending;              /* the loop thread's count */
	int stopping, started;
	pthread_t th;
};

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
	struct walsync_item *list, *it;
	int ok, wake;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->queue == NULL && !w->stopping)
			pthread_cond_wait(&w->work, &w->lock);
		if ((list = w->queue) == NULL)
			break;
		w->queue = NULL;
		w->queue_tail = &w->queue;
		pthread_mutex_unlock(&w->lock);

		/* whatever is handed over during this sync waits for the
		 * next one: that is the group */
		ok = sync_log(w);
		for (it = list; it != NULL; it = it->next)
			it->ok = ok;

		pthread_mutex_lock(&w->lock);
		wake = w->finished == NULL;
		*w->finished_tail = list;
		for (it = list; it->next != NULL; it = it->next)
			;
		w->finished_tail = &it->next;
		if (wake)
			event_active(w->wake, EV_READ, 0);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* The loop thread: give the synced items back. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct walsync *w = arg;
	struct walsync_item *list, *it;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->lock);
	list = w->finished;
	w->finished = NULL;
	w->finished_tail = &w->finished;
	pthread_mutex_unlock(&w->lock);
	while ((it = list) != NULL) {
		list = it->next;
		it->next = NULL;
		w->pending--;
		w->done(it, w->arg);
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
	w->queue_tail = &w->queue;
	w->finished_tail = &w->finished;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	if ((w->wake = event_new(base, -1, 0, wake_cb, w)) == NULL) {
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
	it->next = NULL;
	w->pending++;
	pthread_mutex_lock(&w->lock);
	*w->queue_tail = it;
	w->queue_tail = &it->next;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

size_t
walsync_pending(const struct walsync *w)
{
	return w == NULL ? 0 : w->pending;
}

void
walsync_stop(struct walsync *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	if (w->started)
		pthread_join(w->th, NULL);
	if (w->wake != NULL) {
		wake_cb(-1, 0, w);
		event_free(w->wake);
	}
	if (w->fd >= 0)
		close(w->fd);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w->path);
	free(w);
}
