/* certs.c - certificate generation. */
#include "ops/certs.h"

#include <stdlib.h>
#include <string.h>

#include "ops/itl.h"
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

int
ops_cert_generate(struct app *a, const struct cert_gen *g,
    struct cert_gen_result *res)
{
	const struct purpose *p;
	const EVP_MD *md;
	struct node n;
	struct cert_row existing;
	struct cert_subject subj;
	struct token_key key, probe;
	EVP_PKEY *pub = NULL, *signer = NULL;
	X509 *x = NULL;
	char label[TOKEN_LABEL_MAX], fqdn[400], *cn = NULL, *fips = NULL;
	const char *sans[2];
	size_t nsans = 0;
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
		    "certificate (serial %s); a new key replaces it only "
		    "through regeneration", n.host, p->name, existing.serial);
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

	if ((r = token_generate(a->token, p->key_type, bits, label, &key)) != 0)
		return r;
	have_key = 1;
	if ((r = token_public_key(a->token, &key, &pub)) != 0 ||
	    (r = token_evp_pkey(a->token, &key, &signer)) != 0 ||
	    (r = cert_common_name(p, n.host, n.domain[0] ? n.domain : NULL,
	    &cn)) != 0)
		goto out;
	subject_from_conf(&a->conf, cn, &subj);
	if (p->server_auth) {
		if (n.domain[0] != '\0') {
			snprintf(fqdn, sizeof(fqdn), "%s.%s", n.host, n.domain);
			sans[nsans++] = fqdn;
		}
		sans[nsans++] = n.host;
	}
	if ((r = cert_self_signed(p, &subj, sans, nsans, pub, signer, md,
	    years, &x)) != 0)
		goto out;
	if (X509_verify(x, pub) != 1) {
		r = ts_error(TS_ERR_TOKEN, "the token's signature on the new "
		    "certificate does not verify");
		goto out;
	}
	res->row.node_id = n.id;
	snprintf(res->row.host, sizeof(res->row.host), "%s", n.host);
	snprintf(res->row.purpose, sizeof(res->row.purpose), "%s", p->name);
	snprintf(res->row.state, sizeof(res->row.state), "active");
	snprintf(res->row.key_label, sizeof(res->row.key_label), "%s", label);
	hex_lower(key.id, key.id_len, res->row.key_id);
	if ((r = cert_row_fill(&res->row, x)) != 0)
		goto out;
	if ((r = inventory_begin(a->inv)) != 0)
		goto out;
	in_tx = 1;
	if ((r = inventory_cert_add(a->inv, &res->row, &res->row.id)) != 0 ||
	    (r = token_store_cert(a->token, &key, x)) != 0)
		goto out;
	if ((r = inventory_commit(a->inv)) != 0)
		goto out;
	in_tx = 0;
	have_key = 0; /* committed: the key is the inventory's now */
	r = 0;
out:
	if (in_tx)
		inventory_rollback(a->inv);
	EVP_PKEY_free(signer);
	if (have_key) {
		int saved = r;
		char msg[1024];

		/* keep the first error's detail */
		snprintf(msg, sizeof(msg), "%s", ts_error_detail(r));
		token_destroy_key(a->token, &key);
		r = ts_error(saved, "%s", msg);
	}
	EVP_PKEY_free(pub);
	X509_free(x);
	free(cn);
	if (r != 0) {
		cert_row_free(&res->row);
		return r;
	}
	/* every certificate change rebuilds the published ITLs it is in */
	if (p->in_trust_list && ops_itl_rebuild_published(a, &res->itl_rebuilt,
	    res->itl_error, sizeof(res->itl_error)) != 0)
		ts_error_clear();
	return r;
}
