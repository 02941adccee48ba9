/*
 * phone.h - the phone-trust check (PRODUCT.md 6): a pure simulation of
 * what a Cisco IP phone holding an ITL and/or a CTL does with a new ITL,
 * CTL or configuration file. No I/O, no token, no inventory.
 */
#ifndef TLVSIGN_OPS_PHONE_H
#define TLVSIGN_OPS_PHONE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "format/trustlist.h"

enum phone_new_kind {
	PHONE_NEW_ITL,            /* a new ITLFile.tlv */
	PHONE_NEW_CTL,            /* a new CTLFile.tlv */
	PHONE_NEW_SGN,            /* a signed configuration file (.sgn) */
	PHONE_NEW_UNSIGNED,       /* an unsigned configuration file */
};

struct tvs_entry {             /* a certificate TVS vouches for */
	X509 *cert;
	uint16_t roles[8];        /* trust-list role codes, TL_ROLE_* */
	size_t nroles;
};

struct tvs_store {
	const struct tvs_entry *entries;   /* the TVS trust store */
	size_t n;
	/* the certificates the TVS service presents (one per TVS node) */
	X509 *const *server_certs;
	size_t nserver;
};

struct phone {
	const struct trustlist *itl;       /* NULL: the phone holds none */
	const struct trustlist *ctl;       /* NULL: none */
};

struct phone_verdict {
	int accepted;
	int rule;                /* rule of PRODUCT.md 6 that decided (1..7) */
	/* one or two sentences: which rule, which certificate (subject and
	 * serial, "AB:CD:.." as FORMATS.md section 4 prints serials) */
	char reason[1024];
};

/*
 * What the phone does with the new file, in this order:
 *
 *  7. A new ITL or CTL over 65,535 bytes (the larger of newlen and the
 *     parsed length) does not load: rejected.
 *  5. A phone whose ITL is the rollback ITL accepts any new ITL and any
 *     configuration file, signed or not.
 *  1. A phone with no ITL and no CTL accepts the first ITL or CTL, and
 *     any configuration file.
 *  6. Otherwise an unsigned configuration file is rejected: it must be
 *     signed by the TFTP role.
 *  2. A phone with a CTL accepts the new file if the record of its CTL
 *     named by the new file's header (serial and issuer) has a role that
 *     may sign it (CTL: SAST; ITL: SAST, CCM+TFTP, TFTP; .sgn: CCM+TFTP,
 *     TFTP) and the signature verifies with that record's key (never a
 *     key from the new file).
 *  3. Failing that, a phone with an ITL does the same with its ITL (ITL:
 *     SAST, or TFTP / CCM+TFTP for a localkey reset; CTL: SAST). For a
 *     .sgn this is rule 6 (TFTP or CCM+TFTP in the ITL) and is reported
 *     as rule 6.
 *  4. Failing that, the phone asks TVS: one of tvs->server_certs must be
 *     DER-equal to a TVS record's certificate in the phone's ITL (else the
 *     TLS connection fails), the signer (issuer and serial of the header)
 *     must be in the TVS store with a role that may sign the file (as
 *     rule 3), and the signature must verify with that certificate's key.
 *
 * A rejection names the last rule tried (4 for a trust list when the
 * phone holds an ITL, 2 when it holds only a CTL; 6 for a configuration
 * file) and gives why each tried rule failed. Issuers are compared with
 * ',' and ';' as the same DN separator; serials ignore leading zero bytes.
 *
 * newfile may be NULL only for PHONE_NEW_UNSIGNED; newlen is the new
 * file's byte size (rule 7). tvs NULL: no TVS service and an empty store.
 * Returns 0 with the verdict filled, TS_ERR_INVALID for bad arguments or
 * TS_ERR_NOMEM.
 */
int phone_check(const struct phone *ph, const struct tvs_store *tvs,
    enum phone_new_kind kind, const struct trustlist *newfile,
    size_t newlen, struct phone_verdict *v);

/*
 * The rollback ITL: its TVS and TFTP/CCM+TFTP records carry no
 * certificate (FORMATS.md section 3, "Rollback ITL"). True when it has at
 * least one TVS record and one TFTP or CCM+TFTP record and none of those
 * records carries a certificate or public key. NULL: false.
 */
int phone_is_rollback_itl(const struct trustlist *itl);

/* Names and serials as a phone compares them (rule 4): ',' and ';' are one
 * DN separator, spaces after it do not count; serials ignore leading zero
 * bytes. 1 when equal. */
int phone_dn_equal(const char *a, const char *b);
int phone_serial_equal(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen);

#endif
