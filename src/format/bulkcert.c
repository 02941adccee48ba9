/* bulkcert.c - the bulk certificate archive (JSON). */
#include "format/bulkcert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "format/trustlist.h"
#include "util/error.h"

static const uint16_t known_roles[] = { TL_ROLE_SAST, TL_ROLE_CCM,
	TL_ROLE_CCM_TFTP, TL_ROLE_TFTP, TL_ROLE_CAPF, TL_ROLE_APP_SERVER,
	TL_ROLE_TVS };
#define NKNOWN (sizeof(known_roles) / sizeof(known_roles[0]))

static int
role_code(const char *name, size_t len, uint16_t *code)
{
	size_t i;

	for (i = 0; i < NKNOWN; i++) {
		const char *s = trustlist_role_short(known_roles[i]);

		if (strlen(s) == len && memcmp(s, name, len) == 0) {
			*code = known_roles[i];
			return 0;
		}
	}
	return ts_error(TS_ERR_FORMAT, "\"%.*s\" is not a trust-file role "
	    "(SAST, CCM, CCM+TFTP, TFTP, CAPF, APP-SERVER, TVS)",
	    (int)(len > 32 ? 32 : len), name);
}

static int
role_add(uint16_t *roles, size_t *n, uint16_t code)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (roles[i] == code)
			return ts_error(TS_ERR_FORMAT, "role %s given twice",
			    trustlist_role_short(code));
	if (*n == BULK_MAX_ROLES)
		return ts_error(TS_ERR_LIMIT, "more than %d roles",
		    BULK_MAX_ROLES);
	roles[(*n)++] = code;
	return 0;
}

int
bulk_roles_text(const uint16_t *roles, size_t n, char *buf, size_t size)
{
	size_t i, used = 0;
	const char *s;
	int k;

	if (size == 0)
		return ts_error(TS_ERR_INVALID, "no room for roles");
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if ((s = trustlist_role_short(roles[i])) == NULL)
			return ts_error(TS_ERR_INVALID, "role code %u has no "
			    "name", roles[i]);
		k = snprintf(buf + used, size - used, "%s%s", i ? "," : "", s);
		if (k < 0 || (size_t)k >= size - used)
			return ts_error(TS_ERR_LIMIT, "role list too long");
		used += (size_t)k;
	}
	return 0;
}

