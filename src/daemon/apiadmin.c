/*
 * apiadmin.c - the officer's endpoints of the HTTPS API: certificates
 * generated, regenerated, requested and imported; nodes added and
 * removed; bulk certificates exported, imported and listed; the ITL
 * signed by an ITLRecovery key brought in a PKCS#12 file or a backup.
 * Bodies are parsed by format/apibody, the rules are the operations'.
 */
#include "daemon/apiint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "daemon/log.h"
#include "format/apibody.h"
#include "ops/backup.h"
#include "ops/bulk.h"
#include "ops/bulkjson.h"
#include "ops/certjson.h"
#include "ops/certs.h"
#include "ops/cluster.h"
#include "ops/csr.h"
#include "ops/keys.h"
#include "util/error.h"
#include "util/fileio.h"

#if APIBODY_MAX_SANS > CSR_MAX_SANS
#error "a CSR body may name more SANs than a CSR takes"
#endif

/* ---- pieces every endpoint here uses ---- */

/* Wipe the request body and drop it: it held a passphrase. */
static void
body_wipe(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	uint8_t *data;

	if (len > 0 && (data = evbuffer_pullup(in, (ev_ssize_t)len)) != NULL)
		OPENSSL_cleanse(data, len);
	evbuffer_drain(in, len);
}

/*
 * A failed operation. As reply_failure, and: a thing that exists already
 * (an active certificate, a node) is a 409 conflict, a wrong passphrase
 * a 400; for an operation that publishes trust files a refusal is the
 * phone-trust check's, 409 refused.
 */
static void
admin_failure(struct evhttp_request *req, int r, int publishes)
{
	if (r == TS_ERR_EXISTS)
		reply_error(req, 409, "conflict", ts_error_detail(r));
	else if (r == TS_ERR_AUTH)
		reply_error(req, 400, "bad_request", ts_error_detail(r));
	else if (publishes)
		reply_publish_failure(req, r);
	else
		reply_failure(req, r);
}

/* The node a request names in its body or as ?node= (they must agree);
 * NULL for the publisher. 0, or -1 after a 400 reply. */
static int
node_of(struct evhttp_request *req, const struct evkeyvalq *q,
    const char *body_node, const char **node)
{
	const char *qn = evhttp_find_header(q, "node");

	*node = body_node[0] != '\0' ? body_node : NULL;
	if (qn == NULL)
		return 0;
	if (!apibody_host_name(qn)) {
		reply_error(req, 400, "bad_request", "?node= is a host name: 1 "
		    "to 63 letters, digits or '-'");
		return -1;
	}
	if (*node != NULL && strcmp(*node, qn) != 0) {
		reply_error(req, 400, "bad_request", "?node= and the body's "
		    "\"node\" name different nodes");
		return -1;
	}
	*node = qn;
	return 0;
}

/* tlvsignd presents the publisher's TVS and tomcat certificates: a new
 * one is put in service before the reply, which says whether that failed
 * (a reload is needed then). */
static int
reload_needed(struct api *api, const struct cert_row *row)
{
	struct node pub;

	if (strcmp(row->purpose, "TVS") != 0 &&
	    strcmp(row->purpose, "tomcat") != 0 &&
	    strcmp(row->purpose, "tomcat-ECDSA") != 0)
		return 0;
	if (inventory_node_get(api->a->inv, NULL, &pub) != 0) {
		ts_error_clear();
		return 1;
	}
	if (strcmp(row->host, pub.host) != 0)
		return 0;
	if (api_follow(api) != 0) {
		ts_error_clear();
		return 1;
	}
	return 0;
}

static void
set_warning(json_t *o, const char *warning)
{
	if (warning != NULL)
		json_object_set_new(o, "warning", json_string(warning));
}

/* The reply of an endpoint that made a certificate: o, its JSON with the
 * endpoint's own fields, then whether the service could put it in
 * service, and the warning if any. The row is freed. */
static void
reply_cert(struct api *api, struct evhttp_request *req, int code, json_t *o,
    struct cert_row *row, const char *warning)
{
	json_object_set_new(o, "reload_needed",
	    json_boolean(reload_needed(api, row)));
	set_warning(o, warning);
	cert_row_free(row);
	reply_json(req, code, o);
}

/* ---- certificates ---- */

/* The generate or regenerate request: body and node, into *g (which
 * points into *b). 0, or -1 after the error reply. */
