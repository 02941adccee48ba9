/* trustlist.c - parse and encode ITL/CTL trust lists (FORMATS.md 1-3). */
#include "format/trustlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* Records are at least 5 bytes, so a file within the 65,535-byte limit
 * never holds more; the cap only bounds memory for hostile input. */
#define TL_MAX_RECORDS 16384
#define TL_ELEM_HDR 3 /* tag + 2-byte length */
#define TL_RECLEN_SIZE 5 /* the RECORD_LENGTH element */

const char *
trustlist_role_name(uint16_t role)
{
	switch (role) {
	case TL_ROLE_SAST: return "System Administrator Security Token";
	case TL_ROLE_CCM: return "CCM";
	case TL_ROLE_CCM_TFTP: return "CCM+TFTP";
	case TL_ROLE_TFTP: return "TFTP";
	case TL_ROLE_CAPF: return "CAPF";
	case TL_ROLE_APP_SERVER: return "APP-SERVER";
	case TL_ROLE_TVS: return "TVS";
	}
	return NULL;
}

const char *
trustlist_role_short(uint16_t role)
{
	if (role == TL_ROLE_SAST)
		return "SAST";
	return trustlist_role_name(role);
}

const char *
trustlist_hash_name(uint8_t code)
{
	switch (code) {
	case TL_HASH_SHA1: return "SHA1";
	case TL_HASH_SHA256: return "SHA256";
	case TL_HASH_SHA512: return "SHA512";
	}
	return NULL;
}

int
trustlist_modulus_code(unsigned bits)
{
	switch (bits) {
	case 512: return 0;
	case 1024: return 1;
	case 2048: return 2;
	case 4096: return 3;
	}
	return -1;
}

/* ---- parsing ---- */

static const char *
header_tag_name(uint8_t tag)
{
	switch (tag) {
	case TL_H_VERSION: return "VERSION";
	case TL_H_HEADER_LENGTH: return "HEADER_LENGTH";
	case TL_H_SIGNER_INFO: return "SIGNER_INFO";
	case TL_H_SIGNER_NAME: return "SIGNER_NAME";
	case TL_H_SERIAL_NUMBER: return "SERIAL_NUMBER";
	case TL_H_ISSUER_NAME: return "ISSUER_NAME";
	case TL_H_SIGNATURE_INFO: return "SIGNATURE_INFO";
	case TL_H_HASH_ALGORITHM: return "HASH_ALGORITHM";
	case TL_H_SIGNATURE_ALGORITHM_INFO: return "SIGNATURE_ALGORITHM_INFO";
	case TL_H_SIGNATURE_ALGORITHM: return "SIGNATURE_ALGORITHM";
	case TL_H_SIGNATURE_MODULUS: return "SIGNATURE_MODULUS";
	case TL_H_SIGNATURE: return "SIGNATURE";
	case TL_H_PADDING: return "PADDING";
	case TL_H_FILENAME: return "FILENAME";
	case TL_H_TIMESTAMP: return "TIMESTAMP";
	case TL_H_ENC_INFO: return "ENC_INFO";
	case TL_H_ENC_IV_INFO: return "ENC_IV_INFO";
	case TL_H_ENC_IV_TYPE: return "ENC_IV_TYPE";
	case TL_H_ENC_IV: return "ENC_IV";
	case TL_H_ENC_PADDING: return "ENC_PADDING";
	case TL_H_ENC_KEY_INFO: return "ENC_KEY_INFO";
	case TL_H_ENC_KEY_TYPE: return "ENC_KEY_TYPE";
	case TL_H_ENC_KEY_BITS: return "ENC_KEY_BITS";
	case TL_H_ENC_KEY_ALG: return "ENC_KEY_ALG";
	case TL_H_ENC_KEY: return "ENC_KEY";
	case TL_H_ENC_DIGEST_ALG: return "ENC_DIGEST_ALG";
	case TL_H_ENC_DIGEST: return "ENC_DIGEST";
	case TL_H_SIGNER_VERSION: return "SIGNER_VERSION";
	}
	return NULL;
}

static const char *
record_tag_name(uint8_t tag)
{
	switch (tag) {
	case TL_R_RECORD_LENGTH: return "RECORD_LENGTH";
	case TL_R_DNS_NAME: return "DNS_NAME";
	case TL_R_SUBJECT_NAME: return "SUBJECT_NAME";
	case TL_R_ROLE: return "ROLE";
	case TL_R_ISSUER_NAME: return "ISSUER_NAME";
	case TL_R_SERIAL_NUMBER: return "SERIAL_NUMBER";
	case TL_R_PUBLIC_KEY: return "PUBLIC_KEY";
	case TL_R_SIGNATURE: return "SIGNATURE";
	case TL_R_CERTIFICATE: return "CERTIFICATE";
	case TL_R_IP_ADDRESS: return "IP_ADDRESS";
	case TL_R_CERTIFICATE_HASH: return "CERTIFICATE_HASH";
	case TL_R_HASH_ALGORITHM: return "HASH_ALGORITHM";
	}
	return NULL;
}

