/* tlvsignd.c - the tlvsign network service: the TVS listener, signals,
 * configuration reloads. Front end only: answers come from ops/. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "daemon/api.h"
#include "daemon/log.h"
#include "daemon/notify.h"
#include "daemon/tvsd.h"
#include "ops/app.h"
#include "ops/tvsresp.h"
#include "util/error.h"
#include "util/secret.h"
#include "x509/cert.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: tlvsignd [--config FILE] [--check-config] [--workers N]\n"
    "                [--scheduling batch|inherit]\n"
    "See tlvsignd(8) and tlvsign.conf(5).\n";

struct daemon {
	struct app app;
	const char *config;
	struct tvsd *tvs;
	SSL_CTX *last_ctx;        /* for the ticket keys of the next one */
	char listen[96];
	char api_listen[96];
	struct event_base *base;
	struct api *api;
	/* what is served, to see when the inventory changes it: digests of
	 * the TVS trust store, of the TVS and of the tomcat certificate */
	uint8_t served[3][32];
	long long data_version;   /* of the inventory, when last followed */
	struct event *follow;     /* looks for changes made by tlvsign */
};

/*
 * The service's threads run under SCHED_BATCH. An event loop or a log
 * syncer that wakes up then does not preempt a signing thread in the
 * middle of a signature: it waits for the end of that thread's time slice
 * (a few milliseconds at most) or for it to go idle. On a machine with as
 * many busy threads as cores, every such preemption is a context switch
 * taken from the token's signatures. Only the normal policy is changed: a
 * service started as batch (systemd's CPUSchedulingPolicy=batch), idle or
 * real-time keeps what it was given. Called before any thread exists, so
 * that all of them inherit it.
 */
static void
batch_scheduling(void)
{
	struct sched_param sp = { 0 };
	int policy = sched_getscheduler(0);

	if (policy != SCHED_OTHER)
		return;
	if (sched_setscheduler(0, SCHED_BATCH, &sp) != 0)
		dlog(LOG_P_WARNING, "cannot use the batch scheduling policy "
		    "(%s): the threads keep the normal one", strerror(errno));
}

/*
 * The main event loop. With epoll, changes to what a connection waits for
 * are gathered and made once per loop turn: an answer that enables
 * writing, writes and then goes back to reading costs one epoll_ctl(2)
 * instead of three. (The change list misbehaves only with descriptors
 * shared by dup(2), which tlvsignd does not make.)
 */
static struct event_base *
new_base(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (cfg == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/* How often tlvsignd looks for inventory changes made by tlvsign. */
#define FOLLOW_SECONDS 2

/* The active TVS certificate of the publisher, and its token key. */
static int
tvs_identity(struct app *a, X509 **cert, EVP_PKEY **pkey)
{
	struct cert_row row;
	struct token_key key;
	struct node n;
	int r;

	*cert = NULL;
	*pkey = NULL;
	if ((r = inventory_node_get(a->inv, NULL, &n)) != 0)
		return r;
	if ((r = inventory_cert_active(a->inv, n.id, "TVS", &row)) != 0)
		return ts_error(r, "%s has no active TVS certificate: run "
		    "`tlvsign cert generate TVS`", n.host);
	r = cert_from_der(row.der, row.der_len, cert);
	if (r == 0 && a->token != NULL &&
	    ((r = app_find_key(a, row.key_id, &key)) != 0 ||
	    (r = token_evp_pkey(a->token, &key, pkey)) != 0)) {
		X509_free(*cert);
		*cert = NULL;
	}
	cert_row_free(&row);
	return r;
}

static int
tls_context(struct daemon *dm, const struct conf *c, SSL_CTX **out)
{
	static const unsigned char sid_ctx[] = "tlvsignd-tvs";
	unsigned char keys[80];
	X509 *cert;
	EVP_PKEY *pkey;
	SSL_CTX *ctx;
	int r;

	*out = NULL;
	if ((r = tvs_identity(&dm->app, &cert, &pkey)) != 0)
		return r;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		r = ts_error(TS_ERR_CRYPTO, "cannot create a TLS context");
		goto out;
	}
	if (SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pkey) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		r = ts_error(TS_ERR_CRYPTO, "the TVS certificate does not match "
		    "its token key");
		goto out;
	}
	if (c->tvs.tls10) {
		/* old phones: TLS 1.0 needs SHA-1 in the handshake */
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	} else {
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	}
	/* resumption (session cache and tickets): a returning phone costs
	 * no signature in the token */
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx, 20000);
	SSL_CTX_set_timeout(ctx, 3600);
	if (dm->last_ctx != NULL &&
	    SSL_CTX_get_tlsext_ticket_keys(dm->last_ctx, keys,
	    sizeof(keys)) == 1)
		SSL_CTX_set_tlsext_ticket_keys(ctx, keys, sizeof(keys));
	OPENSSL_cleanse(keys, sizeof(keys));
	*out = ctx;
	ctx = NULL;
