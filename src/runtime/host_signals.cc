#include "runtime/host_signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

#include "common/log.h"

namespace uid2::runtime {
namespace {

// What the handler did, sent to the log thread (one byte each: the signal, then this).
enum Outcome : unsigned char {
  kDelivered,
  kPending,
  kIgnoredNoInjection,
  kIgnoredAgain,
  kIgnoredInternal,
  kTerminated,
  kStopped,
};

std::atomic<bool> g_injection{false};
std::atomic<pid_t> g_init{0};
std::atomic<bool> g_released{false}, g_pending{false}, g_injected{false}, g_stopped{false};
std::atomic<int> g_terminated_by{0};
std::atomic<int> g_notify_fd{-1};
int g_notify_read = -1;
std::thread g_logger;
struct sigaction g_saved[NSIG];  // the dispositions Install replaced

void Notify(int sig, Outcome outcome) {
  int fd = g_notify_fd.load();
  if (fd < 0) return;
  unsigned char msg[2] = {static_cast<unsigned char>(sig), outcome};
  (void)!write(fd, msg, sizeof(msg));
}

void DeliverPending() {
  if (g_pending.exchange(false)) kill(g_init.load(), SIGTERM);
}

// OnHostSignal runs in whichever thread of shroud run the kernel picked: async-signal-safe only.
void OnHostSignal(int sig) {
  int saved_errno = errno;
  pid_t init = g_init.load();
  if (sig == SIGCONT) {  // the kernel resumed shroud run: resume the app it stopped
    if (g_stopped.exchange(false) && init > 0) kill(-init, SIGCONT);
    errno = saved_errno;
    return;
  }
  switch (ActionForHostSignal(sig, g_injection.load())) {
    case HostSignalAction::kInject:
      if (g_injected.exchange(true)) {
        Notify(sig, kIgnoredAgain);
      } else if (g_released.load()) {
        kill(init, SIGTERM);
        Notify(sig, kDelivered);
      } else {
        g_pending = true;
        if (g_released.load()) DeliverPending();
        Notify(sig, kPending);
      }
      break;
    case HostSignalAction::kIgnore:
      Notify(sig, sig == SIGTERM ? kIgnoredNoInjection : kIgnoredInternal);
      break;
    case HostSignalAction::kTerminate: {
      int none = 0;
      g_terminated_by.compare_exchange_strong(none, sig);
      if (init > 0) kill(init, SIGKILL);  // init is the PID namespace's init: all of it goes
      Notify(sig, kTerminated);
      break;
    }
    case HostSignalAction::kStop:
      Notify(sig, kStopped);
      if (init > 0) {
        g_stopped = true;
        kill(-init, SIGSTOP);
      }
      raise(SIGSTOP);
      break;
  }
  errno = saved_errno;
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : std::to_string(sig);
}

void LogOutcomes(int fd) {
  unsigned char msg[2];
  for (;;) {
    ssize_t n = read(fd, msg, sizeof(msg));
    if (n < 0 && errno == EINTR) continue;
    if (n != sizeof(msg)) return;
    std::string name = SignalName(msg[0]);
    switch (static_cast<Outcome>(msg[1])) {
      case kDelivered:
        log::Info("host_signal", {{"signal", name},
                                  {"action", "delivered"},
                                  {"note",
                                   "sys.enable_sigterm_injection: the app gets SIGTERM "
                                   "(once; later host SIGTERMs are ignored)"}});
        break;
      case kPending:
        log::Info("host_signal", {{"signal", name},
                                  {"action", "delivered when the app starts"},
                                  {"note", "sys.enable_sigterm_injection"}});
        break;
      case kIgnoredNoInjection:
        log::Warn("host_signal",
                  {{"signal", name},
                   {"action", "ignored"},
                   {"note",
                    "Gramine drops host SIGTERMs unless the manifest sets "
                    "sys.enable_sigterm_injection = true: the app keeps running until "
                    "it exits or shroud run is killed (docker stop and Kubernetes send "
                    "SIGKILL at the end of the grace period)"}});
        break;
      case kIgnoredAgain:
        log::Warn("host_signal",
                  {{"signal", name},
                   {"action", "ignored"},
                   {"note",
                    "only the first host SIGTERM reaches the app (Gramine injects it "
                    "once)"}});
        break;
      case kIgnoredInternal:
        log::Info("host_signal", {{"signal", name},
                                  {"action", "ignored"},
                                  {"note",
                                   "Gramine handles it internally; the app never sees "
                                   "it"}});
        break;
      case kTerminated:
        log::Warn("host_signal",
                  {{"signal", name},
                   {"action", "terminated"},
                   {"note",
                    "the Gramine loader dies of this signal: the app is killed without "
                    "running its handlers"}});
        break;
      case kStopped:
        log::Info("host_signal",
                  {{"signal", name}, {"action", "stopped"}, {"note", "SIGCONT resumes the app"}});
        break;
    }
  }
}

}  // namespace

HostSignalAction ActionForHostSignal(int sig, bool sigterm_injection) {
  switch (sig) {
    case SIGTERM:
      return sigterm_injection ? HostSignalAction::kInject : HostSignalAction::kIgnore;
    case SIGHUP:
    case SIGINT:
    case SIGQUIT:
    case SIGALRM:
    case SIGVTALRM:
    case SIGPROF:
    case SIGIO:
    case SIGPWR:
      return HostSignalAction::kTerminate;
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return HostSignalAction::kStop;
    default:
      return HostSignalAction::kIgnore;
  }
}

const std::vector<int>& HandledHostSignals() {
  static const std::vector<int> kSignals = {SIGTERM, SIGHUP,  SIGINT,  SIGQUIT, SIGALRM, SIGVTALRM,
                                            SIGPROF, SIGIO,   SIGPWR,  SIGTSTP, SIGTTIN, SIGTTOU,
                                            SIGCONT, SIGUSR1, SIGUSR2, SIGPIPE, SIGURG,  SIGWINCH};
  return kSignals;
}

HostSignals::HostSignals(bool sigterm_injection) {
  g_injection = sigterm_injection;
  g_init = 0;
  g_released = g_pending = g_injected = g_stopped = false;
  g_terminated_by = 0;
}

HostSignals::~HostSignals() { Uninstall(); }

void HostSignals::Install(pid_t init) {
  g_init = init;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    fcntl(fds[0], F_SETFL, 0);  // the log thread blocks; the handlers never do
    g_notify_read = fds[0];
    g_notify_fd = fds[1];
    g_logger = std::thread(LogOutcomes, fds[0]);
  }
  struct sigaction sa = {};
  sa.sa_handler = OnHostSignal;
  sigfillset(&sa.sa_mask);  // one handler at a time
  sa.sa_flags = SA_RESTART;
  for (int sig : HandledHostSignals()) sigaction(sig, &sa, &g_saved[sig]);
  installed_ = true;
}

void HostSignals::AppReleased() {
  g_released = true;
  DeliverPending();
}

int HostSignals::TerminatedBy() const { return g_terminated_by.load(); }

void HostSignals::Uninstall() {
  if (!installed_) return;
  installed_ = false;
  for (int sig : HandledHostSignals()) sigaction(sig, &g_saved[sig], nullptr);
  g_init = 0;
  int fd = g_notify_fd.exchange(-1);
  if (fd >= 0) close(fd);
  if (g_logger.joinable()) g_logger.join();
  if (g_notify_read >= 0) close(g_notify_read);
  g_notify_read = -1;
}

}  // namespace uid2::runtime
