/* csr.c - CSRs and CA-signed imports. */
#include "ops/csr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ops/certs.h"
#include "ops/trustfile.h"
#include "ops/publish.h"
#include "ops/recover.h"
#include "ops/sign.h"
#include "util/error.h"
#include "x509/cert.h"
#include "x509/csr.h"
#include "x509/import.h"

struct san_list {
	const char *v[CSR_MAX_SANS * 2 + 8];
	char store[CSR_MAX_SANS + 8][320];
	size_t n, nstore;
};

static int
san_add(struct san_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], name) == 0)
			return 0;
	if (l->n == sizeof(l->v) / sizeof(l->v[0]))
		return ts_error(TS_ERR_LIMIT, "too many subject alternative "
		    "names");
	l->v[l->n++] = name;
	return 0;
}

static int
san_add_fqdn(struct san_list *l, const struct node *n)
{
	char *s;

	if (l->nstore == sizeof(l->store) / sizeof(l->store[0]))
		return ts_error(TS_ERR_LIMIT, "too many nodes");
	s = l->store[l->nstore++];
	if (n->domain[0] != '\0')
		snprintf(s, sizeof(l->store[0]), "%s.%s", n->host, n->domain);
	else
		snprintf(s, sizeof(l->store[0]), "%s", n->host);
	return san_add(l, s);
}

struct san_walk {
	struct san_list *l;
	int err;
};

static int
add_node_names(const struct node *n, void *arg)
{
	struct san_walk *w = arg;

	return san_add_fqdn(w->l, n);
}

static int
cert_csr(struct app *a, const struct csr_opts *o, struct csr_result *res)
{
	static struct san_list sans;
	const struct purpose *p;
	const EVP_MD *md;
	struct node n;
	struct csr_row old, row;
	struct cert_subject subj;
	struct token_key key, oldkey;
	struct san_walk w;
	EVP_PKEY *pub = NULL, *signer = NULL;
	X509_REQ *req = NULL;
	unsigned char *der = NULL;
	char label[TOKEN_LABEL_MAX], *cn = NULL, *fips = NULL;
	size_t i, pemlen;
	unsigned bits = o->bits;
	int r, derlen, have_old = 0, have_key = 0, in_tx = 0;

	memset(res, 0, sizeof(*res));
	memset(&sans, 0, sizeof(sans));
	if ((p = purpose_find(o->purpose)) == NULL)
		return ts_error(TS_ERR_INVALID, "unknown purpose \"%s\": use "
		    "one of %s", o->purpose, purpose_names());
	if ((r = inventory_node_get(a->inv, o->node, &n)) != 0)
		return r;
	if ((r = inventory_param_get(a->inv, "fips-mode", "false", &fips)) != 0)
		return r;
	r = purpose_check_key(p, &bits, o->hash, strcmp(fips, "true") == 0,
	    &md, &res->warning);
	free(fips);
	if (r != 0)
		return r;
	if ((r = cert_name_for(p, n.host, n.domain[0] ? n.domain : NULL,
	    o->multi_server, &cn)) != 0)
		return r;
	/* SANs: the node (every node for multi-server), the given names,
	 * the parent domain */
	if (p->server_auth || o->multi_server) {
		w.l = &sans;
		if (o->multi_server)
			r = inventory_node_list(a->inv, add_node_names, &w);
		else
			r = san_add_fqdn(&sans, &n);
		if (r != 0)
			goto out;
	}
	for (i = 0; i < o->nsans && r == 0; i++)
		r = san_add(&sans, o->sans[i]);
	if (r == 0 && (o->parent_domain != NULL || (p->server_auth &&
	    n.domain[0] != '\0')))
		r = san_add(&sans, o->parent_domain ? o->parent_domain :
		    n.domain);
	if (r != 0)
		goto out;
	if (inventory_csr_get(a->inv, n.id, p->name, &old) == 0)
		have_old = 1;
	ts_error_clear();

	if ((r = app_key_label(p->name, n.host, label, sizeof(label))) != 0)
		goto out;
	strncat(label, LABEL_CSR_SUFFIX, sizeof(label) - strlen(label) - 1);
	if ((r = token_generate(a->token, p->key_type, bits, label, &key)) != 0)
		goto out;
	have_key = 1;
	memset(&subj, 0, sizeof(subj));
	subj.cn = cn;
	subj.ou = a->conf.subj_ou;
	subj.o = a->conf.subj_o;
	subj.l = a->conf.subj_l;
	subj.st = a->conf.subj_st;
	subj.c = a->conf.subj_c;
	if ((r = token_public_key(a->token, &key, &pub)) != 0 ||
	    (r = token_evp_pkey(a->token, &key, &signer)) != 0 ||
	    (r = cert_csr_create(p, &subj, sans.v, sans.n, pub, signer, md,
	    &req)) != 0 ||
	    (r = cert_csr_pem(req, &res->pem, &pemlen)) != 0)
		goto out;
	if ((derlen = i2d_X509_REQ(req, &der)) <= 0) {
		r = ts_error(TS_ERR_CRYPTO, "cannot encode the request");
		goto out;
	}
	memset(&row, 0, sizeof(row));
	row.node_id = n.id;
	snprintf(row.purpose, sizeof(row.purpose), "%s", p->name);
	snprintf(row.key_label, sizeof(row.key_label), "%s", label);
	hex_lower(key.id, key.id_len, row.key_id);
	snprintf(row.key_type, sizeof(row.key_type), "%s",
	    p->key_type == TOKEN_KEY_RSA ? "RSA" : "EC");
	row.key_bits = bits;
	{
		char *dn = NULL;

		if ((r = cert_dn_text(X509_REQ_get_subject_name(req), ';',
		    &dn)) != 0)
			goto out;
		snprintf(row.subject, sizeof(row.subject), "%s", dn);
		snprintf(res->subject, sizeof(res->subject), "%s", dn);
		free(dn);
	}
	row.der = der;
	row.der_len = (size_t)derlen;
	if ((r = inventory_begin(a->inv)) != 0)
		goto out;
	in_tx = 1;
	if ((have_old && (r = inventory_csr_delete(a->inv, old.id)) != 0) ||
	    (r = inventory_csr_add(a->inv, &row, NULL)) != 0 ||
	    (r = ops_fault("csr_commit")) != 0 ||
	    (r = app_audit(a, "cert.csr", 0, "purpose=%s node=%s subject=%s "
	    "key=%s", p->name, n.host, row.subject, row.key_id)) != 0 ||
	    (r = inventory_commit(a->inv)) != 0)
		goto out;
	in_tx = 0;
	have_key = 0;
	/* the replaced request's key goes, as the reference product warns */
	if (have_old) {
		res->replaced = 1;
		if (app_find_key(a, old.key_id, &oldkey) == 0)
			r = token_destroy_key(a->token, &oldkey);
		ts_error_clear();
	}
out:
	if (in_tx)
		inventory_rollback(a->inv);
	if (have_key)
		app_drop_key(a, &key);
	if (r != 0) {
		free(res->pem);
		res->pem = NULL;
	}
	if (have_old)
		csr_row_free(&old);
	OPENSSL_free(der);
	X509_REQ_free(req);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(signer);
	free(cn);
	return r;
}

