/* tvs.c - TVS requests and responses. */
#include "format/tvs.h"

#include <string.h>

#include "util/error.h"

int
tvs_header_parse(const uint8_t *p, size_t len, struct tvs_header *h)
{
	struct rbuf b;
	const uint8_t *id;
	uint8_t proto, version;
	int r;

	rbuf_init(&b, p, len);
	if (len < TVS_HEADER_LEN)
		return ts_error(TS_ERR_TRUNCATED, "TVS header needs %d bytes, "
		    "got %zu", TVS_HEADER_LEN, len);
	if ((r = rbuf_get_u8(&b, &proto)) != 0 ||
	    (r = rbuf_get_u8(&b, &version)) != 0 ||
	    (r = rbuf_get_u8(&b, &h->type)) != 0 ||
	    (r = rbuf_get_u8(&b, &h->reserved)) != 0 ||
	    (r = rbuf_get_bytes(&b, 4, &id)) != 0 ||
	    (r = rbuf_get_u16(&b, &h->len)) != 0)
		return r;
	memcpy(h->id, id, 4);
	if (proto != TVS_PROTO_ID)
		return ts_error(TS_ERR_FORMAT, "TVS protocol id is 0x%02x, "
		    "not 0x%02x", proto, TVS_PROTO_ID);
	if (version != TVS_VERSION)
		return ts_error(TS_ERR_FORMAT, "TVS version %u is not %u",
		    version, TVS_VERSION);
	if (h->type < TVS_VERIFY_REQUEST || h->type > TVS_QUERY_RESPONSE)
		return ts_error(TS_ERR_FORMAT, "TVS message type %u is not "
		    "1 to 4", h->type);
	if (h->len > TVS_MAX_PAYLOAD)
		return ts_error(TS_ERR_LIMIT, "TVS payload of %u bytes is "
		    "over the %d-byte limit", h->len, TVS_MAX_PAYLOAD);
	return 0;
}

/* The header of a whole frame and a reader over exactly its payload. */
static int
frame_open(const uint8_t *frame, size_t len, struct tvs_header *h,
    struct rbuf *payload)
{
	int r;

	if ((r = tvs_header_parse(frame, len, h)) != 0)
		return r;
	if (len - TVS_HEADER_LEN < h->len)
		return ts_error(TS_ERR_TRUNCATED, "TVS payload is %zu bytes, "
		    "the header says %u", len - TVS_HEADER_LEN, h->len);
	if (len - TVS_HEADER_LEN > h->len)
		return ts_error(TS_ERR_FORMAT, "%zu bytes follow the %u-byte "
		    "TVS payload", len - TVS_HEADER_LEN - h->len, h->len);
	rbuf_init(payload, frame + TVS_HEADER_LEN, h->len);
	return 0;
}

static int
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ||
	    (c >= 'a' && c <= 'f');
}

