/* trustfile.c - ITL and CTL variants: build, sign, check, publish. */
#include "ops/trustfile.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/trustlist.h"
#include "ops/gate.h"
#include "ops/publish.h"
#include "ops/sign.h"
#include "util/error.h"
#include "util/fileio.h"
#include "x509/cert.h"
#include "x509/tlverify.h"

#define MAX_ENTRIES 160

/* A record and the buffers its fields point into. */
struct owned {
	struct trustlist_entry e;
	char dns[64];   /* the node's name outlives the node walk */
	char *subject, *issuer;
	uint8_t *serial, *pubkey, *sig, *der;
};

struct build {
	struct owned rec[MAX_ENTRIES];
	struct trustlist_entry entries[MAX_ENTRIES];
	size_t n;
	int any_ec;
};

static void
owned_free(struct owned *o)
{
	free(o->subject);
	free(o->issuer);
	free(o->serial);
	free(o->pubkey);
	free(o->sig);
	free(o->der);
	memset(o, 0, sizeof(*o));
}

static void
build_free(struct build *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		owned_free(&b->rec[i]);
	b->n = 0;
}

static struct owned *
next_record(struct build *b, uint16_t role, const struct node *n)
{
	struct owned *o;

	if (b->n == MAX_ENTRIES) {
		ts_error(TS_ERR_LIMIT, "more than %d trust-list records",
		    MAX_ENTRIES);
		return NULL;
	}
	o = &b->rec[b->n];
	memset(o, 0, sizeof(*o));
	o->e.role = role;
	snprintf(o->dns, sizeof(o->dns), "%s", n->host);
	o->e.dns_name = o->dns;
	o->e.has_ip = inet_pton(AF_INET, n->ipv4, o->e.ip) == 1;
	return o;
}

/* A record with only length, DNS name, role and IP address. */
static int
add_certless(struct build *b, uint16_t role, const struct node *n)
{
	struct owned *o = next_record(b, role, n);

	if (o == NULL)
		return TS_ERR_LIMIT;
	o->e.certless = 1;
	b->n++;
	return 0;
}

static int
add_x509(struct build *b, X509 *x, uint16_t role, const struct node *n)
{
	struct owned *o = next_record(b, role, n);
	int r;

	if (o == NULL)
		return TS_ERR_LIMIT;
	if ((r = cert_dn_text(X509_get_subject_name(x), ';', &o->subject)) ||
	    (r = cert_dn_text(X509_get_issuer_name(x), ';', &o->issuer)) ||
	    (r = cert_serial(x, &o->serial, &o->e.serial_len)) ||
	    (r = cert_public_key_bytes(x, &o->pubkey, &o->e.pubkey_len)) ||
	    (r = cert_signature_bytes(x, &o->sig, &o->e.cert_sig_len)) ||
	    (r = cert_der(x, &o->der, &o->e.cert_len))) {
		owned_free(o);
		return r;
	}
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(x)) == EVP_PKEY_EC)
		b->any_ec = 1;
	o->e.subject = o->subject;
	o->e.issuer = o->issuer;
	o->e.serial = o->serial;
	o->e.pubkey = o->pubkey;
	o->e.cert_sig = o->sig;
	o->e.cert = o->der;
	b->n++;
	return 0;
}

static int
add_row(struct build *b, const struct cert_row *row, uint16_t role,
    const struct node *n)
{
	X509 *x;
	int r;

	if ((r = cert_from_der(row->der, row->der_len, &x)) != 0)
		return ts_error(r, "inventory certificate %s of %s is corrupt",
		    row->purpose, row->host);
	r = add_x509(b, x, role, n);
	X509_free(x);
	return r;
}

static uint16_t
tftp_role(const struct node *n)
{
	return (n->services & SVC_CALLMANAGER) ? TL_ROLE_CCM_TFTP :
	    TL_ROLE_TFTP;
}

struct walk {
	struct app *a;
	struct build *b;
	const char *purpose;
	unsigned service;   /* nodes running any of these */
	uint16_t role;      /* 0xffff: the node's TFTP role */
	int certless;
};

/* For every node running w->service: its active w->purpose certificate
 * (or a certificate-less record). */
