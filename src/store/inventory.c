/* inventory.c - SQLite inventory with versioned migrations. */
#include "store/inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/dbint.h"
#include "util/error.h"

struct inventory {
	sqlite3 *db;
	char *path;
	char *wal;       /* the write-ahead log, NULL without one */
	struct {
		char *sql;          /* its own copy of the text */
		sqlite3_stmt *st;
	} cache[INVENTORY_STMT_CACHE];
};

/* Migration n brings the schema from version n to n + 1. Never edit a
 * released migration: add a new one. */
static const char *const migrations[] = {
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE nodes ("
	"  id INTEGER PRIMARY KEY,"
	"  host TEXT NOT NULL UNIQUE,"
	"  domain TEXT NOT NULL DEFAULT '',"
	"  ipv4 TEXT NOT NULL,"
	"  services INTEGER NOT NULL,"
	"  publisher INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX one_publisher ON nodes(publisher) "
	"  WHERE publisher = 1;"
	"CREATE TABLE certificates ("
	"  id INTEGER PRIMARY KEY,"
	"  node_id INTEGER NOT NULL REFERENCES nodes(id),"
	"  purpose TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('active','pending',"
	"    'retired')),"
	"  key_label TEXT NOT NULL,"
	"  key_id TEXT NOT NULL,"
	"  key_type TEXT NOT NULL,"
	"  key_bits INTEGER NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  issuer TEXT NOT NULL,"
	"  serial TEXT NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  sha1 TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  der BLOB NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX one_active ON certificates(node_id, purpose) "
	"  WHERE state = 'active';"
	"CREATE TABLE params ("
	"  name TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE published ("
	"  id INTEGER PRIMARY KEY,"
	"  node_id INTEGER REFERENCES nodes(id),"
	"  kind TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  md5 TEXT NOT NULL,"
	"  sha1 TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  signer TEXT NOT NULL,"
	"  published INTEGER NOT NULL);"
	"CREATE INDEX published_path ON published(path, id);",

	/* 2: CSRs, chains, retirement, the publication journal */
	"CREATE TABLE csrs ("
	"  id INTEGER PRIMARY KEY,"
	"  node_id INTEGER NOT NULL REFERENCES nodes(id),"
	"  purpose TEXT NOT NULL,"
	"  key_label TEXT NOT NULL,"
	"  key_id TEXT NOT NULL,"
	"  key_type TEXT NOT NULL,"
	"  key_bits INTEGER NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  der BLOB NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX one_csr ON csrs(node_id, purpose);"
	"CREATE TABLE chains ("
	"  cert_id INTEGER NOT NULL REFERENCES certificates(id),"
	"  position INTEGER NOT NULL,"
	"  der BLOB NOT NULL,"
	"  PRIMARY KEY (cert_id, position));"
	"ALTER TABLE certificates ADD COLUMN retired INTEGER;"
	"ALTER TABLE certificates ADD COLUMN key_destroyed INTEGER NOT NULL "
	"  DEFAULT 0;"
	"CREATE TABLE pending_files ("
	"  id INTEGER PRIMARY KEY,"
	"  path TEXT NOT NULL,"
	"  staged TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL);",

	/* 3: the bytes of published files (phones may hold older ones), and
	 * publications forced past the phone-trust check */
	"ALTER TABLE published ADD COLUMN data BLOB;"
	"ALTER TABLE published ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE published ADD COLUMN verdict TEXT;",

	/* 4: the hash-chained audit log */
	"CREATE TABLE audit ("
	"  seq INTEGER NOT NULL UNIQUE,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  operation TEXT NOT NULL,"
	"  args_digest TEXT NOT NULL,"
	"  args TEXT NOT NULL,"
	"  result TEXT NOT NULL,"
	"  prev TEXT NOT NULL,"
	"  hash TEXT NOT NULL);",

	/* 5: what each configuration file was last signed as */
	"CREATE TABLE signed_files ("
	"  path TEXT PRIMARY KEY,"
	"  sha256 TEXT NOT NULL,"
	"  signer TEXT NOT NULL,"
	"  output TEXT NOT NULL,"
	"  signed INTEGER NOT NULL);",

	/* 6: audit checkpoints signed in the token */
	"CREATE TABLE audit_checkpoints ("
	"  seq INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  cert BLOB NOT NULL,"
	"  signature BLOB NOT NULL);",

	/* 7: backups made, and certificates of other clusters that this
	 * cluster's TVS vouches for (bulk import) */
	"CREATE TABLE backups ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  keys INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL);"
	"CREATE TABLE tvs_trust ("
	"  id INTEGER PRIMARY KEY,"
	"  cluster TEXT NOT NULL,"
	"  host TEXT NOT NULL,"
	"  purpose TEXT NOT NULL,"
	"  roles TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  issuer TEXT NOT NULL,"
	"  serial TEXT NOT NULL,"
	"  sha256 TEXT NOT NULL UNIQUE,"
	"  der BLOB NOT NULL,"
	"  imported INTEGER NOT NULL);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static int
dberr(struct inventory *inv, const char *what)
{
	return ts_error(TS_ERR_STATE, "inventory %s: %s", what,
	    sqlite3_errmsg(inv->db));
}

int
inventory_stmt(struct inventory *inv, const char *sql, sqlite3_stmt **st)
{
	size_t i;

	*st = NULL;
	for (i = 0; i < INVENTORY_STMT_CACHE && inv->cache[i].sql != NULL; i++)
		if (strcmp(inv->cache[i].sql, sql) == 0) {
			*st = inv->cache[i].st;
			return 0;
		}
	/* no room (or no memory for the copy): for this use alone */
	if (i == INVENTORY_STMT_CACHE ||
	    (inv->cache[i].sql = strdup(sql)) == NULL)
		return sqlite3_prepare_v2(inv->db, sql, -1, st, NULL) ==
		    SQLITE_OK ? 0 : dberr(inv, "query");
	if (sqlite3_prepare_v3(inv->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &inv->cache[i].st, NULL) != SQLITE_OK) {
		free(inv->cache[i].sql);
		inv->cache[i].sql = NULL;
		return dberr(inv, "query");
	}
	*st = inv->cache[i].st;
	return 0;
}

void
inventory_stmt_done(struct inventory *inv, sqlite3_stmt *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < INVENTORY_STMT_CACHE; i++)
		if (inv->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	sqlite3_finalize(st);
}

/* One statement, kept prepared: a transaction's BEGIN and COMMIT. */
static int
exec_kept(struct inventory *inv, const char *sql)
{
	sqlite3_stmt *st;
	int r;

	if ((r = inventory_stmt(inv, sql, &st)) != 0)
		return r;
	r = sqlite3_step(st) == SQLITE_DONE ? 0 :
	    ts_error(TS_ERR_STATE, "inventory: %s", sqlite3_errmsg(inv->db));
	inventory_stmt_done(inv, st);
	return r;
}

static int
exec(struct inventory *inv, const char *sql)
{
	char *msg = NULL;
	int r;

	if (sqlite3_exec(inv->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		r = ts_error(TS_ERR_STATE, "inventory: %s",
		    msg ? msg : sqlite3_errmsg(inv->db));
		sqlite3_free(msg);
		return r;
	}
	return 0;
}

static int
user_version(struct inventory *inv, int *v)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(inv->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return dberr(inv, "version");
	if (sqlite3_step(st) == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	else
		r = dberr(inv, "version");
	sqlite3_finalize(st);
	return r;
}

static int
quick_check(struct inventory *inv)
{
	sqlite3_stmt *st;
	int r = 0;

	if (sqlite3_prepare_v2(inv->db, "PRAGMA quick_check", -1, &st,
	    NULL) != SQLITE_OK)
		return ts_error(TS_ERR_FORMAT, "the inventory in the backup is "
		    "damaged: %s", sqlite3_errmsg(inv->db));
	if (sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		r = ts_error(TS_ERR_FORMAT, "the inventory in the backup is "
		    "damaged");
	sqlite3_finalize(st);
	return r;
}

static int
migrate(struct inventory *inv)
{
	char sql[64];
	int v, r;

	if ((r = user_version(inv, &v)) != 0)
		return r;
	if (v > NMIGRATIONS)
		return ts_error(TS_ERR_STATE, "inventory %s has schema version "
		    "%d, newer than this tlvsign knows (%d): upgrade tlvsign",
		    inv->path, v, NMIGRATIONS);
	for (; v < NMIGRATIONS; v++) {
		if ((r = exec(inv, "BEGIN IMMEDIATE")) != 0)
			return r;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((r = exec(inv, migrations[v])) != 0 ||
		    (r = exec(inv, sql)) != 0) {
			exec(inv, "ROLLBACK");
			return r;
		}
		if ((r = exec(inv, "COMMIT")) != 0)
			return r;
	}
	return 0;
}

/* Whether the journal is a write-ahead log (a file system without
 * shared memory keeps the rollback journal), and its name. */
static int
wal_of(struct inventory *inv)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int r = 0;

	if (sqlite3_prepare_v2(inv->db, "PRAGMA journal_mode", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		r = ts_error(TS_ERR_STATE, "inventory %s: %s", inv->path,
		    sqlite3_errmsg(inv->db));
	} else if ((mode = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    strcmp(mode, "wal") == 0 &&
	    /* the full name: it stays right whatever the working directory */
	    asprintf(&inv->wal, "%s-wal", sqlite3_db_filename(inv->db,
	    "main")) < 0) {
		inv->wal = NULL;
		r = ts_error(TS_ERR_NOMEM, "out of memory");
	}
	sqlite3_finalize(st);
	return r;
}

int
inventory_open(const char *state_dir, int create, struct inventory **out)
{
	struct inventory *inv;
	struct stat st;
	mode_t old_mask;
	int r, rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;

	*out = NULL;
	if ((inv = calloc(1, sizeof(*inv))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	if (asprintf(&inv->path, "%s/%s", state_dir, INVENTORY_FILE) < 0) {
		free(inv);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	if (!create && stat(inv->path, &st) != 0) {
		r = ts_error(TS_ERR_STATE, "no inventory at %s: run `tlvsign "
		    "init` first", inv->path);
		goto fail;
	}
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	/* created private from the first byte */
	old_mask = umask(077);
	rc = sqlite3_open_v2(inv->path, &inv->db, flags, NULL);
	umask(old_mask);
	if (rc != SQLITE_OK) {
		r = ts_error(TS_ERR_STATE, "cannot open inventory %s: %s",
		    inv->path, inv->db ? sqlite3_errmsg(inv->db) :
		    "out of memory");
		goto fail;
	}
	chmod(inv->path, 0600);
	sqlite3_busy_timeout(inv->db, 10000);
	if ((r = exec(inv, "PRAGMA foreign_keys = ON;"
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;")) != 0 ||
	    (r = migrate(inv)) != 0 ||
	    (r = wal_of(inv)) != 0)
		goto fail;
	*out = inv;
	return 0;
fail:
	inventory_close(inv);
	return r;
}

int
inventory_open_image(const uint8_t *image, size_t len, struct inventory **out)
{
	struct inventory *inv;
	unsigned char *copy;
	int r, v;

	*out = NULL;
	if ((inv = calloc(1, sizeof(*inv))) == NULL ||
	    (inv->path = strdup("(inventory in the backup)")) == NULL) {
		free(inv);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	if (sqlite3_open_v2(":memory:", &inv->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((copy = sqlite3_malloc64(len)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto fail;
	}
	memcpy(copy, image, len);
	/* the live database is in WAL mode, which a memory database cannot
	 * be: mark the image as a rollback-journal database */
	if (len >= 100 && copy[18] == 2 && copy[19] == 2)
		copy[18] = copy[19] = 1;
	sqlite3_db_config(inv->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if (sqlite3_deserialize(inv->db, "main", copy, (sqlite3_int64)len,
	    (sqlite3_int64)len, SQLITE_DESERIALIZE_FREEONCLOSE |
	    SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK) {
		r = ts_error(TS_ERR_FORMAT, "the inventory in the backup is not "
		    "an SQLite database");
		goto fail;
	}
	/* a damaged image must not get further than this */
	if ((r = quick_check(inv)) != 0 || (r = user_version(inv, &v)) != 0)
		goto fail;
	if (v < 1) {
		r = ts_error(TS_ERR_FORMAT, "the inventory in the backup has no "
		    "schema");
		goto fail;
	}
	if ((r = migrate(inv)) != 0)
		goto fail;
	*out = inv;
	return 0;
fail:
	inventory_close(inv);
	return r;
}

int
inventory_exists(const char *state_dir)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", state_dir, INVENTORY_FILE);
	return stat(path, &st) == 0;
}

void
inventory_close(struct inventory *inv)
{
	size_t i;

	if (inv == NULL)
		return;
	for (i = 0; i < INVENTORY_STMT_CACHE; i++) {
		sqlite3_finalize(inv->cache[i].st);
		free(inv->cache[i].sql);
	}
	if (inv->db != NULL)
		sqlite3_close(inv->db);
	free(inv->path);
	free(inv->wal);
	free(inv);
}

int
inventory_schema_version(struct inventory *inv)
{
	int v = -1;

	user_version(inv, &v);
	return v;
}

int
inventory_begin(struct inventory *inv)
{
	return exec_kept(inv, "BEGIN IMMEDIATE");
}

int
inventory_commit(struct inventory *inv)
{
	return exec_kept(inv, "COMMIT");
}

void
inventory_rollback(struct inventory *inv)
{
	if (!sqlite3_get_autocommit(inv->db))
		exec(inv, "ROLLBACK");
}

int
inventory_set_synced(struct inventory *inv, int synced)
{
	/* taken at the next BEGIN: inside a transaction it is ignored */
	return exec_kept(inv, synced ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL");
}

const char *
inventory_wal_path(const struct inventory *inv)
{
	return inv->wal;
}

int
inventory_data_version(struct inventory *inv, long long *v)
{
	sqlite3_stmt *st = NULL;
	int ok;

	/* kept prepared: the service asks before every signature */
	ok = inventory_stmt(inv, "PRAGMA data_version", &st) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW;
	*v = ok ? sqlite3_column_int64(st, 0) : -1;
	inventory_stmt_done(inv, st);
	return ok ? 0 : ts_error(TS_ERR_STATE, "inventory: %s",
	    sqlite3_errmsg(inv->db));
}

static int
prepare(struct inventory *inv, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(inv->db, sql, -1, st, NULL) != SQLITE_OK)
		return dberr(inv, "query");
	return 0;
}

static int
step_done(struct inventory *inv, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st), r = 0;

	/* Only a UNIQUE clash means "exists": a missing node (foreign key)
	 * or a value the schema refuses (CHECK, NOT NULL) is not. */
	if (rc == SQLITE_CONSTRAINT) {
		switch (sqlite3_extended_errcode(inv->db)) {
		case SQLITE_CONSTRAINT_UNIQUE:
		case SQLITE_CONSTRAINT_PRIMARYKEY:
			r = ts_error(TS_ERR_EXISTS, "inventory %s: %s", what,
			    sqlite3_errmsg(inv->db));
			break;
		case SQLITE_CONSTRAINT_FOREIGNKEY:
			r = ts_error(TS_ERR_NOTFOUND, "inventory %s: refers to "
			    "a node that is not in the inventory", what);
			break;
		default:
			r = ts_error(TS_ERR_INVALID, "inventory %s: %s", what,
			    sqlite3_errmsg(inv->db));
			break;
		}
	} else if (rc != SQLITE_DONE)
		r = dberr(inv, what);
	sqlite3_finalize(st);
	return r;
}

static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(dst, size, "%s", v ? (const char *)v : "");
}

int
inventory_meta_get(struct inventory *inv, const char *key, char **value)
{
	sqlite3_stmt *st;
	int r, rc;

	*value = NULL;
	if ((r = prepare(inv, "SELECT value FROM meta WHERE key = ?", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((*value = strdup((const char *)sqlite3_column_text(st, 0)))
		    == NULL)
			r = ts_error(TS_ERR_NOMEM, "out of memory");
	} else if (rc == SQLITE_DONE) {
		r = ts_error(TS_ERR_NOTFOUND, "no %s in the inventory", key);
	} else {
		r = dberr(inv, "meta");
	}
	sqlite3_finalize(st);
	return r;
}

int
inventory_meta_set(struct inventory *inv, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, "INSERT INTO meta(key, value) VALUES (?, ?) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return step_done(inv, st, "meta");
}

int
inventory_node_add(struct inventory *inv, const struct node *n, long *id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, "INSERT INTO nodes(host, domain, ipv4, services, "
	    "publisher, created) VALUES (?, ?, ?, ?, ?, strftime('%s','now'))",
	    &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, n->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->ipv4, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)n->services);
	sqlite3_bind_int(st, 5, n->publisher ? 1 : 0);
	if ((r = step_done(inv, st, "node")) != 0)
		return r;
	if (id != NULL)
		*id = (long)sqlite3_last_insert_rowid(inv->db);
	return 0;
}

static void
node_from_row(sqlite3_stmt *st, struct node *n)
{
	memset(n, 0, sizeof(*n));
	n->id = (long)sqlite3_column_int64(st, 0);
	col_text(st, 1, n->host, sizeof(n->host));
	col_text(st, 2, n->domain, sizeof(n->domain));
	col_text(st, 3, n->ipv4, sizeof(n->ipv4));
	n->services = (unsigned)sqlite3_column_int(st, 4);
	n->publisher = sqlite3_column_int(st, 5);
}

#define NODE_COLS "id, host, domain, ipv4, services, publisher"

int
inventory_node_get(struct inventory *inv, const char *host, struct node *n)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, host ? "SELECT " NODE_COLS " FROM nodes WHERE "
	    "host = ?" : "SELECT " NODE_COLS " FROM nodes WHERE publisher = 1",
	    &st)) != 0)
		return r;
	if (host != NULL)
		sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		node_from_row(st, n);
	else if (rc == SQLITE_DONE)
		r = host ? ts_error(TS_ERR_NOTFOUND, "no node \"%s\" in the "
		    "inventory", host) : ts_error(TS_ERR_NOTFOUND,
		    "no publisher node in the inventory: run `tlvsign init`");
	else
		r = dberr(inv, "node");
	sqlite3_finalize(st);
	return r;
}

int
inventory_node_list(struct inventory *inv,
    int (*cb)(const struct node *, void *), void *arg)
{
	sqlite3_stmt *st;
	struct node n;
	int r, rc;

	if ((r = prepare(inv, "SELECT " NODE_COLS " FROM nodes ORDER BY "
	    "publisher DESC, host", &st)) != 0)
		return r;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		node_from_row(st, &n);
		r = cb(&n, arg);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(inv, "nodes");
	sqlite3_finalize(st);
	return r;
}

void
node_services_text(unsigned services, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *name; } svc[] = {
		{ SVC_TFTP, "TFTP" }, { SVC_TVS, "TVS" }, { SVC_CAPF, "CAPF" },
		{ SVC_CALLMANAGER, "CallManager" },
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(svc) / sizeof(svc[0]); i++)
		if ((services & svc[i].bit) && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%s",
			    len ? "," : "", svc[i].name);
}

int
inventory_cert_add(struct inventory *inv, const struct cert_row *c, long *id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, "INSERT INTO certificates(node_id, purpose, "
	    "state, key_label, key_id, key_type, key_bits, subject, issuer, "
	    "serial, not_before, not_after, sha1, sha256, der, created) VALUES "
	    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,strftime('%s','now'))", &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, c->node_id);
	sqlite3_bind_text(st, 2, c->purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->key_label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->key_type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, (int)c->key_bits);
	sqlite3_bind_text(st, 8, c->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, c->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, c->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)c->not_before);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)c->not_after);
	sqlite3_bind_text(st, 13, c->sha1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, c->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 15, c->der, (int)c->der_len, SQLITE_STATIC);
	if ((r = step_done(inv, st, "certificate")) != 0)
		return r;
	if (id != NULL)
		*id = (long)sqlite3_last_insert_rowid(inv->db);
	return 0;
}

#define CERT_COLS "c.id, c.node_id, n.host, c.purpose, c.state, " \
	"c.key_label, c.key_id, c.key_type, c.key_bits, c.subject, " \
	"c.issuer, c.serial, c.not_before, c.not_after, c.sha1, c.sha256, " \
	"c.der, c.created, coalesce(c.retired, 0), c.key_destroyed"

static int
cert_from_row(sqlite3_stmt *st, struct cert_row *c)
{
	const void *der;

	memset(c, 0, sizeof(*c));
	c->id = (long)sqlite3_column_int64(st, 0);
	c->node_id = (long)sqlite3_column_int64(st, 1);
	col_text(st, 2, c->host, sizeof(c->host));
	col_text(st, 3, c->purpose, sizeof(c->purpose));
	col_text(st, 4, c->state, sizeof(c->state));
	col_text(st, 5, c->key_label, sizeof(c->key_label));
	col_text(st, 6, c->key_id, sizeof(c->key_id));
	col_text(st, 7, c->key_type, sizeof(c->key_type));
	c->key_bits = (unsigned)sqlite3_column_int(st, 8);
	c->subject = strdup((const char *)sqlite3_column_text(st, 9));
	c->issuer = strdup((const char *)sqlite3_column_text(st, 10));
	col_text(st, 11, c->serial, sizeof(c->serial));
	c->not_before = (time_t)sqlite3_column_int64(st, 12);
	c->not_after = (time_t)sqlite3_column_int64(st, 13);
	col_text(st, 14, c->sha1, sizeof(c->sha1));
	col_text(st, 15, c->sha256, sizeof(c->sha256));
	c->der_len = (size_t)sqlite3_column_bytes(st, 16);
	der = sqlite3_column_blob(st, 16);
	if ((c->der = malloc(c->der_len ? c->der_len : 1)) != NULL && der)
		memcpy(c->der, der, c->der_len);
	c->created = (time_t)sqlite3_column_int64(st, 17);
	c->retired = (time_t)sqlite3_column_int64(st, 18);
	c->key_destroyed = sqlite3_column_int(st, 19);
	if (c->subject == NULL || c->issuer == NULL || c->der == NULL) {
		cert_row_free(c);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	return 0;
}

void
cert_row_free(struct cert_row *c)
{
	free(c->subject);
	free(c->issuer);
	free(c->der);
	c->subject = c->issuer = NULL;
	c->der = NULL;
}

int
inventory_cert_active(struct inventory *inv, long node_id,
    const char *purpose, struct cert_row *out)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "SELECT " CERT_COLS " FROM certificates c JOIN "
	    "nodes n ON n.id = c.node_id WHERE c.node_id = ? AND c.purpose = ? "
	    "AND c.state = 'active'", &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, node_id);
	sqlite3_bind_text(st, 2, purpose, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = cert_from_row(st, out);
	else if (rc == SQLITE_DONE)
		r = ts_error(TS_ERR_NOTFOUND, "no active %s certificate",
		    purpose);
	else
		r = dberr(inv, "certificate");
	sqlite3_finalize(st);
	return r;
}

int
inventory_cert_list(struct inventory *inv,
    int (*cb)(const struct cert_row *, void *), void *arg)
{
	sqlite3_stmt *st;
	struct cert_row c;
	int r, rc;

	if ((r = prepare(inv, "SELECT " CERT_COLS " FROM certificates c JOIN "
	    "nodes n ON n.id = c.node_id ORDER BY c.state = 'active' DESC, "
	    "n.publisher DESC, n.host, c.purpose, c.id", &st)) != 0)
		return r;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = cert_from_row(st, &c)) != 0)
			break;
		r = cb(&c, arg);
		cert_row_free(&c);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(inv, "certificates");
	sqlite3_finalize(st);
	return r;
}

int
inventory_param_get(struct inventory *inv, const char *name, const char *def,
    char **value)
{
	sqlite3_stmt *st;
	const char *v = def;
	int r, rc;

	*value = NULL;
	if ((r = prepare(inv, "SELECT value FROM params WHERE name = ?",
	    &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = (const char *)sqlite3_column_text(st, 0);
	else if (rc != SQLITE_DONE)
		r = dberr(inv, "params");
	if (r == 0 && v != NULL && (*value = strdup(v)) == NULL)
		r = ts_error(TS_ERR_NOMEM, "out of memory");
	sqlite3_finalize(st);
	return r;
}

int
inventory_param_set(struct inventory *inv, const char *name,
    const char *value)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, "INSERT INTO params(name, value) VALUES (?, ?) "
	    "ON CONFLICT(name) DO UPDATE SET value = excluded.value", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return step_done(inv, st, "params");
}

int
inventory_published_add(struct inventory *inv, const struct published *p)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, "INSERT INTO published(node_id, kind, path, size, "
	    "md5, sha1, sha256, signer, published, data, forced, verdict) "
	    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", &st)) != 0)
		return r;
	if (p->node_id > 0)
		sqlite3_bind_int64(st, 1, p->node_id);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_text(st, 2, p->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)p->size);
	sqlite3_bind_text(st, 5, p->md5, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->sha1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, p->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, p->signer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)p->published);
	if (p->data != NULL)
		sqlite3_bind_blob(st, 10, p->data, (int)p->size, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 10);
	sqlite3_bind_int(st, 11, p->forced);
	if (p->verdict[0] != '\0')
		sqlite3_bind_text(st, 12, p->verdict, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 12);
	return step_done(inv, st, "published file");
}

int
inventory_published_last(struct inventory *inv, const char *path,
    struct published *out)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "SELECT id, coalesce(node_id, 0), kind, path, "
	    "size, md5, sha1, sha256, signer, published FROM published WHERE "
	    "path = ? ORDER BY id DESC LIMIT 1", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->id = (long)sqlite3_column_int64(st, 0);
		out->node_id = (long)sqlite3_column_int64(st, 1);
		col_text(st, 2, out->kind, sizeof(out->kind));
		col_text(st, 3, out->path, sizeof(out->path));
		out->size = (size_t)sqlite3_column_int64(st, 4);
		col_text(st, 5, out->md5, sizeof(out->md5));
		col_text(st, 6, out->sha1, sizeof(out->sha1));
		col_text(st, 7, out->sha256, sizeof(out->sha256));
		col_text(st, 8, out->signer, sizeof(out->signer));
		out->published = (time_t)sqlite3_column_int64(st, 9);
	} else if (rc == SQLITE_DONE) {
		r = ts_error(TS_ERR_NOTFOUND, "%s was never published", path);
	} else {
		r = dberr(inv, "published");
	}
	sqlite3_finalize(st);
	return r;
}

