// view.h: the app's filesystem view as the manifest defines it, and the access rule for every
// path in it (spec: libos-toolchains.md §2, fs.* and sgx.{trusted,allowed}_files).
//
// The view maps each path the app sees to a bundle path through fs.root/fs.mounts (longest
// mount prefix wins), and classifies the bundle file:
//   trusted  - listed in sgx.trusted_files: read-only, content must match its SHA-256
//   allowed  - listed in sgx.allowed_files (a file, or everything under a directory entry)
//   denied   - anything else (unless sgx.file_check_policy = "allow_all_but_log")
// Manifest URIs are canonicalised inside the bundle root (symbolic links followed as a chroot
// would), so "file:/lib/x86_64-linux-gnu/libc.so.6" matches the file the kernel reaches
// through the merged-/usr link "lib -> usr/lib".
//
// Some directories exist only in the view (mount points, /dev, /proc, /dev/attestation): they
// are "synthetic" and the launcher mounts over most of them.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "runtime/run_spec.h"

namespace uid2::runtime {

enum class Access { kTrusted, kAllowed, kDenied };

// Where a view path leads.
struct Location {
  enum class Kind {
    kHost,         // a file or directory of the bundle: see host / bundle_path
    kSynthetic,    // a directory that exists only in the view
    kAttestation,  // below /dev/attestation (served by AttestationFiles)
    kEncrypted,    // at or below an encrypted mount: see host / bundle_path / pf_path / key_name
    kNone,         // nothing (below a tmpfs mount point or under /dev)
  };
  Kind kind = Kind::kNone;
  std::string host;         // absolute host path (kHost, kEncrypted)
  std::string bundle_path;  // "/x" inside the bundle root (kHost, kEncrypted)
  // kEncrypted: the path bound into the protected file, as Gramine binds it: the mount's URI
  // without "file:", followed by the rest of the path, normalised ("enc/a" for uri "file:enc").
  std::string pf_path;
  std::string key_name;    // kEncrypted
  std::string mount_path;  // kEncrypted: the mount's view path (the same mount for a rename)
};

class View {
 public:
  // Create canonicalises every mount and file URI of `spec` inside `bundle_root` (an absolute
  // host directory). Errors: a mount URI outside the bundle (kInvalid).
  static Result<View> Create(const RunSpec& spec, const std::string& bundle_root);

  Location Resolve(std::string_view view_path) const;

  // Classify returns the access rule for a bundle path; `*sha256` is set for trusted files.
  Access Classify(const std::string& bundle_path, const crypto::Sha256Digest** sha256) const;

  bool IsSyntheticDir(const std::string& view_path) const {
    return synthetic_.count(view_path) != 0;
  }
  // Names the view adds inside `view_path` (mount points, /dev, /proc, ...).
  const std::set<std::string>& SyntheticChildren(const std::string& view_path) const;
  bool allow_all_but_log() const { return allow_all_; }
  bool has_encrypted_mounts() const;
  const std::string& bundle_root() const { return root_; }

  // CanonicalBundlePath follows symbolic links of `bundle_path` inside the root (absolute
  // targets are relative to the root, ".." never climbs above it); a missing tail is kept as is.
  std::string CanonicalBundlePath(std::string_view bundle_path) const;

 private:
  struct Mount {
    std::string view_path;
    MountType type;
    std::string bundle_path;
    std::string uri_path;  // encrypted: the URI without "file:", as written
    std::string key_name;  // encrypted
  };
  void AddSyntheticDir(const std::string& view_path);

  std::string root_;
  std::vector<Mount> mounts_;  // longest view path first
  std::map<std::string, crypto::Sha256Digest> trusted_;
  std::set<std::string> allowed_files_;
  std::vector<std::string> allowed_dirs_;  // with a trailing '/'
  std::set<std::string> synthetic_;
  std::map<std::string, std::set<std::string>> synthetic_children_;
  bool allow_all_ = false;
};

// kDevDir and kAttestationDir are the view paths of /dev and /dev/attestation.
inline constexpr std::string_view kDevDir = "/dev";
inline constexpr std::string_view kAttestationDir = "/dev/attestation";

}  // namespace uid2::runtime
