// view_fs.h: the FUSE filesystem that serves the app's view (libfuse3, high-level API).
//
// It runs inside `shroud run` (never inside the app) and applies View's rules on every
// operation: trusted files are opened through TrustedFiles (read-only, verified, later reads
// re-verified), allowed files pass through to the bundle, /dev/attestation is served from
// AttestationFiles, files of encrypted mounts are served decrypted by EncryptedFiles, and any
// other open, create, write, rename or delete is refused with EACCES and logged once per path,
// naming the manifest entry that would allow it. Metadata (stat,
// readdir, readlink) of any file under a chroot mount stays visible, as under Gramine.
//
// In trace mode nothing is refused; every file used outside the manifest is recorded for
// TraceSnippet().
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/status.h"
#include "runtime/attestation_files.h"
#include "runtime/encrypted_files.h"
#include "runtime/trusted_files.h"
#include "runtime/view.h"

struct fuse;

namespace uid2::runtime {

enum class Enforcement {
  kEnforce,  // sgx.file_check_policy as the manifest says
  kTrace,    // allow everything, record what is outside the manifest
};

class ViewFs {
 public:
  ViewFs(const View* view, AttestationFiles* attestation, Enforcement mode);
  ~ViewFs();  // stops serving
  ViewFs(const ViewFs&) = delete;
  ViewFs& operator=(const ViewFs&) = delete;

  // Start opens a FUSE connection (/dev/fuse). The launcher mounts it inside the app's own mount
  // namespace with mount(2) and MountOptions() (launcher.h), so the view exists only there and
  // disappears with it, and then calls Serve(). Needs /dev/fuse.
  Status Start();
  // Serve answers the connection on background threads; call it once it is mounted (before
  // that, the kernel refuses to hand out requests).
  void Serve();
  // device_fd is the connection's descriptor (close-on-exec) for that mount; -1 before Start.
  int device_fd() const { return device_fd_; }
  // MountOptions is mount(2)'s data for the connection: "fd=N,rootmode=40000,user_id=U,...".
  std::string MountOptions() const;
  // Stop stops serving (idempotent). It returns promptly, also while the connection is still
  // mounted somewhere (a process there then sees ENOTCONN).
  void Stop();

  // The files the app used outside the manifest (trace mode, or allow_all_but_log):
  // bundle path -> true when written or created.
  std::map<std::string, bool> Outside() const;

  // Implementation hooks for the FUSE callbacks (fuse_operations in view_fs.cc).
  const View& view() const { return *view_; }
  AttestationFiles& attestation() { return *attestation_; }
  TrustedFiles& trusted() { return trusted_; }
  EncryptedFiles& encrypted() { return encrypted_; }
  Enforcement mode() const { return mode_; }
  // Decide returns the access for opening `bundle_path` (denials are logged here).
  Access Decide(const std::string& view_path, const std::string& bundle_path, bool write,
                const crypto::Sha256Digest** sha256);
  void InvalidateHost(const std::string& host);
  void NoteViewPath(const std::string& host, const std::string& view_path);

 private:
  const View* view_;
  AttestationFiles* attestation_;
  Enforcement mode_;
  TrustedFiles trusted_;
  EncryptedFiles encrypted_;
  struct fuse* fuse_ = nullptr;
  std::thread loop_;
  std::atomic<bool> loop_done_{false};
  bool serving_ = false;
  int device_fd_ = -1;
  mutable std::mutex mu_;
  std::map<std::string, bool> outside_;
  std::set<std::string> denied_set_;
  std::map<std::string, std::set<std::string>> view_paths_;  // host -> view paths opened
};

// TraceSnippet renders ViewFs::Outside() as a manifest fragment to merge: read-only files go to
// sgx.trusted_files (the signer fills in their sha256), written ones to sgx.allowed_files.
std::string TraceSnippet(const std::map<std::string, bool>& outside);

}  // namespace uid2::runtime
