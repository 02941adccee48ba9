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

static int
refuse_all(int (*fn)(const char *), const char *const *bad, size_t n,
    const char *what)
{
	size_t i;
	int r, failed = 0;

	for (i = 0; i < n; i++) {
		r = fn(bad[i]);
		if (r != TS_ERR_FORMAT && r != TS_ERR_LIMIT) {
			CHECK(0, "%s: refuse %s: %d", what, bad[i], r);
			failed++;
		}
	}
	return failed;
}

static int
certgen(const char *s)
{
	struct certgen_body g;

	return apibody_certgen_parse((const uint8_t *)s, strlen(s), &g);
}

static void
test_certgen(void)
{
	static const char *const bad[] = {
		"[]",
		"null",
		"{",
		"{\"bits\": \"2048\"}",
		"{\"bits\": 2048.0}",
		"{\"bits\": true}",
		"{\"bits\": 255}",
		"{\"bits\": 16385}",
		"{\"bits\": -2048}",
		"{\"years\": 0}",
		"{\"years\": 101}",
		"{\"previous\": -1}",
		"{\"previous\": 64}",
		"{\"node\": \"\"}",
		"{\"node\": \"a b\"}",
		"{\"node\": \"a.b\"}",
		"{\"node\": \"a\\u0000b\"}",
		"{\"node\": 1}",
		"{\"node\": \"a12345678901234567890123456789012345678901234567"
		    "8901234567890123\"}",
		"{\"hash\": \"SHA-256\"}",
		"{\"hash\": \"SHA2560000000000\"}",
		"{\"node\": \"a\", \"node\": \"b\"}",
		"{\"key_type\": \"rsa\"}",
		"{\"force\": true}",
		"{\"force\": false}",
	};
	struct certgen_body g;
	const char *s;

	CHECK(apibody_certgen_parse(NULL, 0, &g) == 0 && g.node[0] == '\0' &&
	    g.bits == 0 && g.years == 0 && g.hash[0] == '\0' &&
	    g.previous == 0, "an empty body: the defaults");
	CHECK(certgen("{}") == 0, "{}");
	s = "{\"node\": \"cucm-sub1\", \"bits\": 3072, \"hash\": \"SHA384\", "
	    "\"years\": 20, \"previous\": 63}";
	CHECK(apibody_certgen_parse((const uint8_t *)s, strlen(s), &g) == 0 &&
	    strcmp(g.node, "cucm-sub1") == 0 && g.bits == 3072 &&
	    strcmp(g.hash, "SHA384") == 0 && g.years == 20 &&
	    g.previous == 63, "every member: %s",
	    ts_error_detail(TS_ERR_FORMAT));
	refuse_all(certgen, bad, sizeof(bad) / sizeof(bad[0]), "certgen");
	CHECK(certgen("{\"force\": true}") != 0 &&
	    strstr(ts_error_detail(TS_ERR_FORMAT), "--force") != NULL,
	    "force: says where it is allowed: %s",
	    ts_error_detail(TS_ERR_FORMAT));
	CHECK(certgen("{\"bits\": 1}") != 0 &&
	    strstr(ts_error_detail(TS_ERR_FORMAT), "\"bits\"") != NULL,
	    "names the member: %s", ts_error_detail(TS_ERR_FORMAT));
	CHECK(apibody_certgen_parse((const uint8_t *)"{}",
	    APIBODY_MAX_SMALL + 1, &g) == TS_ERR_LIMIT, "body too large");
}

static int
csr(const char *s)
{
	struct csr_body c;

	return apibody_csr_parse((const uint8_t *)s, strlen(s), &c);
}

