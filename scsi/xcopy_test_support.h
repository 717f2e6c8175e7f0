// Test helpers for EXTENDED COPY / RECEIVE COPY RESULTS (header only):
// parameter list builders and a fixture with two MemDevice LUs mapped at
// LUN 0 and LUN 1 of one nexus.
#pragma once

#include <vector>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"
#include "scsi/xcopy.h"

namespace esan::scsi::testing {

// Identification CSCD descriptor (E4h) naming `lu` by its NAA designator.
inline std::vector<uint8_t> cscd_e4(const LogicalUnit& lu, uint32_t block_len = 0) {
  std::vector<uint8_t> d(32, 0);
  d[0] = 0xE4;
  d[4] = 0x01;  // binary
  d[5] = 0x03;  // LU association, NAA
  d[7] = 16;
  auto naa = lu.naa_designator();
  std::copy(naa.begin(), naa.end(), d.begin() + 8);
  if (!block_len) block_len = lu.block_size();
  d[29] = uint8_t(block_len >> 16);
  d[30] = uint8_t(block_len >> 8);
  d[31] = uint8_t(block_len);
  return d;
}

// Block -> block segment descriptor (02h).
inline std::vector<uint8_t> seg_b2b(uint16_t src, uint16_t dst, uint16_t blocks, uint64_t src_lba, uint64_t dst_lba,
                                    bool dc = false) {
  std::vector<uint8_t> d(28, 0);
  d[0] = 0x02;
  d[1] = dc ? 0x02 : 0;
  store_be16(&d[2], 0x18);
  store_be16(&d[4], src);
  store_be16(&d[6], dst);
  store_be16(&d[10], blocks);
  store_be64(&d[12], src_lba);
  store_be64(&d[20], dst_lba);
  return d;
}

inline std::vector<uint8_t> xcopy_list(uint8_t list_id, uint8_t usage, const std::vector<std::vector<uint8_t>>& cscds,
                                       const std::vector<std::vector<uint8_t>>& segs, uint32_t inline_len = 0) {
  std::vector<uint8_t> p(16, 0);
  p[0] = list_id;
  p[1] = uint8_t(usage << 3);
  size_t t = 0, s = 0;
  for (auto& d : cscds) p.insert(p.end(), d.begin(), d.end()), t += d.size();
  for (auto& d : segs) p.insert(p.end(), d.begin(), d.end()), s += d.size();
  store_be16(&p[2], uint16_t(t));
  store_be32(&p[8], uint32_t(s));
  store_be32(&p[12], inline_len);
  p.resize(p.size() + inline_len, 0);
  return p;
}

inline std::vector<uint8_t> xcopy_cdb(uint32_t plen, uint8_t sa = 0) {
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kExtendedCopy;
  c[1] = sa;
  store_be32(&c[10], plen);
  return c;
}

inline std::vector<uint8_t> rcr_cdb(uint8_t sa, uint8_t list_id, uint32_t alloc = 1024) {
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kReceiveCopyResults;
  c[1] = sa;
  c[2] = list_id;
  store_be32(&c[10], alloc);
  return c;
}

// disk0 (the Fixture's LU, LUN 0) and disk1 (LUN 1, `blocks1` blocks).
struct TwoLus : Fixture {
  explicit TwoLus(uint64_t blocks1 = 4096, bool lun1_read_only = false, LuConfig cfg1 = named("disk1")) {
    auto d = std::make_unique<MemDevice>(blocks1 * cfg1.block_size);
    dev1 = d.get();
    lu1 = *make_logical_unit(std::move(cfg1), std::move(d));
    auto map = std::make_shared<LunMap>();
    (*map)[0] = LunMapping{lu, false};
    (*map)[1] = LunMapping{lu1, lun1_read_only};
    nexus = make_nexus(map);
    lu1->ua_take(nexus->id);
  }
  // Sends EXTENDED COPY with `plist` to `lun`.
  Task xcopy(const std::vector<uint8_t>& plist, uint64_t lun = 0) {
    return run(xcopy_cdb(uint32_t(plist.size())), DataDir::kOut, plist, uint32_t(plist.size()), nullptr, lun);
  }
  // Starts EXTENDED COPY on `t` without waiting (for deferred devices).
  void start(Task& t, const std::vector<uint8_t>& plist, uint64_t lun = 0) {
    prepare(t, xcopy_cdb(uint32_t(plist.size())), DataDir::kOut, plist, 0, lun);
    execute(*nexus, t);
  }
  std::shared_ptr<LogicalUnit> lu1;
  MemDevice* dev1 = nullptr;
};

}  // namespace esan::scsi::testing