static int
add_each_node(const struct node *n, void *arg)
{
	struct walk *w = arg;
	struct cert_row row;
	uint16_t role = w->role == 0xffff ? TL_ROLE_CCM_TFTP : w->role;
	int r;

	if (!(n->services & w->service))
		return 0;
	if (inventory_cert_active(w->a->inv, n->id, w->purpose, &row) != 0) {
		ts_error_clear();
		/* a CTL lists every CallManager/TFTP node: it needs the key */
		if (w->role == 0xffff && !w->certless)
			return ts_error(TS_ERR_NOTFOUND, "%s has no CallManager "
			    "certificate, which the CTL must carry: run `tlvsign "
			    "cert generate CallManager --node %s`", n->host,
			    n->host);
		return 0;
	}
	r = w->certless ? add_certless(w->b, role, n) :
	    add_row(w->b, &row, role, n);
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

static int
param_is(struct app *a, const char *name, const char *def, const char *want)
{
	char *v = NULL;
	int yes;

	if (inventory_param_get(a->inv, name, def, &v) != 0) {
		ts_error_clear();
		return 0;
	}
	yes = strcmp(v, want) == 0;
	free(v);
	return yes;
}

int
ops_trust_digest(struct app *a, uint8_t *code)
{
	char *v = NULL;
	int fips = param_is(a, "fips-mode", "false", "true"), r;

	if ((r = inventory_param_get(a->inv, "trust-file-digest", fips ?
	    "sha512" : "sha1", &v)) != 0)
		return r;
	if (strcmp(v, "sha512") == 0) {
		*code = TL_HASH_SHA512;
	} else if (fips) {
		r = ts_error(TS_ERR_INVALID, "FIPS mode refuses SHA-1 trust "
		    "files: `tlvsign param set trust-file-digest sha512`");
	} else {
		*code = TL_HASH_SHA1;
	}
	free(v);
	return r;
}

/* The signer of a file: its key and certificate. */
struct signer {
	struct token_key key;
	X509 *cert;
};

static int
signer_from_row(struct app *a, const struct cert_row *row, struct signer *s)
{
	int r;

	if ((r = app_find_key(a, row->key_id, &s->key)) != 0)
		return r;
	return cert_from_der(row->der, row->der_len, &s->cert);
}

/*
 * Build and sign one trust file. n: the TFTP node (ITL) or the publisher
 * (CTL). *filep is malloc'd.
 */
static int
tf_make(struct app *a, enum tf_kind kind, const struct node *np,
    const struct tf_opts *o, uint8_t **filep, struct tf_result *res)
{
	static struct build b; /* large; one build at a time */
	struct node n = *np, pub;
	struct cert_row rec, cm, ec;
	struct signer sg;
	struct trustlist_spec spec;
	struct trustlist tl;
	struct walk w;
	uint8_t *unsig = NULL, *sig = NULL, *file = NULL, hash;
	size_t ulen, slen, flen, sig_at, i;
	EVP_PKEY *skey = NULL;
	const struct node *cmnode;
	int r, have_rec = 0, have_cm = 0, have_ec = 0, parsed = 0;
	int rollback = 0, nonsecure = 0;

	memset(res, 0, sizeof(*res));
	memset(&tl, 0, sizeof(tl));
	memset(&b, 0, sizeof(b));
	memset(&sg, 0, sizeof(sg));
	*filep = NULL;
	if (kind == TF_ITL && !(n.services & SVC_TFTP))
		return ts_error(TS_ERR_INVALID, "%s does not run TFTP: only TFTP "
		    "nodes have an ITL", n.host);
	if ((r = inventory_node_get(a->inv, NULL, &pub)) != 0)
		return r;
	cmnode = kind == TF_ITL ? &n : &pub;
	if (kind == TF_ITL)
		rollback = param_is(a, "prepare-rollback", "false", "true");
	else
		nonsecure = !param_is(a, "security-mode", "non-secure",
		    "mixed");
	if ((r = ops_trust_digest(a, &hash)) != 0)
		return r;
	if ((r = need_cert(a, &pub, "ITLRecovery", &rec)) != 0)
		return r;
	have_rec = 1;
	if ((r = need_cert(a, cmnode, "CallManager", &cm)) != 0)
		goto out;
	have_cm = 1;
	if (kind == TF_ITL && inventory_cert_active(a->inv, n.id,
	    "CallManager-ECDSA", &ec) == 0)
		have_ec = 1;
	ts_error_clear();

	/* the signer, then the second SAST: together at most two */
	switch (o->signer) {
	case TF_SIGN_RECOVERY:
		r = signer_from_row(a, &rec, &sg);
		break;
	case TF_SIGN_LOCALKEY:
		r = signer_from_row(a, &cm, &sg);
		break;
	case TF_SIGN_EXTERNAL:
		sg.key = *o->ext_key;
		if ((sg.cert = X509_dup(o->ext_cert)) == NULL)
			r = ts_error(TS_ERR_NOMEM, "out of memory");
		break;
	}
	if (r != 0)
		goto out;
	if (sg.key.type != TOKEN_KEY_RSA ||
	    trustlist_modulus_code(sg.key.bits) < 0) {
		r = ts_error(TS_ERR_INVALID, "the signing key is %s %u: phones "
		    "verify only RSA 1024, 2048 or 4096 signatures",
		    sg.key.type == TOKEN_KEY_RSA ? "RSA" : "EC", sg.key.bits);
		goto out;
	}
	if ((r = add_x509(&b, sg.cert, TL_ROLE_SAST, &pub)) != 0)
		goto out;
	if (o->signer == TF_SIGN_LOCALKEY)
		r = add_row(&b, &rec, TL_ROLE_SAST, &pub);
	else
		r = add_row(&b, &cm, TL_ROLE_SAST, cmnode);
	if (r != 0)
		goto out;

	memset(&w, 0, sizeof(w));
	w.a = a;
	w.b = &b;
	if (kind == TF_ITL) {
		/* the rollback ITL: empty TVS and TFTP sections */
		if ((r = rollback ? add_certless(&b, tftp_role(&n), &n) :
		    add_row(&b, &cm, tftp_role(&n), &n)) != 0 ||
		    (have_ec && !rollback &&
		    (r = add_row(&b, &ec, tftp_role(&n), &n)) != 0))
			goto out;
		w.purpose = "TVS";
		w.service = SVC_TVS;
		w.role = TL_ROLE_TVS;
		w.certless = rollback;
		if ((r = inventory_node_list(a->inv, add_each_node, &w)) != 0)
			goto out;
	} else {
		w.purpose = "CallManager";
		w.service = SVC_CALLMANAGER | SVC_TFTP;
		w.role = 0xffff;
		w.certless = nonsecure;
		if ((r = inventory_node_list(a->inv, add_each_node, &w)) != 0)
			goto out;
	}
	w.purpose = "CAPF";
	w.service = SVC_CAPF;
	w.role = TL_ROLE_CAPF;
	w.certless = 0;
	if ((r = inventory_node_list(a->inv, add_each_node, &w)) != 0)
		goto out;
	for (i = 0; i < b.n; i++)
		b.entries[i] = b.rec[i].e;

	memset(&spec, 0, sizeof(spec));
	spec.ver_major = 1;
	spec.ver_minor = 2;
	spec.signer_version = b.any_ec;
	spec.signer_name = b.rec[0].subject;
	spec.signer_issuer = b.rec[0].issuer;
	spec.signer_serial = b.rec[0].serial;
	spec.signer_serial_len = b.rec[0].e.serial_len;
	spec.hash_alg = hash;
	spec.sig_len = sg.key.bits / 8;
	spec.filename = kind == TF_ITL ? ITL_NAME : CTL_NAME;
	spec.timestamp = (uint32_t)time(NULL);
	spec.entries = b.entries;
	spec.nentries = b.n;
	/* refuses over 65,535 bytes or more than 2 SAST before signing */
	if ((r = trustlist_encode(&spec, &unsig, &ulen, &sig_at)) != 0)
		goto out;
	if ((r = token_sign(a->token, &sg.key, tl_hash_md(hash), unsig, ulen,
	    &sig, &slen)) != 0)
		goto out;
	if (slen != spec.sig_len) {
		r = ts_error(TS_ERR_TOKEN, "the token returned a %zu-byte "
		    "signature for a %u-bit key", slen, sg.key.bits);
		goto out;
	}
	if ((r = trustlist_set_signature(unsig, ulen, sig_at, sig, slen, &file,
	    &flen)) != 0)
		goto out;
	/* check our own output as a phone would before anyone sees it */
	if ((r = trustlist_parse(file, flen, &tl)) != 0)
		goto out;
	parsed = 1;
	if ((skey = X509_get_pubkey(sg.cert)) == NULL ||
	    (r = tl_verify(&tl, NULL)) != 0 || (r = tl_verify(&tl, skey)) != 0) {
		if (r == 0)
			r = ts_error(TS_ERR_CRYPTO, "no signer public key");
		goto out;
	}
	if ((r = app_tftp_path(a, &n, kind == TF_ITL ? ITL_NAME : CTL_NAME,
	    res->path, sizeof(res->path))) != 0)
		goto out;
	res->size = flen;
	res->nrecords = b.n;
	snprintf(res->signer_subject, sizeof(res->signer_subject), "%s",
	    b.rec[0].subject);
	hex_colon(b.rec[0].serial, b.rec[0].e.serial_len < 42 ?
	    b.rec[0].e.serial_len : 42, res->signer_serial);
	*filep = file;
	file = NULL;
out:
	if (parsed)
		trustlist_free(&tl);
	build_free(&b);
	EVP_PKEY_free(skey);
	X509_free(sg.cert);
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

/* Make, check against the phones, stage: inside the caller's
 * transaction. */
static int
tf_stage(struct app *a, enum tf_kind kind, const struct node *n,
    const struct tf_opts *o, struct tf_result *res)
{
	struct published p;
	uint8_t *file = NULL;
	int r;

	if ((r = tf_make(a, kind, n, o, &file, res)) != 0)
		return r;
	if ((r = gate_check(a, n, kind == TF_CTL, res->path, file, res->size,
	    o, res)) != 0)
		goto out;
	r = ops_publish_stage(a, n, kind == TF_ITL ? "ITL" : "CTL", res->path,
	    file, res->size, res->signer_serial, res->forced ? res->verdict :
	    NULL, &p);
	if (r == 0) {
		memcpy(res->md5, p.md5, sizeof(res->md5));
		memcpy(res->sha1, p.sha1, sizeof(res->sha1));
		memcpy(res->sha256, p.sha256, sizeof(res->sha256));
	}
out:
	free(file);
	return r;
}

static const char *
signer_name(enum tf_signer s)
{
	return s == TF_SIGN_RECOVERY ? "ITLRecovery" : s == TF_SIGN_LOCALKEY ?
	    "localkey" : "remotekey";
}

/* Run stage(ctx) in a transaction, audited (the entry commits with it);
 * install the files after the commit. */
static int
in_transaction(struct app *a, const char *op, const char *node,
    const struct tf_opts *o, int (*stage)(struct app *, void *), void *ctx,
    const char *fault, const struct tf_result *res)
{
	int r;

	if ((r = inventory_begin(a->inv)) != 0)
		return r;
	if ((r = stage(a, ctx)) != 0 || (r = ops_fault(fault)) != 0 ||
	    (r = app_audit(a, op, 0, "node=%s signer=%s previous=%u "
	    "forced=%s sha256=%s", node ? node : "publisher",
	    signer_name(o->signer), o->previous, res->forced ? "yes" : "no",
	    res->sha256)) != 0 ||
	    (r = inventory_commit(a->inv)) != 0) {
		ops_abort(a);
		app_audit(a, op, r, "node=%s signer=%s previous=%u force=%d",
		    node ? node : "publisher", signer_name(o->signer),
		    o->previous, o->force);
		return r;
	}
	if ((r = ops_publish_flush(a)) != 0)
		return r;
	/* autoregistration: the default configuration follows the trust
	 * files */
	return ops_sign_default_config(a);
}

struct one {
	enum tf_kind kind;
	struct node n;
	const struct tf_opts *o;
	struct tf_result *res;
};

static int
stage_one(struct app *a, void *arg)
{
	struct one *one = arg;

	return tf_stage(a, one->kind, &one->n, one->o, one->res);
}

int
ops_itl_publish(struct app *a, const char *node, const struct tf_opts *o,
    struct tf_result *res)
{
	struct one one = { TF_ITL, { 0 }, o, res };
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = inventory_node_get(a->inv, node, &one.n)) != 0)
		return r;
	return in_transaction(a, "itl.publish", node, o, stage_one, &one,
	    "itl_commit", res);
}

