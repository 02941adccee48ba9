/* bulk.c - bulk certificate export, consolidation and import. */
#include "ops/bulk.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "format/trustlist.h"
#include "util/error.h"
#include "util/fileio.h"
#include "x509/cert.h"

int
ops_bulk_type(const char *name, unsigned *type)
{
	if (strcasecmp(name, "tftp") == 0)
		*type = BULK_TFTP;
	else if (strcasecmp(name, "itlrecovery") == 0)
		*type = BULK_ITLRECOVERY;
	else if (strcasecmp(name, "all") == 0)
		*type = BULK_ALL;
	else
		return ts_error(TS_ERR_INVALID, "certificate type \"%s\" is not "
		    "tftp, itlrecovery or all", name);
	return 0;
}

struct export {
	struct app *a;
	unsigned type;
	const char *cluster;
	struct bulk_archive ar;
};

/* The roles a certificate of this cluster has in its trust files, as the
 * phone-trust check gives them; 0 roles: not exported for type. */
static int
export_row(const struct cert_row *row, void *arg)
{
	struct export *x = arg;
	struct bulk_entry e;
	struct node n;
	int r;

	if (strcmp(row->state, "active") != 0)
		return 0;
	memset(&e, 0, sizeof(e));
	if (strcmp(row->purpose, "CallManager") == 0 ||
	    strcmp(row->purpose, "CallManager-ECDSA") == 0) {
		if (!(x->type & BULK_TFTP))
			return 0;
		if ((r = inventory_node_get(x->a->inv, row->host, &n)) != 0)
			return r;
		e.roles[e.nroles++] = (n.services & SVC_CALLMANAGER) ?
		    TL_ROLE_CCM_TFTP : TL_ROLE_TFTP;
	} else if (strcmp(row->purpose, "ITLRecovery") == 0) {
		if (!(x->type & BULK_ITLRECOVERY))
			return 0;
		e.roles[e.nroles++] = TL_ROLE_SAST;
	} else if (x->type == BULK_ALL && strcmp(row->purpose, "TVS") == 0) {
		e.roles[e.nroles++] = TL_ROLE_TVS;
	} else if (x->type == BULK_ALL && strcmp(row->purpose, "CAPF") == 0) {
		e.roles[e.nroles++] = TL_ROLE_CAPF;
	} else {
		return 0;
	}
	snprintf(e.cluster, sizeof(e.cluster), "%s", x->cluster);
	snprintf(e.host, sizeof(e.host), "%s", row->host);
	snprintf(e.purpose, sizeof(e.purpose), "%s", row->purpose);
	snprintf(e.sha256, sizeof(e.sha256), "%s", row->sha256);
	e.der = row->der;
	e.der_len = row->der_len;
	return bulk_add(&x->ar, &e);
}

static int
write_archive(const struct bulk_archive *ar, const char *out)
{
	char *text;
	size_t len;
	int r;

	if ((r = bulk_encode(ar, &text, &len)) != 0)
		return r;
	r = file_write_atomic(out, text, len, 0644);
	free(text);
	return r;
}

int
ops_bulk_export(struct app *a, unsigned type, const char *out,
    size_t *count)
{
	struct export x;
	int r;

	memset(&x, 0, sizeof(x));
	x.a = a;
	x.type = type;
	x.cluster = a->conf.cluster_name;
	if ((r = inventory_cert_list(a->inv, export_row, &x)) != 0)
		goto out;
	if (x.ar.n == 0) {
		r = ts_error(TS_ERR_NOTFOUND, "cluster %s has no active "
		    "certificate of that type to export: generate them first",
		    x.cluster);
		goto out;
	}
	if ((r = write_archive(&x.ar, out)) != 0)
		goto out;
	*count = x.ar.n;
out:
	bulk_free(&x.ar);
	return r;
}

