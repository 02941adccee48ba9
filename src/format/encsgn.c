/* encsgn.c - the encryption elements of .enc.sgn headers (FORMATS.md 6). */
#include "format/encsgn.h"

#include <string.h>

#include "util/error.h"

#define ENC_FIRST_TAG TL_H_ENC_INFO
#define ENC_LAST_TAG TL_H_ENC_DIGEST
#define ENC_IV_TYPE_CBC 0  /* tag 18 */
#define ENC_KEY_TYPE_RSA 0 /* tag 22 */
#define ENC_KEY_ALG_AES 1  /* tag 24 */

size_t
encsgn_digest_size(uint8_t digest_alg)
{
	switch (digest_alg) {
	case TL_HASH_SHA1: return 20;
	case TL_HASH_SHA512: return 64;
	}
	return 0;
}

static const char *
enc_tag_name(uint8_t tag)
{
	switch (tag) {
	case TL_H_ENC_INFO: return "encryption info";
	case TL_H_ENC_IV_INFO: return "IV info";
	case TL_H_ENC_IV_TYPE: return "IV type";
	case TL_H_ENC_IV: return "IV";
	case TL_H_ENC_PADDING: return "padding count";
	case TL_H_ENC_KEY_INFO: return "key info";
	case TL_H_ENC_KEY_TYPE: return "key type";
	case TL_H_ENC_KEY_BITS: return "key size";
	case TL_H_ENC_KEY_ALG: return "key algorithm";
	case TL_H_ENC_KEY: return "encrypted key";
	case TL_H_ENC_DIGEST_ALG: return "digest algorithm";
	case TL_H_ENC_DIGEST: return "digest";
	}
	return "element";
}

int
encsgn_encode_info(const struct encsgn_info *in, uint8_t **out, size_t *len)
{
	struct wbuf w;
	size_t m16, m17, m21, dsize;
	int r;

	*out = NULL;
	*len = 0;
	if ((dsize = encsgn_digest_size(in->digest_alg)) == 0)
		return ts_error(TS_ERR_INVALID,
		    "digest algorithm code %u: an .enc.sgn digest is SHA-1 "
		    "(1) or SHA-512 (3)", in->digest_alg);
	if (in->digest == NULL || in->digest_len != dsize)
		return ts_error(TS_ERR_INVALID,
		    "a %s digest is %zu bytes, not %zu",
		    trustlist_hash_name(in->digest_alg), dsize,
		    in->digest == NULL ? (size_t)0 : in->digest_len);
	if (in->enc_key == NULL || in->enc_key_len == 0)
		return ts_error(TS_ERR_INVALID,
		    "no encrypted key given for the .enc.sgn header");
	if ((size_t)in->key_bits != in->enc_key_len * 8)
		return ts_error(TS_ERR_INVALID,
		    "key size %u bits does not match the %zu-byte encrypted "
		    "key", in->key_bits, in->enc_key_len);
	if (in->pad_count < 1 || in->pad_count > ENCSGN_BLOCK)
		return ts_error(TS_ERR_INVALID,
		    "padding count %u: the plaintext is padded with 1 to %d "
		    "bytes", in->pad_count, ENCSGN_BLOCK);

	wbuf_init(&w);
	if ((r = tlv_open(&w, TL_H_ENC_INFO, &m16)) != 0 ||
	    (r = tlv_open(&w, TL_H_ENC_IV_INFO, &m17)) != 0 ||
	    (r = tlv_put_u8(&w, TL_H_ENC_IV_TYPE, ENC_IV_TYPE_CBC)) != 0 ||
	    (r = tlv_put(&w, TL_H_ENC_IV, in->iv, sizeof(in->iv))) != 0 ||
	    (r = tlv_put_u16(&w, TL_H_ENC_PADDING, in->pad_count)) != 0 ||
	    (r = tlv_close(&w, m17)) != 0 ||
	    (r = tlv_open(&w, TL_H_ENC_KEY_INFO, &m21)) != 0 ||
	    (r = tlv_put_u8(&w, TL_H_ENC_KEY_TYPE, ENC_KEY_TYPE_RSA)) != 0 ||
	    (r = tlv_put_u16(&w, TL_H_ENC_KEY_BITS, in->key_bits)) != 0 ||
	    (r = tlv_put_u8(&w, TL_H_ENC_KEY_ALG, ENC_KEY_ALG_AES)) != 0 ||
	    (r = tlv_put(&w, TL_H_ENC_KEY, in->enc_key,
	    in->enc_key_len)) != 0 ||
	    (r = tlv_close(&w, m21)) != 0 ||
	    (r = tlv_close(&w, m16)) != 0 ||
	    (r = tlv_put_u8(&w, TL_H_ENC_DIGEST_ALG, in->digest_alg)) != 0 ||
	    (r = tlv_put(&w, TL_H_ENC_DIGEST, in->digest, in->digest_len)) != 0)
		goto out;
	if ((*out = wbuf_steal(&w, len)) == NULL) {
		r = ts_error(TS_ERR_NOMEM,
		    "cannot hand over the encryption header");
		goto out;
	}
	r = 0;
 out:
	wbuf_free(&w);
	return r;
}

static int
check_len(const struct tlv *t, uint16_t want)
{
	if (t->len != want)
		return ts_error(TS_ERR_FORMAT,
		    "%s (tag %u) at offset %zu is %u bytes long; it must be %u",
		    enc_tag_name(t->tag), t->tag, t->off, t->len, want);
	return 0;
}

