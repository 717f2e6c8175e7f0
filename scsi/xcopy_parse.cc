// EXTENDED COPY (LID1) parameter list validation (SPC-4 6.4): header, CSCD
// descriptors (only E4h, identification descriptor, naming an LU by its
// NAA designator), segment descriptors (only 02h, block -> block). See
// xcopy.h for the error classes.
#include <cstring>

#include "common/bytes.h"
#include "scsi/logical_unit.h"
#include "scsi/nexus.h"
#include "scsi/xcopy.h"

namespace esan::scsi {
namespace {

constexpr size_t kHeaderLen = 16;

std::unexpected<XcopyError> illegal(uint16_t a) { return std::unexpected(XcopyError{false, Sense::illegal(a), {}}); }
std::unexpected<XcopyError> bad_param(size_t byte, int8_t bit = -1) {
  return std::unexpected(XcopyError{false, Sense::invalid_param(uint16_t(byte), bit), {}});
}
std::unexpected<XcopyError> aborted(uint16_t a, uint16_t segment, uint16_t field) {
  CopyAbort ab;
  ab.asc = a;
  ab.segment = segment;
  ab.seg_field = field;
  return std::unexpected(XcopyError{true, {}, ab});
}
// The CSCD would have refused the transfer: forward its sense.
std::unexpected<XcopyError> cscd_refused(uint16_t segment, uint8_t role, Sense s) {
  CopyAbort ab;
  ab.segment = segment;
  ab.cscd_role = role;
  ab.cscd_sense = s;
  return std::unexpected(XcopyError{true, {}, ab});
}

// Length of a CSCD descriptor by its type code (SPC-4 table "CSCD
// descriptor type codes": E0h..E9h are 32 bytes, EAh/EBh 64).
size_t cscd_len(uint8_t type) { return type == 0xEA || type == 0xEB ? 64 : kXcopyCscdDescriptorLen; }
// Length of the segment descriptor at p: fixed for 02h (its DESCRIPTOR
// LENGTH is checked later), else from its DESCRIPTOR LENGTH field.
size_t seg_len(const uint8_t* p) { return p[0] == kXcopySegB2b ? kXcopyB2bSegmentLen : 4 + load_be16(p + 2); }

struct Cscd {
  const LunMapping* m = nullptr;  // nullptr: not reachable through this nexus
};

// Resolves an identification descriptor among the nexus' LUs.
std::expected<Cscd, XcopyError> parse_cscd(const Nexus& nexus, const uint8_t* d, size_t off) {
  if (d[1] & 0x1F) return bad_param(off + 1, 4);  // PERIPHERAL DEVICE TYPE: block devices only
  // LU ID TYPE (byte 1 bits 7-6) is ignored and NUL (bit 5) obsolete in SPC-4.
  uint8_t code_set = d[4] & 0x0F, assoc = (d[5] >> 4) & 0x03, type = d[5] & 0x0F, len = d[7];
  if (len > 20) return bad_param(off + 7);
  Cscd c;
  if (code_set != 0x01 || assoc != 0 || type != 0x03 || len != 16 || !nexus.luns) return c;
  for (auto& [lun, m] : *nexus.luns) {
    if (!m.lu) continue;
    auto naa = m.lu->naa_designator();
    if (std::memcmp(naa.data(), d + 8, naa.size()) == 0) {
      c.m = &m;
      break;
    }
  }
  uint32_t block_len = uint32_t(d[29]) << 16 | uint32_t(d[30]) << 8 | d[31];
  if (c.m && block_len != c.m->lu->block_size()) return bad_param(off + 29);
  return c;
}

std::expected<CopySegment, XcopyError> parse_b2b(const std::vector<Cscd>& cscds, const uint8_t* d, uint16_t n) {
  uint16_t si = load_be16(d + 4), di = load_be16(d + 6);
  if (si >= cscds.size()) return aborted(asc::kNoAdditionalSense, n, 4);
  if (di >= cscds.size()) return aborted(asc::kNoAdditionalSense, n, 6);
  const LunMapping* s = cscds[si].m;
  const LunMapping* t = cscds[di].m;
  if (!s || !s->lu->medium_present()) return aborted(asc::kCopyTargetDeviceNotReachable, n, 4);
  if (!t || !t->lu->medium_present()) return aborted(asc::kCopyTargetDeviceNotReachable, n, 6);
  if (t->read_only || t->lu->read_only())
    return std::unexpected(XcopyError{false, Sense::make(SenseKey::kDataProtect, asc::kWriteProtected), {}});
  LogicalUnit& src = *s->lu;
  LogicalUnit& dst = *t->lu;
  bool dc = d[1] & 0x02;  // NUMBER OF BLOCKS counts destination blocks
  uint64_t blocks = load_be16(d + 10);
  uint64_t bytes = blocks << (dc ? dst.block_shift() : src.block_shift());
  if (bytes % src.block_size() || bytes % dst.block_size()) return aborted(asc::kUnexpectedInexactSegment, n, 10);
  uint64_t src_lba = load_be64(d + 12), dst_lba = load_be64(d + 20);
  auto fits = [](const LogicalUnit& lu, uint64_t lba, uint64_t nblk) {
    return lba <= lu.num_blocks() && nblk <= lu.num_blocks() - lba;
  };
  if (!fits(src, src_lba, bytes >> src.block_shift()))
    return cscd_refused(n, 1, Sense::illegal(asc::kLbaOutOfRange));
  if (!fits(dst, dst_lba, bytes >> dst.block_shift()))
    return cscd_refused(n, 2, Sense::illegal(asc::kLbaOutOfRange));
  return CopySegment{s->lu, t->lu, src_lba << src.block_shift(), dst_lba << dst.block_shift(), bytes};
}

}  // namespace

std::expected<CopyPlan, XcopyError> parse_xcopy(const Nexus& nexus, std::span<const uint8_t> p) {
  if (p.size() < kHeaderLen) return illegal(asc::kParameterListLengthError);
  CopyPlan plan;
  plan.list_id = p[0];
  uint8_t usage = (p[1] >> 3) & 0x03;
  if (usage == 1) return bad_param(1, 4);
  if (usage == 3 && plan.list_id != 0) return bad_param(0);
  plan.usage = ListIdUsage(usage);
  uint64_t tlen = load_be16(&p[2]), slen = load_be32(&p[8]), ilen = load_be32(&p[12]);
  if (kHeaderLen + tlen + slen + ilen > p.size()) return illegal(asc::kParameterListLengthError);
  if (tlen + slen > kXcopyMaxDescriptorListLength) return illegal(asc::kParameterListLengthError);
  if (ilen > 0) return illegal(asc::kInlineDataLengthExceeded);  // MAXIMUM INLINE DATA LENGTH is 0
  if (tlen == 0 && slen != 0) return bad_param(2);

  // Walk both lists for counts and boundaries before looking inside.
  size_t tbeg = kHeaderLen, tend = tbeg + tlen, send = tend + slen;
  size_t ntgt = 0, nseg = 0, off;
  for (off = tbeg; off < tend; off += cscd_len(p[off])) ++ntgt;
  if (ntgt > kXcopyMaxCscdDescriptors) return illegal(asc::kTooManyTargetDescriptors);
  if (off != tend) return bad_param(2);
  for (off = tend; off + 4 <= send; off += seg_len(&p[off])) ++nseg;
  if (nseg > kXcopyMaxSegmentDescriptors) return illegal(asc::kTooManySegmentDescriptors);
  if (off != send) return bad_param(8);
  for (off = tbeg; off < tend; off += cscd_len(p[off]))
    if (p[off] != kXcopyCscdIdentification) return illegal(asc::kUnsupportedTargetDescriptorTypeCode);
  for (off = tend; off < send; off += seg_len(&p[off]))
    if (p[off] != kXcopySegB2b) return illegal(asc::kUnsupportedSegmentDescriptorTypeCode);

  std::vector<Cscd> cscds;
  for (off = tbeg; off < tend; off += kXcopyCscdDescriptorLen) {
    auto c = parse_cscd(nexus, &p[off], off);
    if (!c) return std::unexpected(c.error());
    cscds.push_back(*c);
  }
  uint16_t n = 0;
  for (off = tend; off < send; off += kXcopyB2bSegmentLen, ++n) {
    if (load_be16(&p[off + 2]) != kXcopyB2bSegmentLen - 4) return bad_param(off + 2);
    auto s = parse_b2b(cscds, &p[off], n);
    if (!s) return std::unexpected(s.error());
    if (s->bytes) plan.segments.push_back(std::move(*s));
  }
  return plan;
}

}  // namespace esan::scsi