/* The DER is one certificate, canonically encoded, with that SHA-256. */
static int
check_entry(const struct bulk_entry *e, size_t idx, X509 **out)
{
	uint8_t *der = NULL;
	size_t len;
	char sha[65];
	X509 *x;
	int r;

	if ((r = cert_from_der(e->der, e->der_len, &x)) != 0)
		return ts_error(TS_ERR_FORMAT, "certificate %zu (%s of %s) is "
		    "not an X.509 certificate", idx, e->purpose, e->host);
	if ((r = cert_der(x, &der, &len)) != 0 ||
	    (r = cert_fingerprint(x, EVP_sha256(), sha, sizeof(sha), 0)) != 0)
		goto out;
	if (len != e->der_len || memcmp(der, e->der, len) != 0) {
		r = ts_error(TS_ERR_FORMAT, "certificate %zu (%s of %s) has "
		    "bytes beyond its DER encoding", idx, e->purpose, e->host);
		goto out;
	}
	if (strcmp(sha, e->sha256) != 0) {
		r = ts_error(TS_ERR_FORMAT, "certificate %zu (%s of %s): its "
		    "SHA-256 is %s, the archive says %s", idx, e->purpose,
		    e->host, sha, e->sha256);
		goto out;
	}
out:
	free(der);
	if (r == 0 && out != NULL)
		*out = x;
	else
		X509_free(x);
	return r;
}

int
ops_bulk_read(const char *path, struct bulk_archive *ar)
{
	uint8_t *data;
	size_t len, i;
	int r;

	memset(ar, 0, sizeof(*ar));
	if ((r = file_read(path, BULK_MAX_FILE, &data, &len)) != 0)
		return r;
	r = bulk_parse(data, len, ar);
	free(data);
	if (r != 0) {
		char detail[512];

		snprintf(detail, sizeof(detail), "%s", ts_error_detail(r));
		return ts_error(r, "%s: %s", path, detail);
	}
	for (i = 0; i < ar->n; i++)
		if ((r = check_entry(&ar->entries[i], i + 1, NULL)) != 0) {
			char detail[512];

			snprintf(detail, sizeof(detail), "%s",
			    ts_error_detail(r));
			bulk_free(ar);
			return ts_error(r, "%s: %s", path, detail);
		}
	return 0;
}

int
ops_bulk_consolidate(const char *const *in, size_t n, const char *out,
    size_t *count, size_t *duplicates)
{
	struct bulk_archive all, one;
	size_t i, j;
	int r = 0;

	memset(&all, 0, sizeof(all));
	*duplicates = 0;
	for (i = 0; i < n && r == 0; i++) {
		if ((r = ops_bulk_read(in[i], &one)) != 0)
			break;
		for (j = 0; j < one.n && r == 0; j++) {
			r = bulk_add(&all, &one.entries[j]);
			if (r == TS_ERR_EXISTS) {
				ts_error_clear();
				(*duplicates)++;
				r = 0;
			}
		}
		bulk_free(&one);
	}
	if (r == 0 && all.n == 0)
		r = ts_error(TS_ERR_INVALID, "the archives hold no certificate");
	if (r == 0 && (r = write_archive(&all, out)) == 0)
		*count = all.n;
	bulk_free(&all);
	return r;
}

struct own {
	const char *sha256;
	int found;
};

static int
own_match(const struct cert_row *row, void *arg)
{
	struct own *o = arg;

	if (strcmp(row->sha256, o->sha256) == 0)
		o->found = 1;
	return 0;
}

static int
import_entry(struct app *a, const struct bulk_entry *e, size_t idx,
    struct bulk_import_result *res)
{
	struct tvs_trust_row t;
	struct own own = { e->sha256, 0 };
	uint8_t *serial = NULL;
	size_t slen;
	int found, r;
	X509 *x;

