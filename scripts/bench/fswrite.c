/*
 * fswrite - the file system's share of bulk signing: N files of the size
 * of a signed configuration file (2,300 bytes) written into DIR the way
 * `tlvsign sign --dir` writes them (file_replace_nosync: an unnamed file
 * linked into place, one syncfs at the end), by one thread, with no signing. Prints files per
 * second. A reference of scripts/bench/sign.
 *
 *   fswrite DIR N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "util/fileio.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char data[2300], path[4096];
	double t0;
	long n, i;
	int r;

	if (argc != 3 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: fswrite DIR N\n");
		return 2;
	}
	memset(data, 'x', sizeof(data));
	t0 = now();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/SEP%012lX.cnf.xml.sgn", argv[1],
		    i + 1);
		if ((r = file_replace_nosync(path, data, sizeof(data), 0644)) !=
		    0) {
			fprintf(stderr, "fswrite: %s\n", ts_error_detail(r));
			return 1;
		}
	}
	if ((r = file_sync_fs(path)) != 0) {
		fprintf(stderr, "fswrite: %s\n", ts_error_detail(r));
		return 1;
	}
	printf("%.1f\n", (double)n / (now() - t0));
	return 0;
}