int
inventory_cert_get(struct inventory *inv, long id, struct cert_row *out)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "SELECT " CERT_COLS " FROM certificates c JOIN "
	    "nodes n ON n.id = c.node_id WHERE c.id = ?", &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = cert_from_row(st, out);
	else if (rc == SQLITE_DONE)
		r = ts_error(TS_ERR_NOTFOUND, "no certificate %ld", id);
	else
		r = dberr(inv, "certificate");
	sqlite3_finalize(st);
	return r;
}

static int
exec_id(struct inventory *inv, const char *sql, long id, const char *what)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, sql, &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	if ((r = step_done(inv, st, what)) != 0)
		return r;
	if (sqlite3_changes(inv->db) != 1)
		return ts_error(TS_ERR_NOTFOUND, "no %s %ld", what, id);
	return 0;
}

int
inventory_cert_retire(struct inventory *inv, long id)
{
	return exec_id(inv, "UPDATE certificates SET state = 'retired', "
	    "retired = strftime('%s','now') WHERE id = ?", id, "certificate");
}

int
inventory_cert_mark_key_destroyed(struct inventory *inv, long id)
{
	return exec_id(inv, "UPDATE certificates SET key_destroyed = 1 WHERE "
	    "id = ?", id, "certificate");
}

static int
count_of(struct inventory *inv, const char *sql, long id, int *n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, sql, &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	else
		r = dberr(inv, "count");
	sqlite3_finalize(st);
	return r;
}

