/* purpose.c - the purpose table. */
#include "x509/purpose.h"

#include <string.h>
#include <strings.h>

#include "util/error.h"

static const struct purpose purposes[] = {
	{ "CallManager", TOKEN_KEY_RSA, 2048, 5, NAME_FQDN, 1, 1 },
	{ "CallManager-ECDSA", TOKEN_KEY_EC, 256, 5, NAME_EC_FQDN, 1, 1 },
	{ "ITLRecovery", TOKEN_KEY_RSA, 2048, 20, NAME_ITLRECOVERY, 0, 1 },
	{ "TVS", TOKEN_KEY_RSA, 2048, 5, NAME_FQDN, 1, 1 },
	{ "CAPF", TOKEN_KEY_RSA, 2048, 5, NAME_CAPF, 0, 1 },
	{ "tomcat", TOKEN_KEY_RSA, 2048, 5, NAME_FQDN, 1, 0 },
	{ "tomcat-ECDSA", TOKEN_KEY_EC, 256, 5, NAME_EC_FQDN, 1, 0 },
	{ "ipsec", TOKEN_KEY_RSA, 2048, 5, NAME_FQDN, 1, 0 },
};

static const struct purpose *const all[] = {
	&purposes[0], &purposes[1], &purposes[2], &purposes[3],
	&purposes[4], &purposes[5], &purposes[6], &purposes[7], NULL,
};

const struct purpose *
purpose_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(purposes) / sizeof(purposes[0]); i++)
		if (strcasecmp(purposes[i].name, name) == 0)
			return &purposes[i];
	return NULL;
}

const struct purpose *const *
purpose_all(void)
{
	return all;
}

const char *
purpose_names(void)
{
	return "CallManager, CallManager-ECDSA, ITLRecovery, TVS, CAPF, "
	    "tomcat, tomcat-ECDSA, ipsec";
}

int
purpose_check_key(const struct purpose *p, unsigned *bits, const char *hash,
    int fips, const EVP_MD **md, const char **warning)
{
	static const struct { const char *name; unsigned strength; } hashes[] = {
		{ "SHA256", 256 }, { "SHA384", 384 }, { "SHA512", 512 },
	};
	unsigned b = *bits ? *bits : p->default_bits, strength = 0;
	size_t i;

	*warning = NULL;
	if (p->key_type == TOKEN_KEY_RSA) {
		if (b < 2048)
			return ts_error(TS_ERR_INVALID, "RSA key length %u is too "
			    "weak: use 2048, 3072 or 4096", b);
		if (b != 2048 && b != 3072 && b != 4096)
			return ts_error(TS_ERR_INVALID, "RSA key length %u: use "
			    "2048, 3072 or 4096", b);
		if (b > 2048 && strcmp(p->name, "CallManager") == 0)
			*warning = "some phone models might fail to register "
			    "if the RSA key length of the CallManager "
			    "certificate is greater than 2048";
	} else {
		if (b == 3072 || b == 4096)
			return ts_error(TS_ERR_INVALID, "key length %u is only "
			    "for RSA certificates; %s is EC: use 256 or 384", b,
			    p->name);
		if (b != 256 && b != 384)
			return ts_error(TS_ERR_INVALID, "EC key length %u: use "
			    "256 or 384", b);
	}
	if (hash == NULL)
		hash = b == 384 ? "SHA384" : "SHA256";
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (strcasecmp(hashes[i].name, hash) == 0)
			strength = hashes[i].strength;
	if (strength == 0)
		return ts_error(TS_ERR_INVALID, "hash \"%s\": use SHA256, "
		    "SHA384 or SHA512", hash);
	if (p->key_type == TOKEN_KEY_EC && strength < b)
		return ts_error(TS_ERR_INVALID, "hash %s is weaker than the "
		    "%u-bit EC key: use %s", hash, b,
		    b == 384 ? "SHA384 or SHA512" : "SHA256, SHA384 or SHA512");
	if (fips && strength != 256)
		return ts_error(TS_ERR_INVALID, "FIPS mode requires SHA256 as "
		    "the hash algorithm");
	*bits = b;
	*md = strength == 256 ? EVP_sha256() : strength == 384 ? EVP_sha384() :
	    EVP_sha512();
	return 0;
}
