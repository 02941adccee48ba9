/* test_apibody.c - the API's JSON request bodies (format/apibody). */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutap.h"
#include "format/apibody.h"
#include "util/error.h"

static int
parse(const char *s, struct sign_batch *b)
{
	return apibody_sign_batch_parse((const uint8_t *)s, strlen(s), b);
}

static void
test_accepted(void)
{
	struct sign_batch b;

	CHECK(parse("{\"files\": [{\"filename\": \"a.xml\", \"data\": \"YQ==\"},"
	    " {\"data\": \"YmI=\", \"filename\": \"SEP0011.cnf.xml\"}]}", &b) ==
	    0, "%s", ts_error_detail(TS_ERR_FORMAT));
	CHECK(b.n == 2 && strcmp(b.files[0].filename, "a.xml") == 0 &&
	    b.files[0].len == 1 && b.files[0].data[0] == 'a' &&
	    b.files[1].len == 2 && memcmp(b.files[1].data, "bb", 2) == 0,
	    "fields");
	apibody_sign_batch_free(&b);
}

static void
test_refused(void)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{}",
		"{\"files\": []}",
		"{\"files\": {}}",
		"{\"files\": [1]}",
		"{\"files\": [{\"filename\": \"a\"}]}",
		"{\"files\": [{\"data\": \"YQ==\"}]}",
		"{\"files\": [{\"filename\": \"../a\", \"data\": \"YQ==\"}]}",
		"{\"files\": [{\"filename\": \".a\", \"data\": \"YQ==\"}]}",
		"{\"files\": [{\"filename\": \"a b\", \"data\": \"YQ==\"}]}",
		"{\"files\": [{\"filename\": \"a\\u0000b\", \"data\": \"YQ==\"}]}",
		"{\"files\": [{\"filename\": \"\", \"data\": \"YQ==\"}]}",
		"{\"files\": [{\"filename\": \"a\", \"data\": \"\"}]}",
		"{\"files\": [{\"filename\": \"a\", \"data\": \"YQ=\"}]}",
		"{\"files\": [{\"filename\": \"a\", \"data\": 5}]}",
		"{\"files\": [{\"filename\": \"a\", \"data\": \"YQ==\", \"x\": 1}]}",
		"{\"files\": [{\"filename\": \"a\", \"data\": \"YQ==\"}], \"y\": 1}",
		"{\"files\": [{\"filename\": \"a\", \"data\": \"YQ==\"},"
		    " {\"filename\": \"a\", \"data\": \"YQ==\"}]}",
		"{\"files\": [{\"filename\": \"a\", \"filename\": \"b\", "
		    "\"data\": \"YQ==\"}]}",
		"{\"files\": [{\"filename\": \"a\", \"data\": \"YQ==\"}",
	};
	struct sign_batch b;
	size_t i;
	int r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = parse(bad[i], &b);
		CHECK(r == TS_ERR_FORMAT, "refuse %s: %d", bad[i], r);
	}
	CHECK(parse("{\"files\": [{\"filename\": \"a\", \"data\": \"YQ==\"},"
	    " {\"filename\": \"a\", \"data\": \"YQ==\"}]}", &b) != 0 &&
	    strstr(ts_error_detail(TS_ERR_FORMAT), "file 2") != NULL, "%s",
	    ts_error_detail(TS_ERR_FORMAT));
}

static void
test_limits(void)
{
	struct sign_batch b;
	char *s, *p;
	size_t i, n = SIGN_BATCH_MAX_FILES + 1;

	s = malloc(n * 64 + 32);
	p = s + sprintf(s, "{\"files\": [");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s{\"filename\": \"f%zu\", \"data\": \"YQ==\"}",
		    i ? "," : "", i);
	strcpy(p, "]}");
	CHECK(parse(s, &b) == TS_ERR_LIMIT, "one file too many");
	/* exactly the limit */
	p = s + sprintf(s, "{\"files\": [");
	for (i = 0; i < n - 1; i++)
		p += sprintf(p, "%s{\"filename\": \"f%zu\", \"data\": \"YQ==\"}",
		    i ? "," : "", i);
	strcpy(p, "]}");
	CHECK(parse(s, &b) == 0 && b.n == SIGN_BATCH_MAX_FILES, "at the limit");
	apibody_sign_batch_free(&b);
	free(s);
	CHECK(apibody_sign_batch_parse((const uint8_t *)"{}",
	    SIGN_BATCH_MAX_BODY + 1, &b) == TS_ERR_LIMIT, "body too large");
	CHECK(apibody_safe_name("SEP001122334455.cnf.xml") &&
	    !apibody_safe_name("a/b") && !apibody_safe_name(NULL),
	    "safe names");
}

static void
test_check(void)
{
	static const char *const bad[] = {
		"{}",
		"{\"from\": \"YQ==\"}",
		"{\"to\": 1}",
		"{\"to\": \"\"}",
		"{\"to\": \"YQ\"}",
		"{\"to\": \"YQ==\", \"itl\": \"YQ==\"}",
		"{\"to\": \"YQ==\", \"to\": \"YQ==\"}",
		"[\"YQ==\"]",
	};
	struct check_body c;
	size_t i;

	CHECK(apibody_check_parse((const uint8_t *)"{\"to\": \"YQ==\"}", 14,
	    &c) == 0 && c.to_len == 1 && c.from == NULL && c.ctl == NULL,
	    "to only: %s", ts_error_detail(TS_ERR_FORMAT));
	apibody_check_free(&c);
	CHECK(apibody_check_parse((const uint8_t *)"{\"to\": \"YQ==\", "
	    "\"from\": \"YmI=\", \"ctl\": \"Yw==\"}", 45, &c) == 0 &&
	    c.from_len == 2 && c.ctl_len == 1, "all three");
	apibody_check_free(&c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(apibody_check_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), &c) == TS_ERR_FORMAT, "refuse %s", bad[i]);
}

int
main(void)
{
	CU_pSuite suite;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if ((suite = CU_add_suite("apibody", NULL, NULL)) == NULL ||
	    CU_add_test(suite, "batches accepted", test_accepted) == NULL ||
	    CU_add_test(suite, "batches refused", test_refused) == NULL ||
	    CU_add_test(suite, "limits", test_limits) == NULL ||
	    CU_add_test(suite, "check requests", test_check) == NULL) {
		printf("Bail out! CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	return cutap_run();
}
