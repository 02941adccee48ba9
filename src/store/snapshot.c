/* snapshot.c - inventory images for backups and restores. */
#include "store/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "util/error.h"

sqlite3 *inventory_db(struct inventory *inv);

static int
dberr(sqlite3 *db, const char *what)
{
	return ts_error(TS_ERR_STATE, "inventory %s: %s", what,
	    sqlite3_errmsg(db));
}

int
snapshot_take(struct inventory *inv, uint8_t **image, size_t *len)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_int64 n = 0;

	*image = sqlite3_serialize(db, "main", &n, 0);
	if (*image == NULL || n <= 0)
		return dberr(db, "snapshot");
	*len = (size_t)n;
	return 0;
}

void
snapshot_free(uint8_t *image)
{
	sqlite3_free(image);
}

/* Tables in the order their rows can be deleted (children first); they
 * are filled in the reverse order. pending_files is the live journal of
 * this machine and is never copied. */
static const struct {
	const char *name;
	int history;    /* kept when this inventory has rows */
} tables[] = {
	{ "chains", 0 },
	{ "certificates", 0 },
	{ "csrs", 0 },
	{ "published", 1 },
	{ "nodes", 0 },
	{ "meta", 0 },
	{ "params", 0 },
	{ "signed_files", 0 },
	{ "tvs_trust", 0 },
	{ "backups", 0 },
	{ "audit_checkpoints", 1 },
	{ "audit", 1 },
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

static int
count_rows(sqlite3 *db, const char *table, long *n)
{
	sqlite3_stmt *st;
	char sql[128];
	int r = 0;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dberr(db, table);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	else
		r = dberr(db, table);
	sqlite3_finalize(st);
	return r;
}

/* Copy every row of table from src to dst, column for column. */
static int
copy_rows(sqlite3 *src, sqlite3 *dst, const char *table)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	char sql[1024];
	int ncol, i, rc, r = 0, off;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
	if (sqlite3_prepare_v2(src, sql, -1, &sel, NULL) != SQLITE_OK)
		return dberr(src, table);
	ncol = sqlite3_column_count(sel);
	off = snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (", table);
	for (i = 0; i < ncol && off < (int)sizeof(sql) - 4; i++)
		off += snprintf(sql + off, sizeof(sql) - (size_t)off, "%s?",
		    i ? "," : "");
	snprintf(sql + off, sizeof(sql) - (size_t)off, ")");
	if (sqlite3_prepare_v2(dst, sql, -1, &ins, NULL) != SQLITE_OK) {
		r = dberr(dst, table);
		goto out;
	}
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++)
			sqlite3_bind_value(ins, i + 1,
			    sqlite3_column_value(sel, i));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			r = dberr(dst, table);
			goto out;
		}
		sqlite3_reset(ins);
	}
	if (rc != SQLITE_DONE)
		r = dberr(src, table);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return r;
}

int
snapshot_restore(struct inventory *inv, struct inventory *image)
{
	sqlite3 *dst = inventory_db(inv), *src = inventory_db(image);
	int keep[NTABLES];
	char sql[128];
	size_t i;
	long n = 0;
	int r;

	if (inventory_schema_version(inv) != inventory_schema_version(image))
		return ts_error(TS_ERR_STATE, "the inventory image has schema "
		    "%d, this one %d", inventory_schema_version(image),
		    inventory_schema_version(inv));
	if (sqlite3_exec(dst, "PRAGMA defer_foreign_keys = ON", NULL, NULL,
	    NULL) != SQLITE_OK)
		return dberr(dst, "restore");
	for (i = 0; i < NTABLES; i++) {
		keep[i] = 0;
		if (tables[i].history) {
			if ((r = count_rows(dst, tables[i].name, &n)) != 0)
				return r;
			keep[i] = n > 0;
		}
		if (keep[i])
			continue;
		snprintf(sql, sizeof(sql), "DELETE FROM %s", tables[i].name);
		if (sqlite3_exec(dst, sql, NULL, NULL, NULL) != SQLITE_OK)
			return dberr(dst, tables[i].name);
	}
	for (i = NTABLES; i-- > 0;)
		if (!keep[i] && (r = copy_rows(src, dst, tables[i].name)) != 0)
			return r;
	return 0;
}

int
snapshot_keys(struct inventory *inv,
    int (*cb)(const struct snapshot_key *, void *), void *arg)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_stmt *st;
	struct snapshot_key k;
	int r = 0, rc;

	if (sqlite3_prepare_v2(db, "SELECT c.key_id, c.key_label, c.state, "
	    "c.purpose, n.host, c.der, c.state <> 'active', c.id FROM "
	    "certificates c JOIN nodes n ON n.id = c.node_id WHERE "
	    "c.key_destroyed = 0 UNION ALL SELECT s.key_id, s.key_label, "
	    "'csr', s.purpose, n.host, NULL, 2, s.id FROM csrs s JOIN nodes n "
	    "ON n.id = s.node_id ORDER BY 7, 8", -1, &st, NULL) != SQLITE_OK)
		return dberr(db, "keys");
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		k.key_id = (const char *)sqlite3_column_text(st, 0);
		k.label = (const char *)sqlite3_column_text(st, 1);
		k.state = (const char *)sqlite3_column_text(st, 2);
		k.purpose = (const char *)sqlite3_column_text(st, 3);
		k.host = (const char *)sqlite3_column_text(st, 4);
		k.der = sqlite3_column_blob(st, 5);
		k.der_len = (size_t)sqlite3_column_bytes(st, 5);
		if (k.der_len == 0)
			k.der = NULL;
		r = cb(&k, arg);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(db, "keys");
	sqlite3_finalize(st);
	return r;
}

int
inventory_backup_add(struct inventory *inv, const struct backup_row *b)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(db, "INSERT INTO backups(name, path, created, "
	    "size, keys, sha256) VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return dberr(db, "backup");
	sqlite3_bind_text(st, 1, b->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)b->created);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)b->size);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)b->keys);
	sqlite3_bind_text(st, 6, b->sha256, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = dberr(db, "backup");
	sqlite3_finalize(st);
	return r;
}

int
inventory_backup_list(struct inventory *inv,
    int (*cb)(const struct backup_row *, void *), void *arg)
{
	sqlite3 *db = inventory_db(inv);
	sqlite3_stmt *st;
	struct backup_row b;
	int r = 0, rc;

	if (sqlite3_prepare_v2(db, "SELECT id, name, path, created, size, "
	    "keys, sha256 FROM backups ORDER BY id", -1, &st, NULL) !=
	    SQLITE_OK)
		return dberr(db, "backups");
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&b, 0, sizeof(b));
		b.id = (long)sqlite3_column_int64(st, 0);
		snprintf(b.name, sizeof(b.name), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		snprintf(b.path, sizeof(b.path), "%s",
		    (const char *)sqlite3_column_text(st, 2));
		b.created = (time_t)sqlite3_column_int64(st, 3);
		b.size = (size_t)sqlite3_column_int64(st, 4);
		b.keys = (unsigned)sqlite3_column_int(st, 5);
		snprintf(b.sha256, sizeof(b.sha256), "%s",
		    (const char *)sqlite3_column_text(st, 6));
		r = cb(&b, arg);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(db, "backups");
	sqlite3_finalize(st);
	return r;
}
