#include "runtime/fd_passing.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace uid2::runtime {

bool SendWithFd(int sock, std::span<const char> data, int fd) {
  struct iovec iov = {const_cast<char*>(data.data()), data.size()};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (fd >= 0) {
    mh.msg_control = control;
    mh.msg_controllen = sizeof(control);
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  return sendmsg(sock, &mh, MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

ssize_t ReceiveWithFd(int sock, std::span<char> data, int* fd, int flags) {
  struct iovec iov = {data.data(), data.size()};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof(control);
  *fd = -1;
  ssize_t n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
  struct cmsghdr* c = n >= 0 ? CMSG_FIRSTHDR(&mh) : nullptr;
  if (c != nullptr && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
    std::memcpy(fd, CMSG_DATA(c), sizeof(int));
  }
  return n;
}

}  // namespace uid2::runtime
