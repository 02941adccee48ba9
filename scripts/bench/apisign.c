/*
 * apisign - the client of scripts/bench/api: C connections to tlvsignd's
 * HTTPS API, each kept alive and sending POST /v1/sign with the same file
 * again and again for S seconds, all held in flight from one thread on
 * epoll, as a load generator does (a thread per connection would have the
 * scheduler share the few cores among the clients and the service alike).
 * Prints the signatures per second, the 50th and 99th percentile
 * latencies in milliseconds, and its own CPU time per signature in
 * microseconds (user and system). With BATCH (2 to 256), each request is POST
 * /v1/sign/batch of BATCH copies of the file under different names, and
 * the reply must hold BATCH signatures; the rate is still signatures per
 * second, the latencies those of the requests.
 *
 *   apisign HOST PORT CERT KEY FILE CONNECTIONS SECONDS [BATCH]
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "sslwait.h"

#define MAX_LAT 2000000
#define MAX_REPLY (8u << 20)

enum { C_HANDSHAKE, C_WRITE, C_READ };

struct conn {
	int fd;
	SSL *ssl;
	int state;
	uint32_t events;        /* what epoll waits for on fd */
	double t0;              /* the request's start */
	size_t sent;            /* of the request */
	char *buf;              /* the reply so far, NUL-terminated */
	size_t have, size;
};

static const char *host, *port;
static SSL_CTX *ctx;
static char *body, *req;
static size_t body_len, req_len;
static unsigned batch = 1;
static int ep;
static double deadline;
static unsigned long done_ok, failed;
static unsigned open_conns;
static double *lat;
static size_t nlat;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A non-blocking socket being connected to HOST PORT, or -1. */
static int
dial(void)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype |
		    SOCK_NONBLOCK, 0)) < 0)
			continue;
		/* a request is one write: nothing to wait for */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
		    sizeof(int));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The reply in c->buf: 1 incomplete, 0 status 200 and whole, else -1. */
