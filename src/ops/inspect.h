/*
 * inspect.h - what `show itl` / `show ctl` report about any trust list:
 * its checksums, every element, which SAST record signed it, and whether
 * the signature verifies.
 */
#ifndef TLVSIGN_OPS_INSPECT_H
#define TLVSIGN_OPS_INSPECT_H

#include <time.h>

#include <openssl/x509.h>

#include "format/trustlist.h"

struct tl_report {
	char path[4096];
	uint8_t *data;
	size_t len;
	time_t mtime;
	char md5[33], sha1[41], sha256[65];
	struct trustlist tl;
	int parsed;
	int signer;             /* index of the signing record, -1 if none */
	char (*cert_sha1)[41];  /* per record: SHA-1 of tag 9, "" if none */
	int verify_rc;          /* 0: the signature verifies */
	char verify_msg[1024];
	int over_limit;         /* over 65,535 bytes: phones will not load it */
};

/*
 * Read and parse path. Returns an error (and sets nothing else) when the
 * file cannot be read or does not parse; a bad signature is reported in
 * verify_rc / verify_msg with a return of 0, so the caller can still show
 * the contents.
 */
int ops_trustlist_inspect(const char *path, struct tl_report *rep);
void tl_report_free(struct tl_report *rep);

/*
 * A signed configuration file (.sgn, version 1.0): parsed like a trust
 * list; its signature is checked with signer (the TFTP certificate) when
 * given, else verify_rc says why it could not be. payload / payload_len:
 * the original file.
 */
int ops_sgn_inspect(const char *path, X509 *signer, struct tl_report *rep,
    const uint8_t **payload, size_t *payload_len);

#endif
