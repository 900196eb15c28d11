// core_source.h: where core data comes from (spec §4.1).
//
// A store reads its metadata (FetchMetadata(<name>_metadata_path)), and then the content it
// names (FetchLocation(metadata.<key>.location)). LocalCoreSource serves a directory laid out
// like the core service's test data (data/uid2/core); sync::RemoteCoreSource
// (operator/sync/remote_core_source.h) GETs them from an attested core.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace uid2::store {

class CoreSource {
 public:
  virtual ~CoreSource() = default;
  // FetchMetadata returns the text of a metadata document. Thread-compatible: the
  // StoreManager calls it from one thread at a time.
  virtual Result<std::string> FetchMetadata(std::string_view metadata_path) = 0;
  // FetchLocation returns the content named by a metadata "location".
  virtual Result<std::string> FetchLocation(std::string_view location) = 0;
  // BeginPoll runs before each poll round (and before the initial load): a remote source
  // refreshes what the content files need (the cloud encryption keys). A failure is logged and
  // counted by the caller, and the round goes on with what the source already has.
  virtual Status BeginPoll() { return Ok(); }
  // Describe names the source for logs ("local:data/uid2/core").
  virtual std::string Describe() const = 0;
};

// LocalCoreSource resolves paths against a dataset root directory:
//   "/com.uid2.core/test/<rest>"   -> <root>/<rest>   (the reference's classpath layout)
//   "<relative>"                    -> <root>/<relative>
// Any other absolute path, and any path with a ".." component, is refused (kInvalid), so
// data cannot name files outside the root. An unreadable file is a kIo error naming its path.
class LocalCoreSource : public CoreSource {
 public:
  static constexpr std::string_view kClasspathPrefix = "/com.uid2.core/test/";

  explicit LocalCoreSource(std::string root) : root_(std::move(root)) {}

  Result<std::string> FetchMetadata(std::string_view metadata_path) override;
  Result<std::string> FetchLocation(std::string_view location) override;
  std::string Describe() const override { return "local:" + root_; }

  // Resolve maps a data path to a file path, as above.
  Result<std::string> Resolve(std::string_view path) const;

 private:
  std::string root_;
};

}  // namespace uid2::store
