/* tvsd.c - the TVS listener: accept, TLS, frames, answers, drain. */
#include "daemon/tvsd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>

#include "daemon/log.h"
#include "format/tvs.h"
#include "util/error.h"

#define MAX_WORKERS 64

struct worker;

struct conn {
	struct worker *w;
	struct bufferevent *bev;
	struct event *deadline;
	struct tvsd_snapshot *snap;
	struct conn *prev, *next;
	char peer[64];
	/* "TLS TLSv1.3 resumed: ", said with the connection's first answer
	 * (or when it closes without one): one log line per phone */
	char tls[48];
	unsigned answered;
	int connected;            /* TLS handshake done */
	int close_after_write;
};

struct worker {
	struct tvsd *d;
	pthread_t thread;
	struct event_base *base;
	struct evconnlistener *lev;
	struct event *stop_ev;
	struct conn *conns;
	int fd;
	int draining;
};

struct tvsd {
	pthread_mutex_t lock;
	struct tvsd_snapshot *snap;
	struct worker workers[MAX_WORKERS];
	unsigned nworkers;        /* threads running */
	unsigned nalloc;          /* workers set up */
	unsigned nconn;           /* connections at once, all workers */
};

void
tvsd_snapshot_free(struct tvsd_snapshot *snap)
{
	if (snap == NULL)
		return;
	SSL_CTX_free(snap->ctx);
	tvs_db_free(&snap->db);
	free(snap);
}

static struct tvsd_snapshot *
snapshot_get(struct tvsd *d)
{
	struct tvsd_snapshot *s;

	pthread_mutex_lock(&d->lock);
	s = d->snap;
	s->refs++;
	pthread_mutex_unlock(&d->lock);
	return s;
}

static void
snapshot_put(struct tvsd *d, struct tvsd_snapshot *s)
{
	int last;

	pthread_mutex_lock(&d->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&d->lock);
	if (last)
		tvsd_snapshot_free(s);
}

void
tvsd_replace(struct tvsd *d, struct tvsd_snapshot *snap)
{
	struct tvsd_snapshot *old;
	int last;

	snap->refs = 1;
	pthread_mutex_lock(&d->lock);
	old = d->snap;
	d->snap = snap;
	last = --old->refs == 0;
	pthread_mutex_unlock(&d->lock);
	if (last)
		tvsd_snapshot_free(old);
}

static void
peer_text(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, size, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, size, "[%s]:%u", host, port);
	} else {
		snprintf(buf, size, "?");
	}
}

static void
conn_close(struct conn *c)
{
	struct worker *w = c->w;

	if (c->tls[0] != '\0')
		dlog(LOG_P_INFO, "tvs %s: %sclosed without a request", c->peer,
		    c->tls);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	event_free(c->deadline);
	bufferevent_free(c->bev);
	snapshot_put(w->d, c->snap);
	__atomic_sub_fetch(&w->d->nconn, 1, __ATOMIC_SEQ_CST);
	free(c);
	if (w->draining && w->conns == NULL)
		event_base_loopexit(w->base, NULL);
}

/* Nothing half-read and nothing unsent: a drain may close it now. */
static int
conn_idle(struct conn *c)
{
	return c->connected &&
	    evbuffer_get_length(bufferevent_get_input(c->bev)) == 0 &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
}

/* Log why the connection goes, in its one line (with the TLS prefix if
 * nothing said it yet), and close it. */
static void
conn_drop(struct conn *c, int prio, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	dlog(prio, "tvs %s: %s%s", c->peer, c->tls, why);
	c->tls[0] = '\0';
	conn_close(c);
}

static const char *
type_name(uint8_t type)
{
	return type == TVS_VERIFY_REQUEST ? "verify" : "query";
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct tvs_header h;
	struct tvs_outcome oc;
	struct wbuf out;
	uint8_t hdr[TVS_HEADER_LEN], *frame;
	size_t avail, flen;
	int r;

	for (;;) {
		avail = evbuffer_get_length(in);
		if (avail < TVS_HEADER_LEN)
			break;
		evbuffer_copyout(in, hdr, sizeof(hdr));
		if ((r = tvs_header_parse(hdr, sizeof(hdr), &h)) != 0) {
			conn_drop(c, LOG_P_WARNING, "dropped without reply: %s",
			    ts_error_detail(r));
			return;
		}
		flen = TVS_HEADER_LEN + (size_t)h.len;
		if (avail < flen)
			break;
		if ((frame = evbuffer_pullup(in, (ev_ssize_t)flen)) == NULL) {
			conn_drop(c, LOG_P_ERR, "out of memory");
			return;
		}
		wbuf_init(&out);
		r = tvs_db_answer(&c->snap->db, c->snap->ttl, frame, flen, &out,
		    &oc);
		evbuffer_drain(in, flen);
		if (r != 0) {
			wbuf_free(&out);
			conn_drop(c, LOG_P_WARNING, "dropped without reply: %s",
			    ts_error_detail(r));
			return;
		}
		if (bufferevent_write(bev, out.data, out.len) != 0) {
			wbuf_free(&out);
			conn_drop(c, LOG_P_ERR, "cannot queue the answer");
			return;
		}
		wbuf_free(&out);
		c->answered++;
		dlog(LOG_P_INFO, "tvs %s: %s%s%s%s: %s%s%s", c->peer, c->tls,
		    type_name(oc.type), oc.device[0] ? " from " : "",
		    oc.device, oc.valid ? "valid" : "invalid",
		    oc.what[0] ? ": " : "", oc.what);
		c->tls[0] = '\0';
	}
	if (c->w->draining && evbuffer_get_length(in) == 0)
		c->close_after_write = 1;
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->close_after_write &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_close(c);
}

