// trusted_files.cc: sgx.trusted_files expansion as Gramine v1.9's signer does it
// (TrustedFile.expand_directory, Manifest.expand_all_trusted_files) and parallel SHA-256.
#include "manifest/trusted_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <numeric>
#include <thread>

#include "common/encoding.h"
#include "common/progress.h"
#include "crypto/hash.h"

namespace uid2::manifest {
namespace {

constexpr size_t kReadChunk = 1 << 20;
constexpr int kMaxSymlinks = 40;
// Below this many bytes hashing takes well under a second: no progress line.
constexpr uint64_t kProgressMinBytes = 64ull << 20;

std::vector<std::string> Components(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (!part.empty()) out.emplace_back(part);
    i = j + 1;
  }
  return out;
}

Result<std::string> HashOne(const FileToHash& f, Progress* progress, Bytes* buf) {
  int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::Errno(f.label + ": " + f.path, errno);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  crypto::Sha256Hasher h;
  for (;;) {
    ssize_t n = ::read(fd, buf->data(), buf->size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Error::Errno(f.label + ": reading " + f.path, e);
    }
    if (n == 0) break;
    h.Update(ByteSpan(buf->data(), static_cast<size_t>(n)));
    progress->Advance(static_cast<uint64_t>(n));
  }
  ::close(fd);
  crypto::Sha256Digest d = h.Final();
  return HexEncode(d);
}

}  // namespace

std::string NormalizePosixPath(std::string_view path) {
  std::string out = (!path.empty() && path[0] == '/') ? "/" : "";
  for (const std::string& c : Components(path)) {
    if (c == ".") continue;
    if (!out.empty() && out.back() != '/') out += "/";
    out += c;
  }
  return out;
}

Result<std::string> ResolveInChroot(const std::string& inner, const std::string& chroot) {
  if (inner.empty() || inner[0] != '/') {
    return Error::Invalid("'" + inner + "': only absolute paths can be resolved in a chroot");
  }
  std::vector<std::string> todo = Components(inner);
  std::reverse(todo.begin(), todo.end());
  std::vector<std::string> cur;
  int links = 0;
  auto inner_path = [&] {
    std::string p;
    for (const std::string& c : cur) p += "/" + c;
    return p.empty() ? std::string("/") : p;
  };
  while (!todo.empty()) {
    std::string part = todo.back();
    todo.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      if (!cur.empty()) cur.pop_back();
      continue;
    }
    cur.push_back(part);
    std::string outer = chroot + inner_path();
    struct stat st;
    if (::lstat(outer.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) continue;
    if (++links > kMaxSymlinks) return Error::Io(inner + ": too many levels of symbolic links");
    char target[4096];
    ssize_t n = ::readlink(outer.c_str(), target, sizeof target - 1);
    if (n < 0) return Error::Errno(outer, errno);
    std::string t(target, static_cast<size_t>(n));
    cur.pop_back();
    if (!t.empty() && t[0] == '/') cur.clear();
    std::vector<std::string> parts = Components(t);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
  }
  return inner_path();
}

Result<std::vector<std::string>> HashFilesParallel(const std::vector<FileToHash>& files,
                                                   unsigned threads, bool quiet) {
  std::vector<uint64_t> sizes(files.size(), 0);
  uint64_t total = 0;
  for (size_t i = 0; i < files.size(); i++) {
    struct stat st;
    if (::stat(files[i].path.c_str(), &st) == 0) sizes[i] = static_cast<uint64_t>(st.st_size);
    total += sizes[i];
  }
  std::vector<size_t> order(files.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, std::max<size_t>(1, files.size())));
  Progress progress("hashing trusted files", total, Progress::Unit::kBytes,
                    quiet || total < kProgressMinBytes);
  std::vector<Result<std::string>> results(files.size(), Result<std::string>(std::string()));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    Bytes buf(kReadChunk);
    for (size_t k; (k = next.fetch_add(1)) < order.size();) {
      results[order[k]] = HashOne(files[order[k]], &progress, &buf);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; t++) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  progress.Finish();
  std::vector<std::string> out;
  out.reserve(files.size());
  for (Result<std::string>& r : results) {
    if (!r.ok()) return std::move(r).error();
    out.push_back(std::move(r).value());
  }
  return out;
}

}  // namespace uid2::manifest
