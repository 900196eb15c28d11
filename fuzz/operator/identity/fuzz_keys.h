// fuzz_keys.h: the fixed keys the identity fuzzers decrypt with (the bundled local dataset's
// master 101, refresh 102 and site 103 keys, and the V2RequestUtilTest client secret), so that
// seed inputs made with them reach the parsers behind the ciphers.
#pragma once

#include <optional>

#include "operator/identity/envelope.h"
#include "operator/identity/types.h"

namespace uid2::operator_identity::fuzz {

inline TokenKey Key(int32_t id, const char* b64) { return {id, ParseKeySecret(b64).value()}; }

inline const TokenKey& Master() {
  static const TokenKey k = Key(101, "vPdQIoN1nTwXIQoH4/GcHOAct7ymyrGUKXNQhgmq+E8=");
  return k;
}
inline const TokenKey& Refresh() {
  static const TokenKey k = Key(102, "RgyxkP4yP1gYhCINq7O9PxM6jX+etPqSQluZxjB1aG8=");
  return k;
}
inline const TokenKey& Site() {
  static const TokenKey k = Key(103, "c2yMYeezHfDvZ6haknCFaj0t+eAEJp/C/uh+fUAm1fo=");
  return k;
}
inline const KeySecret& ClientSecret() {
  static const KeySecret s = ParseKeySecret("YGdzZw9oM2RzBgB8THMyAEe408lvdfsTsGteaLAGayY=").value();
  return s;
}

inline KeyLookup Lookup() {
  return [](int32_t id) -> std::optional<TokenKey> {
    for (const TokenKey* k : {&Master(), &Refresh(), &Site()}) {
      if (k->id == id) return *k;
    }
    return std::nullopt;
  };
}

}  // namespace uid2::operator_identity::fuzz
