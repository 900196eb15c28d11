// salts.h: the salts store (spec §3.2, §4.2): metadata, 11-field salt lines, bucket lookup.
//
// Salt file line (text, comma-separated, 11 fields; an empty field means null):
//
//   field  name            type        meaning
//   0      id              int64       bucket id (Hashids input for bucket_id)
//   1      lastUpdated     int64 ms    when the bucket's salt/key last rotated
//   2      salt            text        v2/v3 second-level salt (null when the bucket uses keys)
//   3      refreshFrom     int64 ms    refresh_from for tokens of this bucket
//   4      prevSalt        text        previous salt (for the v3 map's `p`)
//   5      curKeyId        int32       v4 key material: key id (3 bytes in the raw UID)
//   6      curKey          text        v4 key material: 32-char AES key (ASCII bytes)
//   7      curKeySalt      text        v4 key material: salt (ASCII bytes)
//   8-10   prevKeyId, prevKey, prevKeySalt   previous key material
//
// SaltSet keeps the file text and points into it (no per-line allocation; the production file
// has 1,048,576 lines), 64 bytes per line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace uid2::store {

inline constexpr int kSaltLineFields = 11;
inline constexpr size_t kFullSaltBucketCount = size_t{1} << 20;
inline constexpr size_t kSaltKeyLength = 32;  // v4 key text: 32 ASCII chars = AES-256 key

// v4 key material of a bucket. present() is false when all three fields are null. When present,
// key is exactly 32 characters and 0 <= id < 2^24 (ParseSaltLine refuses other lines).
struct SaltKey {
  int32_t id = 0;
  std::string_view key;   // ASCII, used as the AES-256 key bytes
  std::string_view salt;  // ASCII
  bool present() const { return !key.empty(); }
};

// One bucket. The string_views point into the owning SaltSet's text.
struct SaltEntry {
  int64_t id = 0;
  int64_t last_updated_ms = 0;
  int64_t refresh_from_ms = 0;
  std::string_view salt;           // empty = null (the bucket uses key material)
  std::string_view previous_salt;  // empty = null
  SaltKey current_key;
  SaltKey previous_key;
};

// ParseSaltLine parses one line (no trailing newline). Errors name the field and the value.
// The views in *out point into `line`.
Status ParseSaltLine(std::string_view line, SaltEntry* out);

// SaltBucketIndex: spec §3.2. h = b0<<12 | b1<<4 | (b2 & 0x0F); idx = h when bucket_count is
// 2^20, else h % bucket_count. REQUIRES: first_level_hash.size() >= 3, bucket_count > 0.
size_t SaltBucketIndex(ByteSpan first_level_hash, size_t bucket_count);

// A salts.txt file selected from the metadata, parsed. Immutable after Parse.
class SaltSet {
 public:
  // Parse takes ownership of the file text. Lines are separated by '\n' ("\r\n" accepted); a
  // final empty line is ignored. Fails on an empty file, a file of 4 GiB or more, or any bad line
  // ("line 3: field curKeyId: not an integer (value of 1 characters)"; values are never shown:
  // they may be secret).
  static Result<std::shared_ptr<const SaltSet>> Parse(std::string text);
  // The text and table become the spare buffers of the next sync (common/spare_buffer.h).
  ~SaltSet();

  size_t size() const { return entries_.size(); }
  // Entry returns bucket i (its views point into this set's text). REQUIRES: i < size().
  SaltEntry Entry(size_t i) const;
  // Bucket returns the entry for a first-level hash (no allocation, no lock).
  // REQUIRES: first_level_hash.size() >= 3.
  SaltEntry Bucket(ByteSpan first_level_hash) const {
    return Entry(SaltBucketIndex(first_level_hash, entries_.size()));
  }

 private:
  // A bucket as offsets into text_: 64 bytes instead of SaltEntry's 136 (2^20 buckets: 64 MB).
  // A key's salt follows its 32-character key and a comma (fields 6-7 and 9-10 of the line).
  struct PackedKey {
    int32_t id = -1;  // -1: no key material
    uint32_t key = 0;
    uint32_t salt_size = 0;
  };
  struct PackedEntry {
    int64_t id = 0;
    int64_t last_updated_ms = 0;
    int64_t refresh_from_ms = 0;
    uint32_t salt = 0, salt_size = 0;
    uint32_t previous_salt = 0, previous_salt_size = 0;
    PackedKey current_key, previous_key;
  };
  static_assert(sizeof(PackedEntry) == 64);
  using Table = std::vector<PackedEntry>;

  SaltSet() = default;
  PackedEntry Pack(const SaltEntry& e) const;
  std::string text_;
  Table entries_;
};

// One entry of the metadata's "salts" array.
struct SaltFileRef {
  int64_t effective_ms = 0;
  int64_t expires_ms = 0;
  std::string location;
  int64_t size = 0;
};

// Parsed salts metadata.json.
struct SaltsMetadata {
  int64_t version = 0;
  int64_t generated = 0;
  std::string first_level;  // first-level salt, used as text (spec §3.2)
  std::string id_prefix;    // bucket_id prefix, e.g. "b"
  std::string id_secret;    // Hashids salt for bucket_id
  std::vector<SaltFileRef> files;

  // SelectFile: the last file with effective <= now < expires, else the last file (spec §4.2).
  // REQUIRES: !files.empty() (ParseSaltsMetadata guarantees it).
  const SaltFileRef& SelectFile(int64_t now_ms) const;
};

Result<SaltsMetadata> ParseSaltsMetadata(std::string_view json);

}  // namespace uid2::store
