/* test_buf.c - bounded reader, writer and TLV primitives (format/buf). */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutap.h"
#include "format/buf.h"
#include "util/error.h"

static void
test_u8_at_end(void)
{
	const uint8_t d[] = { 0x11, 0x22, 0x33 };
	struct rbuf b;
	uint8_t v = 0;

	rbuf_init(&b, d, sizeof(d));
	CU_ASSERT_EQUAL(rbuf_avail(&b), 3);
	CU_ASSERT_EQUAL(rbuf_get_u8(&b, &v), 0);
	CU_ASSERT_EQUAL(v, 0x11);
	CU_ASSERT_EQUAL(rbuf_get_u8(&b, &v), 0);
	CU_ASSERT_EQUAL(rbuf_peek_u8(&b, &v), 0);
	CU_ASSERT_EQUAL(v, 0x33);
	CU_ASSERT_EQUAL(b.pos, 2);
	CU_ASSERT_EQUAL(rbuf_get_u8(&b, &v), 0); /* the last byte */
	CU_ASSERT_EQUAL(v, 0x33);
	CU_ASSERT_EQUAL(rbuf_avail(&b), 0);
	v = 0xAB;
	CU_ASSERT_EQUAL(rbuf_get_u8(&b, &v), TS_ERR_TRUNCATED); /* one past */
	CU_ASSERT_EQUAL(rbuf_peek_u8(&b, &v), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(v, 0xAB);
	CU_ASSERT_EQUAL(b.pos, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(TS_ERR_TRUNCATED),
	    "offset 3"));
}