/* Every TFTP node, collected first: staging writes, which must not happen
 * under an open query. */
struct nodes {
	struct node v[64];
	size_t n;
	int published_only;
	enum tf_kind kind;
	struct app *a;
};

static int
collect_tftp(const struct node *n, void *arg)
{
	struct nodes *ns = arg;
	struct published p;
	char path[4096];
	int r;

	if (!(n->services & SVC_TFTP))
		return 0;
	if (ns->published_only) {
		if ((r = app_tftp_path(ns->a, n, ns->kind == TF_ITL ? ITL_NAME :
		    CTL_NAME, path, sizeof(path))) != 0)
			return r;
		if (inventory_published_last(ns->a->inv, path, &p) != 0) {
			ts_error_clear();
			return 0;
		}
	}
	if (ns->n == sizeof(ns->v) / sizeof(ns->v[0]))
		return ts_error(TS_ERR_LIMIT, "too many TFTP nodes");
	ns->v[ns->n++] = *n;
	return 0;
}

static int
tftp_nodes(struct app *a, enum tf_kind kind, int published_only,
    struct nodes *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->a = a;
	ns->kind = kind;
	ns->published_only = published_only;
	return inventory_node_list(a->inv, collect_tftp, ns);
}

struct many {
	enum tf_kind kind;
	int published_only;
	const struct tf_opts *o;
	struct tf_result *res;   /* the last one staged */
	int count;
};

