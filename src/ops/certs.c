/* certs.c - certificate generation. */
#include "ops/certs.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/buffer.h>
#include <openssl/pem.h>

#include "ops/trustfile.h"
#include "ops/publish.h"
#include "ops/recover.h"
#include "ops/sign.h"
#include "util/error.h"
#include "x509/cert.h"

int
cert_row_fill(struct cert_row *row, X509 *x)
{
	uint8_t *serial = NULL;
	size_t slen;
	const char *type;
	int r;

	if ((r = cert_dn_text(X509_get_subject_name(x), ';', &row->subject)) ||
	    (r = cert_dn_text(X509_get_issuer_name(x), ';', &row->issuer)) ||
	    (r = cert_serial(x, &serial, &slen)) ||
	    (r = cert_validity(x, &row->not_before, &row->not_after)) ||
	    (r = cert_fingerprint(x, EVP_sha1(), row->sha1, sizeof(row->sha1),
	    0)) || (r = cert_fingerprint(x, EVP_sha256(), row->sha256,
	    sizeof(row->sha256), 0)) ||
	    (r = cert_der(x, &row->der, &row->der_len)) ||
	    (r = cert_key_info(x, &type, &row->key_bits)))
		goto out;
	if (slen * 3 > sizeof(row->serial)) {
		r = ts_error(TS_ERR_FORMAT, "certificate serial too long");
		goto out;
	}
	hex_colon(serial, slen, row->serial);
	snprintf(row->key_type, sizeof(row->key_type), "%s", type);
out:
	free(serial);
	return r;
}

static void
subject_from_conf(const struct conf *c, const char *cn, struct cert_subject *s)
{
	memset(s, 0, sizeof(*s));
	s->cn = cn;
	s->ou = c->subj_ou;
	s->o = c->subj_o;
	s->l = c->subj_l;
	s->st = c->subj_st;
	s->c = c->subj_c;
}

/* A new key pair and self-signed certificate for purpose p on node n,
 * under label; on failure nothing is left in the token. */
static int
make_key_and_cert(struct app *a, const struct purpose *p,
    const struct node *n, unsigned bits, const EVP_MD *md, unsigned years,
    const char *label, struct token_key *key, X509 **out)
{
	struct cert_subject subj;
	EVP_PKEY *pub = NULL, *signer = NULL;
	char fqdn[400], *cn = NULL;
	const char *sans[2];
	size_t nsans = 0;
	int r;

	*out = NULL;
	if ((r = token_generate(a->token, p->key_type, bits, label, key)) != 0)
		return r;
	if ((r = ops_fault("certificate")) != 0 ||
	    (r = token_public_key(a->token, key, &pub)) != 0 ||
	    (r = token_evp_pkey(a->token, key, &signer)) != 0 ||
	    (r = cert_common_name(p, n->host, n->domain[0] ? n->domain : NULL,
	    &cn)) != 0)
		goto out;
	subject_from_conf(&a->conf, cn, &subj);
	if (p->server_auth) {
		if (n->domain[0] != '\0') {
			snprintf(fqdn, sizeof(fqdn), "%s.%s", n->host, n->domain);
			sans[nsans++] = fqdn;
		}
		sans[nsans++] = n->host;
	}
	if ((r = cert_self_signed(p, &subj, sans, nsans, pub, signer, md,
	    years, out)) != 0)
		goto out;
	if (X509_verify(*out, pub) != 1)
		r = ts_error(TS_ERR_TOKEN, "the token's signature on the new "
		    "certificate does not verify");
	else
		r = token_store_cert(a->token, key, *out);
out:
	EVP_PKEY_free(signer);
	EVP_PKEY_free(pub);
	free(cn);
	if (r != 0) {
		X509_free(*out);
		*out = NULL;
		app_drop_key(a, key);
	}
	return r;
}

/* The inventory row of a new active certificate and its key. */
static int
row_for_new_key(struct cert_row *row, const struct node *n,
    const struct purpose *p, const char *label, const struct token_key *key,
    X509 *x)
{
	row->node_id = n->id;
	snprintf(row->host, sizeof(row->host), "%s", n->host);
	snprintf(row->purpose, sizeof(row->purpose), "%s", p->name);
	snprintf(row->state, sizeof(row->state), "active");
	snprintf(row->key_label, sizeof(row->key_label), "%s", label);
	hex_lower(key->id, key->id_len, row->key_id);
	return cert_row_fill(row, x);
}

