/* sign.c - `tlvsign sign` and `tlvsign strip`: parsing and output only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ops/app.h"
#include "ops/inspect.h"
#include "ops/sign.h"
#include "util/error.h"
#include "util/fileio.h"

#include <openssl/pem.h>

#define SGN_READ_MAX (16 * 1024 * 1024)

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
cmd_sign(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "out-dir", required_argument, NULL, 'o' },
		{ "filename", required_argument, NULL, 'f' },
		{ "dir", required_argument, NULL, 'd' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct sign_opts o;
	struct sign_result res;
	struct app a;
	const char *dir = NULL;
	struct cli_bar bar = { "signing", 0 };
	double t0, secs;
	int ch, r;

	memset(&o, 0, sizeof(o));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': o.node = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'f': o.filename = optarg; break;
		case 'd': dir = optarg; break;
		case 'j':
			if (cli_parse_uint("--jobs", optarg, &o.jobs) != 0)
				return EXIT_USAGE;
			break;
		case 'a': o.all = 1; break;
		default: return cli_usage("sign: bad option");
		}
	}
	if ((dir == NULL) == (optind == argc))
		return cli_usage("sign FILE... or sign --dir DIR [--out-dir D] "
		    "[--jobs N] [--all]");
	if (isatty(STDERR_FILENO) && !c->json) {
		o.progress = cli_progress;
		o.progress_arg = &bar;
	}
	if (o.out_dir != NULL && (r = dir_create(o.out_dir, 0755)) != 0)
		return cli_fail(r);
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) != 0)
		return cli_fail(r);
	t0 = now_seconds();
	if (dir != NULL)
		r = ops_sign_dir(&a, dir, &o, &res);
	else
		r = ops_sign_files(&a, argv + optind, (size_t)(argc - optind),
		    &o, &res);
	secs = now_seconds() - t0;
	app_close(&a);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "files", json_integer((json_int_t)res.total));
		json_object_set_new(j, "signed",
		    json_integer((json_int_t)res.signed_count));
		json_object_set_new(j, "skipped",
		    json_integer((json_int_t)res.skipped));
		json_object_set_new(j, "failed",
		    json_integer((json_int_t)res.failed));
		json_object_set_new(j, "seconds", json_real(secs));
		json_object_set_new(j, "files_per_second", json_real(secs > 0 ?
		    (double)res.signed_count / secs : 0));
		cli_json_print(j);
	} else if ((res.total > 1 || dir != NULL) &&
	    (r == 0 || res.failed > 0)) {
		/* a run that failed as a whole has its one error line */
		printf("%zu file%s: %zu signed, %zu unchanged and skipped, %zu "
		    "failed (%.1f s, %.0f files/s)\n", res.total,
		    res.total == 1 ? "" : "s", res.signed_count, res.skipped,
		    res.failed, secs, secs > 0 ? (double)res.signed_count /
		    secs : 0);
	} else if (r == 0) {
		printf("%s\n", res.signed_count ? res.last_path :
		    "unchanged since its last signature: skipped");
	}
	return r != 0 ? cli_fail(r) : EXIT_OK;
}

int
cmd_strip(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct tl_report rep;
	const uint8_t *payload;
	const char *out = NULL;
	size_t len;
	int ch, r;

	(void)c;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'o')
			return cli_usage("strip: bad option");
		out = optarg;
	}
	if (optind != argc - 1)
		return cli_usage("strip FILE.sgn [--out FILE]");
	if ((r = ops_sgn_inspect(argv[optind], NULL, &rep, &payload, &len)) !=
	    0)
		return cli_fail(r);
	if (out != NULL)
		r = file_write_atomic(out, payload, len, 0644);
	else if (fwrite(payload, 1, len, stdout) != len || fflush(stdout) != 0)
		r = ts_error(TS_ERR_IO, "cannot write to standard output");
	tl_report_free(&rep);
	return r != 0 ? cli_fail(r) : EXIT_OK;
}

static int
no_passphrase(char *buf, int size, int rw, void *u)
{
	(void)buf;
	(void)size;
	(void)rw;
	(void)u;
	return -1;
}

int
cmd_encrypt(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "phone-cert", required_argument, NULL, 'p' },
		{ "out-dir", required_argument, NULL, 'o' },
		{ "node", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct sign_opts o;
	struct app a;
	const char *certfile = NULL;
	char encpath[4096], stubpath[4096];
	X509 *cert = NULL;
	FILE *fp;
	int ch, r;

	memset(&o, 0, sizeof(o));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': certfile = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'n': o.node = optarg; break;
		default: return cli_usage("encrypt: bad option");
		}
	}
	if (certfile == NULL || optind != argc - 1)
		return cli_usage("encrypt --phone-cert CERT [--out-dir D] FILE");
	if ((fp = fopen(certfile, "r")) == NULL ||
	    (cert = PEM_read_X509(fp, NULL, no_passphrase, NULL)) == NULL) {
		if (fp != NULL)
			fclose(fp);
		return cli_fail(ts_error(TS_ERR_FORMAT, "%s: no PEM certificate "
		    "(the phone's LSC or MIC)", certfile));
	}
	fclose(fp);
	if ((r = app_open(c->config, APP_INVENTORY | APP_LOGIN, &a)) == 0) {
		r = ops_encrypt_config(&a, argv[optind], cert, &o, encpath,
		    sizeof(encpath), stubpath, sizeof(stubpath));
		app_close(&a);
	}
	X509_free(cert);
	if (r != 0)
		return cli_fail(r);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "encrypted", json_string(encpath));
		json_object_set_new(j, "stub", json_string(stubpath));
		return cli_json_print(j);
	}
	printf("%s\n%s (stub)\n", encpath, stubpath);
	return EXIT_OK;
}

int
cmd_decrypt(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "phone-key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *out = NULL;
	EVP_PKEY *key = NULL;
	uint8_t *data = NULL, *plain = NULL;
	size_t len, plen;
	FILE *fp;
	int ch, r;

	(void)c;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'k')
			keyfile = optarg;
		else if (ch == 'o')
			out = optarg;
		else
			return cli_usage("decrypt: bad option");
	}
	if (keyfile == NULL || optind != argc - 1)
		return cli_usage("decrypt --phone-key KEY [--out FILE] "
		    "FILE.enc.sgn");
	if ((fp = fopen(keyfile, "r")) == NULL ||
	    (key = PEM_read_PrivateKey(fp, NULL, no_passphrase, NULL)) ==
	    NULL) {
		if (fp != NULL)
			fclose(fp);
		return cli_fail(ts_error(TS_ERR_FORMAT, "%s: no unencrypted PEM "
		    "private key", keyfile));
	}
	fclose(fp);
	if ((r = file_read(argv[optind], SGN_READ_MAX, &data, &len)) == 0 &&
	    (r = ops_decrypt_config(data, len, key, &plain, &plen)) == 0) {
		if (out != NULL)
			r = file_write_atomic(out, plain, plen, 0600);
		else if (fwrite(plain, 1, plen, stdout) != plen ||
		    fflush(stdout) != 0)
			r = ts_error(TS_ERR_IO, "cannot write to standard output");
	}
	EVP_PKEY_free(key);
	free(data);
	free(plain);
	return r != 0 ? cli_fail(r) : EXIT_OK;
}
