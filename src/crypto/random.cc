// random.cc: RAND_bytes wrapper that never returns weak output.
#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "crypto/openssl_ptr.h"

namespace uid2::crypto {

void RandomFill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    size_t chunk = std::min<size_t>(out.size() - done, INT_MAX);
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      std::fprintf(stderr, "fatal: RAND_bytes failed: %s\n", LastOpenSslError().c_str());
      std::abort();
    }
    done += chunk;
  }
}

Bytes RandomBytes(size_t n) {
  Bytes out(n);
  RandomFill(out);
  return out;
}

}  // namespace uid2::crypto
