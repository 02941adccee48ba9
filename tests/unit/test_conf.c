/* test_conf.c - the [tvs] and [api] sections of tlvsign.conf (util/conf):
 * defaults, values, and every kind of value that must be refused. */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cutap.h"
#include "ops/access.h"
#include "util/conf.h"
#include "util/error.h"

static char path[] = "/tmp/tlvsign-conf-XXXXXX";

static int
load(const char *text, struct conf *c)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -100;
	fputs(text, fp);
	fclose(fp);
	return conf_load(path, c);
}

#define FP1 "5F0B1C2D3E4F5061728394A5B6C7D8E9F00112233445566778899AABBCCDDEEF"
#define FP1_LOWER \
	"5f0b1c2d3e4f5061728394a5b6c7d8e9f00112233445566778899aabbccddeef"
#define FP2 "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:" \
	"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
#define FP2_LOWER \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
test_defaults(void)
{
	struct conf c;

	CHECK(load("[cluster]\nname = x\n", &c) == 0, "%s",
	    ts_error_detail(TS_ERR_CONFIG));
	CHECK(strcmp(c.tvs.host, "0.0.0.0") == 0 && c.tvs.port == 2445 &&
	    c.tvs.ttl == 86400 && c.tvs.max_conn == 1024 &&
	    c.tvs.timeout == 10 && c.tvs.tls10 == 0, "[tvs] defaults");
	CHECK(c.api.enabled && strcmp(c.api.host, "127.0.0.1") == 0 &&
	    c.api.port == 8443 && c.napi_clients == 0, "[api] defaults");
	CHECK(c.copy_keys == 1, "[token] copy-keys defaults to yes");
	conf_free(&c);
}

static void
test_values(void)
{
	struct conf c;

	CHECK(load("[tvs]\nlisten = [::1]:0\nttl = 60\nmax-connections = 5\n"
	    "timeout = 2\ntls1.0 = yes\n[api]\nlisten = off\n"
	    "publisher = " FP1 "\nauditor = " FP2 ", " FP1_LOWER "0\n", &c) ==
	    TS_ERR_CONFIG, "a 65-digit fingerprint");
	CHECK(load("[token]\ncopy-keys = no\n"
	    "[tvs]\nlisten = [::1]:0\nttl = 60\nmax-connections = 5\n"
	    "timeout = 2\ntls1.0 = yes\n[api]\nlisten = off\n"
	    "publisher = " FP1 "\nauditor = " FP2 "\n", &c) == 0, "%s",
	    ts_error_detail(TS_ERR_CONFIG));
	CHECK(strcmp(c.tvs.host, "::1") == 0 && c.tvs.port == 0 &&
	    c.tvs.ttl == 60 && c.tvs.max_conn == 5 && c.tvs.timeout == 2 &&
	    c.tvs.tls10 == 1 && !c.api.enabled && c.copy_keys == 0, "values");
	CHECK(c.napi_clients == 2, "two clients");
	CHECK(access_role(&c, FP1_LOWER) != NULL &&
	    strcmp(access_role(&c, FP1_LOWER), "publisher") == 0,
	    "upper case without colons");
	CHECK(access_role(&c, FP2_LOWER) != NULL &&
	    strcmp(access_role(&c, FP2_LOWER), "auditor") == 0,
	    "colons");
	CHECK(access_role(&c, FP1) == NULL, "lookups are lower case");
	conf_free(&c);
}

static void
test_refused(void)
{
	static const char *const bad[] = {
		"[tvs]\nlisten = 127.0.0.1\n",
		"[tvs]\nlisten = 127.0.0.1:65536\n",
		"[tvs]\nlisten = :2445\n",
		"[tvs]\nlisten = ::1:2445\n",
		"[tvs]\nlisten = [::1]2445\n",
		"[tvs]\nttl = 0\n",
		"[tvs]\nttl = -1\n",
		"[tvs]\nttl = 1h\n",
		"[tvs]\nttl = 99999999999\n",
		"[tvs]\nmax-connections = 0\n",
		"[tvs]\ntimeout = 3601\n",
		"[tvs]\ntls1.0 = true\n",
		"[tvs]\nworkers = 2\n",
		"[tvs]\nttl = 1\nttl = 2\n",
		"[api]\nlisten = localhost:8443x\n",
		"[api]\nofficer = 12:34\n",
		"[api]\nofficer = " FP1 "\nauditor = " FP1_LOWER "\n",
		"[api]\nofficer = " FP1 " " FP1 "\n",
		"[api]\nadmin = " FP1 "\n",
		"[token]\ncopy-keys = 1\n",
		"[token]\ncopy-keys = off\n",
	};
	struct conf c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(load(bad[i], &c) == TS_ERR_CONFIG, "refuse: %s", bad[i]);
	CHECK(load(bad[16], &c) == TS_ERR_CONFIG &&
	    strstr(ts_error_detail(TS_ERR_CONFIG), "one role per certificate")
	    != NULL, "%s", ts_error_detail(TS_ERR_CONFIG));
}

static void
test_access(void)
{
	CHECK(access_allowed("publisher", ACCESS_SIGN), "publisher signs");
	CHECK(!access_allowed("officer", ACCESS_SIGN), "officer does not");
	CHECK(!access_allowed("auditor", ACCESS_SIGN), "auditor does not");
	CHECK(access_allowed("auditor", ACCESS_AUDIT) &&
	    access_allowed("officer", ACCESS_AUDIT) &&
	    !access_allowed("publisher", ACCESS_AUDIT), "audit log");
	CHECK(access_allowed("auditor", ACCESS_CERTS_READ) &&
	    access_allowed("officer", ACCESS_CERTS_READ) &&
	    access_allowed("publisher", ACCESS_CERTS_READ) &&
	    !access_allowed(NULL, ACCESS_CERTS_READ) &&
	    !access_allowed("root", ACCESS_CERTS_READ), "certificates");
	CHECK(access_allowed("officer", ACCESS_PUBLISH) &&
	    !access_allowed("publisher", ACCESS_PUBLISH) &&
	    !access_allowed("auditor", ACCESS_PUBLISH), "publishing");
	CHECK(access_allowed("officer", ACCESS_CERTS_WRITE) &&
	    !access_allowed("publisher", ACCESS_CERTS_WRITE) &&
	    !access_allowed("auditor", ACCESS_CERTS_WRITE) &&
	    !access_allowed(NULL, ACCESS_CERTS_WRITE) &&
	    strcmp(access_roles_text(ACCESS_CERTS_WRITE), "officer") == 0,
	    "changing certificates and nodes");
}

static const struct cutap_test tests[] = {
	{ "[tvs] and [api] defaults", test_defaults },
	{ "values and fingerprints", test_values },
	{ "values refused", test_refused },
	{ "roles and operations", test_access },
};

int
main(void)
{
	int fd, rc;

	if ((fd = mkstemp(path)) < 0)
		return 1;
	close(fd);
	unsetenv("TLVSIGN_CONF");
	rc = cutap_main(&(struct cutap_suite){ .name = "conf" }, tests,
	    CUTAP_N(tests));
	unlink(path);
	return rc;
}
