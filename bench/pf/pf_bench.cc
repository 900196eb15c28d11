// pf_bench [MIB=1024 [encrypt [cold]]]: converts a MIB-MiB file into a Gramine protected file with
// pf::EncryptFd (what `shroud pf encrypt` runs), and back with pf::DecryptFd, against a floor
// measured in the same run: reading the same file in the same 1 MiB chunks and sealing each with
// AES-128-GCM (one OpenSSL EVP context, one key). The input is in the page cache for every pass;
// the output goes to a file in $TMPDIR. Each measure is the best of 3 passes. Goal: encrypt <= 1.5x
// floor.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/aes128.h"
#include "crypto/random.h"
#include "pf/convert.h"

namespace {

using Clock = std::chrono::steady_clock;

// Timing of one pass: wall time, the user-mode CPU time (the work done outside the kernel's
// read/write copies, which the floor without writes does not pay) and the whole CPU time (user +
// system, every thread: what the machine's load does not inflate).
struct Time {
  double wall = 1e9;
  double user = 1e9;
  double cpu = 1e9;
};

double Seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

template <typename F>
void Best(Time* best, F&& pass) {
  rusage r0{}, r1{};
  getrusage(RUSAGE_SELF, &r0);
  const auto t0 = Clock::now();
  pass();
  best->wall = std::min(best->wall, std::chrono::duration<double>(Clock::now() - t0).count());
  getrusage(RUSAGE_SELF, &r1);
  const double user = Seconds(r1.ru_utime) - Seconds(r0.ru_utime);
  best->user = std::min(best->user, user);
  best->cpu = std::min(best->cpu, user + Seconds(r1.ru_stime) - Seconds(r0.ru_stime));
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "pf_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const uid2::Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.error().message());
}

int OpenOrDie(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) Die("open " + path);
  return fd;
}

// FreshOutput removes the last pass's output before the next pass that writes it, outside the
// timed part (freeing its page cache is no cost of the conversion), then puts the free memory in
// the state the pass should meet. On this VM (virtio-balloon free page reporting) memory freed a
// few seconds ago has been handed back to the host, and the first write into it costs 3-5x more
// (measured 0.23 s per GiB into ext4's page cache just after freeing 1 GiB, 0.87-1.2 s 6 s later).
// Warm (the default): touch and free `bytes` of memory just before, so that every measure that
// writes a file starts alike; cold: wait 8 s instead, what a conversion on an idle VM meets.
void FreshOutput(const std::string& output, size_t bytes, bool cold) {
  ::unlink(output.c_str());
  if (cold) {
    ::sleep(8);
    return;
  }
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) Die("mmap");
  for (size_t i = 0; i < bytes; i += 4096) static_cast<volatile uint8_t*>(p)[i] = 1;
  ::munmap(p, bytes);
}

// Floor: read and seal the same bytes in the same chunks, nothing else; with `output`, also
// write the ciphertext there (the I/O any file conversion does).
double FloorPass(const std::string& input, const std::string& output = {}) {
  auto gcm = uid2::crypto::Aes128Gcm::Create();
  if (!gcm.ok()) Die(gcm.error().message());
  uid2::crypto::Aes128Key key{};
  uid2::crypto::RandomFill(key);
  std::vector<uint8_t> in(1 << 20), out(1 << 20);
  uid2::crypto::GcmIv iv{};
  uid2::crypto::Aes128Tag tag{};
  int fd = OpenOrDie(input, O_RDONLY);
  int out_fd = output.empty() ? -1 : OpenOrDie(output, O_WRONLY | O_CREAT | O_TRUNC);
  auto t0 = Clock::now();
  ssize_t n;
  uint32_t counter = 0;
  while ((n = ::read(fd, in.data(), in.size())) > 0) {
    iv[0] = static_cast<uint8_t>(++counter);
    iv[1] = static_cast<uint8_t>(counter >> 8);
    Check(gcm->Seal(key, iv, uid2::ByteSpan(in.data(), static_cast<size_t>(n)),
                    std::span<uint8_t>(out.data(), static_cast<size_t>(n)), &tag),
          "floor seal");
    if (out_fd >= 0 && ::write(out_fd, out.data(), static_cast<size_t>(n)) != n) Die("write");
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  ::close(fd);
  if (out_fd >= 0) ::close(out_fd);
  return s;
}

// NodeFloorPass: the format's own crypto and nothing else: read the same chunks, then seal each
// 4 KiB node under a fresh random key (what every flush does to every dirty node).
void NodeFloorPass(const std::string& input) {
  auto gcm = uid2::crypto::Aes128Gcm::Create();
  if (!gcm.ok()) Die(gcm.error().message());
  std::vector<uint8_t> in(1 << 20), out(4096);
  uid2::crypto::Aes128Key key{};
  uid2::crypto::Aes128Tag tag{};
  int fd = OpenOrDie(input, O_RDONLY);
  ssize_t n;
  while ((n = ::read(fd, in.data(), in.size())) > 0) {
    for (ssize_t off = 0; off < n; off += 4096) {
      const size_t len = static_cast<size_t>(std::min<ssize_t>(4096, n - off));
      uid2::crypto::RandomFill(key);
      Check(gcm->Seal(key, uid2::crypto::GcmIv{}, uid2::ByteSpan(in.data() + off, len),
                      std::span<uint8_t>(out.data(), len), &tag),
            "node floor seal");
    }
  }
  ::close(fd);
}

double EncryptPass(const std::string& input, const std::string& output, const uid2::pf::Key& key) {
  int in = OpenOrDie(input, O_RDONLY);
  int out = OpenOrDie(output, O_RDWR | O_CREAT | O_TRUNC);
  auto t0 = Clock::now();
  auto r = uid2::pf::EncryptFd(in, out, "data/bench.bin", key);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!r.ok()) Die(r.error().message());
  ::close(in);
  ::close(out);
  return s;
}

