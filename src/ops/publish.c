/* publish.c - atomic publication of signed files. */
#include "ops/publish.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "util/error.h"
#include "util/fileio.h"
#include "x509/cert.h"

void
digests_hex(const uint8_t *data, size_t len, char md5[33], char sha1[41],
    char sha256[65])
{
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned n;

	EVP_Digest(data, len, d, &n, EVP_md5(), NULL);
	hex_lower(d, n, md5);
	EVP_Digest(data, len, d, &n, EVP_sha1(), NULL);
	hex_lower(d, n, sha1);
	EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
	hex_lower(d, n, sha256);
}

int
ops_publish(struct app *a, const struct node *n, const char *kind,
    const char *path, const uint8_t *data, size_t len, const char *signer,
    struct published *out)
{
	char *dir;
	int r;

	memset(out, 0, sizeof(*out));
	out->node_id = n ? n->id : 0;
	snprintf(out->kind, sizeof(out->kind), "%s", kind);
	snprintf(out->path, sizeof(out->path), "%s", path);
	snprintf(out->signer, sizeof(out->signer), "%s", signer);
	out->size = len;
	out->published = time(NULL);
	digests_hex(data, len, out->md5, out->sha1, out->sha256);
	if ((dir = strdup(path)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	r = dir_create(dirname(dir), 0755);
	free(dir);
	if (r != 0)
		return r;
	/* the record commits only if the file is in place */
	if ((r = inventory_begin(a->inv)) != 0)
		return r;
	if ((r = inventory_published_add(a->inv, out)) != 0 ||
	    (r = file_write_atomic(path, data, len, 0644)) != 0 ||
	    (r = inventory_commit(a->inv)) != 0) {
		inventory_rollback(a->inv);
		return r;
	}
	return 0;
}
