// RECEIVE COPY RESULTS (LID1, SPC-4 6.18), the per-nexus list identifier
// records behind it, and the copy manager's advertised parameters (also
// used by the Third-party Copy VPD page, spc_inquiry.cc).
//
// Service actions: 00h COPY STATUS (for the LIST IDENTIFIER of a copy in
// progress or held, else INVALID FIELD IN CDB pointing at the list id) and
// 03h OPERATING PARAMETERS. RECEIVE DATA and FAILED SEGMENT DETAILS are
// refused with INVALID FIELD IN CDB (no data is ever held: HELD DATA LIMIT
// is 0), as is any other service action.
#include <algorithm>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/opcodes.h"
#include "scsi/xcopy.h"

namespace esan::scsi {
namespace {

uint8_t log2_of(uint32_t v) { return uint8_t(31 - __builtin_clz(v)); }

// COPY STATUS transfer count: the smallest unit (bytes, KiB, MiB, ...) in
// which the count fits 32 bits.
void put_transfer_count(uint8_t* units, uint8_t* count, uint64_t bytes) {
  uint8_t u = 0;
  while (bytes > 0xFFFFFFFFull) {
    bytes >>= 10;
    ++u;
  }
  *units = u;
  store_be32(count, uint32_t(bytes));
}

}  // namespace

CopyRecord* CopyResults::find(uint64_t lun, uint8_t list_id) {
  for (auto& r : records)
    if (r.lun == lun && r.list_id == list_id) return &r;
  return nullptr;
}

CopyRecord& CopyResults::start(uint64_t lun, uint8_t list_id, bool hold) {
  std::erase_if(records, [&](const CopyRecord& r) { return r.lun == lun && r.list_id == list_id; });
  size_t held = 0;
  for (auto& r : records) held += r.done;
  for (auto it = records.begin(); held >= kXcopyHeldResults && it != records.end();) {
    if (it->done) {
      it = records.erase(it);
      --held;
    } else {
      ++it;
    }
  }
  CopyRecord r;
  r.lun = lun;
  r.list_id = list_id;
  r.hold = hold;
  records.push_back(r);
  return records.back();
}

void CopyResults::finish(uint64_t lun, uint8_t list_id, bool failed) {
  CopyRecord* r = find(lun, list_id);
  if (!r) return;
  if (!r->hold) {
    std::erase_if(records, [&](const CopyRecord& x) { return &x == r; });
    return;
  }
  r->done = true;
  r->failed = failed;
}

std::vector<uint8_t> xcopy_operating_parameters(uint32_t block_size) {
  std::vector<uint8_t> d(46, 0);
  d[4] = 0x01;  // SNLID: LIST ID USAGE 11b is supported
  store_be16(&d[8], kXcopyMaxCscdDescriptors);
  store_be16(&d[10], kXcopyMaxSegmentDescriptors);
  store_be32(&d[12], kXcopyMaxDescriptorListLength);
  store_be32(&d[16], kXcopyMaxSegmentBytes);
  // MAXIMUM INLINE DATA LENGTH, HELD DATA LIMIT, MAXIMUM STREAM DEVICE TRANSFER SIZE: 0.
  store_be16(&d[34], kXcopyMaxConcurrentCopies);  // TOTAL CONCURRENT COPIES
  d[36] = uint8_t(kXcopyMaxConcurrentCopies);      // MAXIMUM CONCURRENT COPIES
  d[37] = log2_of(block_size);                     // DATA SEGMENT GRANULARITY
  d[43] = 2;                                       // IMPLEMENTED DESCRIPTOR LIST LENGTH
  d[44] = kXcopySegB2b;
  d[45] = kXcopyCscdIdentification;
  store_be32(&d[0], uint32_t(d.size() - 4));
  return d;
}

std::vector<uint8_t> xcopy_vpd_descriptors(uint32_t block_size) {
  std::vector<uint8_t> v;
  // Appends one third-party copy descriptor, padded to a multiple of 4.
  auto add = [&](uint16_t type, std::vector<uint8_t> body) {
    while ((body.size() + 4) % 4) body.push_back(0);
    uint8_t h[4];
    store_be16(h, type);
    store_be16(h + 2, uint16_t(body.size()));
    v.insert(v.end(), h, h + 4);
    v.insert(v.end(), body.begin(), body.end());
  };
  // Supported Commands: EXTENDED COPY(LID1); RECEIVE COPY STATUS + OPERATING PARAMETERS.
  add(0x0001, {7, op::kExtendedCopy, 1, op::kSaExtendedCopyLid1, op::kReceiveCopyResults, 2, op::kSaCopyStatus,
               op::kSaCopyOperatingParameters});
  std::vector<uint8_t> pd(28, 0);  // Parameter Data
  store_be16(&pd[4], kXcopyMaxCscdDescriptors);
  store_be16(&pd[6], kXcopyMaxSegmentDescriptors);
  store_be32(&pd[8], kXcopyMaxDescriptorListLength);
  add(0x0004, std::move(pd));                                // MAXIMUM INLINE DATA LENGTH 0
  add(0x0008, {2, kXcopySegB2b, kXcopyCscdIdentification});  // Supported Descriptors
  add(0x000C, {0, 0});                                       // Supported CSCD IDs: none
  std::vector<uint8_t> g(32, 0);                             // General Copy Operations
  store_be32(&g[0], kXcopyMaxConcurrentCopies);
  store_be32(&g[4], kXcopyMaxConcurrentCopies);
  store_be32(&g[8], kXcopyMaxSegmentBytes);
  g[12] = log2_of(block_size);
  add(0x8001, std::move(g));
  return v;
}

Flow cmd_receive_copy_results(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  uint8_t sa = cdb[1] & 0x1F, list_id = cdb[2];
  uint32_t alloc = load_be32(cdb + 10);
  if (cdb[1] & 0xE0) return fail_cdb(c, 1, 7);
  if (sa == op::kSaCopyOperatingParameters) return reply(c, xcopy_operating_parameters(c.lu->block_size()), alloc);
  if (sa != op::kSaCopyStatus) return fail_cdb(c, 1, 4);
  CopyRecord* r = c.nexus.copy_results ? c.nexus.copy_results->find(c.task.lun, list_id) : nullptr;
  if (!r) return fail_cdb(c, 2);
  uint8_t d[12] = {};
  store_be32(d, sizeof(d) - 4);
  d[4] = !r->done ? 0x10 : r->failed ? 0x01 : 0x00;  // in progress (foreground) / completed with error / OK
  store_be16(d + 5, r->segments_processed);
  put_transfer_count(&d[7], &d[8], r->bytes);
  return reply(c, d, alloc);
}

}  // namespace esan::scsi
