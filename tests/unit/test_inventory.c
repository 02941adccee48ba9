/*
 * test_inventory.c - the SQLite inventory (store/inventory): creation and
 * migration, nodes, certificates, parameters, meta, published files and
 * transactions. Each test works in its own temporary state directory.
 */
#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cutap.h"
#include "store/audit.h"
#include "store/dbint.h"
#include "store/inventory.h"
#include "util/error.h"

#define ASSERT_DETAIL(code, text) \
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(code), (text)))

static char dir[64];
static struct inventory *inv;

/* Before each test (CUnit calls it): a fresh state directory. */
static void
fx_make_dir(void)
{
	inv = NULL;
	snprintf(dir, sizeof(dir), "/tmp/tlvsign-inv-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("# mkdtemp: cannot make %s\n", dir);
		dir[0] = '\0';
	}
}

/* The test's directory, and the inventory opened on it when open_it. */
static int
fx_setup(int open_it)
{
	if (dir[0] == '\0')
		return -1;
	if (open_it && inventory_open(dir, 1, &inv) != 0) {
		printf("# inventory_open %s: %s\n", dir,
		    ts_error_detail(TS_ERR_STATE));
		return -1;
	}
	return 0;
}

/* After each test, failed or not (CUnit calls it): close, and remove the
 * directory and everything in it (the database, its WAL and shared-memory
 * files). */
static void
fx_teardown(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	inventory_close(inv);
	inv = NULL;
	if (dir[0] == '\0')
		return;
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (unlink(path) != 0)
				printf("# cannot remove %s\n", path);
		}
		closedir(d);
	}
	if (rmdir(dir) != 0)
		printf("# cannot remove %s\n", dir);
	dir[0] = '\0';
}

static void
db_path(char *buf, size_t size, const char *suffix)
{
	snprintf(buf, size, "%s/%s%s", dir, INVENTORY_FILE, suffix);
}

static struct node
make_node(const char *host, unsigned services, int publisher)
{
	struct node n;

	memset(&n, 0, sizeof(n));
	snprintf(n.host, sizeof(n.host), "%s", host);
	snprintf(n.domain, sizeof(n.domain), "example.com");
	snprintf(n.ipv4, sizeof(n.ipv4), "192.0.2.%u",
	    (unsigned)(strlen(host) + 10));
	n.services = services;
	n.publisher = publisher;
	return n;
}

#define ALL_SVC (SVC_TFTP | SVC_TVS | SVC_CAPF | SVC_CALLMANAGER)

static long
add_publisher(void)
{
	struct node n = make_node("cucm-pub", ALL_SVC, 1);
	long id = -1;

	CU_ASSERT_EQUAL_FATAL(inventory_node_add(inv, &n, &id), 0);
	CU_ASSERT_FATAL(id > 0);
	return id;
}

/* ---- open, schema, migrations ---- */

static void
test_open_missing(void)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	CU_ASSERT_EQUAL_FATAL(fx_setup(0), 0);
	inv = (struct inventory *)1;
	ts_error_clear();
	r = inventory_open(dir, 0, &inv);
	CU_ASSERT_EQUAL(r, TS_ERR_STATE);
	CU_ASSERT_PTR_NULL(inv);
	inv = NULL;
	ASSERT_DETAIL(TS_ERR_STATE, "tlvsign init");
	ASSERT_DETAIL(TS_ERR_STATE, dir);
	/* and no empty database is left behind */
	db_path(path, sizeof(path), "");
	CU_ASSERT_NOT_EQUAL(stat(path, &st), 0);
}

static void
test_open_create(void)
{
	char path[PATH_MAX], *v = NULL;
	struct stat st;
	mode_t old;
	int r;

	CU_ASSERT_EQUAL_FATAL(fx_setup(0), 0);
	/* even with a permissive umask the database is private */
	old = umask(0);
	r = inventory_open(dir, 1, &inv);
	umask(old);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	CU_ASSERT_EQUAL(inventory_schema_version(inv), INVENTORY_SCHEMA_VERSION);
	db_path(path, sizeof(path), "");
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);

	CU_ASSERT_EQUAL(inventory_meta_set(inv, "cluster", "lab"), 0);
	add_publisher();
	/* the write-ahead log holds the same data: private too */
	db_path(path, sizeof(path), "-wal");
	if (stat(path, &st) == 0)
		CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	inventory_close(inv);
	inv = NULL;

	/* reopen without create: data kept, schema unchanged */
	CU_ASSERT_EQUAL_FATAL(inventory_open(dir, 0, &inv), 0);
	CU_ASSERT_EQUAL(inventory_schema_version(inv), INVENTORY_SCHEMA_VERSION);
	CU_ASSERT_EQUAL(inventory_meta_get(inv, "cluster", &v), 0);
	CU_ASSERT(v != NULL && strcmp(v, "lab") == 0);
	free(v);
	v = NULL;
	inventory_close(inv);
	inv = NULL;

	/* reopen with create again: migrations do not run twice */
	CU_ASSERT_EQUAL_FATAL(inventory_open(dir, 1, &inv), 0);
	CU_ASSERT_EQUAL(inventory_schema_version(inv), INVENTORY_SCHEMA_VERSION);
	CU_ASSERT_EQUAL(inventory_meta_get(inv, "cluster", &v), 0);
	CU_ASSERT(v != NULL && strcmp(v, "lab") == 0);
	free(v);
	{
		struct node n;

		CU_ASSERT_EQUAL(inventory_node_get(inv, NULL, &n), 0);
		CU_ASSERT_STRING_EQUAL(n.host, "cucm-pub");
	}
	db_path(path, sizeof(path), "");
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
}

