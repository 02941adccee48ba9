/* sslwait.c - a non-blocking OpenSSL call's wait, set in epoll; the
 * client's CPU time. */
#include "sslwait.h"

#include <sys/epoll.h>
#include <sys/resource.h>

int
ssl_wait(SSL *ssl, int k, int ep, int fd, void *ptr, uint32_t *events)
{
	struct epoll_event ev;
	uint32_t want;

	switch (SSL_get_error(ssl, k)) {
	case SSL_ERROR_WANT_READ:
		want = EPOLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		want = EPOLLOUT;
		break;
	default:
		return -1;
	}
	if (want == *events)
		return 0;
	ev.events = want;
	ev.data.ptr = ptr;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0)
		return -1;
	*events = want;
	return 0;
}

double
bench_cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
