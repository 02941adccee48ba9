/*
 * apisign - the client of scripts/bench/api: C connections to tlvsignd's
 * HTTPS API, each kept alive and sending POST /v1/sign with the same file
 * again and again for S seconds. Prints the signatures per second and the
 * 50th and 99th percentile latencies in milliseconds. With BATCH (2 to
 * 256), each request is POST /v1/sign/batch of BATCH copies of the file
 * under different names, and the reply must hold BATCH signatures; the rate
 * is still signatures per second, the latencies those of the requests.
 *
 *   apisign HOST PORT CERT KEY FILE CONNECTIONS SECONDS [BATCH]
 */
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#define MAX_LAT 2000000

static const char *host, *port;
static SSL_CTX *ctx;
static char *body;
static size_t body_len;
static unsigned batch = 1;
static double deadline;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long done_ok, failed;
static double *lat;
static size_t nlat;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
		if ((fd = socket(ai->ai_family, ai->ai_socktype, 0)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			/* a request is one write: nothing to wait for */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
			    sizeof(int));
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int
write_all(SSL *ssl, const char *p, size_t n)
{
	int w;

	while (n > 0) {
		if ((w = SSL_write(ssl, p, n > 65536 ? 65536 : (int)n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One response: status 200 and its whole body, else -1. */
static int
read_response(SSL *ssl, char *buf, size_t size)
{
	size_t have = 0, hlen, clen = 0;
	char *end, *cl;
	int n, status;

	for (;;) {
		if (have + 1 >= size)
			return -1;
		if ((n = SSL_read(ssl, buf + have, (int)(size - have - 1))) <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	hlen = (size_t)(end - buf) + 4;
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	for (cl = buf; (cl = strchr(cl, '\n')) != NULL && cl < end; cl++)
		if (strncasecmp(cl + 1, "Content-Length:", 15) == 0)
			clen = strtoul(cl + 16, NULL, 10);
	while (have < hlen + clen) {
		if (hlen + clen >= size)
			return -1;
		if ((n = SSL_read(ssl, buf + have,
		    (int)(hlen + clen - have))) <= 0)
			return -1;
		have += (size_t)n;
	}
	if (status != 200)
		return -1;
	if (batch > 1) {
		/* as many signatures as files sent */
		unsigned k = 0;
		const char *p = buf + hlen;

		buf[have] = '\0';
		while ((p = strstr(p, "\"sgn\"")) != NULL) {
			k++;
			p += 5;
		}
		if (k != batch)
			return -1;
	}
	return 0;
}

/* The request: POST /v1/sign of the file, or /v1/sign/batch of batch
 * copies of it as JSON ({"files": [{"filename": ..., "data": base64}]}). */
static char *
make_request(size_t *len)
{
	size_t b64 = 4 * ((body_len + 2) / 3), cap, n = 0;
	char *req, *json;
	unsigned i;

	if (batch == 1) {
		if ((req = malloc(256 + body_len)) == NULL)
			return NULL;
		n = (size_t)snprintf(req, 256, "POST /v1/sign?filename="
		    "SEP001122334455.cnf.xml HTTP/1.1\r\nHost: %s\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Content-Length: %zu\r\n\r\n", host, body_len);
		memcpy(req + n, body, body_len);
		*len = n + body_len;
		return req;
	}
	cap = 64 + batch * (b64 + 80);
	if ((json = malloc(cap)) == NULL || (req = malloc(cap + 256)) == NULL) {
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
	*len = (size_t)snprintf(req, 256, "POST /v1/sign/batch HTTP/1.1\r\n"
	    "Host: %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", host, n);
	memcpy(req + *len, json, n);
	*len += n;
	free(json);
	return req;
}

static void *
client(void *arg)
{
	char *req, *buf;
	size_t rlen = 0;
	double t0, *mine;
	size_t nmine = 0, cap = MAX_LAT / 64;
	unsigned long ok = 0, bad = 0;
	SSL *ssl = NULL;
	int fd = -1;

	(void)arg;
	buf = malloc(4 << 20);
	mine = malloc(cap * sizeof(*mine));
	/* the request, headers and body, in one buffer */
	req = make_request(&rlen);
	while (buf != NULL && mine != NULL && req != NULL && now() < deadline) {
		if (ssl == NULL) {
			if ((fd = dial()) < 0 || (ssl = SSL_new(ctx)) == NULL ||
			    SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
				bad++;
				goto drop;
			}
		}
		t0 = now();
		if (write_all(ssl, req, rlen) != 0 ||
		    read_response(ssl, buf, 4 << 20) != 0) {
			bad++;
			goto drop;
		}
		ok += batch;
		if (nmine < cap)
			mine[nmine++] = now() - t0;
		continue;
drop:
		SSL_free(ssl);
		ssl = NULL;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&lock);
	done_ok += ok;
	failed += bad;
	if (mine != NULL && nlat + nmine <= MAX_LAT) {
		memcpy(lat + nlat, mine, nmine * sizeof(*mine));
		nlat += nmine;
	}
	pthread_mutex_unlock(&lock);
	free(mine);
	free(buf);
	free(req);
	return NULL;
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
	pthread_t th[512];
	int conns, seconds, i, started = 0;
	double t0, t1;
	FILE *f;

	if ((argc != 8 && argc != 9) || (conns = atoi(argv[6])) < 1 ||
	    conns > 512 || (seconds = atoi(argv[7])) < 1 ||
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
	t0 = now();
	deadline = t0 + seconds;
	for (i = 0; i < conns; i++)
		if (pthread_create(&th[i], NULL, client, NULL) == 0)
			started++;
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	if (done_ok == 0 || failed > done_ok / batch / 100) {
		fprintf(stderr, "apisign: %lu signed, %lu failed\n", done_ok,
		    failed);
		return 1;
	}
	qsort(lat, nlat, sizeof(*lat), cmp);
	printf("%.1f %.2f %.2f\n", (double)done_ok / (t1 - t0),
	    1000 * lat[nlat / 2], 1000 * lat[nlat * 99 / 100]);
	SSL_CTX_free(ctx);
	free(lat);
	free(body);
	return 0;
}
