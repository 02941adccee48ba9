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
	char *copy_keys_text;
	int copy_keys;       /* sign with session copies (token_key_copy) */
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
	/* [tvs] the TVS listener of tlvsignd, as written ... */
	char *tvs_listen_text, *tvs_ttl_text, *tvs_max_conn_text;
	char *tvs_timeout_text, *tvs_tls10_text;
	/* ... and as validated */
	struct {
		char host[64];       /* numeric IPv4 or IPv6 address */
		unsigned port;       /* 0: any free port (tests) */
		unsigned ttl;        /* seconds phones may cache an answer */
		unsigned max_conn;   /* connections at once */
		unsigned timeout;    /* seconds a connection may last */
		int tls10;           /* accept TLS 1.0 and 1.1 */
	} tvs;
	/* [api] the HTTPS API of tlvsignd */
	char *api_listen_text;
	char *api_officer, *api_publisher, *api_auditor; /* fingerprints */
	struct {
		int enabled;         /* listen is not "off" */
		char host[64];
		unsigned port;
	} api;
	struct conf_api_client {
		char sha256[65];     /* lower-case hex, no colons */
		char role[12];       /* officer, publisher, auditor */
	} *api_clients;
	size_t napi_clients;
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
