// trusted_files.h: trusted-file expansion and parallel hashing (used by ExpandAndHash; exposed
// for benchmarks and for callers that hash other file sets).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "manifest/manifest.h"

namespace uid2::manifest {

// NormalizePosixPath collapses "//" and "." components like Python's PurePosixPath
// ("./lib//" -> "lib", "/" -> "/", "" -> "").
std::string NormalizePosixPath(std::string_view path);

// ResolveInChroot resolves `inner` (absolute) inside `chroot`, following symlinks as if chroot
// were "/" ('..' never leaves it). Returns the resolved inner path. Fails on ELOOP/ENOTDIR.
Result<std::string> ResolveInChroot(const std::string& inner, const std::string& chroot);

struct FileToHash {
  std::string path;   // host path
  std::string label;  // for errors (the URI)
};

// HashFilesParallel returns the lowercase hex SHA-256 of each file, in input order, using
// `threads` workers (0 = hardware concurrency; largest files first). Progress in bytes goes to
// stderr unless quiet. The first failure (in input order) is returned, naming label and path.
Result<std::vector<std::string>> HashFilesParallel(const std::vector<FileToHash>& files,
                                                   unsigned threads, bool quiet);

}  // namespace uid2::manifest
