#include "common/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace uid2 {
namespace {

id_t CurrentThreadId() { return static_cast<id_t>(::syscall(SYS_gettid)); }

}  // namespace

bool LowerCurrentThreadPriority() {
  return ::setpriority(PRIO_PROCESS, CurrentThreadId(), kBackgroundNice) == 0;
}

int CurrentThreadNice() { return ::getpriority(PRIO_PROCESS, CurrentThreadId()); }

}  // namespace uid2
