#include "common/progress.h"

#include <unistd.h>

namespace uid2 {
namespace {
// A non-TTY consumer (CI log, pipe) gets a line at most this often.
constexpr auto kPlainInterval = std::chrono::seconds(5);
// A TTY bar is redrawn at most this often.
constexpr auto kTtyInterval = std::chrono::milliseconds(100);
}  // namespace

Progress::Progress(std::string label, uint64_t total, Unit unit, bool quiet, std::FILE* out)
    : Progress(std::move(label), total, unit, quiet, out, ::isatty(::fileno(out)) == 1) {}

Progress::Progress(std::string label, uint64_t total, Unit unit, bool quiet, std::FILE* out,
                   bool is_tty)
    : label_(std::move(label)),
      total_(total),
      unit_(unit),
      quiet_(quiet),
      out_(out),
      tty_(is_tty),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Advance(uint64_t n) {
  done_ += n;
  if (quiet_) return;
  auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  std::chrono::steady_clock::duration interval = kPlainInterval;
  if (tty_) interval = kTtyInterval;
  if (now - last_ < interval) return;
  last_ = now;
  Render(false);
}

void Progress::Finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (!quiet_) Render(true);
}

std::string Progress::Amount(uint64_t v) const {
  char buf[32];
  if (unit_ == Unit::kBytes) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", double(v) / (1024.0 * 1024.0));
  } else {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  }
  return buf;
}

void Progress::Render(bool final) {
  uint64_t done = done_.load();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  int pct = total_ ? int(100.0 * double(done) / double(total_)) : 100;
  if (pct > 100) pct = 100;
  std::string rate;
  if (unit_ == Unit::kBytes && secs > 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, ", %.0f MiB/s", double(done) / secs / (1024.0 * 1024.0));
    rate = buf;
  }
  if (tty_) {
    constexpr int kWidth = 30;
    std::string bar(size_t(pct * kWidth / 100), '#');
    bar.resize(kWidth, '.');
    std::fprintf(out_, "\r%s [%s] %3d%% %s/%s%s%s", label_.c_str(), bar.c_str(), pct,
                 Amount(done).c_str(), Amount(total_).c_str(), rate.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(out_, "%s: %d%% (%s of %s%s)%s\n", label_.c_str(), pct, Amount(done).c_str(),
                 Amount(total_).c_str(), rate.c_str(), final ? ", done" : "");
  }
  std::fflush(out_);
}

}  // namespace uid2
