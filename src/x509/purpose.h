/*
 * purpose.h - certificate purposes (the reference product's Certificate Purpose list):
 * each fixes the key type, default key length and validity, the roles
 * its certificate takes in trust files, and how its subject is named.
 */
#ifndef TLVSIGN_X509_PURPOSE_H
#define TLVSIGN_X509_PURPOSE_H

#include <openssl/evp.h>

#include "token/token.h"

enum purpose_naming {
	NAME_FQDN,          /* CN = host.domain */
	NAME_EC_FQDN,       /* CN = host-EC.domain */
	NAME_ITLRECOVERY,   /* CN = ITLRECOVERY_host.domain */
	NAME_CAPF,          /* CN = CAPF-<8 hex> */
};

struct purpose {
	const char *name;
	enum token_keytype key_type;
	unsigned default_bits;
	unsigned default_years;
	enum purpose_naming naming;
	int server_auth;    /* TLS server/client certificate */
	int in_trust_list;  /* its certificate appears in ITL or CTL */
};

/* Case-insensitive lookup; NULL when unknown. */
const struct purpose *purpose_find(const char *name);
/* All purposes, NULL-terminated. */
const struct purpose *const *purpose_all(void);
/* The purposes' names joined by ", " for messages. */
const char *purpose_names(void);

/*
 * The reference product's key-length and hash rules: RSA 2048/3072/4096 (1024 refused
 * as too weak), EC 256/384; the hash at least as strong as the key (EC
 * 256: SHA256/384/512; EC 384: SHA384/512); FIPS mode: SHA256 only.
 * bits 0 and hash NULL take the defaults. *warning is set (static text)
 * when the reference product warns about the choice.
 */
int purpose_check_key(const struct purpose *p, unsigned *bits,
    const char *hash, int fips, const EVP_MD **md, const char **warning);

#endif