static void
test_u16_u32_known_answers(void)
{
	const uint8_t d[] = { 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x80 };
	struct rbuf b;
	uint16_t v16 = 0;
	uint32_t v32 = 0;

	rbuf_init(&b, d, sizeof(d));
	CU_ASSERT_EQUAL(rbuf_get_u16(&b, &v16), 0);
	CU_ASSERT_EQUAL(v16, 0x1234);
	CU_ASSERT_EQUAL(rbuf_get_u32(&b, &v32), 0);
	CU_ASSERT_EQUAL(v32, 0xDEADBEEFu);
	/* one byte left: both fail and leave the position alone */
	CU_ASSERT_EQUAL(rbuf_get_u16(&b, &v16), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(rbuf_get_u32(&b, &v32), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(b.pos, 6);
	CU_ASSERT_EQUAL(v16, 0x1234);
	CU_ASSERT_EQUAL(v32, 0xDEADBEEFu);

	/* exactly at the end */
	rbuf_init(&b, d + 2, 4);
	CU_ASSERT_EQUAL(rbuf_get_u32(&b, &v32), 0);
	CU_ASSERT_EQUAL(v32, 0xDEADBEEFu);
	CU_ASSERT_EQUAL(rbuf_avail(&b), 0);
	rbuf_init(&b, d, 2);
	CU_ASSERT_EQUAL(rbuf_get_u16(&b, &v16), 0);
	CU_ASSERT_EQUAL(rbuf_get_u16(&b, &v16), TS_ERR_TRUNCATED);
	rbuf_init(&b, d, 3);
	CU_ASSERT_EQUAL(rbuf_get_u32(&b, &v32), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(b.pos, 0);
}

static void
test_bytes_and_sub(void)
{
	const uint8_t d[] = { 1, 2, 3, 4, 5 };
	const uint8_t *p = NULL;
	struct rbuf b, s;
	uint16_t v16;
	uint8_t v;

	rbuf_init(&b, d, sizeof(d));
	CU_ASSERT_EQUAL(rbuf_get_bytes(&b, 6, &p), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(rbuf_get_bytes(&b, SIZE_MAX, &p), TS_ERR_TRUNCATED);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(b.pos, 0);
	CU_ASSERT_EQUAL(rbuf_get_bytes(&b, 0, &p), 0);
	CU_ASSERT_EQUAL(rbuf_sub(&b, 2, &s), 0);
	CU_ASSERT_EQUAL(b.pos, 2);
	CU_ASSERT_EQUAL(rbuf_avail(&s), 2);
	CU_ASSERT_EQUAL(rbuf_get_u8(&s, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(rbuf_get_u16(&s, &v16), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(rbuf_sub(&b, 4, &s), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(b.pos, 2);
	CU_ASSERT_EQUAL(rbuf_get_bytes(&b, 3, &p), 0); /* exact end */
	CU_ASSERT_PTR_EQUAL(p, d + 2);
	CU_ASSERT_EQUAL(rbuf_get_bytes(&b, 1, &p), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(rbuf_sub(&b, 0, &s), 0);
	CU_ASSERT_EQUAL(rbuf_avail(&s), 0);

	rbuf_init(&b, NULL, 10); /* no data: nothing to read */
	CU_ASSERT_EQUAL(rbuf_avail(&b), 0);
	CU_ASSERT_EQUAL(rbuf_get_u8(&b, &v), TS_ERR_TRUNCATED);
}

static void
test_writer_growth(void)
{
	struct wbuf w;
	uint8_t *p;
	size_t i, n, bad = 0;

	wbuf_init(&w);
	for (i = 0; i < 100000; i++)
		if (wbuf_put_u8(&w, (uint8_t)(i * 7)) != 0)
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(w.len, 100000);
	CU_ASSERT(w.cap >= w.len);
	for (i = 0; i < 100000; i++)
		if (w.data[i] != (uint8_t)(i * 7))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	p = wbuf_steal(&w, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(n, 100000);
	CU_ASSERT_PTR_NULL(w.data);
	CU_ASSERT_EQUAL(w.len, 0);
	free(p);

	/* nothing written still hands over a buffer, of length 0 */
	wbuf_init(&w);
	p = wbuf_steal(&w, &n);
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_EQUAL(n, 0);
	free(p);
}

static void
test_writer_known_answers(void)
{
	const uint8_t want[] = { 0xAB, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF,
		'x', 'y' };
	struct wbuf w;

	wbuf_init(&w);
	CU_ASSERT_EQUAL(wbuf_put_u8(&w, 0xAB), 0);
	CU_ASSERT_EQUAL(wbuf_put_u16(&w, 0x1234), 0);
	CU_ASSERT_EQUAL(wbuf_put_u32(&w, 0xDEADBEEFu), 0);
	CU_ASSERT_EQUAL(wbuf_put_bytes(&w, "xy", 2), 0);
	CU_ASSERT_EQUAL(wbuf_put_bytes(&w, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(w.len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(w.data, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(wbuf_set_u16(&w, 7, 0xCAFE), 0); /* last two bytes */
	CU_ASSERT_EQUAL(w.data[7], 0xCA);
	CU_ASSERT_EQUAL(w.data[8], 0xFE);
	CU_ASSERT_EQUAL(w.len, sizeof(want));
	wbuf_free(&w);
	CU_ASSERT_PTR_NULL(w.data);
}

static void
test_writer_sticky_error(void)
{
	struct wbuf w;
	size_t n;

	wbuf_init(&w);
	CU_ASSERT_EQUAL(wbuf_put_u16(&w, 1), 0);
	CU_ASSERT_EQUAL(wbuf_set_u16(&w, 1, 0), TS_ERR_INVALID); /* past */
	CU_ASSERT_EQUAL(w.err, TS_ERR_INVALID);
	CU_ASSERT_EQUAL(wbuf_put_u8(&w, 1), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(wbuf_put_bytes(&w, "a", 1), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(tlv_put_u8(&w, 1, 1), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(w.len, 2);
	CU_ASSERT_PTR_NULL(wbuf_steal(&w, &n));
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(w.data);

	/* the first error wins over later ones */
	wbuf_init(&w);
	CU_ASSERT_EQUAL(tlv_put(&w, 9, NULL, 70000), TS_ERR_LIMIT);
	CU_ASSERT_EQUAL(wbuf_set_u16(&w, 99, 1), TS_ERR_LIMIT);
	CU_ASSERT_EQUAL(wbuf_put_u32(&w, 1), TS_ERR_LIMIT);
	CU_ASSERT_EQUAL(w.err, TS_ERR_LIMIT);
	CU_ASSERT_EQUAL(w.len, 0);
	wbuf_free(&w);

	wbuf_init(&w);
	CU_ASSERT_EQUAL(wbuf_put_bytes(&w, NULL, 3), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(wbuf_put_u8(&w, 0), TS_ERR_INVALID);
	wbuf_free(&w);
}

static void
test_tlv_get(void)
{
	const uint8_t d[] = { 0x07, 0x00, 0x02, 0xAA, 0xBB, 0x09, 0x00, 0x00,
		0x05, 0x00, 0x04, 0x01, 0x02, 0x03 };
	struct rbuf b;
	struct tlv t;

	rbuf_init(&b, d, sizeof(d));
	CU_ASSERT_EQUAL_FATAL(tlv_get(&b, 100, &t), 0);
	CU_ASSERT_EQUAL(t.tag, 7);
	CU_ASSERT_EQUAL(t.len, 2);
	CU_ASSERT_PTR_EQUAL(t.val, d + 3);
	CU_ASSERT_EQUAL(t.off, 100);
	CU_ASSERT_EQUAL_FATAL(tlv_get(&b, 100, &t), 0); /* empty value */
	CU_ASSERT_EQUAL(t.tag, 9);
	CU_ASSERT_EQUAL(t.len, 0);
	CU_ASSERT_EQUAL(t.off, 105);
	/* value declares 4 bytes, 3 remain */
	CU_ASSERT_EQUAL(tlv_get(&b, 100, &t), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(b.pos, 8);
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(TS_ERR_TRUNCATED),
	    "offset 108"));

	/* cut in the length field, and nothing at all */
	rbuf_init(&b, d, 2);
	CU_ASSERT_EQUAL(tlv_get(&b, 0, &t), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(b.pos, 0);
	rbuf_init(&b, d, 0);
	CU_ASSERT_EQUAL(tlv_get(&b, 0, &t), TS_ERR_TRUNCATED);
	/* exactly at the end */
	rbuf_init(&b, d, 5);
	CU_ASSERT_EQUAL(tlv_get(&b, 0, &t), 0);
	CU_ASSERT_EQUAL(rbuf_avail(&b), 0);
	rbuf_init(&b, d, 4);
	CU_ASSERT_EQUAL(tlv_get(&b, 0, &t), TS_ERR_TRUNCATED);
	CU_ASSERT_EQUAL(b.pos, 0);
}

static void
test_tlv_put(void)
{
	const uint8_t want[] = {
		0x01, 0x00, 0x01, 0x7F,             /* u8 */
		0x02, 0x00, 0x02, 0x01, 0x02,       /* u16 */
		0x03, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, /* u32 */
		0x04, 0x00, 0x03, 'a', 'b', 0x00,   /* string */
		0x05, 0x00, 0x01, 0x00,             /* NULL string */
		0x06, 0x00, 0x01, 0x00,             /* empty string */
		0x07, 0x00, 0x00,                   /* empty value */
	};
	struct wbuf w;

	wbuf_init(&w);
	CU_ASSERT_EQUAL(tlv_put_u8(&w, 1, 0x7F), 0);
	CU_ASSERT_EQUAL(tlv_put_u16(&w, 2, 0x0102), 0);
	CU_ASSERT_EQUAL(tlv_put_u32(&w, 3, 0x01020304), 0);
	CU_ASSERT_EQUAL(tlv_put_str(&w, 4, "ab"), 0);
	CU_ASSERT_EQUAL(tlv_put_str(&w, 5, NULL), 0);
	CU_ASSERT_EQUAL(tlv_put_str(&w, 6, ""), 0);
	CU_ASSERT_EQUAL(tlv_put(&w, 7, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(w.len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(w.data, want, sizeof(want)), 0);
	wbuf_free(&w);
}

static void
test_tlv_put_limit(void)
{
	uint8_t *big;
	struct wbuf w;

	big = calloc(1, 65536);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	wbuf_init(&w);
	CU_ASSERT_EQUAL(tlv_put(&w, 9, big, 65535), 0);
	CU_ASSERT_EQUAL(w.len, 65538);
	CU_ASSERT_EQUAL(w.data[1], 0xFF);
	CU_ASSERT_EQUAL(w.data[2], 0xFF);
	CU_ASSERT_EQUAL(tlv_put(&w, 9, big, 65536), TS_ERR_LIMIT);
	CU_ASSERT_EQUAL(w.len, 65538);
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(TS_ERR_LIMIT),
	    "65536 bytes"));
	wbuf_free(&w);
	free(big);
}

static void
test_containers(void)
{
	const uint8_t want[] = {
		0x07, 0x00, 0x0F,
		0x08, 0x00, 0x01, 0x01,
		0x09, 0x00, 0x08,
		0x0A, 0x00, 0x01, 0x00,
		0x0B, 0x00, 0x01, 0x02,
		0x03, 0x00, 0x00, /* empty container */
	};
	struct wbuf w;
	size_t m7, m9, m3;

	wbuf_init(&w);
	CU_ASSERT_EQUAL(tlv_open(&w, 7, &m7), 0);
	CU_ASSERT_EQUAL(m7, 1);
	CU_ASSERT_EQUAL(tlv_put_u8(&w, 8, 1), 0);
	CU_ASSERT_EQUAL(tlv_open(&w, 9, &m9), 0);
	CU_ASSERT_EQUAL(m9, 8);
	CU_ASSERT_EQUAL(tlv_put_u8(&w, 10, 0), 0);
	CU_ASSERT_EQUAL(tlv_put_u8(&w, 11, 2), 0);
	CU_ASSERT_EQUAL(tlv_close(&w, m9), 0);
	CU_ASSERT_EQUAL(tlv_close(&w, m7), 0);
	CU_ASSERT_EQUAL(tlv_open(&w, 3, &m3), 0);
	CU_ASSERT_EQUAL(tlv_close(&w, m3), 0);
	CU_ASSERT_EQUAL_FATAL(w.len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(w.data, want, sizeof(want)), 0);
	/* a mark that is not a length field */
	CU_ASSERT_EQUAL(tlv_close(&w, w.len - 1), TS_ERR_INVALID);
	CU_ASSERT_EQUAL(w.err, TS_ERR_INVALID);
	wbuf_free(&w);
}

static void
test_container_limit(void)
{
	uint8_t *big;
	struct wbuf w;
	size_t m;

	big = calloc(1, 65535);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	/* exactly 65,535 bytes of children fit */
	wbuf_init(&w);
	CU_ASSERT_EQUAL(tlv_open(&w, 3, &m), 0);
	CU_ASSERT_EQUAL(tlv_put(&w, 4, big, 65532), 0);
	CU_ASSERT_EQUAL(tlv_close(&w, m), 0);
	CU_ASSERT_EQUAL(w.data[1], 0xFF);
	CU_ASSERT_EQUAL(w.data[2], 0xFF);
	wbuf_free(&w);
	/* one more is refused */
	wbuf_init(&w);
	CU_ASSERT_EQUAL(tlv_open(&w, 3, &m), 0);
	CU_ASSERT_EQUAL(tlv_put(&w, 4, big, 65532), 0);
	CU_ASSERT_EQUAL(wbuf_put_u8(&w, 0), 0);
	CU_ASSERT_EQUAL(tlv_close(&w, m), TS_ERR_LIMIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(ts_error_detail(TS_ERR_LIMIT),
	    "65536 bytes"));
	CU_ASSERT_EQUAL(w.err, TS_ERR_LIMIT);
	wbuf_free(&w);
	free(big);
}

static const struct cutap_test tests[] = {
	{ "u8 getters at the end and one past", test_u8_at_end },
	{ "u16/u32 big-endian known answers", test_u16_u32_known_answers },
	{ "get_bytes and sub-readers", test_bytes_and_sub },
	{ "writer grows", test_writer_growth },
	{ "writer known answers and set_u16", test_writer_known_answers },
	{ "writer error is sticky", test_writer_sticky_error },
	{ "tlv_get and truncated values", test_tlv_get },
	{ "tlv_put known answers", test_tlv_put },
	{ "tlv_put refuses values over 65535", test_tlv_put_limit },
	{ "containers", test_containers },
	{ "container over 65535", test_container_limit },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "buf" }, tests,
	    CUTAP_N(tests));
}
