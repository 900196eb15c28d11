// token_io.h (internal): fixed-buffer big-endian writing and the 13/16-byte identity blocks
// shared by the token formats. Reading goes through common/bytes.h's ByteReader.
#pragma once

#include <rapidjson/document.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/encoding.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity::internal {

// BeWriter appends big-endian fields to a caller-owned fixed buffer. Overflowing is a bug in
// the caller's size arithmetic (the sizes are the format's constants): it aborts.
class BeWriter {
 public:
  BeWriter(uint8_t* buf, size_t cap) : buf_(buf), cap_(cap) {}
  void U8(uint8_t v) { Put(v, 1); }
  void U32(uint32_t v) { Put(v, 4); }
  void I32(int32_t v) { Put(static_cast<uint32_t>(v), 4); }
  void I64(int64_t v) { Put(static_cast<uint64_t>(v), 8); }
  void Raw(ByteSpan b) {
    Reserve(b.size());
    std::copy(b.begin(), b.end(), buf_ + n_);
    n_ += b.size();
  }
  // Skip reserves n bytes (filled later, e.g. by an in-place cipher) and returns them.
  uint8_t* Skip(size_t n) {
    Reserve(n);
    uint8_t* p = buf_ + n_;
    n_ += n;
    return p;
  }
  uint8_t* cursor() { return buf_ + n_; }
  size_t size() const { return n_; }
  ByteSpan written() const { return {buf_, n_}; }

 private:
  void Reserve(size_t n) const {
    if (n > cap_ - n_) std::abort();
  }
  void Put(uint64_t v, size_t width) {
    Reserve(width);
    for (size_t i = width; i-- > 0;) buf_[n_++] = static_cast<uint8_t>(v >> (8 * i));
  }
  uint8_t* buf_;
  size_t cap_;
  size_t n_ = 0;
};

constexpr size_t kOperatorIdentitySize = 13;
constexpr size_t kPublisherIdentitySize = 16;

// Operator identity: site 4 | type 1 | version 4 | key id 4.
inline void WriteOperatorIdentity(BeWriter* w, const OperatorIdentity& op) {
  w->I32(op.site_id);
  w->U8(op.type);
  w->I32(op.version);
  w->I32(op.key_id);
}
// Publisher identity: site 4 | publisher id 8 | client key id 4.
inline void WritePublisherIdentity(BeWriter* w, const PublisherIdentity& pub) {
  w->I32(pub.site_id);
  w->I64(pub.publisher_id);
  w->I32(pub.client_key_id);
}

inline bool ReadI32(ByteReader* r, int32_t* out) {
  uint32_t v;
  if (!r->ReadU32BE(&v)) return false;
  *out = static_cast<int32_t>(v);
  return true;
}
inline bool ReadI64(ByteReader* r, int64_t* out) {
  uint64_t v;
  if (!r->ReadU64BE(&v)) return false;
  *out = static_cast<int64_t>(v);
  return true;
}
inline bool ReadOperatorIdentity(ByteReader* r, OperatorIdentity* op) {
  return ReadI32(r, &op->site_id) && r->ReadU8(&op->type) && ReadI32(r, &op->version) &&
         ReadI32(r, &op->key_id);
}
inline bool ReadPublisherIdentity(ByteReader* r, PublisherIdentity* pub) {
  return ReadI32(r, &pub->site_id) && ReadI64(r, &pub->publisher_id) &&
         ReadI32(r, &pub->client_key_id);
}

// DecodeTokenText decodes standard (padding optional) or URL-safe base64 leniently, as Java's
// decoders do.
inline std::optional<Bytes> DecodeB64(std::string_view text, bool url_safe) {
  return Base64Decode(text, url_safe ? Base64Alphabet::kUrlSafe : Base64Alphabet::kStandard,
                      Base64Mode::kLenient);
}

// JsonMember returns obj[name] or nullptr (obj must be an object).
inline const rapidjson::Value* JsonMember(const rapidjson::Value& obj, const char* name) {
  rapidjson::Value::ConstMemberIterator it = obj.FindMember(name);
  if (it == obj.MemberEnd()) return nullptr;
  return &it->value;
}

}  // namespace uid2::operator_identity::internal
