/* backup.c - `tlvsign backup create|list|verify|restore|inspect`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ops/backup.h"
#include "ops/recover.h"
#include "util/error.h"
#include "x509/cert.h"

static const char *
state_text(int anchor)
{
	return anchor == 1 ? "yes" : anchor == 0 ? "NO" : "unknown";
}

static void
print_summary(const struct backup_check *chk)
{
	const struct backup *b = &chk->b;
	char when[64], hex[2 * BACKUP_CLUSTER_ID_LEN + 1];

	cli_time_text(b->created, when, sizeof(when));
	hex_lower(b->cluster_id, sizeof(b->cluster_id), hex);
	printf("backup:    %s (%zu bytes)\n", chk->path, chk->file_size);
	printf("sha256:    %s\n", chk->file_sha256);
	printf("cluster:   %s (id %s)\n", b->cluster_name, hex);
	printf("created:   %s by %s\n", when, b->producer);
	printf("keys:      %zu, wrapped digests %s\n", b->nkeys,
	    chk->digests_ok ? "ok" : "DAMAGED");
	printf("signature: %s, by %s\n", chk->signature_ok ? "verifies" :
	    "DOES NOT VERIFY", chk->signer_subject);
	printf("signer:    serial %s, SHA-256 %s\n", chk->signer_serial,
	    chk->signer_sha256);
	printf("signer is the ITLRecovery of %s: %s\n", chk->anchor_source,
	    state_text(chk->anchor));
}

static void
print_keys(const struct backup *b)
{
	char id[2 * BACKUP_KEY_ID_MAX + 1];
	size_t i;

	printf("%-28s %-18s %-12s %-8s %-8s %s\n", "LABEL", "PURPOSE", "NODE",
	    "STATE", "KEY", "CKA_ID");
	for (i = 0; i < b->nkeys; i++) {
		const struct backup_key *k = &b->keys[i];
		char kt[16];

		hex_lower(k->id, k->id_len, id);
		snprintf(kt, sizeof(kt), "%s%u", k->type == BACKUP_KEY_RSA ?
		    "RSA" : "EC", k->bits);
		printf("%-28s %-18s %-12s %-8s %-8s %s%s\n", k->label,
		    k->purpose, k->node, k->state, kt, id,
		    k->cert ? "" : " (no certificate)");
	}
}

/* App for the checks that need no secret: the configuration when there
 * is one (for the published ITL), nothing otherwise. */
static struct app *
maybe_app(struct cli *c, struct app *a)
{
	if (app_open(c->config, APP_INVENTORY, a) == 0)
		return a;
	ts_error_clear();
	return NULL;
}

static int
do_check(struct cli *c, int argc, char **argv, int inspect)
{
	static const struct option opts[] = {
		{ "itl", required_argument, NULL, 'i' },
		{ "cert", required_argument, NULL, 'c' },
		{ "restore-test", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *itl = NULL, *cert = NULL;
	struct backup_check chk;
	struct app app, *a;
	int ch, r, test = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'i': itl = optarg; break;
		case 'c': cert = optarg; break;
		case 't':
			if (inspect)
				return cli_usage("backup inspect: unknown "
				    "option --restore-test");
			test = 1;
			break;
		default: return cli_usage("backup %s: unknown option",
		    inspect ? "inspect" : "verify");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("backup %s: name one backup file",
		    inspect ? "inspect" : "verify");
	a = maybe_app(c, &app);
	if (test) {
		if (a == NULL) {
			/* the passphrase file may be configured */
			memset(&app, 0, sizeof(app));
			if ((r = conf_load(c->config, &app.conf)) != 0)
				return cli_fail(r);
		}
		r = ops_backup_restore_test(a, argv[optind], itl, cert,
		    DEFAULT_PKCS11_MODULE, NULL, &chk);
		if (a == NULL)
			conf_free(&app.conf);
	} else {
		r = ops_backup_verify(a, argv[optind], itl, cert, &chk);
	}
	if (a != NULL)
		app_close(a);
	if (c->json) {
		cli_json_print(backup_check_json(&chk, r, inspect));
	} else if (chk.b.version != 0) {
		print_summary(&chk);
		if (inspect) {
			printf("kdf:       PBKDF2-HMAC-SHA256, %lu iterations, "
			    "%zu-byte salt\n", chk.b.iterations,
			    chk.b.salt_len);
			printf("inventory: AES-256-GCM, %zu bytes\n",
			    chk.b.inventory_len);
			print_keys(&chk.b);
		}
	}
	backup_check_free(&chk);
	if (r != 0)
		return cli_fail(r);
	if (!c->json && !inspect)
		printf("backup intact%s\n", test ? ": every key restored into a "
		    "scratch token and proved by a signature" : "");
	return EXIT_OK;
}

static int
print_row(const struct backup_row *b, void *arg)
{
	json_t *arr = arg;
	char when[64];

	cli_time_text(b->created, when, sizeof(when));
	if (arr != NULL) {
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:I,s:i,s:s}",
		    "name", b->name, "path", b->path, "created", when, "size",
		    (json_int_t)b->size, "keys", (int)b->keys, "sha256",
		    b->sha256));
		return 0;
	}
	printf("%-48s %s %3u keys %9zu bytes sha256 %.16s...\n", b->name, when,
	    b->keys, b->size, b->sha256);
	return 0;
}

