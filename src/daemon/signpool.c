/* signpool.c - signing threads fed by, and reporting to, the event loop. */
#include "daemon/signpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

struct signpool {
	struct app *a;
	struct event *wake;          /* activated by workers: jobs are done */
	signpool_done_fn done;
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct sign_job *queue, **queue_tail;
	struct sign_job *finished, **finished_tail;
	size_t pending;              /* the loop thread's count */
	int stopping;
	pthread_t th[64];
	unsigned nth;
};

static void *
worker(void *arg)
{
	struct signpool *p = arg;
	struct sign_job *j;
	int wake;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->queue == NULL && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if ((j = p->queue) == NULL)
			break;
		if ((p->queue = j->next) == NULL)
			p->queue_tail = &p->queue;
		pthread_mutex_unlock(&p->lock);

		j->r = ops_signer_sign(p->a, j->signer, j->name, j->data,
		    j->len, &j->sgn, &j->sgn_len);
		if (j->r != 0)
			snprintf(j->detail, sizeof(j->detail), "%s",
			    ts_error_detail(j->r));
		ts_error_clear();

		pthread_mutex_lock(&p->lock);
		/* one wake-up for all the jobs that finish before the loop
		 * thread gets to them */
		wake = p->finished == NULL;
		j->next = NULL;
		*p->finished_tail = j;
		p->finished_tail = &j->next;
		if (wake)
			event_active(p->wake, EV_READ, 0);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The loop thread: hand the finished jobs back. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct signpool *p = arg;
	struct sign_job *list, *j, **v;
	size_t n = 0, i;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&p->lock);
	list = p->finished;
	p->finished = NULL;
	p->finished_tail = &p->finished;
	pthread_mutex_unlock(&p->lock);
	for (j = list; j != NULL; j = j->next)
		n++;
	if (n == 0)
		return;
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		/* no room for the batch: one job at a time */
		while (list != NULL) {
			j = list;
			list = j->next;
			p->pending--;
			p->done(&j, 1, p->arg);
		}
		return;
	}
	for (i = 0, j = list; j != NULL; j = j->next)
		v[i++] = j;
	p->pending -= n;
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
	p->queue_tail = &p->queue;
	p->finished_tail = &p->finished;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	if ((p->wake = event_new(base, -1, 0, wake_cb, p)) == NULL) {
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
	j->next = NULL;
	p->pending++;
	pthread_mutex_lock(&p->lock);
	*p->queue_tail = j;
	p->queue_tail = &j->next;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

size_t
signpool_pending(const struct signpool *p)
{
	return p == NULL ? 0 : p->pending;
}

void
signpool_stop(struct signpool *p)
{
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	if (p->wake != NULL) {
		wake_cb(-1, 0, p);
		event_free(p->wake);
	}
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
