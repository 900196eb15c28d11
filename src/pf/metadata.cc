// metadata.cc: reading and writing the metadata node (layout in metadata.h).
#include "pf/metadata.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace uid2::pf {

Status ParseMetadataNode(ByteSpan node, MetadataPlain* out_plain,
                         std::span<uint8_t, kMetadataEncryptedSize> out_encrypted) {
  if (node.size() != PF_NODE_SIZE) {
    return Error::Invalid("metadata node is " + std::to_string(node.size()) + " bytes, not 4096");
  }
  ByteReader r(node);
  MetadataPlain plain;
  ByteSpan padding;
  if (!r.ReadU64LE(&plain.file_id) || !r.ReadU8(&plain.major_version) ||
      !r.ReadU8(&plain.minor_version) || !r.ReadInto(plain.metadata_key_nonce) ||
      !r.ReadInto(plain.metadata_mac) || !r.ReadInto(out_encrypted) ||
      !r.ReadBytes(kMetadataPaddingSize, &padding)) {
    return Error::Internal("metadata node layout does not add up to 4096 bytes");
  }
  if (plain.file_id != PF_FILE_ID) {
    return Error::Invalid("not a protected file (file id is not \"GRAFS_PF\")");
  }
  if (plain.major_version != PF_MAJOR_VERSION) {
    return Error::Invalid("unsupported protected file major version " +
                          std::to_string(plain.major_version) + " (expected 1)");
  }
  if (!std::all_of(padding.begin(), padding.end(), [](uint8_t b) { return b == 0; })) {
    return Error::Invalid("metadata node padding is not zero (the file was altered)");
  }
  *out_plain = plain;
  return Ok();
}

void SerializeMetadataNode(const MetadataPlain& plain,
                           std::span<const uint8_t, kMetadataEncryptedSize> encrypted,
                           std::span<uint8_t, PF_NODE_SIZE> out) {
  ByteWriter w(PF_NODE_SIZE);
  w.PutU64LE(plain.file_id);
  w.PutU8(plain.major_version);
  w.PutU8(plain.minor_version);
  w.PutBytes(plain.metadata_key_nonce);
  w.PutBytes(plain.metadata_mac);
  w.PutBytes(encrypted);
  w.PutZeros(kMetadataPaddingSize);
  assert(w.size() == PF_NODE_SIZE);
  std::copy(w.bytes().begin(), w.bytes().end(), out.begin());
}

Status ParseMetadataDecrypted(std::span<const uint8_t, kMetadataEncryptedSize> in,
                              MetadataDecrypted* out) {
  ByteReader r(in);
  ByteSpan path;
  MetadataDecrypted md;
  if (!r.ReadBytes(PATH_MAX_SIZE, &path) || !r.ReadU64LE(&md.file_size) ||
      !r.ReadInto(md.root_mht_node_key) || !r.ReadInto(md.root_mht_node_mac) ||
      !r.ReadInto(md.file_data)) {
    return Error::Internal("decrypted metadata layout does not add up to 3884 bytes");
  }
  auto nul = std::find(path.begin(), path.end(), uint8_t{0});
  if (nul == path.end()) return Error::Invalid("bound path is not NUL-terminated");
  if (md.file_size > kMaxPlaintextSize) {
    return Error::Invalid("plaintext size " + std::to_string(md.file_size) + " is impossible");
  }
  md.file_path.assign(path.begin(), nul);
  *out = std::move(md);
  return Ok();
}

void SerializeMetadataDecrypted(const MetadataDecrypted& md,
                                std::span<uint8_t, kMetadataEncryptedSize> out) {
  assert(md.file_path.size() < PATH_MAX_SIZE);
  ByteWriter w(kMetadataEncryptedSize);
  w.PutString(md.file_path);
  w.PutZeros(PATH_MAX_SIZE - md.file_path.size());
  w.PutU64LE(md.file_size);
  w.PutBytes(md.root_mht_node_key);
  w.PutBytes(md.root_mht_node_mac);
  w.PutBytes(md.file_data);
  assert(w.size() == kMetadataEncryptedSize);
  std::copy(w.bytes().begin(), w.bytes().end(), out.begin());
}

}  // namespace uid2::pf
