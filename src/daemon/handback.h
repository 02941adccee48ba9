/*
 * handback.h - work handed from the event loop to threads and back: a
 * queue the threads take items from, and a list of finished items that
 * the loop gets back through one event, however many finish before it
 * runs. The items are the caller's: each embeds a struct hb_item.
 */
#ifndef TLVSIGN_DAEMON_HANDBACK_H
#define TLVSIGN_DAEMON_HANDBACK_H

#include <pthread.h>
#include <stddef.h>

#include <event2/event.h>

struct hb_item {
	struct hb_item *next;
};

struct handback {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct hb_item *queue, **queue_tail;
	struct hb_item *finished, **finished_tail;
	struct event *wake;          /* the loop's: items are finished */
	size_t pending;              /* handed over, not yet back (loop) */
	int stopping;
};

/* cb(-1, EV_READ, arg) runs on the loop when items are finished; the
 * event base must have thread support. */
int hb_init(struct handback *h, struct event_base *base,
    event_callback_fn cb, void *arg);
/* The loop: queue an item for the threads. */
void hb_submit(struct handback *h, struct hb_item *it);
/* A thread: wait for work; the next item (all of the queue, linked, with
 * all set), or NULL once stopping and nothing is left. */
struct hb_item *hb_take(struct handback *h, int all);
/* A thread: hand back a list of finished items (linked by next). */
void hb_finish(struct handback *h, struct hb_item *list);
/* The loop: the finished items, in order, and how many (*n). */
struct hb_item *hb_finished(struct handback *h, size_t *n);
/* No more work: the threads finish the queue, then hb_take says NULL. */
void hb_stop(struct handback *h);
/* After the threads are joined and the finished items taken. */
void hb_destroy(struct handback *h);

#endif
