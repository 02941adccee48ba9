/*
 * apiint.h - what the API's endpoint groups share: the server, the caller
 * of a request, JSON replies and the role check. Internal to tlvsignd.
 */
#ifndef TLVSIGN_DAEMON_APIINT_H
#define TLVSIGN_DAEMON_APIINT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <openssl/ssl.h>

#include "ops/access.h"
#include "ops/app.h"
#include "ops/trustfile.h"

struct signpool;
struct signer_ref;
struct sign_job;

struct api {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	struct app *a;
	SSL_CTX *ctx;
	struct signpool *pool;      /* signing off the loop */
	struct walsync *wal;        /* audit commits synced off the loop */
	struct sign_job **held;     /* signed while the log was syncing */
	size_t nheld, held_cap;
	int stopping;               /* the pool and the log thread stop */
	struct signer_ref *signers; /* loaded signers, by node */
	long long data_version;     /* of the inventory, when they were */
	struct event *checkpoint;   /* a last audit checkpoint after a burst */
	int draining;               /* stopping: no new requests */
	int (*on_change)(void *);   /* see api_on_change */
	void *on_change_arg;
	int followed;               /* this request's change is served */
};

/* Serve the change this request made now, before it is answered: 0 when
 * what is served matches the inventory. */
int api_follow(struct api *api);

struct caller {
	char fp[65];          /* "" without a client certificate */
	const char *role;     /* NULL: none */
	char peer[64];
};

/* The JSON shapes of a node (GET /v1/nodes) and of a publication
 * (POST /v1/itl/build and the other trust-file endpoints). */
json_t *node_json(const struct node *n);
json_t *json_published(const struct tf_result *res);

/* Replies: body is taken over. */
void reply_json(struct evhttp_request *req, int code, json_t *body);
void reply_error(struct evhttp_request *req, int code, const char *error,
    const char *detail);
/* A failed operation: its error code decides the status. */
void reply_failure(struct evhttp_request *req, int r);
/* A publication the phone-trust check refused: 409. */
void reply_publish_failure(struct evhttp_request *req, int r);
/* 200 with {key: arr} when the listing r succeeded, else r's failure
 * (arr is taken over either way). */
void reply_list(struct evhttp_request *req, const char *key, json_t *arr,
    int r);
/* Append o (taken over) to arr: 0, or TS_ERR_NOMEM; for listings'
 * callbacks. */
int append_json(json_t *arr, json_t *o);
/* The request body, contiguous in the input buffer; *data NULL when it
 * is empty. 0, or -1 after a 500 reply. */
int body_of(struct evhttp_request *req, uint8_t **data, size_t *len);

/* 1 when the caller may do op; else 0, after a 401/403 reply (a 403 is
 * audited). */
int authorise(struct api *api, struct evhttp_request *req,
    const struct caller *c, enum access_op op, const char *what);

/* The officer's endpoints (apiadmin.c): certificates generated,
 * regenerated, requested and imported, nodes added and removed, bulk
 * certificates, the remotekey reset. 1 when path is one of them (the
 * reply is sent), 0 when not. */
struct evkeyvalq;
int api_route_admin(struct api *api, struct evhttp_request *req,
    const struct caller *c, const char *path, const struct evkeyvalq *q,
    int get, int post, const char *what);

#endif
