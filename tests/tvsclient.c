/*
 * tvsclient.c - a TVS client for the tests (FORMATS.md section 7 over
 * TLS): verify and query requests, raw frames, session resumption, many
 * clients at once, and slow clients.
 *
 *   tvsclient [--tls1.0|--tls1.2] [--server-cert PEM] HOST PORT verify CERT
 *       [DEVICE]
 *   tvsclient ... HOST PORT query CERT       (by its subject/issuer/serial)
 *   tvsclient ... HOST PORT raw FILE         (exit 0 when closed unanswered)
 *   tvsclient ... HOST PORT resume CERT N    (N connections, one session)
 *   tvsclient ... HOST PORT load CERT CLIENTS REQUESTS
 *   tvsclient ... HOST PORT hold SECONDS     (TLS up, send nothing)
 *   tvsclient ... HOST PORT bench CERT CLIENTS SECONDS verify|handshake
 *       CLIENTS connections in flight at once from one thread, a new TLS
 *       connection per request (no resumption): the rate per second, the
 *       50th and 99th percentile latencies, the failures, and the client's
 *       own CPU time per request in microseconds (user and system)
 *   tvsclient ... HOST PORT bench CERT CLIENTS SECONDS verify-resume
 *       the same, each client resuming the session of its previous
 *       connection (a returning phone); adds the number resumed
 *
 * --tls1.0 speaks TLS 1.0 only (old phones); --tls1.2 at most TLS 1.2, the
 * newest version many phones speak, where a resumed handshake has no key
 * exchange; by default the newest both sides have (TLS 1.3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "../scripts/bench/sslwait.h"
#include "format/tvs.h"
#include "util/error.h"
#include "x509/cert.h"

static const char *host;
static unsigned port;
static SSL_CTX *ctx;
static X509 *server_cert;

static int
tcp_connect(void)
{
	struct sockaddr_in sa;
	struct timeval tv = { 20, 0 };
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -1;
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A TLS connection, resuming sess when given; NULL on failure. */
static SSL *
tls_connect(SSL_SESSION *sess)
{
	SSL *ssl;
	int fd;

	if ((fd = tcp_connect()) < 0)
		return NULL;
	if ((ssl = SSL_new(ctx)) == NULL) {
		close(fd);
		return NULL;
	}
	SSL_set_fd(ssl, fd);
	if (sess != NULL)
		SSL_set_session(ssl, sess);
	if (SSL_connect(ssl) != 1)
		goto fail;
	if (server_cert != NULL) {
		X509 *peer = SSL_get0_peer_certificate(ssl);

		if (peer == NULL || X509_cmp(peer, server_cert) != 0) {
			fprintf(stderr, "tvsclient: the server presents another "
			    "certificate\n");
			goto fail;
		}
	}
	return ssl;
fail:
	ERR_clear_error();
	close(fd);
	SSL_free(ssl);
	return NULL;
}

static void
tls_close(SSL *ssl)
{
	int fd = SSL_get_fd(ssl);

	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
}

static int
write_all(SSL *ssl, const uint8_t *p, size_t n)
{
	return n == 0 || SSL_write(ssl, p, (int)n) == (int)n ? 0 : -1;
}

