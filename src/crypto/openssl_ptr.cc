// openssl_ptr.cc: OpenSSL error-queue formatting.
#include "crypto/openssl_ptr.h"

#include <openssl/err.h>

namespace uid2::crypto {

std::string LastOpenSslError() {
  std::string out;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string("no OpenSSL error reported") : out;
}

}  // namespace uid2::crypto
