/*
 * cli.h - shared pieces of the tlvsign front end: global options, output
 * helpers. Front ends parse arguments and print; the rules live in ops/.
 */
#ifndef TLVSIGN_CLI_CLI_H
#define TLVSIGN_CLI_CLI_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct cli {
	const char *config;  /* --config, or NULL */
	int json;            /* --json */
	int verbose;         /* --verbose */
};

/* Print "tlvsign: <detail of r>" and return EXIT_FAIL. */
int cli_fail(int r);
/* Print "tlvsign: <fmt>" and a hint, return EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a JSON value (stolen) on stdout; returns EXIT_OK. */
int cli_json_print(json_t *v);

/* Parse a non-negative decimal option value; EXIT_USAGE on error. */
int cli_parse_uint(const char *opt, const char *s, unsigned *out);
/* "YYYY-MM-DD HH:MM:SS UTC" */
void cli_time_text(time_t t, char *buf, size_t size);
/* A progress bar on standard error, redrawn at most every 1/100; pass a
 * struct cli_bar as arg. Callers install it only on a terminal. */
struct cli_bar {
	const char *what;
	size_t last;
};
void cli_progress(size_t done, size_t total, void *arg);
/* Ask on the terminal, unless yes is set; 1 when confirmed. Without a
 * terminal and without --yes the answer is no. */
int cli_confirm(int yes, const char *question);

int cmd_show(struct cli *c, int argc, char **argv);
int cmd_cert(struct cli *c, int argc, char **argv);
int cmd_cert_bulk(struct cli *c, int argc, char **argv);
int cmd_node(struct cli *c, int argc, char **argv);
int cmd_param(struct cli *c, int argc, char **argv);
int cmd_key(struct cli *c, int argc, char **argv);
int cmd_itl(struct cli *c, int argc, char **argv);
int cmd_ctl(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
int cmd_audit(struct cli *c, int argc, char **argv);
int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_sign(struct cli *c, int argc, char **argv);
int cmd_strip(struct cli *c, int argc, char **argv);
int cmd_encrypt(struct cli *c, int argc, char **argv);
int cmd_decrypt(struct cli *c, int argc, char **argv);

struct tf_opts;
struct tf_result;
/* --force and --previous N, shared by every publishing command; returns
 * 1 when the option was one of them, -1 on a bad value. */
int cli_publish_option(int ch, const char *arg, struct tf_opts *o);
#define CLI_PUBLISH_OPTIONS \
	{ "force", no_argument, NULL, 'F' }, \
	{ "previous", required_argument, NULL, 'P' }
/* Print the outcome of a publication (text or JSON). */
void cli_print_published(struct cli *c, const char *what,
    const struct tf_result *res, int count);

#endif
