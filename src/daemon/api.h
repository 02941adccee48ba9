/*
 * api.h - the HTTPS JSON API of tlvsignd (/v1/...): mutual TLS with the
 * tomcat key in the token, client roles by certificate fingerprint, on the
 * main thread's event loop (the inventory and that thread's token session
 * are the loop's); signatures are made by a pool of workers, each with its
 * own token session, and audited on the loop.
 */
#ifndef TLVSIGN_DAEMON_API_H
#define TLVSIGN_DAEMON_API_H

#include <event2/event.h>
#include <openssl/ssl.h>

#include "ops/app.h"

struct api;

/* Listen on host:port (0: a free port, *port_out says which), with
 * threads signing workers. The application and its configuration are
 * borrowed (the roles are read at each request, so a reload applies at
 * once). */
int api_start(struct event_base *base, struct app *a, SSL_CTX *ctx,
    const char *host, unsigned port, unsigned threads, unsigned *port_out,
    struct api **out);
/* Use this TLS context for new connections (taken over); signers are
 * loaded again. */
void api_set_ctx(struct api *api, SSL_CTX *ctx);
/* After a request that may have changed the inventory (a POST other
 * than signing, answered 2xx), fn(arg) puts what changed in service: it
 * returns 0 when what is served matches the inventory. */
void api_on_change(struct api *api, int (*fn)(void *), void *arg);
/* Stop listening; requests still arriving on open connections get 503.
 * Those in flight go on: run the loop while api_in_flight says some. */
void api_drain(struct api *api);
size_t api_in_flight(const struct api *api);
/* Finish the signatures in flight, answer them, free everything. */
void api_stop(struct api *api);

/* The TLS context: the publisher's active tomcat (or tomcat-ECDSA)
 * certificate and its token key, TLS 1.2+, client certificates asked
 * for and checked by fingerprint, not by chain. */
int api_tls_context(struct app *a, SSL_CTX **out);
/* The purposes whose active certificate the API presents, the first one
 * the publisher has. */
#define API_CERT_PURPOSES 2
extern const char *const api_cert_purposes[API_CERT_PURPOSES];

#endif
