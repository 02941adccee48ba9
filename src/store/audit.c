/* audit.c - hash-chained audit log. */
#include "store/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "store/dbint.h"
#include "util/error.h"

static const char zero_hash[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void
sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[32];
	unsigned n = 0, i;

	EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

/* The hash of an entry: every field, length-prefixed so that no two
 * entries serialise alike. */
static void
entry_hash(const struct audit_entry *e, char out[65])
{
	char buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf), "%ld|%lld|%zu:%s|%zu:%s|%s|%zu:%s|%s",
	    e->seq, (long long)e->time, strlen(e->actor), e->actor,
	    strlen(e->operation), e->operation, e->args_digest,
	    strlen(e->result), e->result, e->prev);
	sha256_hex(buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n :
	    sizeof(buf) - 1, out);
}

static void
col(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(dst, size, "%s", v ? (const char *)v : "");
}

static void
entry_from_row(sqlite3_stmt *st, struct audit_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = (long)sqlite3_column_int64(st, 0);
	e->time = (time_t)sqlite3_column_int64(st, 1);
	col(st, 2, e->actor, sizeof(e->actor));
	col(st, 3, e->operation, sizeof(e->operation));
	col(st, 4, e->args_digest, sizeof(e->args_digest));
	col(st, 5, e->args, sizeof(e->args));
	col(st, 6, e->result, sizeof(e->result));
	col(st, 7, e->prev, sizeof(e->prev));
	col(st, 8, e->hash, sizeof(e->hash));
}

#define AUDIT_COLS "seq, time, actor, operation, args_digest, args, result, " \
	"prev, hash"

int
audit_append_many(struct inventory *inv, const struct audit_new *v, size_t n)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_stmt *st = NULL;
	struct audit_entry e;
	char prev[65];
	long seq = 1;
	size_t i;
	int r = 0, own = sqlite3_get_autocommit(db);

	if (own && (r = inventory_begin(inv)) != 0)
		return r;
	snprintf(prev, sizeof(prev), "%s", zero_hash);
	/* kept prepared: a service appends for every request */
	if ((r = inventory_stmt(inv, "SELECT seq, hash FROM audit ORDER BY "
	    "seq DESC LIMIT 1", &st)) != 0)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW) {
		seq = (long)sqlite3_column_int64(st, 0) + 1;
		col(st, 1, prev, sizeof(prev));
	}
	inventory_stmt_done(inv, st);
	if ((r = inventory_stmt(inv, "INSERT INTO audit(" AUDIT_COLS ") "
	    "VALUES (?,?,?,?,?,?,?,?,?)", &st)) != 0)
		goto fail;
	for (i = 0; i < n; i++, seq++) {
		memset(&e, 0, sizeof(e));
		e.seq = seq;
		e.time = time(NULL);
		snprintf(e.actor, sizeof(e.actor), "%s", v[i].actor);
		snprintf(e.operation, sizeof(e.operation), "%s", v[i].operation);
		snprintf(e.args, sizeof(e.args), "%s", v[i].args);
		snprintf(e.result, sizeof(e.result), "%s", v[i].result);
		snprintf(e.prev, sizeof(e.prev), "%s", prev);
		sha256_hex(e.args, strlen(e.args), e.args_digest);
		entry_hash(&e, e.hash);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, e.seq);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)e.time);
		sqlite3_bind_text(st, 3, e.actor, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, e.operation, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, e.args_digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, e.args, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, e.result, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, e.prev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, e.hash, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto dberr;
		memcpy(prev, e.hash, sizeof(prev));
	}
	inventory_stmt_done(inv, st);
	if (own)
		return inventory_commit(inv);
	return 0;
dberr:
	r = ts_error(TS_ERR_STATE, "cannot write the audit log: %s",
	    sqlite3_errmsg(db));
fail:
	inventory_stmt_done(inv, st);
	if (own)
		inventory_rollback(inv);
	return r;
}

int
audit_append(struct inventory *inv, const char *actor, const char *operation,
    const char *args, const char *result)
{
	struct audit_new one = { actor, operation, args, result };

	return audit_append_many(inv, &one, 1);
}

