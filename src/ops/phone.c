/* phone.c - the phone-trust check (PRODUCT.md 6). */
#include "ops/phone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/error.h"
#include "x509/cert.h"
#include "x509/tlverify.h"

#define SERIAL_SHOWN 20  /* X.509 serials are at most 20 bytes */
#define SUBJECT_SHOWN 120
#define DESC_MAX 256     /* "subject (serial AB:..)" */
#define CLAUSE_MAX 1024 /* as long as a reason: clauses are cut when joined */

/* Roles that may sign a kind of file. */
struct roleset {
	const uint16_t *roles; /* in order of preference */
	size_t n;
	const char *text;
};

static const uint16_t itl_roles[] = { TL_ROLE_SAST, TL_ROLE_CCM_TFTP,
	TL_ROLE_TFTP };
static const uint16_t ctl_roles[] = { TL_ROLE_SAST };
static const uint16_t sgn_roles[] = { TL_ROLE_CCM_TFTP, TL_ROLE_TFTP };

#define NROLES(a) (sizeof(a) / sizeof((a)[0]))
static const struct roleset itl_set = { itl_roles, NROLES(itl_roles),
	"SAST, CCM+TFTP or TFTP" };
static const struct roleset ctl_set = { ctl_roles, NROLES(ctl_roles),
	"SAST" };
static const struct roleset sgn_set = { sgn_roles, NROLES(sgn_roles),
	"TFTP or CCM+TFTP" };

static const struct roleset *
roles_for(enum phone_new_kind kind)
{
	switch (kind) {
	case PHONE_NEW_ITL: return &itl_set;
	case PHONE_NEW_CTL: return &ctl_set;
	default: return &sgn_set;
	}
}

static const char *
kind_noun(enum phone_new_kind kind)
{
	switch (kind) {
	case PHONE_NEW_ITL: return "new ITL";
	case PHONE_NEW_CTL: return "new CTL";
	case PHONE_NEW_SGN: return "signed configuration file";
	default: return "unsigned configuration file";
	}
}

static const char *
kind_object(enum phone_new_kind kind)
{
	switch (kind) {
	case PHONE_NEW_ITL: return "an ITL";
	case PHONE_NEW_CTL: return "a CTL";
	default: return "a configuration file";
	}
}

static void
role_text(uint16_t role, char *out, size_t outsize)
{
	const char *s = trustlist_role_short(role);

	if (s != NULL)
		snprintf(out, outsize, "%s", s);
	else
		snprintf(out, outsize, "role %u", (unsigned)role);
}

/* ---- names ---- */

/* Serials compare as numbers: leading zero bytes do not count. */
static int
serial_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i = 0, j = 0, k;

	while (i < alen && a[i] == 0)
		i++;
	while (j < blen && b[j] == 0)
		j++;
	if (alen - i != blen - j)
		return 0;
	for (k = 0; i + k < alen; k++)
		if (a[i + k] != b[j + k])
			return 0;
	return 1;
}

/*
 * The next character of a DN for comparison, or -1 at its end (a NUL
 * ends it): ',' and ';' read as one separator and spaces after it are
 * skipped, since writers join attributes differently; an escaped
 * character stays literal.
 */
static int
dn_next(const uint8_t *s, size_t n, size_t *i)
{
	int c;

	if (*i >= n || s[*i] == '\0')
		return -1;
	c = s[(*i)++];
	if (c == '\\' && *i < n && s[*i] != '\0')
		return 0x100 | s[(*i)++];
	if (c == ',' || c == ';') {
		while (*i < n && s[*i] == ' ')
			(*i)++;
		return ',';
	}
	return c;
}

static int
dn_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i = 0, j = 0;
	int ca, cb;

	do {
		ca = dn_next(a, alen, &i);
		cb = dn_next(b, blen, &j);
		if (ca != cb)
			return 0;
	} while (ca != -1);
	return 1;
}

int
phone_dn_equal(const char *a, const char *b)
{
	return dn_eq((const uint8_t *)a, strlen(a), (const uint8_t *)b,
	    strlen(b));
}

int
phone_serial_equal(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	return serial_eq(a, alen, b, blen);
}

