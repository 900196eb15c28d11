// progress.h: progress for long work. On a TTY it redraws one bar line; otherwise it prints a
// plain line at most every few seconds (and at the end); with quiet it prints nothing.
// Thread-safe: workers may call Advance concurrently.
//
//   Progress p("hashing trusted files", total_bytes, Progress::Unit::kBytes, quiet);
//   ... p.Advance(n); ...
//   p.Finish();
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace uid2 {

class Progress {
 public:
  enum class Unit { kItems, kBytes };

  // `out` defaults to stderr; `is_tty` is detected from it unless given.
  Progress(std::string label, uint64_t total, Unit unit, bool quiet, std::FILE* out = stderr);
  Progress(std::string label, uint64_t total, Unit unit, bool quiet, std::FILE* out, bool is_tty);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Advance(uint64_t n);
  // Finish prints the final line once (also done by the destructor).
  void Finish();

  uint64_t done() const { return done_.load(); }

 private:
  void Render(bool final);
  std::string Amount(uint64_t v) const;

  std::string label_;
  uint64_t total_;
  Unit unit_;
  bool quiet_;
  std::FILE* out_;
  bool tty_;
  std::atomic<uint64_t> done_{0};
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_;
  bool finished_ = false;
};

}  // namespace uid2