/* The container a header tag must sit in: 0 for the top level, -1 for
 * tags we do not know (kept at the top level only). */
static int
header_parent(uint8_t tag)
{
	switch (tag) {
	case TL_H_SIGNER_NAME:
	case TL_H_SERIAL_NUMBER:
	case TL_H_ISSUER_NAME:
		return TL_H_SIGNER_INFO;
	case TL_H_HASH_ALGORITHM:
	case TL_H_SIGNATURE_ALGORITHM_INFO:
		return TL_H_SIGNATURE_INFO;
	case TL_H_SIGNATURE_ALGORITHM:
	case TL_H_SIGNATURE_MODULUS:
		return TL_H_SIGNATURE_ALGORITHM_INFO;
	case TL_H_ENC_IV_INFO:
	case TL_H_ENC_KEY_INFO:
		return TL_H_ENC_INFO;
	case TL_H_ENC_IV_TYPE:
	case TL_H_ENC_IV:
	case TL_H_ENC_PADDING:
		return TL_H_ENC_IV_INFO;
	case TL_H_ENC_KEY_TYPE:
	case TL_H_ENC_KEY_BITS:
	case TL_H_ENC_KEY_ALG:
	case TL_H_ENC_KEY:
		return TL_H_ENC_KEY_INFO;
	}
	return header_tag_name(tag) == NULL ? -1 : 0;
}

static int
is_container(uint8_t tag)
{
	return tag == TL_H_SIGNER_INFO || tag == TL_H_SIGNATURE_INFO ||
	    tag == TL_H_SIGNATURE_ALGORITHM_INFO || tag == TL_H_ENC_INFO ||
	    tag == TL_H_ENC_IV_INFO || tag == TL_H_ENC_KEY_INFO;
}

static void
set_field(struct tl_field *f, const struct tlv *t)
{
	f->p = t->val;
	f->len = t->len;
	f->present = 1;
}

static int
check_size(const struct tlv *t, const char *name, uint16_t want)
{
	if (t->len != want)
		return ts_error(TS_ERR_FORMAT,
		    "%s element at offset %zu is %u bytes long; it must be %u",
		    name, t->off, t->len, want);
	return 0;
}

/* Header parsing state beyond what struct trustlist_header keeps. */
struct hparse {
	struct trustlist_header *h;
	uint8_t seen[256];
};

static int parse_header_elems(struct hparse *, struct rbuf *, size_t, int,
    const struct tlv *);

/* Store one header element (not padding). parent is the enclosing
 * container tag, 0 at the top level. */
