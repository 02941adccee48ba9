/* itl.c - ITLFile.tlv build, sign, publish. */
#include "ops/itl.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/trustlist.h"
#include "ops/publish.h"
#include "util/error.h"
#include "x509/cert.h"
#include "x509/tlverify.h"

#define ITL_NAME "ITLFile.tlv"
#define MAX_ENTRIES 128

/* A record and the buffers its fields point into. */
struct owned {
	struct trustlist_entry e;
	char *subject, *issuer;
	uint8_t *serial, *pubkey, *sig, *der;
};

struct itl_build {
	struct owned rec[MAX_ENTRIES];
	struct trustlist_entry entries[MAX_ENTRIES];
	size_t n;
	int any_ec;
};

static void
build_free(struct itl_build *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->rec[i].subject);
		free(b->rec[i].issuer);
		free(b->rec[i].serial);
		free(b->rec[i].pubkey);
		free(b->rec[i].sig);
		free(b->rec[i].der);
	}
	b->n = 0;
}

static int
add_cert(struct itl_build *b, const struct cert_row *row, uint16_t role,
    const struct node *n)
{
	struct owned *o;
	X509 *x = NULL;
	int r;

	if (b->n == MAX_ENTRIES)
		return ts_error(TS_ERR_LIMIT, "more than %d trust-list records",
		    MAX_ENTRIES);
	o = &b->rec[b->n];
	memset(o, 0, sizeof(*o));
	if ((r = cert_from_der(row->der, row->der_len, &x)) != 0)
		return ts_error(r, "inventory certificate %s of %s is corrupt",
		    row->purpose, row->host);
	if ((r = cert_dn_text(X509_get_subject_name(x), ';', &o->subject)) ||
	    (r = cert_dn_text(X509_get_issuer_name(x), ';', &o->issuer)) ||
	    (r = cert_serial(x, &o->serial, &o->e.serial_len)) ||
	    (r = cert_public_key_bytes(x, &o->pubkey, &o->e.pubkey_len)) ||
	    (r = cert_signature_bytes(x, &o->sig, &o->e.cert_sig_len)) ||
	    (r = cert_der(x, &o->der, &o->e.cert_len)))
		goto out;
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(x)) == EVP_PKEY_EC)
		b->any_ec = 1;
	o->e.role = role;
	o->e.dns_name = n->host;
	o->e.subject = o->subject;
	o->e.issuer = o->issuer;
	o->e.serial = o->serial;
	o->e.pubkey = o->pubkey;
	o->e.cert_sig = o->sig;
	o->e.cert = o->der;
	o->e.has_ip = inet_pton(AF_INET, n->ipv4, o->e.ip) == 1;
	b->n++;
out:
	X509_free(x);
	if (r != 0) {
		free(o->subject);
		free(o->issuer);
		free(o->serial);
		free(o->pubkey);
		free(o->sig);
		free(o->der);
	}
	return r;
}

struct node_walk {
	struct app *a;
	struct itl_build *b;
	const char *purpose;
	unsigned service;
	uint16_t role;
	int err;
};

/* Add the active certificate of walk->purpose on every node running
 * walk->service. */
static int
add_service_certs(const struct node *n, void *arg)
{
	struct node_walk *w = arg;
	struct cert_row row;
	int r;

	if (!(n->services & w->service))
		return 0;
	if (inventory_cert_active(w->a->inv, n->id, w->purpose, &row) != 0) {
		ts_error_clear();
		return 0;
	}
	r = add_cert(w->b, &row, w->role, n);
	cert_row_free(&row);
	return r;
}

static int
need_cert(struct app *a, const struct node *n, const char *purpose,
    struct cert_row *row)
{
	if (inventory_cert_active(a->inv, n->id, purpose, row) == 0)
		return 0;
	return ts_error(TS_ERR_NOTFOUND, "%s has no %s certificate: run "
	    "`tlvsign cert generate %s%s%s` first", n->host, purpose, purpose,
	    n->publisher ? "" : " --node ", n->publisher ? "" : n->host);
}

/* Build and sign the ITL of node n, checked as a phone would check it.
 * *file is malloc'd. */
