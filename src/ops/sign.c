/* sign.c - .sgn configuration files, one or thousands at a time. */
#include "ops/sign.h"

#include <errno.h>
#include <dirent.h>
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "format/encsgn.h"
#include "format/trustlist.h"
#include "ops/publish.h"
#include "ops/trustfile.h"
#include "util/error.h"
#include "util/fileio.h"
#include "x509/cert.h"
#include "x509/confenc.h"
#include "x509/tlverify.h"

#define SGN_MAX_INPUT (16 * 1024 * 1024)

/* The TFTP key and what the header says about it; shared read-only by
 * the workers (object handles are valid in every session). */
struct signer {
	struct token_key key;
	char *subject, *issuer;
	uint8_t *serial;
	size_t serial_len;
	char serial_hex[130];
	uint8_t hash;
};

static void
signer_free(struct signer *s)
{
	free(s->subject);
	free(s->issuer);
	free(s->serial);
	memset(s, 0, sizeof(*s));
}

static int
signer_load(struct app *a, const char *node, struct signer *s)
{
	struct node n;
	struct cert_row row;
	X509 *x = NULL;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = inventory_node_get(a->inv, node, &n)) != 0)
		return r;
	if (!(n.services & SVC_TFTP))
		return ts_error(TS_ERR_INVALID, "%s does not run TFTP: "
		    "configuration files are signed with a TFTP node's key",
		    n.host);
	if (inventory_cert_active(a->inv, n.id, "CallManager", &row) != 0)
		return ts_error(TS_ERR_NOTFOUND, "%s has no CallManager "
		    "certificate to sign with: run `tlvsign cert generate "
		    "CallManager`", n.host);
	if ((r = app_find_key(a, row.key_id, &s->key)) != 0 ||
	    (r = cert_from_der(row.der, row.der_len, &x)) != 0 ||
	    (r = cert_dn_text(X509_get_subject_name(x), ';', &s->subject)) ||
	    (r = cert_dn_text(X509_get_issuer_name(x), ';', &s->issuer)) ||
	    (r = cert_serial(x, &s->serial, &s->serial_len)) ||
	    (r = ops_trust_digest(a, &s->hash)))
		goto out;
	if (s->key.type != TOKEN_KEY_RSA ||
	    trustlist_modulus_code(s->key.bits) < 0) {
		r = ts_error(TS_ERR_INVALID, "the CallManager key is not RSA "
		    "1024/2048/4096: phones verify only those");
		goto out;
	}
	snprintf(s->serial_hex, sizeof(s->serial_hex), "%s", row.serial);
out:
	X509_free(x);
	cert_row_free(&row);
	if (r != 0)
		signer_free(s);
	return r;
}

/* Header (version 1.0, or 2.0 with the encryption elements) + payload,
 * signed in the token (this thread's session). */
static int
sgn_make_v(struct app *a, const struct signer *s,
    const struct token_key *key, uint8_t major,
    const uint8_t *extra, size_t extra_len, const char *name,
    const uint8_t *data, size_t len, uint8_t **out, size_t *outlen)
{
	struct trustlist_spec spec;
	uint8_t *unsig = NULL, *sig = NULL;
	size_t ulen, slen, sig_at;
	int r;

	memset(&spec, 0, sizeof(spec));
	spec.ver_major = major;
	spec.ver_minor = 0;
	spec.extra_header = extra;
	spec.extra_header_len = extra_len;
	spec.signer_name = s->subject;
	spec.signer_issuer = s->issuer;
	spec.signer_serial = s->serial;
	spec.signer_serial_len = s->serial_len;
	spec.hash_alg = s->hash;
	spec.sig_len = s->key.bits / 8;
	spec.filename = name;
	spec.timestamp = (uint32_t)time(NULL);
	spec.payload = data;
	spec.payload_len = len;
	if ((r = trustlist_encode(&spec, &unsig, &ulen, &sig_at)) == 0 &&
	    (r = token_sign(a->token, key, tl_hash_md(s->hash), unsig, ulen,
	    &sig, &slen)) == 0)
		r = trustlist_set_signature(unsig, ulen, sig_at, sig, slen, out,
		    outlen);
	free(unsig);
	free(sig);
	return r;
}

