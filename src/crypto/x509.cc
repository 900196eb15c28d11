// x509.cc: certificates, CRLs and pinned-root chain verification (X509_STORE, OpenSSL 3).
#include "crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <string>

namespace uid2::crypto {
namespace {

using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using Asn1ObjectPtr = OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using X509StackPtr = OpenSslPtr<STACK_OF(X509), [](STACK_OF(X509) * s) { sk_X509_free(s); }>;

Error OpenSslFailure(std::string_view what) {
  return Error::Internal(std::string(what) + ": " + LastOpenSslError());
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

BioPtr MemBio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string NameToString(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!name || !bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  return BioToString(bio.get());
}

// AsnTimeToUnix converts an ASN1_TIME to seconds since the epoch (0 when absent/invalid).
time_t AsnTimeToUnix(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

size_t CountOccurrences(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string_view::npos;
       pos = text.find(needle, pos + needle.size())) {
    n++;
  }
  return n;
}

bool IsPemBlock(std::string_view text) { return text.find("-----BEGIN") != std::string_view::npos; }

}  // namespace

// --- Certificate -----------------------------------------------------------------------------

Result<Certificate> Certificate::FromDer(ByteSpan der) {
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return Error::Invalid("not a DER X.509 certificate: " + LastOpenSslError());
  if (p != der.data() + der.size()) return Error::Invalid("trailing bytes after certificate DER");
  return Certificate(std::move(x));
}

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  if (!IsPemBlock(pem)) return Error::Invalid("no PEM block (-----BEGIN CERTIFICATE-----)");
  BioPtr bio = MemBio(pem);
  X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!x) return Error::Invalid("not a PEM X.509 certificate: " + LastOpenSslError());
  return Certificate(std::move(x));
}

Result<std::vector<Certificate>> Certificate::ChainFromPem(std::string_view pem) {
  std::vector<Certificate> out;
  BioPtr bio = MemBio(pem);
  for (;;) {
    X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!x) break;
    out.push_back(Certificate(std::move(x)));
  }
  LastOpenSslError();  // the loop ends on "no start line" (or on a malformed block)
  if (out.empty()) return Error::Invalid("no PEM certificate in bundle");
  size_t blocks = CountOccurrences(pem, "-----BEGIN CERTIFICATE-----");
  if (blocks != out.size()) {
    return Error::Invalid("PEM bundle has " + std::to_string(blocks) +
                          " certificate blocks but only the first " + std::to_string(out.size()) +
                          " parse");
  }
  return out;
}

Bytes Certificate::Der() const {
  unsigned char* der = nullptr;
  int n = i2d_X509(x509_.get(), &der);
  if (n <= 0) return {};
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

std::string Certificate::Pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), x509_.get()) != 1) return {};
  return BioToString(bio.get());
}

std::string Certificate::SubjectName() const {
  return NameToString(X509_get_subject_name(x509_.get()));
}
std::string Certificate::IssuerName() const {
  return NameToString(X509_get_issuer_name(x509_.get()));
}

Bytes Certificate::SerialNumber() const {
  BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_.get()), nullptr));
  if (!bn) return {};
  Bytes out(static_cast<size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

time_t Certificate::NotBefore() const { return AsnTimeToUnix(X509_get0_notBefore(x509_.get())); }
time_t Certificate::NotAfter() const { return AsnTimeToUnix(X509_get0_notAfter(x509_.get())); }

Bytes Certificate::PublicKeySpkiDer() const {
  unsigned char* der = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x509_.get()), &der);
  if (n <= 0) return {};
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Result<Bytes> Certificate::FindExtension(std::string_view oid) const {
  Asn1ObjectPtr obj(OBJ_txt2obj(std::string(oid).c_str(), /*no_name=*/1));
  if (!obj) {
    LastOpenSslError();
    return Error::Invalid("'" + std::string(oid) + "' is not a dotted OID");
  }
  int index = X509_get_ext_by_OBJ(x509_.get(), obj.get(), -1);
  if (index < 0) {
    return Error::NotFound("certificate '" + SubjectName() + "' has no extension " +
                           std::string(oid));
  }
  if (X509_get_ext_by_OBJ(x509_.get(), obj.get(), index) >= 0) {
    return Error::Invalid("certificate '" + SubjectName() + "' repeats extension " +
                          std::string(oid));
  }
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(x509_.get(), index));
  const unsigned char* data = ASN1_STRING_get0_data(value);
  return Bytes(data, data + ASN1_STRING_length(value));
}

Certificate Certificate::Clone() const {
  X509_up_ref(x509_.get());
  return Certificate(X509Ptr(x509_.get()));
}

// --- Crl -------------------------------------------------------------------------------------

Result<Crl> Crl::FromDer(ByteSpan der) {
  const unsigned char* p = der.data();
  X509CrlPtr c(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!c) return Error::Invalid("not a DER X.509 CRL: " + LastOpenSslError());
  if (p != der.data() + der.size()) return Error::Invalid("trailing bytes after CRL DER");
  return Crl(std::move(c));
}

