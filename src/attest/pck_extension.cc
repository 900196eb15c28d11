// The SGX extension's DER, as Intel's PCK certificates carry it:
//
//   SEQUENCE {
//     SEQUENCE { OID 1.2.840.113741.1.13.1.1, OCTET STRING (16) }          PPID
//     SEQUENCE { OID ...13.1.2, SEQUENCE {
//         SEQUENCE { OID ...13.1.2.1,  INTEGER }  ... .2.16                 component SVNs
//         SEQUENCE { OID ...13.1.2.17, INTEGER }                            PCESVN
//         SEQUENCE { OID ...13.1.2.18, OCTET STRING (16) } } }              CPUSVN
//     SEQUENCE { OID ...13.1.3, OCTET STRING (2) }                          PCE-ID
//     SEQUENCE { OID ...13.1.4, OCTET STRING (6) }                          FMSPC
//     SEQUENCE { OID ...13.1.5, ENUMERATED }                                SGX type
//     [SEQUENCE { OID ...13.1.6 / .7, ... }]                                Platform CA only
//   }
// OID contents bytes of 1.2.840.113741.1.13.1: 2A 86 48 86 F8 4D 01 0D 01.
#include "attest/pck_extension.h"

#include <algorithm>
#include <string>

#include "attest/der.h"

namespace uid2::attest {

namespace {

constexpr std::array<uint8_t, 9> kBaseOid = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};

// SubArc returns n when `oid` is kBaseOid.n (or kBaseOid.2.n with `tcb`), else -1.
int SubArc(ByteSpan oid, bool tcb) {
  size_t prefix = kBaseOid.size() + (tcb ? 1 : 0);
  if (oid.size() != prefix + 1) return -1;
  if (!std::equal(kBaseOid.begin(), kBaseOid.end(), oid.begin())) return -1;
  if (tcb && oid[kBaseOid.size()] != 2) return -1;
  uint8_t arc = oid[prefix];
  return arc < 0x80 ? arc : -1;
}

template <size_t N>
Status CopyOctets(ByteSpan value, std::array<uint8_t, N>* out, std::string_view field) {
  der::Reader r(value);
  ByteSpan octets;
  UID2_RETURN_IF_ERROR(r.ReadExpected(der::kOctetString, &octets));
  if (!r.empty() || octets.size() != N) {
    return Error::Invalid(std::string(field) + " must be an OCTET STRING of " + std::to_string(N) +
                          " bytes");
  }
  std::copy(octets.begin(), octets.end(), out->begin());
  return Ok();
}

Result<uint64_t> ReadNumber(ByteSpan value, uint8_t tag, uint64_t max) {
  der::Reader r(value);
  ByteSpan contents;
  UID2_RETURN_IF_ERROR(r.ReadExpected(tag, &contents));
  if (!r.empty()) return Error::Invalid("bytes after the number");
  return der::ParseUnsigned(contents, max);
}

// ReadPair reads SEQUENCE { OID, value } and returns the OID contents and the value's whole
// TLV (exactly one element).
Status ReadPair(der::Reader& seq, ByteSpan* oid, ByteSpan* value) {
  ByteSpan pair;
  UID2_RETURN_IF_ERROR(seq.ReadExpected(der::kSequence, &pair));
  der::Reader p(pair);
  UID2_RETURN_IF_ERROR(p.ReadExpected(der::kOid, oid));
  size_t oid_end = static_cast<size_t>(oid->data() - pair.data()) + oid->size();
  *value = pair.subspan(oid_end);
  uint8_t tag = 0;
  ByteSpan contents;
  UID2_RETURN_IF_ERROR(p.Read(&tag, &contents));
  if (!p.empty()) return Error::Invalid("extra element in an SGX extension pair");
  return Ok();
}

Status ParseTcb(ByteSpan value, PckExtension* ext) {
  der::Reader outer(value);
  ByteSpan seq;
  UID2_RETURN_IF_ERROR(outer.ReadExpected(der::kSequence, &seq));
  if (!outer.empty()) return Error::Invalid("bytes after the TCB SEQUENCE");
  der::Reader r(seq);
  uint32_t seen = 0;
  while (!r.empty()) {
    ByteSpan oid, v;
    UID2_RETURN_IF_ERROR(ReadPair(r, &oid, &v));
    int arc = SubArc(oid, /*tcb=*/true);
    if (arc < 1 || arc > 18) return Error::Invalid("unknown OID in the TCB SEQUENCE");
    if (seen & (1u << arc))
      return Error::Invalid("TCB component " + std::to_string(arc) + " repeated");
    seen |= 1u << arc;
    if (arc <= 16) {
      UID2_ASSIGN_OR_RETURN(uint64_t svn, ReadNumber(v, der::kInteger, 255));
      ext->tcb_components[arc - 1] = static_cast<uint8_t>(svn);
    } else if (arc == 17) {
      UID2_ASSIGN_OR_RETURN(uint64_t svn, ReadNumber(v, der::kInteger, 0xFFFF));
      ext->pce_svn = static_cast<uint16_t>(svn);
    } else {
      UID2_RETURN_IF_ERROR(CopyOctets(v, &ext->cpu_svn, "CPUSVN"));
    }
  }
  if (seen != 0x7FFFEu) return Error::Invalid("TCB SEQUENCE lacks some of its 18 entries");
  return Ok();
}

Status ParseTopLevel(int arc, ByteSpan v, PckExtension* ext) {
  switch (arc) {
    case 1:
      return CopyOctets(v, &ext->ppid, "PPID");
    case 2:
      return ParseTcb(v, ext);
    case 3:
      return CopyOctets(v, &ext->pce_id, "PCE-ID");
    case 4:
      return CopyOctets(v, &ext->fmspc, "FMSPC");
    case 5: {
      UID2_ASSIGN_OR_RETURN(uint64_t type, ReadNumber(v, der::kEnumerated, 2));
      ext->sgx_type = static_cast<int>(type);
      return Ok();
    }
    default:
      return Ok();  // .6 PlatformInstanceID, .7 Configuration: not used
  }
}

}  // namespace

