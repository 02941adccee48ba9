/* recover.c - crash recovery. */
#include "ops/recover.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#include "ops/publish.h"
#include "util/error.h"
#include "x509/cert.h"

struct known {
	char id[65];
	char label[128];
	char state[16];
};

struct known_set {
	struct known *v;
	size_t n;
};

static int
collect_known(const char *id, const char *label, const char *state, void *arg)
{
	struct known_set *ks = arg;
	struct known *grown;

	if ((grown = realloc(ks->v, (ks->n + 1) * sizeof(*grown))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	ks->v = grown;
	snprintf(ks->v[ks->n].id, sizeof(ks->v[0].id), "%s", id);
	snprintf(ks->v[ks->n].label, sizeof(ks->v[0].label), "%s", label);
	snprintf(ks->v[ks->n].state, sizeof(ks->v[0].state), "%s", state);
	ks->n++;
	return 0;
}

struct keyobj {
	char id[65];
	char label[128];
};

struct key_set {
	struct keyobj *v;
	size_t n;
};

static int
collect_private(const struct token_object *o, void *arg)
{
	struct key_set *ks = arg;
	struct keyobj *grown;

	if (o->cls != CKO_PRIVATE_KEY || o->id_len == 0)
		return 0;
	if ((grown = realloc(ks->v, (ks->n + 1) * sizeof(*grown))) == NULL)
		return ts_error(TS_ERR_NOMEM, "out of memory");
	ks->v = grown;
	hex_lower(o->id, o->id_len, ks->v[ks->n].id);
	snprintf(ks->v[ks->n].label, sizeof(ks->v[0].label), "%s", o->label);
	ks->n++;
	return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static const struct known *
lookup(const struct known_set *ks, const char *id)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (strcmp(ks->v[i].id, id) == 0)
			return &ks->v[i];
	return NULL;
}

static int
fix_keys(struct app *a)
{
	struct known_set known = { NULL, 0 };
	struct key_set keys = { NULL, 0 };
	struct token_key key;
	char label[TOKEN_LABEL_MAX];
	size_t i;
	int r;

	if ((r = inventory_key_ids(a->inv, collect_known, &known)) != 0 ||
	    (r = token_list_objects(a->token, collect_private, &keys)) != 0)
		goto out;
	for (i = 0; i < keys.n && r == 0; i++) {
		const struct known *k = lookup(&known, keys.v[i].id);

		if (k == NULL) {
			/* created by a transaction that never committed */
			if ((ends_with(keys.v[i].label, LABEL_NEW_SUFFIX) ||
			    ends_with(keys.v[i].label, LABEL_CSR_SUFFIX)) &&
			    (r = app_find_key(a, keys.v[i].id, &key)) == 0)
				r = token_destroy_key(a->token, &key);
			continue;
		}
		if (strcmp(k->state, "retired") == 0) {
			if (ends_with(keys.v[i].label, LABEL_RETIRED_SUFFIX))
				continue;
			snprintf(label, sizeof(label), "%.100s%s", k->label,
			    LABEL_RETIRED_SUFFIX);
			if ((r = app_find_key(a, k->id, &key)) == 0 &&
			    (r = token_set_sign(a->token, &key, 0)) == 0)
				r = token_set_label(a->token, &key, label);
		} else if (strcmp(keys.v[i].label, k->label) != 0 &&
		    strcmp(k->state, "csr") != 0) {
			/* committed: give it its final name */
			if ((r = app_find_key(a, k->id, &key)) == 0)
				r = token_set_label(a->token, &key, k->label);
		}
	}
out:
	free(known.v);
	free(keys.v);
	return r;
}

/* Staged files left by a transaction that never committed. */
static void
sweep_dir(const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	char path[4096];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *tmp;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR && depth == 0)
			sweep_dir(path, 1);
		else if ((tmp = strstr(e->d_name, ".tmp.")) != NULL &&
		    strlen(tmp) == 11 && e->d_type == DT_REG)
			unlink(path);
	}
	closedir(d);
}

int
ops_recover(struct app *a)
{
	int r;

	if (a->inv == NULL)
		return 0;
	if ((r = ops_publish_flush(a)) != 0)
		return r;
	/* nothing is pending now: any staged file left is an orphan */
	sweep_dir(a->conf.tftp_dir, 0);
	if (a->token == NULL)
		return 0;
	return fix_keys(a);
}