int
inventory_node_usage(struct inventory *inv, long node_id, int *certs,
    int *csrs, int *published)
{
	int r;

	if ((r = count_of(inv, "SELECT count(*) FROM certificates WHERE "
	    "node_id = ?", node_id, certs)) != 0 ||
	    (r = count_of(inv, "SELECT count(*) FROM csrs WHERE node_id = ?",
	    node_id, csrs)) != 0)
		return r;
	return count_of(inv, "SELECT count(DISTINCT path) FROM published "
	    "WHERE node_id = ?", node_id, published);
}

int
inventory_node_remove(struct inventory *inv, long node_id)
{
	return exec_id(inv, "DELETE FROM nodes WHERE id = ?", node_id, "node");
}

int
inventory_key_ids(struct inventory *inv,
    int (*cb)(const char *, const char *, const char *, void *), void *arg)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "SELECT key_id, key_label, state FROM "
	    "certificates WHERE key_destroyed = 0 UNION ALL SELECT key_id, "
	    "key_label, 'csr' FROM csrs", &st)) != 0)
		return r;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2), arg);
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(inv, "key ids");
	sqlite3_finalize(st);
	return r;
}

int
inventory_chain_add(struct inventory *inv, long cert_id, int position,
    const uint8_t *der, size_t len)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, "INSERT INTO chains(cert_id, position, der) "
	    "VALUES (?, ?, ?)", &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, cert_id);
	sqlite3_bind_int(st, 2, position);
	sqlite3_bind_blob(st, 3, der, (int)len, SQLITE_STATIC);
	return step_done(inv, st, "chain");
}

