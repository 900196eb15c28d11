// random.h: cryptographically secure random bytes (OpenSSL's RAND_bytes, DRBG seeded by the OS).
#pragma once

#include <span>

#include "common/bytes.h"

namespace uid2::crypto {

// RandomFill fills `out`; aborts the process if the DRBG fails (there is no safe fallback).
// Requests up to 4 KiB come from a per-thread pool of RAND_bytes output (one RAND_bytes call per
// 4 KiB; every byte handed out once; refilled in a child after fork()). Thread-safe.
void RandomFill(std::span<uint8_t> out);
Bytes RandomBytes(size_t n);

}  // namespace uid2::crypto
