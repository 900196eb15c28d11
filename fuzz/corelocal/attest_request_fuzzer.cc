// Fuzzes what an unauthenticated-until-checked client controls on POST /attest and on the
// pre-signed routes: the attest body parser, the query parser and the pre-signed URL check.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "corelocal/attest_request.h"
#include "corelocal/http.h"
#include "corelocal/presign.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)uid2::corelocal::ParseAttestRequest(text);
  static const uid2::corelocal::Presigner* presigner =
      new uid2::corelocal::Presigner("http://127.0.0.1:8088", uid2::Bytes(32, 7));
  uid2::corelocal::HttpRequest r;
  r.target = std::string(text);
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  (void)uid2::corelocal::ParseQuery(r.query);
  (void)presigner->Verify(r, 1700000000);
  return 0;
}
