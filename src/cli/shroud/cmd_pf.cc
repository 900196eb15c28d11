// shroud pf: Gramine protected files on the host, the equivalent of gramine-sgx-pf-crypt
// (tools/sgx/pf_crypt): gen-key, encrypt, decrypt. A wrap key file is 16 raw bytes. encrypt binds
// each file to its normalised output path (what the manifest's encrypted mount URI must name);
// decrypt checks no path unless --verify (the normalised input path) or --path is given.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/cli.h"
#include "common/file.h"
#include "common/json.h"
#include "common/progress.h"
#include "crypto/random.h"
#include "pf/convert.h"

namespace {

namespace fs = std::filesystem;
using uid2::Error;
using uid2::Result;
using uid2::Status;
namespace cli = uid2::cli;
namespace pf = uid2::pf;

struct Options {
  std::string wrap_key;
  std::string input;
  std::string output;
  std::string path;  // bound path override (single file only)
  bool verify = false;
  bool force = false;
};

// NormPath normalises like Gramine's get_norm_path: "." and empty components go, ".." removes
// the previous component (kept at the start of a relative path, dropped at "/").
std::string NormPath(const std::string& p) {
  std::vector<std::string> parts;
  const bool absolute = !p.empty() && p[0] == '/';
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string c = p.substr(i, j - i);
    i = j + 1;
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
        continue;
      }
      if (absolute) continue;
    }
    parts.push_back(c);
  }
  std::string out = absolute ? "/" : "";
  for (size_t k = 0; k < parts.size(); k++) out += (k ? "/" : "") + parts[k];
  return out;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<pf::Key> LoadKey(const std::string& path) {
  UID2_ASSIGN_OR_RETURN(uid2::Bytes b, uid2::ReadFileBytes(path));
  pf::Key key;
  if (b.size() != key.size()) {
    return Error::Invalid("wrap key must be 16 raw bytes, got " + std::to_string(b.size()) +
                          " (make one with: shroud pf gen-key -w " + path + ")")
        .Context(path);
  }
  std::copy(b.begin(), b.end(), key.begin());
  return key;
}

// TempBeside opens a new temporary file next to `target` (so the final rename is atomic and an
// in-place conversion, -i f -o f, reads its input before replacing it).
Result<std::pair<std::string, int>> TempBeside(const std::string& target) {
  std::string tmpl = target + ".shroud-XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return Error::Errno("creating a temporary file beside " + target, errno);
  return std::make_pair(tmpl, fd);
}

Status Finish(const std::string& tmp, int fd, const std::string& target) {
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) {
    return Error::Errno("finishing " + target, errno);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    return Error::Errno("renaming into " + target, errno);
  }
  return uid2::Ok();
}

struct FileResult {
  std::string input, output, bound;
  uint64_t size = 0;
};

Status EncryptFile(const std::string& in, const std::string& out, const std::string& bound,
                   const pf::Key& key, FileResult* result) {
  Fd input(::open(in.c_str(), O_RDONLY));
  if (input.get() < 0) return Error::Errno("opening " + in, errno);
  struct stat st;
  if (::fstat(input.get(), &st) != 0) return Error::Errno("stat " + in, errno);
  UID2_ASSIGN_OR_RETURN(auto tmp, TempBeside(out));
  Fd output(tmp.second);
  uid2::Progress progress("encrypting " + in, static_cast<uint64_t>(st.st_size),
                          uid2::Progress::Unit::kBytes, cli::CurrentGlobals().quiet);
  auto size = pf::EncryptFd(input.get(), output.get(), bound, key,
                            [&](uint64_t n) { progress.Advance(n); });
  Status done = size.ok() ? Finish(tmp.first, output.get(), out) : Status(size.error());
  if (!done.ok()) {
    ::unlink(tmp.first.c_str());
    return std::move(done).error().Context(in);
  }
  progress.Finish();
  *result = {in, out, bound, *size};
  return uid2::Ok();
}