static int
sgn_make(struct app *a, const struct signer *s, const struct token_key *key,
    const char *name, const uint8_t *data, size_t len, uint8_t **out,
    size_t *outlen)
{
	return sgn_make_v(a, s, key, 1, NULL, 0, name, data, len, out, outlen);
}

/* Threads with a copy of the key of their own: more than the service's
 * workers or the command's --jobs ever start. */
#define SIGNER_COPIES 64

struct sgn_signer {
	struct signer s;
	struct token *token;
	int copy_keys;               /* [token] copy-keys */
	pthread_mutex_t lock;
	struct {
		pthread_t th;
		struct token_key k;  /* the copy, or the key until one is made */
		int tried;
	} copy[SIGNER_COPIES];
	unsigned ncopy;
};

/* The key for the calling thread: its first signature uses the token's
 * key itself, the following ones a session copy of its own ([token]
 * copy-keys), so that a thread that signs once never pays for a copy. */
static const struct token_key *
signer_key(struct sgn_signer *g)
{
	const struct token_key *k = &g->s.key;
	pthread_t self = pthread_self();
	unsigned i;

	if (!g->copy_keys)
		return k;
	pthread_mutex_lock(&g->lock);
	for (i = 0; i < g->ncopy; i++)
		if (pthread_equal(g->copy[i].th, self))
			break;
	if (i == g->ncopy && g->ncopy < SIGNER_COPIES) {
		g->copy[i].th = self;
		g->copy[i].k = g->s.key;
		g->copy[i].tried = 0;
		g->ncopy++;
	} else if (i < g->ncopy && !g->copy[i].tried) {
		token_key_copy(g->token, &g->s.key, &g->copy[i].k);
		g->copy[i].tried = 1;
	}
	if (i < g->ncopy)
		k = &g->copy[i].k;
	pthread_mutex_unlock(&g->lock);
	return k;
}

int
ops_signer_open(struct app *a, const char *node, struct sgn_signer **out)
{
	struct sgn_signer *g;
	int r;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if ((r = signer_load(a, node, &g->s)) != 0) {
		free(g);
		return r;
	}
	g->token = a->token;
	g->copy_keys = a->conf.copy_keys;
	pthread_mutex_init(&g->lock, NULL);
	*out = g;
	return 0;
}

int
ops_signer_sign(struct app *a, struct sgn_signer *g, const char *name,
    const uint8_t *data, size_t len, uint8_t **out, size_t *outlen)
{
	char sgn_name[512];

	*out = NULL;
	if (len > SGN_MAX_INPUT)
		return ts_error(TS_ERR_LIMIT, "%s is %zu bytes, over the %d-byte "
		    "limit", name, len, SGN_MAX_INPUT);
	snprintf(sgn_name, sizeof(sgn_name), "%s.sgn", name);
	return sgn_make(a, &g->s, signer_key(g), sgn_name, data, len, out,
	    outlen);
}

const char *
ops_signer_serial(const struct sgn_signer *g)
{
	return g->s.serial_hex;
}

void
ops_signer_free(struct sgn_signer *g)
{
	unsigned i;

	if (g == NULL)
		return;
	for (i = 0; i < g->ncopy; i++)
		token_key_drop(g->token, &g->copy[i].k);
	pthread_mutex_destroy(&g->lock);
	signer_free(&g->s);
	free(g);
}

