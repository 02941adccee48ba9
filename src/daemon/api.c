/* api.c - HTTPS JSON API: routing, roles, JSON errors. */
#include "daemon/api.h"
#include "daemon/apiint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/err.h>

#include "daemon/log.h"
#include "daemon/signpool.h"
#include "daemon/walsync.h"
#include "format/apibody.h"
#include "format/bulkcert.h"
#include "ops/access.h"
#include "ops/auditlog.h"
#include "ops/backup.h"
#include "ops/certjson.h"
#include "ops/gate.h"
#include "ops/sign.h"
#include "ops/trustfile.h"
#include "store/audit.h"
#include "util/error.h"
#include "x509/cert.h"

#define API_MAX_BODY (4 * 1024 * 1024)

static int
verify_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1; /* authorisation is by fingerprint, not by chain */
}

const char *const api_cert_purposes[API_CERT_PURPOSES] = {
	"tomcat", "tomcat-ECDSA"
};

int
api_tls_context(struct app *a, SSL_CTX **out)
{
	static const unsigned char sid_ctx[] = "tlvsignd-api";
	struct cert_row row;
	struct token_key key;
	struct node n;
	X509 *cert = NULL;
	EVP_PKEY *pkey = NULL;
	SSL_CTX *ctx = NULL;
	size_t i;
	int r;

	*out = NULL;
	if ((r = inventory_node_get(a->inv, NULL, &n)) != 0)
		return r;
	for (i = 0; i < API_CERT_PURPOSES; i++)
		if ((r = inventory_cert_active(a->inv, n.id,
		    api_cert_purposes[i], &row)) == 0)
			break;
	if (r != 0)
		return ts_error(TS_ERR_NOTFOUND, "%s has no active tomcat or "
		    "tomcat-ECDSA certificate for the HTTPS API: run `tlvsign "
		    "cert generate tomcat`", n.host);
	if ((r = cert_from_der(row.der, row.der_len, &cert)) != 0 ||
	    (r = app_find_key(a, row.key_id, &key)) != 0 ||
	    (r = token_evp_pkey(a->token, &key, &pkey)) != 0)
		goto out;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pkey) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		r = ts_error(TS_ERR_CRYPTO, "the tomcat certificate does not "
		    "match its token key");
		goto out;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* the decrypted request (a passphrase among them) does not stay in
	 * OpenSSL's record buffers: released when empty, wiped on release */
	SSL_CTX_set_options(ctx, SSL_OP_CLEANSE_PLAINTEXT);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE,
	    verify_any);
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	*out = ctx;
	ctx = NULL;
out:
	SSL_CTX_free(ctx);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	cert_row_free(&row);
	return r;
}

static struct bufferevent *
bev_cb(struct event_base *base, void *arg)
{
	struct api *api = arg;
	SSL *ssl = SSL_new(api->ctx);

	if (ssl == NULL)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

/* ---- replies ---- */

void
reply_json(struct evhttp_request *req, int code, json_t *body)
{
	struct evbuffer *buf = evbuffer_new();
	char *text = json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(body);
	if (buf == NULL || text == NULL) {
		free(text);
		if (buf != NULL)
			evbuffer_free(buf);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(buf, text, strlen(text));
	evbuffer_add(buf, "\n", 1);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, code, NULL, buf);
	evbuffer_free(buf);
}

void
reply_error(struct evhttp_request *req, int code, const char *error,
    const char *detail)
{
	json_t *o = json_object();

	json_object_set_new(o, "error", json_string(error));
	json_object_set_new(o, "detail", json_string(detail));
	reply_json(req, code, o);
}

/* A failed operation: its code decides the status. */
void
reply_failure(struct evhttp_request *req, int r)
{
	int code = 500;
	const char *error = "internal";

	switch (r) {
	case TS_ERR_NOTFOUND: code = 404; error = "not_found"; break;
	case TS_ERR_INVALID: case TS_ERR_FORMAT: case TS_ERR_TRUNCATED:
		code = 400; error = "bad_request"; break;
	case TS_ERR_LIMIT: code = 413; error = "too_large"; break;
	case TS_ERR_SIGNATURE: code = 409; error = "verification_failed";
		break;
	}
	reply_error(req, code, error, ts_error_detail(r));
}

/* 200 with {key: arr} when the listing r succeeded, else its failure. */
void
reply_list(struct evhttp_request *req, const char *key, json_t *arr, int r)
{
	json_t *o;

	if (r != 0) {
		json_decref(arr);
		reply_failure(req, r);
		return;
	}
	o = json_object();
	json_object_set_new(o, key, arr);
	reply_json(req, 200, o);
}

int
append_json(json_t *arr, json_t *o)
{
	return json_array_append_new(arr, o) == 0 ? 0 :
	    ts_error(TS_ERR_NOMEM, "out of memory");
}

int
body_of(struct evhttp_request *req, uint8_t **data, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);

	*len = evbuffer_get_length(in);
	*data = *len == 0 ? NULL : evbuffer_pullup(in, (ev_ssize_t)*len);
	if (*len > 0 && *data == NULL) {
		reply_error(req, 500, "internal", "out of memory");
		return -1;
	}
	return 0;
}

/* ---- the caller ---- */

static void
caller_of(struct api *api, struct evhttp_request *req, struct caller *c)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	X509 *peer = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
	char *addr = NULL;
	ev_uint16_t port = 0;

	memset(c, 0, sizeof(*c));
	evhttp_connection_get_peer(conn, &addr, &port);
	snprintf(c->peer, sizeof(c->peer), "%s:%u", addr ? addr : "?",
	    (unsigned)port);
	if (peer != NULL && cert_fingerprint(peer, EVP_sha256(), c->fp,
	    sizeof(c->fp), 0) != 0) {
		ts_error_clear();
		c->fp[0] = '\0';
	}
	if (c->fp[0] != '\0')
		c->role = access_role(&api->a->conf, c->fp);
}

