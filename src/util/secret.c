/* secret.c - PIN and passphrase input, and memory wiped when freed. */
#include "util/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/error.h"

void
secret_wipe(void *buf, size_t size)
{
	OPENSSL_cleanse(buf, size);
}

void (*secret_release)(void *) = free;

void
secret_free(void *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, malloc_usable_size(p));
	secret_release(p);
}

void *
secret_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		secret_free(p);
		return NULL;
	}
	/* realloc(3) may move the block and free the old one unwiped */
	if ((old = malloc_usable_size(p)) >= n)
		return p;
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old);
	secret_free(p);
	return q;
}

static void
chomp(char *buf)
{
	buf[strcspn(buf, "\r\n")] = '\0';
}

static int
read_file(const char *file, char *buf, size_t size)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, r = 0;

	if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return ts_error(TS_ERR_AUTH, "cannot open PIN file %s: %s",
		    file, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = ts_error(TS_ERR_AUTH, "PIN file %s is not a regular file",
		    file);
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		r = ts_error(TS_ERR_AUTH,
		    "PIN file %s is accessible by group or others: "
		    "chmod 600 %s", file, file);
		goto out;
	}
	while (got < size - 1 &&
	    (n = read(fd, buf + got, size - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = ts_error(TS_ERR_AUTH, "cannot read PIN file %s: %s",
			    file, strerror(errno));
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (got == size - 1 && strchr(buf, '\n') == NULL) {
		r = ts_error(TS_ERR_AUTH, "PIN file %s: secret too long "
		    "(at most %zu bytes)", file, size - 2);
		goto out;
	}
	chomp(buf);
out:
	close(fd);
	if (r != 0)
		secret_wipe(buf, size);
	return r;
}

static int
read_tty(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	FILE *tty;
	int r = 0, restored = 1;

	if ((tty = fopen("/dev/tty", "r+e")) == NULL)
		return ts_error(TS_ERR_AUTH, "no terminal to ask for the %s on; "
		    "set pin-file in the configuration or TLVSIGN_PIN_FILE",
		    prompt);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		if (tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0)
			restored = 0;
	}
	fprintf(tty, "%s: ", prompt);
	fflush(tty);
	if (fgets(buf, (int)size, tty) == NULL) {
		r = ts_error(TS_ERR_AUTH, "no %s entered", prompt);
		buf[0] = '\0';
	}
	if (!restored)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (r == 0 && strchr(buf, '\n') == NULL && strlen(buf) == size - 1)
		r = ts_error(TS_ERR_AUTH, "%s too long", prompt);
	chomp(buf);
	if (r != 0)
		secret_wipe(buf, size);
	return r;
}

int
secret_read(const char *envname, const char *file, const char *prompt,
    char *buf, size_t size)
{
	const char *env = envname != NULL ? getenv(envname) : NULL;
	int r;

	if (size < 2)
		return ts_error(TS_ERR_INVALID, "secret buffer too small");
	if (env != NULL && *env != '\0')
		r = read_file(env, buf, size);
	else if (file != NULL)
		r = read_file(file, buf, size);
	else
		r = read_tty(prompt, buf, size);
	if (r == 0 && buf[0] == '\0')
		r = ts_error(TS_ERR_AUTH, "the %s is empty", prompt);
	return r;
}

int
secret_read_confirm(const char *envname, const char *file, const char *prompt,
    int confirm, char *buf, size_t size)
{
	char again[SECRET_MAX], ask[128];
	const char *env = envname != NULL ? getenv(envname) : NULL;
	int r;

	if ((r = secret_read(envname, file, prompt, buf, size)) != 0)
		return r;
	if (!confirm || file != NULL || (env != NULL && *env != '\0'))
		return 0;
	snprintf(ask, sizeof(ask), "%s (again)", prompt);
	if ((r = secret_read(NULL, NULL, ask, again, sizeof(again))) == 0 &&
	    strcmp(buf, again) != 0)
		r = ts_error(TS_ERR_AUTH, "the two entries do not match");
	secret_wipe(again, sizeof(again));
	if (r != 0)
		secret_wipe(buf, size);
	return r;
}