/* Does the header of nf name this serial and issuer as its signer? */
static int
names_signer(const struct trustlist *nf, const uint8_t *serial,
    size_t serial_len, const uint8_t *issuer, size_t issuer_len)
{
	const struct trustlist_header *h = &nf->hdr;

	return h->serial.present && h->issuer_name.present &&
	    serial_eq(h->serial.p, h->serial.len, serial, serial_len) &&
	    dn_eq(h->issuer_name.p, h->issuer_name.len, issuer, issuer_len);
}

static int
record_is_signer(const struct trustlist *nf, const struct trustlist_record *r)
{
	return r->serial.present && r->issuer.present &&
	    names_signer(nf, r->serial.p, r->serial.len, r->issuer.p,
	    r->issuer.len);
}

/* ---- descriptions for the reason ---- */

/* Records and presented certificates are described for parentheses,
 * the signer of the new file for running text. */

static void
serial_text(const uint8_t *p, size_t n, char *out, size_t outsize)
{
	size_t i, k = 0;

	if (n == 0) {
		snprintf(out, outsize, "none");
		return;
	}
	out[0] = '\0';
	for (i = 0; i < n && i < SERIAL_SHOWN && k + 4 <= outsize; i++)
		k += (size_t)snprintf(out + k, outsize - k,
		    i ? ":%02X" : "%02X", p[i]);
	if (n > SERIAL_SHOWN && k + 4 <= outsize)
		snprintf(out + k, outsize - k, ":..");
}

/* "subject (serial AB:..)"; inner: "subject, serial AB:.." for use
 * inside parentheses. */
static void
describe(const char *subject, const uint8_t *serial, size_t serial_len,
    int inner, char *out, size_t outsize)
{
	char st[3 * SERIAL_SHOWN + 8];

	serial_text(serial, serial_len, st, sizeof(st));
	if (subject == NULL || *subject == '\0')
		subject = "no subject";
	snprintf(out, outsize, inner ? "%.*s%s, serial %s" :
	    "%.*s%s (serial %s)", SUBJECT_SHOWN, subject,
	    strlen(subject) > SUBJECT_SHOWN ? ".." : "", st);
}