/* The caller may do op; else a 401/403 reply, audited. */
int
authorise(struct api *api, struct evhttp_request *req,
    const struct caller *c, enum access_op op, const char *what)
{
	char detail[256];

	if (c->fp[0] == '\0') {
		reply_error(req, 401, "unauthorized", "this endpoint needs a "
		    "client certificate");
		dlog(LOG_P_WARNING, "api %s: %s: no client certificate",
		    c->peer, what);
		return 0;
	}
	if (access_allowed(c->role, op))
		return 1;
	snprintf(detail, sizeof(detail), "%s needs the role %s; client "
	    "certificate %.16s... has %s", what, access_roles_text(op), c->fp,
	    c->role ? c->role : "no role");
	snprintf(api->a->actor, sizeof(api->a->actor), "api:%s:%.16s",
	    c->role ? c->role : "none", c->fp);
	ts_error(TS_ERR_AUTH, "%s", detail);
	if (app_audit(api->a, "api.forbidden", TS_ERR_AUTH, "%s", what) != 0)
		dlog(LOG_P_ERR, "api: cannot audit a refusal: %s",
		    ts_error_detail(TS_ERR_STATE));
	dlog(LOG_P_WARNING, "api %s: 403 %s", c->peer, detail);
	reply_error(req, 403, "forbidden", detail);
	return 0;
}

/* ---- handlers ---- */

static int
add_cert(const struct cert_row *row, void *arg)
{
	return append_json(arg, cert_row_json(row));
}

static void
get_certificates(struct api *api, struct evhttp_request *req)
{
	json_t *arr = json_array();

	reply_list(req, "certificates", arr, inventory_cert_list(api->a->inv, add_cert, arr));
}

static void
get_certificate(struct api *api, struct evhttp_request *req,
    const char *purpose, const char *node)
{
	struct cert_row row;
	struct node n;
	int r;

	if ((r = inventory_node_get(api->a->inv, node, &n)) != 0 ||
	    (r = inventory_cert_active(api->a->inv, n.id, purpose, &row)) != 0) {
		reply_failure(req, r);
		return;
	}
	reply_json(req, 200, cert_row_json(&row));
	cert_row_free(&row);
}

/* ---- signing: in the worker pool, audited in batches ---- */

/* A signer shared by the requests in flight; dropped when the inventory
 * changes, freed when the last of them is answered. */
struct signer_ref {
	char node[256];             /* "" for the publisher */
	struct sgn_signer *g;
	unsigned refs;
	struct signer_ref *next;    /* NULL once dropped from the cache */
	int cached;
};

static void
signer_put(struct signer_ref *s)
{
	if (--s->refs == 0 && !s->cached) {
		ops_signer_free(s->g);
		free(s);
	}
}

/* Forget the loaded signers: certificates or keys may have changed. */
static void
signers_flush(struct api *api)
{
	struct signer_ref *s, *next;

	for (s = api->signers; s != NULL; s = next) {
		next = s->next;
		s->next = NULL;
		s->cached = 0;
		s->refs++;
		signer_put(s);
	}
	api->signers = NULL;
}

static int
signer_get(struct api *api, const char *node, struct signer_ref **out)
{
	struct signer_ref *s;
	long long v;
	int r;

	*out = NULL;
	/* another tlvsign process may have changed the inventory */
	if ((r = inventory_data_version(api->a->inv, &v)) != 0)
		return r;
	if (v != api->data_version) {
		signers_flush(api);
		api->data_version = v;
	}
	for (s = api->signers; s != NULL; s = s->next)
		if (strcmp(s->node, node ? node : "") == 0)
			break;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		snprintf(s->node, sizeof(s->node), "%s", node ? node : "");
		if ((r = ops_signer_open(api->a, node, &s->g)) != 0) {
			free(s);
			return r;
		}
		s->cached = 1;
		s->next = api->signers;
		api->signers = s;
	}
	s->refs++;
	*out = s;
	return 0;
}

/* A request's signing: one file (POST /v1/sign) or a batch. */
struct sign_req {
	struct api *api;
	struct evhttp_request *req;
	struct signer_ref *signer;
	char actor[128];
	char log[256];              /* "PEER: POST /v1/sign (ROLE)" */
	int batch;
	size_t n, left;
	struct sign_batch_file *files; /* the batch, or the one file */
	struct sign_batch body;     /* the parsed batch */
	struct sign_job *jobs;
};

static void
sign_req_free(struct sign_req *sr)
{
	size_t i;

	for (i = 0; i < sr->n; i++)
		free(sr->jobs[i].sgn);
	free(sr->jobs);
	if (sr->batch) {
		apibody_sign_batch_free(&sr->body);
	} else if (sr->files != NULL) {
		free(sr->files[0].data);
		free(sr->files);
	}
	if (sr->signer != NULL)
		signer_put(sr->signer);
	free(sr);
}

