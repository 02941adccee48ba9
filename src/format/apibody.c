/* apibody.c - API request bodies. */
#include "format/apibody.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "format/bulkcert.h"
#include "util/error.h"
#include "util/secret.h"

int
apibody_safe_name(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0' || *s == '.')
		return 0;
	for (; *s != '\0'; s++, n++)
		if (n == 200 || !((*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '.' || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

static int
only_members(json_t *o, const char *a, const char *b, const char *where)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		if (strcmp(key, a) != 0 && (b == NULL || strcmp(key, b) != 0))
			return ts_error(TS_ERR_FORMAT, "%s: unknown member "
			    "\"%.40s\"", where, key);
	}
	return 0;
}

static int
parse_file(json_t *o, size_t idx, struct sign_batch *b)
{
	struct sign_batch_file *f = &b->files[b->n];
	json_t *name, *data;
	char where[32];
	size_t i;
	int r;

	snprintf(where, sizeof(where), "file %zu", idx);
	if (!json_is_object(o))
		return ts_error(TS_ERR_FORMAT, "%s is not an object", where);
	if ((r = only_members(o, "filename", "data", where)) != 0)
		return r;
	name = json_object_get(o, "filename");
	data = json_object_get(o, "data");
	if (!json_is_string(name) || strlen(json_string_value(name)) !=
	    json_string_length(name) || !apibody_safe_name(
	    json_string_value(name)))
		return ts_error(TS_ERR_FORMAT, "%s: \"filename\" must be 1 to "
		    "200 letters, digits, '.', '-', '_'", where);
	snprintf(f->filename, sizeof(f->filename), "%s",
	    json_string_value(name));
	for (i = 0; i < b->n; i++)
		if (strcmp(b->files[i].filename, f->filename) == 0)
			return ts_error(TS_ERR_FORMAT, "%s: \"%s\" is in the "
			    "batch twice", where, f->filename);
	if (!json_is_string(data))
		return ts_error(TS_ERR_FORMAT, "%s: \"data\" is missing or not a "
		    "string", where);
	if (json_string_length(data) > (SIGN_BATCH_MAX_FILE + 2) / 3 * 4)
		return ts_error(TS_ERR_LIMIT, "%s is over %d bytes", where,
		    SIGN_BATCH_MAX_FILE);
	if ((r = base64_decode(json_string_value(data),
	    json_string_length(data), &f->data, &f->len)) != 0) {
		char detail[256];

		snprintf(detail, sizeof(detail), "%s", ts_error_detail(r));
		return ts_error(r, "%s: \"data\": %s", where, detail);
	}
	b->n++;
	if (f->len > SIGN_BATCH_MAX_FILE)
		return ts_error(TS_ERR_LIMIT, "%s is over %d bytes", where,
		    SIGN_BATCH_MAX_FILE);
	return 0;
}

/*
 * The body as a JSON object of at most max bytes; an empty body is {}
 * when empty_ok. quiet leaves jansson's text out of the error: it quotes
 * the token where parsing stopped, which may be part of a secret.
 */
static int
load_object(const uint8_t *body, size_t len, size_t max, int empty_ok,
    int quiet, json_t **out)
{
	json_error_t jerr;
	json_t *root;

	*out = NULL;
	if (len > max)
		return ts_error(TS_ERR_LIMIT, "request body of %zu bytes is "
		    "over %zu", len, max);
	if (len == 0 && empty_ok) {
		if ((*out = json_object()) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		return 0;
	}
	if (len == 0)
		return ts_error(TS_ERR_FORMAT, "the request body is empty: it "
		    "is a JSON object");
	if ((root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		if (quiet)
			return ts_error(TS_ERR_FORMAT, "request body is not "
			    "JSON (line %d, column %d)", jerr.line,
			    jerr.column);
		return ts_error(TS_ERR_FORMAT, "request body is not JSON: line "
		    "%d: %s", jerr.line, jerr.text);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return ts_error(TS_ERR_FORMAT, "request body is not a JSON "
		    "object");
	}
	*out = root;
	return 0;
}

int
apibody_sign_batch_parse(const uint8_t *body, size_t len,
    struct sign_batch *b)
{
	json_t *root, *files, *v;
	size_t i;
	int r = 0;

	memset(b, 0, sizeof(*b));
	if ((r = load_object(body, len, SIGN_BATCH_MAX_BODY, 0, 0, &root)) != 0)
		return r;
	if ((r = only_members(root, "files", NULL, "request body")) != 0)
		goto out;
	files = json_object_get(root, "files");
	if (!json_is_array(files) || json_array_size(files) == 0) {
		r = ts_error(TS_ERR_FORMAT, "\"files\" must be a non-empty "
		    "array");
		goto out;
	}
	if (json_array_size(files) > SIGN_BATCH_MAX_FILES) {
		r = ts_error(TS_ERR_LIMIT, "%zu files, over the %d of one batch",
		    json_array_size(files), SIGN_BATCH_MAX_FILES);
		goto out;
	}
	if ((b->files = calloc(json_array_size(files), sizeof(*b->files))) ==
	    NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(files, i, v) {
		if ((r = parse_file(v, i + 1, b)) != 0)
			goto out;
	}
out:
	json_decref(root);
	if (r != 0)
		apibody_sign_batch_free(b);
	return r;
}

void
apibody_sign_batch_free(struct sign_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->files[i].data);
	free(b->files);
	memset(b, 0, sizeof(*b));
}

static int
get_file(json_t *root, const char *key, int required, uint8_t **out,
    size_t *len)
{
	json_t *v = json_object_get(root, key);
	int r;

	*out = NULL;
	*len = 0;
	if (v == NULL) {
		if (required)
			return ts_error(TS_ERR_FORMAT, "\"%s\" is missing", key);
		return 0;
	}
	if (!json_is_string(v))
		return ts_error(TS_ERR_FORMAT, "\"%s\" is not a string", key);
	if (json_string_length(v) > (CHECK_MAX_FILE + 2) / 3 * 4)
		return ts_error(TS_ERR_LIMIT, "\"%s\" is over %d bytes", key,
		    CHECK_MAX_FILE);
	if ((r = base64_decode(json_string_value(v), json_string_length(v),
	    out, len)) != 0) {
		char detail[256];

		snprintf(detail, sizeof(detail), "%s", ts_error_detail(r));
		return ts_error(r, "\"%s\": %s", key, detail);
	}
	if (*len > CHECK_MAX_FILE) {
		free(*out);
		*out = NULL;
		return ts_error(TS_ERR_LIMIT, "\"%s\" is over %d bytes", key,
		    CHECK_MAX_FILE);
	}
	return 0;
}

int
apibody_check_parse(const uint8_t *body, size_t len, struct check_body *c)
{
	json_t *root, *v;
	const char *key;
	int r = 0;

	memset(c, 0, sizeof(*c));
	if ((r = load_object(body, len, SIGN_BATCH_MAX_BODY, 0, 0, &root)) != 0)
		return r;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "from") != 0 && strcmp(key, "ctl") != 0 &&
		    strcmp(key, "to") != 0) {
			r = ts_error(TS_ERR_FORMAT, "request body: unknown member "
			    "\"%.40s\"", key);
			goto out;
		}
	}
	if ((r = get_file(root, "to", 1, &c->to, &c->to_len)) != 0 ||
	    (r = get_file(root, "from", 0, &c->from, &c->from_len)) != 0 ||
	    (r = get_file(root, "ctl", 0, &c->ctl, &c->ctl_len)) != 0)
		goto out;
out:
	json_decref(root);
	if (r != 0)
		apibody_check_free(c);
	return r;
}

void
apibody_check_free(struct check_body *c)
{
	free(c->from);
	free(c->ctl);
	free(c->to);
	memset(c, 0, sizeof(*c));
}

/* ---- the officer's requests ---- */

static int
ascii_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
host_char(int c)
{
	return ascii_alnum(c) || c == '-';
}

static int
domain_char(int c)
{
	return ascii_alnum(c) || c == '-' || c == '.';
}

static int
dns_char(int c)
{
	return domain_char(c) || c == '*';
}

static int
ipv4_char(int c)
{
	return (c >= '0' && c <= '9') || c == '.';
}

static int
services_char(int c)
{
	return ascii_alnum(c) || c == ',';
}

/* 1 when s is min to max bytes, each allowed by ok(). */
static int
text_ok(const char *s, size_t min, size_t max, int (*ok)(int))
{
	size_t n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if (n == max || !ok((unsigned char)s[n]))
			return 0;
	return n >= min;
}

int
apibody_host_name(const char *s)
{
	return text_ok(s, 1, 63, host_char);
}

int
apibody_purpose_name(const char *s)
{
	return text_ok(s, 1, 31, host_char);
}

/* Every member of o is one of names (NULL-terminated). */
static int
only_known(json_t *o, const char *const *names)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(o, key, v) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (names[i] != NULL)
			continue;
		if (strcmp(key, "force") == 0)
			return ts_error(TS_ERR_FORMAT, "\"force\": the "
			    "phone-trust check is not overridden over the "
			    "network; run the tlvsign command with --force on "
			    "the appliance");
		return ts_error(TS_ERR_FORMAT, "request body: unknown member "
		    "\"%.40s\"", key);
	}
	return 0;
}

