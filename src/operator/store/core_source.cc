#include "operator/store/core_source.h"

#include "common/file.h"

namespace uid2::store {

Result<std::string> LocalCoreSource::Resolve(std::string_view path) const {
  std::string_view rest = path;
  if (rest.starts_with(kClasspathPrefix)) {
    rest.remove_prefix(kClasspathPrefix.size());
  } else if (rest.starts_with('/')) {
    return Error::Invalid("path \"" + std::string(path) + "\" is outside the dataset (only " +
                          std::string(kClasspathPrefix) + "... or relative paths are served by " +
                          Describe() + ")");
  }
  if (rest.empty()) return Error::Invalid("empty data path");
  // Refuse any ".." component.
  size_t start = 0;
  while (start <= rest.size()) {
    size_t slash = rest.find('/', start);
    std::string_view part = rest.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      return Error::Invalid("path \"" + std::string(path) + "\" contains \"..\"");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string full = root_;
  if (!full.empty() && full.back() != '/') full += '/';
  full += rest;
  return full;
}

Result<std::string> LocalCoreSource::FetchMetadata(std::string_view metadata_path) {
  UID2_ASSIGN_OR_RETURN(std::string file, Resolve(metadata_path));
  return ReadFile(file);
}

Result<std::string> LocalCoreSource::FetchLocation(std::string_view location) {
  UID2_ASSIGN_OR_RETURN(std::string file, Resolve(location));
  return ReadFile(file);
}

}  // namespace uid2::store