static int
cert_import(struct app *a, const char *purpose, const char *node,
    const uint8_t *data, size_t len, const struct tf_opts *o,
    struct import_result *res)
{
	const struct purpose *p;
	STACK_OF(X509) *chain = NULL;
	struct node n;
	struct csr_row csr;
	struct cert_row old;
	struct token_key key;
	struct tf_opts publish;
	EVP_PKEY *pub = NULL;
	X509 *leaf;
	uint8_t *der = NULL;
	size_t dlen;
	int r, i, have_old = 0, in_tx = 0, stored = 0;

	memset(res, 0, sizeof(*res));
	if ((p = purpose_find(purpose)) == NULL)
		return ts_error(TS_ERR_INVALID, "unknown purpose \"%s\": use "
		    "one of %s", purpose, purpose_names());
	if ((r = inventory_node_get(a->inv, node, &n)) != 0)
		return r;
	if (inventory_csr_get(a->inv, n.id, p->name, &csr) != 0)
		return ts_error(TS_ERR_NOTFOUND, "%s has no pending %s CSR: a "
		    "CA-signed certificate can only be imported for a request "
		    "made with `tlvsign cert csr %s`", n.host, p->name, p->name);
	if ((r = cert_bundle_parse(data, len, &chain)) != 0)
		goto out;
	leaf = sk_X509_value(chain, 0);
	if ((r = app_find_key(a, csr.key_id, &key)) != 0 ||
	    (r = token_public_key(a->token, &key, &pub)) != 0 ||
	    (r = cert_import_check(leaf, chain, pub, p, time(NULL))) != 0)
		goto out;
	if (inventory_cert_active(a->inv, n.id, p->name, &old) == 0) {
		have_old = 1;
		snprintf(res->replaced_serial, sizeof(res->replaced_serial),
		    "%s", old.serial);
	}
	ts_error_clear();
	res->row.node_id = n.id;
	snprintf(res->row.host, sizeof(res->row.host), "%s", n.host);
	snprintf(res->row.purpose, sizeof(res->row.purpose), "%s", p->name);
	snprintf(res->row.state, sizeof(res->row.state), "active");
	if ((r = app_key_label(p->name, n.host, res->row.key_label,
	    sizeof(res->row.key_label))) != 0)
		goto out;
	snprintf(res->row.key_id, sizeof(res->row.key_id), "%s", csr.key_id);
	if ((r = cert_row_fill(&res->row, leaf)) != 0)
		goto out;
	if ((r = token_store_cert(a->token, &key, leaf)) != 0)
		goto out;
	stored = 1;
	if ((r = inventory_begin(a->inv)) != 0)
		goto out;
	in_tx = 1;
	if ((have_old && (r = inventory_cert_retire(a->inv, old.id)) != 0) ||
	    (r = inventory_cert_add(a->inv, &res->row, &res->row.id)) != 0 ||
	    (r = inventory_csr_delete(a->inv, csr.id)) != 0)
		goto out;
	for (i = 1; i < sk_X509_num(chain); i++) {
		if ((r = cert_der(sk_X509_value(chain, i), &der, &dlen)) != 0 ||
		    (r = inventory_chain_add(a->inv, res->row.id, i, der,
		    dlen)) != 0)
			goto out;
		free(der);
		der = NULL;
		res->chain_len++;
	}
	/* as in the reference product: a new TFTP or ITLRecovery key needs a new backup */
	if ((strcmp(p->name, "CallManager") == 0 && (n.services & SVC_TFTP)) ||
	    strcmp(p->name, "ITLRecovery") == 0) {
		if ((r = inventory_param_set(a->inv, "backup-required",
		    "true")) != 0)
			goto out;
		res->backup_required = 1;
	}
	/* as in a regeneration: a new ITLRecovery is announced in files
	 * signed by the CallManager key */
	publish = *o;
	if (strcmp(p->name, "ITLRecovery") == 0)
		publish.signer = TF_SIGN_LOCALKEY;
	if ((p->in_trust_list && (r = ops_trustfiles_stage_published(a,
	    &publish, &res->itl_rebuilt)) != 0) ||
	    (r = ops_fault("import_commit")) != 0 ||
	    (r = app_audit(a, "cert.import", 0, "purpose=%s node=%s "
	    "serial=%s issuer=%s", p->name, n.host, res->row.serial,
	    res->row.issuer)) != 0 ||
	    (r = inventory_commit(a->inv)) != 0)
		goto out;
	in_tx = 0;
	stored = 0;
	/* install files, give the key its final label, retire the old one */
	if ((r = ops_recover(a)) == 0 && res->itl_rebuilt > 0)
		r = ops_sign_default_config(a);
out:
	if (in_tx)
		ops_abort(a);
	if (stored) {
		struct ts_saved_error saved;

		ts_error_save(&saved);
		token_destroy_certs(a->token, &key);
		ts_error_restore(&saved);
	}
	if (r != 0)
		cert_row_free(&res->row);
	if (have_old)
		cert_row_free(&old);
	csr_row_free(&csr);
	free(der);
	EVP_PKEY_free(pub);
	sk_X509_pop_free(chain, X509_free);
	return r;
}

/* Refusals and failures are audited too; successes inside their
 * transaction. */
int
ops_cert_csr(struct app *a, const struct csr_opts *o, struct csr_result *res)
{
	int r = cert_csr(a, o, res);

	if (r != 0)
		app_audit(a, "cert.csr", r, "purpose=%s node=%s", o->purpose,
		    o->node ? o->node : "publisher");
	return r;
}

int
ops_cert_import(struct app *a, const char *purpose, const char *node,
    const uint8_t *data, size_t len, const struct tf_opts *o,
    struct import_result *res)
{
	int r = cert_import(a, purpose, node, data, len, o, res);

	if (r != 0)
		app_audit(a, "cert.import", r, "purpose=%s node=%s", purpose,
		    node ? node : "publisher");
	return r;
}