static void
send_one_sgn(struct evhttp_request *req, const struct sign_job *j)
{
	struct evbuffer *buf = evbuffer_new();

	if (buf == NULL) {
		reply_error(req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add(buf, j->sgn, j->sgn_len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/octet-stream");
	evhttp_send_reply(req, 200, NULL, buf);
	evbuffer_free(buf);
}

static void
send_batch(struct evhttp_request *req, const struct sign_req *sr)
{
	json_t *arr = json_array(), *o, *f;
	char *b64;
	size_t i;

	for (i = 0; i < sr->n; i++) {
		if (base64_encode(sr->jobs[i].sgn, sr->jobs[i].sgn_len,
		    &b64) != 0) {
			json_decref(arr);
			reply_error(req, 500, "internal", "out of memory");
			return;
		}
		f = json_object();
		json_object_set_new(f, "filename",
		    json_string(sr->files[i].filename));
		json_object_set_new(f, "sgn", json_string(b64));
		free(b64);
		json_array_append_new(arr, f);
	}
	o = json_object();
	json_object_set_new(o, "files", arr);
	reply_json(req, 200, o);
}

/* Every file of the request is signed (or failed): answer. The audit
 * entries are already committed. */
static void
sign_req_answer(struct sign_req *sr, int audited)
{
	char detail[1024];
	size_t i;

	for (i = 0; i < sr->n && sr->jobs[i].r == 0; i++)
		;
	if (audited && i == sr->n)
		dlog(LOG_P_INFO, "api %s -> 200, %zu signed", sr->log, sr->n);
	else
		dlog(LOG_P_INFO, "api %s -> refused: %s", sr->log, audited ?
		    sr->jobs[i].detail : "not audited");
	if (!audited) {
		reply_error(sr->req, 500, "internal", "the signature could not "
		    "be recorded in the audit log; nothing is returned");
	} else if (i < sr->n) {
		if (sr->batch)
			snprintf(detail, sizeof(detail), "%s (file %zu, %s; "
			    "none of the batch is returned)",
			    sr->jobs[i].detail, i + 1, sr->files[i].filename);
		else
			snprintf(detail, sizeof(detail), "%s",
			    sr->jobs[i].detail);
		ts_error(sr->jobs[i].r, "%s", detail);
		reply_failure(sr->req, sr->jobs[i].r);
	} else if (sr->batch) {
		send_batch(sr->req, sr);
	} else {
		send_one_sgn(sr->req, &sr->jobs[0]);
	}
	sign_req_free(sr);
}

/* A while after signatures: the checkpoint that the rate limit of
 * checkpoints put off, so that a burst does not end unsigned. */
static void
checkpoint_cb(evutil_socket_t fd, short what, void *arg)
{
	struct api *api = arg;
	int r;

	(void)fd;
	(void)what;
	if ((r = inventory_begin(api->a->inv)) == 0 &&
	    (r = ops_audit_checkpoint_due(api->a)) == 0)
		r = inventory_commit(api->a->inv);
	if (r != 0) {
		dlog(LOG_P_ERR, "api: cannot sign an audit checkpoint: %s",
		    ts_error_detail(r));
		inventory_rollback(api->a->inv);
	}
	ERR_clear_error();
}

/* Signatures audited in one commit, waiting for the log to be synced
 * before they are answered. */
struct audited {
	struct walsync_item item;   /* first: the item is the group */
	size_t n;
	struct sign_job *jobs[];
};

static void
answer_jobs(struct sign_job **jobs, size_t n, int audited)
{
	struct sign_req *sr;
	size_t i;

	for (i = 0; i < n; i++) {
		sr = jobs[i]->arg;
		if (--sr->left == 0)
			sign_req_answer(sr, audited);
	}
}

/*
 * Finished signatures: audited in one transaction, then answered. With a
 * write-ahead log the commit is not synced here: the log thread syncs it
 * and the answers go out after that, so the loop never waits for the
 * disk. Without one (or when stopping) the commit itself is synced.
 */
static void
audit_jobs(struct api *api, struct sign_job **jobs, size_t n, int use_wal)
{
	struct app *a = api->a;
	struct sign_req *sr;
	struct audit_new *v;
	struct audited *g = NULL;
	char (*text)[2][512];
	size_t i;
	int ok, r;

	v = calloc(n, sizeof(*v));
	text = calloc(n, sizeof(*text));
	if (use_wal && api->wal != NULL &&
	    (g = malloc(sizeof(*g) + n * sizeof(g->jobs[0]))) != NULL &&
	    inventory_set_synced(a->inv, 0) != 0) {
		ts_error_clear();
		free(g);
		g = NULL;
	}
	if (v == NULL || text == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
	} else {
		for (i = 0; i < n; i++) {
			struct sign_job *j = jobs[i];

			sr = j->arg;
			v[i].actor = sr->actor;
			v[i].operation = "config.sign";
			v[i].args = text[i][0];
			v[i].result = text[i][1];
			if (j->r == 0) {
				snprintf(text[i][0], sizeof(text[i][0]),
				    "name=%s bytes=%zu signer=%s", j->name,
				    j->len, ops_signer_serial(sr->signer->g));
				snprintf(text[i][1], sizeof(text[i][1]), "ok");
			} else {
				snprintf(text[i][0], sizeof(text[i][0]),
				    "name=%s bytes=%zu", j->name, j->len);
				snprintf(text[i][1], sizeof(text[i][1]),
				    "failed: %.500s", j->detail);
			}
		}
		if ((r = inventory_begin(a->inv)) == 0 &&
		    (r = app_audit_many(a, v, n)) == 0)
			r = inventory_commit(a->inv);
	}
	if ((ok = r == 0) == 0) {
		dlog(LOG_P_ERR, "api: cannot audit %zu signature%s: %s", n,
		    n == 1 ? "" : "s", ts_error_detail(r));
		inventory_rollback(a->inv);
	}
	if (g != NULL && inventory_set_synced(a->inv, 1) != 0) {
		/* the commit is synced below; later ones might not be */
		dlog(LOG_P_ERR, "api: %s", ts_error_detail(TS_ERR_STATE));
		ts_error_clear();
	}
	free(v);
	free(text);
	if (ok && !evtimer_pending(api->checkpoint, NULL)) {
		struct timeval later = { 1, 100000 };

		evtimer_add(api->checkpoint, &later);
	}
	if (ok && g != NULL) {
		g->n = n;
		memcpy(g->jobs, jobs, n * sizeof(jobs[0]));
		walsync_submit(api->wal, &g->item);
	} else {
		free(g);
		answer_jobs(jobs, n, ok);
	}
	ERR_clear_error();
}

/*
 * Jobs that finish while the log is being synced wait for that sync to
 * end and are then audited together, in one transaction: they could not
 * be answered before the next sync anyway, and each transaction held
 * back is a round of file locks and log pages written saved.
 */
static int
hold_jobs(struct api *api, struct sign_job **jobs, size_t n)
{
	struct sign_job **v;
	size_t cap;

	if (api->nheld + n > api->held_cap) {
		cap = api->held_cap ? api->held_cap : 64;
		while (cap < api->nheld + n)
			cap *= 2;
		if ((v = realloc(api->held, cap * sizeof(*v))) == NULL)
			return -1;
		api->held = v;
		api->held_cap = cap;
	}
	memcpy(api->held + api->nheld, jobs, n * sizeof(*jobs));
	api->nheld += n;
	return 0;
}

/* Audit the held jobs, with the log synced after (use_wal) or by the
 * commit. */
static void
release_held(struct api *api, int use_wal)
{
	struct sign_job **v = api->held;
	size_t n = api->nheld;

	if (n == 0)
		return;
	api->held = NULL;
	api->nheld = api->held_cap = 0;
	audit_jobs(api, v, n, use_wal);
	free(v);
}

static void
synced(struct walsync_item *it, void *arg)
{
	struct api *api = arg;
	struct audited *g = (struct audited *)it;

	answer_jobs(g->jobs, g->n, it->ok);
	free(g);
	/* the log is idle: what waited for it goes in now */
	if (walsync_pending(api->wal) == 0)
		release_held(api, !api->stopping);
}

/* The loop thread: jobs the pool finished. */
static void
sign_done(struct sign_job **jobs, size_t n, void *arg)
{
	struct api *api = arg;

	if (!api->stopping && walsync_pending(api->wal) > 0 &&
	    hold_jobs(api, jobs, n) == 0)
		return;
	audit_jobs(api, jobs, n, !api->stopping);
}

/* Hand the request's files to the pool. */
static void
sign_submit(struct api *api, struct sign_req *sr, const char *node)
{
	size_t i;
	int r;

	if ((r = signer_get(api, node, &sr->signer)) != 0) {
		for (i = 0; i < sr->n; i++) {
			sr->jobs[i].r = r;
			snprintf(sr->jobs[i].detail, sizeof(sr->jobs[i].detail),
			    "%s", ts_error_detail(r));
		}
		/* audited, as every attempt to sign is */
		ts_error(r, "%s", sr->jobs[0].detail);
		app_audit(api->a, "config.sign", r, "name=%s bytes=%zu",
		    sr->files[0].filename, sr->files[0].len);
		sign_req_answer(sr, 1);
		return;
	}
	snprintf(sr->actor, sizeof(sr->actor), "%s", api->a->actor);
	sr->left = sr->n;
	for (i = 0; i < sr->n; i++) {
		sr->jobs[i].signer = sr->signer->g;
		sr->jobs[i].name = sr->files[i].filename;
		sr->jobs[i].data = sr->files[i].data;
		sr->jobs[i].len = sr->files[i].len;
		sr->jobs[i].arg = sr;
		signpool_submit(api->pool, &sr->jobs[i]);
	}
}

static struct sign_req *
sign_req_new(struct api *api, struct evhttp_request *req,
    const struct caller *c, const char *what, size_t n)
{
	struct sign_req *sr = calloc(1, sizeof(*sr));

	if (sr == NULL || (sr->jobs = calloc(n, sizeof(*sr->jobs))) == NULL) {
		free(sr);
		return NULL;
	}
	sr->api = api;
	sr->req = req;
	sr->n = n;
	snprintf(sr->log, sizeof(sr->log), "%s: %s (%s)", c->peer, what,
	    c->role ? c->role : "no role");
	return sr;
}

static int
post_sign(struct api *api, struct evhttp_request *req,
    const struct caller *c, const char *what, const char *name,
    const char *node)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	struct sign_req *sr;

	if (!apibody_safe_name(name)) {
		reply_error(req, 400, "bad_request", "give the file's name as "
		    "?filename=NAME (letters, digits, '.', '-', '_')");
		return 0;
	}
	if (len == 0) {
		reply_error(req, 400, "bad_request", "the request body is the "
		    "file to sign; it is empty");
		return 0;
	}
	if ((sr = sign_req_new(api, req, c, what, 1)) == NULL ||
	    (sr->files = calloc(1, sizeof(*sr->files))) == NULL ||
	    (sr->files[0].data = malloc(len)) == NULL) {
		if (sr != NULL)
			sign_req_free(sr);
		reply_error(req, 500, "internal", "out of memory");
		return 0;
	}
	snprintf(sr->files[0].filename, sizeof(sr->files[0].filename), "%s",
	    name);
	sr->files[0].len = len;
	evbuffer_remove(in, sr->files[0].data, len);
	sign_submit(api, sr, node);
	return 1;
}

static int
post_sign_batch(struct api *api, struct evhttp_request *req,
    const struct caller *c, const char *what, const char *node)
{
	struct sign_batch b;
	struct sign_req *sr;
	uint8_t *body;
	size_t len;
	int r;

	if (body_of(req, &body, &len) != 0)
		return 0;
	if ((r = apibody_sign_batch_parse(body, len, &b)) != 0) {
		reply_failure(req, r);
		return 0;
	}
	if ((sr = sign_req_new(api, req, c, what, b.n)) == NULL) {
		apibody_sign_batch_free(&b);
		reply_error(req, 500, "internal", "out of memory");
		return 0;
	}
	sr->batch = 1;
	sr->body = b;
	sr->files = sr->body.files;
	sign_submit(api, sr, node);
	return 1;
}

json_t *
node_json(const struct node *n)
{
	json_t *o = json_object();
	char services[64];

	node_services_text(n->services, services, sizeof(services));
	json_object_set_new(o, "host", json_string(n->host));
	json_object_set_new(o, "domain", json_string(n->domain));
	json_object_set_new(o, "ipv4", json_string(n->ipv4));
	json_object_set_new(o, "services", json_string(services));
	json_object_set_new(o, "publisher", json_boolean(n->publisher));
	return o;
}

static int
add_node(const struct node *n, void *arg)
{
	return append_json(arg, node_json(n));
}

static void
get_nodes(struct api *api, struct evhttp_request *req)
{
	json_t *arr = json_array();

	reply_list(req, "nodes", arr, inventory_node_list(api->a->inv, add_node, arr));
}

/* GET /v1/itl, /v1/ctl: the last publication of a node's file. */
static void
get_trustfile(struct api *api, struct evhttp_request *req, const char *name,
    const char *node)
{
	struct published p;
	struct node n;
	char path[4096];
	json_t *o;
	int r;

	if ((r = inventory_node_get(api->a->inv, node, &n)) != 0 ||
	    (r = app_tftp_path(api->a, &n, name, path, sizeof(path))) != 0) {
		reply_failure(req, r);
		return;
	}
	if ((r = inventory_published_last(api->a->inv, path, &p)) != 0) {
		reply_error(req, 404, "not_found", "nothing published there "
		    "yet");
		return;
	}
	o = json_object();
	json_object_set_new(o, "node", json_string(n.host));
	json_object_set_new(o, "kind", json_string(p.kind));
	json_object_set_new(o, "path", json_string(p.path));
	json_object_set_new(o, "size", json_integer((json_int_t)p.size));
	json_object_set_new(o, "md5", json_string(p.md5));
	json_object_set_new(o, "sha1", json_string(p.sha1));
	json_object_set_new(o, "sha256", json_string(p.sha256));
	json_object_set_new(o, "signer_serial", json_string(p.signer));
	json_object_set_new(o, "published",
	    json_integer((json_int_t)p.published));
	json_object_set_new(o, "forced", json_boolean(p.forced));
	reply_json(req, 200, o);
}

json_t *
json_published(const struct tf_result *res)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(res->path));
	json_object_set_new(o, "size", json_integer((json_int_t)res->size));
	json_object_set_new(o, "records",
	    json_integer((json_int_t)res->nrecords));
	json_object_set_new(o, "sha256", json_string(res->sha256));
	json_object_set_new(o, "signer", json_string(res->signer_subject));
	json_object_set_new(o, "signer_serial",
	    json_string(res->signer_serial));
	json_object_set_new(o, "phone_states_checked",
	    json_integer(res->phone_states));
	return o;
}