static void
ssl_errors(char *buf, size_t size)
{
	unsigned long e;

	buf[0] = '\0';
	if ((e = ERR_get_error()) != 0)
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	char err[256];

	if (what & BEV_EVENT_CONNECTED) {
		SSL *ssl = bufferevent_openssl_get_ssl(bev);

		c->connected = 1;
		snprintf(c->tls, sizeof(c->tls), "TLS %s %s: ",
		    SSL_get_version(ssl), SSL_session_reused(ssl) ?
		    "resumed" : "full handshake");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		ssl_errors(err, sizeof(err));
		if (!c->connected) {
			conn_drop(c, LOG_P_WARNING, "TLS handshake failed%s%s",
			    err[0] ? ": " : "", err);
			return;
		}
		if (err[0] != '\0') {
			conn_drop(c, LOG_P_WARNING, "%s", err);
			return;
		}
	}
	conn_close(c);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	conn_drop(c, LOG_P_WARNING, "dropped: over the %u-second connection "
	    "deadline after %u answer%s", c->snap->timeout, c->answered,
	    c->answered == 1 ? "" : "s");
}

static void
accept_fd(struct worker *w, evutil_socket_t fd, const struct sockaddr *sa)
{
	struct tvsd *d = w->d;
	struct conn *c;
	struct timeval tv;
	char peer[64];
	SSL *ssl;
	unsigned n, max;
	int one = 1;

	peer_text(sa, peer, sizeof(peer));
	/* a handshake flight, tickets and the answer go out at once, not
	 * held back for an acknowledgement */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	n = __atomic_add_fetch(&d->nconn, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&d->lock);
	max = d->snap->max_conn;
	pthread_mutex_unlock(&d->lock);
	if (n > max) {
		__atomic_sub_fetch(&d->nconn, 1, __ATOMIC_SEQ_CST);
		evutil_closesocket(fd);
		dlog(LOG_P_WARNING, "tvs %s: refused: %u connections at once "
		    "(max-connections)", peer, max);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->w = w;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->snap = snapshot_get(d);
	if ((ssl = SSL_new(c->snap->ctx)) == NULL) {
		snapshot_put(d, c->snap);
		free(c);
		goto fail;
	}
	c->bev = bufferevent_openssl_socket_new(w->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		SSL_free(ssl);
		snapshot_put(d, c->snap);
		free(c);
		goto fail;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	if ((c->deadline = evtimer_new(w->base, deadline_cb, c)) == NULL) {
		bufferevent_free(c->bev);
		snapshot_put(d, c->snap);
		free(c);
		__atomic_sub_fetch(&d->nconn, 1, __ATOMIC_SEQ_CST);
		dlog(LOG_P_ERR, "tvs %s: out of memory", peer);
		return;
	}
	tv.tv_sec = c->snap->timeout;
	tv.tv_usec = 0;
	evtimer_add(c->deadline, &tv);
	/* read at most one frame ahead */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    TVS_HEADER_LEN + TVS_MAX_PAYLOAD);
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = w->conns;
	if (w->conns != NULL)
		w->conns->prev = c;
	w->conns = c;
	return;
fail:
	__atomic_sub_fetch(&d->nconn, 1, __ATOMIC_SEQ_CST);
	evutil_closesocket(fd);
	dlog(LOG_P_ERR, "tvs %s: cannot set up the connection", peer);
}

static void
listener_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	(void)lev;
	(void)salen;
	accept_fd(arg, fd, sa);
}

