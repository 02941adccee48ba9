/* log.c - journald-friendly lines on stderr. */
#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
dlog(int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;
	size_t i;

	n = snprintf(line, sizeof(line), "<%d>", prio);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	/* one event, one line: no control character reaches the journal */
	for (i = (size_t)n; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = '?';
	strcat(line, "\n");
	/* a single write per line keeps lines of threads apart */
	fputs(line, stderr);
}