/* A publication the phone-trust check refuses is a conflict with the
 * phones' state, not a malformed request. */
void
reply_publish_failure(struct evhttp_request *req, int r)
{
	if (r == TS_ERR_INVALID)
		reply_error(req, 409, "refused", ts_error_detail(r));
	else
		reply_failure(req, r);
}

/* POST /v1/itl/build: the ITL signed by ITLRecovery, through the
 * phone-trust check (no override over the network). */
static void
post_itl_build(struct api *api, struct evhttp_request *req, const char *node,
    enum tf_signer signer)
{
	struct tf_opts o;
	struct tf_result res;
	int r;

	memset(&o, 0, sizeof(o));
	o.signer = signer;
	if ((r = ops_itl_publish(api->a, node, &o, &res)) != 0) {
		reply_publish_failure(req, r);
		return;
	}
	reply_json(req, 200, json_published(&res));
}

/* POST /v1/ctl/update, /v1/ctl/reset-localkey, /v1/ctl/set-cluster: the
 * CTL of every TFTP node, signed again (set_mode: 0 keep, 1 mixed, 2
 * non-secure). */
static void
post_ctl_update(struct api *api, struct evhttp_request *req, int set_mode,
    enum tf_signer signer)
{
	struct tf_opts o;
	struct tf_result res;
	json_t *j;
	int r, count = 0;

