// tar_builder.h: build small tar archives in memory for tests (libarchive, pax format).
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <string>
#include <vector>

#include "common/bytes.h"

namespace uid2::oci::testing {

class TarBuilder {
 public:
  TarBuilder& File(const std::string& name, const std::string& data, int mode = 0644) {
    entries_.push_back({name, AE_IFREG, data, "", false, mode});
    return *this;
  }
  TarBuilder& Dir(const std::string& name) {
    entries_.push_back({name, AE_IFDIR, "", "", false, 0755});
    return *this;
  }
  TarBuilder& Symlink(const std::string& name, const std::string& target) {
    entries_.push_back({name, AE_IFLNK, "", target, false, 0777});
    return *this;
  }
  TarBuilder& Hardlink(const std::string& name, const std::string& target) {
    entries_.push_back({name, AE_IFREG, "", target, true, 0644});
    return *this;
  }
  TarBuilder& Device(const std::string& name) {
    entries_.push_back({name, AE_IFCHR, "", "", false, 0600});
    return *this;
  }

  Bytes Build() const {
    Bytes out(1 << 22);
    size_t used = 0;
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, out.data(), out.size(), &used);
    for (const auto& e : entries_) {
      archive_entry* ae = archive_entry_new();
      archive_entry_set_pathname(ae, e.name.c_str());
      archive_entry_set_filetype(ae, e.type);
      archive_entry_set_perm(ae, e.mode);
      archive_entry_set_size(ae, int64_t(e.data.size()));
      if (e.hard) {
        archive_entry_set_hardlink(ae, e.link.c_str());
        archive_entry_set_size(ae, 0);
      } else if (e.type == AE_IFLNK) {
        archive_entry_set_symlink(ae, e.link.c_str());
      }
      archive_write_header(a, ae);
      if (!e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
      archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    out.resize(used);
    return out;
  }

 private:
  struct Entry {
    std::string name;
    unsigned type;
    std::string data, link;
    bool hard;
    int mode;
  };
  std::vector<Entry> entries_;
};

}  // namespace uid2::oci::testing
