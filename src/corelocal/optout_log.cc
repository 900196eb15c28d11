#include "corelocal/optout_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "common/encoding.h"
#include "common/file.h"
#include "crypto/random.h"

namespace uid2::corelocal {
namespace {

constexpr int kReplica = 0;
constexpr uint8_t kRecordVersion1 = 1;

std::string FormatTime(time_t t, const char* format) {
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), format, &tm);
  return buf;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  int v = 0;
  for (size_t i = pos; i < pos + n; i++) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Result<Bytes> EncodeOptOutRecord(ByteSpan identity_hash, ByteSpan advertising_id, int64_t ts) {
  if (identity_hash.size() != 32) return Error::Invalid("identity_hash must be 32 bytes");
  uint8_t meta = 0;
  if (advertising_id.size() == 33) {
    meta = static_cast<uint8_t>((kRecordVersion1 << 6) | (advertising_id[0] & 0x3F));
    advertising_id = advertising_id.subspan(1);
  } else if (advertising_id.size() != 32) {
    return Error::Invalid("advertising_id must be 32 or 33 bytes");
  }
  if (ts < 0 || ts >= (int64_t{1} << 56)) return Error::Invalid("timestamp out of range");
  ByteWriter w(kOptOutRecordSize);
  w.PutBytes(identity_hash);
  w.PutBytes(advertising_id);
  w.PutUintLE(static_cast<uint64_t>(ts), kOptOutTimestampSize);
  w.PutU8(meta);
  return w.Take();
}

std::optional<OptOutFileInfo> ParseOptOutFileName(std::string_view name) {
  // optout-delta-000_2026-12-07T21.10.00Z_0a1b2c3d.dat
  OptOutFileInfo info;
  std::string_view rest;
  if (name.rfind("optout-delta-", 0) == 0) {
    rest = name.substr(13);
  } else if (name.rfind("optout-partition-", 0) == 0) {
    info.delta = false;
    rest = name.substr(17);
  } else {
    return std::nullopt;
  }
  // 000_YYYY-MM-DDTHH.mm.ssZ_hhhhhhhh.dat = 3+1+20+1+8+4 = 37
  int replica, y, mo, d, h, mi, s;
  if (rest.size() != 37 || rest[3] != '_' || rest[24] != '_' || rest.substr(33) != ".dat") {
    return std::nullopt;
  }
  std::string_view t = rest.substr(4, 20);
  if (!Digits(rest, 0, 3, &replica) || !Digits(t, 0, 4, &y) || t[4] != '-' ||
      !Digits(t, 5, 2, &mo) || t[7] != '-' || !Digits(t, 8, 2, &d) || t[10] != 'T' ||
      !Digits(t, 11, 2, &h) || t[13] != '.' || !Digits(t, 14, 2, &mi) || t[16] != '.' ||
      !Digits(t, 17, 2, &s) || t[19] != 'Z' || !HexDecode(rest.substr(25, 8))) {
    return std::nullopt;
  }
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  info.from = timegm(&tm);
  return info;
}

Result<std::unique_ptr<OptOutLog>> OptOutLog::Open(const std::string& dir, int64_t rotate_seconds) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::Io("--optout-dir " + dir + ": " + ec.message());
  if (rotate_seconds <= 0) return Error::Invalid("the delta rotation interval must be positive");
  return std::unique_ptr<OptOutLog>(new OptOutLog(dir, rotate_seconds));
}

Status OptOutLog::Append(ByteSpan identity_hash, ByteSpan advertising_id, time_t now) {
  UID2_ASSIGN_OR_RETURN(Bytes record, EncodeOptOutRecord(identity_hash, advertising_id, now));
  std::lock_guard lock(mu_);
  if (open_ && now - open_since_ >= rotate_) open_.reset();
  if (!open_) {
    std::string folder = "delta/" + FormatTime(now, "%Y-%m-%d");
    std::error_code ec;
    std::filesystem::create_directories(dir_ + "/" + folder, ec);
    if (ec) return Error::Io(dir_ + "/" + folder + ": " + ec.message());
    char replica[8];
    snprintf(replica, sizeof(replica), "%03d", kReplica);
    open_ = folder + "/optout-delta-" + replica + "_" + FormatTime(now, "%Y-%m-%dT%H.%M.%SZ") +
            "_" + HexEncode(crypto::RandomBytes(4)) + ".dat";
    open_since_ = now;
  }
  std::string path = dir_ + "/" + *open_;
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Error::Errno("opening " + path, errno);
  ssize_t n = write(fd, record.data(), record.size());
  int write_errno = errno;
  close(fd);
  if (n != static_cast<ssize_t>(record.size())) return Error::Errno("writing " + path, write_errno);
  return Ok();
}

Result<std::vector<OptOutFileInfo>> OptOutLog::Refresh(time_t) {
  std::lock_guard lock(mu_);
  open_.reset();  // seal: the next append starts a new delta
  std::vector<OptOutFileInfo> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto info = ParseOptOutFileName(it->path().filename().string());
    if (!info) continue;
    info->path = std::filesystem::relative(it->path(), dir_).string();
    struct stat st;
    info->to = stat(it->path().c_str(), &st) == 0 ? st.st_mtime : info->from;
    out.push_back(std::move(*info));
  }
  if (ec) return Error::Io("listing " + dir_ + ": " + ec.message());
  std::sort(out.begin(), out.end(), [](const OptOutFileInfo& a, const OptOutFileInfo& b) {
    return a.from != b.from ? a.from < b.from : a.path < b.path;
  });
  return out;
}

Result<Bytes> OptOutLog::Read(const std::string& relative_path) const {
  if (relative_path.find("..") != std::string::npos || relative_path.empty() ||
      relative_path[0] == '/') {
    return Error::Invalid("bad opt-out path");
  }
  auto name = std::filesystem::path(relative_path).filename().string();
  if (!ParseOptOutFileName(name)) return Error::NotFound("not an opt-out file");
  return ReadFileBytes(dir_ + "/" + relative_path);
}

}  // namespace uid2::corelocal
