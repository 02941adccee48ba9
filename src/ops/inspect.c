/* inspect.c - trust list inspection. */
#include "ops/inspect.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "ops/publish.h"
#include "util/error.h"
#include "util/fileio.h"
#include "x509/cert.h"
#include "x509/tlverify.h"

/* A trust list larger than this is not a trust list at all. */
#define INSPECT_MAX (1024 * 1024)

int
ops_trustlist_inspect(const char *path, struct tl_report *rep)
{
	const struct trustlist_record *s;
	struct stat st;
	size_t i;
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->signer = -1;
	snprintf(rep->path, sizeof(rep->path), "%s", path);
	if ((r = file_read(path, INSPECT_MAX, &rep->data, &rep->len)) != 0)
		return r;
	if (stat(path, &st) == 0)
		rep->mtime = st.st_mtime;
	digests_hex(rep->data, rep->len, rep->md5, rep->sha1, rep->sha256);
	if ((r = trustlist_parse(rep->data, rep->len, &rep->tl)) != 0) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", ts_error_detail(r));
		tl_report_free(rep);
		return ts_error(r, "%s: not a valid trust list: %s", path, msg);
	}
	rep->parsed = 1;
	rep->over_limit = rep->len > TRUSTLIST_MAX_SIZE;
	if (rep->tl.nrecords > 0 && (rep->cert_sha1 = calloc(rep->tl.nrecords,
	    sizeof(*rep->cert_sha1))) == NULL) {
		tl_report_free(rep);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < rep->tl.nrecords; i++) {
		const struct tl_field *c = &rep->tl.records[i].cert;
		uint8_t d[EVP_MAX_MD_SIZE];
		unsigned n;

		if (c->present && EVP_Digest(c->p, c->len, d, &n, EVP_sha1(),
		    NULL))
			hex_lower(d, n, rep->cert_sha1[i]);
	}
	if ((s = trustlist_signer(&rep->tl)) != NULL)
		rep->signer = (int)(s - rep->tl.records);
	rep->verify_rc = tl_verify(&rep->tl, NULL);
	if (rep->verify_rc != 0)
		snprintf(rep->verify_msg, sizeof(rep->verify_msg), "%s",
		    ts_error_detail(rep->verify_rc));
	ts_error_clear();
	return 0;
}

void
tl_report_free(struct tl_report *rep)
{
	if (rep->parsed)
		trustlist_free(&rep->tl);
	free(rep->data);
	free(rep->cert_sha1);
	memset(rep, 0, sizeof(*rep));
	rep->signer = -1;
}

int
ops_sgn_inspect(const char *path, X509 *signer, struct tl_report *rep,
    const uint8_t **payload, size_t *payload_len)
{
	EVP_PKEY *key;
	uint8_t *serial = NULL;
	size_t slen;
	struct stat st;
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->signer = -1;
	snprintf(rep->path, sizeof(rep->path), "%s", path);

	if ((r = file_read(path, 64 * 1024 * 1024, &rep->data, &rep->len)) != 0)
		return r;
	if (stat(path, &st) == 0)
		rep->mtime = st.st_mtime;
	digests_hex(rep->data, rep->len, rep->md5, rep->sha1, rep->sha256);
	if ((r = trustlist_parse(rep->data, rep->len, &rep->tl)) != 0) {
		struct ts_saved_error saved;

		ts_error_save(&saved);
		tl_report_free(rep);
		return ts_error(r, "%s: not a valid signed file: %s", path,
		    saved.detail);
	}
	rep->parsed = 1;
	if (rep->tl.nrecords != 0 || rep->tl.hdr.ver_minor != 0 ||
	    (rep->tl.hdr.ver_major != 1 && rep->tl.hdr.ver_major != 2)) {
		tl_report_free(rep);
		return ts_error(TS_ERR_FORMAT, "%s is not a signed configuration "
		    "file (a version 1.0 or 2.0 header and the file behind it)",
		    path);
	}
	*payload = rep->data + rep->tl.hdr.header_length;
	*payload_len = rep->len - rep->tl.hdr.header_length;
	if (signer == NULL) {
		rep->verify_rc = ts_error(TS_ERR_NOTFOUND, "the signer's "
		    "certificate is unknown here: give it with --cert");
	} else if (cert_serial(signer, &serial, &slen) != 0 ||
	    slen != rep->tl.hdr.serial.len ||
	    memcmp(serial, rep->tl.hdr.serial.p, slen) != 0) {
		rep->verify_rc = ts_error(TS_ERR_SIGNATURE, "the file names "
		    "another signer than the certificate given");
	} else if ((key = X509_get_pubkey(signer)) == NULL) {
		rep->verify_rc = ts_error(TS_ERR_CRYPTO, "unusable certificate");
	} else {
		rep->verify_rc = tl_verify(&rep->tl, key);
		EVP_PKEY_free(key);
	}
	free(serial);
	if (rep->verify_rc != 0)
		snprintf(rep->verify_msg, sizeof(rep->verify_msg), "%s",
		    ts_error_detail(rep->verify_rc));
	ts_error_clear();
	return 0;
}
