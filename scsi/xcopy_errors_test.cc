// EXTENDED COPY validation: each error class of SPC-4 with its exact sense.
#include <gtest/gtest.h>

#include "scsi/xcopy_test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

void expect_param_pointer(const Task& t, uint16_t byte, int bit = -1) {
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  ParsedSense s = sense_of(t);
  ASSERT_TRUE(s.sksv);
  EXPECT_EQ(s.sks[0] & 0x40, 0) << "C/D must point into the parameter list";
  EXPECT_EQ(load_be16(s.sks + 1), byte);
  if (bit >= 0) {
    EXPECT_EQ(s.sks[0] & 0x0F, 0x08 | bit);
  }
}

// COPY ABORTED (fixed format) for segment `seg`; field = segment pointer or -1.
void expect_aborted(const Task& t, uint16_t asc, uint16_t seg, int field) {
  expect_sense(t, SenseKey::kCopyAborted, asc);
  EXPECT_EQ(load_be16(t.sense + 10), seg);
  if (field >= 0) {
    EXPECT_EQ(t.sense[15], 0xA0);  // SKSV, SD
    EXPECT_EQ(load_be16(t.sense + 16), field);
  }
}

std::vector<uint8_t> one_copy(TwoLus& f, uint16_t blocks, uint64_t src, uint64_t dst) {
  return xcopy_list(1, 0, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, blocks, src, dst)});
}

TEST(ExtendedCopyErrors, CdbAndLengths) {
  TwoLus f;
  expect_good(f.run(xcopy_cdb(0), DataDir::kOut, {}, 0));  // no parameter list: not an error
  expect_invalid_cdb(f.run(xcopy_cdb(76, 0x01), DataDir::kOut, one_copy(f, 1, 0, 1), 76), 1, 4);  // LID4
  auto p = one_copy(f, 1, 0, 1);
  for (size_t n : {size_t(1), size_t(15), size_t(47), p.size() - 1}) {
    std::vector<uint8_t> cut(p.begin(), p.begin() + long(n));
    expect_sense(f.xcopy(cut), SenseKey::kIllegalRequest, asc::kParameterListLengthError);
  }
  // Longer than MAXIMUM DESCRIPTOR LIST LENGTH (checked before the counts).
  std::vector<std::vector<uint8_t>> cscds(kXcopyMaxCscdDescriptors + 1, cscd_e4(*f.lu));
  std::vector<std::vector<uint8_t>> segs(kXcopyMaxSegmentDescriptors, seg_b2b(0, 0, 1, 0, 1));
  expect_sense(f.xcopy(xcopy_list(1, 0, cscds, segs)), SenseKey::kIllegalRequest, asc::kParameterListLengthError);
  expect_sense(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 1, 0, 1)}, 4)), SenseKey::kIllegalRequest,
               asc::kInlineDataLengthExceeded);
  EXPECT_EQ(f.dev->log.size(), 0u) << "nothing may move on a rejected list";
}

TEST(ExtendedCopyErrors, DescriptorCountsAndTypes) {
  TwoLus f;
  std::vector<std::vector<uint8_t>> cscds(kXcopyMaxCscdDescriptors + 1, cscd_e4(*f.lu));
  expect_sense(f.xcopy(xcopy_list(1, 0, cscds, {seg_b2b(0, 0, 1, 0, 1)})), SenseKey::kIllegalRequest,
               asc::kTooManyTargetDescriptors);
  std::vector<std::vector<uint8_t>> segs(kXcopyMaxSegmentDescriptors + 1, seg_b2b(0, 0, 1, 0, 1));
  expect_sense(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu)}, segs)), SenseKey::kIllegalRequest,
               asc::kTooManySegmentDescriptors);
  auto fc = cscd_e4(*f.lu);
  fc[0] = 0xE0;  // Fibre Channel N_Port_Name
  expect_sense(f.xcopy(xcopy_list(1, 0, {fc}, {seg_b2b(0, 0, 1, 0, 1)})), SenseKey::kIllegalRequest,
               asc::kUnsupportedTargetDescriptorTypeCode);
  std::vector<uint8_t> s2s(20, 0);  // stream -> stream
  s2s[0] = 0x03;
  s2s[3] = 16;
  expect_sense(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu)}, {s2s})), SenseKey::kIllegalRequest,
               asc::kUnsupportedSegmentDescriptorTypeCode);
  EXPECT_EQ(f.dev->log.size(), 0u);
}