static int
is_tftp_callmanager(const struct purpose *p, const struct node *n)
{
	return strcmp(p->name, "CallManager") == 0 && (n->services & SVC_TFTP);
}

static int
cert_generate(struct app *a, const struct cert_gen *g,
    struct cert_gen_result *res)
{
	const struct purpose *p;
	const EVP_MD *md;
	struct node n;
	struct cert_row existing;
	struct token_key key, probe;
	X509 *x = NULL;
	char label[TOKEN_LABEL_MAX], *fips = NULL;
	unsigned bits = g->bits, years;
	int r, have_key = 0, in_tx = 0;

	memset(res, 0, sizeof(*res));
	if ((p = purpose_find(g->purpose)) == NULL)
		return ts_error(TS_ERR_INVALID, "unknown purpose \"%s\": use "
		    "one of %s", g->purpose, purpose_names());
	if ((r = inventory_node_get(a->inv, g->node, &n)) != 0)
		return r;
	if ((r = inventory_param_get(a->inv, "fips-mode", "false", &fips)) != 0)
		return r;
	r = purpose_check_key(p, &bits, g->hash, strcmp(fips, "true") == 0,
	    &md, &res->warning);
	free(fips);
	if (r != 0)
		return r;
	years = g->years ? g->years : p->default_years;
	if (years < 1 || years > 20)
		return ts_error(TS_ERR_INVALID, "validity of %u years: use 1 to "
		    "20", years);
	if (inventory_cert_active(a->inv, n.id, p->name, &existing) == 0) {
		r = ts_error(TS_ERR_EXISTS, "%s already has an active %s "
		    "certificate (serial %s): use `tlvsign cert regenerate %s`",
		    n.host, p->name, existing.serial, p->name);
		cert_row_free(&existing);
		return r;
	}
	ts_error_clear();
	if ((r = app_key_label(p->name, n.host, label, sizeof(label))) != 0)
		return r;
	if (token_find_key(a->token, label, &probe) == 0)
		return ts_error(TS_ERR_EXISTS, "the token already holds a key "
		    "labelled \"%s\" that the inventory does not know: remove "
		    "it or restore the inventory", label);
	ts_error_clear();

	if ((r = make_key_and_cert(a, p, &n, bits, md, years, label, &key,
	    &x)) != 0)
		return r;
	have_key = 1;
	if ((r = row_for_new_key(&res->row, &n, p, label, &key, x)) != 0)
		goto out;
	if ((r = inventory_begin(a->inv)) != 0)
		goto out;
	in_tx = 1;
	/* every published ITL the certificate belongs in is rebuilt in the
	 * same transaction: all of it happens, or none */
	if ((r = inventory_cert_add(a->inv, &res->row, &res->row.id)) != 0 ||
	    (p->in_trust_list &&
	    (r = ops_trustfiles_stage_published(a, &g->publish, &res->itl_rebuilt)) != 0) ||
	    (r = ops_fault("generate_commit")) != 0 ||
	    (r = app_audit(a, "cert.generate", 0, "purpose=%s node=%s "
	    "serial=%s key=%s", p->name, n.host, res->row.serial,
	    res->row.key_id)) != 0 ||
	    (r = inventory_commit(a->inv)) != 0)
		goto out;
	in_tx = 0;
	have_key = 0; /* committed: the key is the inventory's now */
	if ((r = ops_publish_flush(a)) == 0 && res->itl_rebuilt > 0)
		r = ops_sign_default_config(a);
out:
	if (in_tx)
		ops_abort(a);
	if (have_key)
		app_drop_key(a, &key);
	X509_free(x);
	if (r != 0)
		cert_row_free(&res->row);
	return r;
}

static int
cert_regenerate(struct app *a, const struct cert_gen *g,
    struct cert_regen_result *res)
{
	const struct purpose *p;
	const EVP_MD *md;
	struct node n;
	struct cert_row old;
	struct token_key key;
	struct tf_opts publish;
	X509 *x = NULL;
	char label[TOKEN_LABEL_MAX], temp[TOKEN_LABEL_MAX], *v = NULL;
	unsigned bits, years;
	int r, have_key = 0, in_tx = 0, fips;

