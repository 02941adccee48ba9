/* fuzz_tvs.c - libFuzzer target for the TVS wire codec: the request and
 * response parsers, and re-encoding of what they accept. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/tvs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tvs_request q, back;
	struct tvs_response s;
	struct tvs_header h;
	struct wbuf w;

	if (tvs_header_parse(data, size, &h) == 0 &&
	    h.len > TVS_MAX_PAYLOAD)
		abort();
	if (tvs_request_parse(data, size, &q) == 0) {
		/* every accepted field lies inside the input */
		if (q.cert != NULL && (q.cert < data ||
		    q.cert + q.cert_len > data + size))
			abort();
		if (q.subject != NULL && strlen(q.subject) >= size)
			abort();
		if (q.issuer != NULL && strlen(q.issuer) >= size)
			abort();
		/* an accepted request re-encodes to as many bytes (elements
		 * in our order) that parse back to the same fields */
		wbuf_init(&w);
		if (tvs_request_encode(&q, &w) != 0 || w.len != size ||
		    tvs_request_parse(w.data, w.len, &back) != 0 ||
		    back.cert_len != q.cert_len || back.device_len !=
		    q.device_len || back.serial_len != q.serial_len ||
		    (q.cert_len && memcmp(back.cert, q.cert, q.cert_len)) ||
		    (q.subject && strcmp(back.subject, q.subject)) ||
		    (q.issuer && strcmp(back.issuer, q.issuer)))
			abort();
		wbuf_free(&w);
	}
	if (tvs_response_parse(data, size, &s) == 0) {
		wbuf_init(&w);
		if (tvs_response_encode(&s, &w) != 0 || w.len != size)
			abort();
		wbuf_free(&w);
	}
	return 0;
}
