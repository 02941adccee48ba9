/* fuzz_certimport.c - libFuzzer target for cert_bundle_parse() and, on
 * what it accepts, cert_import_check() and cert_pem_encode(). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/error.h"
#include "x509/import.h"
#include "x509/purpose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed "now" inside the validity of the seed corpus certificates
 * (2027-01-15), so that runs are reproducible and reach the usage and
 * chain checks. */
#define FUZZ_NOW ((time_t)1800000000)

/* The pending key: generated once, never matching a fuzzed certificate. */
static EVP_PKEY *
pending_key(void)
{
	static EVP_PKEY *k;

	if (k == NULL && (k = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-256")) == NULL)
		abort();
	return k;
}

/* The PEM written for chain parses back to the same certificates. */
static void
check_encode(STACK_OF(X509) *chain)
{
	STACK_OF(X509) *back = NULL;
	char *pem = NULL;
	size_t len = 0;
	int i;

	if (cert_pem_encode(chain, &pem, &len) != 0)
		abort();
	if (strlen(pem) != len)
		abort();
	/* DER near the size limit grows by a third as PEM */
	if (len <= CERT_BUNDLE_MAX_BYTES) {
		if (cert_bundle_parse((const uint8_t *)pem, len, &back) != 0 ||
		    sk_X509_num(back) != sk_X509_num(chain))
			abort();
		for (i = 0; i < sk_X509_num(chain); i++)
			if (X509_cmp(sk_X509_value(back, i),
			    sk_X509_value(chain, i)) != 0)
				abort();
		sk_X509_pop_free(back, X509_free);
	}
	free(pem);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct purpose *const *all = purpose_all();
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *own;
	X509 *leaf;
	size_t i;
	int r;

	r = cert_bundle_parse(data, size, &chain);
	if (r != 0) {
		if (r > 0 || chain != NULL)
			abort();
		return 0;
	}
	if (chain == NULL || sk_X509_num(chain) < 1 ||
	    sk_X509_num(chain) > CERT_BUNDLE_MAX_CERTS)
		abort();
	leaf = sk_X509_value(chain, 0);

	/* the fixed pending key never matches: refused at the first check */
	if (cert_import_check(leaf, chain, pending_key(),
	    purpose_find("CallManager-ECDSA"), FUZZ_NOW) != TS_ERR_INVALID)
		abort();
	/* the leaf's own key gets past it, into validity, usage, chain */
	if ((own = X509_get0_pubkey(leaf)) != NULL)
		for (i = 0; all[i] != NULL; i++)
			if (cert_import_check(leaf, chain, own, all[i],
			    FUZZ_NOW) > 0)
				abort();
	check_encode(chain);
	sk_X509_pop_free(chain, X509_free);
	return 0;
}