/* Run sql on the database with SQLite directly; user_version out. */
static int
raw_sql(const char *sql, int *version)
{
	char path[PATH_MAX];
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	int ok;

	db_path(path, sizeof(path), "");
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	ok = sql == NULL || sqlite3_exec(db, sql, NULL, NULL, NULL) ==
	    SQLITE_OK;
	if (ok && version != NULL) {
		ok = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
		    NULL) == SQLITE_OK;
		if (ok) {
			ok = sqlite3_step(st) == SQLITE_ROW;
			if (ok)
				*version = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
		}
	}
	sqlite3_close(db);
	return ok ? 0 : -1;
}

static void
test_open_newer_schema(void)
{
	char sql[64];
	int v = -1, r;

	CU_ASSERT_EQUAL_FATAL(fx_setup(0), 0);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    INVENTORY_SCHEMA_VERSION + 1);
	CU_ASSERT_EQUAL_FATAL(raw_sql(sql, NULL), 0);

	inv = (struct inventory *)1;
	ts_error_clear();
	r = inventory_open(dir, 0, &inv);
	CU_ASSERT_EQUAL(r, TS_ERR_STATE);
	CU_ASSERT_PTR_NULL(inv);
	inv = NULL;
	ASSERT_DETAIL(TS_ERR_STATE, "newer");
	/* with create too; the database is left as it was */
	CU_ASSERT_EQUAL(inventory_open(dir, 1, &inv), TS_ERR_STATE);
	CU_ASSERT_PTR_NULL(inv);
	inv = NULL;
	CU_ASSERT_EQUAL(raw_sql(NULL, &v), 0);
	CU_ASSERT_EQUAL(v, INVENTORY_SCHEMA_VERSION + 1);
}