static int
store_header_elem(struct hparse *hp, const struct tlv *t, int parent)
{
	struct trustlist_header *h = hp->h;
	const char *name = header_tag_name(t->tag);
	int want = header_parent(t->tag);
	struct rbuf v;
	int r;

	if (want == -1 && parent != 0)
		return ts_error(TS_ERR_FORMAT,
		    "unknown tag %u at offset %zu inside %s", t->tag, t->off,
		    header_tag_name((uint8_t)parent));
	if (want != -1 && want != parent) {
		if (want == 0)
			return ts_error(TS_ERR_FORMAT,
			    "%s (tag %u) at offset %zu must not be inside %s",
			    name, t->tag, t->off,
			    header_tag_name((uint8_t)parent));
		return ts_error(TS_ERR_FORMAT,
		    "%s (tag %u) at offset %zu is not inside %s (tag %d)",
		    name, t->tag, t->off, header_tag_name((uint8_t)want), want);
	}
	if (want != -1) {
		if (hp->seen[t->tag])
			return ts_error(TS_ERR_FORMAT,
			    "header holds a second %s (tag %u) at offset %zu",
			    name, t->tag, t->off);
		hp->seen[t->tag] = 1;
	}
	if (h->nelems >= TL_MAX_HEADER_ELEMS)
		return ts_error(TS_ERR_LIMIT,
		    "header holds more than %d elements (at offset %zu)",
		    TL_MAX_HEADER_ELEMS, t->off);
	h->elems[h->nelems++] = *t;

	rbuf_init(&v, t->val, t->len);
	switch (t->tag) {
	case TL_H_VERSION:
		if ((r = check_size(t, name, 2)) != 0)
			return r;
		h->ver_major = t->val[0];
		h->ver_minor = t->val[1];
		break;
	case TL_H_HEADER_LENGTH:
		if ((r = check_size(t, name, 2)) != 0 ||
		    (r = rbuf_get_u16(&v, &h->header_length)) != 0)
			return r;
		break;
	case TL_H_SIGNER_VERSION:
		if ((r = check_size(t, name, 2)) != 0)
			return r;
		h->has_signer_version = 1;
		h->sv_major = t->val[0];
		h->sv_minor = t->val[1];
		break;
	case TL_H_SIGNER_NAME:
		set_field(&h->signer_name, t);
		break;
	case TL_H_SERIAL_NUMBER:
		set_field(&h->serial, t);
		break;
	case TL_H_ISSUER_NAME:
		set_field(&h->issuer_name, t);
		break;
	case TL_H_HASH_ALGORITHM:
		if ((r = check_size(t, name, 1)) != 0)
			return r;
		h->has_hash_alg = 1;
		h->hash_alg = t->val[0];
		break;
	case TL_H_SIGNATURE_ALGORITHM:
		if ((r = check_size(t, name, 1)) != 0)
			return r;
		h->has_sig_alg = 1;
		h->sig_alg = t->val[0];
		break;
	case TL_H_SIGNATURE_MODULUS:
		if ((r = check_size(t, name, 1)) != 0)
			return r;
		h->has_sig_modulus = 1;
		h->sig_modulus = t->val[0];
		break;
	case TL_H_SIGNATURE:
		if (t->len == 0)
			return ts_error(TS_ERR_FORMAT,
			    "SIGNATURE element at offset %zu is empty", t->off);
		set_field(&h->signature, t);
		h->sig_elem_off = t->off;
		break;
	case TL_H_FILENAME:
		set_field(&h->filename, t);
		break;
	case TL_H_TIMESTAMP:
		if ((r = check_size(t, name, 4)) != 0 ||
		    (r = rbuf_get_u32(&v, &h->timestamp)) != 0)
			return r;
		h->has_timestamp = 1;
		break;
	}
	/* A container's length covers exactly the children that follow. */
	if (is_container(t->tag)) {
		rbuf_init(&v, t->val, t->len);
		return parse_header_elems(hp, &v, t->off + TL_ELEM_HDR, t->tag,
		    t);
	}
	return 0;
}

/*
 * Read elements until b is used up. parent is 0 for the header proper
 * (where padding may end it), else the container whose value b is.
 */
static int
parse_header_elems(struct hparse *hp, struct rbuf *b, size_t base,
    int parent, const struct tlv *ct)
{
	struct trustlist_header *h = hp->h;
	struct tlv t;
	size_t off;
	uint8_t tag;
	int r;

	while (rbuf_avail(b) > 0) {
		off = base + b->pos;
		if ((r = rbuf_peek_u8(b, &tag)) != 0)
			return r;
		if (tag == TL_H_PADDING && parent == 0) {
			if ((r = rbuf_get_u8(b, &tag)) != 0)
				return r;
			h->npadding++;
			continue;
		}
		if (parent == 0 && h->npadding > 0)
			return ts_error(TS_ERR_FORMAT,
			    "tag %u at offset %zu follows PADDING; padding "
			    "must end the header", tag, off);
		if (tlv_get(b, base, &t) != 0) {
			if (parent == 0)
				return ts_error(TS_ERR_FORMAT,
				    "header element at offset %zu (tag %u) runs "
				    "past HEADER_LENGTH %u", off, tag,
				    h->header_length);
			return ts_error(TS_ERR_FORMAT,
			    "element at offset %zu (tag %u) runs past the end "
			    "of %s at offset %zu (declared length %u)", off,
			    tag, header_tag_name(ct->tag), ct->off, ct->len);
		}
		if ((r = store_header_elem(hp, &t, parent)) != 0)
			return r;
	}
	return 0;
}