static int
stage_many(struct app *a, void *arg)
{
	static struct nodes ns;
	struct many *m = arg;
	size_t i;
	int r;

	m->count = 0;
	if ((r = tftp_nodes(a, m->kind, m->published_only, &ns)) != 0)
		return r;
	for (i = 0; i < ns.n; i++) {
		if ((r = tf_stage(a, m->kind, &ns.v[i], m->o, m->res)) != 0) {
			struct ts_saved_error saved;
			char msg[1100];

			ts_error_save(&saved);
			snprintf(msg, sizeof(msg), "%s", saved.detail);
			return ts_error(r, "%s of %s: %s", m->kind == TF_ITL ?
			    "ITL" : "CTL", ns.v[i].host, msg);
		}
		m->count++;
	}
	return 0;
}

struct ctl_set {
	int set_mode;
	struct many m;
};

static int
stage_ctl(struct app *a, void *arg)
{
	struct ctl_set *cs = arg;
	int r;

	if (cs->set_mode != 0 && (r = inventory_param_set(a->inv,
	    "security-mode", cs->set_mode == 1 ? "mixed" : "non-secure")) != 0)
		return r;
	return stage_many(a, &cs->m);
}

int
ops_ctl_publish(struct app *a, int set_mode, const struct tf_opts *o,
    struct tf_result *res, int *count)
{
	struct ctl_set cs;
	struct published p;
	struct node pub;
	char path[4096];
	int r;

