/*
 * cutap.h - run the registered CUnit suites and report each test as a TAP
 * line, so that `make check` counts test cases, not programs.
 */
#ifndef TLVSIGN_TESTS_CUTAP_H
#define TLVSIGN_TESTS_CUTAP_H

#include <stdarg.h>
#include <stdio.h>

#include <CUnit/Basic.h>
#include <CUnit/TestRun.h>

/* An assertion whose failure message says which case failed and what was
 * got (CUnit would only copy the condition's text). */
static void cutap_check_at(int ok, unsigned line, const char *file,
    const char *fmt, ...) __attribute__((format(printf, 4, 5), unused));

static void
cutap_check_at(int ok, unsigned line, const char *file, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	if (ok) {
		CU_assertImplementation(CU_TRUE, line, "ok", file, "",
		    CU_FALSE);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(CU_FALSE, line, msg, file, "", CU_FALSE);
}

/* The same with the caller's line, for helpers checking on its behalf. */
#define check_at(ok, line, ...) \
	cutap_check_at((ok) ? 1 : 0, (line), __FILE__, __VA_ARGS__)

#define CHECK(cond, ...) \
	cutap_check_at((cond) ? 1 : 0, __LINE__, __FILE__, __VA_ARGS__)

static unsigned cutap_n;
static int cutap_failed_now;

static void
cutap_test_complete(const CU_pTest test, const CU_pSuite suite,
    const CU_pFailureRecord failure)
{
	const CU_pFailureRecord f0 = failure;
	CU_pFailureRecord f;

	cutap_n++;
	printf("%s %u - %s: %s\n", f0 ? "not ok" : "ok", cutap_n,
	    suite->pName, test->pName);
	for (f = failure; f != NULL; f = f->pNext)
		printf("# %s:%u: %s\n", f->strFileName ? f->strFileName : "?",
		    f->uiLineNumber, f->strCondition ? f->strCondition : "");
	fflush(stdout);
	(void)cutap_failed_now;
}

static void
cutap_suite_init_failure(const CU_pSuite suite)
{
	cutap_n++;
	printf("not ok %u - %s: suite setup failed\n", cutap_n, suite->pName);
}

static unsigned
cutap_count(void)
{
	CU_pTestRegistry reg = CU_get_registry();

	return reg ? reg->uiNumberOfTests : 0;
}

/* Call after registering suites; returns the process exit status. */
static int
cutap_run(void)
{
	unsigned failures;

	printf("1..%u\n", cutap_count());
	fflush(stdout);
	CU_set_test_complete_handler(cutap_test_complete);
	CU_set_suite_init_failure_handler(cutap_suite_init_failure);
	if (CU_run_all_tests() != CUE_SUCCESS) {
		printf("Bail out! CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 1;
	}
	failures = CU_get_number_of_tests_failed() +
	    CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}

struct cutap_test {
	const char *name;
	CU_TestFunc fn;
};

/* One suite: its name, and what runs before and after it and each test
 * (NULL: nothing). */
struct cutap_suite {
	const char *name;
	CU_InitializeFunc init;
	CU_CleanupFunc clean;
	CU_SetUpFunc setup;
	CU_TearDownFunc teardown;
};

/* A test program of one suite: register the n tests and run them; the
 * exit status. */
static int __attribute__((unused))
cutap_main(const struct cutap_suite *su, const struct cutap_test *tests,
    size_t n)
{
	CU_pSuite suite;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if ((suite = CU_add_suite_with_setup_and_teardown(su->name, su->init,
	    su->clean, su->setup, su->teardown)) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL)
			goto fail;
	return cutap_run();
fail:
	printf("Bail out! CUnit: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	return 1;
}

#define CUTAP_N(a) (sizeof(a) / sizeof((a)[0]))

#endif