static void
test_csr(void)
{
	static const char *const bad[] = {
		"{\"sans\": []}",
		"{\"sans\": \"a.example\"}",
		"{\"sans\": [1]}",
		"{\"sans\": [\"a b\"]}",
		"{\"sans\": [\"\"]}",
		"{\"sans\": [\"a/b\"]}",
		"{\"distribution\": \"multi server\"}",
		"{\"distribution\": \"cucm-sub1\", \"node\": \"cucm-sub2\"}",
		"{\"distribution\": 1}",
		"{\"parent_domain\": \"*.example.com\"}",
		"{\"parent_domain\": \"\"}",
		"{\"bits\": 100000}",
		"{\"years\": 1}",
		"{\"san\": [\"a\"]}",
	};
	struct csr_body c;
	char *s, *p;
	int i;

	const char *all = "{\"node\": \"cucm-sub1\", \"sans\": "
	    "[\"voice.example.com\", \"*.example.com\", \"192.0.2.1\"], "
	    "\"parent_domain\": \"example.com\", \"bits\": 2048, "
	    "\"hash\": \"SHA256\"}";

	CHECK(apibody_csr_parse((const uint8_t *)all, strlen(all), &c) == 0 &&
	    strcmp(c.node, "cucm-sub1") == 0 && c.nsans == 3 &&
	    strcmp(c.sans[1], "*.example.com") == 0 &&
	    strcmp(c.parent_domain, "example.com") == 0 && c.bits == 2048 &&
	    !c.multi_server, "every member: %s",
	    ts_error_detail(TS_ERR_FORMAT));
	s = "{\"distribution\": \"multi-server\"}";
	CHECK(apibody_csr_parse((const uint8_t *)s, strlen(s), &c) == 0 &&
	    c.multi_server && c.node[0] == '\0', "multi-server");
	s = "{\"distribution\": \"cucm-sub1\"}";
	CHECK(apibody_csr_parse((const uint8_t *)s, strlen(s), &c) == 0 &&
	    !c.multi_server && strcmp(c.node, "cucm-sub1") == 0,
	    "a host as distribution");
	CHECK(apibody_csr_parse(NULL, 0, &c) == 0 && c.nsans == 0,
	    "an empty body");
	refuse_all(csr, bad, sizeof(bad) / sizeof(bad[0]), "csr");
	s = malloc(64 * (APIBODY_MAX_SANS + 2));
	p = s + sprintf(s, "{\"sans\": [");
	for (i = 0; i <= APIBODY_MAX_SANS; i++)
		p += sprintf(p, "%s\"s%d.example\"", i ? ", " : "", i);
	strcpy(p, "]}");
	CHECK(csr(s) == TS_ERR_FORMAT, "one SAN too many");
	free(s);
}

#define PEM_A "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

static int
import(const char *s)
{
	struct import_body b;
	int r = apibody_import_parse((const uint8_t *)s, strlen(s), &b);

	if (r == 0)
		apibody_import_free(&b);
	return r;
}

static void
test_import(void)
{
	static const char *const bad[] = {
		"",
		"{}",
		"{\"chain\": \"-----BEGIN CERTIFICATE-----\\n\"}",
		"{\"certificate\": 1}",
		"{\"certificate\": \"MIIB\"}",
		"{\"certificate\": \"-----BEGIN CERTIFICATE-----\\u0001\"}",
		"{\"certificate\": \"-----BEGIN CERTIFICATE-----\\u00e9\"}",
		"{\"certificate\": \"-----BEGIN CERTIFICATE-----\\u0000\"}",
		"{\"certificate\": \"-----BEGIN CERTIFICATE-----\\n"
		    "-----BEGIN CERTIFICATE-----\\n\"}",
		"{\"certificate\": \"-----BEGIN CERTIFICATE-----\", "
		    "\"chain\": \"none\"}",
		"{\"certificate\": \"-----BEGIN CERTIFICATE-----\", "
		    "\"chain\": [\"-----BEGIN CERTIFICATE-----\"]}",
		"{\"certificate\": \"-----BEGIN CERTIFICATE-----\", "
		    "\"key\": \"x\"}",
		"{\"certificate\": \"-----BEGIN CERTIFICATE-----\", "
		    "\"node\": \"-\\n\"}",
		"{\"certificate\": \"-----BEGIN CERTIFICATE-----\", "
		    "\"force\": true}",
	};
	struct import_body b;
	const char *s;
	char *big;
	size_t n;

	s = "{\"certificate\": \"-----BEGIN CERTIFICATE-----\\nMIIB\\n"
	    "-----END CERTIFICATE-----\\n\"}";
	CHECK(apibody_import_parse((const uint8_t *)s, strlen(s), &b) == 0 &&
	    b.len == strlen(PEM_A) + 1 &&
	    memcmp(b.pem, PEM_A "\n", b.len) == 0 && b.pem[b.len] == '\0',
	    "a certificate: %s", ts_error_detail(TS_ERR_FORMAT));
	apibody_import_free(&b);
	s = "{\"certificate\": \"-----BEGIN CERTIFICATE-----\\nA\\n\", "
	    "\"chain\": \"-----BEGIN CERTIFICATE-----\\nB\\n"
	    "-----BEGIN CERTIFICATE-----\\nC\\n\", \"node\": \"cucm-sub1\", "
	    "\"previous\": 2}";
	CHECK(apibody_import_parse((const uint8_t *)s, strlen(s), &b) == 0 &&
	    strcmp(b.pem, "-----BEGIN CERTIFICATE-----\nA\n\n-----BEGIN "
	    "CERTIFICATE-----\nB\n-----BEGIN CERTIFICATE-----\nC\n") == 0 &&
	    strcmp(b.node, "cucm-sub1") == 0 && b.previous == 2,
	    "leaf, then chain: %s", ts_error_detail(TS_ERR_FORMAT));
	apibody_import_free(&b);
	refuse_all(import, bad, sizeof(bad) / sizeof(bad[0]), "import");
	CHECK(import("{\"certificate\": \"-----BEGIN CERTIFICATE-----\\n"
	    "-----BEGIN CERTIFICATE-----\\n\"}") != 0 &&
	    strstr(ts_error_detail(TS_ERR_FORMAT), "\"chain\"") != NULL,
	    "two certificates: says where the second goes");
	big = malloc(IMPORT_MAX_CERT + 64);
	strcpy(big, "{\"certificate\": \"-----BEGIN CERTIFICATE-----");
	n = strlen(big);
	memset(big + n, 'A', IMPORT_MAX_CERT);
	strcpy(big + n + IMPORT_MAX_CERT, "\"}");
	CHECK(import(big) == TS_ERR_LIMIT, "a certificate over the limit");
	free(big);
}

