// thread_priority.h: background threads that must not take CPU from request threads.
#pragma once

namespace uid2 {

// kBackgroundNice: the nice value of a background thread. At 19 the Linux scheduler gives such a
// thread a weight of 15 against 1024 for a thread at 0, and a request thread that wakes up
// preempts it at once: a reload that needs a few hundred ms of CPU (a 2^20-line salt file) runs
// in the gaps between requests instead of in front of them. It is never starved: under a load
// that holds every core it still gets ~1.5% of one, so a reload finishes within a minute.
inline constexpr int kBackgroundNice = 19;

// LowerCurrentThreadPriority sets the calling thread's nice value to kBackgroundNice (Linux
// schedules threads one by one: setpriority on the thread id). Best effort: where the kernel or
// a library OS refuses it, the thread keeps its priority and false is returned.
bool LowerCurrentThreadPriority();

// CurrentThreadNice is the calling thread's nice value (tests; -1 is also the error value).
int CurrentThreadNice();

}  // namespace uid2