Result<PckExtension> ParsePckExtension(ByteSpan der_bytes) {
  der::Reader top(der_bytes);
  ByteSpan seq;
  UID2_RETURN_IF_ERROR(top.ReadExpected(der::kSequence, &seq));
  if (!top.empty()) return Error::Invalid("SGX extension: bytes after the SEQUENCE");
  PckExtension ext;
  der::Reader r(seq);
  uint32_t seen = 0;
  while (!r.empty()) {
    ByteSpan oid, v;
    Status s = ReadPair(r, &oid, &v);
    if (!s.ok()) return std::move(s).error().Context("SGX extension");
    int arc = SubArc(oid, /*tcb=*/false);
    if (arc < 1 || arc > 7) return Error::Invalid("SGX extension: unknown OID");
    if (seen & (1u << arc)) {
      return Error::Invalid("SGX extension: entry ." + std::to_string(arc) + " repeated");
    }
    seen |= 1u << arc;
    s = ParseTopLevel(arc, v, &ext);
    if (!s.ok()) return std::move(s).error().Context("SGX extension ." + std::to_string(arc));
  }
  if ((seen & 0x3E) != 0x3E) {
    return Error::Invalid("SGX extension lacks PPID, TCB, PCE-ID, FMSPC or SGX type");
  }
  return ext;
}

Result<PckExtension> PckExtensionFromCertificate(const crypto::Certificate& cert) {
  UID2_ASSIGN_OR_RETURN(Bytes der_bytes, cert.FindExtension(kSgxExtensionOid));
  return ParsePckExtension(der_bytes);
}

namespace {

Bytes Oid(std::initializer_list<uint8_t> arcs) {
  Bytes oid(kBaseOid.begin(), kBaseOid.end());
  oid.insert(oid.end(), arcs);
  return der::Tlv(der::kOid, oid);
}

Bytes Pair(Bytes oid, const Bytes& value) {
  oid.insert(oid.end(), value.begin(), value.end());
  return der::Tlv(der::kSequence, oid);
}

void Append(Bytes* out, const Bytes& b) { out->insert(out->end(), b.begin(), b.end()); }

}  // namespace

Bytes EncodePckExtension(const PckExtension& ext) {
  Bytes tcb;
  for (uint8_t i = 0; i < 16; i++) {
    Append(&tcb, Pair(Oid({2, static_cast<uint8_t>(i + 1)}),
                      der::Unsigned(der::kInteger, ext.tcb_components[i])));
  }
  Append(&tcb, Pair(Oid({2, 17}), der::Unsigned(der::kInteger, ext.pce_svn)));
  Append(&tcb, Pair(Oid({2, 18}), der::Tlv(der::kOctetString, ext.cpu_svn)));
  Bytes all;
  Append(&all, Pair(Oid({1}), der::Tlv(der::kOctetString, ext.ppid)));
  Append(&all, Pair(Oid({2}), der::Tlv(der::kSequence, tcb)));
  Append(&all, Pair(Oid({3}), der::Tlv(der::kOctetString, ext.pce_id)));
  Append(&all, Pair(Oid({4}), der::Tlv(der::kOctetString, ext.fmspc)));
  Append(&all,
         Pair(Oid({5}), der::Unsigned(der::kEnumerated, static_cast<uint64_t>(ext.sgx_type))));
  return der::Tlv(der::kSequence, all);
}

}  // namespace uid2::attest
