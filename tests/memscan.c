/*
 * memscan - does a running process still hold a secret? For the tests:
 * reads the secret from FILE (one line, the newline dropped: never on a
 * command line) and searches every readable and writable mapping of
 * process PID for it through /proc/PID/mem. Mappings over 1 GiB are
 * address-space reservations (a sanitizer's shadow memory), not data, and
 * are left out.
 *
 *   memscan PID FILE
 *
 * Exit status: 0 not found, 1 found (where is printed), 2 usage,
 * 77 the process's memory cannot be read here (no permission).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1024 * 1024)
#define REGION_MAX (1024UL * 1024 * 1024)

static unsigned long bytes_read;

static long
scan(int fd, unsigned long lo, unsigned long hi, const char *needle,
    size_t nlen, char *buf)
{
	unsigned long at = lo;
	size_t keep = 0;
	long found = 0;
	ssize_t n;
	char *p, *end;

	while (at < hi) {
		size_t want = hi - at < CHUNK ? hi - at : CHUNK;

		if ((n = pread(fd, buf + keep, want, (off_t)at)) <= 0) {
			/* a page that cannot be read (unbacked): skip it */
			at += 4096;
			keep = 0;
			continue;
		}
		bytes_read += (unsigned long)n;
		end = buf + keep + n;
		/* buf holds the bytes from at - keep on */
		for (p = buf; (p = memmem(p, (size_t)(end - p), needle,
		    nlen)) != NULL; p++) {
			printf("found at %#lx\n", at - keep +
			    (unsigned long)(p - buf));
			found++;
		}
		at += (unsigned long)n;
		/* a match across two reads */
		keep = (size_t)(end - buf) < nlen - 1 ? (size_t)(end - buf) :
		    nlen - 1;
		memmove(buf, end - keep, keep);
	}
	return found;
}

int
main(int argc, char **argv)
{
	char path[64], line[512], perms[8], needle[512], *buf;
	unsigned long lo, hi;
	long found = 0;
	size_t nlen;
	FILE *maps, *nf;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: memscan PID FILE\n");
		return 2;
	}
	if ((nf = fopen(argv[2], "r")) == NULL ||
	    fgets(needle, sizeof(needle), nf) == NULL) {
		fprintf(stderr, "memscan: cannot read %s\n", argv[2]);
		return 2;
	}
	fclose(nf);
	needle[strcspn(needle, "\n")] = '\0';
	if ((nlen = strlen(needle)) < 4) {
		fprintf(stderr, "memscan: a secret of 4 bytes or more\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	if ((maps = fopen(path, "r")) == NULL) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return 77;
	}
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	if ((fd = open(path, O_RDONLY)) < 0) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		fclose(maps);
		return 77;
	}
	if ((buf = malloc(CHUNK + sizeof(needle))) == NULL) {
		fclose(maps);
		close(fd);
		return 2;
	}
	while (fgets(line, sizeof(line), maps) != NULL) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || perms[1] != 'w' || hi - lo > REGION_MAX ||
		    strstr(line, "[vvar") != NULL)
			continue;
		found += scan(fd, lo, hi, needle, nlen, buf);
	}
	free(buf);
	fclose(maps);
	close(fd);
	if (bytes_read == 0) {
		fprintf(stderr, "memscan: nothing of process %s could be read\n",
		    argv[1]);
		return 77;
	}
	return found > 0 ? 1 : 0;
}