int
inventory_chain_list(struct inventory *inv, long cert_id,
    int (*cb)(const uint8_t *, size_t, void *), void *arg)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "SELECT der FROM chains WHERE cert_id = ? "
	    "ORDER BY position", &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, cert_id);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), arg);
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(inv, "chain");
	sqlite3_finalize(st);
	return r;
}

int
inventory_csr_add(struct inventory *inv, const struct csr_row *c, long *id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, "INSERT INTO csrs(node_id, purpose, key_label, "
	    "key_id, key_type, key_bits, subject, der, created) VALUES "
	    "(?,?,?,?,?,?,?,?,strftime('%s','now'))", &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, c->node_id);
	sqlite3_bind_text(st, 2, c->purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->key_label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->key_type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, (int)c->key_bits);
	sqlite3_bind_text(st, 7, c->subject, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, c->der, (int)c->der_len, SQLITE_STATIC);
	if ((r = step_done(inv, st, "CSR")) != 0)
		return r;
	if (id != NULL)
		*id = (long)sqlite3_last_insert_rowid(inv->db);
	return 0;
}

int
inventory_csr_get(struct inventory *inv, long node_id, const char *purpose,
    struct csr_row *out)
{
	sqlite3_stmt *st;
	const void *der;
	int r, rc;

