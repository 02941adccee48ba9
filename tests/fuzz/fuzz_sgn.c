/* fuzz_sgn.c - libFuzzer target for .sgn / .enc.sgn files: the header
 * parser, the encryption block and decryption with a fixed key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "format/encsgn.h"
#include "format/trustlist.h"
#include "x509/confenc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A throwaway 1024-bit test key (small, so decryption stays fast), the
 * "phone" the seed corpus files under corpus/sgn were encrypted for. */
static const char phone_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIICeAIBADANBgkqhkiG9w0BAQEFAASCAmIwggJeAgEAAoGBANUFxArVuMBvkP3R\n"
    "akJO4QD8XmLvqar8GwEmOnXCev4vR9JwKbzgnLDdOr7j937ULvFB+pt5hna3R2i7\n"
    "WuF/d15B9+n3Pz4TLouvJfb9H7+nF/goJJSEBOQ/0oiWO2DhbrGd1kC6Uc/PIFZ1\n"
    "nQlkAYeG57huwcFl2PWMgcmagDUpAgMBAAECgYEAvgrFybC/gRZHMNl5xawfOcTr\n"
    "47HSGROOd+kF8HbPSSMfHRMpeTKdN4A2X4R7ES/0rRFipP+2wQRjdYDn5BLWhqTc\n"
    "xL+VEau/k4FI7Tb+fVMeFdaqSRHT3a5WkwdEfUdHY1jQaL5/3ZZ/bB16aUS4sbzn\n"
    "dmZhIFPhG2dI3uCwGfECQQDvwpXHeS/YXmrTz03rElQjLpVcjcQzQ/5viN8gRX+S\n"
    "3j26pHVYBGUK1KuOt1mm310m9Qgdm5FdSaVJ9AT5ls1lAkEA43ON0L4e3VbBEFEj\n"
    "DFXZLo8cAi8/09shtgzoe1XFpy7W1TKIMPv4syvLJDz8pJML7r1xwvHwl7/PGIOk\n"
    "6ZCedQJBAK8b5fq3FuunIcyq1pS+YTcE2c+sNsTefyEEzTmrqJ4itODxJkbvhsCf\n"
    "TOFCJjdLYaSHR7MgIM4KcK8PiuajbkUCQQCpdFvBmwNvr8SinXBZLlRiBai+T+lj\n"
    "syyIb1F9Icfh6FmR+NXSeMcu5X+w/ebTzeHj+iwZKxsuU269OsbQZDhJAkB4Mc2f\n"
    "R1ebCR4WZhKzVjXn+VLPKwjGqyXCwaNMHF3eMIlMRmliEvGSupc60yoVKvihqA10\n"
    "Gsh0/hrmw7Z1EeQA\n"
    "-----END PRIVATE KEY-----\n";

static EVP_PKEY *
phone_key(void)
{
	static EVP_PKEY *key;
	BIO *b;

	if (key == NULL) {
		if ((b = BIO_new_mem_buf(phone_key_pem, -1)) == NULL)
			abort();
		key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
		BIO_free(b);
		if (key == NULL)
			abort();
	}
	return key;
}

/* A pointer the info block returns must lie inside the input. */
static void
check_inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	if (p == NULL || p < data || n > size ||
	    (size_t)(p - data) > size - n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trustlist tl;
	struct encsgn_info info;
	const uint8_t *ct;
	uint8_t *plain;
	size_t clen, plen;

	if (trustlist_parse(data, size, &tl) != 0)
		return 0;
	if ((tl.hdr.ver_major != 1 && tl.hdr.ver_major != 2) ||
	    tl.hdr.ver_minor != 0)
		goto out;
	if (encsgn_ciphertext(&tl, &ct, &clen) != 0)
		abort(); /* a parsed file always holds its header */
	check_inside(ct, clen, data, size);
	if (encsgn_parse_info(&tl, &info) != 0)
		goto out;
	if (tl.hdr.ver_major != 2)
		abort();
	check_inside(info.enc_key, info.enc_key_len, data, size);
	check_inside(info.digest, info.digest_len, data, size);
	if (info.digest_len != encsgn_digest_size(info.digest_alg) ||
	    info.key_bits != info.enc_key_len * 8)
		abort();
	if (confenc_decrypt(&info, ct, clen, phone_key(), &plain,
	    &plen) == 0) {
		if (plen > clen || plen + info.pad_count != clen)
			abort();
		free(plain);
	}
 out:
	ERR_clear_error();
	trustlist_free(&tl);
	return 0;
}