Result<Crl> Crl::FromPem(std::string_view pem) {
  if (!IsPemBlock(pem)) return Error::Invalid("no PEM block (-----BEGIN X509 CRL-----)");
  BioPtr bio = MemBio(pem);
  X509CrlPtr c(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  if (!c) return Error::Invalid("not a PEM X.509 CRL: " + LastOpenSslError());
  return Crl(std::move(c));
}

std::string Crl::IssuerName() const { return NameToString(X509_CRL_get_issuer(crl_.get())); }
time_t Crl::ThisUpdate() const { return AsnTimeToUnix(X509_CRL_get0_lastUpdate(crl_.get())); }
time_t Crl::NextUpdate() const { return AsnTimeToUnix(X509_CRL_get0_nextUpdate(crl_.get())); }

Crl Crl::Clone() const {
  X509_CRL_up_ref(crl_.get());
  return Crl(X509CrlPtr(crl_.get()));
}

// --- VerifyChain -----------------------------------------------------------------------------

namespace {

// VerifyCallback tolerates a missing CRL unless the caller required CRLs. Every other error
// stops verification (OpenSSL then reports it through the store context).
int VerifyCallback(int ok, X509_STORE_CTX* ctx) {
  if (ok) return 1;
  const auto* check = static_cast<const ChainCheck*>(X509_STORE_CTX_get_app_data(ctx));
  int err = X509_STORE_CTX_get_error(ctx);
  if (err == X509_V_ERR_UNABLE_TO_GET_CRL && check != nullptr && !check->require_crls) return 1;
  return 0;
}

std::string DescribeFailure(X509_STORE_CTX* ctx, const ChainCheck& check) {
  int err = X509_STORE_CTX_get_error(ctx);
  int depth = X509_STORE_CTX_get_error_depth(ctx);
  X509* cert = X509_STORE_CTX_get_current_cert(ctx);
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
  if (chain != nullptr && depth >= 0 && depth < sk_X509_num(chain)) {
    cert = sk_X509_value(chain, depth);
  }
  std::string subject = cert ? NameToString(X509_get_subject_name(cert)) : "?";
  std::string msg = "certificate '" + subject + "' (chain depth " + std::to_string(depth) +
                    "): " + X509_verify_cert_error_string(err) + " (X509_V_ERR " +
                    std::to_string(err) + ")";
  if (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
      err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT || err == X509_V_ERR_CERT_SIGNATURE_FAILURE) {
    msg += "; the chain does not lead to the pinned root '" + check.trusted_root->SubjectName() +
           "' (wrong root key, or an intermediate is missing)";
  }
  if (X509_CRL* crl = X509_STORE_CTX_get0_current_crl(ctx)) {
    msg += "; CRL issued by '" + NameToString(X509_CRL_get_issuer(crl)) + "'";
  }
  return msg;
}

}  // namespace

namespace {

// NewPinnedStore makes a store holding only the pinned root and the given CRLs.
Result<X509StorePtr> NewPinnedStore(const ChainCheck& check) {
  X509StorePtr store(X509_STORE_new());  // empty: never the system trust store
  if (!store || X509_STORE_add_cert(store.get(), check.trusted_root->get()) != 1) {
    return OpenSslFailure("X509_STORE_add_cert(pinned root)");
  }
  for (const Crl* crl : check.crls) {
    if (crl == nullptr) return Error::Invalid("chain check: null CRL");
    if (X509_STORE_add_crl(store.get(), crl->get()) != 1) {
      return OpenSslFailure("X509_STORE_add_crl('" + crl->IssuerName() + "')");
    }
  }
  return store;
}

// NewUntrustedStack borrows the intermediates (sk_X509_free does not free the elements).
Result<X509StackPtr> NewUntrustedStack(const ChainCheck& check) {
  X509StackPtr untrusted(sk_X509_new_null());
  if (!untrusted) return OpenSslFailure("sk_X509_new_null");
  for (const Certificate* c : check.intermediates) {
    if (c == nullptr) return Error::Invalid("chain check: null intermediate");
    if (sk_X509_push(untrusted.get(), c->get()) <= 0) return OpenSslFailure("sk_X509_push");
  }
  return untrusted;
}

void SetVerifyParams(X509_STORE_CTX* ctx, const ChainCheck& check) {
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  unsigned long flags = X509_V_FLAG_CHECK_SS_SIGNATURE;
  if (!check.crls.empty() || check.require_crls) {
    flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  }
  X509_VERIFY_PARAM_set_flags(param, flags);
  X509_VERIFY_PARAM_set_time(param, check.now);  // also sets X509_V_FLAG_USE_CHECK_TIME
  X509_STORE_CTX_set_app_data(ctx, const_cast<ChainCheck*>(&check));
  X509_STORE_CTX_set_verify_cb(ctx, VerifyCallback);
}

}  // namespace

Status VerifyChain(const ChainCheck& check) {
  if (check.leaf == nullptr || check.trusted_root == nullptr) {
    return Error::Invalid("chain check needs a leaf and a pinned root certificate");
  }
  if (check.now <= 0) return Error::Invalid("chain check needs a verification time (now)");
  UID2_ASSIGN_OR_RETURN(X509StorePtr store, NewPinnedStore(check));
  UID2_ASSIGN_OR_RETURN(X509StackPtr untrusted, NewUntrustedStack(check));
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx ||
      X509_STORE_CTX_init(ctx.get(), store.get(), check.leaf->get(), untrusted.get()) != 1) {
    return OpenSslFailure("X509_STORE_CTX_init");
  }
  SetVerifyParams(ctx.get(), check);
  if (X509_verify_cert(ctx.get()) != 1) {
    std::string why = DescribeFailure(ctx.get(), check);
    LastOpenSslError();
    return Error::VerifyFailed(why);
  }
  return Ok();
}

}  // namespace uid2::crypto