static int
parse_header(const uint8_t *data, size_t len, struct trustlist_header *h)
{
	struct hparse hp;
	struct rbuf b, hb;
	struct tlv t;
	size_t base;
	int r;

	memset(&hp, 0, sizeof(hp));
	hp.h = h;
	rbuf_init(&b, data, len);

	/* VERSION and HEADER_LENGTH come first: they say where the header
	 * ends and the records begin. */
	if ((r = tlv_get(&b, 0, &t)) != 0)
		return r;
	if (t.tag != TL_H_VERSION)
		return ts_error(TS_ERR_FORMAT,
		    "file starts with tag %u; a trust list starts with "
		    "VERSION (tag 1)", t.tag);
	if ((r = store_header_elem(&hp, &t, 0)) != 0)
		return r;
	if ((r = tlv_get(&b, 0, &t)) != 0)
		return r;
	if (t.tag != TL_H_HEADER_LENGTH)
		return ts_error(TS_ERR_FORMAT,
		    "tag %u at offset %zu; HEADER_LENGTH (tag 2) must follow "
		    "VERSION", t.tag, t.off);
	if ((r = store_header_elem(&hp, &t, 0)) != 0)
		return r;
	if (h->header_length > len)
		return ts_error(TS_ERR_TRUNCATED,
		    "HEADER_LENGTH is %u but the file is only %zu bytes",
		    h->header_length, len);
	if (h->header_length < b.pos)
		return ts_error(TS_ERR_FORMAT,
		    "HEADER_LENGTH %u ends inside the HEADER_LENGTH element "
		    "(offset %zu)", h->header_length, t.off);

	base = b.pos;
	if ((r = rbuf_sub(&b, h->header_length - base, &hb)) != 0 ||
	    (r = parse_header_elems(&hp, &hb, base, 0, NULL)) != 0)
		return r;

	if (!h->signature.present)
		return ts_error(TS_ERR_FORMAT,
		    "header (bytes 0-%u) has no SIGNATURE (tag 12)",
		    h->header_length);
	if (!h->has_hash_alg)
		return ts_error(TS_ERR_FORMAT,
		    "header (bytes 0-%u) has no HASH_ALGORITHM (tag 8)",
		    h->header_length);
	if (!h->signer_name.present)
		return ts_error(TS_ERR_FORMAT,
		    "header (bytes 0-%u) has no SIGNER_NAME (tag 4)",
		    h->header_length);
	if (!h->serial.present)
		return ts_error(TS_ERR_FORMAT,
		    "header (bytes 0-%u) has no SERIAL_NUMBER (tag 5)",
		    h->header_length);
	if (!h->issuer_name.present)
		return ts_error(TS_ERR_FORMAT,
		    "header (bytes 0-%u) has no ISSUER_NAME (tag 6)",
		    h->header_length);
	return 0;
}

/* Walk the RECORD_LENGTH chain once, to size the array and to reject a
 * broken chain before anything is allocated. */
static int
count_records(const uint8_t *data, size_t len, size_t start, size_t *n)
{
	struct rbuf b;
	const uint8_t *skip;
	size_t off, count = 0;
	uint16_t elen, rl;
	uint8_t tag;
	int r;

	rbuf_init(&b, data, len);
	if ((r = rbuf_get_bytes(&b, start, &skip)) != 0)
		return r;
	while (rbuf_avail(&b) > 0) {
		off = b.pos;
		if (rbuf_avail(&b) < TL_RECLEN_SIZE)
			return ts_error(TS_ERR_TRUNCATED,
			    "%zu trailing bytes at offset %zu are not a whole "
			    "record", rbuf_avail(&b), off);
		/* at least 5 bytes remain, so these reads cannot fail */
		if ((r = rbuf_get_u8(&b, &tag)) != 0 ||
		    (r = rbuf_get_u16(&b, &elen)) != 0 ||
		    (r = rbuf_get_u16(&b, &rl)) != 0)
			return r;
		if (tag != TL_R_RECORD_LENGTH || elen != 2)
			return ts_error(TS_ERR_FORMAT,
			    "record at offset %zu starts with tag %u length %u; "
			    "a record starts with RECORD_LENGTH (tag 1, 2 bytes)",
			    off, tag, elen);
		if (rl < TL_RECLEN_SIZE)
			return ts_error(TS_ERR_FORMAT,
			    "record at offset %zu: RECORD_LENGTH %u is smaller "
			    "than its own 5-byte element", off, rl);
		if ((size_t)(rl - TL_RECLEN_SIZE) > rbuf_avail(&b))
			return ts_error(TS_ERR_TRUNCATED,
			    "record at offset %zu declares %u bytes but only "
			    "%zu remain in the file", off, rl, len - off);
		if (count >= TL_MAX_RECORDS)
			return ts_error(TS_ERR_LIMIT,
			    "trust list holds more than %d records (at offset "
			    "%zu)", TL_MAX_RECORDS, off);
		if ((r = rbuf_get_bytes(&b, rl - TL_RECLEN_SIZE, &skip)) != 0)
			return r;
		count++;
	}
	*n = count;
	return 0;
}