double DecryptPass(const std::string& input, const uid2::pf::Key& key) {
  int in = OpenOrDie(input, O_RDONLY);
  int out = OpenOrDie("/dev/null", O_WRONLY);
  auto t0 = Clock::now();
  auto r = uid2::pf::DecryptFd(in, out, "data/bench.bin", key);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!r.ok()) Die(r.error().message());
  ::close(in);
  ::close(out);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024;
  std::string tmpl = (std::filesystem::temp_directory_path() / "pf-bench-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) Die("mkdtemp");
  const std::string input = tmpl + "/plain.bin", output = tmpl + "/protected.pf";

  std::vector<uint8_t> block(1 << 20);
  uid2::crypto::RandomFill(std::span<uint8_t>(block.data(), 4096));
  for (size_t i = 4096; i < block.size(); i++) block[i] = static_cast<uint8_t>(block[i % 4096] + i);
  int fd = OpenOrDie(input, O_WRONLY | O_CREAT | O_TRUNC);
  for (uint64_t i = 0; i < mib; i++) {
    block[0] = static_cast<uint8_t>(i);
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) Die("write");
  }
  ::close(fd);
  uid2::pf::Key key{};
  uid2::crypto::RandomFill(key);
  const size_t warm_bytes = (mib + 64) << 20;
  if (argc > 2 && std::string(argv[2]) == "encrypt") {  // the floor, then encrypt and floor + write
    const bool cold = argc > 3 && std::string(argv[3]) == "cold";
    Time floor;
    for (int pass = 0; pass < 3; pass++) Best(&floor, [&] { FloorPass(input); });
    std::printf("floor: wall %.3f s, user %.3f s, CPU %.3f s (best of 3)\n", floor.wall, floor.user,
                floor.cpu);
    auto show = [&](const char* name, const Time& t) {
      std::printf("%s%s: wall %.3f s (%.2fx floor), user %.3f s, CPU %.3f s (%.2fx)\n", name,
                  cold ? " (cold)" : "", t.wall, t.wall / floor.wall, t.user, t.cpu,
                  t.cpu / floor.cpu);
    };
    for (int pass = 0; pass < 4; pass++) {
      Time fw, enc;
      FreshOutput(output, warm_bytes, cold);
      Best(&fw, [&] { FloorPass(input, output); });
      show("floor + write", fw);
      FreshOutput(output, warm_bytes, cold);
      Best(&enc, [&] { EncryptPass(input, output, key); });
      show("encrypt", enc);
    }
    std::filesystem::remove_all(tmpl);
    return 0;
  }

  Time floor, node_floor, floor_write, enc, dec;
  for (int pass = 0; pass < 3; pass++) {
    Best(&floor, [&] { FloorPass(input); });
    Best(&node_floor, [&] { NodeFloorPass(input); });
    FreshOutput(output, warm_bytes, false);
    Best(&floor_write, [&] { FloorPass(input, output); });
    FreshOutput(output, warm_bytes, false);
    Best(&enc, [&] { EncryptPass(input, output, key); });
    Best(&dec, [&] { DecryptPass(output, key); });
  }
  const double gib = static_cast<double>(mib) / 1024.0;
  std::printf("input %llu MiB; protected file %llu bytes; best of 3 passes\n",
              static_cast<unsigned long long>(mib),
              static_cast<unsigned long long>(std::filesystem::file_size(output)));
  std::printf("%-34s %7s %6s %7s %7s %7s %7s %7s\n", "measure", "wall s", "GiB/s", "x floor",
              "user s", "x floor", "CPU s", "x floor");
  auto row = [&](const char* name, const Time& t) {
    std::printf("%-34s %7.3f %6.2f %7.2f %7.3f %7.2f %7.3f %7.2f\n", name, t.wall, gib / t.wall,
                t.wall / floor.wall, t.user, t.user / floor.user, t.cpu, t.cpu / floor.cpu);
  };
  row("floor: read + AES-128-GCM", floor);
  row("4 KiB nodes, fresh key each", node_floor);
  row("floor + write of the ciphertext", floor_write);
  row("encrypt (pf::EncryptFd)", enc);
  row("decrypt (pf::DecryptFd, /dev/null)", dec);
  std::filesystem::remove_all(tmpl);
  return 0;
}