	memset(&o, 0, sizeof(o));
	o.signer = signer;
	if ((r = ops_ctl_publish(api->a, set_mode, &o, &res, &count)) != 0) {
		reply_publish_failure(req, r);
		return;
	}
	j = json_published(&res);
	json_object_set_new(j, "files", json_integer(count));
	reply_json(req, 200, j);
}

/* POST /v1/check: the phone-trust check on uploaded files. */
static void
post_check(struct api *api, struct evhttp_request *req)
{
	struct check_body cb;
	struct phone_verdict v;
	const char *advice;
	uint8_t *body;
	size_t len;
	json_t *o;
	int r;

	if (body_of(req, &body, &len) != 0)
		return;
	if ((r = apibody_check_parse(body, len, &cb)) != 0) {
		reply_failure(req, r);
		return;
	}
	r = gate_check_bytes(api->a, cb.from, cb.from_len, cb.ctl, cb.ctl_len,
	    cb.to, cb.to_len, &v, &advice);
	apibody_check_free(&cb);
	if (r != 0) {
		reply_failure(req, r);
		return;
	}
	o = json_object();
	json_object_set_new(o, "accepted", json_boolean(v.accepted));
	json_object_set_new(o, "rule", json_integer(v.rule));
	json_object_set_new(o, "reason", json_string(v.reason));
	if (advice != NULL)
		json_object_set_new(o, "advice", json_string(advice));
	reply_json(req, 200, o);
}