Status DecryptFile(const std::string& in, const std::string& out, const std::string& bound,
                   const pf::Key& key, FileResult* result) {
  Fd input(::open(in.c_str(), O_RDONLY));
  if (input.get() < 0) return Error::Errno("opening " + in, errno);
  UID2_ASSIGN_OR_RETURN(auto tmp, TempBeside(out));
  Fd output(tmp.second);
  std::unique_ptr<uid2::Progress> progress;
  auto decrypted = pf::DecryptFd(
      input.get(), output.get(), bound, key,
      [&](uint64_t size) {
        progress = std::make_unique<uid2::Progress>(
            "decrypting " + in, size, uid2::Progress::Unit::kBytes, cli::CurrentGlobals().quiet);
      },
      [&](uint64_t n) { progress->Advance(n); });
  Status done = decrypted.ok() ? Finish(tmp.first, output.get(), out) : Status(decrypted.error());
  if (!done.ok()) {
    ::unlink(tmp.first.c_str());
    return std::move(done).error().Context(in);
  }
  if (progress) progress->Finish();
  *result = {in, out, decrypted->bound_path, decrypted->size};
  return uid2::Ok();
}

// Walk converts `in` (a file, or a directory recursively, as pf_crypt's process_files) into
// `out`, one FileResult per regular file.
Status Walk(bool encrypt, const Options& o, const pf::Key& key, std::vector<FileResult>* results) {
  std::error_code ec;
  auto convert = [&](const std::string& in, const std::string& out) -> Status {
    std::string bound;
    if (!o.path.empty()) {
      bound = o.path;
    } else if (encrypt) {
      bound = NormPath(out);
    } else if (o.verify) {
      bound = NormPath(in);
    }
    FileResult r;
    UID2_RETURN_IF_ERROR(encrypt ? EncryptFile(in, out, bound, key, &r)
                                 : DecryptFile(in, out, bound, key, &r));
    results->push_back(std::move(r));
    return uid2::Ok();
  };
  if (!fs::is_directory(o.input, ec)) {
    if (!fs::exists(o.input, ec)) return Error::NotFound(o.input + ": no such file");
    return convert(o.input, o.output);
  }
  if (!o.path.empty()) return Error::Invalid("--path binds one file; the input is a directory");
  fs::create_directories(o.output, ec);
  if (ec) return Error::Io("creating " + o.output + ": " + ec.message());
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(o.input, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return Error::Io("listing " + o.input + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    const std::string rel = fs::relative(f, o.input).string();
    const std::string out = o.output + "/" + rel;
    fs::create_directories(fs::path(out).parent_path(), ec);
    if (ec) return Error::Io("creating the directory of " + out + ": " + ec.message());
    UID2_RETURN_IF_ERROR(convert(f.string(), out));
  }
  return uid2::Ok();
}

int Print(const char* mode, const std::vector<FileResult>& results) {
  if (cli::CurrentGlobals().json) {
    std::string json = std::string("{\"ok\":true,\"mode\":\"") + mode + "\",\"files\":[";
    for (size_t i = 0; i < results.size(); i++) {
      const FileResult& r = results[i];
      json += (i ? "," : "") + std::string("{\"input\":") + uid2::JsonQuote(r.input) +
              ",\"output\":" + uid2::JsonQuote(r.output) +
              ",\"bound_path\":" + uid2::JsonQuote(r.bound) +
              ",\"size\":" + std::to_string(r.size) + "}";
    }
    cli::PrintJson(json + "]}");
  } else if (!cli::CurrentGlobals().quiet) {
    for (const FileResult& r : results) {
      std::printf("%s %s -> %s (%llu bytes; bound path \"%s\")\n", mode, r.input.c_str(),
                  r.output.c_str(), static_cast<unsigned long long>(r.size), r.bound.c_str());
    }
  }
  return cli::kExitOk;
}

int RunConvert(bool encrypt, const Options& o) {
  if (!encrypt && o.verify && !o.path.empty()) {
    return cli::ReportError(Error::Invalid("--verify and --path both name the path to check"));
  }
  auto key = LoadKey(o.wrap_key);
  if (!key.ok()) return cli::ReportError(key.error());
  std::vector<FileResult> results;
  Status st = Walk(encrypt, o, *key, &results);
  if (!st.ok()) return cli::ReportError(st.error());
  return Print(encrypt ? "encrypted" : "decrypted", results);
}

int RunGenKey(const Options& o) {
  struct stat st;
  if (!o.force && ::lstat(o.wrap_key.c_str(), &st) == 0) {
    return cli::ReportError(
        Error::Invalid(o.wrap_key + " already exists; refusing to overwrite a key (--force)"));
  }
  pf::Key key;
  uid2::crypto::RandomFill(key);
  Status w = uid2::WriteFileAtomic(o.wrap_key, uid2::ByteSpan(key.data(), key.size()), 0600);
  if (!w.ok()) return cli::ReportError(w.error());
  if (cli::CurrentGlobals().json) {
    cli::PrintJson("{\"ok\":true,\"wrap_key\":" + uid2::JsonQuote(o.wrap_key) + "}");
  } else if (!cli::CurrentGlobals().quiet) {
    std::printf("wrote %s (16 random bytes, mode 0600)\n", o.wrap_key.c_str());
  }
  return cli::kExitOk;
}

void AddConvert(CLI::App& app, bool encrypt) {
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand(
      encrypt ? "encrypt" : "decrypt",
      encrypt ? "Encrypt plaintext files into protected files (a file or a directory)"
              : "Decrypt protected files into plaintext (a file or a directory)");
  c->add_option("-w,--wrap-key", o->wrap_key, "Wrap key file (16 raw bytes)")->required();
  c->add_option("-i,--input", o->input, "Input file or directory")->required();
  c->add_option("-o,--output", o->output, "Output file or directory")->required();
  if (encrypt) {
    c->add_option("--path", o->path,
                  "Path to bind into the file (default: the normalised output path, as "
                  "gramine-sgx-pf-crypt; the encrypted mount must open it by this path)");
    cli::AddExamples(
        c,
        "  shroud pf encrypt -w wrap-key -i secret.db -o enc/secret.db\n"
        "  shroud pf encrypt -w wrap-key -i plain-dir -o enc-dir --json\n"
        "  shroud pf encrypt -w wrap-key -i model.bin -o out.pf --path /data/model.bin");
  } else {
    c->add_option("--path", o->path, "Refuse the file unless it is bound to this path");
    c->add_flag("-V,--verify", o->verify,
                "Refuse the file unless it is bound to its normalised input path");
    cli::AddExamples(
        c,
        "  shroud pf decrypt -w wrap-key -i enc/secret.db -o secret.db\n"
        "  shroud pf decrypt -w wrap-key -i enc/secret.db -o secret.db --verify\n"
        "  shroud pf decrypt -w wrap-key -i out.pf -o model.bin --path /data/model.bin");
  }
  cli::OnRun(c, [o, encrypt] { return RunConvert(encrypt, *o); });
}

void Setup(CLI::App& app, const cli::Globals&) {
  app.require_subcommand(1);
  auto g = std::make_shared<Options>();
  CLI::App* gen = app.add_subcommand("gen-key", "Write a new random 16-byte wrap key");
  gen->add_option("-w,--wrap-key", g->wrap_key, "Where to write the key")->required();
  gen->add_flag("--force", g->force, "Overwrite an existing file");
  cli::AddExamples(gen, "  shroud pf gen-key -w wrap-key\n  shroud pf gen-key -w keys/k --json");
  cli::OnRun(gen, [g] { return RunGenKey(*g); });
  AddConvert(app, true);
  AddConvert(app, false);
}

const cli::Registration kRegistration(
    {"pf",
     "Gramine protected (encrypted) files: gen-key, encrypt, decrypt, like gramine-sgx-pf-crypt",
     "  shroud pf gen-key -w wrap-key\n"
     "  shroud pf encrypt -w wrap-key -i secret.db -o enc/secret.db\n"
     "  shroud pf decrypt -w wrap-key -i enc/secret.db -o secret.db --verify\n"
     "The key goes into the manifest as fs.insecure__keys.NAME (hex) or is provisioned at run\n"
     "time; mount the directory with type = \"encrypted\" and uri = \"file:enc\".",
     Setup});

}  // namespace