static int
read_all(SSL *ssl, uint8_t *p, size_t n)
{
	size_t got = 0;
	int k;

	while (got < n) {
		if ((k = SSL_read(ssl, p + got, (int)(n - got))) <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/* Read one response frame; 0 and *len, or -1 when the stream ends. */
static int
read_frame(SSL *ssl, uint8_t *buf, size_t size, size_t *len)
{
	uint16_t plen;

	if (read_all(ssl, buf, TVS_HEADER_LEN) != 0)
		return -1;
	plen = (uint16_t)(buf[8] << 8 | buf[9]);
	if (TVS_HEADER_LEN + (size_t)plen > size ||
	    read_all(ssl, buf + TVS_HEADER_LEN, plen) != 0)
		return -1;
	*len = TVS_HEADER_LEN + plen;
	return 0;
}

static X509 *
read_cert(const char *path)
{
	FILE *fp = fopen(path, "r");
	X509 *x;

	if (fp == NULL)
		return NULL;
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	return x;
}

static int
request(X509 *x, int query, const char *device, uint32_t id, struct wbuf *w)
{
	struct tvs_request q;
	uint8_t *der = NULL, *serial = NULL;
	char *subject = NULL, *issuer = NULL;
	size_t len, slen;
	int r;

	memset(&q, 0, sizeof(q));
	q.hdr.type = query ? TVS_QUERY_REQUEST : TVS_VERIFY_REQUEST;
	q.hdr.id[0] = (uint8_t)(id >> 24);
	q.hdr.id[1] = (uint8_t)(id >> 16);
	q.hdr.id[2] = (uint8_t)(id >> 8);
	q.hdr.id[3] = (uint8_t)id;
	q.device = device;
	q.device_len = strlen(device);
	if (query) {
		if ((r = cert_dn_text(X509_get_subject_name(x), ',', &subject)) ||
		    (r = cert_dn_text(X509_get_issuer_name(x), ',', &issuer)) ||
		    (r = cert_serial(x, &serial, &slen)))
			goto out;
		q.subject = subject;
		q.issuer = issuer;
		q.serial = serial;
		q.serial_len = slen;
	} else {
		if ((r = cert_der(x, &der, &len)) != 0)
			goto out;
		q.cert = der;
		q.cert_len = len;
	}
	r = tvs_request_encode(&q, w);
out:
	free(der);
	free(serial);
	free(subject);
	free(issuer);
	return r;
}

/* A response frame that parses and answers request id of its kind: 0. */
static int
response_check(const uint8_t *buf, size_t len, int query, uint32_t id,
    struct tvs_response *s)
{
	if (tvs_response_parse(buf, len, s) != 0) {
		fprintf(stderr, "tvsclient: bad response: %s\n",
		    ts_error_detail(TS_ERR_FORMAT));
		return -1;
	}
	if (s->hdr.type != (query ? TVS_QUERY_RESPONSE : TVS_VERIFY_RESPONSE) ||
	    ((uint32_t)s->hdr.id[0] << 24 | (uint32_t)s->hdr.id[1] << 16 |
	    (uint32_t)s->hdr.id[2] << 8 | s->hdr.id[3]) != id) {
		fprintf(stderr, "tvsclient: response type or id mismatch\n");
		return -1;
	}
	return 0;
}

/* One request on ssl: 0 answered (printed when verbose), 1 sent but not
 * answered in full, -1 not sent. */
static int
exchange(SSL *ssl, X509 *x, int query, uint32_t id, int verbose)
{
	struct tvs_response s;
	struct wbuf w;
	uint8_t buf[TVS_HEADER_LEN + TVS_MAX_PAYLOAD];
	size_t len, i;

	wbuf_init(&w);
	if (request(x, query, "CP-8865-SEP00112233AABB", id, &w) != 0 ||
	    write_all(ssl, w.data, w.len) != 0) {
		wbuf_free(&w);
		return -1;
	}
	wbuf_free(&w);
	if (read_frame(ssl, buf, sizeof(buf), &len) != 0)
		return 1;
	if (response_check(buf, len, query, id, &s) != 0)
		return 1;
	if (!verbose)
		return 0;
	if (s.status != TVS_STATUS_VALID) {
		printf("invalid id=%08x\n", id);
		return 0;
	}
	printf("valid roles=");
	for (i = 0; i < s.nroles; i++)
		printf("%s%u", i ? "," : "", s.roles[i]);
	printf(" ttl=%u id=%08x", s.ttl, id);
	if (query) {
		uint8_t *der = NULL;
		size_t dl;

		if (cert_der(x, &der, &dl) == 0)
			printf(" cert=%s", dl == s.cert_len && memcmp(der,
			    s.cert, dl) == 0 ? "same" : "other");
		free(der);
	}
	printf("\n");
	return 0;
}

static int usage(void);

static int
cmd_verify(X509 *x, int query)
{
	SSL *ssl;
	int r;

	if ((ssl = tls_connect(NULL)) == NULL) {
		fprintf(stderr, "tvsclient: cannot connect over TLS\n");
		return 1;
	}
	r = exchange(ssl, x, query, 0x0a0b0c0d, 1);
	tls_close(ssl);
	return r == 0 ? 0 : 1;
}

static int
cmd_raw(const char *path)
{
	uint8_t buf[70000];
	size_t n;
	FILE *fp;
	SSL *ssl;
	int k;

	if ((fp = fopen(path, "rb")) == NULL)
		return 2;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	if ((ssl = tls_connect(NULL)) == NULL) {
		fprintf(stderr, "tvsclient: cannot connect over TLS\n");
		return 2;
	}
	if (write_all(ssl, buf, n) != 0) {
		tls_close(ssl);
		printf("closed\n");
		return 0;
	}
	k = SSL_read(ssl, buf, sizeof(buf));
	tls_close(ssl);
	if (k <= 0) {
		printf("closed\n");
		return 0;
	}
	printf("reply of %d bytes\n", k);
	return 1;
}

static int
cmd_resume(X509 *x, unsigned n)
{
	SSL_SESSION *sess = NULL;
	unsigned i, resumed = 0;
	SSL *ssl;

	for (i = 0; i < n; i++) {
		if ((ssl = tls_connect(sess)) == NULL ||
		    exchange(ssl, x, 0, i, 0) != 0) {
			fprintf(stderr, "tvsclient: connection %u failed\n", i);
			return 1;
		}
		if (SSL_session_reused(ssl))
			resumed++;
		SSL_SESSION_free(sess);
		sess = SSL_get1_session(ssl);
		tls_close(ssl);
	}
	SSL_SESSION_free(sess);
	printf("resumed %u of %u\n", resumed, n);
	return resumed == n - 1 ? 0 : 1;
}

struct load {
	X509 *x;
	unsigned requests;
	unsigned ok, refused, lost;
};

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static void *
load_thread(void *arg)
{
	struct load *l = arg;
	unsigned i, ok = 0, refused = 0, lost = 0;
	SSL *ssl;
	int r;

	for (i = 0; i < l->requests; i++) {
		if ((ssl = tls_connect(NULL)) == NULL) {
			refused++;
			continue;
		}
		r = exchange(ssl, l->x, 0, i, 0);
		tls_close(ssl);
		if (r == 0)
			ok++;
		else if (r < 0)
			refused++;
		else
			lost++;
	}
	pthread_mutex_lock(&load_lock);
	l->ok += ok;
	l->refused += refused;
	l->lost += lost;
	pthread_mutex_unlock(&load_lock);
	return NULL;
}

static int
cmd_load(X509 *x, unsigned clients, unsigned requests)
{
	pthread_t *th = calloc(clients, sizeof(*th));
	struct load l = { x, requests, 0, 0, 0 };
	unsigned i, started = 0;

	if (th == NULL)
		return 2;
	for (i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, load_thread, &l) == 0)
			started++;
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	printf("answered %u refused %u lost %u of %u\n", l.ok, l.refused,
	    l.lost, started * requests);
	return l.lost == 0 && started == clients ? 0 : 1;
}

static int
cmd_hold(unsigned seconds)
{
	struct timespec t0, t1;
	uint8_t b;
	SSL *ssl;
	int k;

	if ((ssl = tls_connect(NULL)) == NULL)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	(void)seconds;
	k = SSL_read(ssl, &b, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tls_close(ssl);
	/* to the nearest second: the server's deadline runs from accept, this
	 * clock from the end of the handshake */
	printf("closed by the server after %.0f s%s\n",
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, k > 0 ? " with data" : "");
	return k > 0 ? 1 : 0;
}

/*
 * The bench: one thread holds CLIENTS connections in flight on epoll, the
 * way a load generator does, each starting its next connection as soon as
 * its answer is in. A thread per client would measure, on a machine with
 * few cores, how the scheduler shares them among the clients as much as
 * the server.
 */
enum { B_HANDSHAKE, B_WRITE, B_READ };

struct bconn {
	int fd;
	SSL *ssl;
	SSL_SESSION *sess;     /* to resume on the next connection */
	int state;
	uint32_t events;       /* what epoll waits for on fd */
	double t0;
	size_t got;
	uint8_t buf[TVS_HEADER_LEN + TVS_MAX_PAYLOAD];
};

struct bench {
	int ep;
	int handshake_only;
	int resume;            /* each connection resumes the previous one */
	const uint8_t *req;
	size_t req_len;
	double until;
	double *lat;           /* seconds, per completed request */
	size_t n, cap;
	unsigned failed, resumed, open;
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
bconn_end(struct bench *b, struct bconn *c, int ok)
{
	double t1 = now();

	if (ok && b->n < b->cap) {
		b->lat[b->n++] = t1 - c->t0;
		b->resumed += SSL_session_reused(c->ssl) != 0;
	} else if (!ok) {
		b->failed++;
	}
	/* the ticket came before the answer, so the session is complete */
	if (ok && b->resume) {
		SSL_SESSION_free(c->sess);
		c->sess = SSL_get1_session(c->ssl);
	}
	if (ok)
		(void)SSL_shutdown(c->ssl);   /* close_notify; no wait */
	ERR_clear_error();
	SSL_free(c->ssl);
	close(c->fd);                       /* leaves the epoll set too */
	c->ssl = NULL;
	c->fd = -1;
	b->open--;
}

static int
bconn_start(struct bench *b, struct bconn *c)
{
	struct sockaddr_in sa;
	int one = 1;

	c->t0 = now();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    (c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
	    errno != EINPROGRESS) || (c->ssl = SSL_new(ctx)) == NULL) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_connect_state(c->ssl);
	if (c->sess != NULL)
		SSL_set_session(c->ssl, c->sess);
	c->state = B_HANDSHAKE;
	c->got = 0;
	/* the connect is done when the socket can be written */
	c->events = EPOLLOUT;
	b->open++;
	{
		struct epoll_event ev = { .events = c->events, .data.ptr = c };

		if (epoll_ctl(b->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
			bconn_end(b, c, 0);
			return 0;
		}
	}
	return 0;
}

/* Run c as far as it goes without waiting: 1 done (answered or failed),
 * 0 waiting for epoll. */
static int
bconn_step(struct bench *b, struct bconn *c)
{
	struct tvs_response s;
	size_t need;
	int k;

	for (;;) {
		if (c->state == B_HANDSHAKE) {
			k = SSL_do_handshake(c->ssl);
			if (k == 1) {
				X509 *peer = SSL_get0_peer_certificate(c->ssl);

				if (server_cert != NULL && (peer == NULL ||
				    X509_cmp(peer, server_cert) != 0)) {
					fprintf(stderr, "tvsclient: the server "
					    "presents another certificate\n");
					break;
				}
				if (b->handshake_only) {
					bconn_end(b, c, 1);
					return 1;
				}
				c->state = B_WRITE;
				continue;
			}
		} else if (c->state == B_WRITE) {
			/* a retried SSL_write has the same arguments */
			k = SSL_write(c->ssl, b->req, (int)b->req_len);
			if (k > 0) {
				c->state = B_READ;
				continue;
			}
		} else {
			need = TVS_HEADER_LEN;
			if (c->got >= TVS_HEADER_LEN) {
				need += (size_t)(c->buf[8] << 8 | c->buf[9]);
				if (need > sizeof(c->buf))
					break;
				if (c->got == need) {
					if (response_check(c->buf, c->got, 0,
					    1, &s) != 0)
						break;
					bconn_end(b, c, 1);
					return 1;
				}
			}
			k = SSL_read(c->ssl, c->buf + c->got,
			    (int)(need - c->got));
			if (k > 0) {
				c->got += (size_t)k;
				continue;
			}
		}
		if (ssl_wait(c->ssl, k, b->ep, c->fd, c, &c->events) != 0)
			goto fail;
		return 0;
	}
fail:
	ERR_clear_error();
	bconn_end(b, c, 0);
	return 1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cmd_bench(X509 *x, unsigned clients, unsigned seconds, const char *mode)
{
	struct epoll_event evs[64];
	struct bconn *conns = NULL;
	struct bench b;
	struct wbuf w;
	unsigned i;
	double t0, p50, p99, cpu0;
	int k, rc = 2;

	memset(&b, 0, sizeof(b));
	wbuf_init(&w);
	b.handshake_only = strcmp(mode, "handshake") == 0;
	b.resume = strcmp(mode, "verify-resume") == 0;
	if (!b.handshake_only && !b.resume && strcmp(mode, "verify") != 0)
		return usage();
	if (clients < 1 || clients > 4096 || seconds < 1)
		return usage();
	b.cap = 10000000;
	if ((b.ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (b.lat = malloc(b.cap * sizeof(double))) == NULL ||
	    (conns = calloc(clients, sizeof(*conns))) == NULL ||
	    request(x, 0, "CP-8865-SEP00112233AABB", 1, &w) != 0)
		goto out;
	b.req = w.data;
	b.req_len = w.len;
	t0 = now();
	cpu0 = bench_cpu_seconds();
	b.until = t0 + seconds;
	for (i = 0; i < clients; i++)
		if (bconn_start(&b, &conns[i]) != 0)
			b.failed++;
	while (b.open > 0) {
		if ((k = epoll_wait(b.ep, evs, 64, 1000)) < 0 && errno != EINTR)
			goto out;
		for (i = 0; k > 0 && i < (unsigned)k; i++) {
			struct bconn *c = evs[i].data.ptr;

			/* the next connection of a client that is done */
			while (bconn_step(&b, c) == 1 && now() < b.until)
				if (bconn_start(&b, c) != 0) {
					b.failed++;
					break;
				}
		}
	}
	if (b.n == 0) {
		fprintf(stderr, "tvsclient: no request completed\n");
		rc = 1;
		goto out;
	}
	qsort(b.lat, b.n, sizeof(double), cmp_double);
	p50 = b.lat[b.n / 2];
	p99 = b.lat[b.n * 99 / 100];
	printf("%.1f %.2f %.2f %u %.0f", (double)b.n / (now() - t0), p50 * 1000,
	    p99 * 1000, b.failed, (bench_cpu_seconds() - cpu0) * 1e6 / (double)b.n);
	if (b.resume)
		printf(" %u of %zu", b.resumed, b.n);
	printf("\n");
	rc = 0;
out:
	for (i = 0; conns != NULL && i < clients; i++)
		SSL_SESSION_free(conns[i].sess);
	free(conns);
	free(b.lat);
	wbuf_free(&w);
	if (b.ep > 0)
		close(b.ep);
	return rc;
}

static int
usage(void)
{
	fprintf(stderr, "usage: tvsclient [--tls1.0|--tls1.2] [--server-cert "
	    "PEM] HOST PORT verify|query CERT | raw FILE | resume CERT N | "
	    "load CERT CLIENTS REQUESTS | hold SECONDS | bench CERT CLIENTS SECONDS "
	    "verify|handshake|verify-resume\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *cmd;
	X509 *x = NULL;
	int i = 1, tls10 = 0, tls12 = 0, rc;

	/* a server that closes first is an outcome, not a crash */
	signal(SIGPIPE, SIG_IGN);
	while (i < argc && strncmp(argv[i], "--", 2) == 0) {
		if (strcmp(argv[i], "--tls1.0") == 0) {
			tls10 = 1;
			i++;
		} else if (strcmp(argv[i], "--tls1.2") == 0) {
			tls12 = 1;
			i++;
		} else if (strcmp(argv[i], "--server-cert") == 0 &&
		    i + 1 < argc) {
			if ((server_cert = read_cert(argv[i + 1])) == NULL)
				return usage();
			i += 2;
		} else {
			return usage();
		}
	}
	if (argc - i < 3)
		return usage();
	host = argv[i];
	port = (unsigned)atoi(argv[i + 1]);
	cmd = argv[i + 2];
	argv += i + 3;
	argc -= i + 3;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return 2;
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	if (tls12)
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	if (tls10) {
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION);
	}
	if (strcmp(cmd, "hold") == 0 && argc == 1)
		rc = cmd_hold((unsigned)atoi(argv[0]));
	else if (strcmp(cmd, "raw") == 0 && argc == 1)
		rc = cmd_raw(argv[0]);
	else if (argc >= 1 && (x = read_cert(argv[0])) == NULL)
		rc = usage();
	else if ((strcmp(cmd, "verify") == 0 || strcmp(cmd, "query") == 0) &&
	    argc == 1)
		rc = cmd_verify(x, cmd[0] == 'q');
	else if (strcmp(cmd, "resume") == 0 && argc == 2)
		rc = cmd_resume(x, (unsigned)atoi(argv[1]));
	else if (strcmp(cmd, "bench") == 0 && argc == 4)
		rc = cmd_bench(x, (unsigned)atoi(argv[1]),
		    (unsigned)atoi(argv[2]), argv[3]);
	else if (strcmp(cmd, "load") == 0 && argc == 3)
		rc = cmd_load(x, (unsigned)atoi(argv[1]),
		    (unsigned)atoi(argv[2]));
	else
		rc = usage();
	X509_free(x);
	X509_free(server_cert);
	SSL_CTX_free(ctx);
	return rc;
}
