/* csr.c - PKCS#10 certificate signing requests for a pending key. */
#include "x509/csr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "util/error.h"

/* A DNS name as RFC 1035 allows it, plus '_' (ITLRECOVERY_ names) and
 * '*' (wildcards); longer names cannot be resolved. */
#define DNS_NAME_MAX 253

int
cert_name_for(const struct purpose *p, const char *host, const char *domain,
    int multi_server, char **out)
{
	const char *suffix;
	int n;

	*out = NULL;
	if (p == NULL)
		return ts_error(TS_ERR_INVALID, "no certificate purpose: use "
		    "one of %s", purpose_names());
	if (host == NULL || *host == '\0')
		return ts_error(TS_ERR_INVALID, "no host name for the %s "
		    "certificate: set hostname in the [cluster] section",
		    p->name);
	if (!multi_server)
		return cert_common_name(p, host, domain, out);
	switch (p->naming) {
	case NAME_FQDN:
		suffix = "-ms";
		break;
	case NAME_EC_FQDN:
		suffix = "-EC-ms";
		break;
	case NAME_ITLRECOVERY:
	case NAME_CAPF:
	default:
		return ts_error(TS_ERR_INVALID, "%s has no multi-server "
		    "certificate: generate its CSR for a single node", p->name);
	}
	n = domain ? asprintf(out, "%s%s.%s", host, suffix, domain) :
	    asprintf(out, "%s%s", host, suffix);
	if (n < 0) {
		*out = NULL;
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	return 0;
}

static int
add_subject(X509_NAME *nm, const char *field, const char *v)
{
	if (v == NULL || *v == '\0')
		return 0;
	if (X509_NAME_add_entry_by_txt(nm, field, MBSTRING_UTF8,
	    (const unsigned char *)v, -1, -1, 0) == 1)
		return 0;
	if (strcmp(field, "C") == 0)
		return ts_error(TS_ERR_INVALID, "country \"%s\" is not a "
		    "2-letter ISO 3166 code (such as NZ or US): fix c in the "
		    "[certificate] section", v);
	return ts_error(TS_ERR_INVALID, "subject %s=\"%s\" cannot be encoded "
	    "(too long or not UTF-8): shorten or fix it", field, v);
}

static int
check_dns_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0)
		return ts_error(TS_ERR_INVALID, "empty subject alternative "
		    "name: give host names only");
	if (n > DNS_NAME_MAX)
		return ts_error(TS_ERR_INVALID, "subject alternative name of "
		    "%zu characters is longer than the %d a DNS name may be",
		    n, DNS_NAME_MAX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '*')
			continue;
		return ts_error(TS_ERR_INVALID, "subject alternative name "
		    "\"%s\" has the character 0x%02x at %zu: a DNS name "
		    "holds letters, digits, '-' and '.'", name, c, i + 1);
	}
	return 0;
}

/* Push ext (taking it) onto exts. */
static int
push_ext(STACK_OF(X509_EXTENSION) *exts, X509_EXTENSION *ext)
{
	if (ext == NULL)
		return 0;
	if (sk_X509_EXTENSION_push(exts, ext) <= 0) {
		X509_EXTENSION_free(ext);
		return 0;
	}
	return 1;
}

/* subjectAltName with one dNSName per name, built as ASN.1 so that a
 * name cannot smuggle in other entries through the config syntax. */
static X509_EXTENSION *
san_ext(const char *const *sans, size_t nsans)
{
	GENERAL_NAMES *gens;
	X509_EXTENSION *ext = NULL;
	size_t i;

	if ((gens = sk_GENERAL_NAME_new_null()) == NULL)
		return NULL;
	for (i = 0; i < nsans; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

		if (g == NULL || ia5 == NULL ||
		    !ASN1_STRING_set(ia5, sans[i], (int)strlen(sans[i]))) {
			GENERAL_NAME_free(g);
			ASN1_IA5STRING_free(ia5);
			goto out;
		}
		GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
		if (sk_GENERAL_NAME_push(gens, g) <= 0) {
			GENERAL_NAME_free(g);
			goto out;
		}
	}
	ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
out:
	GENERAL_NAMES_free(gens);
	return ext;
}