out:
	SSL_CTX_free(ctx);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	return r;
}

static int
snapshot_make(struct daemon *dm, const struct conf *c,
    struct tvsd_snapshot **out)
{
	struct tvsd_snapshot *s;
	int r;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	s->ttl = c->tvs.ttl;
	s->timeout = c->tvs.timeout;
	s->max_conn = c->tvs.max_conn;
	if ((r = tvs_db_load(&dm->app, &s->db)) != 0 ||
	    (r = tls_context(dm, c, &s->ctx)) != 0) {
		tvsd_snapshot_free(s);
		return r;
	}
	SSL_CTX_free(dm->last_ctx);
	SSL_CTX_up_ref(s->ctx);
	dm->last_ctx = s->ctx;
	*out = s;
	return 0;
}

/* The digest of the certificate a TLS context presents (zeros: none). */
static void
ctx_cert_digest(SSL_CTX *ctx, uint8_t out[32])
{
	X509 *x = ctx != NULL ? SSL_CTX_get0_certificate(ctx) : NULL;
	unsigned len;

	memset(out, 0, 32);
	if (x != NULL && X509_digest(x, EVP_sha256(), out, &len) != 1)
		memset(out, 0, 32);
}

static void
served_tvs(struct daemon *dm, const struct tvsd_snapshot *s)
{
	if (tvs_db_digest(&s->db, dm->served[0]) != 0) {
		/* unknown: the next look replaces it */
		memset(dm->served[0], 0, 32);
		ts_error_clear();
	}
	ctx_cert_digest(s->ctx, dm->served[1]);
}

/* The digest of the publisher's active certificate for the first of the
 * purposes it has, from the inventory (no token, no TLS context). */
static int
active_cert_digest(struct app *a, const char *const *purposes, size_t n,
    uint8_t out[32])
{
	struct cert_row row;
	struct node pub;
	size_t i;
	int r;

	if ((r = inventory_node_get(a->inv, NULL, &pub)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = inventory_cert_active(a->inv, pub.id, purposes[i],
		    &row)) == 0)
			break;
	if (r != 0)
		return r;
	if (!EVP_Digest(row.der, row.der_len, out, NULL, EVP_sha256(), NULL))
		r = ts_error(TS_ERR_CRYPTO, "digest failed");
	cert_row_free(&row);
	return r;
}

/*
 * Serve what the inventory holds now: the TVS trust store (certificates
 * generated, regenerated, imported, bulk-imported) and the TVS and tomcat
 * certificates, for new connections. What is served is compared first,
 * from the inventory alone: only what changed is built again (token key,
 * TLS context), and what did not stays as it is, with its session cache.
 * 0, or the error that kept the old.
 */
