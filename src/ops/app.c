/* app.c - opening what an operation needs. */
#include "ops/app.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "ops/auditlog.h"
#include "ops/recover.h"
#include "store/audit.h"
#include "util/error.h"
#include "x509/cert.h"

int
app_open(const char *conf_path, unsigned need, struct app *a)
{
	int r;

	struct passwd *pw;

	memset(a, 0, sizeof(*a));
	pw = getpwuid(getuid());
	snprintf(a->actor, sizeof(a->actor), "local:%s(%u)", pw ? pw->pw_name :
	    "?", (unsigned)getuid());
	if ((r = conf_load(conf_path, &a->conf)) != 0)
		return r;
	if ((need & APP_INVENTORY) &&
	    (r = inventory_open(a->conf.state_dir, 0, &a->inv)) != 0)
		goto fail;
	if ((need & (APP_TOKEN | APP_LOGIN)) &&
	    (r = token_open(a->conf.module, a->conf.token_uri, &a->token)) != 0)
		goto fail;
	if ((need & APP_LOGIN) &&
	    (r = token_login(a->token, a->conf.pin_file)) != 0)
		goto fail;
	/* finish or undo whatever a crashed command left behind */
	if ((need & APP_INVENTORY) && (r = ops_recover(a)) != 0)
		goto fail;
	return 0;
fail:
	app_close(a);
	return r;
}

void
app_close(struct app *a)
{
	token_close(a->token);
	inventory_close(a->inv);
	conf_free(&a->conf);
	memset(a, 0, sizeof(*a));
}

void
app_progress(const struct app *a, size_t done, size_t total)
{
	if (a != NULL && a->progress != NULL)
		a->progress(done, total, a->progress_arg);
}

int
app_key_label(const char *purpose, const char *host, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s@%s", purpose, host) >= size)
		return ts_error(TS_ERR_INVALID, "key label too long");
	return 0;
}

int
app_tftp_path(const struct app *a, const struct node *n, const char *name,
    char *buf, size_t size)
{
	int len;

	if (n->publisher)
		len = snprintf(buf, size, "%s/%s", a->conf.tftp_dir, name);
	else
		len = snprintf(buf, size, "%s/%s/%s", a->conf.tftp_dir, n->host,
		    name);
	if (len < 0 || (size_t)len >= size)
		return ts_error(TS_ERR_INVALID, "path too long");
	return 0;
}

int
app_find_key(struct app *a, const char *hex, struct token_key *key)
{
	uint8_t id[TOKEN_ID_MAX];
	size_t n;

	if (hex_decode(hex, id, sizeof(id), &n) != 0)
		return ts_error(TS_ERR_STATE, "inventory key id \"%s\" is "
		    "malformed", hex);
	if (token_find_key_by_id(a->token, id, n, key) != 0)
		return ts_error(TS_ERR_TOKEN, "the token has no key with CKA_ID "
		    "%s, which the inventory names: is this the right token?",
		    hex);
	return 0;
}

int
app_audit(struct app *a, const char *operation, int rc, const char *fmt, ...)
{
	struct ts_saved_error saved;
	char args[512], result[512];
	va_list ap;
	int r;

	if (a->inv == NULL)
		return 0;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (rc == 0) {
		snprintf(result, sizeof(result), "ok");
		if ((r = audit_append(a->inv, a->actor, operation, args,
		    result)) != 0)
			return r;
		/* a signed checkpoint now and then, when the token is open */
		return ops_audit_checkpoint_due(a);
	}
	ts_error_save(&saved);
	snprintf(result, sizeof(result), "failed: %.500s", saved.detail);
	r = audit_append(a->inv, a->actor, operation, args, result);
	ts_error_restore(&saved);
	return r;
}

int
app_audit_many(struct app *a, const struct audit_new *v, size_t n)
{
	int r;

	if (a->inv == NULL || n == 0)
		return 0;
	if ((r = audit_append_many(a->inv, v, n)) != 0)
		return r;
	return ops_audit_checkpoint_due(a);
}

void
app_drop_key(struct app *a, const struct token_key *key)
{
	struct ts_saved_error saved;

	ts_error_save(&saved);
	token_destroy_key(a->token, key);
	ts_error_restore(&saved);
}
