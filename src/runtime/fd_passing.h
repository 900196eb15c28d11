// fd_passing.h: a message with at most one descriptor over a Unix socket (SCM_RIGHTS), as
// init hands shroud run the view and the app hands it the memory watch's listener.
#pragma once

#include <sys/types.h>

#include <span>

namespace uid2::runtime {

// SendWithFd sends `data` in one message with `fd` attached (none when fd < 0). It allocates
// nothing (safe between fork/clone and execve). Returns false unless the whole message went.
bool SendWithFd(int sock, std::span<const char> data, int fd);

// ReceiveWithFd receives one message into `data` (flags as recvmsg's, MSG_CMSG_CLOEXEC is
// added) and sets *fd to the attached descriptor, or -1. Returns recvmsg's result.
ssize_t ReceiveWithFd(int sock, std::span<char> data, int* fd, int flags);

}  // namespace uid2::runtime