static int
node(const char *s)
{
	struct node_body n;

	return apibody_node_parse((const uint8_t *)s, strlen(s), &n);
}

static void
test_node(void)
{
	static const char *const bad[] = {
		"",
		"{}",
		"{\"ipv4\": \"192.0.2.11\", \"services\": \"TFTP\"}",
		"{\"host\": \"sub1\", \"services\": \"TFTP\"}",
		"{\"host\": \"sub1\", \"ipv4\": \"192.0.2.11\"}",
		"{\"host\": \"sub1.example\", \"ipv4\": \"192.0.2.11\", "
		    "\"services\": \"TFTP\"}",
		"{\"host\": \"sub1\", \"ipv4\": \"1.2.3\", \"services\": "
		    "\"TFTP\"}",
		"{\"host\": \"sub1\", \"ipv4\": \"192.168.100.1000\", "
		    "\"services\": \"TFTP\"}",
		"{\"host\": \"sub1\", \"ipv4\": \"::1\", "
		    "\"services\": \"TFTP\"}",
		"{\"host\": \"sub1\", \"ipv4\": \"192.0.2.11\", \"services\": "
		    "\"TFTP, TVS\"}",
		"{\"host\": \"sub1\", \"ipv4\": \"192.0.2.11\", \"services\": "
		    "[\"TFTP\"]}",
		"{\"host\": \"sub1\", \"ipv4\": \"192.0.2.11\", \"services\": "
		    "\"TFTP\", \"publisher\": \"no\"}",
		"{\"host\": \"sub1\", \"ipv4\": \"192.0.2.11\", \"services\": "
		    "\"TFTP\", \"domain\": \"a b\"}",
		"{\"host\": \"sub1\", \"ipv4\": \"192.0.2.11\", \"services\": "
		    "\"TFTP\", \"ip\": \"192.0.2.11\"}",
	};
	struct node_body n;
	const char *s = "{\"host\": \"cucm-sub1\", "
	    "\"domain\": \"example.com\", "
	    "\"ipv4\": \"192.0.2.11\", \"services\": \"TFTP,CallManager\", "
	    "\"publisher\": false}";

	CHECK(apibody_node_parse((const uint8_t *)s, strlen(s), &n) == 0 &&
	    strcmp(n.host, "cucm-sub1") == 0 && n.has_domain &&
	    strcmp(n.domain, "example.com") == 0 &&
	    strcmp(n.ipv4, "192.0.2.11") == 0 &&
	    strcmp(n.services, "TFTP,CallManager") == 0 && !n.publisher,
	    "every member: %s", ts_error_detail(TS_ERR_FORMAT));
	CHECK(node("{\"host\": \"s\", \"ipv4\": \"192.0.2.11\", \"services\": "
	    "\"TVS\"}") == 0, "no domain");
	s = "{\"host\": \"s\", \"ipv4\": \"192.0.2.11\", "
	    "\"services\": \"TVS\", "
	    "\"domain\": \"\", \"publisher\": true}";
	CHECK(apibody_node_parse((const uint8_t *)s, strlen(s), &n) == 0 &&
	    n.has_domain && n.domain[0] == '\0' && n.publisher,
	    "an empty domain is a domain; publisher passed on");
	refuse_all(node, bad, sizeof(bad) / sizeof(bad[0]), "node");
	CHECK(node("{\"host\": \"s\"}") != 0 &&
	    strstr(ts_error_detail(TS_ERR_FORMAT), "\"ipv4\" is missing") !=
	    NULL, "says what is missing: %s", ts_error_detail(TS_ERR_FORMAT));
}