static int
store_record_elem(struct trustlist_record *rec, size_t idx,
    const struct tlv *t, uint32_t *seen)
{
	const char *name = record_tag_name(t->tag);
	int r;

	if (name != NULL) {
		if (*seen & (1u << t->tag))
			return ts_error(TS_ERR_FORMAT,
			    "record #%zu holds a second %s (tag %u) at offset "
			    "%zu", idx + 1, name, t->tag, t->off);
		*seen |= 1u << t->tag;
	}
	if (rec->nelems >= TL_MAX_RECORD_ELEMS)
		return ts_error(TS_ERR_LIMIT,
		    "record #%zu holds more than %d elements (at offset %zu)",
		    idx + 1, TL_MAX_RECORD_ELEMS, t->off);
	rec->elems[rec->nelems++] = *t;

	switch (t->tag) {
	case TL_R_RECORD_LENGTH:
		rec->length = (uint16_t)((t->val[0] << 8) | t->val[1]);
		break;
	case TL_R_DNS_NAME:
		set_field(&rec->dns_name, t);
		break;
	case TL_R_SUBJECT_NAME:
		set_field(&rec->subject, t);
		break;
	case TL_R_ROLE:
		if ((r = check_size(t, name, 2)) != 0)
			return r;
		rec->has_role = 1;
		rec->role = (uint16_t)((t->val[0] << 8) | t->val[1]);
		break;
	case TL_R_ISSUER_NAME:
		set_field(&rec->issuer, t);
		break;
	case TL_R_SERIAL_NUMBER:
		set_field(&rec->serial, t);
		break;
	case TL_R_PUBLIC_KEY:
		set_field(&rec->pubkey, t);
		break;
	case TL_R_SIGNATURE:
		set_field(&rec->signature, t);
		break;
	case TL_R_CERTIFICATE:
		set_field(&rec->cert, t);
		break;
	case TL_R_IP_ADDRESS:
		if ((r = check_size(t, name, 4)) != 0)
			return r;
		set_field(&rec->ip, t);
		break;
	case TL_R_CERTIFICATE_HASH:
		set_field(&rec->cert_hash, t);
		break;
	case TL_R_HASH_ALGORITHM:
		if ((r = check_size(t, name, 1)) != 0)
			return r;
		rec->has_hash_alg = 1;
		rec->hash_alg = t->val[0];
		break;
	}
	return 0;
}

/* One record, already known to lie within the file (count_records). */
static int
parse_record(const uint8_t *data, size_t len, size_t off, size_t idx,
    struct trustlist_record *rec)
{
	struct rbuf b, rb;
	struct tlv t;
	const uint8_t *skip;
	uint32_t seen = 0;
	size_t eoff;
	uint8_t tag;
	int r;

	rbuf_init(&b, data, len);
	if ((r = rbuf_get_bytes(&b, off, &skip)) != 0 ||
	    (r = tlv_get(&b, 0, &t)) != 0)
		return r;
	rec->off = off;
	if ((r = store_record_elem(rec, idx, &t, &seen)) != 0)
		return r;
	if ((r = rbuf_sub(&b, rec->length - TL_RECLEN_SIZE, &rb)) != 0)
		return r;
	while (rbuf_avail(&rb) > 0) {
		eoff = off + TL_RECLEN_SIZE + rb.pos;
		if ((r = rbuf_peek_u8(&rb, &tag)) != 0)
			return r;
		if (tlv_get(&rb, off + TL_RECLEN_SIZE, &t) != 0)
			return ts_error(TS_ERR_FORMAT,
			    "record #%zu: element at offset %zu (tag %u) runs "
			    "past its RECORD_LENGTH %u (record at offset %zu)",
			    idx + 1, eoff, tag, rec->length, off);
		if ((r = store_record_elem(rec, idx, &t, &seen)) != 0)
			return r;
	}
	return 0;
}

int
trustlist_parse(const uint8_t *data, size_t len, struct trustlist *tl)
{
	size_t i, off, n = 0;
	int r;

	memset(tl, 0, sizeof(*tl));
	if (data == NULL && len > 0)
		return ts_error(TS_ERR_INVALID, "no bytes given to parse");
	tl->data = data;
	tl->len = len;
	if ((r = parse_header(data, len, &tl->hdr)) != 0)
		goto out;
	/* .sgn (1.0) and .enc.sgn (2.0) files carry an opaque payload after
	 * the header, not records (FORMATS.md 5, 6). */
	if ((tl->hdr.ver_major == 1 || tl->hdr.ver_major == 2) &&
	    tl->hdr.ver_minor == 0) {
		r = 0;
		goto out;
	}
	if ((r = count_records(data, len, tl->hdr.header_length, &n)) != 0)
		goto out;
	if (n > 0 && (tl->records = calloc(n, sizeof(*tl->records))) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "cannot allocate %zu records", n);
		goto out;
	}
	off = tl->hdr.header_length;
	for (i = 0; i < n; i++) {
		if ((r = parse_record(data, len, off, i, &tl->records[i])) != 0)
			goto out;
		tl->nrecords++;
		off += tl->records[i].length;
	}
	r = 0;
 out:
	if (r != 0) {
		free(tl->records);
		memset(tl, 0, sizeof(*tl));
	}
	return r;
}