static void
listener_error_cb(struct evconnlistener *lev, void *arg)
{
	(void)lev;
	(void)arg;
	dlog(LOG_P_ERR, "tvs: accept failed: %s",
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* SIGTERM, in the worker's thread: take what waits in the accept queue,
 * close the socket, close idle connections, finish the rest. */
static void
stop_cb(evutil_socket_t unused, short what, void *arg)
{
	struct worker *w = arg;
	struct sockaddr_storage ss;
	struct conn *c, *next;
	socklen_t sl;
	int fd;

	(void)unused;
	(void)what;
	w->draining = 1;
	if (w->lev != NULL) {
		evconnlistener_disable(w->lev);
		for (;;) {
			sl = sizeof(ss);
			fd = accept4(w->fd, (struct sockaddr *)&ss, &sl,
			    SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				break;
			accept_fd(w, fd, (struct sockaddr *)&ss);
		}
		evconnlistener_free(w->lev);
		w->lev = NULL;
		w->fd = -1;
	}
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		if (conn_idle(c) && c->answered > 0)
			conn_close(c);
		else
			c->close_after_write = c->answered > 0 &&
			    evbuffer_get_length(bufferevent_get_input(c->bev))
			    == 0;
	}
	if (w->conns == NULL)
		event_base_loopexit(w->base, NULL);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

static int
bind_socket(const char *host, unsigned port, int *fdp, unsigned *bound)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return ts_error(TS_ERR_CONFIG, "[tvs] listen: \"%s\" is "
			    "not an IPv6 address", host);
		sl = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return ts_error(TS_ERR_CONFIG, "[tvs] listen: \"%s\" is "
			    "not an IPv4 address", host);
		sl = sizeof(*in);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return ts_error(TS_ERR_IO, "socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    listen(fd, 512) != 0) {
		int e = errno;

		close(fd);
		return ts_error(TS_ERR_IO, "cannot listen on %s port %u: %s",
		    host, port, strerror(e));
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		close(fd);
		return ts_error(TS_ERR_IO, "getsockname: %s", strerror(errno));
	}
	*bound = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	*fdp = fd;
	return 0;
}

static void
workers_free(struct tvsd *d, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct worker *w = &d->workers[i];

		if (w->lev != NULL)
			evconnlistener_free(w->lev);
		else if (w->fd >= 0)
			close(w->fd);
		if (w->stop_ev != NULL)
			event_free(w->stop_ev);
		if (w->base != NULL)
			event_base_free(w->base);
	}
}

int
tvsd_start(const char *host, unsigned port, unsigned workers,
    struct tvsd_snapshot *snap, unsigned *port_out, struct tvsd **out)
{
	struct tvsd *d;
	sigset_t all, old;
	unsigned i, started = 0;
	int r = 0;

	*out = NULL;
	if (workers < 1)
		workers = 1;
	if (workers > MAX_WORKERS)
		workers = MAX_WORKERS;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&d->lock, NULL);
	d->nalloc = workers;
	for (i = 0; i < workers; i++)
		d->workers[i].fd = -1;
	/* the first socket fixes the port, the others share it */
	for (i = 0; i < workers && r == 0; i++) {
		struct worker *w = &d->workers[i];

		w->d = d;
		if ((r = bind_socket(host, port, &w->fd, &port)) != 0)
			break;
		if ((w->base = event_base_new()) == NULL ||
		    (w->stop_ev = event_new(w->base, -1, 0, stop_cb, w)) ==
		    NULL ||
		    (w->lev = evconnlistener_new(w->base, listener_cb, w,
		    LEV_OPT_CLOSE_ON_FREE, -1, w->fd)) == NULL)
			r = ts_error(TS_ERR_NOMEM, "cannot set up event loop %u",
			    i);
		else
			evconnlistener_set_error_cb(w->lev, listener_error_cb);
	}
	if (r != 0) {
		workers_free(d, workers);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return r;
	}
	snap->refs = 1;
	d->snap = snap;
	/* signals are the main thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < workers; i++) {
		if (pthread_create(&d->workers[i].thread, NULL, worker_main,
		    &d->workers[i]) != 0)
			break;
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	d->nworkers = started;
	/* a worker that did not start must not leave its socket accepting */
	for (i = started; i < workers; i++) {
		evconnlistener_free(d->workers[i].lev);
		d->workers[i].lev = NULL;
		d->workers[i].fd = -1;
	}
	if (started == 0) {
		workers_free(d, workers);
		d->snap = NULL;
		pthread_mutex_destroy(&d->lock);
		free(d);
		return ts_error(TS_ERR_NOMEM, "cannot start worker threads");
	}
	*port_out = port;
	*out = d;
	return 0;
}

void
tvsd_stop(struct tvsd *d)
{
	unsigned i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nworkers; i++)
		event_active(d->workers[i].stop_ev, EV_READ, 0);
	for (i = 0; i < d->nworkers; i++)
		pthread_join(d->workers[i].thread, NULL);
	workers_free(d, d->nalloc);
	tvsd_snapshot_free(d->snap);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