int
audit_list(struct inventory *inv, time_t since,
    int (*cb)(const struct audit_entry *, void *), void *arg)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_stmt *st;
	struct audit_entry e;
	int r = 0, rc;

	if (sqlite3_prepare_v2(db, "SELECT " AUDIT_COLS " FROM audit WHERE "
	    "time >= ? ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return ts_error(TS_ERR_STATE, "audit log: %s",
		    sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		entry_from_row(st, &e);
		r = cb(&e, arg);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ts_error(TS_ERR_STATE, "audit log: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r;
}

int
audit_verify(struct inventory *inv, long *count)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_stmt *st;
	struct audit_entry e;
	char prev[65], h[65], d[65];
	long expect = 1;
	int r = 0, rc;

	*count = 0;
	snprintf(prev, sizeof(prev), "%s", zero_hash);
	/* in storage order, not by seq: a reordered entry must show */
	if (sqlite3_prepare_v2(db, "SELECT " AUDIT_COLS " FROM audit ORDER BY "
	    "rowid", -1, &st, NULL) != SQLITE_OK)
		return ts_error(TS_ERR_STATE, "audit log: %s",
		    sqlite3_errmsg(db));
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		entry_from_row(st, &e);
		sha256_hex(e.args, strlen(e.args), d);
		entry_hash(&e, h);
		if (e.seq != expect)
			r = ts_error(TS_ERR_SIGNATURE, "audit entry %ld is where "
			    "entry %ld should be: an entry was removed, "
			    "inserted or reordered", e.seq, expect);
		else if (strcmp(e.prev, prev) != 0)
			r = ts_error(TS_ERR_SIGNATURE, "audit entry %ld does "
			    "not follow entry %ld: the chain is broken", e.seq,
			    expect - 1);
		else if (strcmp(d, e.args_digest) != 0 || strcmp(h, e.hash) != 0)
			r = ts_error(TS_ERR_SIGNATURE, "audit entry %ld was "
			    "altered after it was written", e.seq);
		snprintf(prev, sizeof(prev), "%s", e.hash);
		expect++;
		(*count)++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ts_error(TS_ERR_STATE, "audit log: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r;
}

static int
one_row(struct inventory *inv, const char *sql, long arg, int (*fn)(
    sqlite3_stmt *, void *), void *out)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_stmt *st;
	int r = 0, rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return ts_error(TS_ERR_STATE, "audit log: %s",
		    sqlite3_errmsg(db));
	if (arg >= 0)
		sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = fn(st, out);
	else if (rc == SQLITE_DONE)
		r = TS_ERR_NOTFOUND;
	else
		r = ts_error(TS_ERR_STATE, "audit log: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r;
}

struct seq_hash {
	long *seq;
	char *hash;
};

static int
get_seq_hash(sqlite3_stmt *st, void *arg)
{
	struct seq_hash *sh = arg;

	if (sh->seq != NULL)
		*sh->seq = (long)sqlite3_column_int64(st, 0);
	if (sh->hash != NULL)
		col(st, 1, sh->hash, 65);
	return 0;
}

int
audit_last(struct inventory *inv, long *seq, char hash[65])
{
	struct seq_hash sh = { seq, hash };
	int r;

	*seq = 0;
	hash[0] = '\0';
	r = one_row(inv, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT "
	    "1", -1, get_seq_hash, &sh);
	return r == TS_ERR_NOTFOUND ? 0 : r;
}

int
audit_last_checkpoint(struct inventory *inv, long *seq)
{
	struct seq_hash sh = { seq, NULL };
	int r;

	*seq = 0;
	r = one_row(inv, "SELECT seq, hash FROM audit_checkpoints ORDER BY seq "
	    "DESC LIMIT 1", -1, get_seq_hash, &sh);
	return r == TS_ERR_NOTFOUND ? 0 : r;
}

int
audit_hash_of(struct inventory *inv, long seq, char hash[65])
{
	struct seq_hash sh = { NULL, hash };

	return one_row(inv, "SELECT seq, hash FROM audit WHERE seq = ?", seq,
	    get_seq_hash, &sh);
}

void
audit_checkpoint_message(long seq, const char *hash, time_t t, char *buf,
    size_t size)
{
	snprintf(buf, size, "tlvsign audit checkpoint|%ld|%s|%lld", seq, hash,
	    (long long)t);
}

int
audit_checkpoint_add(struct inventory *inv, const struct audit_checkpoint *c)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(db, "INSERT INTO audit_checkpoints(seq, hash, "
	    "time, cert, signature) VALUES (?, ?, ?, ?, ?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return ts_error(TS_ERR_STATE, "audit log: %s",
		    sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, c->seq);
	sqlite3_bind_text(st, 2, c->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->time);
	sqlite3_bind_blob(st, 4, c->cert, (int)c->cert_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, c->signature, (int)c->signature_len,
	    SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = ts_error(TS_ERR_STATE, "cannot write an audit checkpoint: %s",
		    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r;
}

static uint8_t *
blob_dup(sqlite3_stmt *st, int i, size_t *len)
{
	const void *v = sqlite3_column_blob(st, i);
	uint8_t *p;

	*len = (size_t)sqlite3_column_bytes(st, i);
	if ((p = malloc(*len + 1)) != NULL && v != NULL)
		memcpy(p, v, *len);
	return p;
}

int
audit_checkpoint_list(struct inventory *inv,
    int (*cb)(const struct audit_checkpoint *, void *), void *arg)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_stmt *st;
	struct audit_checkpoint c;
	int r = 0, rc;

	if (sqlite3_prepare_v2(db, "SELECT seq, hash, time, cert, signature "
	    "FROM audit_checkpoints ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return ts_error(TS_ERR_STATE, "audit log: %s",
		    sqlite3_errmsg(db));
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		c.seq = (long)sqlite3_column_int64(st, 0);
		col(st, 1, c.hash, sizeof(c.hash));
		c.time = (time_t)sqlite3_column_int64(st, 2);
		c.cert = blob_dup(st, 3, &c.cert_len);
		c.signature = blob_dup(st, 4, &c.signature_len);
		if (c.cert == NULL || c.signature == NULL)
			r = ts_error(TS_ERR_NOMEM, "out of memory");
		else
			r = cb(&c, arg);
		free(c.cert);
		free(c.signature);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = ts_error(TS_ERR_STATE, "audit log: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r;
}