static int
itl_make(struct app *a, const struct node *np, uint8_t **filep,
    struct itl_result *res)
{
	static struct itl_build b; /* large; one build at a time */
	struct node n, pub;
	struct cert_row rec, cm, ec;
	struct trustlist_spec spec;
	struct trustlist tl;
	struct token_key key;
	struct node_walk w;
	uint8_t *unsig = NULL, *sig = NULL, *file = NULL;
	size_t ulen, slen, flen, sig_at, i;
	X509 *rx = NULL;
	EVP_PKEY *rkey = NULL;
	uint16_t tftp_role;
	int r, modulus, have_rec = 0, have_cm = 0, have_ec = 0, parsed = 0;

	memset(res, 0, sizeof(*res));
	memset(&tl, 0, sizeof(tl));
	*filep = NULL;
	n = *np;
	if (!(n.services & SVC_TFTP))
		return ts_error(TS_ERR_INVALID, "%s does not run TFTP: only TFTP "
		    "nodes have an ITL", n.host);
	if ((r = inventory_node_get(a->inv, NULL, &pub)) != 0)
		return r;
	if ((r = need_cert(a, &pub, "ITLRecovery", &rec)) != 0)
		return r;
	have_rec = 1;
	if ((r = need_cert(a, &n, "CallManager", &cm)) != 0)
		goto out;
	have_cm = 1;
	if (inventory_cert_active(a->inv, n.id, "CallManager-ECDSA", &ec) == 0)
		have_ec = 1;
	ts_error_clear();

	tftp_role = (n.services & SVC_CALLMANAGER) ? TL_ROLE_CCM_TFTP :
	    TL_ROLE_TFTP;
	memset(&b, 0, sizeof(b));
	if ((r = add_cert(&b, &rec, TL_ROLE_SAST, &pub)) != 0 ||
	    (r = add_cert(&b, &cm, TL_ROLE_SAST, &n)) != 0 ||
	    (r = add_cert(&b, &cm, tftp_role, &n)) != 0 ||
	    (have_ec && (r = add_cert(&b, &ec, tftp_role, &n)) != 0))
		goto out;
	memset(&w, 0, sizeof(w));
	w.a = a;
	w.b = &b;
	w.purpose = "TVS";
	w.service = SVC_TVS;
	w.role = TL_ROLE_TVS;
	if ((r = inventory_node_list(a->inv, add_service_certs, &w)) != 0)
		goto out;
	w.purpose = "CAPF";
	w.service = SVC_CAPF;
	w.role = TL_ROLE_CAPF;
	if ((r = inventory_node_list(a->inv, add_service_certs, &w)) != 0)
		goto out;
	for (i = 0; i < b.n; i++)
		b.entries[i] = b.rec[i].e;

	/* the signer: ITLRecovery, inside the token */
	if ((r = app_find_key(a, rec.key_id, &key)) != 0)
		goto out;
	if (key.type != TOKEN_KEY_RSA ||
	    (modulus = trustlist_modulus_code(key.bits)) < 0) {
		r = ts_error(TS_ERR_INVALID, "the ITLRecovery key is %s %u: "
		    "phones verify only RSA 1024, 2048 or 4096 signatures",
		    key.type == TOKEN_KEY_RSA ? "RSA" : "EC", key.bits);
		goto out;
	}
	if ((r = cert_from_der(rec.der, rec.der_len, &rx)) != 0)
		goto out;
	memset(&spec, 0, sizeof(spec));
	spec.ver_major = 1;
	spec.ver_minor = 2;
	spec.signer_version = b.any_ec;
	spec.signer_name = b.rec[0].subject;
	spec.signer_issuer = b.rec[0].issuer;
	spec.signer_serial = b.rec[0].serial;
	spec.signer_serial_len = b.rec[0].e.serial_len;
	spec.hash_alg = TL_HASH_SHA1;
	spec.sig_len = key.bits / 8;
	spec.filename = ITL_NAME;
	spec.timestamp = (uint32_t)time(NULL);
	spec.entries = b.entries;
	spec.nentries = b.n;
	if ((r = trustlist_encode(&spec, &unsig, &ulen, &sig_at)) != 0)
		goto out;
	if ((r = token_sign(a->token, &key, EVP_sha1(), unsig, ulen, &sig,
	    &slen)) != 0)
		goto out;
	if (slen != spec.sig_len) {
		r = ts_error(TS_ERR_TOKEN, "the token returned a %zu-byte "
		    "signature for a %u-bit key", slen, key.bits);
		goto out;
	}
	if ((r = trustlist_set_signature(unsig, ulen, sig_at, sig, slen, &file,
	    &flen)) != 0)
		goto out;
	/* check our own output as a phone would before anyone sees it */
	if ((r = trustlist_parse(file, flen, &tl)) != 0)
		goto out;
	parsed = 1;
	if ((rkey = X509_get_pubkey(rx)) == NULL ||
	    (r = tl_verify(&tl, NULL)) != 0 || (r = tl_verify(&tl, rkey)) != 0) {
		if (r == 0)
			r = ts_error(TS_ERR_CRYPTO, "no ITLRecovery public key");
		goto out;
	}
	if ((r = app_tftp_path(a, &n, ITL_NAME, res->path,
	    sizeof(res->path))) != 0)
		goto out;
	res->size = flen;
	res->nrecords = b.n;
	snprintf(res->signer_serial, sizeof(res->signer_serial), "%s",
	    rec.serial);
	*filep = file;
	file = NULL;
out:
	if (parsed)
		trustlist_free(&tl);
	build_free(&b);
	EVP_PKEY_free(rkey);
	X509_free(rx);
	free(unsig);
	free(sig);
	free(file);
	if (have_rec)
		cert_row_free(&rec);
	if (have_cm)
		cert_row_free(&cm);
	if (have_ec)
		cert_row_free(&ec);
	return r;
}

