/*
 * certs.h - certificate operations: generate a key pair in the token and
 * its self-signed certificate, as one transaction over token and
 * inventory.
 */
#ifndef TLVSIGN_OPS_CERTS_H
#define TLVSIGN_OPS_CERTS_H

#include "ops/trustfile.h"

struct cert_gen {
	const char *purpose;
	const char *node;    /* NULL: the publisher */
	unsigned bits;       /* 0: the purpose's default */
	const char *hash;    /* NULL: SHA256 (SHA384 for EC 384) */
	unsigned years;      /* 0: the purpose's default */
	struct tf_opts publish; /* the phone-trust check of the rebuilt files */
};

struct cert_gen_result {
	struct cert_row row;
	const char *warning; /* the reference product's warning for this choice, or NULL */
	int itl_rebuilt;     /* published ITLs rebuilt with the new certificate */
};

/*
 * Refuses an unknown purpose or node, a key length or hash outside the
 * reference product's rules, and a purpose that already has an active certificate on
 * the node. Published ITLs the certificate belongs in are rebuilt in the
 * same transaction. On any failure the token, the inventory and the
 * published files are as before (the new key pair is destroyed).
 */
int ops_cert_generate(struct app *a, const struct cert_gen *g,
    struct cert_gen_result *res);

struct cert_regen_result {
	struct cert_row row;     /* the new certificate */
	char old_serial[130];
	const char *warning;
	int itl_rebuilt;
	int backup_required;     /* this regeneration set "backup required" */
	int ctl_update_needed;   /* mixed mode: the CTL must be updated */
	int localkey;            /* the files were signed by the CallManager
	                          * key (a new ITLRecovery) */
};

/*
 * Regeneration as one transaction: a new key pair under a temporary label,
 * its certificate, the old certificate retired and the new one made active
 * in the inventory, every published ITL it belongs in rebuilt and staged,
 * then the commit; only after it are the files installed, the new key
 * given the final label and the old key disabled and relabelled (it stays
 * until `key purge`). A failure at any step before the commit leaves
 * token, inventory and files exactly as they were; a crash is finished or
 * undone by recovery (ops/recover.h). bits 0 keeps the current key length.
 */
int ops_cert_regenerate(struct app *a, const struct cert_gen *g,
    struct cert_regen_result *res);

/* The active certificate of a purpose on a node (NULL: publisher). */
int ops_cert_get(struct app *a, const char *purpose, const char *node,
    struct cert_row *row);

/* PEM of the active certificate followed by its stored issuing chain
 * (malloc'd, NUL-terminated). */
int ops_cert_export(struct app *a, const char *purpose, const char *node,
    char **pem);

/* Destroy the token keys of retired certificates. */
int ops_key_purge(struct app *a, int *count);

/* Fill an inventory row from a certificate. */
int cert_row_fill(struct cert_row *row, X509 *x);

#endif