TEST(ExtendedCopyErrors, HeaderAndDescriptorFields) {
  TwoLus f;
  expect_param_pointer(f.xcopy(xcopy_list(1, 1, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 1, 0, 1)})), 1, 4);  // usage 01b
  expect_param_pointer(f.xcopy(xcopy_list(1, 3, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 1, 0, 1)})), 0);     // id with 11b
  auto tape = cscd_e4(*f.lu);
  tape[1] = 0x01;  // sequential-access device
  expect_param_pointer(f.xcopy(xcopy_list(1, 0, {tape}, {seg_b2b(0, 0, 1, 0, 1)})), 17, 4);
  expect_param_pointer(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu, 4096)}, {seg_b2b(0, 0, 1, 0, 1)})), 16 + 29);
  auto seg = seg_b2b(0, 0, 1, 0, 1);
  seg[3] = 0x14;
  expect_param_pointer(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu)}, {seg})), 48 + 2);
  // LU ID TYPE is ignored (SPC-4).
  auto luid = cscd_e4(*f.lu);
  luid[1] = 0x80;
  expect_good(f.xcopy(xcopy_list(1, 0, {luid}, {seg_b2b(0, 0, 1, 0, 1)})));
}

TEST(ExtendedCopyErrors, SegmentErrorsAreCopyAborted) {
  TwoLus f;
  // CSCD index beyond the list.
  expect_aborted(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu)}, {seg_b2b(0, 1, 1, 0, 1)})), asc::kNoAdditionalSense, 0,
                 6);
  // A designator no LU of this nexus has.
  auto other = cscd_e4(*f.lu);
  other[23] ^= 0x5A;
  expect_aborted(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu), other}, {seg_b2b(0, 0, 1, 0, 1), seg_b2b(1, 0, 1, 0, 1)})),
                 asc::kCopyTargetDeviceNotReachable, 1, 4);
  // An LU of the target that this nexus does not see is unreachable too.
  Fixture hidden(named("hidden"));
  expect_aborted(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu), cscd_e4(*hidden.lu)}, {seg_b2b(0, 1, 1, 0, 1)})),
                 asc::kCopyTargetDeviceNotReachable, 0, 6);
  EXPECT_EQ(f.dev->log.size(), 0u);
}