/* Stage node n's ITL in the current transaction. */
static int
itl_stage(struct app *a, const struct node *n, struct itl_result *res)
{
	struct published p;
	uint8_t *file = NULL;
	int r;

	if ((r = itl_make(a, n, &file, res)) != 0)
		return r;
	r = ops_publish_stage(a, n, "ITL", res->path, file, res->size,
	    res->signer_serial, &p);
	free(file);
	if (r == 0) {
		memcpy(res->md5, p.md5, sizeof(res->md5));
		memcpy(res->sha1, p.sha1, sizeof(res->sha1));
		memcpy(res->sha256, p.sha256, sizeof(res->sha256));
	}
	return r;
}

int
ops_itl_build(struct app *a, const char *node, struct itl_result *res)
{
	struct node n;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = inventory_node_get(a->inv, node, &n)) != 0)
		return r;
	if ((r = inventory_begin(a->inv)) != 0)
		return r;
	if ((r = itl_stage(a, &n, res)) != 0 ||
	    (r = ops_fault("itl_commit")) != 0 ||
	    (r = inventory_commit(a->inv)) != 0) {
		ops_publish_discard(a);
		inventory_rollback(a->inv);
		return r;
	}
	return ops_publish_flush(a);
}

struct rebuild {
	struct app *a;
	struct node nodes[64];
	size_t n;
};

/* Collect first: staging writes, which must not happen under an open
 * query. */
static int
collect_published(const struct node *n, void *arg)
{
	struct rebuild *rb = arg;
	struct published p;
	char path[4096];
	int r;

	if (!(n->services & SVC_TFTP))
		return 0;
	if ((r = app_tftp_path(rb->a, n, ITL_NAME, path, sizeof(path))) != 0)
		return r;
	if (inventory_published_last(rb->a->inv, path, &p) != 0) {
		ts_error_clear();
		return 0;
	}
	if (rb->n == sizeof(rb->nodes) / sizeof(rb->nodes[0]))
		return ts_error(TS_ERR_LIMIT, "too many TFTP nodes");
	rb->nodes[rb->n++] = *n;
	return 0;
}

int
ops_itl_stage_published(struct app *a, int *count)
{
	static struct rebuild rb;
	struct itl_result res;
	size_t i;
	int r;

	*count = 0;
	memset(&rb, 0, sizeof(rb));
	rb.a = a;
	if ((r = inventory_node_list(a->inv, collect_published, &rb)) != 0)
		return r;
	for (i = 0; i < rb.n; i++) {
		if ((r = itl_stage(a, &rb.nodes[i], &res)) != 0) {
			char msg[1024];

			snprintf(msg, sizeof(msg), "%s", ts_error_detail(r));
			return ts_error(r, "rebuilding the ITL of %s: %s",
			    rb.nodes[i].host, msg);
		}
		(*count)++;
	}
	return 0;
}