int
bulk_roles_parse(const char *text, uint16_t *roles, size_t *n)
{
	const char *p = text, *comma;
	uint16_t code;
	int r;

	*n = 0;
	for (;;) {
		size_t len;

		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if ((r = role_code(p, len, &code)) != 0 ||
		    (r = role_add(roles, n, code)) != 0)
			return r;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
base64_decode(const char *in, size_t inlen, uint8_t **out, size_t *len)
{
	size_t i, o = 0, pad = 0;
	uint8_t *buf;

	*out = NULL;
	*len = 0;
	if (inlen == 0 || inlen % 4 != 0)
		return ts_error(TS_ERR_FORMAT, "base64 text of %zu characters "
		    "is not a non-zero multiple of 4", inlen);
	if (in[inlen - 1] == '=')
		pad = in[inlen - 2] == '=' ? 2 : 1;
	if ((buf = malloc(inlen / 4 * 3)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	for (i = 0; i < inlen; i += 4) {
		int v[4], k, last = i + 4 == inlen;
		uint32_t w = 0;

		for (k = 0; k < 4; k++) {
			if (last && k >= 4 - (int)pad) {
				v[k] = 0;
				continue;
			}
			if ((v[k] = b64val((unsigned char)in[i + k])) < 0) {
				free(buf);
				return ts_error(TS_ERR_FORMAT, "character %zu of "
				    "the base64 text is not base64", i + k);
			}
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		/* the bits a padded group leaves over must be zero */
		if (last && ((pad == 1 && (w & 0xff)) ||
		    (pad == 2 && (w & 0xffff)))) {
			free(buf);
			return ts_error(TS_ERR_FORMAT, "base64 text has stray "
			    "bits before its padding");
		}
		buf[o++] = (uint8_t)(w >> 16);
		if (!last || pad < 2)
			buf[o++] = (uint8_t)(w >> 8);
		if (!last || pad < 1)
			buf[o++] = (uint8_t)w;
	}
	*out = buf;
	*len = o;
	return 0;
}

int
base64_encode(const uint8_t *in, size_t len, char **out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	char *s;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3 ||
	    (s = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		s[o++] = tab[w >> 18];
		s[o++] = tab[(w >> 12) & 63];
		s[o++] = tab[(w >> 6) & 63];
		s[o++] = tab[w & 63];
	}
	if (i < len) {
		uint32_t w = (uint32_t)in[i] << 16 |
		    (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		s[o++] = tab[w >> 18];
		s[o++] = tab[(w >> 12) & 63];
		s[o++] = i + 1 < len ? tab[(w >> 6) & 63] : '=';
		s[o++] = '=';
	}
	s[o] = '\0';
	*out = s;
	return 0;
}

/* Prefix the current detail with the certificate's index. */
static int
in_entry(int r, size_t idx)
{
	char detail[512];

	snprintf(detail, sizeof(detail), "%s", ts_error_detail(r));
	return ts_error(r, "certificate %zu: %s", idx, detail);
}

/* A string member: printable ASCII, 1 to size - 1 bytes. */
static int
get_name(json_t *o, const char *key, size_t idx, char *dst, size_t size)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t len, i;

	if (!json_is_string(v))
		return ts_error(TS_ERR_FORMAT, "certificate %zu: \"%s\" is "
		    "missing or not a string", idx, key);
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || len >= size)
		return ts_error(TS_ERR_FORMAT, "certificate %zu: \"%s\" must be "
		    "1 to %zu characters", idx, key, size - 1);
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return ts_error(TS_ERR_FORMAT, "certificate %zu: \"%s\" "
			    "holds a character that is not printable ASCII",
			    idx, key);
	memcpy(dst, s, len + 1);
	return 0;
}

static int
is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return 1;
}

static int
parse_entry(json_t *o, size_t idx, struct bulk_entry *e)
{
	static const char *const members[] = { "cluster", "host", "purpose",
		"roles", "sha256", "der" };
	const char *key;
	json_t *v, *roles, *der;
	size_t i, k;
	int r;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		return ts_error(TS_ERR_FORMAT, "certificate %zu is not an "
		    "object", idx);
	json_object_foreach(o, key, v) {
		for (k = 0; k < sizeof(members) / sizeof(members[0]); k++)
			if (strcmp(key, members[k]) == 0)
				break;
		if (k == sizeof(members) / sizeof(members[0]))
			return ts_error(TS_ERR_FORMAT, "certificate %zu: "
			    "unknown member \"%.40s\"", idx, key);
	}
	if ((r = get_name(o, "cluster", idx, e->cluster,
	    sizeof(e->cluster))) != 0 ||
	    (r = get_name(o, "host", idx, e->host, sizeof(e->host))) != 0 ||
	    (r = get_name(o, "purpose", idx, e->purpose,
	    sizeof(e->purpose))) != 0 ||
	    (r = get_name(o, "sha256", idx, e->sha256,
	    sizeof(e->sha256))) != 0)
		return r;
	if (strlen(e->sha256) != 64 || !is_lower_hex(e->sha256, 64))
		return ts_error(TS_ERR_FORMAT, "certificate %zu: \"sha256\" is "
		    "not 64 lower-case hex digits", idx);
	roles = json_object_get(o, "roles");
	if (!json_is_array(roles) || json_array_size(roles) == 0)
		return ts_error(TS_ERR_FORMAT, "certificate %zu: \"roles\" must "
		    "be a non-empty array", idx);
	json_array_foreach(roles, i, v) {
		uint16_t code;

		if (!json_is_string(v))
			return ts_error(TS_ERR_FORMAT, "certificate %zu: role "
			    "%zu is not a string", idx, i);
		if ((r = role_code(json_string_value(v), json_string_length(v),
		    &code)) != 0 || (r = role_add(e->roles, &e->nroles,
		    code)) != 0)
			return in_entry(r, idx);
	}
	der = json_object_get(o, "der");
	if (!json_is_string(der))
		return ts_error(TS_ERR_FORMAT, "certificate %zu: \"der\" is "
		    "missing or not a string", idx);
	if (json_string_length(der) > (BULK_MAX_DER + 2) / 3 * 4)
		return ts_error(TS_ERR_LIMIT, "certificate %zu is over %d "
		    "bytes", idx, BULK_MAX_DER);
	if ((r = base64_decode(json_string_value(der), json_string_length(der),
	    &e->der, &e->der_len)) != 0)
		return in_entry(r, idx);
	if (e->der_len > BULK_MAX_DER) {
		free(e->der);
		e->der = NULL;
		return ts_error(TS_ERR_LIMIT, "certificate %zu is over %d "
		    "bytes", idx, BULK_MAX_DER);
	}
	return 0;
}

static int
has_sha256(const struct bulk_archive *a, const char *sha256)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->entries[i].sha256, sha256) == 0)
			return 1;
	return 0;
}

static int
append(struct bulk_archive *a, struct bulk_entry *e)
{
	struct bulk_entry *grown;

	if (has_sha256(a, e->sha256))
		return ts_error(TS_ERR_EXISTS, "certificate %s is in the "
		    "archive twice", e->sha256);
	if (a->n == BULK_MAX_ENTRIES)
		return ts_error(TS_ERR_LIMIT, "more than %d certificates",
		    BULK_MAX_ENTRIES);
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;

		if ((grown = realloc(a->entries, cap * sizeof(*grown))) == NULL)
			return ts_error(TS_ERR_NOMEM, "out of memory");
		a->entries = grown;
		a->cap = cap;
	}
	a->entries[a->n++] = *e;
	return 0;
}

