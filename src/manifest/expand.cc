// expand.cc: ExpandAndHash (the signer's steps 2-3) and PrepareManifestSgx.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>

#include "common/file.h"
#include "manifest/manifest.h"
#include "manifest/trusted_files.h"

namespace uid2::manifest {
namespace {

struct Entry {
  std::string uri;
  std::optional<std::string> sha256;
  std::string realpath;
};

std::string UriPath(std::string_view uri) { return std::string(uri.substr(5)); }

bool IsDir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::vector<std::string>> ListDir(const std::string& dir, const std::string& label) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return Error::Errno(label + ": " + dir, errno);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

class Expander {
 public:
  Expander(const ExpandOptions& o) : opt_(o) {}

  // Expand appends the regular files `e` stands for (itself, or the files below a "dir/").
  Status Expand(Entry e, const std::string& label, std::vector<Entry>* out) {
    bool dir_uri = !e.uri.empty() && e.uri.back() == '/';
    if (!dir_uri) {
      if (IsDir(e.realpath)) {
        return Error::Invalid(label + " '" + e.uri + "' is a directory; write '" + e.uri +
                              "/' (trailing slash) to trust every file below it");
      }
      out->push_back(std::move(e));
      return Ok();
    }
    if (!IsDir(e.realpath)) {
      return Error::Invalid(label + " '" + e.uri + "' ends with '/' but " + e.realpath +
                            " is not a directory");
    }
    if (e.sha256) return Error::Invalid(label + " '" + e.uri + "' is a directory with a sha256");
    UID2_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(e.realpath, label));
    std::string parent = ChildBase(e);
    for (const std::string& name : names) {
      std::string real = e.realpath + "/" + name;
      struct stat st, lst;
      if (::stat(real.c_str(), &st) != 0) continue;
      if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) continue;
      if (::access(real.c_str(), R_OK) != 0) continue;
      bool dir = S_ISDIR(st.st_mode);
      if (dir && ::lstat(real.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) continue;
      std::string child_uri = "file:" + (parent.empty() ? name : JoinChild(parent, name));
      if (dir) child_uri += "/";
      UID2_ASSIGN_OR_RETURN(std::string child_real, ResolveUri(child_uri, opt_));
      UID2_RETURN_IF_ERROR(Expand({child_uri, std::nullopt, child_real}, label, out));
    }
    return Ok();
  }

 private:
  static std::string JoinChild(const std::string& parent, const std::string& name) {
    return parent == "/" ? "/" + name : parent + "/" + name;
  }
  // The path children's URIs start with: the normalised URI path, or, in a chroot, the path
  // with symlinks resolved (as Gramine's from_realpath does).
  std::string ChildBase(const Entry& e) {
    std::string p = UriPath(e.uri);
    if (!opt_.chroot.empty()) {
      Result<std::string> r = ResolveInChroot(NormalizePosixPath(p), opt_.chroot);
      if (r.ok()) return *r;
    }
    return NormalizePosixPath(p);
  }
  const ExpandOptions& opt_;
};

Result<Entry> EntryFrom(const Value& v, const std::string& label, const ExpandOptions& opt) {
  Entry e;
  for (const auto& [k, item] : v.table()) {
    if (k != "uri" && k != "sha256") {
      return Error::Invalid(label + ": unknown key '" + k + "' (a trusted file has uri, sha256)");
    }
    if (!item.is_string()) return Error::Invalid(label + "." + k + ": expected a string");
  }
  e.uri = v.Find("uri")->str();
  if (const Value* s = v.Find("sha256")) e.sha256 = s->str();
  Result<std::string> real = ResolveUri(e.uri, opt);
  if (!real.ok()) return std::move(real).error().Context(label);
  e.realpath = *real;
  return e;
}

Status Dedup(std::vector<Entry> expanded, std::vector<Entry>* out,
             std::map<std::string, size_t>* index) {
  for (Entry& e : expanded) {
    auto it = index->find(e.uri);
    if (it == index->end()) {
      index->emplace(e.uri, out->size());
      out->push_back(std::move(e));
      continue;
    }
    Entry& old = (*out)[it->second];
    if (old.sha256) {
      if (e.sha256 && *e.sha256 != *old.sha256) {
        return Error::Invalid("sgx.trusted_files: two different sha256 values (" + *old.sha256 +
                              " and " + *e.sha256 + ") for the same URI '" + e.uri + "'");
      }
      continue;
    }
    old = std::move(e);
  }
  return Ok();
}

Result<std::vector<Entry>> ExpandAll(const Value& tf, const ExpandOptions& opt) {
  std::vector<Entry> out;
  std::map<std::string, size_t> index;
  Expander expander(opt);
  for (size_t i = 0; i < tf.array().size(); i++) {
    std::string label = "sgx.trusted_files[" + std::to_string(i) + "]";
    UID2_ASSIGN_OR_RETURN(Entry e, EntryFrom(tf.array()[i], label, opt));
    std::vector<Entry> expanded;
    UID2_RETURN_IF_ERROR(expander.Expand(std::move(e), label, &expanded));
    UID2_RETURN_IF_ERROR(Dedup(std::move(expanded), &out, &index));
  }
  return out;
}

}  // namespace