static int
add_audit(const struct audit_entry *e, void *arg)
{
	json_t *o = json_object();

	json_object_set_new(o, "seq", json_integer(e->seq));
	json_object_set_new(o, "time", json_integer((json_int_t)e->time));
	json_object_set_new(o, "actor", json_string(e->actor));
	json_object_set_new(o, "operation", json_string(e->operation));
	json_object_set_new(o, "args", json_string(e->args));
	json_object_set_new(o, "result", json_string(e->result));
	json_object_set_new(o, "hash", json_string(e->hash));
	return append_json(arg, o);
}

static void
get_audit(struct api *api, struct evhttp_request *req, const char *since)
{
	json_t *arr = json_array();
	long long t = 0;
	char *end;

	if (since != NULL) {
		t = strtoll(since, &end, 10);
		if (*since == '\0' || *end != '\0' || t < 0) {
			json_decref(arr);
			reply_error(req, 400, "bad_request", "since is a Unix "
			    "time in seconds");
			return;
		}
	}
	reply_list(req, "entries", arr, audit_list(api->a->inv, (time_t)t,
	    add_audit, arr));
}

static void
get_audit_verify(struct api *api, struct evhttp_request *req)
{
	struct audit_report rep;
	json_t *o;
	int r;

	if ((r = ops_audit_verify(api->a, &rep)) != 0) {
		reply_failure(req, r);
		return;
	}
	o = json_object();
	json_object_set_new(o, "intact", json_true());
	json_object_set_new(o, "entries", json_integer(rep.entries));
	json_object_set_new(o, "checkpoints", json_integer(rep.checkpoints));
	json_object_set_new(o, "last_checkpoint",
	    json_integer(rep.last_checkpoint));
	reply_json(req, 200, o);
}

/* ---- backups ---- */

static int
add_backup(const struct backup_row *b, void *arg)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(b->name));
	json_object_set_new(o, "path", json_string(b->path));
	json_object_set_new(o, "created", json_integer((json_int_t)b->created));
	json_object_set_new(o, "size", json_integer((json_int_t)b->size));
	json_object_set_new(o, "keys", json_integer(b->keys));
	json_object_set_new(o, "sha256", json_string(b->sha256));
	return append_json(arg, o);
}

static void
get_backups(struct api *api, struct evhttp_request *req)
{
	json_t *arr = json_array();

	reply_list(req, "backups", arr, ops_backup_list(api->a, add_backup, arr));
}

/* The service never asks a terminal: the passphrase is the configured
 * passphrase-file (or the daemon's TLVSIGN_BACKUP_PASSPHRASE_FILE). */
static void
post_backup(struct api *api, struct evhttp_request *req)
{
	const char *env = getenv("TLVSIGN_BACKUP_PASSPHRASE_FILE");
	struct backup_made res;
	json_t *o;
	int r;

	if ((env == NULL || *env == '\0') &&
	    api->a->conf.backup_passphrase_file == NULL) {
		reply_error(req, 409, "conflict", "the service makes backups "
		    "only with a [backup] passphrase-file in its configuration");
		return;
	}
	if ((r = ops_backup_create(api->a, NULL, NULL, &res)) != 0) {
		reply_failure(req, r);
		return;
	}
	o = json_object();
	json_object_set_new(o, "file", json_string(res.path));
	json_object_set_new(o, "size", json_integer((json_int_t)res.size));
	json_object_set_new(o, "keys", json_integer(res.nkeys));
	json_object_set_new(o, "sha256", json_string(res.sha256));
	reply_json(req, 201, o);
}

/* The body is a backup file: checked without a secret. */
static void
post_backup_check(struct api *api, struct evhttp_request *req, int inspect)
{
	struct backup_check chk;
	uint8_t *data;
	size_t len;
	json_t *o;
	int r;

	if (body_of(req, &data, &len) != 0)
		return;
	if (len == 0) {
		reply_error(req, 400, "bad_request", "the request body is the "
		    "backup file to check; it is empty");
		return;
	}
	r = ops_backup_verify_data(api->a, "request body", data, len, NULL,
	    NULL, &chk);
	o = backup_check_json(&chk, r, inspect);
	backup_check_free(&chk);
	if (r != 0) {
		json_object_set_new(o, "error",
		    json_string("verification_failed"));
		json_object_set_new(o, "detail",
		    json_string(ts_error_detail(r)));
	}
	reply_json(req, r == 0 ? 200 : 409, o);
}

static void
get_health(struct api *api, struct evhttp_request *req)
{
	json_t *o = json_object();

	json_object_set_new(o, "status", json_string("ok"));
	json_object_set_new(o, "cluster",
	    json_string(api->a->conf.cluster_name));
	reply_json(req, 200, o);
}

