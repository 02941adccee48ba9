/*
 * sslwait.h - for the benchmark clients, which hold many TLS connections
 * from one thread: what a non-blocking OpenSSL call that did not finish
 * waits for, set in epoll; and the client's own CPU time, which the
 * benchmarks print beside the server's.
 */
#ifndef TLVSIGN_BENCH_SSLWAIT_H
#define TLVSIGN_BENCH_SSLWAIT_H

#include <stdint.h>

#include <openssl/ssl.h>

/* After an OpenSSL call on ssl returned k: 0 when the call waits for its
 * socket fd, which epoll set ep now watches for that (*events, reported
 * with ptr); -1 when the connection failed. */
int ssl_wait(SSL *ssl, int k, int ep, int fd, void *ptr, uint32_t *events);

/* This process's CPU time so far in seconds, user and system. */
double bench_cpu_seconds(void);

#endif