int
ops_sign_bytes(struct app *a, const char *node, const char *name,
    const uint8_t *data, size_t len, uint8_t **out, size_t *outlen)
{
	struct sgn_signer *g = NULL;
	int r;

	*out = NULL;
	if ((r = ops_signer_open(a, node, &g)) == 0 &&
	    (r = ops_signer_sign(a, g, name, data, len, out, outlen)) == 0)
		r = app_audit(a, "config.sign", 0, "name=%s bytes=%zu signer=%s",
		    name, len, g->s.serial_hex);
	else
		app_audit(a, "config.sign", r, "name=%s bytes=%zu", name, len);
	ops_signer_free(g);
	if (r != 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/* Files handed to the writer thread at a time; files written between
 * two background syncs. */
#define WRITER_BATCH 16
#define SYNC_EVERY 256

/* One job: a file to sign. */
struct job {
	char *path;      /* input */
	char *output;    /* the .sgn */
	char sha256[65];
	int done;        /* 1 signed, 2 skipped, -1 failed */
};

struct known {
	char *path, *sha256, *signer, *output;
};

struct pool {
	struct app *a;
	struct sgn_signer *g;
	const struct sign_opts *o;
	struct job *jobs;
	size_t n, next, finished;
	const struct known *known;
	size_t nknown;
	pthread_mutex_t lock;
	char first_error[1024];
	size_t failed;
	/* signed files waiting for the one writer thread: the file system
	 * work of one directory does not scale across threads, signing does */
	struct {
		struct job *j;
		uint8_t *buf;
		size_t len;
	} q[4 * WRITER_BATCH];
	size_t qhead, qlen;
	unsigned signers_left;
	int direct;   /* no writer thread: signers write themselves */
	pthread_cond_t can_put, can_take;
	/* a syncer starts the file system's writeback now and then, so that
	 * the one syncfs that makes the batch durable has little left; that
	 * last one (sync_stop) it makes while the rows are being recorded.
	 * final_rc is the first error of any of them. */
	size_t written, synced_at;
	const char *sync_path;
	int sync_stop, final_rc;
	struct ts_saved_error final_err;
	pthread_cond_t can_sync;
};

static int
known_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct known *)e)->path);
}

/* Unchanged since its last signature by the same key, and still there. */
static int
unchanged(const struct pool *p, const struct job *j)
{
	const struct known *k;

	if (p->o->all || p->known == NULL)
		return 0;
	k = bsearch(j->path, p->known, p->nknown, sizeof(*k), known_cmp);
	return k != NULL && strcmp(k->sha256, j->sha256) == 0 &&
	    strcmp(k->signer, p->g->s.serial_hex) == 0 &&
	    strcmp(k->output, j->output) == 0 && access(j->output, F_OK) == 0;
}

/* Read, hash and sign one file: *sgn is the .sgn to write, NULL when the
 * file is unchanged and skipped. */
static int
sign_one(struct pool *p, struct job *j, uint8_t **sgn, size_t *slen)
{
	char name[512], *copy;
	uint8_t d[32];
	unsigned dl;
	uint8_t *data = NULL;
	size_t len;
	int r;

	*sgn = NULL;
	if ((r = file_read_noatime(j->path, SGN_MAX_INPUT, &data, &len)) != 0)
		return r;
	EVP_Digest(data, len, d, &dl, EVP_sha256(), NULL);
	hex_lower(d, dl, j->sha256);
	if (unchanged(p, j)) {
		free(data);
		j->done = 2;
		return 0;
	}
	if (p->o->filename != NULL) {
		snprintf(name, sizeof(name), "%s", p->o->filename);
	} else {
		if ((copy = strdup(j->path)) == NULL) {
			free(data);
			return ts_error(TS_ERR_NOMEM, "out of memory");
		}
		snprintf(name, sizeof(name), "%s.sgn", basename(copy));
		free(copy);
	}
	r = sgn_make(p->a, &p->g->s, signer_key(p->g), name, data, len, sgn,
	    slen);
	free(data);
	return r;
}

/* Renamed into place unsynced: the batch is made durable with one syncfs
 * before it is recorded. */
static int
write_one(struct job *j, const uint8_t *sgn, size_t slen)
{
	int r;

	if ((r = ops_fault("sign_write")) == 0 &&
	    (r = file_replace_nosync(j->output, sgn, slen, 0644)) == 0)
		j->done = 1;
	return r;
}