	memset(res, 0, sizeof(*res));
	if ((p = purpose_find(g->purpose)) == NULL)
		return ts_error(TS_ERR_INVALID, "unknown purpose \"%s\": use "
		    "one of %s", g->purpose, purpose_names());
	if ((r = inventory_node_get(a->inv, g->node, &n)) != 0)
		return r;
	if (inventory_cert_active(a->inv, n.id, p->name, &old) != 0)
		return ts_error(TS_ERR_NOTFOUND, "%s has no active %s "
		    "certificate to regenerate: use `tlvsign cert generate %s`",
		    n.host, p->name, p->name);
	snprintf(res->old_serial, sizeof(res->old_serial), "%s", old.serial);
	if ((r = inventory_param_get(a->inv, "fips-mode", "false", &v)) != 0)
		goto out;
	fips = strcmp(v, "true") == 0;
	free(v);
	v = NULL;
	bits = g->bits ? g->bits : old.key_bits;
	if ((r = purpose_check_key(p, &bits, g->hash, fips, &md,
	    &res->warning)) != 0)
		goto out;
	years = g->years ? g->years : p->default_years;
	if ((r = app_key_label(p->name, n.host, label, sizeof(label))) != 0)
		goto out;
	snprintf(temp, sizeof(temp), "%.100s%s", label, LABEL_NEW_SUFFIX);

	if ((r = ops_fault("regenerate_keygen")) != 0 ||
	    (r = make_key_and_cert(a, p, &n, bits, md, years, temp, &key,
	    &x)) != 0)
		goto out;
	have_key = 1;
	if ((r = row_for_new_key(&res->row, &n, p, label, &key, x)) != 0)
		goto out;

	if ((r = inventory_begin(a->inv)) != 0)
		goto out;
	in_tx = 1;
	if ((r = inventory_cert_retire(a->inv, old.id)) != 0 ||
	    (r = inventory_cert_add(a->inv, &res->row, &res->row.id)) != 0 ||
	    (r = ops_fault("regenerate_inventory")) != 0)
		goto out;
	/* as in the reference product: a new TFTP or ITLRecovery key needs a new backup */
	if (is_tftp_callmanager(p, &n) || strcmp(p->name, "ITLRecovery") == 0) {
		if ((r = inventory_param_set(a->inv, "backup-required",
		    "true")) != 0)
			goto out;
		res->backup_required = 1;
	}
	/* a new ITLRecovery reaches phones through files signed by the
	 * CallManager key they trust (the localkey reset of the reference
	 * procedure); `itl build` / `ctl update` then sign with it */
	publish = g->publish;
	if (strcmp(p->name, "ITLRecovery") == 0) {
		publish.signer = TF_SIGN_LOCALKEY;
		res->localkey = 1;
	}
	if (p->in_trust_list &&
	    (r = ops_trustfiles_stage_published(a, &publish,
	    &res->itl_rebuilt)) != 0)
		goto out;
	if ((r = ops_fault("regenerate_commit")) != 0 ||
	    (r = app_audit(a, "cert.regenerate", 0, "purpose=%s node=%s "
	    "old-serial=%s serial=%s key=%s", p->name, n.host, old.serial,
	    res->row.serial, res->row.key_id)) != 0)
		goto out;
	ops_fault("crash_before_commit");
	if ((r = inventory_commit(a->inv)) != 0)
		goto out;
	in_tx = 0;
	have_key = 0;
	ops_fault("crash_after_commit");
	/* install the files, name the new key, disable the old one; the
	 * default configuration follows the trust files */
	if ((r = ops_recover(a)) != 0 ||
	    (res->itl_rebuilt > 0 && (r = ops_sign_default_config(a)) != 0))
		goto out;
	if ((r = inventory_param_get(a->inv, "security-mode", "non-secure",
	    &v)) != 0)
		goto out;
	res->ctl_update_needed = strcmp(v, "mixed") == 0 &&
	    (strcmp(p->name, "CAPF") == 0 || strcmp(p->name, "TVS") == 0 ||
	    strcmp(p->name, "CallManager") == 0 ||
	    strcmp(p->name, "ITLRecovery") == 0);
out:
	if (in_tx)
		ops_abort(a);
	if (have_key)
		app_drop_key(a, &key);
	if (r != 0)
		cert_row_free(&res->row);
	cert_row_free(&old);
	X509_free(x);
	free(v);
	return r;
}

