// core_data.h: a core data directory laid out like data/uid2/core:
//
//   <dir>/<store>/metadata.json     {"version", "generated", "<key>": {"location": ...}, ...}
//   <dir>/<store>/<content files>   what the locations name
//
// Locations in this repository's data are uid2-operator classpath paths,
// "/com.uid2.core/test/<store>/<file>"; they map to <dir>/<store>/<file>. A relative location
// is relative to <dir>. Anything else (another absolute path, "..") is refused. Metadata is
// read from disk on every request, so edits show up on the operator's next refresh.
//
// Cloud encryption keys (<dir>/cloud_encryption_keys, uid2-shared's CloudEncryptionKey):
//   [{"id": 1, "siteId": 999, "activates": <epoch s>, "created": <epoch s>, "secret": b64(32)}]
// Encrypted content (uid2-shared CloudEncryptionHelpers, CONTRACT-12 item 3):
//   {"key_id": <id>, "encrypted_payload": b64(IV 12 | AES-256-GCM ciphertext | tag 16)}
#pragma once

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::corelocal {

struct CloudEncryptionKey {
  int64_t id = 0;
  int32_t site_id = 0;
  int64_t activates = 0;
  int64_t created = 0;
  std::string secret_b64;
  Bytes secret;  // 32 bytes
};

// ParseCloudEncryptionKeys reads the keys file; errors name the entry and field.
Result<std::vector<CloudEncryptionKey>> ParseCloudEncryptionKeys(std::string_view json);

// MapLocation turns a metadata location into a path relative to the data dir.
Result<std::string> MapLocation(std::string_view location);

// EncryptContent returns the {"key_id", "encrypted_payload"} JSON for `content`.
Result<std::string> EncryptContent(const CloudEncryptionKey& key, std::string_view content);

class CoreData {
 public:
  // Load checks every <store>/metadata.json that exists and reads the cloud encryption keys
  // (when the store exists). Errors name the file.
  static Result<CoreData> Load(const std::string& dir);

  // Metadata returns <store>/metadata.json with every "location" replaced by sign(mapped path).
  Result<std::string> Metadata(const std::string& store,
                               const std::function<std::string(const std::string&)>& sign) const;
  // File returns <store>/<name> as is (runtime config: runtime_config/metadata.json).
  Result<std::string> File(const std::string& relative_path) const;

  std::vector<CloudEncryptionKey> KeysForSite(int32_t site_id) const;
  // NewestActiveKey: the active key (activates <= now) of the site with the latest activation
  // (then the highest id); nullptr when the site has none.
  const CloudEncryptionKey* NewestActiveKey(int32_t site_id, time_t now) const;
  const CloudEncryptionKey* KeyById(int64_t id) const;
  // KeysJson is what uid2-core's /cloud_encryption_keys/retrieve returns for a site:
  //   {"cloud_encryption_keys": [{"id","siteId","activates","created","secret"}, ...]}
  std::string KeysJson(int32_t site_id) const;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<CloudEncryptionKey> keys_;
};

}  // namespace uid2::corelocal