int
bulk_parse(const uint8_t *data, size_t len, struct bulk_archive *a)
{
	static const char *const members[] = { "format", "version",
		"certificates" };
	json_error_t jerr;
	json_t *root = NULL, *v, *certs;
	struct bulk_entry e;
	const char *key;
	size_t i, k;
	int r = 0;

	memset(a, 0, sizeof(*a));
	if (len > BULK_MAX_FILE)
		return ts_error(TS_ERR_LIMIT, "certificate archive of %zu bytes "
		    "is over the %u-byte limit", len, BULK_MAX_FILE);
	if ((root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return ts_error(TS_ERR_FORMAT, "not a certificate archive: "
		    "JSON error at line %d: %s", jerr.line, jerr.text);
	if (!json_is_object(root)) {
		r = ts_error(TS_ERR_FORMAT, "not a certificate archive: not a "
		    "JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		for (k = 0; k < sizeof(members) / sizeof(members[0]); k++)
			if (strcmp(key, members[k]) == 0)
				break;
		if (k == sizeof(members) / sizeof(members[0])) {
			r = ts_error(TS_ERR_FORMAT, "certificate archive: "
			    "unknown member \"%.40s\"", key);
			goto out;
		}
	}
	v = json_object_get(root, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v),
	    BULK_FORMAT) != 0) {
		r = ts_error(TS_ERR_FORMAT, "not a certificate archive: "
		    "\"format\" is not \"%s\"", BULK_FORMAT);
		goto out;
	}
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != BULK_VERSION) {
		r = ts_error(TS_ERR_FORMAT, "certificate archive version is not "
		    "%d", BULK_VERSION);
		goto out;
	}
	certs = json_object_get(root, "certificates");
	if (!json_is_array(certs)) {
		r = ts_error(TS_ERR_FORMAT, "certificate archive: "
		    "\"certificates\" is missing or not an array");
		goto out;
	}
	if (json_array_size(certs) > BULK_MAX_ENTRIES) {
		r = ts_error(TS_ERR_LIMIT, "certificate archive holds %zu "
		    "certificates, over the limit of %d",
		    json_array_size(certs), BULK_MAX_ENTRIES);
		goto out;
	}
	json_array_foreach(certs, i, v) {
		if ((r = parse_entry(v, i + 1, &e)) != 0)
			goto out;
		if ((r = append(a, &e)) != 0) {
			free(e.der);
			if (r == TS_ERR_EXISTS)
				r = ts_error(TS_ERR_FORMAT, "certificate %zu "
				    "repeats SHA-256 %s", i + 1, e.sha256);
			goto out;
		}
	}
out:
	json_decref(root);
	if (r != 0)
		bulk_free(a);
	return r;
}

int
bulk_add(struct bulk_archive *a, const struct bulk_entry *e)
{
	struct bulk_entry c = *e;
	int r;

	if (e->der_len == 0 || e->der_len > BULK_MAX_DER)
		return ts_error(TS_ERR_LIMIT, "certificate of %zu bytes is not "
		    "1 to %d bytes", e->der_len, BULK_MAX_DER);
	if ((c.der = malloc(e->der_len)) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	memcpy(c.der, e->der, e->der_len);
	if ((r = append(a, &c)) != 0)
		free(c.der);
	return r;
}

int
bulk_encode(const struct bulk_archive *a, char **out, size_t *len)
{
	json_t *root, *certs, *o, *roles;
	char *b64, *s;
	size_t i, k;
	int r = 0;

	*out = NULL;
	if ((root = json_object()) == NULL || (certs = json_array()) == NULL) {
		json_decref(root);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	json_object_set_new(root, "format", json_string(BULK_FORMAT));
	json_object_set_new(root, "version", json_integer(BULK_VERSION));
	json_object_set_new(root, "certificates", certs);
	for (i = 0; i < a->n && r == 0; i++) {
		const struct bulk_entry *e = &a->entries[i];

		if ((r = base64_encode(e->der, e->der_len, &b64)) != 0)
			break;
		o = json_object();
		roles = json_array();
		for (k = 0; k < e->nroles; k++)
			json_array_append_new(roles,
			    json_string(trustlist_role_short(e->roles[k])));
		json_object_set_new(o, "cluster", json_string(e->cluster));
		json_object_set_new(o, "host", json_string(e->host));
		json_object_set_new(o, "purpose", json_string(e->purpose));
		json_object_set_new(o, "roles", roles);
		json_object_set_new(o, "sha256", json_string(e->sha256));
		json_object_set_new(o, "der", json_string(b64));
		free(b64);
		if (json_array_append_new(certs, o) != 0)
			r = ts_error(TS_ERR_NOMEM, "out of memory");
	}
	if (r == 0 && (s = json_dumps(root, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) == NULL)
		r = ts_error(TS_ERR_NOMEM, "out of memory");
	json_decref(root);
	if (r != 0)
		return r;
	*len = strlen(s);
	/* a text file ends with a newline */
	if ((*out = realloc(s, *len + 2)) == NULL) {
		free(s);
		return ts_error(TS_ERR_NOMEM, "out of memory");
	}
	(*out)[(*len)++] = '\n';
	(*out)[*len] = '\0';
	return 0;
}

void
bulk_free(struct bulk_archive *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->entries[i].der);
	free(a->entries);
	memset(a, 0, sizeof(*a));
}