static int
reply_check(struct conn *c)
{
	size_t hlen, clen = 0;
	char *end, *cl;
	int status;

	if ((end = strstr(c->buf, "\r\n\r\n")) == NULL)
		return 1;
	hlen = (size_t)(end - c->buf) + 4;
	if (sscanf(c->buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	for (cl = c->buf; (cl = strchr(cl, '\n')) != NULL && cl < end; cl++)
		if (strncasecmp(cl + 1, "Content-Length:", 15) == 0)
			clen = strtoul(cl + 16, NULL, 10);
	if (hlen + clen >= MAX_REPLY)
		return -1;
	if (c->have < hlen + clen)
		return 1;
	if (c->have > hlen + clen || status != 200)
		return -1;
	if (batch > 1) {
		/* as many signatures as files sent */
		unsigned k = 0;
		const char *p = c->buf + hlen;

		while ((p = strstr(p, "\"sgn\"")) != NULL) {
			k++;
			p += 5;
		}
		if (k != batch)
			return -1;
	}
	return 0;
}

static void
conn_drop(struct conn *c)
{
	SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);           /* leaves the epoll set too */
	c->ssl = NULL;
	c->fd = -1;
	open_conns--;
	ERR_clear_error();
}

static int
conn_open(struct conn *c)
{
	struct epoll_event ev;

	if ((c->fd = dial()) < 0)
		return -1;
	if ((c->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		SSL_free(c->ssl);
		close(c->fd);
		c->ssl = NULL;
		c->fd = -1;
		return -1;
	}
	SSL_set_connect_state(c->ssl);
	c->state = C_HANDSHAKE;
	/* the connect is done when the socket can be written */
	c->events = EPOLLOUT;
	ev.events = c->events;
	ev.data.ptr = c;
	open_conns++;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		conn_drop(c);
		return -1;
	}
	return 0;
}

static void
request_start(struct conn *c)
{
	c->state = C_WRITE;
	c->sent = 0;
	c->have = 0;
	c->buf[0] = '\0';
	c->t0 = now();
}

/* Run c as far as it goes without waiting: 0 waiting for epoll or past
 * the deadline, -1 failed (dropped). */
static int
conn_step(struct conn *c)
{
	int k, r;

	for (;;) {
		if (c->state == C_HANDSHAKE) {
			if ((k = SSL_do_handshake(c->ssl)) == 1) {
				request_start(c);
				continue;
			}
		} else if (c->state == C_WRITE) {
			k = SSL_write(c->ssl, req + c->sent,
			    (int)(req_len - c->sent));
			if (k > 0) {
				c->sent += (size_t)k;
				if (c->sent == req_len)
					c->state = C_READ;
				continue;
			}
		} else {
			if (c->have + 1 >= c->size) {
				char *nb;

				if (c->size >= MAX_REPLY ||
				    (nb = realloc(c->buf, c->size * 2)) ==
				    NULL)
					goto fail;
				c->buf = nb;
				c->size *= 2;
			}
			k = SSL_read(c->ssl, c->buf + c->have,
			    (int)(c->size - c->have - 1));
			if (k > 0) {
				c->have += (size_t)k;
				c->buf[c->have] = '\0';
				if ((r = reply_check(c)) < 0)
					goto fail;
				if (r == 0) {
					done_ok += batch;
					if (nlat < MAX_LAT)
						lat[nlat++] = now() - c->t0;
					if (now() >= deadline) {
						conn_drop(c);
						return 0;
					}
					request_start(c);
				}
				continue;
			}
		}
		if (ssl_wait(c->ssl, k, ep, c->fd, c, &c->events) != 0)
			goto fail;
		return 0;
	}
fail:
	failed++;
	conn_drop(c);
	return -1;
}

/* The request: POST /v1/sign of the file, or /v1/sign/batch of batch
 * copies of it as JSON ({"files": [{"filename": ..., "data": base64}]}). */
static char *
make_request(size_t *len)
{
	size_t b64 = 4 * ((body_len + 2) / 3), cap, n = 0;
	char *r, *json;
	unsigned i;

	if (batch == 1) {
		if ((r = malloc(256 + body_len)) == NULL)
			return NULL;
		n = (size_t)snprintf(r, 256, "POST /v1/sign?filename="
		    "SEP001122334455.cnf.xml HTTP/1.1\r\nHost: %s\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Length: %zu\r\n\r\n", host, body_len);
		memcpy(r + n, body, body_len);
		*len = n + body_len;
		return r;
	}
	cap = 64 + batch * (b64 + 80);
	if ((json = malloc(cap)) == NULL || (r = malloc(cap + 256)) == NULL) {
		free(json);
		return NULL;
	}
	n = (size_t)snprintf(json, cap, "{\"files\": [");
	for (i = 0; i < batch; i++) {
		n += (size_t)snprintf(json + n, cap - n, "%s{\"filename\": "
		    "\"SEP%012X.cnf.xml\", \"data\": \"", i ? ", " : "", i);
		n += (size_t)EVP_EncodeBlock((unsigned char *)json + n,
		    (const unsigned char *)body, (int)body_len);
		n += (size_t)snprintf(json + n, cap - n, "\"}");
	}
	n += (size_t)snprintf(json + n, cap - n, "]}");
	*len = (size_t)snprintf(r, 256, "POST /v1/sign/batch HTTP/1.1\r\n"
	    "Host: %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", host, n);
	memcpy(r + *len, json, n);
	*len += n;
	free(json);
	return r;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[64];
	struct conn *conns;
	int nconn, seconds, i, k;
	double t0, t1, cpu0;
	FILE *f;

	if ((argc != 8 && argc != 9) || (nconn = atoi(argv[6])) < 1 ||
	    nconn > 512 || (seconds = atoi(argv[7])) < 1 ||
	    (argc == 9 && ((batch = (unsigned)atoi(argv[8])) < 1 ||
	    batch > 256))) {
		fprintf(stderr, "usage: apisign HOST PORT CERT KEY FILE "
		    "CONNECTIONS SECONDS [BATCH]\n");
		return 2;
	}
	host = argv[1];
	port = argv[2];
	if ((f = fopen(argv[5], "rb")) == NULL || (body = malloc(1 << 20)) ==
	    NULL || (body_len = fread(body, 1, 1 << 20, f)) == 0) {
		fprintf(stderr, "apisign: cannot read %s\n", argv[5]);
		return 1;
	}
	fclose(f);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_use_certificate_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, argv[4], SSL_FILETYPE_PEM) != 1 ||
	    (lat = malloc(MAX_LAT * sizeof(*lat))) == NULL) {
		fprintf(stderr, "apisign: cannot load %s and %s\n", argv[3],
		    argv[4]);
		return 1;
	}
	/* a request longer than a record goes out in parts */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
	/* a reply's records (headers, body) in one read: conn_step reads
	 * until the connection would block, so none is left behind */
	SSL_CTX_set_read_ahead(ctx, 1);
	if ((req = make_request(&req_len)) == NULL ||
	    (conns = calloc((size_t)nconn, sizeof(*conns))) == NULL ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		fprintf(stderr, "apisign: out of memory\n");
		return 1;
	}
	for (i = 0; i < nconn; i++) {
		conns[i].fd = -1;
		conns[i].size = 65536;
		if ((conns[i].buf = malloc(conns[i].size)) == NULL) {
			fprintf(stderr, "apisign: out of memory\n");
			return 1;
		}
	}
	t0 = now();
	cpu0 = bench_cpu_seconds();
	deadline = t0 + seconds;
	for (i = 0; i < nconn; i++)
		if (conn_open(&conns[i]) != 0)
			failed++;
	/* a reply that never comes ends the run too */
	while (open_conns > 0 && now() < deadline + 30) {
		if ((k = epoll_wait(ep, evs, 64, 1000)) < 0 && errno != EINTR)
			break;
		for (i = 0; i < k; i++) {
			struct conn *c = evs[i].data.ptr;

			/* a dropped connection is dialled again */
			if (conn_step(c) != 0 && now() < deadline &&
			    conn_open(c) != 0)
				failed++;
		}
	}
	t1 = now();
	if (done_ok == 0 || failed > done_ok / batch / 100) {
		fprintf(stderr, "apisign: %lu signed, %lu failed\n", done_ok,
		    failed);
		return 1;
	}
	qsort(lat, nlat, sizeof(*lat), cmp);
	printf("%.1f %.2f %.2f %.0f\n", (double)done_ok / (t1 - t0),
	    1000 * lat[nlat / 2], 1000 * lat[nlat * 99 / 100],
	    (bench_cpu_seconds() - cpu0) * 1e6 / (double)done_ok);
	for (i = 0; i < nconn; i++)
		free(conns[i].buf);
	free(conns);
	SSL_CTX_free(ctx);
	free(lat);
	free(req);
	free(body);
	close(ep);
	return 0;
}