/* A 1-byte element holding want. */
static int
check_u8(const struct tlv *t, uint8_t want, const char *meaning)
{
	struct rbuf b;
	uint8_t v;
	int r;

	rbuf_init(&b, t->val, t->len);
	if ((r = check_len(t, 1)) != 0 || (r = rbuf_get_u8(&b, &v)) != 0)
		return r;
	if (v != want)
		return ts_error(TS_ERR_FORMAT,
		    "%s (tag %u) at offset %zu is %u; it must be %u (%s)",
		    enc_tag_name(t->tag), t->tag, t->off, v, want, meaning);
	return 0;
}

static int
get_u16(const struct tlv *t, uint16_t *v)
{
	struct rbuf b;
	int r;

	rbuf_init(&b, t->val, t->len);
	if ((r = check_len(t, 2)) != 0 || (r = rbuf_get_u16(&b, v)) != 0)
		return r;
	return 0;
}

int
encsgn_parse_info(const struct trustlist *tl, struct encsgn_info *info)
{
	const struct trustlist_header *h = &tl->hdr;
	const struct tlv *e[ENC_LAST_TAG + 1];
	const struct tlv *t;
	struct encsgn_info v, *out = &v; /* *info is set only on success */
	struct rbuf b;
	const uint8_t *p;
	size_t i, dsize;
	uint8_t tag;
	int r;

	memset(info, 0, sizeof(*info));
	memset(&v, 0, sizeof(v));
	memset(e, 0, sizeof(e));
	if (h->ver_major != 2 || h->ver_minor != 0)
		return ts_error(TS_ERR_FORMAT,
		    "file version is %u.%u; an encrypted configuration "
		    "(.enc.sgn) is version 2.0", h->ver_major, h->ver_minor);
	/* trustlist_parse() has refused duplicates and misplaced children */
	for (i = 0; i < h->nelems; i++) {
		tag = h->elems[i].tag;
		if (tag >= ENC_FIRST_TAG && tag <= ENC_LAST_TAG)
			e[tag] = &h->elems[i];
	}
	for (tag = ENC_FIRST_TAG; tag <= ENC_LAST_TAG; tag++)
		if (e[tag] == NULL)
			return ts_error(TS_ERR_FORMAT,
			    "encrypted file header (bytes 0-%u) has no %s "
			    "(tag %u)", h->header_length, enc_tag_name(tag),
			    tag);

	if ((r = check_u8(e[TL_H_ENC_IV_TYPE], ENC_IV_TYPE_CBC,
	    "AES-CBC IV")) != 0 ||
	    (r = check_u8(e[TL_H_ENC_KEY_TYPE], ENC_KEY_TYPE_RSA,
	    "RSA-encrypted key")) != 0 ||
	    (r = check_u8(e[TL_H_ENC_KEY_ALG], ENC_KEY_ALG_AES, "AES")) != 0)
		return r;

	t = e[TL_H_ENC_IV];
	rbuf_init(&b, t->val, t->len);
	if ((r = check_len(t, ENCSGN_IV_LEN)) != 0 ||
	    (r = rbuf_get_bytes(&b, ENCSGN_IV_LEN, &p)) != 0)
		return r;
	memcpy(out->iv, p, ENCSGN_IV_LEN);

	if ((r = get_u16(e[TL_H_ENC_PADDING], &out->pad_count)) != 0 ||
	    (r = get_u16(e[TL_H_ENC_KEY_BITS], &out->key_bits)) != 0)
		return r;

	t = e[TL_H_ENC_KEY];
	if (t->len == 0)
		return ts_error(TS_ERR_FORMAT,
		    "encrypted key (tag %u) at offset %zu is empty", t->tag,
		    t->off);
	if ((size_t)out->key_bits != (size_t)t->len * 8)
		return ts_error(TS_ERR_FORMAT,
		    "key size (tag %u) at offset %zu says %u bits but the "
		    "encrypted key at offset %zu is %u bytes (%u bits)",
		    TL_H_ENC_KEY_BITS, e[TL_H_ENC_KEY_BITS]->off,
		    out->key_bits, t->off, t->len, t->len * 8u);
	out->enc_key = t->val;
	out->enc_key_len = t->len;

	t = e[TL_H_ENC_DIGEST_ALG];
	rbuf_init(&b, t->val, t->len);
	if ((r = check_len(t, 1)) != 0 ||
	    (r = rbuf_get_u8(&b, &out->digest_alg)) != 0)
		return r;
	if ((dsize = encsgn_digest_size(out->digest_alg)) == 0)
		return ts_error(TS_ERR_FORMAT,
		    "digest algorithm (tag %u) at offset %zu is %u; .enc.sgn "
		    "files use 1 (SHA-1) or 3 (SHA-512)", t->tag, t->off,
		    out->digest_alg);
	t = e[TL_H_ENC_DIGEST];
	if (t->len != dsize)
		return ts_error(TS_ERR_FORMAT,
		    "digest (tag %u) at offset %zu is %u bytes; a %s digest "
		    "is %zu", t->tag, t->off, t->len,
		    trustlist_hash_name(out->digest_alg), dsize);
	out->digest = t->val;
	out->digest_len = t->len;
	*info = v;
	return 0;
}

int
encsgn_ciphertext(const struct trustlist *tl, const uint8_t **p,
    size_t *len)
{
	struct rbuf b;
	const uint8_t *skip;
	int r;

	*p = NULL;
	*len = 0;
	rbuf_init(&b, tl->data, tl->len);
	if ((r = rbuf_get_bytes(&b, tl->hdr.header_length, &skip)) != 0)
		return ts_error(r, "HEADER_LENGTH %u lies past the end of the "
		    "%zu-byte file", tl->hdr.header_length, tl->len);
	*len = rbuf_avail(&b);
	return rbuf_get_bytes(&b, *len, p);
}