	memset(res, 0, sizeof(*res));
	*count = 0;
	if (set_mode == 0) {
		if ((r = inventory_node_get(a->inv, NULL, &pub)) != 0 ||
		    (r = app_tftp_path(a, &pub, CTL_NAME, path,
		    sizeof(path))) != 0)
			return r;
		if (inventory_published_last(a->inv, path, &p) != 0)
			return ts_error(TS_ERR_NOTFOUND, "there is no CTL to "
			    "update: set the cluster security mode first "
			    "(`tlvsign ctl set-cluster mixed-mode`)");
	}
	memset(&cs, 0, sizeof(cs));
	cs.set_mode = set_mode;
	cs.m.kind = TF_CTL;
	cs.m.o = o;
	cs.m.res = res;
	r = in_transaction(a, set_mode == 1 ? "ctl.set-cluster.mixed" :
	    set_mode == 2 ? "ctl.set-cluster.non-secure" : "ctl.publish", NULL,
	    o, stage_ctl, &cs, "ctl_commit", res);
	*count = cs.m.count;
	return r;
}

int
ops_trustfiles_stage_published(struct app *a, const struct tf_opts *o,
    int *count)
{
	struct tf_result res;
	struct many m = { TF_ITL, 1, o, &res, 0 };
	int r;

	*count = 0;
	if ((r = stage_many(a, &m)) != 0)
		return r;
	*count = m.count;
	m.kind = TF_CTL;
	if ((r = stage_many(a, &m)) != 0)
		return r;
	return 0;
}