/*
 * A string member into buf: at most size - 1 bytes (at least min), each
 * allowed by ok(), no NUL inside; what describes it for the error. Absent:
 * an error when required, else "" and *present 0.
 */
static int
get_text(json_t *root, const char *key, int required, size_t min,
    int (*ok)(int), const char *what, char *buf, size_t size, int *present)
{
	json_t *v = json_object_get(root, key);
	const char *s;

	buf[0] = '\0';
	if (present != NULL)
		*present = 0;
	if (v == NULL) {
		if (required)
			return ts_error(TS_ERR_FORMAT, "\"%s\" is missing: %s",
			    key, what);
		return 0;
	}
	if (!json_is_string(v))
		return ts_error(TS_ERR_FORMAT, "\"%s\" is not a string: %s",
		    key, what);
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) ||
	    !text_ok(s, min, size - 1, ok))
		return ts_error(TS_ERR_FORMAT, "\"%s\" must be %s", key, what);
	memcpy(buf, s, strlen(s) + 1);
	if (present != NULL)
		*present = 1;
	return 0;
}

/* An integer member from min to max; absent: *out unchanged. */
static int
get_uint(json_t *root, const char *key, unsigned min, unsigned max,
    unsigned *out)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)min ||
	    json_integer_value(v) > (json_int_t)max)
		return ts_error(TS_ERR_FORMAT, "\"%s\" must be an integer from "
		    "%u to %u", key, min, max);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int
