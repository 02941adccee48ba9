/* signpool.c - signing threads fed by, and reporting to, the event loop. */
#include "daemon/signpool.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

struct signpool {
	struct app *a;
	struct handback hb;
	signpool_done_fn done;
	void *arg;
	pthread_t th[64];
	unsigned nth;
};

static struct sign_job *
job_of(struct hb_item *it)
{
	return (struct sign_job *)(void *)((char *)it -
	    offsetof(struct sign_job, link));
}

static void *
worker(void *arg)
{
	struct signpool *p = arg;
	struct hb_item *it;
	struct sign_job *j;

	while ((it = hb_take(&p->hb, 0)) != NULL) {
		j = job_of(it);
		j->r = ops_signer_sign(p->a, j->signer, j->name, j->data,
		    j->len, &j->sgn, &j->sgn_len);
		if (j->r != 0)
			snprintf(j->detail, sizeof(j->detail), "%s",
			    ts_error_detail(j->r));
		ts_error_clear();
		hb_finish(&p->hb, it);
	}
	return NULL;
}

/* The loop thread: hand the finished jobs back. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct signpool *p = arg;
	struct hb_item *list, *it;
	struct sign_job *j, **v;
	size_t n, i;

	(void)fd;
	(void)what;
	if ((list = hb_finished(&p->hb, &n)) == NULL)
		return;
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		/* no room for the batch: one job at a time */
		while ((it = list) != NULL) {
			list = it->next;
			j = job_of(it);
			p->done(&j, 1, p->arg);
		}
		return;
	}
	for (i = 0, it = list; it != NULL; it = it->next)
		v[i++] = job_of(it);
	p->done(v, n, p->arg);
	free(v);
}

int
signpool_start(struct event_base *base, struct app *a, unsigned threads,
    signpool_done_fn done, void *arg, struct signpool **out)
{
	struct signpool *p;

	*out = NULL;
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	p->a = a;
	p->done = done;
	p->arg = arg;
	if (hb_init(&p->hb, base, wake_cb, p) != 0) {
		signpool_stop(p);
		return ts_error(TS_ERR_NOMEM, "cannot create an event");
	}
	for (p->nth = 0; p->nth < threads; p->nth++)
		if (pthread_create(&p->th[p->nth], NULL, worker, p) != 0)
			break;
	if (p->nth == 0) {
		signpool_stop(p);
		return ts_error(TS_ERR_NOMEM, "cannot start a signing thread");
	}
	*out = p;
	return 0;
}

void
signpool_submit(struct signpool *p, struct sign_job *j)
{
	j->r = 0;
	j->detail[0] = '\0';
	j->sgn = NULL;
	j->sgn_len = 0;
	hb_submit(&p->hb, &j->link);
}

size_t
signpool_pending(const struct signpool *p)
{
	return p == NULL ? 0 : p->hb.pending;
}

void
signpool_stop(struct signpool *p)
{
	unsigned i;

	if (p == NULL)
		return;
	hb_stop(&p->hb);
	for (i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	if (p->hb.wake != NULL)
		wake_cb(-1, 0, p);
	hb_destroy(&p->hb);
	free(p);
}