void
trustlist_free(struct trustlist *tl)
{
	if (tl == NULL)
		return;
	free(tl->records);
	tl->records = NULL;
	tl->nrecords = 0;
}

int
trustlist_signed_bytes(const struct trustlist *tl, uint8_t **out,
    size_t *outlen)
{
	const struct trustlist_header *h = &tl->hdr;
	size_t cut, n;
	uint8_t *p;

	*out = NULL;
	*outlen = 0;
	if (!h->signature.present)
		return ts_error(TS_ERR_FORMAT, "trust list has no signature");
	cut = TL_ELEM_HDR + (size_t)h->signature.len;
	if (h->sig_elem_off > tl->len || tl->len - h->sig_elem_off < cut)
		return ts_error(TS_ERR_INVALID,
		    "signature element at offset %zu lies outside the %zu-byte "
		    "file", h->sig_elem_off, tl->len);
	n = tl->len - cut;
	if ((p = malloc(n > 0 ? n : 1)) == NULL)
		return ts_error(TS_ERR_NOMEM, "cannot allocate %zu bytes", n);
	memcpy(p, tl->data, h->sig_elem_off);
	memcpy(p + h->sig_elem_off, tl->data + h->sig_elem_off + cut,
	    tl->len - h->sig_elem_off - cut);
	*out = p;
	*outlen = n;
	return 0;
}

