#include "runtime/view.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace uid2::runtime {
namespace {

constexpr int kMaxSymlinks = 40;

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

bool IsUnder(std::string_view path, std::string_view dir) {
  if (dir == "/") return true;
  return path == dir ||
         (path.size() > dir.size() && path.substr(0, dir.size()) == dir && path[dir.size()] == '/');
}

// NormaliseKeepRelative normalises like Gramine's get_norm_path: "." and empty parts go, ".."
// removes the previous part (never above the start), and a relative path stays relative.
std::string NormaliseKeepRelative(std::string_view path) {
  bool absolute = !path.empty() && path[0] == '/';
  std::string norm = NormalisePath(path);
  if (absolute) return norm;
  return norm == "/" ? "" : norm.substr(1);
}

}  // namespace

bool View::has_encrypted_mounts() const {
  return std::any_of(mounts_.begin(), mounts_.end(),
                     [](const Mount& m) { return m.type == MountType::kEncrypted; });
}

std::string View::CanonicalBundlePath(std::string_view bundle_path) const {
  std::vector<std::string> pending = Split(bundle_path);
  std::reverse(pending.begin(), pending.end());
  std::vector<std::string> done;
  int links = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.back());
    pending.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    std::string host = root_;
    for (const std::string& d : done) host += "/" + d;
    host += "/" + part;
    struct stat st;
    if (links < kMaxSymlinks && lstat(host.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlink(host.c_str(), target, sizeof(target) - 1);
      if (n > 0) {
        links++;
        std::string_view t(target, static_cast<size_t>(n));
        if (t[0] == '/') done.clear();
        std::vector<std::string> tparts = Split(t);
        for (auto it = tparts.rbegin(); it != tparts.rend(); ++it) pending.push_back(*it);
        continue;
      }
    }
    done.push_back(std::move(part));
  }
  std::string out;
  for (const std::string& d : done) out += "/" + d;
  return out.empty() ? "/" : out;
}

void View::AddSyntheticDir(const std::string& view_path) {
  std::string path = view_path;
  while (path != "/") {
    synthetic_.insert(path);
    size_t slash = path.rfind('/');
    std::string parent = slash == 0 ? "/" : path.substr(0, slash);
    synthetic_children_[parent].insert(path.substr(slash + 1));
    path = parent;
  }
}

Result<View> View::Create(const RunSpec& spec, const std::string& bundle_root) {
  View v;
  v.root_ = bundle_root;
  while (v.root_.size() > 1 && v.root_.back() == '/') v.root_.pop_back();
  v.allow_all_ = spec.allow_all_but_log;
  for (const MountSpec& m : spec.mounts) {
    Mount mount{m.path, m.type, "", "", m.key_name};
    if (m.type != MountType::kTmpfs) {
      UID2_ASSIGN_OR_RETURN(std::string p, UriToBundlePath(m.uri));
      mount.bundle_path = v.CanonicalBundlePath(p);
    }
    if (m.type == MountType::kEncrypted) mount.uri_path = m.uri.substr(5);
    if (m.path != "/") v.AddSyntheticDir(m.path);
    // A later mount at the same path replaces an earlier one.
    std::erase_if(v.mounts_, [&](const Mount& x) { return x.view_path == m.path; });
    v.mounts_.push_back(std::move(mount));
  }
  std::stable_sort(v.mounts_.begin(), v.mounts_.end(), [](const Mount& a, const Mount& b) {
    return a.view_path.size() > b.view_path.size();
  });
  v.AddSyntheticDir(std::string(kAttestationDir));
  v.AddSyntheticDir("/proc");
  for (const TrustedEntry& t : spec.trusted_files) {
    auto path = UriToBundlePath(t.uri);
    if (!path.ok()) return Error::Invalid("sgx.trusted_files: " + path.error().message());
    v.trusted_[v.CanonicalBundlePath(*path)] = t.sha256;
  }
  for (const std::string& uri : spec.allowed_files) {
    if (uri.rfind("dev:", 0) == 0) continue;  // devices: the view's /dev is fixed
    auto path = UriToBundlePath(uri);
    if (!path.ok()) return Error::Invalid("sgx.allowed_files: " + path.error().message());
    std::string canon = v.CanonicalBundlePath(*path);
    struct stat st;
    bool is_dir =
        uri.back() == '/' || (stat((v.root_ + canon).c_str(), &st) == 0 && S_ISDIR(st.st_mode));
    if (is_dir) {
      v.allowed_dirs_.push_back(canon == "/" ? "/" : canon + "/");
    } else {
      v.allowed_files_.insert(canon);
    }
  }
  return v;
}

Location View::Resolve(std::string_view view_path) const {
  std::string path = NormalisePath(view_path);
  Location loc;
  if (IsUnder(path, kAttestationDir) && path != kAttestationDir) {
    loc.kind = Location::Kind::kAttestation;
    return loc;
  }
  if (IsUnder(path, kDevDir)) {
    loc.kind = synthetic_.count(path) ? Location::Kind::kSynthetic : Location::Kind::kNone;
    return loc;
  }
  for (const Mount& m : mounts_) {
    if (!IsUnder(path, m.view_path)) continue;
    if (m.type == MountType::kTmpfs) {
      loc.kind = path == m.view_path ? Location::Kind::kSynthetic : Location::Kind::kNone;
      return loc;
    }
    std::string rest = m.view_path == "/" ? path : path.substr(m.view_path.size());
    loc.kind = Location::Kind::kHost;
    if (m.type == MountType::kEncrypted) {
      loc.kind = Location::Kind::kEncrypted;
      loc.pf_path = NormaliseKeepRelative(m.uri_path + rest);
      loc.key_name = m.key_name;
      loc.mount_path = m.view_path;
    }
    loc.bundle_path = NormalisePath(m.bundle_path + rest);
    loc.host = loc.bundle_path == "/" ? root_ : root_ + loc.bundle_path;
    return loc;
  }
  loc.kind = synthetic_.count(path) ? Location::Kind::kSynthetic : Location::Kind::kNone;
  return loc;
}

Access View::Classify(const std::string& bundle_path, const crypto::Sha256Digest** sha256) const {
  auto it = trusted_.find(bundle_path);
  if (it != trusted_.end()) {
    if (sha256 != nullptr) *sha256 = &it->second;
    return Access::kTrusted;
  }
  if (allowed_files_.count(bundle_path)) return Access::kAllowed;
  for (const std::string& dir : allowed_dirs_) {
    if (dir == "/" || bundle_path.rfind(dir, 0) == 0) return Access::kAllowed;
  }
  return Access::kDenied;
}

const std::set<std::string>& View::SyntheticChildren(const std::string& view_path) const {
  static const std::set<std::string> kEmpty;
  auto it = synthetic_children_.find(view_path);
  return it == synthetic_children_.end() ? kEmpty : it->second;
}

}  // namespace uid2::runtime