static int
follow(struct daemon *dm)
{
	static const char *const tvs_purpose[] = { "TVS" };
	struct tvsd_snapshot *s;
	struct tvs_db db;
	SSL_CTX *ctx;
	uint8_t now[3][32];
	int r, ra;

	if ((r = tvs_db_load(&dm->app, &db)) == 0) {
		r = tvs_db_digest(&db, now[0]);
		tvs_db_free(&db);
	}
	if (r == 0)
		r = active_cert_digest(&dm->app, tvs_purpose, 1, now[1]);
	if (r == 0 && memcmp(now, dm->served, 2 * 32) != 0) {
		if ((r = snapshot_make(dm, &dm->app.conf, &s)) == 0) {
			dlog(LOG_P_NOTICE, "the inventory changed: TVS serves "
			    "%zu certificates in its trust store%s", s->db.n,
			    memcmp(now[1], dm->served[1], 32) != 0 ?
			    ", with the new TVS certificate" : "");
			served_tvs(dm, s);
			tvsd_replace(dm->tvs, s);
		}
	}
	if (r != 0)
		dlog(LOG_P_WARNING, "the inventory changed; the TVS keeps its "
		    "trust store and certificate: %s", ts_error_detail(r));
	if (dm->api == NULL)
		return r;
	if ((ra = active_cert_digest(&dm->app, api_cert_purposes,
	    API_CERT_PURPOSES, now[2])) == 0 &&
	    memcmp(now[2], dm->served[2], 32) != 0 &&
	    (ra = api_tls_context(&dm->app, &ctx)) == 0) {
		dlog(LOG_P_NOTICE, "the inventory changed: the HTTPS API "
		    "presents the new tomcat certificate");
		ctx_cert_digest(ctx, dm->served[2]);
		api_set_ctx(dm->api, ctx);
	}
	if (ra != 0)
		dlog(LOG_P_WARNING, "the inventory changed; the HTTPS API keeps "
		    "its certificate: %s", ts_error_detail(ra));
	return r != 0 ? r : ra;
}

/* For the API: after a request that changed the inventory. */
static int
follow_api(void *arg)
{
	return follow(arg);
}

/* Changes made by tlvsign (another connection to the inventory). */
static void
follow_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *dm = arg;
	long long v;

	(void)fd;
	(void)what;
	if (inventory_data_version(dm->app.inv, &v) != 0) {
		ts_error_clear();
		return;
	}
	if (v == dm->data_version)
		return;
	dm->data_version = v;
	if (follow(dm) != 0)
		ts_error_clear();
}