static int
describe_field(const struct tl_field *name, const struct tl_field *serial,
    int inner, char *out, size_t outsize)
{
	char *s = tl_field_str(name);

	if (s == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	describe(s, serial->present ? serial->p : NULL,
	    serial->present ? serial->len : 0, inner, out, outsize);
	free(s);
	return 0;
}

static int
describe_signer(const struct trustlist *nf, char *out, size_t outsize)
{
	return describe_field(&nf->hdr.signer_name, &nf->hdr.serial, 0, out,
	    outsize);
}

static int
describe_record(const struct trustlist_record *r, char *out, size_t outsize)
{
	return describe_field(&r->subject, &r->serial, 1, out, outsize);
}

static int
describe_x509(const X509 *x, char *out, size_t outsize)
{
	char *subject = NULL;
	uint8_t *serial = NULL;
	size_t serial_len = 0;

	/* an unreadable subject or serial is shown as absent */
	if (cert_dn_text(X509_get_subject_name(x), ';', &subject) != 0)
		subject = NULL;
	if (cert_serial(x, &serial, &serial_len) != 0) {
		serial = NULL;
		serial_len = 0;
	}
	describe(subject, serial, serial_len, 1, out, outsize);
	free(subject);
	free(serial);
	return 0;
}

/* ---- signer lookup ---- */

/* How far the signer got, worst to best. */
enum match {
	M_ABSENT,    /* nobody of that serial and issuer */
	M_ROLE,      /* known, but in a role that may not sign this */
	M_NOKEY,     /* known, allowed, but no usable key */
	M_UNCHECKED, /* the signature cannot be checked (algorithm) */
	M_BADSIG,    /* the signature does not verify with the known key */
	M_OK,
};

struct found {
	enum match m;
	const struct trustlist_record *rec; /* list lookups */
	const struct tvs_entry *entry;      /* TVS store lookups */
	uint16_t role;                      /* the role that matched */
	char detail[256];                   /* tl_verify's, for M_UNCHECKED */
};

static void
found_note(struct found *f, enum match m, const struct trustlist_record *rec,
    const struct tvs_entry *entry, uint16_t role, int code)
{
	if (m <= f->m)
		return;
	f->m = m;
	f->rec = rec;
	f->entry = entry;
	f->role = role;
	if (m == M_UNCHECKED)
		snprintf(f->detail, sizeof(f->detail), "%s",
		    ts_error_detail(code));
}

/* Verify nf with key; 1 verified, 0 not (f noted), or TS_ERR_NOMEM. */
static int
try_key(const struct trustlist *nf, EVP_PKEY *key, struct found *f,
    const struct trustlist_record *rec, const struct tvs_entry *entry,
    uint16_t role)
{
	int r = tl_verify(nf, key);

	if (r == 0)
		return 1;
	if (r == TS_ERR_NOMEM)
		return r;
	found_note(f, r == TS_ERR_SIGNATURE ? M_BADSIG : M_UNCHECKED, rec,
	    entry, role, r);
	return 0;
}

/* The phone's own list (CTL or ITL): rules 2, 3 and 6. */
static int
list_lookup(const struct trustlist *list, const struct trustlist *nf,
    const struct roleset *rs, struct found *f)
{
	const struct trustlist_record *rec;
	EVP_PKEY *key;
	size_t k, i;
	int r;

	memset(f, 0, sizeof(*f));
	for (k = 0; k < rs->n; k++) {
		for (i = 0; i < list->nrecords; i++) {
			rec = &list->records[i];
			if (!rec->has_role || rec->role != rs->roles[k] ||
			    !record_is_signer(nf, rec))
				continue;
			if (tl_record_key(rec, &key) != 0) {
				found_note(f, M_NOKEY, rec, NULL, rec->role, 0);
				continue;
			}
			r = try_key(nf, key, f, rec, NULL, rec->role);
			EVP_PKEY_free(key);
			if (r < 0)
				return r;
			if (r == 1) {
				f->m = M_OK;
				f->rec = rec;
				f->role = rec->role;
				return 0;
			}
		}
	}
	if (f->m == M_ABSENT)
		for (i = 0; i < list->nrecords; i++)
			if (record_is_signer(nf, &list->records[i])) {
				found_note(f, M_ROLE, &list->records[i], NULL,
				    list->records[i].role, 0);
				break;
			}
	return 0;
}

static int
entry_has_role(const struct tvs_entry *e, uint16_t role)
{
	size_t i;

	for (i = 0; i < e->nroles; i++)
		if (e->roles[i] == role)
			return 1;
	return 0;
}

/* Does this store certificate carry the serial and issuer the header
 * names? 1 yes, 0 no, or TS_ERR_NOMEM. */
static int
entry_is_signer(const struct trustlist *nf, const X509 *x)
{
	char *issuer = NULL;
	uint8_t *serial = NULL;
	size_t serial_len = 0;
	int r;

	if ((r = cert_dn_text(X509_get_issuer_name(x), ';', &issuer)) != 0)
		return r == TS_ERR_NOMEM ? r : 0;
	if ((r = cert_serial(x, &serial, &serial_len)) != 0) {
		free(issuer);
		return r == TS_ERR_NOMEM ? r : 0;
	}
	r = names_signer(nf, serial, serial_len, (const uint8_t *)issuer,
	    strlen(issuer));
	free(issuer);
	free(serial);
	return r;
}

/* The TVS trust store: rule 4 once the phone has reached TVS. */
static int
store_lookup(const struct tvs_store *tvs, const struct trustlist *nf,
    const struct roleset *rs, struct found *f)
{
	const struct tvs_entry *e;
	EVP_PKEY *key;
	size_t k, i;
	int r;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < tvs->n; i++) {
		e = &tvs->entries[i];
		if ((r = entry_is_signer(nf, e->cert)) < 0)
			return r;
		if (r == 0)
			continue;
		for (k = 0; k < rs->n && !entry_has_role(e, rs->roles[k]); k++)
			;
		if (k == rs->n) {
			found_note(f, M_ROLE, NULL, e, 0, 0);
			continue;
		}
		if ((key = X509_get0_pubkey(e->cert)) == NULL) {
			found_note(f, M_NOKEY, NULL, e, rs->roles[k], 0);
			continue;
		}
		if ((r = try_key(nf, key, f, NULL, e, rs->roles[k])) < 0)
			return r;
		if (r == 1) {
			f->m = M_OK;
			f->entry = e;
			f->role = rs->roles[k];
			return 0;
		}
	}
	return 0;
}