	if ((r = inventory_cert_list(a->inv, own_match, &own)) != 0)
		return r;
	if (own.found) {
		res->own++;
		return 0;
	}
	if (strcmp(e->cluster, a->conf.cluster_name) == 0)
		return ts_error(TS_ERR_INVALID, "certificate %zu (%s of %s) "
		    "claims cluster \"%s\", this cluster's name, but is not "
		    "in the inventory: give every cluster its own name",
		    idx, e->purpose, e->host, e->cluster);
	if ((r = tvs_trust_has(a->inv, e->sha256, &found)) != 0)
		return r;
	if (found) {
		res->already++;
		return 0;
	}
	if ((r = check_entry(e, idx, &x)) != 0)
		return r;
	memset(&t, 0, sizeof(t));
	snprintf(t.cluster, sizeof(t.cluster), "%s", e->cluster);
	snprintf(t.host, sizeof(t.host), "%s", e->host);
	snprintf(t.purpose, sizeof(t.purpose), "%s", e->purpose);
	snprintf(t.sha256, sizeof(t.sha256), "%s", e->sha256);
	t.der = e->der;
	t.der_len = e->der_len;
	t.imported = time(NULL);
	if ((r = bulk_roles_text(e->roles, e->nroles, t.roles,
	    sizeof(t.roles))) != 0 ||
	    (r = cert_dn_text(X509_get_subject_name(x), ';', &t.subject)) != 0 ||
	    (r = cert_dn_text(X509_get_issuer_name(x), ';', &t.issuer)) != 0 ||
	    (r = cert_serial(x, &serial, &slen)) != 0)
		goto out;
	if (slen * 3 > sizeof(t.serial)) {
		r = ts_error(TS_ERR_FORMAT, "certificate %zu: serial too long",
		    idx);
		goto out;
	}
	hex_colon(serial, slen, t.serial);
	if ((r = tvs_trust_add(a->inv, &t)) == 0)
		res->imported++;
out:
	free(serial);
	free(t.subject);
	free(t.issuer);
	X509_free(x);
	return r;
}

int
ops_bulk_import(struct app *a, const char *path,
    struct bulk_import_result *res)
{
	struct bulk_archive ar;
	size_t i;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = ops_bulk_read(path, &ar)) != 0)
		goto audit;
	if ((r = inventory_begin(a->inv)) != 0)
		goto out;
	for (i = 0; i < ar.n && r == 0; i++)
		r = import_entry(a, &ar.entries[i], i + 1, res);
	if (r == 0 && res->own == ar.n)
		r = ts_error(TS_ERR_INVALID, "%s holds only this cluster's own "
		    "certificates (cluster %s): import the export of another "
		    "cluster", path, a->conf.cluster_name);
	if (r == 0)
		r = app_audit(a, "cert.bulk.import", 0, "file=%s imported=%zu "
		    "own=%zu already=%zu", path, res->imported, res->own,
		    res->already);
	if (r == 0)
		r = inventory_commit(a->inv);
	if (r != 0) {
		inventory_rollback(a->inv);
		memset(res, 0, sizeof(*res));
	}
out:
	bulk_free(&ar);
audit:
	if (r != 0)
		app_audit(a, "cert.bulk.import", r, "file=%s", path);
	return r;
}

int
ops_bulk_remove(struct app *a, const char *cluster, const char *sha256,
    int *removed)
{
	int r;

	if ((r = inventory_begin(a->inv)) != 0)
		return r;
	if ((r = tvs_trust_remove(a->inv, cluster, sha256, removed)) == 0 &&
	    *removed == 0)
		r = ts_error(TS_ERR_NOTFOUND, "the TVS trust store holds no "
		    "imported certificate of %s %s", cluster ? "cluster" :
		    "SHA-256", cluster ? cluster : sha256);
	if (r == 0)
		r = app_audit(a, "cert.bulk.remove", 0, "%s=%s removed=%d",
		    cluster ? "cluster" : "sha256", cluster ? cluster : sha256,
		    *removed);
	if (r == 0)
		r = inventory_commit(a->inv);
	if (r != 0) {
		inventory_rollback(a->inv);
		if (r != TS_ERR_NOTFOUND)
			app_audit(a, "cert.bulk.remove", r, "%s=%s",
			    cluster ? "cluster" : "sha256",
			    cluster ? cluster : sha256);
	}
	return r;
}
