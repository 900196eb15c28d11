// host_signals.h: what a signal sent to `shroud run` by the host (docker stop, a Kubernetes pod
// deletion, kill, a terminal's ^C) does to the app: what it does to a Gramine enclave.
//
// Gramine's SGX loader (pal/src/host/linux-sgx/host_exception.c) handles SIGTERM and SIGCONT
// (turned into the PAL events QUIT and INTERRUPTED), SIGUSR1 (SGX statistics) and SIGUSR2
// (wakes its RPC threads), ignores SIGPIPE and SIGCHLD, and leaves every other signal to the
// kernel's default action on the loader process. The LibOS (libos/src/bookkeep/libos_signal.c,
// quit_upcall) turns QUIT into a SIGTERM for the app only when the manifest sets
// sys.enable_sigterm_injection = true, and only once: later host SIGTERMs are dropped. So:
//
//   SIGTERM               kInject with the option (the first one; later ones kIgnore), else kIgnore
//   SIGCONT, SIGUSR1,     kIgnore: handled inside Gramine, never seen by the app (a SIGCONT still
//   SIGUSR2, SIGPIPE,              resumes a stopped run, as the kernel resumes the loader)
//   SIGCHLD, SIGWINCH,
//   SIGURG
//   SIGHUP, SIGINT,       kTerminate: the loader dies of the signal, the enclave with it; the
//   SIGQUIT, SIGALRM,              app's handlers never run. shroud run kills the app outright
//   SIGVTALRM, SIGPROF,            (SIGKILL) and exits with 128 + the signal
//   SIGIO, SIGPWR
//   SIGTSTP, SIGTTIN,     kStop: the loader stops, and the app with it; SIGCONT resumes both
//   SIGTTOU
//
// SIGKILL and SIGSTOP cannot be caught: SIGKILL of shroud run kills init (PR_SET_PDEATHSIG), and
// with it the app's whole PID namespace. The app runs in a session of its own (init calls
// setsid), so a terminal's signals reach shroud run only, as they reach only the loader.
#pragma once

#include <sys/types.h>

#include <string_view>
#include <vector>

namespace uid2::runtime {

enum class HostSignalAction { kInject, kIgnore, kTerminate, kStop };

// ActionForHostSignal is the table above (the first SIGTERM; see HostSignals for the rest).
HostSignalAction ActionForHostSignal(int sig, bool sigterm_injection);

// HandledHostSignals lists the signals shroud run catches while the app runs (the table above).
const std::vector<int>& HandledHostSignals();

// HostSignals applies the table from Install until Uninstall; one at a time per process.
// Each signal is logged as it arrives (host_signal signal=SIGTERM action=...).
class HostSignals {
 public:
  explicit HostSignals(bool sigterm_injection);
  ~HostSignals();
  HostSignals(const HostSignals&) = delete;
  HostSignals& operator=(const HostSignals&) = delete;

  // Install starts catching the signals; `init` is the app's init process (it forwards an
  // injected SIGTERM to the app, and its process group is the app's).
  void Install(pid_t init);
  // AppReleased says init was told to start the app: an injection that arrived before is
  // delivered now (as Gramine delivers it once the app runs).
  void AppReleased();
  // TerminatedBy returns the signal that killed the run (kTerminate), or 0.
  int TerminatedBy() const;
  // Uninstall restores the previous dispositions and stops the log thread.
  void Uninstall();

 private:
  bool installed_ = false;
};

}  // namespace uid2::runtime
