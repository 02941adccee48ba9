/*
 * apibody.h - JSON request bodies of the service's API, parsed strictly
 * (jansson; no I/O, no crypto). The batch signing request:
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

#endif
