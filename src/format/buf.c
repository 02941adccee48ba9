/* buf.c - bounded reader, growable writer and TLV elements. */
#include "format/buf.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

#define TLV_MAX_LEN 65535

void
rbuf_init(struct rbuf *b, const uint8_t *data, size_t len)
{
	b->data = data;
	b->len = data == NULL ? 0 : len;
	b->pos = 0;
}

size_t
rbuf_avail(const struct rbuf *b)
{
	return b->len - b->pos;
}

/* The one place that decides whether n more bytes exist. */
static int
check_avail(const struct rbuf *b, size_t n)
{
	if (n > rbuf_avail(b))
		return ts_error(TS_ERR_TRUNCATED,
		    "need %zu bytes at offset %zu, only %zu left", n, b->pos,
		    rbuf_avail(b));
	return 0;
}

int
rbuf_peek_u8(const struct rbuf *b, uint8_t *v)
{
	int r;

	if ((r = check_avail(b, 1)) != 0)
		return r;
	*v = b->data[b->pos];
	return 0;
}

int
rbuf_get_u8(struct rbuf *b, uint8_t *v)
{
	int r;

	if ((r = rbuf_peek_u8(b, v)) != 0)
		return r;
	b->pos++;
	return 0;
}

int
rbuf_get_u16(struct rbuf *b, uint16_t *v)
{
	const uint8_t *p;
	int r;

	if ((r = check_avail(b, 2)) != 0)
		return r;
	p = b->data + b->pos;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	b->pos += 2;
	return 0;
}

int
rbuf_get_u32(struct rbuf *b, uint32_t *v)
{
	const uint8_t *p;
	int r;

	if ((r = check_avail(b, 4)) != 0)
		return r;
	p = b->data + b->pos;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
	b->pos += 4;
	return 0;
}

int
rbuf_get_bytes(struct rbuf *b, size_t n, const uint8_t **v)
{
	int r;

	if ((r = check_avail(b, n)) != 0)
		return r;
	*v = b->data + b->pos;
	b->pos += n;
	return 0;
}

int
rbuf_sub(struct rbuf *b, size_t n, struct rbuf *sub)
{
	const uint8_t *p;
	int r;

	if ((r = rbuf_get_bytes(b, n, &p)) != 0)
		return r;
	sub->data = p;
	sub->len = n;
	sub->pos = 0;
	return 0;
}

void
wbuf_init(struct wbuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->err = 0;
}

void
wbuf_free(struct wbuf *b)
{
	free(b->data);
	wbuf_init(b);
}

/* Record the first error; every later put returns it. */
static int
fail(struct wbuf *b, int code)
{
	if (b->err == 0)
		b->err = code;
	return code;
}

static int
reserve(struct wbuf *b, size_t n)
{
	uint8_t *p;
	size_t want, cap;

	if (b->err != 0)
		return b->err;
	if (n > SIZE_MAX - b->len)
		return fail(b, ts_error(TS_ERR_NOMEM,
		    "output buffer cannot grow by %zu bytes", n));
	want = b->len + n;
	if (want <= b->cap)
		return 0;
	cap = b->cap == 0 ? 256 : b->cap;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return fail(b, ts_error(TS_ERR_NOMEM,
		    "cannot grow output buffer to %zu bytes", cap));
	b->data = p;
	b->cap = cap;
	return 0;
}