int
cmd_backup(struct cli *c, int argc, char **argv)
{
	static const struct option create_opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct option restore_opts[] = {
		{ "replace", no_argument, NULL, 'r' },
		{ "yes", no_argument, NULL, 'y' },
		CLI_PUBLISH_OPTIONS,
		{ NULL, 0, NULL, 0 }
	};
	const char *sub = argc > 1 ? argv[1] : "";
	const char *out = NULL;
	struct tf_opts o;
	struct app a;
	int ch, r, replace = 0, yes = 0;

	argc--;
	argv++;
	memset(&o, 0, sizeof(o));
	if (strcmp(sub, "verify") == 0)
		return do_check(c, argc, argv, 0);
	if (strcmp(sub, "inspect") == 0)
		return do_check(c, argc, argv, 1);
	if (strcmp(sub, "list") == 0) {
		json_t *arr = c->json ? json_array() : NULL;

		if (argc != 1)
			return cli_usage("backup list takes no arguments");
		if ((r = app_open(c->config, APP_INVENTORY, &a)) != 0)
			return cli_fail(r);
		r = ops_backup_list(&a, print_row, arr);
		app_close(&a);
		if (r != 0) {
			json_decref(arr);
			return cli_fail(r);
		}
		return arr != NULL ? cli_json_print(arr) : EXIT_OK;
	}
	if (strcmp(sub, "create") == 0) {
		struct backup_made res;
		struct cli_bar bar = { "wrapping keys", 0 };

		optind = 0;
		while ((ch = getopt_long(argc, argv, "", create_opts, NULL)) !=
		    -1) {
			if (ch != 'o')
				return cli_usage("backup create: unknown option");
			out = optarg;
		}
		if (optind != argc)
			return cli_usage("backup create takes only --out FILE");
		if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN,
		    &a)) != 0)
			return cli_fail(r);
		if (isatty(STDERR_FILENO) && !c->json) {
			a.progress = cli_progress;
			a.progress_arg = &bar;
		}
		r = ops_backup_create(&a, out, NULL, &res);
		app_close(&a);
		if (r != 0)
			return cli_fail(r);
		if (c->json)
			return cli_json_print(json_pack("{s:s,s:I,s:i,s:s}",
			    "file", res.path, "size", (json_int_t)res.size,
			    "keys", (int)res.nkeys, "sha256", res.sha256));
		printf("backup written: %s\n%u keys, %zu bytes, sha256 %s\n"
		    "Keep the passphrase apart from the file: without it the "
		    "backup cannot be restored.\n", res.path, res.nkeys,
		    res.size, res.sha256);
		return EXIT_OK;
	}
	if (strcmp(sub, "restore") == 0) {
		struct backup_restored res;
		struct cli_bar bar = { "unwrapping keys", 0 };

		optind = 0;
		while ((ch = getopt_long(argc, argv, "", restore_opts, NULL)) !=
		    -1) {
			if (ch == 'r')
				replace = 1;
			else if (ch == 'y')
				yes = 1;
			else if ((r = cli_publish_option(ch, optarg, &o)) != 1)
				return r < 0 ? EXIT_USAGE :
				    cli_usage("backup restore: unknown option");
		}
		if (optind + 1 != argc)
			return cli_usage("backup restore: name one backup file");
		if (replace && !cli_confirm(yes, "Replace the keys in the token "
		    "and the inventory with those of the backup?"))
			return cli_fail(ts_error(TS_ERR_INVALID, "not confirmed "
			    "(use --yes)"));
		if ((r = app_open(c->config, APP_LOGIN, &a)) != 0)
			return cli_fail(r);
		if (isatty(STDERR_FILENO) && !c->json) {
			a.progress = cli_progress;
			a.progress_arg = &bar;
		}
		/* on a rebuilt machine there is no inventory yet */
		if ((r = inventory_exists(a.conf.state_dir)) == 1 &&
		    ((r = inventory_open(a.conf.state_dir, 0, &a.inv)) != 0 ||
		    (r = ops_recover(&a)) != 0)) {
			app_close(&a);
			return cli_fail(r);
		}
		if ((r = ops_backup_restore(&a, argv[optind], replace, &o, NULL,
		    &res)) != 0) {
			app_close(&a);
			return cli_fail(r);
		}
		app_close(&a);
		if (c->json)
			return cli_json_print(json_pack("{s:s,s:i,s:i,s:i,s:i}",
			    "cluster", res.cluster, "keys_restored",
			    (int)res.keys_restored, "keys_present",
			    (int)res.keys_present, "keys_removed",
			    (int)res.keys_removed, "trust_files",
			    res.trust_files));
		printf("restored cluster %s: %u keys unwrapped into the token, "
		    "%u already there%s; %d trust files republished\n",
		    res.cluster, res.keys_restored, res.keys_present,
		    res.keys_removed ? ", others removed" : "",
		    res.trust_files);
		if (res.keys_removed)
			printf("%u keys the backup does not hold were removed "
			    "from the token\n", res.keys_removed);
		return EXIT_OK;
	}
	return cli_usage("backup: use create [--out FILE], list, verify FILE "
	    "[--restore-test] [--itl F] [--cert F], restore FILE [--replace], "
	    "or inspect FILE");
}
