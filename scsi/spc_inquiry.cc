// INQUIRY (SPC-4 6.6): standard data and the VPD pages
//   00h supported pages, 80h unit serial number, 83h device identification,
//   86h extended INQUIRY data, 8Fh third-party copy (xcopy_results.cc),
//   B0h block limits, B1h block device characteristics, B2h logical block
//   provisioning (thin LUs only). Standard data sets 3PC (EXTENDED COPY).
// ALUA: TPGS = the device group's access (DeviceGroup::access: 01b
// implicit, 10b explicit, 11b both) for a LU in a device group, 00b
// otherwise (as SCST); page 83h carries the target port group designator
// only when the nexus' port is in one of the LU's target port groups.
// Page 00h lists exactly the pages vpd_supported() accepts for the LU, in
// ascending order. Data-In is truncated to the allocation length.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "scsi/alua.h"
#include "scsi/command.h"
#include "scsi/xcopy.h"

namespace esan::scsi {
namespace {

constexpr uint8_t kPdtDirectAccess = 0x00;

void put_ascii(uint8_t* p, size_t n, const std::string& s) {
  std::memset(p, ' ', n);
  std::memcpy(p, s.data(), s.size() < n ? s.size() : n);
}

uint8_t peripheral_byte(const Cmd& c) { return c.lu ? kPdtDirectAccess : 0x7F; }

// MULTIP (SPC-4 6.6.2): the LU is reachable through more than one target
// port -- several local targets map it, or its ALUA device group lists more
// than one port (local or the HA peer's).
bool multi_port(const LogicalUnit& lu) {
  if (lu.target_ports() > 1) return true;
  const DeviceGroup* dg = lu.alua_group();
  if (!dg) return false;
  size_t ports = 0;
  for (size_t i = 0; i < dg->size(); ++i) ports += dg->group(i).rel_tgt_ids().size();
  return ports > 1;  // a port is in at most one target port group
}

Flow standard_inquiry(Cmd& c, size_t alloc) {
  uint8_t d[96] = {};
  d[0] = peripheral_byte(c);
  if (c.lu && c.lu->removable()) d[1] = 0x80;  // RMB
  d[2] = 0x06;                                 // VERSION: SPC-4
  d[3] = 0x12;                                 // HISUP, RESPONSE DATA FORMAT 2
  d[4] = sizeof(d) - 5;
  if (c.lu) d[5] = 0x08;                        // 3PC: third-party copy (EXTENDED COPY)
  if (c.lu && c.lu->alua_group()) d[5] |= uint8_t(uint8_t(c.lu->alua_group()->access()) << 4);  // TPGS
  if (c.lu && multi_port(*c.lu)) d[6] = 0x10;  // MULTIP
  d[7] = 0x02;  // CMDQUE
  if (c.lu) {
    const LuConfig cfg = c.lu->config();
    put_ascii(d + 8, 8, cfg.t10_vend_id);
    put_ascii(d + 16, 16, cfg.prod_id);
    put_ascii(d + 32, 4, cfg.prod_rev_lvl);
  } else {
    put_ascii(d + 8, 8, "ESAN");
    put_ascii(d + 16, 16, "");
    put_ascii(d + 32, 4, "");
  }
  // Version descriptors: SAM-5, iSCSI, SPC-4, SBC-3.
  const uint16_t versions[] = {0x00A0, 0x0960, 0x0460, 0x04C0};
  for (size_t i = 0; i < std::size(versions); ++i) store_be16(d + 58 + 2 * i, versions[i]);
  return reply(c, d, alloc);
}

bool vpd_supported(const Cmd& c, uint8_t page) {
  switch (page) {
    case 0x00:
    case 0x80:
    case 0x83:
    case 0x86:
    case 0x8F:
    case 0xB0:
    case 0xB1: return true;
    case 0xB2: return c.lu->thin();
    default: return false;
  }
}

// Appends one designation descriptor to `out`.
void add_designator(std::vector<uint8_t>& out, uint8_t proto_codeset, uint8_t piv_assoc_type, const uint8_t* p,
                    size_t n) {
  out.push_back(proto_codeset);
  out.push_back(piv_assoc_type);
  out.push_back(0);
  out.push_back(uint8_t(n));
  out.insert(out.end(), p, p + n);
}

// SCSI name string: null terminated, zero padded to a multiple of 4.
void add_name_string(std::vector<uint8_t>& out, uint8_t assoc, const std::string& name) {
  std::string s = name.substr(0, 251);
  size_t n = (s.size() + 1 + 3) & ~size_t(3);
  std::vector<uint8_t> b(n, 0);
  std::memcpy(b.data(), s.data(), s.size());
  // protocol iSCSI (5), code set UTF-8 (3); PIV=1, association, type 8.
  add_designator(out, 0x53, uint8_t(0x80 | (assoc << 4) | 0x08), b.data(), n);
}

std::vector<uint8_t> vpd_device_identification(const Cmd& c) {
  std::vector<uint8_t> v;
  const LuConfig cfg = c.lu->config();
  auto naa = c.lu->naa_designator();
  add_designator(v, 0x01, 0x03, naa.data(), naa.size());  // binary, LU, NAA

  std::string t10(8, ' ');
  std::memcpy(t10.data(), cfg.t10_vend_id.data(), cfg.t10_vend_id.size() < 8 ? cfg.t10_vend_id.size() : 8);
  t10 += cfg.t10_dev_id.substr(0, 200);
  add_designator(v, 0x02, 0x01, reinterpret_cast<const uint8_t*>(t10.data()), t10.size());  // ASCII, LU, T10

  uint8_t rtp[4] = {};
  store_be16(rtp + 2, c.nexus.rel_tgt_id);
  add_designator(v, 0x51, 0x94, rtp, 4);  // iSCSI, binary; PIV, target port, relative target port

  const DeviceGroup* dg = c.lu->alua_group();
  if (const TargetPortGroup* g = dg ? dg->group_of_port(c.nexus.rel_tgt_id) : nullptr) {
    uint8_t tpg[4] = {};
    store_be16(tpg + 2, g->group_id());
    add_designator(v, 0x51, 0x95, tpg, 4);  // target port group
  }

  if (!c.nexus.target_name.empty()) {
    char tail[16];
    std::snprintf(tail, sizeof tail, ",t,0x%04x", unsigned(c.nexus.tpg_tag));
    add_name_string(v, 1, c.nexus.target_name + tail);  // target port
    add_name_string(v, 2, c.nexus.target_name);         // target device
  }
  return v;
}

Flow vpd_page(Cmd& c, uint8_t page, size_t alloc) {
  if (!vpd_supported(c, page)) return fail_cdb(c, 2);
  LogicalUnit& lu = *c.lu;
  // d holds the whole page; offsets below are SPC/SBC page offsets.
  std::vector<uint8_t> d(4, 0);
  switch (page) {
    case 0x00:
      for (unsigned p = 0; p <= 0xFF; ++p)
        if (vpd_supported(c, uint8_t(p))) d.push_back(uint8_t(p));
      break;
    case 0x80: {
      const std::string usn = lu.config().usn;
      d.insert(d.end(), usn.begin(), usn.end());
      break;
    }
    case 0x83: {
      auto v = vpd_device_identification(c);
      d.insert(d.end(), v.begin(), v.end());
      break;
    }
    case 0x86:
      d.resize(64, 0);
      d[5] = 0x01;                                                    // SIMPSUP
      d[6] = uint8_t((lu.nv_cache() ? 0x02 : 0x00) |            // NV_SUP
                     (lu.write_through() ? 0x00 : 0x01));       // V_SUP
      d[7] = 0x01;                                                    // LUICLR
      break;
    case 0x8F: {
      auto v = xcopy_vpd_descriptors(lu.block_size());
      d.insert(d.end(), v.begin(), v.end());
      break;
    }
    case 0xB0: {
      d.resize(64, 0);
      uint32_t gran = lu.lbppb();  // one physical block
      d[5] = uint8_t(kMaxCompareAndWriteBlocks);      // MAXIMUM COMPARE AND WRITE LENGTH
      store_be16(&d[6], uint16_t(gran));              // OPTIMAL TRANSFER LENGTH GRANULARITY
      store_be32(&d[8], lu.max_transfer_blocks());    // MAXIMUM TRANSFER LENGTH
      store_be32(&d[12], lu.max_transfer_blocks());   // OPTIMAL TRANSFER LENGTH
      if (lu.thin()) {
        store_be32(&d[20], lu.max_unmap_blocks());    // MAXIMUM UNMAP LBA COUNT
        store_be32(&d[24], kMaxUnmapDescriptors);     // MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT
        store_be32(&d[28], gran);                     // OPTIMAL UNMAP GRANULARITY
      }
      store_be64(&d[36], lu.max_write_same_blocks());  // MAXIMUM WRITE SAME LENGTH
      store_be32(&d[44], lu.max_atomic_blocks());      // MAXIMUM ATOMIC TRANSFER LENGTH
      store_be32(&d[48], lu.lbppb());                  // ATOMIC ALIGNMENT
      store_be32(&d[52], lu.lbppb());                  // ATOMIC TRANSFER LENGTH GRANULARITY
      // 56..63: no atomic boundary support (WRITE ATOMIC's ATOMIC BOUNDARY must be 0)
      break;
    }
    case 0xB1:
      d.resize(64, 0);
      store_be16(&d[4], lu.rotational() ? 0 : 1);  // MEDIUM ROTATION RATE: 1 = non-rotating
      if (lu.thin()) d[7] = 0x40;  // WABEREQ 01b: reads after SANITIZE BLOCK ERASE succeed (zeros)
      break;
    case 0xB2:
      d.resize(8, 0);
      d[5] = 0xE4;  // LBPU, LBPWS, LBPWS10, LBPRZ
      d[6] = 0x02;  // PROVISIONING TYPE: thin
      break;
  }
  d[0] = kPdtDirectAccess;
  d[1] = page;
  store_be16(&d[2], uint16_t(d.size() - 4));
  return reply(c, d, alloc);
}

}  // namespace

Flow cmd_inquiry(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  if (cdb[1] & 0xFE) return fail_cdb(c, 1, int8_t(31 - __builtin_clz(cdb[1] & 0xFE)));  // CMDDT, reserved
  size_t alloc = load_be16(cdb + 3);
  bool evpd = cdb[1] & 0x01;
  if (!evpd) {
    if (cdb[2] != 0) return fail_cdb(c, 2);
    return standard_inquiry(c, alloc);
  }
  if (!c.lu) return fail(c, Sense::illegal(asc::kLogicalUnitNotSupported));
  return vpd_page(c, cdb[2], alloc);
}

}  // namespace esan::scsi
