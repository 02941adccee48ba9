/*
 * error.h - one table of error codes for every layer, plus a per-thread
 * detail line that says precisely what went wrong and what to do.
 */
#ifndef TLVSIGN_UTIL_ERROR_H
#define TLVSIGN_UTIL_ERROR_H

enum ts_err {
	TS_OK = 0,
	TS_ERR_NOMEM = -1,      /* out of memory */
	TS_ERR_TRUNCATED = -2,  /* input ends before an element does */
	TS_ERR_FORMAT = -3,     /* input is not what the format says */
	TS_ERR_LIMIT = -4,      /* a size or count limit is exceeded */
	TS_ERR_IO = -5,         /* file system error */
	TS_ERR_TOKEN = -6,      /* PKCS#11 error */
	TS_ERR_CRYPTO = -7,     /* OpenSSL error */
	TS_ERR_NOTFOUND = -8,   /* named thing does not exist */
	TS_ERR_INVALID = -9,    /* bad argument or refused by policy */
	TS_ERR_SIGNATURE = -10, /* signature does not verify */
	TS_ERR_STATE = -11,     /* inventory (SQLite) error */
	TS_ERR_EXISTS = -12,    /* thing already exists */
	TS_ERR_AUTH = -13,      /* login / PIN failure */
	TS_ERR_CONFIG = -14,    /* configuration file error */
};

/* Generic text for a code. */
const char *ts_strerror(int code);

/*
 * Record a detailed message for the calling thread and return code, so
 * that error sites read: return ts_error(TS_ERR_FORMAT, "...", ...);
 */
int ts_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The detail of the last ts_error() in this thread, or the generic text. */
const char *ts_error_detail(int code);

/* Keep the current detail across cleanup code that may set its own. */
struct ts_saved_error {
	int code;
	char detail[1024];
};
void ts_error_save(struct ts_saved_error *s);
void ts_error_restore(const struct ts_saved_error *s);

/* Forget the detail (before an operation that may fail on its own). */
void ts_error_clear(void);

#endif