	memset(out, 0, sizeof(*out));
	if ((r = prepare(inv, "SELECT c.id, c.node_id, n.host, c.purpose, "
	    "c.key_label, c.key_id, c.key_type, c.key_bits, c.subject, c.der, "
	    "c.created FROM csrs c JOIN nodes n ON n.id = c.node_id WHERE "
	    "c.node_id = ? AND c.purpose = ?", &st)) != 0)
		return r;
	sqlite3_bind_int64(st, 1, node_id);
	sqlite3_bind_text(st, 2, purpose, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = (long)sqlite3_column_int64(st, 0);
		out->node_id = (long)sqlite3_column_int64(st, 1);
		col_text(st, 2, out->host, sizeof(out->host));
		col_text(st, 3, out->purpose, sizeof(out->purpose));
		col_text(st, 4, out->key_label, sizeof(out->key_label));
		col_text(st, 5, out->key_id, sizeof(out->key_id));
		col_text(st, 6, out->key_type, sizeof(out->key_type));
		out->key_bits = (unsigned)sqlite3_column_int(st, 7);
		col_text(st, 8, out->subject, sizeof(out->subject));
		out->der_len = (size_t)sqlite3_column_bytes(st, 9);
		der = sqlite3_column_blob(st, 9);
		if ((out->der = malloc(out->der_len + 1)) == NULL)
			r = ts_error(TS_ERR_NOMEM, "out of memory");
		else if (der != NULL)
			memcpy(out->der, der, out->der_len);
		out->created = (time_t)sqlite3_column_int64(st, 10);
	} else if (rc == SQLITE_DONE) {
		r = ts_error(TS_ERR_NOTFOUND, "no pending %s CSR", purpose);
	} else {
		r = dberr(inv, "CSR");
	}
	sqlite3_finalize(st);
	return r;
}