Result<std::string> ResolveUri(std::string_view uri, const ExpandOptions& opt) {
  if (uri.substr(0, 5) != "file:") {
    return Error::Invalid("URI '" + std::string(uri) + "' is not a file: URI");
  }
  std::string path = UriPath(uri);
  if (!opt.chroot.empty()) {
    if (path.empty() || path[0] != '/') {
      return Error::Invalid("URI '" + std::string(uri) +
                            "' must be absolute when measuring inside a root directory");
    }
    UID2_ASSIGN_OR_RETURN(std::string inner, ResolveInChroot(path, opt.chroot));
    return opt.chroot + (inner == "/" ? "" : inner);
  }
  if (!path.empty() && path[0] == '/') return path;
  return opt.base_dir.empty() || opt.base_dir == "." ? (path.empty() ? "." : path)
                                                     : opt.base_dir + "/" + path;
}

Status ExpandAndHash(Manifest* m, const ExpandOptions& opt) {
  Value* sgx = m->root.Find("sgx");
  Value* tf = sgx ? sgx->Find("trusted_files") : nullptr;
  if (!tf || !tf->is_array())
    return Error::Invalid("sgx.trusted_files missing (apply defaults first)");
  UID2_ASSIGN_OR_RETURN(std::vector<Entry> entries, ExpandAll(*tf, opt));
  std::vector<FileToHash> files;
  std::vector<size_t> which;
  for (size_t i = 0; i < entries.size(); i++) {
    if (entries[i].sha256) continue;
    files.push_back({entries[i].realpath, "sgx.trusted_files '" + entries[i].uri + "'"});
    which.push_back(i);
  }
  Value* entry = nullptr;
  if (Value* loader = m->root.Find("loader")) {
    Value* ep = loader->is_table() ? loader->Find("entrypoint") : nullptr;
    if (ep && ep->is_table() && ep->Find("uri") && ep->Find("uri")->is_string() &&
        !ep->Find("sha256")) {
      entry = ep;
      UID2_ASSIGN_OR_RETURN(std::string real, ResolveUri(ep->Find("uri")->str(), opt));
      files.push_back({real, "loader.entrypoint.uri '" + ep->Find("uri")->str() + "'"});
    }
  }
  UID2_ASSIGN_OR_RETURN(std::vector<std::string> hashes,
                        HashFilesParallel(files, opt.threads, opt.quiet));
  for (size_t k = 0; k < which.size(); k++) entries[which[k]].sha256 = hashes[k];
  if (entry) entry->Set("sha256", Value::String(hashes.back()));
  Value::Array out;
  for (Entry& e : entries) {
    out.push_back(
        Value::MakeTable({{"uri", Value::String(e.uri)}, {"sha256", Value::String(*e.sha256)}}));
  }
  tf->array() = std::move(out);
  return Ok();
}

Result<std::string> PrepareManifestSgx(const std::string& manifest_path, const ExpandOptions& opt) {
  UID2_ASSIGN_OR_RETURN(Manifest m, LoadManifest(manifest_path));
  UID2_RETURN_IF_ERROR(ApplyGramineDefaults(&m));
  UID2_RETURN_IF_ERROR(ExpandAndHash(&m, opt));
  return WriteManifestSgx(m);
}

}  // namespace uid2::manifest

namespace uid2::manifest {

Result<MeasuredManifest> FromManifestSgxText(std::string text, std::string origin) {
  UID2_ASSIGN_OR_RETURN(Manifest m, ParseManifest(text, origin));
  Result<sgx::EnclaveParams> p = EnclaveParamsFrom(m);
  if (!p.ok()) return std::move(p).error().Context(origin);
  return MeasuredManifest{std::move(text), *p};
}

Result<MeasuredManifest> FromManifestSgxFile(const std::string& path) {
  UID2_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return FromManifestSgxText(std::move(text), path);
}

Result<MeasuredManifest> FromManifestFile(const std::string& path, const ExpandOptions& options) {
  Result<std::string> text = PrepareManifestSgx(path, options);
  if (!text.ok()) {
    Error e = std::move(text).error();
    // Parse errors already start with the path.
    if (e.message().rfind(path, 0) == 0) return e;
    return std::move(e).Context(path);
  }
  return FromManifestSgxText(std::move(text).value(), path + " (as .manifest.sgx)");
}

}  // namespace uid2::manifest
