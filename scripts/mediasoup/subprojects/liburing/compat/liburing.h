/*
 * Chunfeng Live: the liburing 2.4/2.5 additions mediasoup uses, on top of Debian's liburing 2.3.
 */
#ifndef CHUNFENG_COMPAT_LIBURING_H
#define CHUNFENG_COMPAT_LIBURING_H

#include_next <liburing.h>

#ifndef IO_URING_VERSION_MAJOR
#define CHUNFENG_LIBURING_MAJOR 2
#define CHUNFENG_LIBURING_MINOR 3

static inline int io_uring_major_version(void)
{
	return CHUNFENG_LIBURING_MAJOR;
}

static inline int io_uring_minor_version(void)
{
	return CHUNFENG_LIBURING_MINOR;
}

static inline void io_uring_prep_sendto(
  struct io_uring_sqe* sqe,
  int sockfd,
  const void* buf,
  size_t len,
  int flags,
  const struct sockaddr* addr,
  socklen_t addrlen)
{
	io_uring_prep_send(sqe, sockfd, buf, len, flags);
	io_uring_prep_send_set_addr(sqe, addr, addrlen);
}
#endif /* IO_URING_VERSION_MAJOR */

#endif /* CHUNFENG_COMPAT_LIBURING_H */