get_bool(json_t *root, const char *key, int *out)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return ts_error(TS_ERR_FORMAT, "\"%s\" must be true or false",
		    key);
	*out = json_is_true(v);
	return 0;
}

#define HOST_WHAT "a host name: 1 to 63 letters, digits or '-'"
#define HASH_WHAT "a hash name: 1 to 15 letters and digits (SHA256, SHA384, " \
	"SHA512)"

int
apibody_certgen_parse(const uint8_t *body, size_t len, struct certgen_body *g)
{
	static const char *const names[] = { "node", "bits", "hash", "years",
		"previous", NULL };
	json_t *root;
	int r;

	memset(g, 0, sizeof(*g));
	if ((r = load_object(body, len, APIBODY_MAX_SMALL, 1, 0, &root)) != 0)
		return r;
	if ((r = only_known(root, names)) != 0 ||
	    (r = get_text(root, "node", 0, 1, host_char, HOST_WHAT, g->node,
	    sizeof(g->node), NULL)) != 0 ||
	    (r = get_text(root, "hash", 0, 1, ascii_alnum, HASH_WHAT, g->hash,
	    sizeof(g->hash), NULL)) != 0 ||
	    (r = get_uint(root, "bits", 256, 16384, &g->bits)) != 0 ||
	    (r = get_uint(root, "years", 1, 100, &g->years)) != 0 ||
	    (r = get_uint(root, "previous", 0, APIBODY_MAX_PREVIOUS,
	    &g->previous)) != 0)
		memset(g, 0, sizeof(*g));
	json_decref(root);
	return r;
}

#define DNS_WHAT "a DNS name: 1 to 253 letters, digits, '-', '.' or '*'"

