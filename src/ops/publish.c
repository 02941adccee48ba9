/* publish.c - staged, journalled publication of signed files. */
#include "ops/publish.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "util/error.h"
#include "util/fileio.h"
#include "x509/cert.h"

int
ops_fault(const char *point)
{
#ifdef TLVSIGN_FAULTS
	const char *f = getenv("TLVSIGN_FAULT");

	if (f == NULL || strcmp(f, point) != 0)
		return 0;
	if (strncmp(point, "crash_", 6) == 0)
		_exit(137); /* as if killed: no cleanup, no rollback */
	return ts_error(TS_ERR_IO, "injected failure at %s", point);
#else
	(void)point;
	return 0;
#endif
}

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
ops_publish_stage(struct app *a, const struct node *n, const char *kind,
    const char *path, const uint8_t *data, size_t len, const char *signer,
    const char *forced_verdict, struct published *out)
{
	struct pending_file pf;
	char *dir, *staged = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	out->node_id = n ? n->id : 0;
	snprintf(out->kind, sizeof(out->kind), "%s", kind);
	snprintf(out->path, sizeof(out->path), "%s", path);
	snprintf(out->signer, sizeof(out->signer), "%s", signer);
	out->size = len;
	out->published = time(NULL);
	out->data = data;
	if (forced_verdict != NULL) {
		out->forced = 1;
		snprintf(out->verdict, sizeof(out->verdict), "%s",
		    forced_verdict);
	}
	digests_hex(data, len, out->md5, out->sha1, out->sha256);
	if ((dir = strdup(path)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	r = dir_create(dirname(dir), 0755);
	free(dir);
	if (r != 0)
		return r;
	if ((r = file_stage(path, data, len, 0644, &staged)) != 0)
		return r;
	memset(&pf, 0, sizeof(pf));
	snprintf(pf.path, sizeof(pf.path), "%s", path);
	snprintf(pf.staged, sizeof(pf.staged), "%s", staged);
	memcpy(pf.sha256, out->sha256, sizeof(pf.sha256));
	if ((r = inventory_published_add(a->inv, out)) != 0 ||
	    (r = inventory_pending_add(a->inv, &pf)) != 0)
		unlink(staged);
	free(staged);
	return r;
}

static int
same_sha256(const char *path, const char *want)
{
	char md5[33], sha1[41], sha256[65];
	uint8_t *data;
	size_t len;

	if (file_read(path, 64 * 1024 * 1024, &data, &len) != 0) {
		ts_error_clear();
		return 0;
	}
	digests_hex(data, len, md5, sha1, sha256);
	free(data);
	return strcmp(sha256, want) == 0;
}

static int
install_one(const struct pending_file *p, void *arg)
{
	struct app *a = arg;
	int r;

	if (access(p->staged, F_OK) == 0) {
		if ((r = file_install(p->staged, p->path)) != 0)
			return r;
	} else if (!same_sha256(p->path, p->sha256)) {
		return ts_error(TS_ERR_IO, "the staged copy of %s is gone and "
		    "the file is not the one recorded: publish it again",
		    p->path);
	}
	return inventory_pending_delete(a->inv, p->id);
}

struct pending_set {
	struct pending_file *v;
	size_t n;
};

static int
collect_pending(const struct pending_file *p, void *arg)
{
	struct pending_set *set = arg;
	struct pending_file *grown;

	if ((grown = realloc(set->v, (set->n + 1) * sizeof(*grown))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	set->v = grown;
	set->v[set->n++] = *p;
	return 0;
}

/* Collect first: installing deletes rows, which must not happen under the
 * open query. */
static int
pending_all(struct app *a, struct pending_set *set)
{
	memset(set, 0, sizeof(*set));
	return inventory_pending_list(a->inv, collect_pending, set);
}

int
ops_publish_flush(struct app *a)
{
	struct pending_set set;
	size_t i;
	int r;

	if ((r = pending_all(a, &set)) == 0)
		for (i = 0; i < set.n && r == 0; i++)
			r = install_one(&set.v[i], a);
	free(set.v);
	return r;
}

void
ops_publish_discard(struct app *a)
{
	struct ts_saved_error saved;
	struct pending_set set;
	size_t i;

	/* still inside the transaction, and recovery ran before it: its rows
	 * name exactly our files */
	ts_error_save(&saved);
	if (pending_all(a, &set) == 0)
		for (i = 0; i < set.n; i++)
			unlink(set.v[i].staged);
	free(set.v);
	ts_error_restore(&saved);
}

void
ops_abort(struct app *a)
{
	ops_publish_discard(a);
	inventory_rollback(a->inv);
}

int
ops_publish(struct app *a, const struct node *n, const char *kind,
    const char *path, const uint8_t *data, size_t len, const char *signer,
    struct published *out)
{
	int r;

	if ((r = inventory_begin(a->inv)) != 0)
		return r;
	if ((r = ops_publish_stage(a, n, kind, path, data, len, signer, NULL,
	    out)) != 0 || (r = ops_fault("publish_commit")) != 0 ||
	    (r = inventory_commit(a->inv)) != 0) {
		ops_abort(a);
		return r;
	}
	return ops_publish_flush(a);
}