/* Count a finished job (lock held). */
static void
finished(struct pool *p, struct job *j, int r)
{
	if (r != 0) {
		j->done = -1;
		if (p->failed++ == 0)
			snprintf(p->first_error, sizeof(p->first_error),
			    "%s: %s", j->path, ts_error_detail(r));
	}
	p->finished++;
	if (p->o->progress != NULL)
		p->o->progress(p->finished, p->n, p->o->progress_arg);
}

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct job *j;
	uint8_t *sgn;
	size_t i, slen;
	int r;

	for (;;) {
		/* no lock to take the next job: signers never wait here */
		i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		if (i >= p->n)
			break;
		j = &p->jobs[i];
		r = sign_one(p, j, &sgn, &slen);
		if (r == 0 && sgn != NULL && p->direct)
			r = write_one(j, sgn, slen);
		if (r == 0 && sgn != NULL && !p->direct) {
			pthread_mutex_lock(&p->lock);
			while (p->qlen == sizeof(p->q) / sizeof(p->q[0]))
				pthread_cond_wait(&p->can_put, &p->lock);
			i = (p->qhead + p->qlen++) % (sizeof(p->q) /
			    sizeof(p->q[0]));
			p->q[i].j = j;
			p->q[i].buf = sgn;
			p->q[i].len = slen;
			/* wake the writer for a batch, not for every file:
			 * each wake-up is a context switch taken from signing */
			if (p->qlen == WRITER_BATCH)
				pthread_cond_signal(&p->can_take);
			pthread_mutex_unlock(&p->lock);
			continue;
		}
		free(sgn);
		pthread_mutex_lock(&p->lock);
		finished(p, j, r);
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_lock(&p->lock);
	p->signers_left--;
	pthread_cond_signal(&p->can_take);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void *
writer(void *arg)
{
	struct pool *p = arg;
	struct job *j;
	uint8_t *buf;
	size_t len;
	int r;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->qlen == 0 && p->signers_left > 0)
			pthread_cond_wait(&p->can_take, &p->lock);
		/* a signer that found the queue full waits for room */
		if (p->qlen == sizeof(p->q) / sizeof(p->q[0]))
			pthread_cond_broadcast(&p->can_put);
		if (p->qlen == 0) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		j = p->q[p->qhead].j;
		buf = p->q[p->qhead].buf;
		len = p->q[p->qhead].len;
		p->qhead = (p->qhead + 1) % (sizeof(p->q) / sizeof(p->q[0]));
		p->qlen--;
		pthread_mutex_unlock(&p->lock);
		r = write_one(j, buf, len);
		free(buf);
		pthread_mutex_lock(&p->lock);
		finished(p, j, r);
		if (r == 0 && ++p->written - p->synced_at >= SYNC_EVERY) {
			p->synced_at = p->written;
			p->sync_path = j->output;
			pthread_cond_signal(&p->can_sync);
		}
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* Waits in the kernel, off the signers' CPU time. The last sync is made
 * when sync_stop is set; the first error of any is kept for the caller:
 * the kernel reports a write-back error once, to the first syncfs after
 * it, so a later one that succeeds does not make up for it. */
static void *
syncer(void *arg)
{
	struct pool *p = arg;
	const char *path;
	int last, r;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->sync_path == NULL && !p->sync_stop)
			pthread_cond_wait(&p->can_sync, &p->lock);
		if (p->sync_path == NULL)
			break;
		path = p->sync_path;
		last = p->sync_stop;
		p->sync_path = NULL;
		pthread_mutex_unlock(&p->lock);
		r = file_sync_fs(path);
		pthread_mutex_lock(&p->lock);
		if (r != 0 && p->final_rc == 0) {
			p->final_rc = r;
			ts_error_save(&p->final_err);
		}
		ts_error_clear();
		if (last)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct known_set {
	struct known *v;
	size_t n, cap;
};

static int
collect_known(const char *path, const char *sha256, const char *signer,
    const char *output, void *arg)
{
	struct known_set *ks = arg;
	struct known *grown;

	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 256;
		if ((grown = realloc(ks->v, ks->cap * sizeof(*grown))) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		ks->v = grown;
	}
	ks->v[ks->n].path = strdup(path);
	ks->v[ks->n].sha256 = strdup(sha256);
	ks->v[ks->n].signer = strdup(signer);
	ks->v[ks->n].output = strdup(output);
	ks->n++;
	return 0;
}

static void
known_free(struct known_set *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		free(ks->v[i].path);
		free(ks->v[i].sha256);
		free(ks->v[i].signer);
		free(ks->v[i].output);
	}
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

static unsigned
cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* The rows of what was signed and the audit record, in a transaction
 * left open for the caller (*begun), to commit once the files are on the
 * disk. */
static int
record(struct app *a, const struct sgn_signer *g, const struct job *jobs,
    size_t n, size_t failed, struct sign_result *res, int *begun)
{
	const char **paths, **sums, **outs;
	size_t k;
	int r;

	paths = calloc(n ? n : 1, sizeof(*paths));
	sums = calloc(n ? n : 1, sizeof(*sums));
	outs = calloc(n ? n : 1, sizeof(*outs));
	if (paths == NULL || sums == NULL || outs == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++) {
		if (jobs[k].done == 1) {
			paths[res->signed_count] = jobs[k].path;
			sums[res->signed_count] = jobs[k].sha256;
			outs[res->signed_count] = jobs[k].output;
			res->signed_count++;
			snprintf(res->last_path, sizeof(res->last_path), "%s",
			    jobs[k].output);
		} else if (jobs[k].done == 2) {
			res->skipped++;
		}
	}
	if ((r = inventory_begin(a->inv)) != 0)
		goto out;
	*begun = 1;
	if ((r = inventory_signed_put(a->inv, res->signed_count, paths, sums,
	    g->s.serial_hex, outs)) == 0)
		r = app_audit(a, "config.sign", 0, "files=%zu signed=%zu "
		    "skipped=%zu failed=%zu signer=%s", n, res->signed_count,
		    res->skipped, failed, g->s.serial_hex);
out:
	free(paths);
	free(sums);
	free(outs);
	return r;
}

/* Sign the jobs with a pool of workers and g's key, then record what was
 * signed in one transaction (audited). */
static int
run_jobs(struct app *a, struct sgn_signer *g, struct job *jobs, size_t n,
    const struct sign_opts *o, struct sign_result *res)
{
	struct known_set ks = { NULL, 0, 0 };
	struct pool p;
	pthread_t th[64], wth, sth;
	int have_syncer = 0, begun;
	const char *final_path = NULL;
	unsigned nth = o->jobs ? o->jobs : cores(), i, started = 0;
	size_t k;
	int r;

	if (nth > 64)
		nth = 64;
	if (nth > n)
		nth = n ? (unsigned)n : 1;
	res->total = n;
	/* what was signed before matters only when unchanged files are
	 * skipped */
	if (!o->all &&
	    (r = inventory_signed_list(a->inv, collect_known, &ks)) != 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.a = a;
	p.g = g;
	p.o = o;
	p.jobs = jobs;
	p.n = n;
	p.known = ks.v;
	p.nknown = ks.n;
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.can_put, NULL);
	pthread_cond_init(&p.can_take, NULL);
	pthread_cond_init(&p.can_sync, NULL);
	p.signers_left = nth;
	if (pthread_create(&wth, NULL, writer, &p) != 0)
		p.direct = 1;
	else if (pthread_create(&sth, NULL, syncer, &p) == 0)
		have_syncer = 1;
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, worker, &p) == 0)
			started++;
	/* those that never started do not count; when none did, this thread
	 * signs (and writes) itself */
	pthread_mutex_lock(&p.lock);
	p.signers_left -= nth - (started > 0 ? started : 1);
	if (started == 0)
		p.direct = 1;
	pthread_cond_signal(&p.can_take);
	pthread_mutex_unlock(&p.lock);
	if (started == 0)
		worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (!p.direct)
		pthread_join(wth, NULL);
	/* every file is written: one syncfs makes them durable, before the
	 * transaction that records them commits. The syncer makes it while
	 * this thread prepares that transaction. */
	for (k = 0; k < n && final_path == NULL; k++)
		if (jobs[k].done == 1)
			final_path = jobs[k].output;
	if (have_syncer) {
		pthread_mutex_lock(&p.lock);
		p.sync_path = final_path;
		p.sync_stop = 1;
		pthread_cond_signal(&p.can_sync);
		pthread_mutex_unlock(&p.lock);
	} else if (final_path != NULL &&
	    (p.final_rc = file_sync_fs(final_path)) != 0) {
		ts_error_save(&p.final_err);
	}
	begun = 0;
	r = record(a, g, jobs, n, p.failed, res, &begun);
	if (have_syncer)
		pthread_join(sth, NULL);
	pthread_cond_destroy(&p.can_sync);
	pthread_cond_destroy(&p.can_put);
	pthread_cond_destroy(&p.can_take);
	pthread_mutex_destroy(&p.lock);
	if (r == 0 && p.final_rc != 0) {
		ts_error_restore(&p.final_err);
		r = p.final_rc;
	}
	if (r == 0)
		r = inventory_commit(a->inv);
	else if (begun)
		inventory_rollback(a->inv);
	/* the files are written, but none is recorded as signed */
	if (r != 0)
		res->signed_count = 0;
	res->failed = p.failed;
	snprintf(res->first_error, sizeof(res->first_error), "%s",
	    p.first_error);
	if (r == 0 && p.failed > 0)
		r = ts_error(TS_ERR_IO, "%zu file%s could not be signed; the "
		    "first: %s", p.failed, p.failed == 1 ? "" : "s",
		    p.first_error);
