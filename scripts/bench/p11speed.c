/*
 * p11speed - the bare signing rate of a token key: T threads, each with its
 * own PKCS#11 session, calling token_sign (local digest + C_Sign) in a loop
 * for S seconds. The reference for scripts/bench/sign and bench/api.
 *
 *   p11speed PURPOSE THREADS SECONDS [copy]   (TLVSIGN_CONF names the appliance)
 *
 * Signs with the token's key object itself; with "copy", each thread signs
 * with a session copy of the key of its own (token_key_copy), as tlvsign
 * and tlvsignd do with [token] copy-keys = yes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/app.h"
#include "ops/certs.h"
#include "util/error.h"

static struct app a;
static struct token_key key;
static int copy;
static double deadline;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long total;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
run(void *arg)
{
	uint8_t data[2048], *sig;
	size_t siglen;
	unsigned long n = 0;
	struct token_key k = key;

	(void)arg;
	if (copy) {
		token_key_copy(a.token, &key, &k);
		if (!k.copied)
			fprintf(stderr, "p11speed: the token made no copy of "
			    "the key: signing with the key itself\n");
	}
	memset(data, 'x', sizeof(data));
	while (now() < deadline) {
		if (token_sign(a.token, &k, EVP_sha1(), data, sizeof(data),
		    &sig, &siglen) != 0) {
			fprintf(stderr, "p11speed: %s\n",
			    ts_error_detail(TS_ERR_TOKEN));
			break;
		}
		free(sig);
		n++;
	}
	token_key_drop(a.token, &k);
	pthread_mutex_lock(&lock);
	total += n;
	pthread_mutex_unlock(&lock);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct cert_row row;
	pthread_t th[64];
	int threads, seconds, i, r;
	double t0;

	if (argc < 4 || argc > 5 || (threads = atoi(argv[2])) < 1 ||
	    threads > 64 || (seconds = atoi(argv[3])) < 1 ||
	    (argc == 5 && strcmp(argv[4], "copy") != 0)) {
		fprintf(stderr, "usage: p11speed PURPOSE THREADS SECONDS "
		    "[copy]\n");
		return 2;
	}
	copy = argc == 5;
	if ((r = app_open(NULL, APP_INVENTORY | APP_LOGIN, &a)) != 0 ||
	    (r = ops_cert_get(&a, argv[1], NULL, &row)) != 0 ||
	    (r = app_find_key(&a, row.key_id, &key)) != 0) {
		fprintf(stderr, "p11speed: %s\n", ts_error_detail(r));
		return 1;
	}
	cert_row_free(&row);
	t0 = now();
	deadline = t0 + seconds;
	for (i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, run, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	printf("%.1f\n", (double)total / (now() - t0));
	app_close(&a);
	return 0;
}
