// encrypted_files.h: the files of `type = "encrypted"` mounts, served by the view (view_fs.cc)
// in Gramine's protected-files format (src/pf), so that unmodified programs read and write
// plaintext while the host only ever holds ciphertext bound to the file's path.
//
// As Gramine's chroot_encrypted filesystem (libos/src/fs/chroot/encrypted.c):
//   - a mount's key is named (key_name, default "default") and read when a file is opened:
//     fs.insecure__keys.NAME, what the app wrote to /dev/attestation/keys/NAME, or a sealing key
//     (sealing.h); an unset key makes the open fail with EACCES;
//   - one protected-file context per host file, shared by all the app's descriptors of it, and
//     closed (flushed) when the last one is released; close(2) flushes (FUSE flush). While
//     everything written is flushed, reads may also use read-only contexts of their own, so that
//     the kernel's concurrent read requests for one file are decrypted on several threads (a
//     read that overlapped a change is redone with the shared context);
//   - the path bound into the file is the URI path (View's Location::pf_path): a file copied or
//     moved on the host to another name, a file of another key, a changed byte: all fail their
//     check. The app gets EACCES (Gramine's answer to every pf failure) and `shroud run` logs
//     `warn encrypted_file_refused path=<view path> reason=...`;
//   - stat reports the plaintext size; a file that fails its check still stats (size 0) so that
//     it can be deleted, as Gramine allows unlink of corrupted files;
//   - rename binds the file to its new path (the metadata is rewritten, then the host file is
//     renamed); a directory cannot be renamed (EXDEV: `mv` then copies file by file), nor can a
//     file be renamed out of its mount (EXDEV); symbolic links and other non-regular files under
//     the mount are refused (EACCES).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>

#include "pf/protected_file.h"
#include "runtime/view.h"

namespace uid2::runtime {

class EncryptedFiles {
 public:
  // KeyFn returns the current value of a named key: 0, or -ENOENT / -ENOKEY (not set) / -EIO.
  using KeyFn = std::function<int(const std::string& key_name, pf::Key* out)>;
  explicit EncryptedFiles(KeyFn keys) : keys_(std::move(keys)) {}
  ~EncryptedFiles();

  struct Node;  // one open protected file
  // Open opens (create: creates or truncates) the file at `loc`, returning a reference to its
  // shared node; every successful Open is paired with one Release. Returns 0 or -errno.
  int Open(const std::string& view_path, const Location& loc, bool create, bool truncate,
           mode_t mode, std::shared_ptr<Node>* out);
  void Release(const std::shared_ptr<Node>& node);

  // Read returns the number of bytes read into `out`, or -errno.
  int Read(Node& node, std::span<uint8_t> out, uint64_t offset);
  int Write(Node& node, std::span<const uint8_t> data, uint64_t offset);
  int Truncate(Node& node, uint64_t size);
  int Flush(Node& node);
  int Fsync(Node& node, bool datasync);

  // Path operations (no descriptor needed).
  int Getattr(const std::string& view_path, const Location& loc, struct stat* st);
  int TruncatePath(const std::string& view_path, const Location& loc, uint64_t size);
  int Unlink(const Location& loc);
  int Rename(const std::string& from_view, const Location& from, const std::string& to_view,
             const Location& to, unsigned int flags);

 private:
  int KeyFor(const std::string& view_path, const Location& loc, pf::Key* key);
  // Refused logs a refusal once per file and reason and returns its errno (-EACCES, -EIO).
  int Refused(const std::string& view_path, const std::string& host, const std::string& pf_path,
              const Error& e);
  int Refused(const Node& node, const Error& e);
  // OpenLocked returns the node of `loc`, opening it if no descriptor has it open.
  // REQUIRES: mu_ held.
  int OpenLocked(const std::string& view_path, const Location& loc, bool create, mode_t mode,
                 std::shared_ptr<Node>* out);
  void CloseNode(Node& node);
  // ReadShared reads with the node's own context; Changed records a change of the host file
  // (flushed or not) and drops the reader contexts. REQUIRES: node.mu held.
  int ReadShared(Node& node, std::span<uint8_t> out, uint64_t offset);
  void Changed(Node& node, bool flushed);
  static constexpr size_t kMaxReaders = 4;  // idle reader contexts kept per open file

  KeyFn keys_;
  std::mutex mu_;                                       // nodes_, sizes_
  std::map<std::string, std::shared_ptr<Node>> nodes_;  // host path -> open node
  struct SizeEntry {
    ino_t ino;
    struct timespec mtime, ctime;
    off_t host_size;
    uint64_t plain_size;
  };
  std::map<std::string, SizeEntry> sizes_;  // plaintext sizes of closed files
  std::mutex log_mu_;
  std::set<std::string> logged_;  // refusals already logged (host path + reason)
};

}  // namespace uid2::runtime