/* ---- TVS connection ---- */

enum tvs_reach {
	T_NO_ITL,     /* the phone knows no TVS */
	T_NO_RECORD,  /* its ITL lists no TVS certificate */
	T_NO_SERVER,  /* no TVS service presents a certificate */
	T_TLS_FAIL,   /* the service's certificate is not the phone's */
	T_REACHED,
};

struct reach {
	enum tvs_reach t;
	const struct trustlist_record *rec; /* a TVS record of the ITL */
	X509 *server;                       /* a certificate presented */
	size_t nrec;                        /* TVS records with a certificate */
};

static int
tvs_reach(const struct trustlist *itl, const struct tvs_store *tvs,
    struct reach *out)
{
	const struct trustlist_record *rec;
	uint8_t *der = NULL;
	size_t i, j, len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (itl == NULL) {
		out->t = T_NO_ITL;
		return 0;
	}
	for (i = 0; i < itl->nrecords; i++) {
		rec = &itl->records[i];
		if (rec->has_role && rec->role == TL_ROLE_TVS &&
		    rec->cert.present) {
			if (out->rec == NULL)
				out->rec = rec;
			out->nrec++;
		}
	}
	if (out->nrec == 0) {
		out->t = T_NO_RECORD;
		return 0;
	}
	if (tvs == NULL || tvs->nserver == 0) {
		out->t = T_NO_SERVER;
		return 0;
	}
	out->t = T_TLS_FAIL;
	out->server = tvs->server_certs[0];
	for (j = 0; j < tvs->nserver; j++) {
		if ((r = cert_der(tvs->server_certs[j], &der, &len)) != 0) {
			if (r == TS_ERR_NOMEM)
				return r;
			continue;
		}
		for (i = 0; i < itl->nrecords; i++) {
			rec = &itl->records[i];
			if (rec->has_role && rec->role == TL_ROLE_TVS &&
			    rec->cert.present && rec->cert.len == len &&
			    memcmp(rec->cert.p, der, len) == 0) {
				out->t = T_REACHED;
				out->rec = rec;
				out->server = tvs->server_certs[j];
				break;
			}
		}
		free(der);
		der = NULL;
		if (out->t == T_REACHED)
			break;
	}
	return 0;
}

/* ---- reasons ---- */

/*
 * Why a lookup in the phone's own list failed. who is "the signer
 * <subject> (serial ..)" in the first clause of a reason and "the signer"
 * after it.
 */
static void
list_clause(int rule, const char *listname, enum phone_new_kind kind,
    const struct roleset *rs, const struct found *f, const char *who,
    char *out, size_t outsize)
{
	char role[32];

	role_text(f->role, role, sizeof(role));
	switch (f->m) {
	case M_ABSENT:
		snprintf(out, outsize, "rule %d: %s is not in the phone's %s",
		    rule, who, listname);
		break;
	case M_ROLE:
		snprintf(out, outsize, "rule %d: %s is in the phone's %s only "
		    "as %s, which may not sign %s (that needs %s)", rule, who,
		    listname, role, kind_object(kind), rs->text);
		break;
	case M_NOKEY:
		snprintf(out, outsize, "rule %d: %s is in the phone's %s as "
		    "%s, but that record holds no usable key", rule, who,
		    listname, role);
		break;
	case M_UNCHECKED:
		snprintf(out, outsize, "rule %d: %s is in the phone's %s as "
		    "%s, but the signature cannot be checked: %s", rule, who,
		    listname, role, f->detail);
		break;
	case M_BADSIG:
		snprintf(out, outsize, "rule %d: %s is in the phone's %s as "
		    "%s, but the signature does not verify with the key the "
		    "phone holds for it (a forgery, or the key changed under "
		    "the same serial)", rule, who, listname, role);
		break;
	case M_OK:
		out[0] = '\0';
		break;
	}
}

