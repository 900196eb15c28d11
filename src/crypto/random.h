// random.h: cryptographically secure random bytes (OpenSSL's RAND_bytes, DRBG seeded by the OS).
#pragma once

#include <span>

#include "common/bytes.h"

namespace uid2::crypto {

// RandomFill fills `out`; aborts the process if the DRBG fails (there is no safe fallback).
void RandomFill(std::span<uint8_t> out);
Bytes RandomBytes(size_t n);

}  // namespace uid2::crypto