static void
route(struct evhttp_request *req, void *arg)
{
	struct api *api = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	struct evkeyvalq q;
	struct caller c;
	const char *path = evhttp_uri_get_path(uri), *query;
	const char *node = NULL;
	char what[160];
	int get = method == EVHTTP_REQ_GET, post = method == EVHTTP_REQ_POST;
	int signing = 0;            /* logged when answered */

	TAILQ_INIT(&q);
	query = evhttp_uri_get_query(uri);
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		reply_error(req, 400, "bad_request", "malformed query string");
		return;
	}
	node = evhttp_find_header(&q, "node");
	caller_of(api, req, &c);
	snprintf(api->a->actor, sizeof(api->a->actor), "api:%s:%.16s",
	    c.role ? c.role : "none", c.fp[0] ? c.fp : "-");
	snprintf(what, sizeof(what), "%s %.120s", get ? "GET" : post ? "POST" :
	    "?", path ? path : "");
	if (path == NULL) {
		reply_error(req, 400, "bad_request", "no path");
	} else if (api->draining) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		reply_error(req, 503, "unavailable", "the service is stopping");
	} else if (strcmp(path, "/v1/health") == 0) {
		if (!get)
			reply_error(req, 405, "method_not_allowed", "use GET");
		else
			get_health(api, req);
	} else if (strcmp(path, "/v1/certificates") == 0) {
		if (!get)
			reply_error(req, 405, "method_not_allowed", "use GET");
		else if (authorise(api, req, &c, ACCESS_CERTS_READ, what))
			get_certificates(api, req);
	} else if (strncmp(path, "/v1/certificates/", 17) == 0 &&
	    strchr(path + 17, '/') == NULL && path[17] != '\0') {
		if (!get)
			reply_error(req, 405, "method_not_allowed", "use GET");
		else if (authorise(api, req, &c, ACCESS_CERTS_READ, what))
			get_certificate(api, req, path + 17, node);
	} else if (strcmp(path, "/v1/sign") == 0) {
		if (!post)
			reply_error(req, 405, "method_not_allowed", "use POST");
		else if (authorise(api, req, &c, ACCESS_SIGN, what))
			signing = post_sign(api, req, &c, what,
			    evhttp_find_header(&q, "filename"), node);
	} else if (strcmp(path, "/v1/sign/batch") == 0) {
		if (!post)
			reply_error(req, 405, "method_not_allowed", "use POST");
		else if (authorise(api, req, &c, ACCESS_SIGN, what))
			signing = post_sign_batch(api, req, &c, what, node);
	} else if (strcmp(path, "/v1/nodes") == 0 && !post) {
		if (!get)
			reply_error(req, 405, "method_not_allowed", "use GET");
		else if (authorise(api, req, &c, ACCESS_CERTS_READ, what))
			get_nodes(api, req);
	} else if (strcmp(path, "/v1/itl") == 0 ||
	    strcmp(path, "/v1/ctl") == 0) {
		if (!get)
			reply_error(req, 405, "method_not_allowed", "use GET");
		else if (authorise(api, req, &c, ACCESS_CERTS_READ, what))
			get_trustfile(api, req, path[4] == 'i' ? ITL_NAME :
			    CTL_NAME, node);
	} else if (strcmp(path, "/v1/itl/build") == 0 ||
	    strcmp(path, "/v1/itl/reset-localkey") == 0) {
		if (!post)
			reply_error(req, 405, "method_not_allowed", "use POST");
		else if (authorise(api, req, &c, ACCESS_PUBLISH, what))
			post_itl_build(api, req, node, path[8] == 'b' ?
			    TF_SIGN_RECOVERY : TF_SIGN_LOCALKEY);
	} else if (strcmp(path, "/v1/ctl/update") == 0 ||
	    strcmp(path, "/v1/ctl/reset-localkey") == 0) {
		if (!post)
			reply_error(req, 405, "method_not_allowed", "use POST");
		else if (authorise(api, req, &c, ACCESS_PUBLISH, what))
			post_ctl_update(api, req, 0, path[8] == 'u' ?
			    TF_SIGN_RECOVERY : TF_SIGN_LOCALKEY);
	} else if (strcmp(path, "/v1/ctl/set-cluster") == 0) {
		const char *mode = evhttp_find_header(&q, "mode");
		int m = mode == NULL ? 0 : strcmp(mode, "mixed-mode") == 0 ? 1 :
		    strcmp(mode, "non-secure-mode") == 0 ? 2 : 0;

		if (!post)
			reply_error(req, 405, "method_not_allowed", "use POST");
		else if (m == 0)
			reply_error(req, 400, "bad_request", "give ?mode="
			    "mixed-mode or ?mode=non-secure-mode");
		else if (authorise(api, req, &c, ACCESS_PUBLISH, what))
			post_ctl_update(api, req, m, TF_SIGN_RECOVERY);
	} else if (strcmp(path, "/v1/check") == 0) {
		if (!post)
			reply_error(req, 405, "method_not_allowed", "use POST");
		else if (authorise(api, req, &c, ACCESS_CERTS_READ, what))
			post_check(api, req);
	} else if (strcmp(path, "/v1/audit") == 0) {
		if (!get)
			reply_error(req, 405, "method_not_allowed", "use GET");
		else if (authorise(api, req, &c, ACCESS_AUDIT, what))
			get_audit(api, req, evhttp_find_header(&q, "since"));
	} else if (strcmp(path, "/v1/audit/verify") == 0) {
		if (!get)
			reply_error(req, 405, "method_not_allowed", "use GET");
		else if (authorise(api, req, &c, ACCESS_AUDIT, what))
			get_audit_verify(api, req);
	} else if (strcmp(path, "/v1/backups") == 0) {
		if (get && authorise(api, req, &c, ACCESS_BACKUP, what))
			get_backups(api, req);
		else if (post && authorise(api, req, &c, ACCESS_BACKUP, what))
			post_backup(api, req);
		else if (!get && !post)
			reply_error(req, 405, "method_not_allowed",
			    "use GET or POST");
	} else if (strcmp(path, "/v1/backups/verify") == 0 ||
	    strcmp(path, "/v1/backups/inspect") == 0) {
		if (!post)
			reply_error(req, 405, "method_not_allowed", "use POST");
		else if (authorise(api, req, &c, ACCESS_BACKUP_CHECK, what))
			post_backup_check(api, req, path[12] == 'i');
	} else if (api_route_admin(api, req, &c, path, &q, get, post, what)) {
		/* answered by the officer's endpoints (apiadmin.c) */
	} else {
		reply_error(req, 404, "not_found", "no such endpoint: see "
		    "tlvsignd(8)");
	}
	/* whatever else a POST did may have changed the signing keys, the
	 * certificates, the TVS trust store */
	if (post && strncmp(path ? path : "", "/v1/sign", 8) != 0) {
		int code = evhttp_request_get_response_code(req);

		signers_flush(api);
		if (code >= 200 && code < 300 && !api->followed &&
		    api_follow(api) != 0)
			ts_error_clear();
	}
	api->followed = 0;
	/* a signing request is logged when it is answered */
	if (!signing)
		dlog(LOG_P_INFO, "api %s: %s (%s) -> %d", c.peer, what,
		    c.role ? c.role : c.fp[0] ? "no role" : "no certificate",
		    evhttp_request_get_response_code(req));
	evhttp_clear_headers(&q);
	ERR_clear_error();
}