static int
tvs_clause(const struct reach *rc, const struct found *f,
    const struct roleset *rs, const char *who, char *out, size_t outsize)
{
	char a[DESC_MAX], b[DESC_MAX], role[32], roles[128];
	size_t i, k;
	int r;

	switch (rc->t) {
	case T_NO_ITL:
		snprintf(out, outsize, "rule 4: the phone holds no ITL, so it "
		    "knows no TVS to ask");
		return 0;
	case T_NO_RECORD:
		snprintf(out, outsize, "rule 4: the phone's ITL lists no TVS "
		    "certificate, so it cannot ask TVS");
		return 0;
	case T_NO_SERVER:
		snprintf(out, outsize, "rule 4: no TVS service presents a "
		    "certificate, so the phone cannot reach TVS");
		return 0;
	case T_TLS_FAIL:
		if ((r = describe_x509(rc->server, a, sizeof(a))) != 0 ||
		    (r = describe_record(rc->rec, b, sizeof(b))) != 0)
			return r;
		snprintf(out, outsize, "rule 4: the TVS certificate the "
		    "service presents (%s) is not the one in the phone's ITL "
		    "(%s%s), so the TLS connection to TVS fails and the phone "
		    "cannot reach TVS", a, b,
		    rc->nrec > 1 ? ", or another TVS record" : "");
		return 0;
	case T_REACHED:
		break;
	}
	role_text(f->role, role, sizeof(role));
	switch (f->m) {
	case M_ABSENT:
		snprintf(out, outsize, "rule 4: TVS does not vouch for %s: it "
		    "is not in the TVS trust store", who);
		break;
	case M_ROLE:
		roles[0] = '\0';
		for (i = 0, k = 0; i < f->entry->nroles && k < sizeof(roles);
		    i++) {
			role_text(f->entry->roles[i], role, sizeof(role));
			k += (size_t)snprintf(roles + k, sizeof(roles) - k,
			    "%s%s", i ? ", " : "", role);
		}
		snprintf(out, outsize, "rule 4: the TVS trust store holds %s "
		    "only as %s, not as %s", who,
		    f->entry->nroles ? roles : "no role", rs->text);
		break;
	case M_NOKEY:
		snprintf(out, outsize, "rule 4: the certificate the TVS trust "
		    "store holds for %s has no usable key", who);
		break;
	case M_UNCHECKED:
		snprintf(out, outsize, "rule 4: the TVS trust store holds %s, "
		    "but the signature cannot be checked: %s", who, f->detail);
		break;
	case M_BADSIG:
		snprintf(out, outsize, "rule 4: the signature does not verify "
		    "with the certificate the TVS trust store holds for %s (a "
		    "forgery, or the key changed under the same serial)", who);
		break;
	case M_OK:
		out[0] = '\0';
		break;
	}
	return 0;
}

/* Join the non-empty clauses into one sentence. */
static void
verdict_set(struct phone_verdict *v, int accepted, int rule,
    const char *const *clauses, size_t n)
{
	size_t i, k = 0;
	int w;

	v->accepted = accepted;
	v->rule = rule;
	v->reason[0] = '\0';
	for (i = 0; i < n; i++) {
		if (clauses[i] == NULL || clauses[i][0] == '\0' ||
		    k >= sizeof(v->reason))
			continue;
		w = snprintf(v->reason + k, sizeof(v->reason) - k, "%s%s",
		    k ? "; " : "", clauses[i]);
		if (w < 0)
			break;
		k += (size_t)w;
	}
	if (k + 1 < sizeof(v->reason))
		snprintf(v->reason + k, sizeof(v->reason) - k, ".");
}

static void
verdict_one(struct phone_verdict *v, int accepted, int rule,
    const char *clause)
{
	verdict_set(v, accepted, rule, &clause, 1);
}