int
apibody_csr_parse(const uint8_t *body, size_t len, struct csr_body *c)
{
	static const char *const names[] = { "node", "distribution", "sans",
		"parent_domain", "bits", "hash", NULL };
	char dist[64];
	json_t *root, *sans, *v;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = load_object(body, len, APIBODY_MAX_SMALL, 1, 0, &root)) != 0)
		return r;
	if ((r = only_known(root, names)) != 0 ||
	    (r = get_text(root, "node", 0, 1, host_char, HOST_WHAT, c->node,
	    sizeof(c->node), NULL)) != 0 ||
	    (r = get_text(root, "parent_domain", 0, 1, domain_char, "a domain "
	    "name: 1 to 253 letters, digits, '-' or '.'", c->parent_domain,
	    sizeof(c->parent_domain), NULL)) != 0 ||
	    (r = get_text(root, "hash", 0, 1, ascii_alnum, HASH_WHAT, c->hash,
	    sizeof(c->hash), NULL)) != 0 ||
	    (r = get_uint(root, "bits", 256, 16384, &c->bits)) != 0 ||
	    (r = get_text(root, "distribution", 0, 1, host_char,
	    "\"multi-server\" or " HOST_WHAT, dist, sizeof(dist), NULL)) != 0)
		goto out;
	if (strcmp(dist, "multi-server") == 0) {
		c->multi_server = 1;
	} else if (dist[0] != '\0') {
		if (c->node[0] != '\0' && strcmp(c->node, dist) != 0) {
			r = ts_error(TS_ERR_FORMAT, "\"distribution\" %s and "
			    "\"node\" %s disagree", dist, c->node);
			goto out;
		}
		memcpy(c->node, dist, sizeof(c->node));
	}
	if ((sans = json_object_get(root, "sans")) == NULL)
		goto out;
	if (!json_is_array(sans) || json_array_size(sans) == 0 ||
	    json_array_size(sans) > APIBODY_MAX_SANS) {
		r = ts_error(TS_ERR_FORMAT, "\"sans\" must be an array of 1 to "
		    "%d DNS names", APIBODY_MAX_SANS);
		goto out;
	}
	json_array_foreach(sans, i, v) {
		if (!json_is_string(v) || strlen(json_string_value(v)) !=
		    json_string_length(v) || !text_ok(json_string_value(v), 1,
		    sizeof(c->sans[0]) - 1, dns_char)) {
			r = ts_error(TS_ERR_FORMAT, "\"sans\" %zu must be "
			    DNS_WHAT, i + 1);
			goto out;
		}
		memcpy(c->sans[i], json_string_value(v),
		    json_string_length(v) + 1);
		c->nsans++;
	}
out:
	if (r != 0)
		memset(c, 0, sizeof(*c));
	json_decref(root);
	return r;
}

/* A PEM member: printable ASCII and line breaks, at most max bytes, with
 * one (exactly_one) or at least one certificate. */
static int
get_pem(json_t *root, const char *key, int required, size_t max,
    int exactly_one, const char **out, size_t *len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	json_t *v = json_object_get(root, key);
	const char *s, *p;
	size_t i, n = 0;

	*out = NULL;
	*len = 0;
	if (v == NULL) {
		if (required)
			return ts_error(TS_ERR_FORMAT, "\"%s\" is missing: the "
			    "certificate in PEM", key);
		return 0;
	}
	if (!json_is_string(v))
		return ts_error(TS_ERR_FORMAT, "\"%s\" is not a string: PEM "
		    "text", key);
	s = json_string_value(v);
	if (json_string_length(v) > max)
		return ts_error(TS_ERR_LIMIT, "\"%s\" is over %zu bytes", key,
		    max);
	for (i = 0; i < json_string_length(v); i++)
		if (!((s[i] >= 0x20 && s[i] <= 0x7e) || s[i] == '\n' ||
		    s[i] == '\r' || s[i] == '\t'))
			return ts_error(TS_ERR_FORMAT, "\"%s\" holds a byte "
			    "that is not PEM text (offset %zu)", key, i);
	for (p = s; (p = strstr(p, begin)) != NULL; p += sizeof(begin) - 1)
		n++;
	if (n == 0)
		return ts_error(TS_ERR_FORMAT, "\"%s\" holds no PEM "
		    "certificate (%s)", key, begin);
	if (exactly_one && n > 1)
		return ts_error(TS_ERR_FORMAT, "\"%s\" holds %zu certificates: "
		    "give the issuing ones in \"chain\"", key, n);
	*out = s;
	*len = json_string_length(v);
	return 0;
}

