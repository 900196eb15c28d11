// fuzz_pf: the protected-file reader on arbitrary host files. The input is the host file (in a
// memfd), opened with the key of the seed corpus (tests/data/pf/wrap-key: 00 01 .. 0f) and no
// path binding, so mutated seeds get past the metadata MAC and reach the MHT and data nodes; what
// opens is read whole, written to and resized. The metadata parsers also see the raw bytes, so
// they are fuzzed past the MAC too. Must never crash, and never return bytes from a node whose
// MAC failed (the reader's contract; checked by the unit tests, here only memory safety).
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pf/metadata.h"
#include "pf/protected_file.h"

namespace {

void FuzzParsers(const uint8_t* data, size_t size) {
  using namespace uid2::pf;
  if (size >= PF_NODE_SIZE) {
    MetadataPlain plain;
    std::array<uint8_t, kMetadataEncryptedSize> encrypted;
    (void)ParseMetadataNode(uid2::ByteSpan(data, PF_NODE_SIZE), &plain, encrypted);
  }
  if (size >= kMetadataEncryptedSize) {
    MetadataDecrypted md;
    (void)ParseMetadataDecrypted(
        std::span<const uint8_t, kMetadataEncryptedSize>(data, kMetadataEncryptedSize), &md);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzParsers(data, size);
  int fd = memfd_create("fuzz_pf", 0);
  if (fd < 0) return 0;
  if (size > 0 && write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    return 0;
  }
  uid2::pf::Key key;
  for (size_t i = 0; i < key.size(); i++) key[i] = static_cast<uint8_t>(i);
  auto pf = uid2::pf::ProtectedFile::Open(fd, "", key, uid2::pf::Mode::kReadWrite, false);
  if (pf.ok()) {
    std::vector<uint8_t> buf(64 * 1024);
    for (uint64_t off = 0; off < (*pf)->size(); off += buf.size()) {
      if (!(*pf)->Read(off, buf).ok()) break;
    }
    static const uint8_t kPatch[] = "fuzz";
    (void)(*pf)->Write((*pf)->size() / 2, uid2::ByteSpan(kPatch, 4));
    (void)(*pf)->SetSize((*pf)->size() / 3);
    (void)(*pf)->Close();
  }
  close(fd);
  return 0;
}