static void
test_open_migrates_empty(void)
{
	int v = -1;

	/* an existing database at version 0 is brought up to date */
	CU_ASSERT_EQUAL_FATAL(fx_setup(0), 0);
	CU_ASSERT_EQUAL_FATAL(raw_sql("CREATE TABLE scratch (x)", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL_FATAL(inventory_open(dir, 0, &inv), 0);
	CU_ASSERT_EQUAL(inventory_schema_version(inv), INVENTORY_SCHEMA_VERSION);
	add_publisher();
}

/* ---- nodes ---- */

struct node_seen {
	char hosts[8][64];
	int publisher[8];
	size_t n;
	size_t stop_after; /* 0: never */
};

static int
collect_node(const struct node *n, void *arg)
{
	struct node_seen *s = arg;

	if (s->n < 8) {
		snprintf(s->hosts[s->n], sizeof(s->hosts[0]), "%s", n->host);
		s->publisher[s->n] = n->publisher;
	}
	s->n++;
	return s->stop_after != 0 && s->n >= s->stop_after ? 42 : 0;
}

static void
test_nodes(void)
{
	struct node n, got;
	struct node_seen seen;
	long pub_id, id = -1;
	int r;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	/* no publisher yet */
	ts_error_clear();
	CU_ASSERT_EQUAL(inventory_node_get(inv, NULL, &got), TS_ERR_NOTFOUND);
	ASSERT_DETAIL(TS_ERR_NOTFOUND, "tlvsign init");

	pub_id = add_publisher();
	memset(&got, 0, sizeof(got));
	CU_ASSERT_EQUAL_FATAL(inventory_node_get(inv, "cucm-pub", &got), 0);
	CU_ASSERT_EQUAL(got.id, pub_id);
	CU_ASSERT_STRING_EQUAL(got.host, "cucm-pub");
	CU_ASSERT_STRING_EQUAL(got.domain, "example.com");
	CU_ASSERT_STRING_EQUAL(got.ipv4, "192.0.2.18");
	CU_ASSERT_EQUAL(got.services, ALL_SVC);
	CU_ASSERT_EQUAL(got.publisher, 1);
	memset(&got, 0, sizeof(got));
	CU_ASSERT_EQUAL(inventory_node_get(inv, NULL, &got), 0);
	CU_ASSERT_EQUAL(got.id, pub_id);
	CU_ASSERT_STRING_EQUAL(got.host, "cucm-pub");

	n = make_node("cucm-sub1", SVC_TFTP | SVC_CALLMANAGER, 0);
	CU_ASSERT_EQUAL(inventory_node_add(inv, &n, &id), 0);
	CU_ASSERT(id > 0 && id != pub_id);
	CU_ASSERT_EQUAL(inventory_node_get(inv, "cucm-sub1", &got), 0);
	CU_ASSERT_EQUAL(got.id, id);
	CU_ASSERT_EQUAL(got.services, SVC_TFTP | SVC_CALLMANAGER);
	CU_ASSERT_EQUAL(got.publisher, 0);
	/* the publisher is still the publisher */
	CU_ASSERT_EQUAL(inventory_node_get(inv, NULL, &got), 0);
	CU_ASSERT_EQUAL(got.id, pub_id);

	/* a host is added once */
	n = make_node("cucm-sub1", SVC_TVS, 0);
	CU_ASSERT_EQUAL(inventory_node_add(inv, &n, NULL), TS_ERR_EXISTS);
	CU_ASSERT_EQUAL(inventory_node_get(inv, "cucm-sub1", &got), 0);
	CU_ASSERT_EQUAL(got.services, SVC_TFTP | SVC_CALLMANAGER);
	/* one publisher per cluster */
	n = make_node("cucm-pub2", ALL_SVC, 1);
	CU_ASSERT_EQUAL(inventory_node_add(inv, &n, NULL), TS_ERR_EXISTS);
	ts_error_clear();
	r = inventory_node_get(inv, "cucm-pub2", &got);
	CU_ASSERT_EQUAL(r, TS_ERR_NOTFOUND);
	ASSERT_DETAIL(TS_ERR_NOTFOUND, "cucm-pub2");

	/* list: the publisher first, then by host */
	n = make_node("aaa-sub", SVC_TVS, 0);
	CU_ASSERT_EQUAL(inventory_node_add(inv, &n, NULL), 0);
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(inventory_node_list(inv, collect_node, &seen), 0);
	CU_ASSERT_EQUAL_FATAL(seen.n, 3);
	CU_ASSERT_STRING_EQUAL(seen.hosts[0], "cucm-pub");
	CU_ASSERT_EQUAL(seen.publisher[0], 1);
	CU_ASSERT_STRING_EQUAL(seen.hosts[1], "aaa-sub");
	CU_ASSERT_STRING_EQUAL(seen.hosts[2], "cucm-sub1");
	/* a callback's error stops the walk and is returned */
	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 2;
	CU_ASSERT_EQUAL(inventory_node_list(inv, collect_node, &seen), 42);
	CU_ASSERT_EQUAL(seen.n, 2);
}

static void
test_node_services_text(void)
{
	char buf[64], small[6];

	node_services_text(ALL_SVC, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "TFTP,TVS,CAPF,CallManager");
	node_services_text(SVC_TFTP | SVC_CALLMANAGER, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "TFTP,CallManager");
	node_services_text(SVC_CAPF, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "CAPF");
	node_services_text(SVC_TVS | SVC_CAPF, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "TVS,CAPF");
	node_services_text(0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* too small a buffer: truncated, terminated, not overrun */
	memset(small, 'x', sizeof(small));
	node_services_text(ALL_SVC, small, sizeof(small));
	CU_ASSERT(memchr(small, '\0', sizeof(small)) != NULL);
	CU_ASSERT_EQUAL(strncmp(small, "TFTP", 4), 0);
}

/* ---- certificates ---- */

static const uint8_t der_bytes[] = { 0x30, 0x82, 0x00, 0x00, 0x01, 0x00,
	0xFF, 0x00, 0x7F, 0x80, 0x00 }; /* embedded NULs survive */

static struct cert_row
make_cert_row(long node_id, const char *purpose, const char *state,
    const char *serial)
{
	struct cert_row c;

	memset(&c, 0, sizeof(c));
	c.node_id = node_id;
	snprintf(c.purpose, sizeof(c.purpose), "%s", purpose);
	snprintf(c.state, sizeof(c.state), "%s", state);
	snprintf(c.key_label, sizeof(c.key_label), "%s-%s", purpose, serial);
	snprintf(c.key_id, sizeof(c.key_id), "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	    "00112233445566778899aabbccddeeff");
	snprintf(c.key_type, sizeof(c.key_type), "RSA");
	c.key_bits = 4096;
	c.subject = (char *)"CN=cucm-pub.example.com;OU=Voice;O=Example;"
	    "L=Wellington;ST=WGN;C=NZ";
	c.issuer = (char *)"CN=Example Issuing CA;O=Example;C=NZ";
	snprintf(c.serial, sizeof(c.serial), "%s", serial);
	c.not_before = 1795910400;
	c.not_after = 2111529600; /* after 2038 */
	snprintf(c.sha1, sizeof(c.sha1),
	    "3ff2855d9d2865bad12be23b3047a906f9624620");
	snprintf(c.sha256, sizeof(c.sha256), "f13ed19aca0814372b349ff366c73c00"
	    "9a8dd06b26c3ca02f8f95e88636bbfb5");
	c.der = (uint8_t *)der_bytes;
	c.der_len = sizeof(der_bytes);
	return c;
}

struct cert_seen {
	char states[16][16];
	char serials[16][130];
	size_t n;
};

static int
collect_cert(const struct cert_row *c, void *arg)
{
	struct cert_seen *s = arg;

	if (s->n < 16) {
		snprintf(s->states[s->n], sizeof(s->states[0]), "%s", c->state);
		snprintf(s->serials[s->n], sizeof(s->serials[0]), "%s",
		    c->serial);
	}
	s->n++;
	return 0;
}

static void
test_certificates(void)
{
	struct cert_row c, got;
	struct cert_seen seen;
	struct node n;
	long pub, sub, id = -1, id2 = -1;
	time_t t0 = time(NULL);
	size_t i, j;
	int r;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	pub = add_publisher();
	n = make_node("cucm-sub1", SVC_TFTP, 0);
	CU_ASSERT_EQUAL_FATAL(inventory_node_add(inv, &n, &sub), 0);

	c = make_cert_row(pub, "CallManager", "active", "70:CA:F6:01");
	CU_ASSERT_EQUAL_FATAL(inventory_cert_add(inv, &c, &id), 0);
	CU_ASSERT(id > 0);

	memset(&got, 0, sizeof(got));
	CU_ASSERT_EQUAL_FATAL(inventory_cert_active(inv, pub, "CallManager",
	    &got), 0);
	CU_ASSERT_EQUAL(got.id, id);
	CU_ASSERT_EQUAL(got.node_id, pub);
	CU_ASSERT_STRING_EQUAL(got.host, "cucm-pub");
	CU_ASSERT_STRING_EQUAL(got.purpose, "CallManager");
	CU_ASSERT_STRING_EQUAL(got.state, "active");
	CU_ASSERT_STRING_EQUAL(got.key_label, c.key_label);
	CU_ASSERT_STRING_EQUAL(got.key_id, c.key_id);
	CU_ASSERT_STRING_EQUAL(got.key_type, "RSA");
	CU_ASSERT_EQUAL(got.key_bits, 4096);
	CU_ASSERT(got.subject != NULL && strcmp(got.subject, c.subject) == 0);
	CU_ASSERT(got.issuer != NULL && strcmp(got.issuer, c.issuer) == 0);
	CU_ASSERT_STRING_EQUAL(got.serial, "70:CA:F6:01");
	CU_ASSERT_EQUAL((long long)got.not_before, 1795910400LL);
	CU_ASSERT_EQUAL((long long)got.not_after, 2111529600LL);
	CU_ASSERT_STRING_EQUAL(got.sha1, c.sha1);
	CU_ASSERT_STRING_EQUAL(got.sha256, c.sha256);
	CU_ASSERT_EQUAL(got.der_len, sizeof(der_bytes));
	CU_ASSERT(got.der != NULL && got.der_len == sizeof(der_bytes) &&
	    memcmp(got.der, der_bytes, sizeof(der_bytes)) == 0);
	CU_ASSERT(got.created >= t0 - 5 && got.created <= time(NULL) + 5);
	cert_row_free(&got);
	CU_ASSERT_PTR_NULL(got.subject);
	CU_ASSERT_PTR_NULL(got.der);

	/* one active certificate per node and purpose */
	c = make_cert_row(pub, "CallManager", "active", "70:CA:F6:02");
	CU_ASSERT_EQUAL(inventory_cert_add(inv, &c, NULL), TS_ERR_EXISTS);
	CU_ASSERT_EQUAL(inventory_cert_active(inv, pub, "CallManager", &got),
	    0);
	CU_ASSERT_STRING_EQUAL(got.serial, "70:CA:F6:01");
	cert_row_free(&got);
	/* retired and pending ones beside it are fine */
	c = make_cert_row(pub, "CallManager", "retired", "70:CA:F6:03");
	CU_ASSERT_EQUAL(inventory_cert_add(inv, &c, &id2), 0);
	CU_ASSERT(id2 > id);
	c = make_cert_row(pub, "CallManager", "retired", "70:CA:F6:04");
	CU_ASSERT_EQUAL(inventory_cert_add(inv, &c, NULL), 0);
	c = make_cert_row(pub, "CallManager", "pending", "70:CA:F6:05");
	CU_ASSERT_EQUAL(inventory_cert_add(inv, &c, NULL), 0);
	/* the same purpose on another node, another purpose on this one */
	c = make_cert_row(sub, "CallManager", "active", "70:CA:F6:06");
	CU_ASSERT_EQUAL(inventory_cert_add(inv, &c, NULL), 0);
	c = make_cert_row(pub, "ITLRecovery", "active", "70:CA:F6:07");
	CU_ASSERT_EQUAL(inventory_cert_add(inv, &c, NULL), 0);
	CU_ASSERT_EQUAL(inventory_cert_active(inv, pub, "CallManager", &got),
	    0);
	CU_ASSERT_STRING_EQUAL(got.serial, "70:CA:F6:01");
	cert_row_free(&got);
	CU_ASSERT_EQUAL(inventory_cert_active(inv, sub, "CallManager", &got),
	    0);
	CU_ASSERT_STRING_EQUAL(got.serial, "70:CA:F6:06");
	CU_ASSERT_STRING_EQUAL(got.host, "cucm-sub1");
	cert_row_free(&got);
	CU_ASSERT_EQUAL(inventory_cert_active(inv, sub, "TVS", &got),
	    TS_ERR_NOTFOUND);

	/* list: every certificate, the active ones first */
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(inventory_cert_list(inv, collect_cert, &seen), 0);
	CU_ASSERT_EQUAL_FATAL(seen.n, 6);
	for (i = 0; i < 3; i++)
		CU_ASSERT_STRING_EQUAL(seen.states[i], "active");
	for (i = 3; i < 6; i++)
		CU_ASSERT_STRING_NOT_EQUAL(seen.states[i], "active");
	for (i = 0; i < 6; i++)
		for (j = i + 1; j < 6; j++)
			CU_ASSERT_STRING_NOT_EQUAL(seen.serials[i],
			    seen.serials[j]);

	/* a certificate for a node that does not exist is refused */
	c = make_cert_row(9999, "TVS", "active", "70:CA:F6:08");
	ts_error_clear();
	r = inventory_cert_add(inv, &c, NULL);
	CU_ASSERT_EQUAL(r, TS_ERR_NOTFOUND);
	ASSERT_DETAIL(TS_ERR_NOTFOUND, "node");
	CU_ASSERT_EQUAL(inventory_cert_active(inv, 9999, "TVS", &got),
	    TS_ERR_NOTFOUND);
	/* and a state outside active/pending/retired */
	c = make_cert_row(sub, "TVS", "revoked", "70:CA:F6:09");
	r = inventory_cert_add(inv, &c, NULL);
	CU_ASSERT_EQUAL(r, TS_ERR_INVALID);
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(inventory_cert_list(inv, collect_cert, &seen), 0);
	CU_ASSERT_EQUAL(seen.n, 6);
}

/* ---- params and meta ---- */

static void
test_params(void)
{
	char *v = NULL;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	CU_ASSERT_EQUAL(inventory_param_get(inv, "tvs.port", "2445", &v), 0);
	CU_ASSERT(v != NULL && strcmp(v, "2445") == 0);
	free(v);
	v = (char *)1;
	CU_ASSERT_EQUAL(inventory_param_get(inv, "tvs.port", NULL, &v), 0);
	CU_ASSERT_PTR_NULL(v);

	CU_ASSERT_EQUAL(inventory_param_set(inv, "tvs.port", "12445"), 0);
	CU_ASSERT_EQUAL(inventory_param_get(inv, "tvs.port", "2445", &v), 0);
	CU_ASSERT(v != NULL && strcmp(v, "12445") == 0);
	free(v);
	CU_ASSERT_EQUAL(inventory_param_set(inv, "tvs.port", "3445"), 0);
	CU_ASSERT_EQUAL(inventory_param_get(inv, "tvs.port", NULL, &v), 0);
	CU_ASSERT(v != NULL && strcmp(v, "3445") == 0);
	free(v);
	/* other names untouched; an empty value is a value */
	CU_ASSERT_EQUAL(inventory_param_set(inv, "cluster.security", ""), 0);
	CU_ASSERT_EQUAL(inventory_param_get(inv, "cluster.security", "mixed",
	    &v), 0);
	CU_ASSERT(v != NULL && strcmp(v, "") == 0);
	free(v);
	CU_ASSERT_EQUAL(inventory_param_get(inv, "tftp.dir", "/srv/tftp", &v),
	    0);
	CU_ASSERT(v != NULL && strcmp(v, "/srv/tftp") == 0);
	free(v);
}

static void
test_meta(void)
{
	char *v = (char *)1;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	ts_error_clear();
	CU_ASSERT_EQUAL(inventory_meta_get(inv, "cluster", &v),
	    TS_ERR_NOTFOUND);
	CU_ASSERT_PTR_NULL(v);
	ASSERT_DETAIL(TS_ERR_NOTFOUND, "cluster");
	CU_ASSERT_EQUAL(inventory_meta_set(inv, "cluster", "lab"), 0);
	CU_ASSERT_EQUAL(inventory_meta_get(inv, "cluster", &v), 0);
	CU_ASSERT(v != NULL && strcmp(v, "lab") == 0);
	free(v);
	CU_ASSERT_EQUAL(inventory_meta_set(inv, "cluster", "production"), 0);
	CU_ASSERT_EQUAL(inventory_meta_get(inv, "cluster", &v), 0);
	CU_ASSERT(v != NULL && strcmp(v, "production") == 0);
	free(v);
	CU_ASSERT_EQUAL(inventory_meta_get(inv, "Cluster", &v),
	    TS_ERR_NOTFOUND);
}

/* ---- published files ---- */

static struct published
make_published(long node_id, const char *path, size_t size, char fill,
    time_t when)
{
	struct published p;

	memset(&p, 0, sizeof(p));
	p.node_id = node_id;
	snprintf(p.kind, sizeof(p.kind), "ITL");
	snprintf(p.path, sizeof(p.path), "%s", path);
	p.size = size;
	memset(p.md5, fill, 32);
	memset(p.sha1, fill, 40);
	memset(p.sha256, fill, 64);
	snprintf(p.signer, sizeof(p.signer), "70:CA:F6:%c%c", fill, fill);
	p.published = when;
	return p;
}

static void
test_published(void)
{
	struct published a, b, c, got;
	long pub;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	pub = add_publisher();
	a = make_published(pub, "/srv/tftp/ITLFile.tlv", 5438, 'a',
	    1795910400);
	b = make_published(pub, "/srv/tftp/ITLFile.tlv", 5442, 'b',
	    1795910460);
	c = make_published(0, "/srv/tftp/CTLFile.tlv", 4000, 'c', 1795910500);
	snprintf(c.kind, sizeof(c.kind), "CTL");

	ts_error_clear();
	CU_ASSERT_EQUAL(inventory_published_last(inv, a.path, &got),
	    TS_ERR_NOTFOUND);
	ASSERT_DETAIL(TS_ERR_NOTFOUND, "ITLFile.tlv");
	CU_ASSERT_EQUAL(inventory_published_add(inv, &a), 0);
	CU_ASSERT_EQUAL(inventory_published_add(inv, &b), 0);
	CU_ASSERT_EQUAL(inventory_published_add(inv, &c), 0);

	memset(&got, 0, sizeof(got));
	CU_ASSERT_EQUAL_FATAL(inventory_published_last(inv, a.path, &got), 0);
	CU_ASSERT(got.id > 0);
	CU_ASSERT_EQUAL(got.node_id, pub);
	CU_ASSERT_STRING_EQUAL(got.kind, "ITL");
	CU_ASSERT_STRING_EQUAL(got.path, "/srv/tftp/ITLFile.tlv");
	CU_ASSERT_EQUAL(got.size, 5442);
	CU_ASSERT_STRING_EQUAL(got.md5, b.md5);
	CU_ASSERT_STRING_EQUAL(got.sha1, b.sha1);
	CU_ASSERT_STRING_EQUAL(got.sha256, b.sha256);
	CU_ASSERT_STRING_EQUAL(got.signer, "70:CA:F6:bb");
	CU_ASSERT_EQUAL((long long)got.published, 1795910460LL);

	/* no node: kept as none */
	CU_ASSERT_EQUAL_FATAL(inventory_published_last(inv, c.path, &got), 0);
	CU_ASSERT_EQUAL(got.node_id, 0);
	CU_ASSERT_STRING_EQUAL(got.kind, "CTL");
	CU_ASSERT_EQUAL(got.size, 4000);

	CU_ASSERT_EQUAL(inventory_published_last(inv, "/srv/tftp/other.tlv",
	    &got), TS_ERR_NOTFOUND);
	/* a record naming a node that does not exist is refused */
	c = make_published(9999, "/srv/tftp/other.tlv", 1, 'd', 1795910600);
	CU_ASSERT_EQUAL(inventory_published_add(inv, &c), TS_ERR_NOTFOUND);
	CU_ASSERT_EQUAL(inventory_published_last(inv, "/srv/tftp/other.tlv",
	    &got), TS_ERR_NOTFOUND);
	/* a path is matched exactly */
	CU_ASSERT_EQUAL(inventory_published_last(inv, "/srv/tftp/ITLFile",
	    &got), TS_ERR_NOTFOUND);
}

/* ---- transactions ---- */

static void
test_transactions(void)
{
	struct node n, got;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	add_publisher();

	CU_ASSERT_EQUAL_FATAL(inventory_begin(inv), 0);
	n = make_node("cucm-sub1", SVC_TFTP, 0);
	CU_ASSERT_EQUAL(inventory_node_add(inv, &n, NULL), 0);
	CU_ASSERT_EQUAL(inventory_param_set(inv, "tvs.port", "1"), 0);
	CU_ASSERT_EQUAL(inventory_node_get(inv, "cucm-sub1", &got), 0);
	inventory_rollback(inv);
	CU_ASSERT_EQUAL(inventory_node_get(inv, "cucm-sub1", &got),
	    TS_ERR_NOTFOUND);
	{
		char *v = NULL;

		CU_ASSERT_EQUAL(inventory_param_get(inv, "tvs.port", NULL, &v),
		    0);
		CU_ASSERT_PTR_NULL(v);
		free(v);
	}
	/* the publisher, added before, stays */
	CU_ASSERT_EQUAL(inventory_node_get(inv, NULL, &got), 0);

	CU_ASSERT_EQUAL_FATAL(inventory_begin(inv), 0);
	CU_ASSERT_EQUAL(inventory_node_add(inv, &n, NULL), 0);
	CU_ASSERT_EQUAL(inventory_commit(inv), 0);
	CU_ASSERT_EQUAL(inventory_node_get(inv, "cucm-sub1", &got), 0);
	/* rollback with nothing open does no harm */
	inventory_rollback(inv);
	CU_ASSERT_EQUAL(inventory_node_get(inv, "cucm-sub1", &got), 0);

	/* committed means durable */
	inventory_close(inv);
	inv = NULL;
	CU_ASSERT_EQUAL_FATAL(inventory_open(dir, 0, &inv), 0);
	CU_ASSERT_EQUAL(inventory_node_get(inv, "cucm-sub1", &got), 0);
	CU_ASSERT_STRING_EQUAL(got.host, "cucm-sub1");
}

static int
collect_entry(const struct audit_entry *e, void *arg)
{
	struct audit_entry *v = arg;

	if (e->seq >= 1 && e->seq <= 4)
		v[e->seq - 1] = *e;
	return 0;
}

/* A group of entries is chained exactly as the same entries one by one:
 * sequence numbers, links, and a chain that verifies; and an entry
 * altered afterwards is found. */
static void
test_audit_many(void)
{
	struct audit_new v[3] = {
		{ "api:publisher:ab", "config.sign", "name=a bytes=1", "ok" },
		{ "api:publisher:cd", "config.sign", "name=b bytes=2",
		  "failed: no key" },
		{ "api:publisher:ab", "config.sign", "name=c bytes=3", "ok" },
	};
	struct audit_entry e[4];
	long count = 0;
	sqlite3 *db;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	memset(e, 0, sizeof(e));
	CU_ASSERT_EQUAL(audit_append(inv, "cli", "init", "", "ok"), 0);
	CU_ASSERT_EQUAL(audit_append_many(inv, v, 3), 0);
	CU_ASSERT_EQUAL(audit_verify(inv, &count), 0);
	CU_ASSERT_EQUAL(count, 4);
	CU_ASSERT_EQUAL(audit_list(inv, 0, collect_entry, e), 0);
	CU_ASSERT_STRING_EQUAL(e[1].prev, e[0].hash);
	CU_ASSERT_STRING_EQUAL(e[2].prev, e[1].hash);
	CU_ASSERT_STRING_EQUAL(e[3].prev, e[2].hash);
	CU_ASSERT_STRING_EQUAL(e[2].actor, "api:publisher:cd");
	CU_ASSERT_STRING_EQUAL(e[2].result, "failed: no key");
	CU_ASSERT_STRING_EQUAL(e[3].args, "name=c bytes=3");
	/* nothing at all is a no-op, not an entry */
	CU_ASSERT_EQUAL(audit_append_many(inv, v, 0), 0);
	CU_ASSERT_EQUAL(audit_verify(inv, &count), 0);
	CU_ASSERT_EQUAL(count, 4);
	/* the middle of the group altered: the chain says so */
	inventory_close(inv);
	inv = NULL;
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/inventory.db", dir);
		CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
		CU_ASSERT_EQUAL(sqlite3_exec(db, "UPDATE audit SET args = "
		    "'name=x bytes=2' WHERE seq = 3", NULL, NULL, NULL),
		    SQLITE_OK);
		sqlite3_close(db);
	}
	CU_ASSERT_EQUAL_FATAL(inventory_open(dir, 0, &inv), 0);
	CU_ASSERT_EQUAL(audit_verify(inv, &count), TS_ERR_SIGNATURE);
}

/* data_version: the same after this connection's own commits, changed
 * by another connection's. */
static void
test_data_version(void)
{
	struct inventory *other = NULL;
	long long v0, v1, v2;
	struct node n;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	add_publisher();
	CU_ASSERT_EQUAL(inventory_data_version(inv, &v0), 0);
	CU_ASSERT_EQUAL(inventory_param_set(inv, "tvs.port", "1"), 0);
	CU_ASSERT_EQUAL(inventory_data_version(inv, &v1), 0);
	CU_ASSERT_EQUAL(v0, v1);
	CU_ASSERT_EQUAL_FATAL(inventory_open(dir, 0, &other), 0);
	n = make_node("cucm-sub2", SVC_TFTP, 0);
	CU_ASSERT_EQUAL(inventory_node_add(other, &n, NULL), 0);
	CU_ASSERT_EQUAL(inventory_data_version(inv, &v2), 0);
	CU_ASSERT_NOT_EQUAL(v1, v2);
	inventory_close(other);
}

/* Statements kept prepared: the same one for the same text, given back
 * reset and without bindings; a text that does not prepare takes no
 * place; past the cache's size, statements for one use; transactions and
 * the audit log unharmed when it is full. */
static void
test_kept_statements(void)
{
	static const char *const texts[INVENTORY_STMT_CACHE + 1] = {
		"SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", "SELECT 5",
		"SELECT 6", "SELECT 7", "SELECT 8", "SELECT 9", "SELECT 10",
		"SELECT 11", "SELECT 12", "SELECT 13", "SELECT 14",
		"SELECT 15", "SELECT 16", "SELECT 17" };
	char copy[] = "SELECT ?";
	sqlite3_stmt *a, *b, *v[INVENTORY_STMT_CACHE + 1];
	struct node n;
	long count;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	CU_ASSERT_EQUAL_FATAL(inventory_stmt(inv, "SELECT ?", &a), 0);
	sqlite3_bind_int(a, 1, 5);
	CU_ASSERT_EQUAL(sqlite3_step(a), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_int(a, 0), 5);
	inventory_stmt_done(inv, a);
	/* the same text (not the same string) finds the same statement */
	CU_ASSERT_EQUAL(inventory_stmt(inv, copy, &b), 0);
	CU_ASSERT_PTR_EQUAL(a, b);
	CU_ASSERT_EQUAL(sqlite3_step(b), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_type(b, 0), SQLITE_NULL);
	inventory_stmt_done(inv, b);
	CU_ASSERT_EQUAL(inventory_stmt(inv, "SELEC 1", &a), TS_ERR_STATE);
	CU_ASSERT_PTR_NULL(a);
	/* fill the cache and go past it: each text still answers */
	for (i = 0; i < INVENTORY_STMT_CACHE + 1; i++) {
		CU_ASSERT_EQUAL_FATAL(inventory_stmt(inv, texts[i], &v[i]), 0);
		CU_ASSERT_EQUAL(sqlite3_step(v[i]), SQLITE_ROW);
		CU_ASSERT_EQUAL(sqlite3_column_int(v[i], 0), (int)i + 1);
		inventory_stmt_done(inv, v[i]);
	}
	CU_ASSERT_EQUAL(inventory_stmt(inv, texts[INVENTORY_STMT_CACHE - 2],
	    &a), 0);
	CU_ASSERT_PTR_EQUAL(a, v[INVENTORY_STMT_CACHE - 2]);
	inventory_stmt_done(inv, a);
	CU_ASSERT_EQUAL(inventory_begin(inv), 0);
	n = make_node("cucm-sub3", SVC_TFTP, 0);
	CU_ASSERT_EQUAL(inventory_node_add(inv, &n, NULL), 0);
	CU_ASSERT_EQUAL(inventory_commit(inv), 0);
	CU_ASSERT_EQUAL(audit_append(inv, "test", "op", "a=1", "ok"), 0);
	CU_ASSERT_EQUAL(audit_append(inv, "test", "op", "a=2", "ok"), 0);
	CU_ASSERT_EQUAL(audit_verify(inv, &count), 0);
	CU_ASSERT_EQUAL(count, 2);
}

/* What bulk signing records: listed by path, a second signature of the
 * same path replaces the first, and one run's rows share its time. */
struct signed_seen {
	char line[4][256];
	int n;
};

static int
collect_signed(const char *path, const char *sha256, const char *signer,
    const char *output, void *arg)
{
	struct signed_seen *s = arg;

	if (s->n == 4)
		return -1;
	snprintf(s->line[s->n++], sizeof(s->line[0]), "%s %s %s %s", path,
	    sha256, signer, output);
	return 0;
}

static void
test_signed_files(void)
{
	const char *paths[3] = { "/c/b.xml", "/c/a.xml", "/c/c.xml" };
	const char *sums[3] = { "11", "22", "33" };
	const char *outs[3] = { "/o/b.sgn", "/o/a.sgn", "/o/c.sgn" };
	const char *again[1] = { "/c/b.xml" }, *sum2[1] = { "44" };
	const char *out2[1] = { "/o/b2.sgn" };
	struct signed_seen seen;
	sqlite3_stmt *st;
	time_t t0, t1;
	long long lo = -1, hi = -1;
	int rows = -1;

	CU_ASSERT_EQUAL_FATAL(fx_setup(1), 0);
	memset(&seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(inventory_signed_list(inv, collect_signed, &seen), 0);
	CU_ASSERT_EQUAL(seen.n, 0);
	t0 = time(NULL);
	CU_ASSERT_EQUAL(inventory_signed_put(inv, 3, paths, sums, "AB", outs),
	    0);
	t1 = time(NULL);
	CU_ASSERT_EQUAL(inventory_signed_put(inv, 1, again, sum2, "CD", out2),
	    0);
	CU_ASSERT_EQUAL(inventory_signed_list(inv, collect_signed, &seen), 0);
	CU_ASSERT_EQUAL_FATAL(seen.n, 3);
	CU_ASSERT_STRING_EQUAL(seen.line[0], "/c/a.xml 22 AB /o/a.sgn");
	CU_ASSERT_STRING_EQUAL(seen.line[1], "/c/b.xml 44 CD /o/b2.sgn");
	CU_ASSERT_STRING_EQUAL(seen.line[2], "/c/c.xml 33 AB /o/c.sgn");
	/* the time of signing, the same for a run's rows */
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(inventory_db(inv),
	    "SELECT count(*), min(signed), max(signed) FROM signed_files "
	    "WHERE signer = 'AB'", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW) {
		rows = sqlite3_column_int(st, 0);
		lo = sqlite3_column_int64(st, 1);
		hi = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	CU_ASSERT_EQUAL(rows, 2);
	CU_ASSERT_EQUAL(lo, hi);
	CU_ASSERT(lo >= (long long)t0 && lo <= (long long)t1);
	/* a callback's error stops the listing and is returned */
	seen.n = 4;
	CU_ASSERT_EQUAL(inventory_signed_list(inv, collect_signed, &seen), -1);
}

static const struct cutap_test tests[] = {
	{ "statements kept prepared", test_kept_statements },
	{ "audit entries appended in a group", test_audit_many },
	{ "data_version", test_data_version },
	{ "open without create on an empty directory", test_open_missing },
	{ "open with create, mode 0600, reopen", test_open_create },
	{ "newer schema refused", test_open_newer_schema },
	{ "version-0 database migrated", test_open_migrates_empty },
	{ "nodes", test_nodes },
	{ "node_services_text", test_node_services_text },
	{ "certificates", test_certificates },
	{ "params", test_params },
	{ "meta", test_meta },
	{ "published files", test_published },
	{ "transactions", test_transactions },
	{ "signed files", test_signed_files },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "inventory",
	    .setup = fx_make_dir, .teardown = fx_teardown }, tests,
	    CUTAP_N(tests));
}
