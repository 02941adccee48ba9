/* handback.c - a work queue out of the event loop and a list back in. */
#include "daemon/handback.h"

int
hb_init(struct handback *h, struct event_base *base, event_callback_fn cb,
    void *arg)
{
	h->queue = h->finished = NULL;
	h->queue_tail = &h->queue;
	h->finished_tail = &h->finished;
	h->pending = 0;
	h->stopping = 0;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->work, NULL);
	return (h->wake = event_new(base, -1, 0, cb, arg)) == NULL ? -1 : 0;
}

void
hb_submit(struct handback *h, struct hb_item *it)
{
	it->next = NULL;
	h->pending++;
	pthread_mutex_lock(&h->lock);
	*h->queue_tail = it;
	h->queue_tail = &it->next;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->lock);
}

struct hb_item *
hb_take(struct handback *h, int all)
{
	struct hb_item *it;

	pthread_mutex_lock(&h->lock);
	while (h->queue == NULL && !h->stopping)
		pthread_cond_wait(&h->work, &h->lock);
	if ((it = h->queue) != NULL) {
		if (all || (h->queue = it->next) == NULL) {
			h->queue = NULL;
			h->queue_tail = &h->queue;
		}
		if (!all)
			it->next = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	return it;
}

void
hb_finish(struct handback *h, struct hb_item *list)
{
	struct hb_item *last;
	int wake;

	for (last = list; last->next != NULL; last = last->next)
		;
	pthread_mutex_lock(&h->lock);
	/* one wake-up for all that finish before the loop gets to them */
	wake = h->finished == NULL;
	*h->finished_tail = list;
	h->finished_tail = &last->next;
	if (wake)
		event_active(h->wake, EV_READ, 0);
	pthread_mutex_unlock(&h->lock);
}

struct hb_item *
hb_finished(struct handback *h, size_t *n)
{
	struct hb_item *list, *it;

	pthread_mutex_lock(&h->lock);
	list = h->finished;
	h->finished = NULL;
	h->finished_tail = &h->finished;
	pthread_mutex_unlock(&h->lock);
	for (*n = 0, it = list; it != NULL; it = it->next)
		(*n)++;
	h->pending -= *n;
	return list;
}

void
hb_stop(struct handback *h)
{
	pthread_mutex_lock(&h->lock);
	h->stopping = 1;
	pthread_cond_broadcast(&h->work);
	pthread_mutex_unlock(&h->lock);
}

void
hb_destroy(struct handback *h)
{
	if (h->wake != NULL)
		event_free(h->wake);
	h->wake = NULL;
	pthread_cond_destroy(&h->work);
	pthread_mutex_destroy(&h->lock);
}