TEST(ExtendedCopyErrors, LbaOutOfRangeForwardsTheCscdSense) {
  TwoLus f;
  uint64_t n = f.lu->num_blocks();
  Task t = f.xcopy(one_copy(f, 2048, 0, n - 1));  // destination beyond capacity
  expect_aborted(t, asc::kNoAdditionalSense, 0, -1);
  EXPECT_EQ(t.sense[8], 0);   // no source sense
  ASSERT_EQ(t.sense[9], 18);  // destination sense at byte 18: status, then sense data
  EXPECT_EQ(t.sense[18], kCheckCondition);
  ParsedSense fwd = parse_sense(t.sense + 19, t.sense_len - 19);
  EXPECT_EQ(int(fwd.key), int(SenseKey::kIllegalRequest));
  EXPECT_EQ(fwd.asc, asc::kLbaOutOfRange);
  Task s = f.xcopy(one_copy(f, 2, n - 1, 0));  // source beyond capacity
  EXPECT_EQ(s.sense[8], 18);
  // Descriptor format: a forwarded sense data descriptor from the source.
  f.lu->set_d_sense(true);
  Task d = f.xcopy(one_copy(f, 2, n - 1, 0));
  expect_sense(d, SenseKey::kCopyAborted, asc::kNoAdditionalSense);
  ASSERT_EQ(d.sense[0], 0x72);
  bool found = false;
  for (size_t off = 8; off + 2 <= d.sense_len; off += 2 + d.sense[off + 1]) {
    if (d.sense[off] != 0x0C) continue;
    found = true;
    EXPECT_EQ(d.sense[off + 2], 1);  // copy source
    EXPECT_EQ(d.sense[off + 3], kCheckCondition);
    EXPECT_EQ(parse_sense(d.sense + off + 4, d.sense[off + 1] - 2).asc, asc::kLbaOutOfRange);
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(f.dev->log.size(), 0u);
}

TEST(ExtendedCopyErrors, WriteProtectedDestinationIsDataProtect) {
  TwoLus f(4096, /*lun1_read_only=*/true);
  auto a = pattern(4 * 512, 2);
  std::copy(a.begin(), a.end(), f.dev1->mem.begin());
  // Into the read-only mapping: refused; out of it: fine.
  expect_sense(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu), cscd_e4(*f.lu1)}, {seg_b2b(0, 1, 4, 0, 0)})),
               SenseKey::kDataProtect, asc::kWriteProtected);
  EXPECT_EQ(f.dev1->log.size(), 0u);
  expect_good(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu1), cscd_e4(*f.lu)}, {seg_b2b(0, 1, 4, 0, 0)})));
  EXPECT_TRUE(std::equal(a.begin(), a.end(), f.dev->mem.begin()));
  LuConfig ro = named("ro");
  ro.read_only = true;
  TwoLus g(4096, false, ro);
  expect_sense(g.xcopy(xcopy_list(1, 0, {cscd_e4(*g.lu), cscd_e4(*g.lu1)}, {seg_b2b(0, 1, 4, 0, 0)})),
               SenseKey::kDataProtect, asc::kWriteProtected);
}

TEST(ExtendedCopyErrors, BackendErrorsAndBusyListIds) {
  TwoLus f;
  f.dev->fail_next(IoOp::kWrite, -EIO);
  Task w = f.xcopy(one_copy(f, 4, 0, 8));
  expect_aborted(w, asc::kNoAdditionalSense, 0, -1);
  ASSERT_EQ(w.sense[9], 18);
  EXPECT_EQ(parse_sense(w.sense + 19, w.sense_len - 19).asc, asc::kWriteError);
  // The same list id while the first copy still runs: OPERATION IN PROGRESS.
  f.dev->deferred = true;
  Task a;
  auto list = one_copy(f, 4, 0, 8);
  int before = f.owner.done;
  f.start(a, list);
  EXPECT_EQ(f.owner.done, before);
  expect_sense(f.xcopy(list), SenseKey::kIllegalRequest, asc::kOperationInProgress);
  f.dev->deferred = false;
  f.dev->run_pending();  // read done -> the write completes inline
  EXPECT_EQ(f.owner.done, before + 2);
  expect_good(a);
  expect_good(f.xcopy(list));  // id free again
}

TEST(ExtendedCopyErrors, TooManyConcurrentCopiesIsTaskSetFull) {
  TwoLus f;
  f.dev->deferred = true;
  auto list = xcopy_list(0, 3, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 1, 0, 1)});  // no list id
  std::vector<Task> running(kXcopyMaxConcurrentCopies);
  for (Task& t : running) f.start(t, list);
  EXPECT_EQ(f.owner.done, 0);
  Task extra = f.xcopy(list);
  EXPECT_EQ(extra.status, kTaskSetFull);
  EXPECT_EQ(extra.sense_len, 0);
  f.dev->deferred = false;
  f.dev->run_pending();
  for (Task& t : running) expect_good(t);
  expect_good(f.xcopy(list));
}

}  // namespace
}  // namespace esan::scsi
