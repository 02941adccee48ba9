/* apibody.c - API request bodies. */
#include "format/apibody.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "format/bulkcert.h"
#include "util/error.h"

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

int
apibody_sign_batch_parse(const uint8_t *body, size_t len,
    struct sign_batch *b)
{
	json_error_t jerr;
	json_t *root, *files, *v;
	size_t i;
	int r = 0;

	memset(b, 0, sizeof(*b));
	if (len > SIGN_BATCH_MAX_BODY)
		return ts_error(TS_ERR_LIMIT, "request body of %zu bytes is over "
		    "%d", len, SIGN_BATCH_MAX_BODY);
	if ((root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return ts_error(TS_ERR_FORMAT, "request body is not JSON: line "
		    "%d: %s", jerr.line, jerr.text);
	if (!json_is_object(root)) {
		r = ts_error(TS_ERR_FORMAT, "request body is not a JSON object");
		goto out;
	}
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
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	int r = 0;

	memset(c, 0, sizeof(*c));
	if (len > SIGN_BATCH_MAX_BODY)
		return ts_error(TS_ERR_LIMIT, "request body of %zu bytes is over "
		    "%d", len, SIGN_BATCH_MAX_BODY);
	if ((root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return ts_error(TS_ERR_FORMAT, "request body is not JSON: line "
		    "%d: %s", jerr.line, jerr.text);
	if (!json_is_object(root)) {
		r = ts_error(TS_ERR_FORMAT, "request body is not a JSON object");
		goto out;
	}
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
