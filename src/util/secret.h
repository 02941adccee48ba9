/*
 * secret.h - reading PINs and passphrases without ever putting them on a
 * command line or in a log: from a file (which must not be readable by
 * others) or from the controlling terminal with echo off.
 */
#ifndef TLVSIGN_UTIL_SECRET_H
#define TLVSIGN_UTIL_SECRET_H

#include <stddef.h>

#define SECRET_MAX 256

/*
 * Read a secret into buf (NUL-terminated, trailing newline removed).
 * Source: the file named by the environment variable envname if set, else
 * file if not NULL, else a prompt on /dev/tty. An empty secret, a file
 * readable by group or others, or no terminal to ask on is an error.
 */
int secret_read(const char *envname, const char *file, const char *prompt,
    char *buf, size_t size);

/* The same; a secret typed on the terminal is asked twice when confirm
 * is set, and the two must match. */
int secret_read_confirm(const char *envname, const char *file,
    const char *prompt, int confirm, char *buf, size_t size);

/* Wipe a secret buffer. */
void secret_wipe(void *buf, size_t size);

/*
 * free(3) and realloc(3) that wipe the memory they give back, for
 * libraries that hold request bodies (and so passphrases) in memory they
 * free without wiping: tlvsignd hands them to libevent and jansson.
 * secret_realloc moves the data to a new block and wipes the old one.
 */
void secret_free(void *p);
void *secret_realloc(void *p, size_t n);

/* What secret_free and secret_realloc release wiped blocks with: free(3);
 * tests put a function there that checks the block is wiped. */
extern void (*secret_release)(void *);

#endif
