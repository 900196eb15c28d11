// shield_bench [MIB] [SOURCE_DIR]: end-to-end `shroud shield` of an image made from local
// system files (default 320 MiB from /usr/lib), and the trusted-file hashing throughput against
// a floor measured in the same run: `sha256sum` over the same files with one process per core
// (xargs -P). Prints one line per measure and the ratio (goal: hashing >= 90% of the floor).
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "common/file.h"
#include "oci/image.h"
#include "oci/writer.h"
#include "shield/shield.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void Check(const uid2::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.error().message().c_str());
    std::exit(1);
  }
}

// CopyFiles copies regular files from `src` into `dst/data` until `limit` bytes.
uint64_t CopyFiles(const std::string& src, const std::string& dst, uint64_t limit) {
  uint64_t total = 0;
  size_t n = 0;
  std::error_code ec;
  for (auto it =
           fs::recursive_directory_iterator(src, fs::directory_options::skip_permission_denied, ec);
       it != fs::end(it) && total < limit; it.increment(ec)) {
    if (ec || !it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    uint64_t size = it->file_size(ec);
    if (ec || size == 0 || size > (64u << 20)) continue;
    std::string to = dst + "/data/" + std::to_string(n / 1000) + "/" + std::to_string(n) + ".bin";
    fs::create_directories(fs::path(to).parent_path(), ec);
    if (!fs::copy_file(it->path(), to, ec) || ec) continue;
    total += size;
    n++;
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 320;
  std::string source = argc > 2 ? argv[2] : "/usr/lib";
  auto tmp = uid2::oci::TempDir::Create("shield-bench");
  Check(tmp.ok() ? uid2::Ok() : uid2::Status(tmp.error()), "tempdir");
  std::string d = tmp->path();
  std::string tree = d + "/tree", engine = d + "/engine";
  uint64_t bytes = CopyFiles(source, tree, mib << 20);
  Check(uid2::oci::MakeDirs(tree + "/usr/bin"), "mkdir");
  Check(uid2::WriteFileAtomic(tree + "/usr/bin/app", std::string_view("#!/bin/sh\n"), 0755), "app");
  std::string pal =
      std::string(UID2_SOURCE_DIR) + "/tests/data/gramine-sign/01-defaults-nondebug/libpal.so";
  Check(uid2::oci::MakeDirs(engine + "/usr/lib/x86_64-linux-gnu/gramine/sgx"), "mkdir");
  fs::copy_file(pal, engine + "/usr/lib/x86_64-linux-gnu/gramine/sgx/libpal.so");
  Check(uid2::WriteFileAtomic(engine + "/usr/lib/x86_64-linux-gnu/gramine/libsysdb.so",
                              std::string_view("stand-in libos\n"), 0755),
        "libsysdb");
  uid2::oci::RuntimeConfig rc;
  rc.entrypoint = {"/usr/bin/app"};
  auto img = uid2::oci::NewImageFromTree(tree, rc, 0);
  Check(img.ok() ? uid2::Ok() : uid2::Status(img.error()), "image");
  Check(uid2::oci::WriteImage(*img, d + "/app.tar", {}), "write image");
  auto eng = uid2::oci::NewImageFromTree(engine, {}, 0);
  Check(uid2::oci::WriteImage(*eng, d + "/engine.tar", {}), "write engine");
  img = uid2::Error::Internal("released");  // free the staging copy
  std::printf("image: %.1f MiB in %s\n", double(bytes) / (1 << 20), (d + "/app.tar").c_str());

  uid2::shield::ShieldOptions o;
  o.image = d + "/app.tar";
  o.engine = d + "/engine.tar";
  o.output = d + "/unsigned.tar";
  o.quiet = true;
  auto r = uid2::shield::Shield(o);
  Check(r.ok() ? uid2::Ok() : uid2::Status(r.error()), "shield");
  double shield_mbs = double(r->trusted_bytes) / (1 << 20) / r->hash_seconds;

  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::string cmd = "cd " + tree + " && find data -type f -print0 | xargs -0 -n 64 -P " +
                    std::to_string(cores) + " sha256sum > /dev/null";
  auto t = Clock::now();
  if (std::system(cmd.c_str()) != 0) return 1;
  double floor_s = Since(t);
  double floor_mbs = double(bytes) / (1 << 20) / floor_s;

  std::printf("shield end-to-end: %.2f s (read image, unpack, hash, write image)\n",
              r->total_seconds);
  std::printf("trusted-file hashing: %zu files, %.1f MiB in %.2f s = %.0f MiB/s\n",
              r->trusted_files, double(r->trusted_bytes) / (1 << 20), r->hash_seconds, shield_mbs);
  std::printf("floor sha256sum -P%u: %.1f MiB in %.2f s = %.0f MiB/s\n", cores,
              double(bytes) / (1 << 20), floor_s, floor_mbs);
  std::printf("ratio hashing/floor: %.0f%% (goal >= 90%%)\n", 100.0 * shield_mbs / floor_mbs);
  return 0;
}