out:
	known_free(&ks);
	return r;
}

static void
jobs_free(struct job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(jobs[i].path);
		free(jobs[i].output);
	}
	free(jobs);
}

/* The .sgn path of path: beside it, or in out_dir keeping rel. */
static char *
output_for(const char *path, const char *rel, const char *out_dir)
{
	char *o = NULL;

	if (out_dir == NULL)
		return asprintf(&o, "%s.sgn", path) < 0 ? NULL : o;
	return asprintf(&o, "%s/%s.sgn", out_dir, rel) < 0 ? NULL : o;
}

int
ops_sign_files(struct app *a, char *const *paths, size_t n,
    const struct sign_opts *o, struct sign_result *res)
{
	struct sgn_signer *g = NULL;
	struct job *jobs;
	char *copy;
	size_t i;
	int r = 0;

	memset(res, 0, sizeof(*res));
	if (o->filename != NULL && n != 1)
		return ts_error(TS_ERR_INVALID, "--filename names one file's "
		    "internal name: sign one file with it");
	if ((jobs = calloc(n ? n : 1, sizeof(*jobs))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	for (i = 0; i < n && r == 0; i++) {
		if ((copy = strdup(paths[i])) == NULL ||
		    (jobs[i].path = strdup(paths[i])) == NULL ||
		    (jobs[i].output = output_for(paths[i], basename(copy),
		    o->out_dir)) == NULL)
			r = ts_error(TS_ERR_NOMEM, "out of memory");
		free(copy);
	}
	if (r == 0 && (r = ops_signer_open(a, o->node, &g)) == 0)
		r = run_jobs(a, g, jobs, n, o, res);
	ops_signer_free(g);
	jobs_free(jobs, n);
	return r;
}

/* The files found under a directory, to be signed. */
struct walk {
	struct job *v;
	size_t n, cap;
	size_t rootlen;
	const char *out_dir;
};

/* Directories nested deeper than this are refused: one is open per
 * level. */
#define WALK_DEPTH_MAX 64

static int
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static int
walk_add(struct walk *w, const char *path)
{
	struct job *grown;

	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		if ((grown = realloc(w->v, w->cap * sizeof(*grown))) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		w->v = grown;
	}
	memset(&w->v[w->n], 0, sizeof(w->v[0]));
	if ((w->v[w->n].path = strdup(path)) == NULL ||
	    (w->v[w->n].output = output_for(path, path + w->rootlen + 1,
	    w->out_dir)) == NULL) {
		free(w->v[w->n].path);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	w->n++;
	return 0;
}

/*
 * Every file under dir, not following symbolic links, without a stat
 * for each (the directory entry's type says; a file system that does
 * not tell gets an lstat). Hidden files and directories, .sgn, .tlv and
 * temporary files hold no configuration files.
 */
static int
walk_dir(struct walk *w, const char *dir, unsigned depth)
{
	struct dirent *de;
	struct stat st;
	char *path;
	DIR *d;
	int r = 0, type;

	if (depth > WALK_DEPTH_MAX)
		return ts_error(TS_ERR_LIMIT, "%s: directories nested over %d "
		    "deep", dir, WALK_DEPTH_MAX);
	if ((d = opendir(dir)) == NULL)
		return ts_error(TS_ERR_IO, "cannot read the directory %s: %s",
		    dir, strerror(errno));
	while (r == 0) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				r = ts_error(TS_ERR_IO, "cannot read the "
				    "directory %s: %s", dir, strerror(errno));
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = ts_error(TS_ERR_NOMEM, "out of memory");
			break;
		}
		type = de->d_type;
		if (type == DT_UNKNOWN && lstat(path, &st) != 0)
			r = ts_error(TS_ERR_IO, "cannot read %s: %s", path,
			    strerror(errno));
		else if (type == DT_UNKNOWN)
			type = S_ISDIR(st.st_mode) ? DT_DIR :
			    S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
		if (r != 0)
			;
		else if (type == DT_DIR)
			r = walk_dir(w, path, depth + 1);
		else if (type != DT_LNK && !ends_with(de->d_name, ".sgn") &&
		    strstr(de->d_name, ".tmp.") == NULL &&
		    !ends_with(de->d_name, ".tlv"))
			r = walk_add(w, path);
		free(path);
	}
	closedir(d);
	return r;
}

/* The walk on a thread of its own, beside the opening of the signer. */
struct walker {
	struct walk w;
	char *root;
	int r;
	struct ts_saved_error err;
};

static void *
walker_run(void *arg)
{
	struct walker *wk = arg;

	if ((wk->r = walk_dir(&wk->w, wk->root, 0)) != 0)
		ts_error_save(&wk->err);
	return NULL;
}

int
ops_sign_dir(struct app *a, const char *dir, const struct sign_opts *o,
    struct sign_result *res)
{
	struct sgn_signer *g = NULL;
	struct walker wk;
	pthread_t th;
	size_t i, len;
	int r, threaded;

	memset(res, 0, sizeof(*res));
	if (o->filename != NULL)
		return ts_error(TS_ERR_INVALID, "--filename names one file's "
		    "internal name, not a directory's");
	memset(&wk, 0, sizeof(wk));
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	wk.w.rootlen = len;
	wk.w.out_dir = o->out_dir;
	if ((wk.root = strndup(dir, len)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	/* the directory is read while the key is found in the token */
	threaded = pthread_create(&th, NULL, walker_run, &wk) == 0;
	if (!threaded)
		walker_run(&wk);
	r = ops_signer_open(a, o->node, &g);
	if (threaded)
		pthread_join(th, NULL);
	free(wk.root);
	/* the directory's error first: it is the one on the command line */
	if (wk.r != 0) {
		ts_error_restore(&wk.err);
		r = wk.r;
	}
	/* output directories mirror the input tree */
	for (i = 0; r == 0 && o->out_dir != NULL && i < wk.w.n; i++) {
		char *d = strdup(wk.w.v[i].output);

		if (d == NULL)
			r = ts_error(TS_ERR_NOMEM, "out of memory");
		else
			r = dir_create(dirname(d), 0755);
		free(d);
	}
	if (r == 0)
		r = run_jobs(a, g, wk.w.v, wk.w.n, o, res);
	ops_signer_free(g);
	jobs_free(wk.w.v, wk.w.n);
	return r;
}

int
ops_sign_default_config(struct app *a)
{
	struct sign_opts o;
	struct sign_result res;
	char path[4096], *paths[1];

	snprintf(path, sizeof(path), "%s/XMLDefault.cnf.xml", a->conf.tftp_dir);
	if (access(path, F_OK) != 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.jobs = 1;
	o.all = 1;
	paths[0] = path;
	return ops_sign_files(a, paths, 1, &o, &res);
}

int
ops_encrypt_config(struct app *a, const char *path, X509 *phone_cert,
    const struct sign_opts *o, char *encpath, size_t esize, char *stubpath,
    size_t ssize)
{
	struct signer s;
	struct encsgn_info info;
	uint8_t *plain = NULL, *keybuf = NULL, *cipher = NULL, *extra = NULL;
	uint8_t *enc = NULL, *stub = NULL;
	size_t plen, clen, elen, extra_len, stublen;
	char *copy = NULL, *base, *xml = NULL, name[512], stubname[512];
	const char *dir;
	int r;

	if ((r = signer_load(a, o->node, &s)) != 0)
		return r;
	if ((copy = strdup(path)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	base = basename(copy);
	snprintf(name, sizeof(name), "%s.enc.sgn", base);
	snprintf(stubname, sizeof(stubname), "%s.sgn", base);
	if (o->out_dir != NULL) {
		dir = o->out_dir;
	} else {
		char *c2 = strdup(path);

		if (c2 == NULL) {
			r = ts_error(TS_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(encpath, esize, "%s", dirname(c2));
		free(c2);
		dir = encpath;
	}
	snprintf(stubpath, ssize, "%s/%s", dir, stubname);
	snprintf(encpath, esize, "%s/%s", dir, name);
	if ((r = file_read(path, SGN_MAX_INPUT, &plain, &plen)) != 0 ||
	    (r = confenc_encrypt(plain, plen, phone_cert, s.hash, &info,
	    &keybuf, &cipher, &clen)) != 0 ||
	    (r = encsgn_encode_info(&info, &extra, &extra_len)) != 0 ||
	    (r = sgn_make_v(a, &s, &s.key, 2, extra, extra_len, name, cipher,
	    clen, &enc, &elen)) != 0 ||
	    (r = confenc_stub(phone_cert, &xml)) != 0 ||
	    (r = sgn_make(a, &s, &s.key, stubname, (const uint8_t *)xml,
	    strlen(xml), &stub, &stublen)) != 0)
		goto out;
	/* the encrypted file first: the stub tells phones to fetch it */
	if ((r = file_write_atomic(encpath, enc, elen, 0644)) != 0 ||
	    (r = file_write_atomic(stubpath, stub, stublen, 0644)) != 0)
		goto out;
	r = app_audit(a, "config.encrypt", 0, "file=%s signer=%s", name,
	    s.serial_hex);
out:
	if (r != 0)
		app_audit(a, "config.encrypt", r, "file=%s", path);
	if (plain != NULL)
		OPENSSL_cleanse(plain, plen);
	free(plain);
	free(keybuf);
	free(cipher);
	free(extra);
	free(enc);
	free(stub);
	free(xml);
	free(copy);
	signer_free(&s);
	return r;
}

int
ops_decrypt_config(const uint8_t *data, size_t len, EVP_PKEY *phone_key,
    uint8_t **plain, size_t *plen)
{
	struct trustlist tl;
	struct encsgn_info info;
	int r;

	*plain = NULL;
	if ((r = trustlist_parse(data, len, &tl)) != 0)
		return r;
	if (tl.hdr.ver_major != 2)
		r = ts_error(TS_ERR_FORMAT, "not an encrypted configuration file "
		    "(its header is version %u.%u, not 2.0)", tl.hdr.ver_major,
		    tl.hdr.ver_minor);
	else if ((r = encsgn_parse_info(&tl, &info)) == 0)
		r = confenc_decrypt(&info, data + tl.hdr.header_length,
		    len - tl.hdr.header_length, phone_key, plain, plen);
	trustlist_free(&tl);
	return r;
}
