#include "common/status.h"

#include <cstring>

namespace uid2 {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid:
      return "invalid";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kVerifyFailed:
      return "verify_failed";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

Error Error::Errno(std::string m, int errno_value) {
  return {ErrorCode::kIo, std::move(m) + ": " + std::strerror(errno_value)};
}

}  // namespace uid2