int
wbuf_put_bytes(struct wbuf *b, const void *p, size_t n)
{
	int r;

	if (b->err != 0)
		return b->err;
	if (p == NULL && n > 0)
		return fail(b, ts_error(TS_ERR_INVALID,
		    "no bytes given for a %zu-byte write", n));
	if ((r = reserve(b, n)) != 0)
		return r;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int
wbuf_put_u8(struct wbuf *b, uint8_t v)
{
	return wbuf_put_bytes(b, &v, 1);
}

int
wbuf_put_u16(struct wbuf *b, uint16_t v)
{
	uint8_t p[2];

	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return wbuf_put_bytes(b, p, sizeof(p));
}

int
wbuf_put_u32(struct wbuf *b, uint32_t v)
{
	uint8_t p[4];

	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return wbuf_put_bytes(b, p, sizeof(p));
}

int
wbuf_set_u16(struct wbuf *b, size_t off, uint16_t v)
{
	if (b->err != 0)
		return b->err;
	if (off > b->len || b->len - off < 2)
		return fail(b, ts_error(TS_ERR_INVALID,
		    "cannot set 2 bytes at offset %zu of %zu written", off,
		    b->len));
	b->data[off] = (uint8_t)(v >> 8);
	b->data[off + 1] = (uint8_t)v;
	return 0;
}

/* NULL after an error (the bytes are freed); never NULL otherwise, even
 * when nothing was written, so callers can tell the two apart. */
uint8_t *
wbuf_steal(struct wbuf *b, size_t *len)
{
	uint8_t *p = NULL;

	*len = 0;
	if (b->err != 0)
		goto out;
	if (b->data == NULL && reserve(b, 1) != 0)
		goto out;
	p = b->data;
	*len = b->len;
	b->data = NULL;
 out:
	wbuf_free(b);
	return p;
}

int
tlv_get(struct rbuf *b, size_t base, struct tlv *t)
{
	size_t start = b->pos;
	uint8_t tag;
	uint16_t len;
	const uint8_t *val;

	if (rbuf_get_u8(b, &tag) != 0)
		return ts_error(TS_ERR_TRUNCATED,
		    "input ends at offset %zu where an element should start",
		    base + start);
	if (rbuf_get_u16(b, &len) != 0) {
		b->pos = start;
		return ts_error(TS_ERR_TRUNCATED,
		    "element at offset %zu (tag %u) is cut off in its length",
		    base + start, tag);
	}
	if (rbuf_get_bytes(b, len, &val) != 0) {
		b->pos = start;
		return ts_error(TS_ERR_TRUNCATED,
		    "element at offset %zu (tag %u) declares %u bytes but only "
		    "%zu remain", base + start, tag, len,
		    rbuf_avail(b) - 3);
	}
	t->tag = tag;
	t->len = len;
	t->val = val;
	t->off = base + start;
	return 0;
}

int
tlv_put(struct wbuf *b, uint8_t tag, const void *val, size_t len)
{
	int r;

	if (b->err != 0)
		return b->err;
	if (len > TLV_MAX_LEN)
		return fail(b, ts_error(TS_ERR_LIMIT,
		    "element (tag %u) of %zu bytes is over the 65,535 bytes "
		    "its length field can hold", tag, len));
	if ((r = wbuf_put_u8(b, tag)) != 0 ||
	    (r = wbuf_put_u16(b, (uint16_t)len)) != 0 ||
	    (r = wbuf_put_bytes(b, val, len)) != 0)
		return r;
	return 0;
}

int
tlv_put_u8(struct wbuf *b, uint8_t tag, uint8_t v)
{
	return tlv_put(b, tag, &v, 1);
}

int
tlv_put_u16(struct wbuf *b, uint8_t tag, uint16_t v)
{
	uint8_t p[2];

	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return tlv_put(b, tag, p, sizeof(p));
}

int
tlv_put_u32(struct wbuf *b, uint8_t tag, uint32_t v)
{
	uint8_t p[4];

	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return tlv_put(b, tag, p, sizeof(p));
}

int
tlv_put_str(struct wbuf *b, uint8_t tag, const char *s)
{
	if (s == NULL)
		s = "";
	return tlv_put(b, tag, s, strlen(s) + 1);
}

int
tlv_open(struct wbuf *b, uint8_t tag, size_t *mark)
{
	int r;

	if ((r = wbuf_put_u8(b, tag)) != 0)
		return r;
	*mark = b->len;
	return wbuf_put_u16(b, 0);
}

int
tlv_close(struct wbuf *b, size_t mark)
{
	size_t n;

	if (b->err != 0)
		return b->err;
	if (mark > b->len || b->len - mark < 2)
		return fail(b, ts_error(TS_ERR_INVALID,
		    "container mark %zu is not a length field (%zu written)",
		    mark, b->len));
	n = b->len - mark - 2;
	if (n > TLV_MAX_LEN)
		return fail(b, ts_error(TS_ERR_LIMIT,
		    "container (tag %u) holds %zu bytes, over the 65,535 bytes "
		    "its length field can hold", mark > 0 ? b->data[mark - 1] : 0,
		    n));
	return wbuf_set_u16(b, mark, (uint16_t)n);
}
