/*
 * buf.h - bounded reader and growable writer for untrusted bytes, and the
 * 1-byte-tag / 2-byte-length TLV primitive of .tlv and .sgn files.
 * No I/O, no crypto. Every read is checked against the end of the input.
 */
#ifndef TLVSIGN_FORMAT_BUF_H
#define TLVSIGN_FORMAT_BUF_H

#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *data;
	size_t len;
	size_t pos;
};

void rbuf_init(struct rbuf *b, const uint8_t *data, size_t len);
size_t rbuf_avail(const struct rbuf *b);
/* All getters return 0 or TS_ERR_TRUNCATED and never move past the end;
 * on error the position is unchanged. */
int rbuf_get_u8(struct rbuf *b, uint8_t *v);
int rbuf_get_u16(struct rbuf *b, uint16_t *v); /* big-endian */
int rbuf_get_u32(struct rbuf *b, uint32_t *v); /* big-endian */
int rbuf_get_bytes(struct rbuf *b, size_t n, const uint8_t **v);
int rbuf_peek_u8(const struct rbuf *b, uint8_t *v);
/* A sub-reader over the next n bytes, which are consumed from b. */
int rbuf_sub(struct rbuf *b, size_t n, struct rbuf *sub);

struct wbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err; /* sticky: first error of any put */
};

void wbuf_init(struct wbuf *b);
void wbuf_free(struct wbuf *b);
/* Puts return 0 or TS_ERR_NOMEM; after a failure every later put fails. */
int wbuf_put_u8(struct wbuf *b, uint8_t v);
int wbuf_put_u16(struct wbuf *b, uint16_t v);
int wbuf_put_u32(struct wbuf *b, uint32_t v);
int wbuf_put_bytes(struct wbuf *b, const void *p, size_t n);
/* Overwrite two bytes already written at off. */
int wbuf_set_u16(struct wbuf *b, size_t off, uint16_t v);
/* Hand the bytes to the caller (who frees them); b is left empty. */
uint8_t *wbuf_steal(struct wbuf *b, size_t *len);

/* One TLV element as read from input; val points into the input. */
struct tlv {
	uint8_t tag;
	uint16_t len;
	const uint8_t *val;
	size_t off; /* offset of the tag byte in the outermost input */
};

/* Read tag, length and value; TS_ERR_TRUNCATED when the value runs past
 * the end. off is computed as base + position in b. */
int tlv_get(struct rbuf *b, size_t base, struct tlv *t);

/* Write elements. Values over 65,535 bytes give TS_ERR_LIMIT. */
int tlv_put(struct wbuf *b, uint8_t tag, const void *val, size_t len);
int tlv_put_u8(struct wbuf *b, uint8_t tag, uint8_t v);
int tlv_put_u16(struct wbuf *b, uint8_t tag, uint16_t v);
int tlv_put_u32(struct wbuf *b, uint8_t tag, uint32_t v);
/* NUL-terminated string; NULL is written as a lone NUL. */
int tlv_put_str(struct wbuf *b, uint8_t tag, const char *s);
/* Containers: open writes tag and a zero length and returns the offset
 * of the length field in *mark; close sets it to the bytes written since. */
int tlv_open(struct wbuf *b, uint8_t tag, size_t *mark);
int tlv_close(struct wbuf *b, size_t mark);

#endif