#define SECRET "hunter2x" /* short: jansson quotes tokens up to 20 bytes */

static int
remotekey(const char *s)
{
	struct remotekey_body b;
	int r = apibody_remotekey_parse((const uint8_t *)s, strlen(s), &b);

	if (r == 0)
		apibody_remotekey_free(&b);
	return r;
}

static void
test_remotekey(void)
{
	static const char *const bad[] = {
		"",
		"{}",
		"{\"file\": \"YQ==\"}",
		"{\"passphrase\": \"" SECRET "\"}",
		"{\"file\": \"YQ==\", \"passphrase\": \"\"}",
		"{\"file\": \"YQ==\", \"passphrase\": 12345678}",
		"{\"file\": \"YQ==\", \"passphrase\": \"a\\u0000b\"}",
		"{\"file\": \"\", \"passphrase\": \"" SECRET "\"}",
		"{\"file\": \"YQ=\", \"passphrase\": \"" SECRET "\"}",
		"{\"file\": 1, \"passphrase\": \"" SECRET "\"}",
		"{\"file\": \"YQ==\", \"passphrase\": \"" SECRET "\", "
		    "\"pin\": \"1234\"}",
		"{\"file\": \"YQ==\", \"passphrase\": \"" SECRET "\", "
		    "\"node\": \"a b\"}",
		"{\"file\": \"YQ==\", \"passphrase\": \"" SECRET "\", "
		    "\"force\": true}",
		"{\"file\": \"YQ==\", \"passphrase\": \"" SECRET "\", "
		    "\"passphrase\": \"" SECRET "\"}",
	};
	/* malformed where the passphrase is: jansson would quote it */
	static const char *const leaky[] = {
		"{\"file\": \"YQ==\", \"passphrase\": " SECRET "}",
		"{\"file\": \"YQ==\", \"passphrase\": \"" SECRET "\t\"}",
		"{\"file\": \"YQ==\", \"passphrase\": \"" SECRET "\\q\"}",
		"{\"file\": \"YQ==\", \"passphrase\": \"" SECRET,
		"{\"file\": \"YQ==\", \"passphrase\": \"" SECRET "\" \"x\"}",
	};
	struct remotekey_body b;
	char big[300], *s;
	size_t i;
	int r;

	s = "{\"file\": \"YQ==\", \"passphrase\": \"" SECRET "\", "
	    "\"node\": \"cucm-sub1\", \"previous\": 1}";
	CHECK(apibody_remotekey_parse((const uint8_t *)s, strlen(s), &b) == 0 &&
	    b.len == 1 && b.file[0] == 'a' &&
	    strcmp(b.passphrase, SECRET) == 0 &&
	    strcmp(b.node, "cucm-sub1") == 0 && b.previous == 1,
	    "every member: %s", ts_error_detail(TS_ERR_FORMAT));
	apibody_remotekey_free(&b);
	CHECK(b.file == NULL && b.passphrase[0] == '\0', "freed and wiped");
	refuse_all(remotekey, bad, sizeof(bad) / sizeof(bad[0]), "remotekey");
	for (i = 0; i < sizeof(leaky) / sizeof(leaky[0]); i++) {
		r = remotekey(leaky[i]);
		CHECK(r == TS_ERR_FORMAT && strstr(ts_error_detail(r), "hunter")
		    == NULL, "%zu: refused without quoting the passphrase: %s",
		    i, ts_error_detail(r));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = remotekey(bad[i]);
		CHECK(strstr(ts_error_detail(r), "hunter") == NULL,
		    "%zu: the error does not quote the passphrase", i);
	}
	memset(big, 'p', sizeof(big));
	snprintf(big, sizeof(big), "{\"file\": \"YQ==\", \"passphrase\": \"");
	big[strlen(big)] = 'p';
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	CHECK(remotekey(big) == TS_ERR_FORMAT, "a passphrase over 255 bytes");
}

static const struct cutap_test tests[] = {
	{ "batches accepted", test_accepted },
	{ "batches refused", test_refused },
	{ "limits", test_limits },
	{ "check requests", test_check },
	{ "generate and regenerate requests", test_certgen },
	{ "signing requests", test_csr },
	{ "certificate imports", test_import },
	{ "new nodes", test_node },
	{ "remotekey resets", test_remotekey },
};

int
main(void)
{
	return cutap_main(&(struct cutap_suite){ .name = "apibody" }, tests,
	    CUTAP_N(tests));
}