static int
certgen_request(struct evhttp_request *req, const struct evkeyvalq *q,
    const char *purpose, struct certgen_body *b, struct cert_gen *g)
{
	const char *node;
	uint8_t *data;
	size_t len;
	int r;

	if (body_of(req, &data, &len) != 0)
		return -1;
	if ((r = apibody_certgen_parse(data, len, b)) != 0) {
		reply_failure(req, r);
		return -1;
	}
	if (node_of(req, q, b->node, &node) != 0)
		return -1;
	memset(g, 0, sizeof(*g));
	g->purpose = purpose;
	g->node = node;
	g->bits = b->bits;
	g->hash = b->hash[0] != '\0' ? b->hash : NULL;
	g->years = b->years;
	g->publish.previous = b->previous;
	return 0;
}

/* POST /v1/certificates/PURPOSE/generate: 201 and the new certificate. */
static void
post_generate(struct api *api, struct evhttp_request *req,
    const struct evkeyvalq *q, const char *purpose)
{
	struct certgen_body b;
	struct cert_gen g;
	struct cert_gen_result res;
	json_t *o;
	int r;

	if (certgen_request(req, q, purpose, &b, &g) != 0)
		return;
	if ((r = ops_cert_generate(api->a, &g, &res)) != 0) {
		admin_failure(req, r, 0);
		return;
	}
	o = cert_row_json(&res.row);
	json_object_set_new(o, "itl_rebuilt", json_integer(res.itl_rebuilt));
	reply_cert(api, req, 201, o, &res.row, res.warning);
}

/* POST /v1/certificates/PURPOSE/regenerate: 200 and the new certificate,
 * through the phone-trust check. */
static void
post_regenerate(struct api *api, struct evhttp_request *req,
    const struct evkeyvalq *q, const char *purpose)
{
	struct certgen_body b;
	struct cert_gen g;
	struct cert_regen_result res;
	json_t *o;
	int r;

	if (certgen_request(req, q, purpose, &b, &g) != 0)
		return;
	if ((r = ops_cert_regenerate(api->a, &g, &res)) != 0) {
		admin_failure(req, r, 1);
		return;
	}
	o = cert_row_json(&res.row);
	json_object_set_new(o, "replaced_serial", json_string(res.old_serial));
	json_object_set_new(o, "itl_rebuilt", json_integer(res.itl_rebuilt));
	json_object_set_new(o, "backup_required",
	    json_boolean(res.backup_required));
	json_object_set_new(o, "ctl_update_needed",
	    json_boolean(res.ctl_update_needed));
	json_object_set_new(o, "signed_by_localkey",
	    json_boolean(res.localkey));
	reply_cert(api, req, 200, o, &res.row, res.warning);
}

/* POST /v1/certificates/PURPOSE/csr: 201, the request in PEM; its key
 * waits in the token for the CA's answer. */
static void
post_csr(struct api *api, struct evhttp_request *req,
    const struct evkeyvalq *q, const char *purpose)
{
	struct csr_body b;
	struct csr_opts o;
	struct csr_result res;
	const char *node;
	uint8_t *data;
	size_t len, i;
	json_t *j;
	int r;

	if (body_of(req, &data, &len) != 0)
		return;
	if ((r = apibody_csr_parse(data, len, &b)) != 0) {
		reply_failure(req, r);
		return;
	}
	if (node_of(req, q, b.node, &node) != 0)
		return;
	memset(&o, 0, sizeof(o));
	o.purpose = purpose;
	o.node = node;
	o.multi_server = b.multi_server;
	for (i = 0; i < b.nsans; i++)
		o.sans[i] = b.sans[i];
	o.nsans = b.nsans;
	o.parent_domain = b.parent_domain[0] != '\0' ? b.parent_domain : NULL;
	o.bits = b.bits;
	o.hash = b.hash[0] != '\0' ? b.hash : NULL;
	if ((r = ops_cert_csr(api->a, &o, &res)) != 0) {
		admin_failure(req, r, 0);
		return;
	}
	j = json_object();
	json_object_set_new(j, "purpose", json_string(purpose));
	json_object_set_new(j, "subject", json_string(res.subject));
	json_object_set_new(j, "replaced", json_boolean(res.replaced));
	json_object_set_new(j, "pem", json_string(res.pem));
	set_warning(j, res.warning);
	free(res.pem);
	reply_json(req, 201, j);
}

/* POST /v1/certificates/PURPOSE/import: the CA-signed certificate of the
 * pending request, with its chain, replacing the active one. */
