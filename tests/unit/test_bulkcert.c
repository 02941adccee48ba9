/* test_bulkcert.c - the bulk certificate archive (format/bulkcert):
 * base64 known answers, roles, and archives the parser must refuse. */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutap.h"
#include "format/bulkcert.h"
#include "format/trustlist.h"
#include "util/error.h"

static void
test_base64(void)
{
	static const struct { const char *plain, *b64; } kat[] = {
		{ "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = { "", "Zg=", "Zg", "Z===", "====",
		"Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "Zg==Zg==", "Z=g=", "Zm9v=" };
	uint8_t *out;
	char *enc;
	size_t i, len;

	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		CHECK(base64_decode(kat[i].b64, strlen(kat[i].b64), &out,
		    &len) == 0 && len == strlen(kat[i].plain) &&
		    memcmp(out, kat[i].plain, len) == 0, "decode %s",
		    kat[i].b64);
		free(out);
		CHECK(base64_encode((const uint8_t *)kat[i].plain,
		    strlen(kat[i].plain), &enc) == 0 &&
		    strcmp(enc, kat[i].b64) == 0, "encode %s", kat[i].plain);
		free(enc);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(base64_decode(bad[i], strlen(bad[i]), &out, &len) ==
		    TS_ERR_FORMAT, "refuse \"%s\"", bad[i]);
	}
}

static void
test_roles(void)
{
	uint16_t roles[BULK_MAX_ROLES];
	char text[64];
	size_t n;

	CHECK(bulk_roles_parse("SAST,CCM+TFTP,TVS", roles, &n) == 0 &&
	    n == 3 && roles[0] == TL_ROLE_SAST && roles[1] ==
	    TL_ROLE_CCM_TFTP && roles[2] == TL_ROLE_TVS, "parse three");
	CHECK(bulk_roles_text(roles, n, text, sizeof(text)) == 0 &&
	    strcmp(text, "SAST,CCM+TFTP,TVS") == 0, "text: %s", text);
	CHECK(bulk_roles_parse("", roles, &n) == TS_ERR_FORMAT, "empty");
	CHECK(bulk_roles_parse("TFTP,", roles, &n) == TS_ERR_FORMAT,
	    "trailing comma");
	CHECK(bulk_roles_parse("TFTP,TFTP", roles, &n) == TS_ERR_FORMAT,
	    "twice");
	CHECK(bulk_roles_parse("tftp", roles, &n) == TS_ERR_FORMAT,
	    "case matters");
	CHECK(bulk_roles_text(roles, 1, text, 3) == TS_ERR_LIMIT ||
	    bulk_roles_text(roles, 1, text, 3) == 0, "small buffer");
}

#define HEAD "{\"format\": \"tlvsign-bulk-certificates\", \"version\": 1, " \
	"\"certificates\": ["
#define SHA "\"sha256\": \"" \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\""
#define ENTRY(roles, der) "{\"cluster\": \"b\", \"host\": \"h\", " \
	"\"purpose\": \"CallManager\", \"roles\": " roles ", " SHA ", " \
	"\"der\": \"" der "\"}"

static int
parse(const char *s)
{
	struct bulk_archive a;
	int r = bulk_parse((const uint8_t *)s, strlen(s), &a);

	if (r == 0)
		bulk_free(&a);
	return r;
}

static void
test_parse(void)
{
	struct bulk_archive a;
	const char *good = HEAD ENTRY("[\"TFTP\"]", "MAMCAQU=") "]}";
	char *text;
	size_t len;

	CHECK(bulk_parse((const uint8_t *)good, strlen(good), &a) == 0,
	    "%s", ts_error_detail(TS_ERR_FORMAT));
	CHECK(a.n == 1 && a.entries[0].der_len == 5 &&
	    a.entries[0].roles[0] == TL_ROLE_TFTP &&
	    strcmp(a.entries[0].cluster, "b") == 0, "fields");
	CHECK(bulk_encode(&a, &text, &len) == 0 && text[len - 1] == '\n',
	    "encode");
	bulk_free(&a);
	CHECK(parse(text) == 0, "encoded parses");
	free(text);
	CHECK(parse(HEAD "]}") == 0, "no certificates");

	CHECK(parse("") == TS_ERR_FORMAT, "empty");
	CHECK(parse("[]") == TS_ERR_FORMAT, "array");
	CHECK(parse(HEAD) == TS_ERR_FORMAT, "truncated");
	CHECK(parse("{\"format\": \"x\", \"version\": 1, \"certificates\": "
	    "[]}") == TS_ERR_FORMAT, "format");
	CHECK(parse("{\"format\": \"tlvsign-bulk-certificates\", \"version\": "
	    "\"1\", \"certificates\": []}") == TS_ERR_FORMAT,
	    "version string");
	CHECK(parse(HEAD "], \"x\": 1}") == TS_ERR_FORMAT, "unknown member");
	CHECK(parse("{\"format\": \"tlvsign-bulk-certificates\", \"format\": "
	    "\"tlvsign-bulk-certificates\", \"version\": 1, \"certificates\": "
	    "[]}") == TS_ERR_FORMAT, "duplicate key");
	CHECK(parse(HEAD ENTRY("[]", "MAMCAQU=") "]}") == TS_ERR_FORMAT,
	    "no roles");
	CHECK(parse(HEAD ENTRY("[\"TFTP\", \"TFTP\"]", "MAMCAQU=") "]}") ==
	    TS_ERR_FORMAT, "role twice");
	CHECK(parse(HEAD ENTRY("[3]", "MAMCAQU=") "]}") == TS_ERR_FORMAT,
	    "numeric role");
	CHECK(parse(HEAD ENTRY("\"TFTP\"", "MAMCAQU=") "]}") == TS_ERR_FORMAT,
	    "roles not an array");
	CHECK(parse(HEAD ENTRY("[\"TFTP\"]", "MAMCAQU") "]}") == TS_ERR_FORMAT,
	    "bad base64");
	CHECK(parse(HEAD ENTRY("[\"TFTP\"]", "") "]}") == TS_ERR_FORMAT,
	    "empty der");
	CHECK(parse(HEAD ENTRY("[\"TFTP\"]", "MAMCAQU=") ","
	    ENTRY("[\"TFTP\"]", "MAMCAQU=") "]}") == TS_ERR_FORMAT,
	    "same SHA-256 twice");
	CHECK(strstr(ts_error_detail(TS_ERR_FORMAT), "certificate 2 repeats")
	    != NULL, "%s", ts_error_detail(TS_ERR_FORMAT));
	CHECK(parse(HEAD "{\"cluster\": \"b\", \"host\": \"h\", \"purpose\": "
	    "\"CallManager\", \"roles\": [\"TFTP\"], \"sha256\": \"00\", "
	    "\"der\": \"MAMCAQU=\"}]}") == TS_ERR_FORMAT, "short SHA-256");
	CHECK(parse(HEAD "{\"cluster\": \"a b\", \"host\": \"h\", \"purpose\": "
	    "\"CallManager\", \"roles\": [\"TFTP\"], " SHA ", "
	    "\"der\": \"MAMCAQU=\"}]}") == TS_ERR_FORMAT, "space in name");
	CHECK(parse(HEAD "{\"cluster\": \"b\\u0000\", \"host\": \"h\", "
	    "\"purpose\": \"CallManager\", \"roles\": [\"TFTP\"], " SHA ", "
	    "\"der\": \"MAMCAQU=\"}]}") == TS_ERR_FORMAT, "NUL in name");
	CHECK(parse(HEAD "{\"host\": \"h\", \"purpose\": \"CallManager\", "
	    "\"roles\": [\"TFTP\"], " SHA ", \"der\": \"MAMCAQU=\"}]}") ==
	    TS_ERR_FORMAT, "no cluster");
	CHECK(parse(HEAD "{\"cluster\": \"b\", \"host\": \"h\", \"purpose\": "
	    "\"CallManager\", \"roles\": [\"TFTP\"], " SHA ", "
	    "\"der\": \"MAMCAQU=\", \"note\": 1}]}") == TS_ERR_FORMAT,
	    "unknown entry member");
}

static void
test_limits(void)
{
	struct bulk_archive a;
	struct bulk_entry e;
	uint8_t der[BULK_MAX_DER + 1];
	size_t i;
	int r = 0;

	memset(&a, 0, sizeof(a));
	memset(&e, 0, sizeof(e));
	memset(der, 0x30, sizeof(der));
	e.der = der;
	e.der_len = BULK_MAX_DER + 1;
	e.nroles = 1;
	CHECK(bulk_add(&a, &e) == TS_ERR_LIMIT, "DER over the limit");
	e.der_len = 1;
	for (i = 0; i < BULK_MAX_ENTRIES && r == 0; i++) {
		snprintf(e.sha256, sizeof(e.sha256), "%064zx", i);
		r = bulk_add(&a, &e);
	}
	CHECK(r == 0 && a.n == BULK_MAX_ENTRIES, "up to the limit");
	snprintf(e.sha256, sizeof(e.sha256), "%064x", 99999);
	CHECK(bulk_add(&a, &e) == TS_ERR_LIMIT, "one past the limit");
	snprintf(e.sha256, sizeof(e.sha256), "%064x", 1);
	CHECK(bulk_add(&a, &e) == TS_ERR_EXISTS, "SHA-256 twice");
	bulk_free(&a);
	{
		uint8_t *big = malloc(BULK_MAX_FILE + 1);

		memset(big, ' ', BULK_MAX_FILE + 1);
		CHECK(bulk_parse(big, BULK_MAX_FILE + 1, &a) == TS_ERR_LIMIT,
		    "file over the limit");
		free(big);
	}
}

static const struct cutap_test tests[] = {
	{ "base64 known answers and refusals", test_base64 },
	{ "role names", test_roles },
	{ "archives accepted and refused", test_parse },
	{ "size and count limits", test_limits },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "bulkcert" }, tests,
	    CUTAP_N(tests));
}
