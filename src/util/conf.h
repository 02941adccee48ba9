/*
 * conf.h - the tlvsign.conf INI file: sections, "key = value" lines, '#'
 * and ';' comments. Unknown sections or keys are errors (a typo must not
 * silently fall back to a default). Relative paths are taken relative to
 * the directory of the configuration file.
 */
#ifndef TLVSIGN_UTIL_CONF_H
#define TLVSIGN_UTIL_CONF_H

#include <stdio.h>

struct conf {
	char *path;          /* the file read, or NULL for built-in defaults */
	/* [token] */
	char *module;        /* PKCS#11 module path */
	char *token_uri;     /* "pkcs11:token=..." (RFC 7512) or a label */
	char *pin_file;      /* NULL: TLVSIGN_PIN_FILE or a prompt */
	/* [cluster] */
	char *cluster_name;
	char *state_dir;
	char *tftp_dir;
	char *hostname;      /* the publisher / TFTP node */
	char *domain;
	char *ip_address;
	char *fqdn;          /* derived: host.domain */
	/* [certificate] subject attributes added after CN (may be NULL) */
	char *subj_ou, *subj_o, *subj_l, *subj_st, *subj_c;
	/* [backup] */
	char *backup_dir;            /* default STATE_DIR/backups */
	char *backup_passphrase_file;
	char *backup_kdf_iterations; /* PBKDF2 iterations, see below */
};

/* PBKDF2-HMAC-SHA256 iterations for new backups: at least 600,000. */
#define CONF_KDF_ITERATIONS_MIN 600000u
#define CONF_KDF_ITERATIONS_MAX 100000000u
/* The configured count, or 0 when the setting is invalid. */
unsigned conf_kdf_iterations(const struct conf *c);

/* Read path (NULL: TLVSIGN_CONF, then /etc/tlvsign/tlvsign.conf; a
 * missing default file gives the built-in defaults). */
int conf_load(const char *path, struct conf *c);
void conf_free(struct conf *c);
/* The node's FQDN ("host.domain", or host alone without a domain). */
const char *conf_fqdn(const struct conf *c);
/* Print the effective configuration as an INI file. */
void conf_print(const struct conf *c, FILE *fp);

#define TLVSIGN_DEFAULT_CONF "/etc/tlvsign/tlvsign.conf"
#define TLVSIGN_DEFAULT_MODULE "/usr/lib/softhsm/libsofthsm2.so"

#endif