static void
post_import(struct api *api, struct evhttp_request *req,
    const struct evkeyvalq *q, const char *purpose)
{
	struct import_body b;
	struct import_result res;
	struct tf_opts o;
	const char *node;
	uint8_t *data;
	size_t len;
	json_t *j;
	int r;

	if (body_of(req, &data, &len) != 0)
		return;
	if ((r = apibody_import_parse(data, len, &b)) != 0) {
		reply_failure(req, r);
		return;
	}
	if (node_of(req, q, b.node, &node) != 0) {
		apibody_import_free(&b);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.previous = b.previous;
	r = ops_cert_import(api->a, purpose, node, (const uint8_t *)b.pem,
	    b.len, &o, &res);
	apibody_import_free(&b);
	if (r != 0) {
		admin_failure(req, r, 1);
		return;
	}
	j = cert_row_json(&res.row);
	json_object_set_new(j, "replaced_serial", res.replaced_serial[0] ?
	    json_string(res.replaced_serial) : json_null());
	json_object_set_new(j, "chain_length",
	    json_integer((json_int_t)res.chain_len));
	json_object_set_new(j, "itl_rebuilt", json_integer(res.itl_rebuilt));
	json_object_set_new(j, "backup_required",
	    json_boolean(res.backup_required));
	reply_cert(api, req, 200, j, &res.row, NULL);
}

/* /v1/certificates/PURPOSE/ACTION; 0 when the path is not one. */
static int
route_certificate(struct api *api, struct evhttp_request *req,
    const struct caller *c, const char *path, const struct evkeyvalq *q,
    int post, const char *what)
{
	static const struct {
		const char *name;
		void (*fn)(struct api *, struct evhttp_request *,
		    const struct evkeyvalq *, const char *);
	} actions[] = {
		{ "generate", post_generate },
		{ "regenerate", post_regenerate },
		{ "csr", post_csr },
		{ "import", post_import },
	};
	const char *p = path + 17, *slash;
	char purpose[32];
	size_t i;

	if (strncmp(path, "/v1/certificates/", 17) != 0 ||
	    (slash = strchr(p, '/')) == NULL || strchr(slash + 1, '/') != NULL)
		return 0;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(slash + 1, actions[i].name) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return 0;
	if (!post) {
		reply_error(req, 405, "method_not_allowed", "use POST");
		return 1;
	}
	if (!authorise(api, req, c, ACCESS_CERTS_WRITE, what))
		return 1;
	if ((size_t)(slash - p) >= sizeof(purpose)) {
		reply_error(req, 400, "bad_request", "the purpose in the path "
		    "is too long");
		return 1;
	}
	memcpy(purpose, p, (size_t)(slash - p));
	purpose[slash - p] = '\0';
	if (!apibody_purpose_name(purpose)) {
		reply_error(req, 400, "bad_request", "the path names a "
		    "purpose: /v1/certificates/PURPOSE/...; PURPOSE is "
		    "letters, digits and '-'");
		return 1;
	}
	actions[i].fn(api, req, q, purpose);
	return 1;
}

/* ---- nodes ---- */

/* POST /v1/nodes: 201 and the node as the inventory now holds it. */
static void
post_node(struct api *api, struct evhttp_request *req)
{
	struct node_body b;
	struct node n;
	uint8_t *data;
	size_t len;
	int r;

	if (body_of(req, &data, &len) != 0)
		return;
	if ((r = apibody_node_parse(data, len, &b)) != 0) {
		reply_failure(req, r);
		return;
	}
	memset(&n, 0, sizeof(n));
	memcpy(n.host, b.host, sizeof(n.host));
	memcpy(n.ipv4, b.ipv4, sizeof(n.ipv4));
	/* as `node add`: without a domain, the configured one */
	snprintf(n.domain, sizeof(n.domain), "%s", b.has_domain ? b.domain :
	    api->a->conf.domain ? api->a->conf.domain : "");
	n.publisher = b.publisher;
	if ((r = node_services_parse(b.services, &n.services)) != 0 ||
	    (r = ops_node_add(api->a, &n)) != 0 ||
	    (r = inventory_node_get(api->a->inv, n.host, &n)) != 0) {
		admin_failure(req, r, 0);
		return;
	}
	reply_json(req, 201, node_json(&n));
}

/* POST /v1/nodes/HOST/remove */
static void
post_node_remove(struct api *api, struct evhttp_request *req,
    const char *host)
{
	json_t *o;
	int r;

	if (!apibody_host_name(host)) {
		reply_error(req, 400, "bad_request", "the path names a node: "
		    "/v1/nodes/HOST/remove; HOST is 1 to 63 letters, digits or "
		    "'-'");
		return;
	}
	if ((r = ops_node_remove(api->a, host)) != 0) {
		admin_failure(req, r, 0);
		return;
	}
	o = json_object();
	json_object_set_new(o, "host", json_string(host));
	json_object_set_new(o, "removed", json_true());
	reply_json(req, 200, o);
}

static int
route_node(struct api *api, struct evhttp_request *req,
    const struct caller *c, const char *path, int post, const char *what)
{
	const char *p = path + 10, *slash;
	char host[64];

	if (strcmp(path, "/v1/nodes") == 0) {
		/* GET is answered by api.c */
		if (!post)
			reply_error(req, 405, "method_not_allowed",
			    "use GET or POST");
		else if (authorise(api, req, c, ACCESS_CERTS_WRITE, what))
			post_node(api, req);
		return 1;
	}
	if (strncmp(path, "/v1/nodes/", 10) != 0 ||
	    (slash = strchr(p, '/')) == NULL || strcmp(slash, "/remove") != 0)
		return 0;
	if (!post) {
		reply_error(req, 405, "method_not_allowed", "use POST");
		return 1;
	}
	if (!authorise(api, req, c, ACCESS_CERTS_WRITE, what))
		return 1;
	if ((size_t)(slash - p) >= sizeof(host)) {
		reply_error(req, 400, "bad_request", "the host name in the "
		    "path is over 63 characters");
		return 1;
	}
	memcpy(host, p, (size_t)(slash - p));
	host[slash - p] = '\0';
	post_node_remove(api, req, host);
	return 1;
}

/* ---- bulk certificates ---- */

/*
 * The operations read and write bulk archives by name: a private
 * directory (0700) under TMPDIR or /tmp holds the one file, removed with
 * it after the request.
 */
struct tmpfile {
	char dir[4096];
	char path[4200];
};

static int
tmpfile_make(struct tmpfile *t, const char *name)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(t->dir, sizeof(t->dir), "%s/tlvsignd-bulk.XXXXXX", base);
	if (mkdtemp(t->dir) == NULL) {
		t->dir[0] = '\0';
		return ts_error(TS_ERR_IO, "cannot create a private directory "
		    "under %s for the archive", base);
	}
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
	return 0;
}