int
inventory_csr_delete(struct inventory *inv, long id)
{
	return exec_id(inv, "DELETE FROM csrs WHERE id = ?", id, "CSR");
}

void
csr_row_free(struct csr_row *c)
{
	free(c->der);
	c->der = NULL;
}

int
inventory_pending_add(struct inventory *inv, const struct pending_file *p)
{
	sqlite3_stmt *st;
	int r;

	if ((r = prepare(inv, "INSERT INTO pending_files(path, staged, sha256) "
	    "VALUES (?, ?, ?)", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, p->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->staged, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->sha256, -1, SQLITE_STATIC);
	return step_done(inv, st, "pending file");
}

int
inventory_pending_list(struct inventory *inv,
    int (*cb)(const struct pending_file *, void *), void *arg)
{
	sqlite3_stmt *st;
	struct pending_file p;
	int r, rc;

	if ((r = prepare(inv, "SELECT id, path, staged, sha256 FROM "
	    "pending_files ORDER BY id", &st)) != 0)
		return r;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&p, 0, sizeof(p));
		p.id = (long)sqlite3_column_int64(st, 0);
		col_text(st, 1, p.path, sizeof(p.path));
		col_text(st, 2, p.staged, sizeof(p.staged));
		col_text(st, 3, p.sha256, sizeof(p.sha256));
		r = cb(&p, arg);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(inv, "pending files");
	sqlite3_finalize(st);
	return r;
}

int
inventory_pending_delete(struct inventory *inv, long id)
{
	return exec_id(inv, "DELETE FROM pending_files WHERE id = ?", id,
	    "pending file");
}

int
inventory_param_list(struct inventory *inv,
    int (*cb)(const char *, const char *, void *), void *arg)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "SELECT name, value FROM params ORDER BY name",
	    &st)) != 0)
		return r;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), arg);
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(inv, "params");
	sqlite3_finalize(st);
	return r;
}