static void
reload(struct daemon *dm)
{
	struct tvsd_snapshot *s;
	struct conf c;
	char listen[96];
	int r;

	notify("RELOADING=1");
	if ((r = conf_load(dm->config, &c)) != 0) {
		dlog(LOG_P_ERR, "reload refused, the old configuration stays: "
		    "%s", ts_error_detail(r));
		notify("READY=1\nSTATUS=reload refused; the old configuration "
		    "stays");
		return;
	}
	snprintf(listen, sizeof(listen), "%s", c.tvs_listen_text);
	if (strcmp(listen, dm->listen) != 0)
		dlog(LOG_P_WARNING, "reload: [tvs] listen %s takes effect at "
		    "the next start; still listening on %s", listen,
		    dm->listen);
	if ((r = snapshot_make(dm, &c, &s)) != 0) {
		dlog(LOG_P_ERR, "reload refused, the old configuration stays: "
		    "%s", ts_error_detail(r));
		conf_free(&c);
		notify("READY=1\nSTATUS=reload refused; the old configuration "
		    "stays");
		return;
	}
	dlog(LOG_P_NOTICE, "reloaded: %zu certificates in the TVS trust store, "
	    "ttl %u, max-connections %u, timeout %u, tls1.0 %s, %zu API "
	    "clients", s->db.n, s->ttl, s->max_conn, s->timeout,
	    c.tvs.tls10 ? "yes" : "no", c.napi_clients);
	served_tvs(dm, s);
	tvsd_replace(dm->tvs, s);
	if (strcmp(c.api_listen_text, dm->api_listen) != 0)
		dlog(LOG_P_WARNING, "reload: [api] listen %s takes effect at "
		    "the next start", c.api_listen_text);
	/* the new roles apply to the next request */
	conf_free(&dm->app.conf);
	dm->app.conf = c;
	if (dm->api != NULL) {
		SSL_CTX *ctx;

		if ((r = api_tls_context(&dm->app, &ctx)) != 0) {
			dlog(LOG_P_WARNING, "reload: the HTTPS API keeps its TLS "
			    "identity: %s", ts_error_detail(r));
		} else {
			ctx_cert_digest(ctx, dm->served[2]);
			api_set_ctx(dm->api, ctx);
		}
	}
	notify("READY=1\nSTATUS=reloaded");
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *dm = arg;

	(void)what;
	if (sig == SIGHUP) {
		reload(dm);
		return;
	}
	dlog(LOG_P_NOTICE, "%s: no new connections; finishing those in "
	    "flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	notify("STOPPING=1");
	event_base_loopbreak(dm->base);
}

static int
check_config(const char *config)
{
	struct app a;
	X509 *cert;
	EVP_PKEY *pkey;
	struct tvs_db db;
	int r;

	if ((r = app_open(config, APP_INVENTORY, &a)) != 0)
		goto fail;
	if ((r = tvs_identity(&a, &cert, &pkey)) != 0) {
		app_close(&a);
		goto fail;
	}
	X509_free(cert);
	if ((r = tvs_db_load(&a, &db)) != 0) {
		app_close(&a);
		goto fail;
	}
	printf("configuration %s is valid: TVS on %s, %zu certificates in the "
	    "TVS trust store\n", a.conf.path ? a.conf.path : "(built-in)",
	    a.conf.tvs_listen_text, db.n);
	tvs_db_free(&db);
	app_close(&a);
	return EXIT_OK;
fail:
	fprintf(stderr, "tlvsignd: %s\n", ts_error_detail(r));
	return EXIT_FAIL;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "workers", required_argument, NULL, 'w' },
		{ "scheduling", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon dm;
	struct tvsd_snapshot *snap;
	struct event *sigs[3] = { NULL, NULL, NULL };
	long cores;
	unsigned workers = 0, port;
	int ch, r, check = 0, rc = EXIT_FAIL, i, batch = 1;
	char *end;

	/* request bodies (a passphrase among them) pass through libevent's
	 * buffers and jansson's lexer: both wipe what they free. Before
	 * either allocates anything. */
	event_set_mem_functions(malloc, secret_realloc, secret_free);
	json_set_alloc_funcs(malloc, secret_free);
	memset(&dm, 0, sizeof(dm));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': dm.config = optarg; break;
		case 'k': check = 1; break;
		case 'w':
			workers = (unsigned)strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || workers < 1 ||
			    workers > 64) {
				fprintf(stderr, "tlvsignd: --workers is 1 to 64 "
				    "(see tlvsignd --help)\n");
				return EXIT_USAGE;
			}
			break;
		case 's':
			if (strcmp(optarg, "batch") == 0 ||
			    strcmp(optarg, "inherit") == 0) {
				batch = optarg[0] == 'b';
				break;
			}
			fprintf(stderr, "tlvsignd: --scheduling is batch or "
			    "inherit (see tlvsignd --help)\n");
			return EXIT_USAGE;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		case 'V': printf("tlvsignd %s\n", PACKAGE_VERSION); return EXIT_OK;
		default:
			fprintf(stderr, "tlvsignd: unknown option (see tlvsignd "
			    "--help)\n");
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tlvsignd: no arguments besides options (see "
		    "tlvsignd --help)\n");
		return EXIT_USAGE;
	}
	if (check)
		return check_config(dm.config);
	if (workers == 0) {
		cores = sysconf(_SC_NPROCESSORS_ONLN);
		workers = cores < 1 ? 1 : cores > 16 ? 16 : (unsigned)cores;
	}
	signal(SIGPIPE, SIG_IGN);
	if (batch)
		batch_scheduling();
	if (evthread_use_pthreads() != 0) {
		dlog(LOG_P_ERR, "libevent has no thread support");
		return EXIT_FAIL;
	}
	if ((r = app_open(dm.config, APP_INVENTORY | APP_LOGIN, &dm.app)) != 0) {
		dlog(LOG_P_ERR, "cannot start: %s", ts_error_detail(r));
		return EXIT_FAIL;
	}
	snprintf(dm.app.actor, sizeof(dm.app.actor), "tlvsignd");
	snprintf(dm.listen, sizeof(dm.listen), "%s",
	    dm.app.conf.tvs_listen_text);
	if ((r = snapshot_make(&dm, &dm.app.conf, &snap)) != 0) {
		dlog(LOG_P_ERR, "cannot start: %s", ts_error_detail(r));
		goto out;
	}
	if ((dm.base = new_base()) == NULL) {
		tvsd_snapshot_free(snap);
		dlog(LOG_P_ERR, "cannot start: no event loop");
		goto out;
	}
	sigs[0] = evsignal_new(dm.base, SIGTERM, signal_cb, &dm);
	sigs[1] = evsignal_new(dm.base, SIGINT, signal_cb, &dm);
	sigs[2] = evsignal_new(dm.base, SIGHUP, signal_cb, &dm);
	for (i = 0; i < 3; i++)
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) != 0) {
			tvsd_snapshot_free(snap);
			dlog(LOG_P_ERR, "cannot start: cannot handle signals");
			goto out;
		}
	served_tvs(&dm, snap);
	if ((r = tvsd_start(dm.app.conf.tvs.host, dm.app.conf.tvs.port, workers,
	    snap, &port, &dm.tvs)) != 0) {
		tvsd_snapshot_free(snap);
		dlog(LOG_P_ERR, "cannot start: %s", ts_error_detail(r));
		goto out;
	}
	dlog(LOG_P_NOTICE, "TVS listening on %s port %u (%u workers, %zu "
	    "certificates in the TVS trust store, ttl %u, tls1.0 %s)",
	    dm.app.conf.tvs.host, port, workers, snap->db.n, snap->ttl,
	    dm.app.conf.tvs.tls10 ? "yes" : "no");
	snprintf(dm.api_listen, sizeof(dm.api_listen), "%s",
	    dm.app.conf.api_listen_text);
	if (dm.app.conf.api.enabled) {
		SSL_CTX *ctx;

		if ((r = api_tls_context(&dm.app, &ctx)) != 0) {
			dlog(LOG_P_WARNING, "HTTPS API not started: %s",
			    ts_error_detail(r));
		} else {
			ctx_cert_digest(ctx, dm.served[2]);
			if ((r = api_start(dm.base, &dm.app, ctx,
			    dm.app.conf.api.host, dm.app.conf.api.port, workers,
			    &port, &dm.api)) != 0) {
				SSL_CTX_free(ctx);
				dlog(LOG_P_ERR, "cannot start: %s",
				    ts_error_detail(r));
				tvsd_stop(dm.tvs);
				goto out;
			}
			dlog(LOG_P_NOTICE, "API listening on %s port %u (%zu "
			    "clients with a role)", dm.app.conf.api.host, port,
			    dm.app.conf.napi_clients);
			api_on_change(dm.api, follow_api, &dm);
		}
	}
	/* what tlvsign changes in the inventory is served within
	 * FOLLOW_SECONDS, without a reload */
	if (inventory_data_version(dm.app.inv, &dm.data_version) != 0 ||
	    (dm.follow = event_new(dm.base, -1, EV_PERSIST, follow_cb,
	    &dm)) == NULL ||
	    event_add(dm.follow, &(struct timeval){ FOLLOW_SECONDS, 0 }) != 0) {
		dlog(LOG_P_ERR, "cannot start: cannot watch the inventory");
		tvsd_stop(dm.tvs);
		goto out;
	}
	notify("READY=1\nSTATUS=serving");
	event_base_dispatch(dm.base);
	event_del(dm.follow);
	if (dm.api != NULL) {
		struct timeval flush = { 0, 300000 };

		/* signatures in flight are finished and answered; replies
		 * already queued reach their clients */
		api_drain(dm.api);
		while (api_in_flight(dm.api) > 0 &&
		    event_base_loop(dm.base, EVLOOP_ONCE) == 0)
			;
		event_base_loopexit(dm.base, &flush);
		event_base_dispatch(dm.base);
	}
	tvsd_stop(dm.tvs);
	dlog(LOG_P_NOTICE, "stopped");
	rc = EXIT_OK;
out:
	for (i = 0; i < 3; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	if (dm.follow != NULL)
		event_free(dm.follow);
	api_stop(dm.api);
	if (dm.base != NULL)
		event_base_free(dm.base);
	SSL_CTX_free(dm.last_ctx);
	app_close(&dm.app);
	ERR_clear_error();
	return rc;
}
