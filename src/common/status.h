// status.h: errors as values.
//
// Error carries a code and a message; callers add context as the error travels up
// ("reading conf/local-config.json: key 'identity_scope': expected a string").
// Result<T> holds either a T or an Error and must be used ([[nodiscard]]).
//
//   Result<Config> LoadConfig(const std::string& path) {
//     UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
//     ...
//     return Error::Invalid("key 'x' must be a number").Context(path);
//   }
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace uid2 {

enum class ErrorCode {
  kInvalid,       // malformed input: a parser or validator refused it
  kNotFound,      // a file, key or record does not exist
  kVerifyFailed,  // a signature, MAC, hash or policy check failed
  kIo,            // the operating system refused a read, write or call
  kUnsupported,   // valid input that this build does not handle
  kInternal,      // a bug or a library failure (OpenSSL, libarchive, ...)
};

std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error Invalid(std::string m) { return {ErrorCode::kInvalid, std::move(m)}; }
  static Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Error VerifyFailed(std::string m) { return {ErrorCode::kVerifyFailed, std::move(m)}; }
  static Error Io(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
  // Io error with strerror(errno_value) appended.
  static Error Errno(std::string m, int errno_value);
  static Error Unsupported(std::string m) { return {ErrorCode::kUnsupported, std::move(m)}; }
  static Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  // Context prefixes the message: Error("bad size").Context("manifest.toml") reads
  // "manifest.toml: bad size".
  Error&& Context(std::string_view where) && {
    message_ = std::string(where) + ": " + message_;
    return std::move(*this);
  }
  Error& Context(std::string_view where) & {
    message_ = std::string(where) + ": " + message_;
    return *this;
  }

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

// Status is Result<void>: success or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok()
  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    assert(!ok_);
    return error_;
  }
  Error&& error() && {
    assert(!ok_);
    return std::move(error_);
  }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

using Status = Result<void>;
inline Status Ok() { return {}; }

}  // namespace uid2

#define UID2_CONCAT_INNER_(a, b) a##b
#define UID2_CONCAT_(a, b) UID2_CONCAT_INNER_(a, b)

// UID2_RETURN_IF_ERROR(expr): returns expr's Error from the enclosing function.
#define UID2_RETURN_IF_ERROR(expr)                                  \
  do {                                                              \
    auto uid2_status_ = (expr);                                     \
    if (!uid2_status_.ok()) return std::move(uid2_status_).error(); \
  } while (0)

// UID2_ASSIGN_OR_RETURN(decl, expr): decl = value of expr, or return its Error.
#define UID2_ASSIGN_OR_RETURN(decl, expr) \
  UID2_ASSIGN_OR_RETURN_IMPL_(UID2_CONCAT_(uid2_result_, __LINE__), decl, expr)
#define UID2_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).error();      \
  decl = std::move(tmp).value()