int
apibody_import_parse(const uint8_t *body, size_t len, struct import_body *b)
{
	static const char *const names[] = { "certificate", "chain", "node",
		"previous", NULL };
	const char *cert, *chain;
	size_t clen, chlen;
	json_t *root;
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = load_object(body, len, SIGN_BATCH_MAX_BODY, 0, 0, &root)) != 0)
		return r;
	if ((r = only_known(root, names)) != 0 ||
	    (r = get_pem(root, "certificate", 1, IMPORT_MAX_CERT, 1, &cert,
	    &clen)) != 0 ||
	    (r = get_pem(root, "chain", 0, IMPORT_MAX_CHAIN, 0, &chain,
	    &chlen)) != 0 ||
	    (r = get_text(root, "node", 0, 1, host_char, HOST_WHAT, b->node,
	    sizeof(b->node), NULL)) != 0 ||
	    (r = get_uint(root, "previous", 0, APIBODY_MAX_PREVIOUS,
	    &b->previous)) != 0)
		goto out;
	/* the leaf first, then its issuers, as `cert import` reads a file */
	if ((b->pem = malloc(clen + 1 + chlen + 1)) == NULL) {
		r = ts_error(TS_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(b->pem, cert, clen);
	b->pem[clen] = '\n';
	if (chlen > 0)
		memcpy(b->pem + clen + 1, chain, chlen);
	b->len = clen + 1 + chlen;
	b->pem[b->len] = '\0';
out:
	if (r != 0)
		apibody_import_free(b);
	json_decref(root);
	return r;
}

void
apibody_import_free(struct import_body *b)
{
	free(b->pem);
	memset(b, 0, sizeof(*b));
}

int
apibody_node_parse(const uint8_t *body, size_t len, struct node_body *n)
{
	static const char *const names[] = { "host", "domain", "ipv4",
		"services", "publisher", NULL };
	json_t *root;
	int r;

	memset(n, 0, sizeof(*n));
	if ((r = load_object(body, len, APIBODY_MAX_SMALL, 0, 0, &root)) != 0)
		return r;
	if ((r = only_known(root, names)) != 0 ||
	    (r = get_text(root, "host", 1, 1, host_char, HOST_WHAT, n->host,
	    sizeof(n->host), NULL)) != 0 ||
	    (r = get_text(root, "domain", 0, 0, domain_char, "a domain name: "
	    "0 to 253 letters, digits, '-' or '.'", n->domain,
	    sizeof(n->domain), &n->has_domain)) != 0 ||
	    (r = get_text(root, "ipv4", 1, 7, ipv4_char, "an IPv4 address "
	    "(192.0.2.11)", n->ipv4, sizeof(n->ipv4), NULL)) != 0 ||
	    (r = get_text(root, "services", 1, 1, services_char, "services "
	    "separated by ',': TFTP, TVS, CAPF, CallManager", n->services,
	    sizeof(n->services), NULL)) != 0 ||
	    (r = get_bool(root, "publisher", &n->publisher)) != 0)
		memset(n, 0, sizeof(*n));
	json_decref(root);
	return r;
}

int
apibody_remotekey_parse(const uint8_t *body, size_t len,
    struct remotekey_body *b)
{
	static const char *const names[] = { "file", "passphrase", "node",
		"previous", NULL };
	json_t *root, *v;
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = load_object(body, len, SIGN_BATCH_MAX_BODY, 0, 1, &root)) !=
	    0)
		return r;
	if ((r = only_known(root, names)) != 0 ||
	    (r = get_text(root, "node", 0, 1, host_char, HOST_WHAT, b->node,
	    sizeof(b->node), NULL)) != 0 ||
	    (r = get_uint(root, "previous", 0, APIBODY_MAX_PREVIOUS,
	    &b->previous)) != 0)
		goto out;
	v = json_object_get(root, "passphrase");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(b->passphrase) ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		r = ts_error(TS_ERR_FORMAT, "\"passphrase\" must be a string "
		    "of 1 to %zu bytes", sizeof(b->passphrase) - 1);
		goto out;
	}
	memcpy(b->passphrase, json_string_value(v), json_string_length(v) + 1);
	v = json_object_get(root, "file");
	if (!json_is_string(v)) {
		r = ts_error(TS_ERR_FORMAT, "\"file\" is missing or not a "
		    "string: the PKCS#12 file or the backup, in base64");
		goto out;
	}
	if (json_string_length(v) > (REMOTEKEY_MAX_FILE + 2) / 3 * 4) {
		r = ts_error(TS_ERR_LIMIT, "\"file\" is over %d bytes",
		    REMOTEKEY_MAX_FILE);
		goto out;
	}
	if ((r = base64_decode(json_string_value(v), json_string_length(v),
	    &b->file, &b->len)) != 0) {
		char detail[256];

		snprintf(detail, sizeof(detail), "%s", ts_error_detail(r));
		r = ts_error(r, "\"file\": %s", detail);
		goto out;
	}
	if (b->len > REMOTEKEY_MAX_FILE)
		r = ts_error(TS_ERR_LIMIT, "\"file\" is over %d bytes",
		    REMOTEKEY_MAX_FILE);
out:
	/* jansson frees its strings without wiping them */
	v = json_object_get(root, "passphrase");
	if (json_is_string(v))
		secret_wipe((char *)json_string_value(v),
		    json_string_length(v));
	if (r != 0)
		apibody_remotekey_free(b);
	json_decref(root);
	return r;
}

void
apibody_remotekey_free(struct remotekey_body *b)
{
	if (b->file != NULL)
		secret_wipe(b->file, b->len);
	free(b->file);
	secret_wipe(b->passphrase, sizeof(b->passphrase));
	memset(b, 0, sizeof(*b));
}