static int
field_eq(const struct tl_field *a, const struct tl_field *b)
{
	return a->present && b->present && a->len == b->len &&
	    (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

const struct trustlist_record *
trustlist_signer(const struct trustlist *tl)
{
	const struct trustlist_record *rec;
	size_t i;

	for (i = 0; i < tl->nrecords; i++) {
		rec = &tl->records[i];
		if (rec->has_role && rec->role == TL_ROLE_SAST &&
		    field_eq(&rec->serial, &tl->hdr.serial) &&
		    field_eq(&rec->issuer, &tl->hdr.issuer_name))
			return rec;
	}
	/* Third-party writers join DN attributes differently from the
	 * header they wrote; the serial alone still names the signer. */
	for (i = 0; i < tl->nrecords; i++) {
		rec = &tl->records[i];
		if (rec->has_role && rec->role == TL_ROLE_SAST &&
		    field_eq(&rec->serial, &tl->hdr.serial))
			return rec;
	}
	return NULL;
}

char *
tl_field_str(const struct tl_field *f)
{
	char *s;
	size_t i, n = 0;

	if (f != NULL && f->present && f->p != NULL)
		n = f->len;
	if (n > 0 && f->p[n - 1] == '\0')
		n--;
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		s[i] = f->p[i] >= 0x20 && f->p[i] < 0x7f ? (char)f->p[i] : '?';
	s[n] = '\0';
	return s;
}

/* ---- encoding ---- */

/* "68210" as "68,210", for messages a person reads. */
static void
format_count(char *s, size_t size, size_t n)
{
	char digits[32];
	size_t i, j, len;

	len = (size_t)snprintf(digits, sizeof(digits), "%zu", n);
	for (i = 0, j = 0; i < len && j + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			s[j++] = ',';
		s[j++] = digits[i];
	}
	s[j] = '\0';
}

static size_t
str_elem_size(const char *s)
{
	return TL_ELEM_HDR + (s == NULL ? 0 : strlen(s)) + 1;
}

/* Bytes put_record() writes for e; keep the two in step. */
static size_t
record_size(const struct trustlist_entry *e)
{
	size_t n = TL_RECLEN_SIZE + str_elem_size(e->dns_name) +
	    TL_ELEM_HDR + 2;

	if (!e->certless)
		n += str_elem_size(e->subject) + str_elem_size(e->issuer) +
		    4 * TL_ELEM_HDR + e->serial_len + e->pubkey_len +
		    e->cert_sig_len + e->cert_len;
	if (e->has_ip)
		n += TL_ELEM_HDR + 4;
	return n;
}

static int
put_record(struct wbuf *w, const struct trustlist_entry *e, size_t idx)
{
	size_t start = w->len, n;
	int r;

	if ((r = tlv_put_u16(w, TL_R_RECORD_LENGTH, 0)) != 0 ||
	    (r = tlv_put_str(w, TL_R_DNS_NAME, e->dns_name)) != 0)
		return r;
	if (e->certless) {
		if ((r = tlv_put_u16(w, TL_R_ROLE, e->role)) != 0)
			return r;
	} else if ((r = tlv_put_str(w, TL_R_SUBJECT_NAME, e->subject)) != 0 ||
	    (r = tlv_put_u16(w, TL_R_ROLE, e->role)) != 0 ||
	    (r = tlv_put_str(w, TL_R_ISSUER_NAME, e->issuer)) != 0 ||
	    (r = tlv_put(w, TL_R_SERIAL_NUMBER, e->serial,
	    e->serial_len)) != 0 ||
	    (r = tlv_put(w, TL_R_PUBLIC_KEY, e->pubkey, e->pubkey_len)) != 0 ||
	    (r = tlv_put(w, TL_R_SIGNATURE, e->cert_sig,
	    e->cert_sig_len)) != 0 ||
	    (r = tlv_put(w, TL_R_CERTIFICATE, e->cert, e->cert_len)) != 0)
		return r;
	if (e->has_ip && (r = tlv_put(w, TL_R_IP_ADDRESS, e->ip, 4)) != 0)
		return r;
	n = w->len - start;
	if (n > TRUSTLIST_MAX_SIZE)
		return ts_error(TS_ERR_LIMIT,
		    "record #%zu would be %zu bytes, over the 65,535 bytes "
		    "RECORD_LENGTH can hold", idx + 1, n);
	return wbuf_set_u16(w, start + TL_ELEM_HDR, (uint16_t)n);
}

static int
check_limits(const struct trustlist_spec *spec, size_t header_len)
{
	char total_s[32], over_s[32];
	size_t i, nsast = 0, total = header_len;

	for (i = 0; i < spec->nentries; i++) {
		if (spec->entries[i].role == TL_ROLE_SAST)
			nsast++;
		total += record_size(&spec->entries[i]);
	}
	if (nsast > TRUSTLIST_MAX_SAST)
		return ts_error(TS_ERR_LIMIT,
		    "trust list would hold %zu SAST records; phones accept at "
		    "most %d", nsast, TRUSTLIST_MAX_SAST);
	if (total > TRUSTLIST_MAX_SIZE) {
		format_count(total_s, sizeof(total_s), total);
		format_count(over_s, sizeof(over_s),
		    total - TRUSTLIST_MAX_SIZE);
		return ts_error(TS_ERR_LIMIT,
		    "trust list would be %s bytes, over the 65,535-byte limit "
		    "phones accept (%s byte%s over)", total_s, over_s,
		    total - TRUSTLIST_MAX_SIZE == 1 ? "" : "s");
	}
	return 0;
}

int
trustlist_encode(const struct trustlist_spec *spec, uint8_t **out,
    size_t *outlen, size_t *sig_at)
{
	struct wbuf w;
	size_t m3, m7, m9, at, hl, hl_at, i;
	uint8_t ver[2], sv[2] = { 1, 1 };
	int mod, r;

	wbuf_init(&w);
	*out = NULL;
	*outlen = 0;
	*sig_at = 0;
	if (trustlist_hash_name(spec->hash_alg) == NULL) {
		r = ts_error(TS_ERR_INVALID, "unknown hash algorithm code %u",
		    spec->hash_alg);
		goto out;
	}
	mod = spec->sig_len > 512 ? -1 :
	    trustlist_modulus_code((unsigned)spec->sig_len * 8);
	if (mod < 0) {
		r = ts_error(TS_ERR_INVALID,
		    "a %zu-byte signature is not from a 512, 1024, 2048 or "
		    "4096-bit RSA key", spec->sig_len);
		goto out;
	}
	if (spec->payload != NULL && spec->nentries > 0) {
		r = ts_error(TS_ERR_INVALID,
		    "a signed file carries a payload or records, not both");
		goto out;
	}
	if (spec->nentries > 0 && spec->entries == NULL) {
		r = ts_error(TS_ERR_INVALID, "%zu records announced, none given",
		    spec->nentries);
		goto out;
	}
	if (spec->extra_header_len > 0 && spec->extra_header == NULL) {
		r = ts_error(TS_ERR_INVALID,
		    "%zu extra header bytes announced, none given",
		    spec->extra_header_len);
		goto out;
	}

	ver[0] = spec->ver_major;
	ver[1] = spec->ver_minor;
	hl_at = 2 * TL_ELEM_HDR + 2; /* the value of HEADER_LENGTH */
	if ((r = tlv_put(&w, TL_H_VERSION, ver, 2)) != 0 ||
	    (r = tlv_put_u16(&w, TL_H_HEADER_LENGTH, 0)) != 0)
		goto out;
	if (spec->signer_version &&
	    (r = tlv_put(&w, TL_H_SIGNER_VERSION, sv, 2)) != 0)
		goto out;
	if ((r = tlv_open(&w, TL_H_SIGNER_INFO, &m3)) != 0 ||
	    (r = tlv_put_str(&w, TL_H_SIGNER_NAME, spec->signer_name)) != 0 ||
	    (r = tlv_put(&w, TL_H_SERIAL_NUMBER, spec->signer_serial,
	    spec->signer_serial_len)) != 0 ||
	    (r = tlv_put_str(&w, TL_H_ISSUER_NAME, spec->signer_issuer)) != 0 ||
	    (r = tlv_close(&w, m3)) != 0 ||
	    (r = tlv_open(&w, TL_H_SIGNATURE_INFO, &m7)) != 0 ||
	    (r = tlv_put_u8(&w, TL_H_HASH_ALGORITHM, spec->hash_alg)) != 0 ||
	    (r = tlv_open(&w, TL_H_SIGNATURE_ALGORITHM_INFO, &m9)) != 0 ||
	    (r = tlv_put_u8(&w, TL_H_SIGNATURE_ALGORITHM, 0)) != 0 ||
	    (r = tlv_put_u8(&w, TL_H_SIGNATURE_MODULUS, (uint8_t)mod)) != 0 ||
	    (r = tlv_close(&w, m9)) != 0 ||
	    (r = tlv_close(&w, m7)) != 0)
		goto out;
	at = w.len;
	if ((r = tlv_put_str(&w, TL_H_FILENAME, spec->filename)) != 0 ||
	    (r = tlv_put_u32(&w, TL_H_TIMESTAMP, spec->timestamp)) != 0)
		goto out;
	if (spec->extra_header_len > 0 && (r = wbuf_put_bytes(&w,
	    spec->extra_header, spec->extra_header_len)) != 0)
		goto out;

	/* The header length counts the signature element still to come. */
	hl = w.len + TL_ELEM_HDR + spec->sig_len;
	while (hl % 4 != 0) {
		if ((r = wbuf_put_u8(&w, TL_H_PADDING)) != 0)
			goto out;
		hl++;
	}
	if (hl > TRUSTLIST_MAX_SIZE) {
		r = ts_error(TS_ERR_LIMIT,
		    "header would be %zu bytes, over the 65,535 bytes "
		    "HEADER_LENGTH can hold", hl);
		goto out;
	}
	if ((r = wbuf_set_u16(&w, hl_at, (uint16_t)hl)) != 0)
		goto out;

	if (spec->payload != NULL) {
		if ((r = wbuf_put_bytes(&w, spec->payload,
		    spec->payload_len)) != 0)
			goto out;
	} else {
		if ((r = check_limits(spec, hl)) != 0)
			goto out;
		for (i = 0; i < spec->nentries; i++)
			if ((r = put_record(&w, &spec->entries[i], i)) != 0)
				goto out;
	}
	if ((*out = wbuf_steal(&w, outlen)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "cannot hand over the encoded file");
		goto out;
	}
	*sig_at = at;
	r = 0;
 out:
	wbuf_free(&w);
	return r;
}

int
trustlist_set_signature(const uint8_t *unsigned_file, size_t len,
    size_t sig_at, const uint8_t *sig, size_t sig_len, uint8_t **out,
    size_t *outlen)
{
	uint8_t *p;
	size_t n;
	int mod;

	*out = NULL;
	*outlen = 0;
	/* sig_at must follow SIGNATURE_MODULUS, whose code says how long
	 * the signature is: catch a mismatched signature before it makes a
	 * file whose header length is wrong. */
	if (sig_at < 4 || sig_at > len || unsigned_file[sig_at - 4] !=
	    TL_H_SIGNATURE_MODULUS || unsigned_file[sig_at - 3] != 0 ||
	    unsigned_file[sig_at - 2] != 1)
		return ts_error(TS_ERR_INVALID,
		    "offset %zu does not follow a SIGNATURE_MODULUS element",
		    sig_at);
	mod = sig_len > 512 ? -1 : trustlist_modulus_code((unsigned)sig_len * 8);
	if (sig == NULL || mod != unsigned_file[sig_at - 1])
		return ts_error(TS_ERR_INVALID,
		    "a %zu-byte signature does not match modulus code %u",
		    sig_len, unsigned_file[sig_at - 1]);
	n = len + TL_ELEM_HDR + sig_len;
	if ((p = malloc(n)) == NULL)
		return ts_error(TS_ERR_NOMEM, "cannot allocate %zu bytes", n);
	memcpy(p, unsigned_file, sig_at);
	p[sig_at] = TL_H_SIGNATURE;
	p[sig_at + 1] = (uint8_t)(sig_len >> 8);
	p[sig_at + 2] = (uint8_t)sig_len;
	memcpy(p + sig_at + TL_ELEM_HDR, sig, sig_len);
	memcpy(p + sig_at + TL_ELEM_HDR + sig_len, unsigned_file + sig_at,
	    len - sig_at);
	*out = p;
	*outlen = n;
	return 0;
}
