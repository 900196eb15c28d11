// Certificate and CRL issuance for the simulated PKI (OpenSSL 3, RAII per handle).
#include "attest/sim_x509.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest/pck_extension.h"
#include "attest/sim.h"
#include "crypto/openssl_ptr.h"
#include "crypto/random.h"

namespace uid2::attest::sim {

namespace {

using crypto::OpenSslPtr;
using X509NamePtr = OpenSslPtr<X509_NAME, X509_NAME_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using Asn1ObjectPtr = OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using Asn1OctetStringPtr = OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using Asn1TimePtr = OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;
using Asn1IntegerPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using X509RevokedPtr = OpenSslPtr<X509_REVOKED, X509_REVOKED_free>;

Error OpenSslError(std::string_view what) {
  return Error::Internal(std::string(what) + ": " + crypto::LastOpenSslError());
}

Result<X509NamePtr> MakeName(const std::string& cn) {
  X509NamePtr name(X509_NAME_new());
  auto add = [&](const char* field, std::string_view value) {
    return X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if (!name || !add("CN", cn) || !add("O", kSimOrganization) || !add("C", "US")) {
    return OpenSslError("X509_NAME");
  }
  return name;
}

Asn1IntegerPtr SerialFrom(ByteSpan be) {
  crypto::BignumPtr bn(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
  return Asn1IntegerPtr(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
}

Status AddExt(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return OpenSslError("X509 extension");
  return Ok();
}

Status AddSgxExtension(X509* cert, const Bytes& der) {
  Asn1ObjectPtr oid(OBJ_txt2obj(std::string(kSgxExtensionOid).c_str(), 1));
  Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  if (!oid || !value ||
      ASN1_OCTET_STRING_set(value.get(), der.data(), static_cast<int>(der.size())) != 1) {
    return OpenSslError("SGX extension");
  }
  X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, value.get()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return OpenSslError("SGX extension");
  return Ok();
}

Status AddExtensions(X509* cert, X509* issuer, const CertSpec& spec) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::string bc = spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  if (spec.ca && spec.path_length >= 0) bc += ",pathlen:" + std::to_string(spec.path_length);
  UID2_RETURN_IF_ERROR(AddExt(cert, &ctx, NID_basic_constraints, bc.c_str()));
  UID2_RETURN_IF_ERROR(AddExt(
      cert, &ctx, NID_key_usage,
      spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation"));
  UID2_RETURN_IF_ERROR(AddExt(cert, &ctx, NID_subject_key_identifier, "hash"));
  UID2_RETURN_IF_ERROR(AddExt(cert, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!spec.sgx_extension.empty()) UID2_RETURN_IF_ERROR(AddSgxExtension(cert, spec.sgx_extension));
  if (!spec.subject_alt_name.empty()) {
    UID2_RETURN_IF_ERROR(AddExt(cert, &ctx, NID_subject_alt_name, spec.subject_alt_name.c_str()));
  }
  return Ok();
}

Result<crypto::Certificate> ToCertificate(X509* cert) {
  int n = i2d_X509(cert, nullptr);
  if (n <= 0) return OpenSslError("i2d_X509");
  Bytes der(static_cast<size_t>(n));
  unsigned char* p = der.data();
  i2d_X509(cert, &p);
  return crypto::Certificate::FromDer(der);
}

}  // namespace

Result<crypto::Certificate> IssueCertificate(const CertSpec& spec,
                                             const crypto::EcKeyP256& subject_key,
                                             const crypto::Certificate* issuer,
                                             const crypto::EcKeyP256& issuer_key) {
  crypto::X509Ptr cert(X509_new());
  UID2_ASSIGN_OR_RETURN(X509NamePtr name, MakeName(spec.common_name));
  Bytes serial = crypto::RandomBytes(16);
  serial[0] = (serial[0] & 0x7F) | 0x10;  // positive, 16 significant bytes
  Asn1IntegerPtr sn = SerialFrom(serial);
  if (!cert || !sn || X509_set_version(cert.get(), 2) != 1 ||
      X509_set_serialNumber(cert.get(), sn.get()) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(),
                           issuer ? X509_get_subject_name(issuer->get()) : name.get()) != 1 ||
      !ASN1_TIME_set(X509_getm_notBefore(cert.get()), spec.not_before) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert.get()), spec.not_after) ||
      X509_set_pubkey(cert.get(), subject_key.get()) != 1) {
    return OpenSslError("building certificate '" + spec.common_name + "'");
  }
  UID2_RETURN_IF_ERROR(AddExtensions(cert.get(), issuer ? issuer->get() : cert.get(), spec));
  if (X509_sign(cert.get(), issuer_key.get(), EVP_sha256()) <= 0) {
    return OpenSslError("signing certificate '" + spec.common_name + "'");
  }
  return ToCertificate(cert.get());
}

Result<crypto::Crl> IssueCrl(const crypto::Certificate& issuer, const crypto::EcKeyP256& key,
                             time_t this_update, time_t next_update,
                             const std::vector<Bytes>& revoked_serials) {
  crypto::X509CrlPtr crl(X509_CRL_new());
  Asn1TimePtr last(ASN1_TIME_set(nullptr, this_update));
  Asn1TimePtr next(ASN1_TIME_set(nullptr, next_update));
  if (!crl || !last || !next || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return OpenSslError("building CRL");
  }
  for (const Bytes& serial : revoked_serials) {
    X509RevokedPtr rev(X509_REVOKED_new());
    Asn1IntegerPtr sn = SerialFrom(serial);
    if (!rev || !sn || X509_REVOKED_set_serialNumber(rev.get(), sn.get()) != 1 ||
        X509_REVOKED_set_revocationDate(rev.get(), last.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), rev.get()) != 1) {
      return OpenSslError("adding a revoked serial");
    }
    rev.release();  // owned by the CRL now
  }
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), key.get(), EVP_sha256()) <= 0) return OpenSslError("signing CRL");
  int n = i2d_X509_CRL(crl.get(), nullptr);
  if (n <= 0) return OpenSslError("i2d_X509_CRL");
  Bytes der(static_cast<size_t>(n));
  unsigned char* p = der.data();
  i2d_X509_CRL(crl.get(), &p);
  return crypto::Crl::FromDer(der);
}

Bytes CrlDer(const crypto::Crl& crl) {
  int n = i2d_X509_CRL(crl.get(), nullptr);
  if (n <= 0) return {};
  Bytes der(static_cast<size_t>(n));
  unsigned char* p = der.data();
  i2d_X509_CRL(crl.get(), &p);
  return der;
}

}  // namespace uid2::attest::sim
