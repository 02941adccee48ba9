/*
 * apibody.h - JSON request bodies of the service's API, parsed strictly
 * (jansson; no I/O, no crypto): every member of the right type and size,
 * no member the request does not define, one error naming the member.
 * The batch signing request:
 *
 *   { "files": [ { "filename": "SEP001122334455.cnf.xml",
 *                  "data": "<base64>" }, ... ] }
 */
#ifndef TLVSIGN_FORMAT_APIBODY_H
#define TLVSIGN_FORMAT_APIBODY_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_BATCH_MAX_FILES 256
#define SIGN_BATCH_MAX_FILE (1024 * 1024)
#define SIGN_BATCH_MAX_BODY (4 * 1024 * 1024)

struct sign_batch_file {
	char filename[201];      /* letters, digits, '.', '-', '_' */
	uint8_t *data;           /* malloc'd */
	size_t len;
};

struct sign_batch {
	struct sign_batch_file *files;
	size_t n;
};

/* A name a file may have on the TFTP server: 1 to 200 letters, digits,
 * '.', '-' or '_', not starting with '.'. */
int apibody_safe_name(const char *s);

/*
 * Parse a batch: "files" with 1 to SIGN_BATCH_MAX_FILES objects of exactly
 * "filename" (a safe name, unique in the batch) and "data" (strict base64
 * of 1 to SIGN_BATCH_MAX_FILE bytes); no other member anywhere.
 * TS_ERR_FORMAT or TS_ERR_LIMIT naming the file's index.
 */
int apibody_sign_batch_parse(const uint8_t *body, size_t len,
    struct sign_batch *b);
void apibody_sign_batch_free(struct sign_batch *b);

/*
 * The phone-trust check request: what a phone holds and the new file.
 *
 *   { "from": "<base64 ITL>", "ctl": "<base64 CTL>", "to": "<base64>" }
 *
 * "to" is required; "from" (the phone's ITL) and "ctl" are optional (a
 * phone holding nothing); each 1 to CHECK_MAX_FILE bytes; no other member.
 */
#define CHECK_MAX_FILE (1024 * 1024)

struct check_body {
	uint8_t *from, *ctl, *to;   /* malloc'd; NULL when absent */
	size_t from_len, ctl_len, to_len;
};

int apibody_check_parse(const uint8_t *body, size_t len,
    struct check_body *c);
void apibody_check_free(struct check_body *c);

/* ---- the officer's requests ---- */

/* Bodies of the administrative requests but the two that carry files. */
#define APIBODY_MAX_SMALL (64 * 1024)
/* How many publications back the phone-trust check may be asked to look
 * (the check itself looks no further). */
#define APIBODY_MAX_PREVIOUS 63

/* A node's host name as the inventory keeps it: 1 to 63 letters, digits
 * or '-'. */
int apibody_host_name(const char *s);
/* A certificate purpose as a path names it: 1 to 31 letters, digits or
 * '-' (whether it is a known purpose is for the operation to say). */
int apibody_purpose_name(const char *s);

/*
 * Generate or regenerate a certificate; every member is optional and an
 * empty body is {}:
 *
 *   { "node": "cucm-sub1", "bits": 3072, "hash": "SHA384", "years": 5,
 *     "previous": 1 }
 *
 * bits 256 to 16384, years 1 to 100, previous 0 to APIBODY_MAX_PREVIOUS,
 * hash 1 to 15 letters and digits (the operation knows which are
 * allowed). "force" is refused: the phone-trust check is not overridden
 * over the network.
 */
struct certgen_body {
	char node[64];       /* "": the publisher */
	char hash[16];       /* "": the purpose's default */
	unsigned bits;       /* 0: the default */
	unsigned years;      /* 0: the default */
	unsigned previous;
};

int apibody_certgen_parse(const uint8_t *body, size_t len,
    struct certgen_body *g);

/*
 * A certificate signing request; every member is optional:
 *
 *   { "node": "cucm-sub1", "distribution": "multi-server",
 *     "sans": ["voice.example.com"], "parent_domain": "example.com",
 *     "bits": 2048, "hash": "SHA256" }
 *
 * "distribution" is "multi-server" or a host name (then the same as
 * "node" when both are given); "sans" 1 to APIBODY_MAX_SANS DNS names or
 * addresses, as "parent_domain": 1 to 253 letters, digits, '-', '.' or
 * '*'.
 */
#define APIBODY_MAX_SANS 32

struct csr_body {
	char node[64];
	int multi_server;
	char sans[APIBODY_MAX_SANS][254];
	size_t nsans;
	char parent_domain[254];   /* "": the node's domain */
	unsigned bits;
	char hash[16];
};

int apibody_csr_parse(const uint8_t *body, size_t len, struct csr_body *c);

/*
 * The CA-signed certificate of a pending request:
 *
 *   { "certificate": "-----BEGIN CERTIFICATE-----...",
 *     "chain": "-----BEGIN CERTIFICATE-----...", "node": "cucm-sub1",
 *     "previous": 0 }
 *
 * "certificate" is one PEM certificate (at most IMPORT_MAX_CERT bytes),
 * "chain" (optional) its issuers, PEM, at most IMPORT_MAX_CHAIN bytes;
 * printable ASCII and line breaks only.
 */
#define IMPORT_MAX_CERT (64 * 1024)
#define IMPORT_MAX_CHAIN (1024 * 1024)

struct import_body {
	char node[64];
	unsigned previous;
	char *pem;             /* malloc'd: the certificate, then the chain */
	size_t len;
};

int apibody_import_parse(const uint8_t *body, size_t len,
    struct import_body *b);
void apibody_import_free(struct import_body *b);

/*
 * A new node:
 *
 *   { "host": "cucm-sub1", "domain": "example.com", "ipv4": "192.0.2.11",
 *     "services": "TFTP,CallManager", "publisher": false }
 *
 * "host", "ipv4" and "services" are required; "domain" is 0 to 253
 * letters, digits, '-' or '.' (absent: the configured domain); "services"
 * names separated by ','. Whether the values make a node is the
 * operation's to say.
 */
struct node_body {
	char host[64];
	char domain[254];
	int has_domain;
	char ipv4[16];
	char services[64];
	int publisher;
};

int apibody_node_parse(const uint8_t *body, size_t len, struct node_body *n);

/*
 * A remotekey reset: a PKCS#12 file or a tlvsign backup, and its
 * passphrase.
 *
 *   { "file": "<base64>", "passphrase": "...", "node": "cucm-sub1",
 *     "previous": 0 }
 *
 * The passphrase is 1 to 255 bytes without NUL. No error message quotes
 * the body (not even jansson's), and the parser's copy of the passphrase
 * inside jansson is wiped before it is freed.
 */
#define REMOTEKEY_MAX_FILE (3 * 1024 * 1024)

struct remotekey_body {
	uint8_t *file;           /* malloc'd */
	size_t len;
	char passphrase[256];
	char node[64];
	unsigned previous;
};

int apibody_remotekey_parse(const uint8_t *body, size_t len,
    struct remotekey_body *b);
/* Wipes the passphrase and the file. */
void apibody_remotekey_free(struct remotekey_body *b);

#endif
