/* tvstrust.c - the tvs_trust table (inventory schema 7). */
#include "store/tvstrust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/dbint.h"
#include "util/error.h"


static int
dberr(struct inventory *inv, const char *what)
{
	return ts_error(TS_ERR_STATE, "inventory %s: %s", what,
	    sqlite3_errmsg(inventory_db(inv)));
}

static int
prepare(struct inventory *inv, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(inventory_db(inv), sql, -1, st, NULL) !=
	    SQLITE_OK)
		return dberr(inv, "TVS trust store query");
	return 0;
}

int
tvs_trust_add(struct inventory *inv, const struct tvs_trust_row *t)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "INSERT INTO tvs_trust(cluster, host, purpose, "
	    "roles, subject, issuer, serial, sha256, der, imported) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, t->cluster, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->roles, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, t->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, t->serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, t->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, t->der, (int)t->der_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)t->imported);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT)
		r = ts_error(TS_ERR_EXISTS, "certificate %s is already in the "
		    "TVS trust store", t->sha256);
	else if (rc != SQLITE_DONE)
		r = dberr(inv, "TVS trust store insert");
	sqlite3_finalize(st);
	return r;
}

static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(dst, size, "%s", v ? (const char *)v : "");
}

static int
row_read(sqlite3_stmt *st, struct tvs_trust_row *t)
{
	const void *der;
	const unsigned char *s, *i;

	memset(t, 0, sizeof(*t));
	t->id = (long)sqlite3_column_int64(st, 0);
	col_text(st, 1, t->cluster, sizeof(t->cluster));
	col_text(st, 2, t->host, sizeof(t->host));
	col_text(st, 3, t->purpose, sizeof(t->purpose));
	col_text(st, 4, t->roles, sizeof(t->roles));
	s = sqlite3_column_text(st, 5);
	i = sqlite3_column_text(st, 6);
	t->subject = strdup(s ? (const char *)s : "");
	t->issuer = strdup(i ? (const char *)i : "");
	col_text(st, 7, t->serial, sizeof(t->serial));
	col_text(st, 8, t->sha256, sizeof(t->sha256));
	t->der_len = (size_t)sqlite3_column_bytes(st, 9);
	der = sqlite3_column_blob(st, 9);
	if ((t->der = malloc(t->der_len ? t->der_len : 1)) != NULL && der)
		memcpy(t->der, der, t->der_len);
	t->imported = (time_t)sqlite3_column_int64(st, 10);
	if (t->subject == NULL || t->issuer == NULL || t->der == NULL) {
		tvs_trust_row_free(t);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	return 0;
}

int
tvs_trust_list(struct inventory *inv,
    int (*cb)(const struct tvs_trust_row *, void *), void *arg)
{
	struct tvs_trust_row t;
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "SELECT id, cluster, host, purpose, roles, "
	    "subject, issuer, serial, sha256, der, imported FROM tvs_trust "
	    "ORDER BY cluster, host, purpose, id", &st)) != 0)
		return r;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = row_read(st, &t)) != 0)
			break;
		r = cb(&t, arg);
		tvs_trust_row_free(&t);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(inv, "TVS trust store");
	sqlite3_finalize(st);
	return r;
}

int
tvs_trust_has(struct inventory *inv, const char *sha256, int *found)
{
	sqlite3_stmt *st;
	int r, rc;

	*found = 0;
	if ((r = prepare(inv, "SELECT 1 FROM tvs_trust WHERE sha256 = ?",
	    &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*found = 1;
	else if (rc != SQLITE_DONE)
		r = dberr(inv, "TVS trust store");
	sqlite3_finalize(st);
	return r;
}

int
tvs_trust_remove(struct inventory *inv, const char *cluster,
    const char *sha256, int *removed)
{
	sqlite3_stmt *st;
	int r;

	*removed = 0;
	if ((r = prepare(inv, cluster != NULL ?
	    "DELETE FROM tvs_trust WHERE cluster = ?" :
	    "DELETE FROM tvs_trust WHERE sha256 = ?", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, cluster != NULL ? cluster : sha256, -1,
	    SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = dberr(inv, "TVS trust store delete");
	else
		*removed = sqlite3_changes(inventory_db(inv));
	sqlite3_finalize(st);
	return r;
}

void
tvs_trust_row_free(struct tvs_trust_row *t)
{
	free(t->subject);
	free(t->issuer);
	free(t->der);
	t->subject = t->issuer = NULL;
	t->der = NULL;
}