int
api_start(struct event_base *base, struct app *a, SSL_CTX *ctx,
    const char *host, unsigned port, unsigned threads, unsigned *port_out,
    struct api **out)
{
	struct evhttp_bound_socket *sock;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct api *api;
	int r;

	*out = NULL;
	if ((api = calloc(1, sizeof(*api))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	api->base = base;
	api->a = a;
	api->data_version = -1;
	if ((r = signpool_start(base, a, threads, sign_done, api,
	    &api->pool)) != 0) {
		free(api);
		return r;
	}
	if (inventory_wal_path(a->inv) != NULL &&
	    (r = walsync_start(base, inventory_wal_path(a->inv), synced, api,
	    &api->wal)) != 0) {
		dlog(LOG_P_WARNING, "audit commits are synced on the event "
		    "loop: %s", ts_error_detail(r));
		ts_error_clear();
	}
	if ((api->checkpoint = evtimer_new(base, checkpoint_cb, api)) == NULL ||
	    (api->http = evhttp_new(base)) == NULL) {
		signpool_stop(api->pool);
		walsync_stop(api->wal);
		if (api->checkpoint != NULL)
			event_free(api->checkpoint);
		free(api);
		return ts_error(TS_ERR_NOMEM, "cannot create the HTTP server");
	}
	evhttp_set_bevcb(api->http, bev_cb, api);
	evhttp_set_gencb(api->http, route, api);
	evhttp_set_max_body_size(api->http, API_MAX_BODY);
	evhttp_set_max_headers_size(api->http, 16384);
	evhttp_set_timeout(api->http, 30);
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	if ((sock = evhttp_bind_socket_with_handle(api->http, host,
	    (ev_uint16_t)port)) == NULL ||
	    getsockname(evhttp_bound_socket_get_fd(sock),
	    (struct sockaddr *)&ss, &sl) != 0) {
		evhttp_free(api->http);
		signpool_stop(api->pool);
		walsync_stop(api->wal);
		event_free(api->checkpoint);
		free(api);
		return ts_error(TS_ERR_IO, "cannot listen on %s port %u for the "
		    "HTTPS API", host, port);
	}
	/* a reply is headers and body, written as they come: without this
	 * the second part would wait for the client's delayed acknowledgement
	 * of the first, some 40 ms on every kept-alive request (accepted
	 * connections inherit it from the listener) */
	(void)setsockopt(evhttp_bound_socket_get_fd(sock), IPPROTO_TCP,
	    TCP_NODELAY, &(int){ 1 }, sizeof(int));
	api->sock = sock;
	api->ctx = ctx;
	*port_out = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	*out = api;
	return 0;
}

void
api_set_ctx(struct api *api, SSL_CTX *ctx)
{
	SSL_CTX_free(api->ctx);
	api->ctx = ctx;
	signers_flush(api);
}

void
api_on_change(struct api *api, int (*fn)(void *), void *arg)
{
	api->on_change = fn;
	api->on_change_arg = arg;
}

int
api_follow(struct api *api)
{
	api->followed = 1;
	return api->on_change != NULL ? api->on_change(api->on_change_arg) : 0;
}

void
api_drain(struct api *api)
{
	if (api == NULL || api->draining)
		return;
	api->draining = 1;
	if (api->sock != NULL)
		evhttp_del_accept_socket(api->http, api->sock);
	api->sock = NULL;
}

size_t
api_in_flight(const struct api *api)
{
	return api == NULL ? 0 : signpool_pending(api->pool) +
	    walsync_pending(api->wal) + api->nheld;
}

void
api_stop(struct api *api)
{
	if (api == NULL)
		return;
	/* the last answers go out before the server is freed, and the log
	 * is left with its checkpoint */
	api->stopping = 1;
	signpool_stop(api->pool);
	/* the log thread answers its last groups; what waited for them is
	 * then audited with a synced commit (see synced) */
	walsync_stop(api->wal);
	signers_flush(api);
	if (evtimer_pending(api->checkpoint, NULL)) {
		api->a->checkpoint_at = 0;
		checkpoint_cb(-1, 0, api);
	}
	event_free(api->checkpoint);
	evhttp_free(api->http);
	SSL_CTX_free(api->ctx);
	free(api);
}