static void
tmpfile_remove(struct tmpfile *t)
{
	if (t->dir[0] == '\0')
		return;
	unlink(t->path);
	if (rmdir(t->dir) != 0)
		dlog(LOG_P_WARNING, "api: cannot remove %s", t->dir);
}

/* GET /v1/bulk/export?type=tftp|itlrecovery|all: the archive itself. */
static void
get_bulk_export(struct api *api, struct evhttp_request *req,
    const struct evkeyvalq *q)
{
	const char *name = evhttp_find_header(q, "type");
	struct tmpfile t;
	struct evbuffer *buf;
	unsigned type = BULK_ALL;
	uint8_t *data = NULL;
	size_t len, count;
	char n[32];
	int r;

	if (name != NULL && ops_bulk_type(name, &type) != 0) {
		reply_error(req, 400, "bad_request", "?type= is tftp, "
		    "itlrecovery or all");
		return;
	}
	if ((r = tmpfile_make(&t, "export.json")) != 0 ||
	    (r = ops_bulk_export(api->a, type, t.path, &count)) != 0 ||
	    (r = file_read(t.path, BULK_MAX_FILE, &data, &len)) != 0) {
		tmpfile_remove(&t);
		reply_failure(req, r);
		return;
	}
	tmpfile_remove(&t);
	if ((buf = evbuffer_new()) == NULL) {
		free(data);
		reply_error(req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add(buf, data, len);
	free(data);
	snprintf(n, sizeof(n), "%zu", count);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Disposition", "attachment; filename=\"bulk.json\"");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Certificates", n);
	evhttp_send_reply(req, 200, NULL, buf);
	evbuffer_free(buf);
}

/* POST /v1/bulk/import: the body is an archive of another cluster. */
static void
post_bulk_import(struct api *api, struct evhttp_request *req)
{
	struct bulk_import_result res;
	struct tmpfile t;
	uint8_t *data;
	size_t len;
	json_t *o;
	int r;

	if (body_of(req, &data, &len) != 0)
		return;
	if (len == 0) {
		reply_error(req, 400, "bad_request", "the request body is the "
		    "archive to import; it is empty");
		return;
	}
	if ((r = tmpfile_make(&t, "request-body.json")) != 0 ||
	    (r = file_write_atomic(t.path, data, len, 0600)) != 0) {
		tmpfile_remove(&t);
		reply_failure(req, r);
		return;
	}
	r = ops_bulk_import(api->a, t.path, &res);
	tmpfile_remove(&t);
	if (r != 0) {
		admin_failure(req, r, 0);
		return;
	}
	o = json_object();
	json_object_set_new(o, "imported",
	    json_integer((json_int_t)res.imported));
	json_object_set_new(o, "own", json_integer((json_int_t)res.own));
	json_object_set_new(o, "already",
	    json_integer((json_int_t)res.already));
	reply_json(req, 200, o);
}

static int
add_trust_row(const struct tvs_trust_row *t, void *arg)
{
	return append_json(arg, tvs_trust_row_json(t));
}

/* GET /v1/bulk: the certificates imported from other clusters. */
static void
get_bulk(struct api *api, struct evhttp_request *req)
{
	json_t *arr = json_array();

	reply_list(req, "certificates", arr,
	    tvs_trust_list(api->a->inv, add_trust_row, arr));
}

static int
route_bulk(struct api *api, struct evhttp_request *req,
    const struct caller *c, const char *path, const struct evkeyvalq *q,
    int get, int post, const char *what)
{
	if (strcmp(path, "/v1/bulk") == 0) {
		if (!get)
			reply_error(req, 405, "method_not_allowed", "use GET");
		else if (authorise(api, req, c, ACCESS_CERTS_WRITE, what))
			get_bulk(api, req);
	} else if (strcmp(path, "/v1/bulk/export") == 0) {
		if (!get)
			reply_error(req, 405, "method_not_allowed", "use GET");
		else if (authorise(api, req, c, ACCESS_CERTS_WRITE, what))
			get_bulk_export(api, req, q);
	} else if (strcmp(path, "/v1/bulk/import") == 0) {
		if (!post)
			reply_error(req, 405, "method_not_allowed", "use POST");
		else if (authorise(api, req, c, ACCESS_CERTS_WRITE, what))
			post_bulk_import(api, req);
	} else {
		return 0;
	}
	return 1;
}

/* ---- the remotekey reset ---- */

/*
 * POST /v1/itl/reset-remotekey: the node's ITL signed by the ITLRecovery
 * key of a PKCS#12 file or of a backup, through the phone-trust check.
 * The passphrase is in the body: the body is wiped as soon as it is
 * parsed, the parsed copy right after the operation, and neither the log
 * nor the audit log nor an error ever holds it.
 */
static void
post_remotekey(struct api *api, struct evhttp_request *req,
    const struct evkeyvalq *q)
{
	struct remotekey_body b;
	struct tf_opts o;
	struct tf_result res;
	const char *node;
	uint8_t *data;
	size_t len;
	int r;

	if (body_of(req, &data, &len) != 0) {
		body_wipe(req);
		return;
	}
	r = apibody_remotekey_parse(data, len, &b);
	body_wipe(req);
	if (r != 0) {
		reply_failure(req, r);
		return;
	}
	if (node_of(req, q, b.node, &node) != 0) {
		apibody_remotekey_free(&b);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.previous = b.previous;
	if (backup_sniff(b.file, b.len))
		r = ops_itl_reset_remotekey_backup(api->a, node, b.file, b.len,
		    b.passphrase, &o, &res);
	else
		r = ops_itl_reset_remotekey(api->a, node, b.file, b.len,
		    b.passphrase, &o, &res);
	apibody_remotekey_free(&b);
	if (r != 0) {
		admin_failure(req, r, 1);
		return;
	}
	reply_json(req, 200, json_published(&res));
}

int
api_route_admin(struct api *api, struct evhttp_request *req,
    const struct caller *c, const char *path, const struct evkeyvalq *q,
    int get, int post, const char *what)
{
	if (route_certificate(api, req, c, path, q, post, what) ||
	    route_node(api, req, c, path, post, what) ||
	    route_bulk(api, req, c, path, q, get, post, what))
		return 1;
	if (strcmp(path, "/v1/itl/reset-remotekey") != 0)
		return 0;
	if (!post) {
		/* nothing of a body that may hold a passphrase stays */
		body_wipe(req);
		reply_error(req, 405, "method_not_allowed", "use POST");
	} else if (authorise(api, req, c, ACCESS_PUBLISH, what)) {
		post_remotekey(api, req, q);
	} else {
		body_wipe(req);
	}
	return 1;
}