int
ops_trustfiles_stage_all(struct app *a, const struct tf_opts *o, int *count)
{
	struct tf_result res;
	struct many m = { TF_ITL, 0, o, &res, 0 };
	char *mode = NULL;
	int r, ctl;

	*count = 0;
	if ((r = stage_many(a, &m)) != 0)
		return r;
	*count = m.count;
	if ((r = inventory_param_get(a->inv, "security-mode", "", &mode)) != 0)
		return r;
	ctl = mode[0] != '\0';
	free(mode);
	if (!ctl)
		return 0;
	m.kind = TF_CTL;
	if ((r = stage_many(a, &m)) != 0)
		return r;
	*count += m.count;
	return 0;
}

struct rollback {
	int on;
	struct many m;
};

static int
stage_rollback(struct app *a, void *arg)
{
	struct rollback *rb = arg;
	int r;

	if ((r = inventory_param_set(a->inv, "prepare-rollback", rb->on ?
	    "true" : "false")) != 0)
		return r;
	return stage_many(a, &rb->m);
}

int
ops_rollback_set(struct app *a, int on, const struct tf_opts *o, int *count)
{
	struct tf_result res;
	struct rollback rb;
	int r;

	memset(&rb, 0, sizeof(rb));
	memset(&res, 0, sizeof(res));
	rb.on = on;
	rb.m.kind = TF_ITL;
	rb.m.o = o;
	rb.m.res = &res;
	r = in_transaction(a, on ? "param.prepare-rollback.true" :
	    "param.prepare-rollback.false", NULL, o, stage_rollback, &rb,
	    "rollback_commit", &res);
	*count = rb.m.count;
	return r;
}

int
ops_trustfile_copy(struct app *a, enum tf_kind kind, const char *node,
    const char *mac, char *path, size_t size)
{
	struct node n;
	struct published p;
	uint8_t *data = NULL;
	size_t len, i;
	char src[4096], name[64], upper[13];
	int r;

	if (strlen(mac) != 12)
		return ts_error(TS_ERR_INVALID, "\"%s\" is not a MAC address "
		    "(12 hex digits)", mac);
	for (i = 0; i < 12; i++) {
		if (!isxdigit((unsigned char)mac[i]))
			return ts_error(TS_ERR_INVALID, "\"%s\" is not a MAC "
			    "address (12 hex digits)", mac);
		upper[i] = (char)toupper((unsigned char)mac[i]);
	}
	upper[12] = '\0';
	if ((r = inventory_node_get(a->inv, node, &n)) != 0)
		return r;
	if ((r = app_tftp_path(a, &n, kind == TF_ITL ? ITL_NAME : CTL_NAME,
	    src, sizeof(src))) != 0)
		return r;
	if ((r = inventory_published_before(a->inv, src, LONG_MAX, &data,
	    &len)) != 0)
		return ts_error(r, "no %s is published for %s yet",
		    kind == TF_ITL ? ITL_NAME : CTL_NAME, n.host);
	snprintf(name, sizeof(name), "%sSEP%s.tlv", kind == TF_ITL ? "ITL" :
	    "CTL", upper);
	if ((r = app_tftp_path(a, &n, name, path, size)) == 0)
		r = ops_publish(a, &n, kind == TF_ITL ? "ITL" : "CTL", path,
		    data, len, "copy", &p);
	free(data);
	app_audit(a, "trustfile.copy", r, "file=%s", name);
	return r;
}