/* Refusals and failures are audited too; successes are audited inside
 * their transaction. */
int
ops_cert_generate(struct app *a, const struct cert_gen *g,
    struct cert_gen_result *res)
{
	int r = cert_generate(a, g, res);

	if (r != 0)
		app_audit(a, "cert.generate", r, "purpose=%s node=%s",
		    g->purpose, g->node ? g->node : "publisher");
	return r;
}

int
ops_cert_regenerate(struct app *a, const struct cert_gen *g,
    struct cert_regen_result *res)
{
	int r = cert_regenerate(a, g, res);

	if (r != 0)
		app_audit(a, "cert.regenerate", r, "purpose=%s node=%s",
		    g->purpose, g->node ? g->node : "publisher");
	return r;
}

struct purge {
	long ids[256];
	char key_ids[256][65];
	size_t n;
};

static int
collect_retired(const struct cert_row *c, void *arg)
{
	struct purge *pg = arg;

	if (strcmp(c->state, "retired") != 0 || c->key_destroyed ||
	    pg->n == sizeof(pg->ids) / sizeof(pg->ids[0]))
		return 0;
	pg->ids[pg->n] = c->id;
	snprintf(pg->key_ids[pg->n], sizeof(pg->key_ids[0]), "%s", c->key_id);
	pg->n++;
	return 0;
}

int
ops_key_purge(struct app *a, int *count)
{
	static struct purge pg;
	struct token_key key;
	size_t i;
	int r;

	*count = 0;
	memset(&pg, 0, sizeof(pg));
	if ((r = inventory_cert_list(a->inv, collect_retired, &pg)) != 0)
		return r;
	for (i = 0; i < pg.n; i++) {
		/* a key already gone (a crash between the two steps) is
		 * simply recorded as destroyed */
		if (app_find_key(a, pg.key_ids[i], &key) == 0 &&
		    (r = token_destroy_key(a->token, &key)) != 0)
			return r;
		ts_error_clear();
		if ((r = inventory_cert_mark_key_destroyed(a->inv,
		    pg.ids[i])) != 0)
			return r;
		if ((r = app_audit(a, "key.purge", 0, "key=%s",
		    pg.key_ids[i])) != 0)
			return r;
		(*count)++;
	}
	return 0;
}

int
ops_cert_get(struct app *a, const char *purpose, const char *node,
    struct cert_row *row)
{
	const struct purpose *p;
	struct node n;
	int r;

	if ((p = purpose_find(purpose)) == NULL)
		return ts_error(TS_ERR_INVALID, "unknown purpose \"%s\": use "
		    "one of %s", purpose, purpose_names());
	if ((r = inventory_node_get(a->inv, node, &n)) != 0)
		return r;
	if (inventory_cert_active(a->inv, n.id, p->name, row) != 0)
		return ts_error(TS_ERR_NOTFOUND, "%s has no %s certificate",
		    n.host, p->name);
	return 0;
}

static int
pem_append(const uint8_t *der, size_t len, void *arg)
{
	BIO *bio = arg;
	X509 *x;
	int r;

	if ((r = cert_from_der(der, len, &x)) != 0)
		return r;
	r = PEM_write_bio_X509(bio, x) == 1 ? 0 :
	    ts_error(TS_ERR_CRYPTO, "cannot write PEM");
	X509_free(x);
	return r;
}

int
ops_cert_export(struct app *a, const char *purpose, const char *node,
    char **pem)
{
	struct cert_row row;
	BIO *bio = NULL;
	BUF_MEM *mem;
	int r;

	*pem = NULL;
	if ((r = ops_cert_get(a, purpose, node, &row)) != 0)
		return r;
	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = pem_append(row.der, row.der_len, bio)) != 0 ||
	    (r = inventory_chain_list(a->inv, row.id, pem_append, bio)) != 0)
		goto out;
	BIO_get_mem_ptr(bio, &mem);
	if ((*pem = malloc(mem->length + 1)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(*pem, mem->data, mem->length);
	(*pem)[mem->length] = '\0';
out:
	BIO_free(bio);
	cert_row_free(&row);
	return r;
}
