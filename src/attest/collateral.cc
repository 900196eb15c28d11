// The collateral bundle JSON (spec §4) and the raw-substring cut of PCS's signed documents.
#include "attest/collateral.h"

#include <rapidjson/document.h>

#include "attest/json_fields.h"
#include "common/encoding.h"
#include "common/json.h"

namespace uid2::attest {

namespace {

// ReadBytes accepts a hex string or an array of integers 0..255.
Result<Bytes> ReadBytes(const rapidjson::Value& doc, std::string_view key) {
  UID2_ASSIGN_OR_RETURN(const rapidjson::Value* v, json::Member(doc, key));
  if (v->IsString()) {
    std::optional<Bytes> b = HexDecode(std::string_view(v->GetString(), v->GetStringLength()));
    if (!b) return Error::Invalid("key '" + std::string(key) + "' is not valid hex");
    return *b;
  }
  if (!v->IsArray()) {
    return Error::Invalid("key '" + std::string(key) + "' must be a hex string or a byte array");
  }
  Bytes out;
  out.reserve(v->Size());
  for (const auto& e : v->GetArray()) {
    if (!e.IsUint() || e.GetUint() > 255) {
      return Error::Invalid("key '" + std::string(key) + "' holds a value that is not a byte");
    }
    out.push_back(static_cast<uint8_t>(e.GetUint()));
  }
  return out;
}

Result<CollateralBundle> Read(const rapidjson::Value& doc) {
  if (!doc.IsObject()) return Error::Invalid("expected a JSON object");
  CollateralBundle b;
  UID2_ASSIGN_OR_RETURN(b.pck_crl_issuer_chain, json::String(doc, "pck_crl_issuer_chain"));
  UID2_ASSIGN_OR_RETURN(b.root_ca_crl, ReadBytes(doc, "root_ca_crl"));
  UID2_ASSIGN_OR_RETURN(b.pck_crl, ReadBytes(doc, "pck_crl"));
  UID2_ASSIGN_OR_RETURN(b.tcb_info_issuer_chain, json::String(doc, "tcb_info_issuer_chain"));
  UID2_ASSIGN_OR_RETURN(b.tcb_info, json::String(doc, "tcb_info"));
  UID2_ASSIGN_OR_RETURN(b.tcb_info_signature, ReadBytes(doc, "tcb_info_signature"));
  UID2_ASSIGN_OR_RETURN(b.qe_identity_issuer_chain, json::String(doc, "qe_identity_issuer_chain"));
  UID2_ASSIGN_OR_RETURN(b.qe_identity, json::String(doc, "qe_identity"));
  UID2_ASSIGN_OR_RETURN(b.qe_identity_signature, ReadBytes(doc, "qe_identity_signature"));
  if (doc.HasMember("pck_certificate_chain")) {
    UID2_ASSIGN_OR_RETURN(b.pck_certificate_chain, json::String(doc, "pck_certificate_chain"));
  }
  return b;
}

// Scanner walks JSON text far enough to find where a top-level value starts and ends. The
// text has already been validated by RapidJSON.
class Scanner {
 public:
  explicit Scanner(std::string_view t) : t_(t) {}
  void SkipSpace() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t'))
      i_++;
  }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < t_.size() && t_[i_] == c) return ++i_, true;
    return false;
  }
  // String returns the raw (still escaped) contents of a string at the cursor.
  std::string_view String() {
    size_t start = ++i_;
    while (i_ < t_.size() && t_[i_] != '"') i_ += (t_[i_] == '\\') ? 2 : 1;
    return t_.substr(start, std::min(i_++, t_.size()) - start);
  }
  void SkipValue() {
    SkipSpace();
    int depth = 0;
    while (i_ < t_.size()) {
      char c = t_[i_];
      if (c == '"') {
        String();
      } else {
        if (c == '{' || c == '[') depth++;
        if (c == '}' || c == ']') depth--;
        if (depth < 0 || (depth == 0 && c == ',')) return;
        i_++;
      }
      if (depth == 0 && (c == '"' || c == '}' || c == ']')) return;
    }
  }
  size_t pos() const { return i_; }

 private:
  std::string_view t_;
  size_t i_ = 0;
};

}  // namespace

Result<CollateralBundle> ParseCollateralJson(std::string_view text) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(text));
  Result<CollateralBundle> b = Read(doc);
  if (!b.ok()) return std::move(b).error().Context("collateral bundle");
  return b;
}

std::string CollateralToJson(const CollateralBundle& b) {
  std::string out = "{";
  auto field = [&](std::string_view key, const std::string& value) {
    if (out.size() > 1) out += ",\n ";
    out += JsonQuote(key) + ":" + value;
  };
  field("pck_crl_issuer_chain", JsonQuote(b.pck_crl_issuer_chain));
  field("root_ca_crl", JsonQuote(HexEncode(b.root_ca_crl)));
  field("pck_crl", JsonQuote(HexEncode(b.pck_crl)));
  field("tcb_info_issuer_chain", JsonQuote(b.tcb_info_issuer_chain));
  field("tcb_info", JsonQuote(b.tcb_info));
  field("tcb_info_signature", JsonQuote(HexEncode(b.tcb_info_signature)));
  field("qe_identity_issuer_chain", JsonQuote(b.qe_identity_issuer_chain));
  field("qe_identity", JsonQuote(b.qe_identity));
  field("qe_identity_signature", JsonQuote(HexEncode(b.qe_identity_signature)));
  if (!b.pck_certificate_chain.empty()) {
    field("pck_certificate_chain", JsonQuote(b.pck_certificate_chain));
  }
  return out + "}\n";
}

Result<SignedJson> ExtractSignedJson(std::string_view text, std::string_view key) {
  UID2_ASSIGN_OR_RETURN(rapidjson::Document doc, ParseJson(text));
  if (!doc.IsObject()) return Error::Invalid("expected a JSON object");
  UID2_ASSIGN_OR_RETURN(std::string sig_hex, json::String(doc, "signature"));
  std::optional<Bytes> sig = HexDecode(sig_hex);
  if (!sig) return Error::Invalid("key 'signature' is not valid hex");
  // Walk the top-level members to cut the value out of the original text.
  Scanner w(text);
  w.Eat('{');
  while (true) {
    w.SkipSpace();
    if (w.pos() >= text.size() || text[w.pos()] != '"') break;
    std::string_view member = w.String();
    if (!w.Eat(':')) break;
    w.SkipSpace();
    size_t start = w.pos();
    w.SkipValue();
    if (member == key) {
      return SignedJson{std::string(text.substr(start, w.pos() - start)), std::move(*sig)};
    }
    if (!w.Eat(',')) break;
  }
  return Error::Invalid("key '" + std::string(key) + "' not found");
}

}  // namespace uid2::attest