int
inventory_published_history(struct inventory *inv, const char *path,
    unsigned max, int (*cb)(long id, const uint8_t *data, size_t len, void *),
    void *arg)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "SELECT id, data FROM published WHERE path = ? "
	    "AND data IS NOT NULL ORDER BY id DESC LIMIT ?", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)max);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb((long)sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), arg);
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(inv, "published history");
	sqlite3_finalize(st);
	return r;
}

int
inventory_published_before(struct inventory *inv, const char *path,
    long before_id, uint8_t **data, size_t *len)
{
	sqlite3_stmt *st;
	const void *v;
	int r, rc;

	*data = NULL;
	*len = 0;
	if ((r = prepare(inv, "SELECT data FROM published WHERE path = ? AND "
	    "id < ? AND data IS NOT NULL ORDER BY id DESC LIMIT 1", &st)) != 0)
		return r;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*len = (size_t)sqlite3_column_bytes(st, 0);
		v = sqlite3_column_blob(st, 0);
		if ((*data = malloc(*len + 1)) == NULL)
			r = ts_error(TS_ERR_NOMEM, "out of memory");
		else if (v != NULL)
			memcpy(*data, v, *len);
	} else if (rc == SQLITE_DONE) {
		r = ts_error(TS_ERR_NOTFOUND, "nothing published at %s before",
		    path);
	} else {
		r = dberr(inv, "published");
	}
	sqlite3_finalize(st);
	return r;
}