static int
is_alnum(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

/* 0x01 "CP-" <model: 1..16 letters or digits> "-SEP" <12 hex> */
static int
check_device(const struct tlv *t)
{
	const uint8_t *v = t->val;
	size_t n = t->len, model, i;

	if (n < 1 + 3 + 1 + 4 + 12 || v[0] != 0x01 ||
	    memcmp(v + 1, "CP-", 3) != 0)
		goto bad;
	for (model = 0; 4 + model < n && is_alnum(v[4 + model]); model++)
		;
	if (model < 1 || model > 16 || n != 4 + model + 4 + 12 ||
	    memcmp(v + 4 + model, "-SEP", 4) != 0)
		goto bad;
	for (i = n - 12; i < n; i++)
		if (!is_hex(v[i]))
			goto bad;
	return 0;
bad:
	return ts_error(TS_ERR_FORMAT, "TVS device name at offset %zu is not "
	    "0x01 \"CP-<model>-SEP<12 hex digits>\"", t->off);
}

/* A DN: printable text (UTF-8 allowed) ending in its only NUL. */
static int
check_dn(const struct tlv *t, const char *what)
{
	size_t i;

	if (t->len < 2 || t->val[t->len - 1] != '\0')
		return ts_error(TS_ERR_FORMAT, "TVS %s at offset %zu is not a "
		    "NUL-terminated name", what, t->off);
	for (i = 0; i + 1 < t->len; i++)
		if (t->val[i] < 0x20 || t->val[i] == 0x7f)
			return ts_error(TS_ERR_FORMAT, "TVS %s at offset %zu "
			    "has control byte 0x%02x", what, t->off,
			    t->val[i]);
	return 0;
}

static const char *
tag_name(uint8_t tag)
{
	switch (tag) {
	case TVS_TAG_DEVICE: return "device name";
	case TVS_TAG_CERT: return "certificate";
	case TVS_TAG_SUBJECT: return "subject";
	case TVS_TAG_ISSUER: return "issuer";
	case TVS_TAG_SERIAL: return "serial";
	case TVS_TAG_STATUS: return "status";
	case TVS_TAG_ROLES: return "roles";
	case TVS_TAG_TTL: return "TTL";
	}
	return NULL;
}

/* Read every element of a payload; allowed is a bit mask of tags. The
 * elements are returned by tag; each tag may appear once. */
static int
read_elements(struct rbuf *p, uint8_t type, unsigned allowed,
    struct tlv *by_tag, unsigned *seen)
{
	struct tlv t;
	int r;

	*seen = 0;
	while (rbuf_avail(p) > 0) {
		if ((r = tlv_get(p, TVS_HEADER_LEN, &t)) != 0)
			return r;
		if (tag_name(t.tag) == NULL)
			return ts_error(TS_ERR_FORMAT, "unknown TVS element tag "
			    "%u at offset %zu", t.tag, t.off);
		if (!(allowed & (1u << t.tag)))
			return ts_error(TS_ERR_FORMAT, "TVS %s element at "
			    "offset %zu does not belong in message type %u",
			    tag_name(t.tag), t.off, type);
		if (*seen & (1u << t.tag))
			return ts_error(TS_ERR_FORMAT, "TVS %s element repeated "
			    "at offset %zu", tag_name(t.tag), t.off);
		*seen |= 1u << t.tag;
		by_tag[t.tag] = t;
	}
	return 0;
}

static int
require(unsigned seen, unsigned tag, uint8_t type)
{
	if (!(seen & (1u << tag)))
		return ts_error(TS_ERR_FORMAT, "TVS message type %u lacks the "
		    "%s element", type, tag_name((uint8_t)tag));
	return 0;
}

#define BIT(t) (1u << (t))

int
tvs_request_parse(const uint8_t *frame, size_t len, struct tvs_request *req)
{
	struct tlv el[16];
	struct rbuf p;
	unsigned seen;
	uint8_t type;
	int r;

	memset(req, 0, sizeof(*req));
	if ((r = frame_open(frame, len, &req->hdr, &p)) != 0)
		return r;
	type = req->hdr.type;
	if (type == TVS_VERIFY_REQUEST) {
		if ((r = read_elements(&p, type, BIT(TVS_TAG_DEVICE) |
		    BIT(TVS_TAG_CERT), el, &seen)) != 0 ||
		    (r = require(seen, TVS_TAG_DEVICE, type)) != 0 ||
		    (r = require(seen, TVS_TAG_CERT, type)) != 0)
			return r;
		if (el[TVS_TAG_CERT].len == 0)
			return ts_error(TS_ERR_FORMAT, "TVS certificate element "
			    "at offset %zu is empty", el[TVS_TAG_CERT].off);
		req->cert = el[TVS_TAG_CERT].val;
		req->cert_len = el[TVS_TAG_CERT].len;
	} else if (type == TVS_QUERY_REQUEST) {
		if ((r = read_elements(&p, type, BIT(TVS_TAG_DEVICE) |
		    BIT(TVS_TAG_SUBJECT) | BIT(TVS_TAG_ISSUER) |
		    BIT(TVS_TAG_SERIAL), el, &seen)) != 0 ||
		    (r = require(seen, TVS_TAG_SUBJECT, type)) != 0 ||
		    (r = require(seen, TVS_TAG_ISSUER, type)) != 0 ||
		    (r = require(seen, TVS_TAG_SERIAL, type)) != 0 ||
		    (r = check_dn(&el[TVS_TAG_SUBJECT], "subject")) != 0 ||
		    (r = check_dn(&el[TVS_TAG_ISSUER], "issuer")) != 0)
			return r;
		if (el[TVS_TAG_SERIAL].len < 1 ||
		    el[TVS_TAG_SERIAL].len > TVS_MAX_SERIAL)
			return ts_error(TS_ERR_FORMAT, "TVS serial at offset "
			    "%zu is %u bytes, not 1 to %d",
			    el[TVS_TAG_SERIAL].off, el[TVS_TAG_SERIAL].len,
			    TVS_MAX_SERIAL);
		req->subject = (const char *)el[TVS_TAG_SUBJECT].val;
		req->issuer = (const char *)el[TVS_TAG_ISSUER].val;
		req->serial = el[TVS_TAG_SERIAL].val;
		req->serial_len = el[TVS_TAG_SERIAL].len;
	} else {
		return ts_error(TS_ERR_FORMAT, "TVS message type %u is a "
		    "response, not a request", type);
	}
	if (seen & BIT(TVS_TAG_DEVICE)) {
		if ((r = check_device(&el[TVS_TAG_DEVICE])) != 0)
			return r;
		req->device = (const char *)el[TVS_TAG_DEVICE].val + 1;
		req->device_len = el[TVS_TAG_DEVICE].len - 1u;
	}
	return 0;
}

int
tvs_response_parse(const uint8_t *frame, size_t len,
    struct tvs_response *resp)
{
	struct tlv el[16];
	struct rbuf p;
	unsigned seen, allowed;
	uint8_t type;
	struct rbuf v;
	int r;

	memset(resp, 0, sizeof(*resp));
	if ((r = frame_open(frame, len, &resp->hdr, &p)) != 0)
		return r;
	type = resp->hdr.type;
	if (type != TVS_VERIFY_RESPONSE && type != TVS_QUERY_RESPONSE)
		return ts_error(TS_ERR_FORMAT, "TVS message type %u is a "
		    "request, not a response", type);
	allowed = BIT(TVS_TAG_STATUS) | BIT(TVS_TAG_ROLES) | BIT(TVS_TAG_TTL);
	if (type == TVS_QUERY_RESPONSE)
		allowed |= BIT(TVS_TAG_CERT);
	if ((r = read_elements(&p, type, allowed, el, &seen)) != 0 ||
	    (r = require(seen, TVS_TAG_STATUS, type)) != 0)
		return r;
	if (el[TVS_TAG_STATUS].len != 1 ||
	    el[TVS_TAG_STATUS].val[0] > TVS_STATUS_INVALID)
		return ts_error(TS_ERR_FORMAT, "TVS status at offset %zu is "
		    "not one byte 0 or 1", el[TVS_TAG_STATUS].off);
	resp->status = el[TVS_TAG_STATUS].val[0];
	if (resp->status == TVS_STATUS_INVALID) {
		if (seen != BIT(TVS_TAG_STATUS))
			return ts_error(TS_ERR_FORMAT, "an invalid TVS status "
			    "comes with other elements");
		return 0;
	}
	if ((r = require(seen, TVS_TAG_ROLES, type)) != 0 ||
	    (r = require(seen, TVS_TAG_TTL, type)) != 0 ||
	    (type == TVS_QUERY_RESPONSE &&
	    (r = require(seen, TVS_TAG_CERT, type)) != 0))
		return r;
	if (el[TVS_TAG_ROLES].len < 1 || el[TVS_TAG_ROLES].len > TVS_MAX_ROLES)
		return ts_error(TS_ERR_FORMAT, "TVS roles at offset %zu: %u "
		    "bytes, not 1 to %d", el[TVS_TAG_ROLES].off,
		    el[TVS_TAG_ROLES].len, TVS_MAX_ROLES);
	memcpy(resp->roles, el[TVS_TAG_ROLES].val, el[TVS_TAG_ROLES].len);
	resp->nroles = el[TVS_TAG_ROLES].len;
	if (el[TVS_TAG_TTL].len != 4)
		return ts_error(TS_ERR_FORMAT, "TVS TTL at offset %zu is %u "
		    "bytes, not 4", el[TVS_TAG_TTL].off, el[TVS_TAG_TTL].len);
	rbuf_init(&v, el[TVS_TAG_TTL].val, 4);
	if ((r = rbuf_get_u32(&v, &resp->ttl)) != 0)
		return r;
	if (type == TVS_QUERY_RESPONSE) {
		if (el[TVS_TAG_CERT].len == 0)
			return ts_error(TS_ERR_FORMAT, "TVS certificate element "
			    "at offset %zu is empty", el[TVS_TAG_CERT].off);
		resp->cert = el[TVS_TAG_CERT].val;
		resp->cert_len = el[TVS_TAG_CERT].len;
	}
	return 0;
}

static int
put_header(struct wbuf *out, const struct tvs_header *h, size_t *lenoff)
{
	wbuf_put_u8(out, TVS_PROTO_ID);
	wbuf_put_u8(out, TVS_VERSION);
	wbuf_put_u8(out, h->type);
	wbuf_put_u8(out, 0);
	wbuf_put_bytes(out, h->id, 4);
	*lenoff = out->len;
	return wbuf_put_u16(out, 0);
}

/* Set the payload length once the elements are written. */
static int
finish(struct wbuf *out, size_t lenoff)
{
	size_t n;

	if (out->err != 0)
		return out->err;
	n = out->len - lenoff - 2;
	if (n > TVS_MAX_PAYLOAD)
		return ts_error(TS_ERR_LIMIT, "TVS payload of %zu bytes is over "
		    "the %d-byte limit", n, TVS_MAX_PAYLOAD);
	return wbuf_set_u16(out, lenoff, (uint16_t)n);
}

int
tvs_response_encode(const struct tvs_response *resp, struct wbuf *out)
{
	uint8_t type = resp->hdr.type;
	size_t lenoff;
	int r;

	if (type != TVS_VERIFY_RESPONSE && type != TVS_QUERY_RESPONSE)
		return ts_error(TS_ERR_INVALID, "TVS message type %u is not a "
		    "response", type);
	if (resp->status > TVS_STATUS_INVALID)
		return ts_error(TS_ERR_INVALID, "TVS status %u is not 0 or 1",
		    resp->status);
	if (resp->status == TVS_STATUS_VALID &&
	    (resp->nroles < 1 || resp->nroles > TVS_MAX_ROLES ||
	    (type == TVS_QUERY_RESPONSE && resp->cert_len == 0)))
		return ts_error(TS_ERR_INVALID, "a valid TVS response needs "
		    "1 to %d roles%s", TVS_MAX_ROLES, type == TVS_QUERY_RESPONSE ?
		    " and a certificate" : "");
	if ((r = put_header(out, &resp->hdr, &lenoff)) != 0)
		return r;
	tlv_put_u8(out, TVS_TAG_STATUS, resp->status);
	if (resp->status == TVS_STATUS_VALID) {
		if (type == TVS_QUERY_RESPONSE &&
		    (r = tlv_put(out, TVS_TAG_CERT, resp->cert,
		    resp->cert_len)) != 0)
			return r;
		tlv_put(out, TVS_TAG_ROLES, resp->roles, resp->nroles);
		tlv_put_u32(out, TVS_TAG_TTL, resp->ttl);
	}
	return finish(out, lenoff);
}

int
tvs_request_encode(const struct tvs_request *req, struct wbuf *out)
{
	uint8_t type = req->hdr.type;
	size_t lenoff;
	int r;

	if (type != TVS_VERIFY_REQUEST && type != TVS_QUERY_REQUEST)
		return ts_error(TS_ERR_INVALID, "TVS message type %u is not a "
		    "request", type);
	if ((r = put_header(out, &req->hdr, &lenoff)) != 0)
		return r;
	if (req->device != NULL) {
		uint8_t dev[64];

		if (req->device_len + 1 > sizeof(dev))
			return ts_error(TS_ERR_LIMIT, "TVS device name too "
			    "long");
		dev[0] = 0x01;
		memcpy(dev + 1, req->device, req->device_len);
		tlv_put(out, TVS_TAG_DEVICE, dev, req->device_len + 1);
	}
	if (type == TVS_VERIFY_REQUEST) {
		if ((r = tlv_put(out, TVS_TAG_CERT, req->cert,
		    req->cert_len)) != 0)
			return r;
	} else {
		tlv_put_str(out, TVS_TAG_SUBJECT, req->subject);
		tlv_put_str(out, TVS_TAG_ISSUER, req->issuer);
		tlv_put(out, TVS_TAG_SERIAL, req->serial, req->serial_len);
	}
	return finish(out, lenoff);
}