/* 68210 -> "68,210" */
static void
size_text(size_t n, char *out, size_t outsize)
{
	char digits[32];
	size_t len, i, k = 0;

	snprintf(digits, sizeof(digits), "%zu", n);
	len = strlen(digits);
	for (i = 0; i < len && k + 2 < outsize; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
}

/* ---- the check ---- */

static int
check_args(const struct phone *ph, const struct tvs_store *tvs,
    enum phone_new_kind kind, const struct trustlist *newfile,
    const struct phone_verdict *v)
{
	size_t i;

	if (ph == NULL || v == NULL)
		return ts_error(TS_ERR_INVALID, "phone_check needs a phone and "
		    "a verdict");
	if (kind != PHONE_NEW_ITL && kind != PHONE_NEW_CTL &&
	    kind != PHONE_NEW_SGN && kind != PHONE_NEW_UNSIGNED)
		return ts_error(TS_ERR_INVALID, "unknown kind of new file %d",
		    (int)kind);
	if (newfile == NULL && kind != PHONE_NEW_UNSIGNED)
		return ts_error(TS_ERR_INVALID, "a %s needs its parsed file",
		    kind_noun(kind));
	if (tvs == NULL)
		return 0;
	if ((tvs->n > 0 && tvs->entries == NULL) ||
	    (tvs->nserver > 0 && tvs->server_certs == NULL))
		return ts_error(TS_ERR_INVALID, "the TVS store counts entries "
		    "or server certificates it does not hold");
	for (i = 0; i < tvs->n; i++)
		if (tvs->entries[i].cert == NULL ||
		    tvs->entries[i].nroles > 8)
			return ts_error(TS_ERR_INVALID, "TVS store entry %zu "
			    "has no certificate or more than 8 roles", i);
	for (i = 0; i < tvs->nserver; i++)
		if (tvs->server_certs[i] == NULL)
			return ts_error(TS_ERR_INVALID, "TVS server "
			    "certificate %zu is missing", i);
	return 0;
}

/* Rules 2, 3/6 and 4 for a signed new file. */
static int
check_signed(const struct phone *ph, const struct tvs_store *tvs,
    enum phone_new_kind kind, const struct trustlist *nf,
    struct phone_verdict *v)
{
	const struct roleset *rs = roles_for(kind);
	int sgn = kind == PHONE_NEW_SGN;
	int itl_rule = sgn ? 6 : 3;
	char signer[DESC_MAX], who[DESC_MAX + 16], c2[CLAUSE_MAX] = "",
	    c3[CLAUSE_MAX] = "", c4[CLAUSE_MAX] = "", ok[CLAUSE_MAX],
	    role[32], rec[DESC_MAX];
	const char *clauses[3];
	struct found f;
	struct reach rc;
	int r;

	if ((r = describe_signer(nf, signer, sizeof(signer))) != 0)
		return r;
	/* the first failing clause names the signer, the others refer to it */
	snprintf(who, sizeof(who), "the signer %s", signer);

	if (ph->ctl != NULL) {
		if ((r = list_lookup(ph->ctl, nf, rs, &f)) != 0)
			return r;
		role_text(f.role, role, sizeof(role));
		if (f.m == M_OK) {
			snprintf(ok, sizeof(ok), "rule 2: the %s is signed by "
			    "%s, which the phone's CTL holds as %s, and the "
			    "signature verifies with that record's key",
			    kind_noun(kind), signer, role);
			verdict_one(v, 1, 2, ok);
			return 0;
		}
		list_clause(2, "CTL", kind, rs, &f, who, c2, sizeof(c2));
		snprintf(who, sizeof(who), "the signer");
	}

	if (ph->itl == NULL) {
		snprintf(c3, sizeof(c3), "rule %d: the phone holds no ITL, so "
		    "it cannot check the signer against an ITL or ask TVS",
		    itl_rule);
		clauses[0] = c2;
		clauses[1] = c3;
		verdict_set(v, 0, sgn ? 6 : 2, clauses, 2);
		return 0;
	}

	if ((r = list_lookup(ph->itl, nf, rs, &f)) != 0)
		return r;
	if (f.m == M_OK) {
		role_text(f.role, role, sizeof(role));
		snprintf(ok, sizeof(ok), "rule %d: the %s is signed by %s, "
		    "which the phone's ITL holds as %s, and the signature "
		    "verifies with that record's key%s", itl_rule,
		    kind_noun(kind), signer, role, kind == PHONE_NEW_ITL &&
		    f.role != TL_ROLE_SAST ? " (a localkey reset)" : "");
		verdict_one(v, 1, itl_rule, ok);
		return 0;
	}
	list_clause(itl_rule, "ITL", kind, rs, &f, who, c3, sizeof(c3));
	snprintf(who, sizeof(who), "the signer");

	if ((r = tvs_reach(ph->itl, tvs, &rc)) != 0)
		return r;
	if (rc.t == T_REACHED) {
		if ((r = store_lookup(tvs, nf, rs, &f)) != 0)
			return r;
		if (f.m == M_OK) {
			role_text(f.role, role, sizeof(role));
			r = describe_record(rc.rec, rec, sizeof(rec));
			if (r != 0)
				return r;
			snprintf(ok, sizeof(ok), "rule 4: TVS vouches for %s "
			    "as %s: the TVS service presents the TVS "
			    "certificate of the phone's ITL (%s) and the "
			    "signature of the %s verifies with the certificate "
			    "in the TVS trust store", signer, role, rec,
			    kind_noun(kind));
			verdict_one(v, 1, 4, ok);
			return 0;
		}
	}
	if ((r = tvs_clause(&rc, &f, rs, who, c4, sizeof(c4))) != 0)
		return r;
	clauses[0] = c2;
	clauses[1] = c3;
	clauses[2] = c4;
	verdict_set(v, 0, sgn ? 6 : 4, clauses, 3);
	return 0;
}

int
phone_check(const struct phone *ph, const struct tvs_store *tvs,
    enum phone_new_kind kind, const struct trustlist *newfile,
    size_t newlen, struct phone_verdict *v)
{
	char msg[CLAUSE_MAX], size[32], limit[32];
	size_t len;
	int r;

	if (v != NULL)
		memset(v, 0, sizeof(*v));
	if ((r = check_args(ph, tvs, kind, newfile, v)) != 0)
		return r;

	if (kind == PHONE_NEW_ITL || kind == PHONE_NEW_CTL) {
		len = newlen > newfile->len ? newlen : newfile->len;
		if (len > TRUSTLIST_MAX_SIZE) {
			size_text(len, size, sizeof(size));
			size_text(TRUSTLIST_MAX_SIZE, limit, sizeof(limit));
			snprintf(msg, sizeof(msg), "rule 7: the %s is %s "
			    "bytes, over the %s bytes a phone loads, so it "
			    "does not load and phones fail to register",
			    kind_noun(kind), size, limit);
			verdict_one(v, 0, 7, msg);
			return 0;
		}
	}

	if (kind != PHONE_NEW_CTL && phone_is_rollback_itl(ph->itl)) {
		snprintf(msg, sizeof(msg), "rule 5: the phone holds the "
		    "rollback ITL (empty TVS and TFTP sections), so it accepts "
		    "%s", kind == PHONE_NEW_ITL ? "any new ITL" :
		    "any configuration file, signed or not");
		verdict_one(v, 1, 5, msg);
		return 0;
	}

	if (ph->itl == NULL && ph->ctl == NULL) {
		snprintf(msg, sizeof(msg), "rule 1: the phone holds no ITL and "
		    "no CTL, so it trusts the first %s it gets",
		    kind == PHONE_NEW_ITL ? "ITL" : kind == PHONE_NEW_CTL ?
		    "CTL" : "configuration file");
		verdict_one(v, 1, 1, msg);
		return 0;
	}

	if (kind == PHONE_NEW_UNSIGNED) {
		snprintf(msg, sizeof(msg), "rule 6: a configuration file must "
		    "be signed by the TFTP role; the phone holds %s (not the "
		    "rollback ITL), so it rejects an unsigned one",
		    ph->itl != NULL && ph->ctl != NULL ? "an ITL and a CTL" :
		    ph->itl != NULL ? "an ITL" : "a CTL");
		verdict_one(v, 0, 6, msg);
		return 0;
	}

	return check_signed(ph, tvs, kind, newfile, v);
}

static int
record_certless(const struct trustlist_record *r)
{
	return !r->cert.present && !r->pubkey.present;
}

int
phone_is_rollback_itl(const struct trustlist *itl)
{
	const struct trustlist_record *r;
	int tvs = 0, tftp = 0;
	size_t i;

	if (itl == NULL)
		return 0;
	for (i = 0; i < itl->nrecords; i++) {
		r = &itl->records[i];
		if (!r->has_role)
			continue;
		if (r->role == TL_ROLE_TVS) {
			if (!record_certless(r))
				return 0;
			tvs = 1;
		} else if (r->role == TL_ROLE_TFTP ||
		    r->role == TL_ROLE_CCM_TFTP) {
			if (!record_certless(r))
				return 0;
			tftp = 1;
		}
	}
	return tvs && tftp;
}
