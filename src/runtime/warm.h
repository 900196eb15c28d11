// warm.h: verify the files a dynamic program opens first, before it asks for them.
//
// A dynamic program's start opens its ELF interpreter (PT_INTERP) and then every library of
// its DT_NEEDED closure, and the first open of each trusted file hashes the whole file
// (trusted_files.h): ~1 ms per MiB on the app's critical path. The warmer does those opens
// on its own thread while shroud run sets up the namespaces and mounts, so the app finds the
// files verified, with their bytes kept in memory for its first reads.
//
// It follows the loader's search (DT_RPATH, LD_LIBRARY_PATH, DT_RUNPATH with $ORIGIN, then the
// default directories) through the view, and touches only files the manifest trusts: a guess
// that misses costs CPU time and nothing else (no log line, no trace entry, no access granted).
// It stops at kMaxFiles files or kMaxBytes bytes.
//
// Once the view is mounted (Prefetch), it also walks those files' paths through the view and
// reads them ahead, with the names the loader probes and does not find (its glibc-hwcaps and
// legacy subdirectories, /etc/ld.so.preload): the kernel then holds their lookups and verified
// pages, so the app's exec and loader find them cached instead of each waiting for a FUSE
// round trip.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/trusted_files.h"
#include "runtime/view.h"

namespace uid2::runtime {

class Warmer {
 public:
  static constexpr size_t kMaxFiles = 256;
  static constexpr uint64_t kMaxBytes = 256ull << 20;

  Warmer(const View* view, TrustedFiles* trusted) : view_(view), trusted_(trusted) {}
  ~Warmer() { Stop(); }
  Warmer(const Warmer&) = delete;
  Warmer& operator=(const Warmer&) = delete;

  // Start warms `program` (a view path) and its libraries on a new thread; `envp` is the app's
  // environment (for LD_LIBRARY_PATH).
  void Start(const std::string& program, const std::vector<std::string>& envp);
  // Prefetch hands over a descriptor of the mounted view's root (owned; -1 is ignored): after
  // verifying, the thread reads the files ahead through it.
  void Prefetch(int view_fd);
  // Stop ends the thread after the file it is on (idempotent) and closes the descriptor.
  void Stop();
  // Run does the verifying on the calling thread and returns the view paths it verified, in
  // order (the interpreter right after the program).
  std::vector<std::string> Run(const std::string& program, const std::vector<std::string>& envp);
  // ReadAhead looks up and reads `paths` through `view_fd`, and looks up the names the loader
  // probes next to them; returns how many files it read.
  static size_t ReadAhead(int view_fd, const std::vector<std::string>& paths);

 private:
  // Verify opens `view_path` through TrustedFiles when the manifest trusts it and returns its
  // host path ("" when it is not trusted, missing, or does not match its hash).
  std::string Verify(const std::string& view_path, uint64_t* bytes);

  const View* view_;
  TrustedFiles* trusted_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable view_ready_;
  int view_fd_ = -1;
  std::thread thread_;
};

}  // namespace uid2::runtime
