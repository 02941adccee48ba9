/* sslwait.c - a non-blocking OpenSSL call's wait, set in epoll. */
#include "sslwait.h"

#include <sys/epoll.h>

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