sqlite3 *
inventory_db(struct inventory *inv)
{
	return inv->db;
}

int
inventory_signed_list(struct inventory *inv,
    int (*cb)(const char *path, const char *sha256, const char *signer,
    const char *output, void *), void *arg)
{
	sqlite3_stmt *st;
	int r, rc;

	if ((r = prepare(inv, "SELECT path, sha256, signer, output FROM "
	    "signed_files ORDER BY path", &st)) != 0)
		return r;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = cb((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), arg);
	if (r == 0 && rc != SQLITE_DONE)
		r = dberr(inv, "signed files");
	sqlite3_finalize(st);
	return r;
}

int
inventory_signed_put(struct inventory *inv, size_t n,
    const char *const *paths, const char *const *sha256, const char *signer,
    const char *const *outputs)
{
	sqlite3_stmt *st;
	sqlite3_int64 now = (sqlite3_int64)time(NULL);
	size_t i;
	int r;

	/* one statement for the whole batch: bulk signing records thousands,
	 * with one time (not a date function run for each row) */
	if ((r = prepare(inv, "INSERT INTO signed_files(path, sha256, signer, "
	    "output, signed) VALUES (?, ?, ?, ?, ?) ON "
	    "CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, signer = "
	    "excluded.signer, output = excluded.output, signed = "
	    "excluded.signed", &st)) != 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		sqlite3_bind_text(st, 1, paths[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sha256[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, signer, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, outputs[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = dberr(inv, "signed file");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return r;
}