int
cert_csr_create(const struct purpose *p, const struct cert_subject *s,
    const char *const *sans, size_t nsans, EVP_PKEY *pub, EVP_PKEY *signer,
    const EVP_MD *md, X509_REQ **out)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509V3_CTX ctx;
	X509_REQ *req = NULL;
	X509_NAME *nm = NULL;
	const char *ku;
	int want_type, r;
	size_t i;

	*out = NULL;
	if (p == NULL || s == NULL || pub == NULL || signer == NULL)
		return ts_error(TS_ERR_INVALID, "CSR: purpose, subject, public "
		    "key and signing key are all required");
	if (s->cn == NULL || *s->cn == '\0')
		return ts_error(TS_ERR_INVALID, "no common name for the %s "
		    "CSR: give the host name", p->name);
	if (nsans > 0 && sans == NULL)
		return ts_error(TS_ERR_INVALID, "CSR: %zu subject alternative "
		    "names announced but none given", nsans);
	want_type = p->key_type == TOKEN_KEY_EC ? EVP_PKEY_EC : EVP_PKEY_RSA;
	if (EVP_PKEY_get_base_id(pub) != want_type)
		return ts_error(TS_ERR_INVALID, "the %s CSR needs an %s key, "
		    "the pending key is not one: generate a new key for %s",
		    p->name, want_type == EVP_PKEY_EC ? "EC" : "RSA", p->name);
	for (i = 0; i < nsans; i++)
		if ((r = check_dns_name(sans[i])) != 0)
			return r;

	if ((req = X509_REQ_new()) == NULL || (nm = X509_NAME_new()) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* least specific first in DER, so that text shows CN first */
	if ((r = add_subject(nm, "C", s->c)) != 0 ||
	    (r = add_subject(nm, "ST", s->st)) != 0 ||
	    (r = add_subject(nm, "L", s->l)) != 0 ||
	    (r = add_subject(nm, "O", s->o)) != 0 ||
	    (r = add_subject(nm, "OU", s->ou)) != 0 ||
	    (r = add_subject(nm, "CN", s->cn)) != 0)
		goto out;
	r = TS_ERR_CRYPTO;
	if (!X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_subject_name(req, nm) ||
	    !X509_REQ_set_pubkey(req, pub))
		goto fail;

	/* a CA may copy these; keyCertSign is only for self-signed roots */
	if (want_type == EVP_PKEY_EC)
		ku = "critical,digitalSignature,keyAgreement";
	else if (p->server_auth)
		ku = "critical,digitalSignature,keyEncipherment,"
		    "dataEncipherment";
	else
		ku = "critical,digitalSignature";
	X509V3_set_ctx(&ctx, NULL, NULL, req, NULL, 0);
	if ((exts = sk_X509_EXTENSION_new_null()) == NULL ||
	    !push_ext(exts, X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
	    ku)))
		goto fail;
	if (p->server_auth && !push_ext(exts, X509V3_EXT_conf_nid(NULL, &ctx,
	    NID_ext_key_usage, "serverAuth,clientAuth")))
		goto fail;
	if (nsans > 0 && !push_ext(exts, san_ext(sans, nsans)))
		goto fail;
	if (!X509_REQ_add_extensions(req, exts))
		goto fail;

	if (X509_REQ_sign(req, signer, md) <= 0) {
		r = ts_error(TS_ERR_TOKEN, "the token could not sign the %s "
		    "CSR: check that the token is present and logged in",
		    p->name);
		goto out;
	}
	if (X509_REQ_verify(req, pub) != 1) {
		r = ts_error(TS_ERR_SIGNATURE, "the signature on the %s CSR "
		    "does not verify with its public key: the token signed "
		    "with another key; generate the key pair again", p->name);
		goto out;
	}
	*out = req;
	req = NULL;
	r = 0;
	goto out;
fail:
	r = ts_error(TS_ERR_CRYPTO, "cannot build the %s CSR", p->name);
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(nm);
	X509_REQ_free(req);
	return r;
}

int
cert_csr_pem(X509_REQ *req, char **pem, size_t *len)
{
	BIO *b;
	char *p;
	long n;

	*pem = NULL;
	*len = 0;
	if (req == NULL)
		return ts_error(TS_ERR_INVALID, "no CSR to encode");
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if (!PEM_write_bio_X509_REQ(b, req) ||
	    (n = BIO_get_mem_data(b, &p)) <= 0) {
		BIO_free(b);
		return ts_error(TS_ERR_CRYPTO, "cannot encode the CSR as PEM");
	}
	if ((*pem = malloc((size_t)n + 1)) == NULL) {
		BIO_free(b);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	memcpy(*pem, p, (size_t)n);
	(*pem)[n] = '\0';
	*len = (size_t)n;
	BIO_free(b);
	return 0;
}
