/*
 * signpool.h - the service's signing workers: one thread per core, each
 * with its own token session, fed from the event loop. A job is signed
 * off the loop; its completion comes back to the loop thread, in batches,
 * so that the caller can audit a whole batch in one transaction before it
 * answers.
 */
#ifndef TLVSIGN_DAEMON_SIGNPOOL_H
#define TLVSIGN_DAEMON_SIGNPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "daemon/handback.h"
#include "ops/app.h"
#include "ops/sign.h"

struct sign_job {
	/* in: set by the submitter, read by a worker */
	struct sgn_signer *signer;
	const char *name;           /* the internal name is NAME.sgn */
	const uint8_t *data;
	size_t len;
	/* out: set by the worker */
	int r;
	char detail[512];           /* the error, when r != 0 */
	uint8_t *sgn;               /* the caller frees it */
	size_t sgn_len;
	/* the submitter's */
	void *arg;
	struct hb_item link;        /* the pool's */
};

/* Called on the event loop thread with every job finished since the
 * last call, in the order they finished. */
typedef void (*signpool_done_fn)(struct sign_job **jobs, size_t n,
    void *arg);

struct signpool;

/* threads workers; the event base must have thread support
 * (evthread_use_pthreads before it was made). */
int signpool_start(struct event_base *base, struct app *a, unsigned threads,
    signpool_done_fn done, void *arg, struct signpool **out);
/* Queue a job (the pool borrows it until done is called with it). */
void signpool_submit(struct signpool *p, struct sign_job *j);
/* Jobs submitted and not yet handed back. */
size_t signpool_pending(const struct signpool *p);
/* Finish the queued jobs, hand them back, join the threads. */
void signpool_stop(struct signpool *p);

#endif
