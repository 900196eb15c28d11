// hashids.h: Hashids encoding of a non-negative integer, as the Java library org.hashids 1.0.3
// does it, for bucket ids (spec §3.2): bucket_id = id_prefix + Hashids(id_secret, 9).Encode(id).
//
// The algorithm (written from its public description):
//   alphabet  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890"
//   seps      = "cfhistuCFHISTU", guards taken from seps/alphabet, salt-driven "consistent
//               shuffle" of both; encoding writes a lottery char, then the number in base
//               |alphabet| with the alphabet reshuffled by (lottery + salt + alphabet), then pads
//               with guards and alphabet halves up to the minimum length.
//
//   Hashids h(id_secret, 9);
//   std::string bucket_id = id_prefix + h.Encode(1000000);
//
// A Hashids object is immutable after construction and safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace uid2::operator_identity {

class Hashids {
 public:
  // `salt` is used as raw characters (bytes). `min_length` pads short outputs.
  explicit Hashids(std::string_view salt, size_t min_length = 0);

  // Encode returns the hash of one number. REQUIRES: number >= 0.
  std::string Encode(int64_t number) const;

  // Decode returns the number or -1 when `hash` was not produced by this Hashids.
  int64_t Decode(std::string_view hash) const;

 private:
  std::string salt_;
  size_t min_length_;
  std::string alphabet_;
  std::string seps_;
  std::string guards_;
};

// ConsistentShuffle is the Hashids salt-driven shuffle (exposed for tests).
void HashidsConsistentShuffle(std::string* alphabet, std::string_view salt);

}  // namespace uid2::operator_identity
