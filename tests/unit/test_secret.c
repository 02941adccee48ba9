/* test_secret.c - memory that held a secret is wiped before it is given
 * back (util/secret: secret_free, secret_realloc). */
#include <CUnit/CUnit.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cutap.h"
#include "util/secret.h"

/* What the release hook saw: how many blocks, and whether every byte of
 * each was zero when it was released. */
static unsigned released, released_dirty;

static void
check_release(void *p)
{
	const uint8_t *b = p;
	size_t i, n = malloc_usable_size(p);

	released++;
	for (i = 0; i < n; i++)
		if (b[i] != 0) {
			released_dirty++;
			break;
		}
	free(p);
}

static void
setup(void)
{
	released = released_dirty = 0;
	secret_release = check_release;
}

static void
teardown(void)
{
	secret_release = free;
}

static void
test_free_wipes(void)
{
	char *p = malloc(100);

	CHECK(p != NULL, "malloc");
	if (p == NULL)
		return;
	memset(p, 'S', 100);
	secret_free(p);
	CHECK(released == 1 && released_dirty == 0,
	    "released %u blocks, %u not wiped", released, released_dirty);
	secret_free(NULL);
	CHECK(released == 1, "free(NULL) releases nothing");
}

static void
test_realloc_grows(void)
{
	char *p = malloc(16), *q;
	size_t i;
	int same = 1;

	CHECK(p != NULL, "malloc");
	if (p == NULL)
		return;
	memcpy(p, "passphrase-0123", 16);
	q = secret_realloc(p, 64 * 1024);
	CHECK(q != NULL, "grown");
	if (q == NULL) {
		secret_free(p);
		return;
	}
	CHECK(memcmp(q, "passphrase-0123", 16) == 0, "content kept");
	CHECK(released == 1 && released_dirty == 0,
	    "the old block released wiped (%u released, %u not wiped)",
	    released, released_dirty);
	/* grown again, in many steps, as a buffer library does */
	for (i = 0; i < 64 * 1024; i++)
		q[i] = (char)i;
	for (i = 1; i <= 8 && q != NULL; i++) {
		char *r = secret_realloc(q, 64 * 1024 + i * 4096);

		if (r == NULL)
			break;
		q = r;
	}
	for (i = 0; i < 64 * 1024 && q != NULL; i++)
		if (q[i] != (char)i)
			same = 0;
	CHECK(q != NULL && same, "content kept over every move");
	CHECK(released_dirty == 0, "%u old blocks released unwiped",
	    released_dirty);
	secret_free(q);
}

static void
test_realloc_edges(void)
{
	char *p = secret_realloc(NULL, 32), *q;

	CHECK(p != NULL && released == 0, "realloc(NULL, n) allocates");
	if (p == NULL)
		return;
	memset(p, 'S', 32);
	q = secret_realloc(p, 8);
	CHECK(q == p && released == 0, "shrinking keeps the block");
	CHECK(secret_realloc(q, 0) == NULL && released == 1 &&
	    released_dirty == 0, "realloc(p, 0) releases p wiped");
}

static const struct cutap_test tests[] = {
	{ "secret_free wipes the whole block", test_free_wipes },
	{ "secret_realloc moves and wipes the old block", test_realloc_grows },
	{ "secret_realloc: NULL, shrink, zero", test_realloc_edges },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "secret",
	    .setup = setup, .teardown = teardown }, tests,
	    CUTAP_N(tests));
}
