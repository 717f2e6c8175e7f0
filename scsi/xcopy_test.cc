// EXTENDED COPY data movement, RECEIVE COPY RESULTS, the Third-party Copy
// VPD page and the opcode table entries.
#include <gtest/gtest.h>

#include "scsi/xcopy_test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

void fill(MemDevice& d, uint64_t off, const std::vector<uint8_t>& v) { std::copy(v.begin(), v.end(), d.mem.begin() + off); }
bool equal_at(const MemDevice& d, uint64_t off, const std::vector<uint8_t>& v) {
  return std::equal(v.begin(), v.end(), d.mem.begin() + off);
}

TEST(ExtendedCopy, WithinOneLuInBoundedChunks) {
  auto data = pattern(5000 * 512, 3);  // 5000 blocks = 2.4 MiB: 1 MiB + 1 MiB + the rest
  Fixture g(named("big"), 12000);
  fill(*g.dev, 0, data);
  auto list = xcopy_list(1, 0, {cscd_e4(*g.lu)}, {seg_b2b(0, 0, 5000, 0, 6000)});
  Task t = g.run(xcopy_cdb(16 + 32 + 28), DataDir::kOut, list);
  expect_good(t);
  EXPECT_EQ(t.out_wanted, 76u);
  EXPECT_TRUE(t.data.empty());
  EXPECT_TRUE(equal_at(*g.dev, 6000 * 512, data));
  EXPECT_EQ(g.dev->mem[6000 * 512 - 1], 0);
  EXPECT_EQ(g.dev->mem[11000 * 512], 0);
  size_t reads = 0, writes = 0;
  for (auto& op : g.dev->log) {
    EXPECT_LE(op.len, kXcopyChunkBytes);
    reads += op.op == IoOp::kRead;
    writes += op.op == IoOp::kWrite;
  }
  EXPECT_EQ(reads, 3u);
  EXPECT_EQ(writes, 3u);
}

TEST(ExtendedCopy, BetweenTwoLusByteForByte) {
  TwoLus f;
  auto a = pattern(100 * 512, 9), b = pattern(7 * 512, 77);
  fill(*f.dev1, 10 * 512, a);
  fill(*f.dev, 2000 * 512, b);
  // Two segments: LUN1 -> LUN0 and LUN0 -> LUN1, sent to LUN 0.
  auto list = xcopy_list(1, 0, {cscd_e4(*f.lu1), cscd_e4(*f.lu)},
                         {seg_b2b(0, 1, 100, 10, 300), seg_b2b(1, 0, 7, 2000, 4000)});
  expect_good(f.xcopy(list));
  EXPECT_TRUE(equal_at(*f.dev, 300 * 512, a));
  EXPECT_TRUE(equal_at(*f.dev1, 4000 * 512, b));
  EXPECT_EQ(f.dev->mem[400 * 512], 0);
}

TEST(ExtendedCopy, OverlappingRangesCopyLikeMemmove) {
  Fixture f(named("big"), 12000);
  auto data = pattern(5000 * 512, 5);  // 5000 blocks (3 chunks), copied 100 blocks up, then down
  fill(*f.dev, 0, data);
  expect_good(f.run(xcopy_cdb(76), DataDir::kOut, xcopy_list(0, 3, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 5000, 0, 100)})));
  EXPECT_TRUE(equal_at(*f.dev, 100 * 512, data));
  expect_good(f.run(xcopy_cdb(76), DataDir::kOut, xcopy_list(0, 3, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 5000, 100, 50)})));
  EXPECT_TRUE(equal_at(*f.dev, 50 * 512, data));
}

TEST(ExtendedCopy, AsyncCompletionKeepsLusAlive) {
  TwoLus f;
  auto a = pattern(64 * 512, 1);
  fill(*f.dev1, 0, a);
  f.dev->deferred = f.dev1->deferred = true;
  std::weak_ptr<LogicalUnit> src = f.lu1;
  auto list = xcopy_list(4, 0, {cscd_e4(*f.lu1), cscd_e4(*f.lu)}, {seg_b2b(0, 1, 64, 0, 0)});
  Task t;
  f.start(t, list);
  EXPECT_EQ(f.owner.done, 0);  // the read waits in the backend
  // While running: COPY STATUS says in progress; the LU leaves every map.
  Task st = f.run(rcr_cdb(0, 4), DataDir::kIn);
  expect_good(st);
  EXPECT_EQ(st.data.data()[4], 0x10);
  set_lun_map(*f.nexus, std::make_shared<LunMap>(LunMap{{0, LunMapping{f.lu, false}}}));
  MemDevice* dev1 = f.dev1;
  f.lu1.reset();
  EXPECT_FALSE(src.expired());
  dev1->run_pending();  // read done -> write queued on LUN 0's device
  EXPECT_EQ(f.owner.done, 1);  // the status query only
  f.dev->run_pending();
  EXPECT_EQ(f.owner.done, 2);
  expect_good(t);
  EXPECT_TRUE(equal_at(*f.dev, 0, a));
  EXPECT_TRUE(src.expired());  // the job let go of the source LU when it finished
}

TEST(ReceiveCopyResults, OperatingParameters) {
  Fixture f;
  Task t = f.run(rcr_cdb(3, 0), DataDir::kIn);
  expect_good(t);
  const uint8_t* d = t.data.data();
  ASSERT_EQ(t.data.size(), 46u);
  EXPECT_EQ(load_be32(d), 42u);
  EXPECT_EQ(load_be16(d + 8), kXcopyMaxCscdDescriptors);
  EXPECT_EQ(load_be16(d + 10), kXcopyMaxSegmentDescriptors);
  EXPECT_EQ(load_be32(d + 12), kXcopyMaxDescriptorListLength);
  EXPECT_EQ(load_be32(d + 16), kXcopyMaxSegmentBytes);
  EXPECT_EQ(load_be32(d + 20), 0u);  // no inline data
  EXPECT_EQ(load_be32(d + 24), 0u);  // no held data
  EXPECT_EQ(d[37], 9);               // 512-byte granularity
  EXPECT_EQ(d[43], 2);
  EXPECT_EQ(d[44], 0x02);
  EXPECT_EQ(d[45], 0xE4);
  EXPECT_EQ(f.run(rcr_cdb(3, 0, 10), DataDir::kIn).data.size(), 10u);
}

TEST(ReceiveCopyResults, CopyStatusFollowsListIdUsage) {
  TwoLus f;
  expect_invalid_cdb(f.run(rcr_cdb(0, 1), DataDir::kIn), 2);  // nothing known yet
  expect_good(f.xcopy(xcopy_list(1, 0, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 8, 0, 100), seg_b2b(0, 0, 2048, 0, 0)})));
  Task t = f.run(rcr_cdb(0, 1), DataDir::kIn);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 12u);
  EXPECT_EQ(load_be32(t.data.data()), 8u);
  EXPECT_EQ(t.data.data()[4], 0x00);                     // completed, no error
  EXPECT_EQ(load_be16(t.data.data() + 5), 2u);    // segments processed
  EXPECT_EQ(t.data.data()[7], 0);                        // bytes
  EXPECT_EQ(load_be32(t.data.data() + 8), 2056u * 512);
  expect_invalid_cdb(f.run(rcr_cdb(0, 1), DataDir::kIn, {}, 1024, nullptr, 1), 2);  // per LU
  // LIST ID USAGE 10b: not held once done.
  expect_good(f.xcopy(xcopy_list(2, 2, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 8, 0, 100)})));
  expect_invalid_cdb(f.run(rcr_cdb(0, 2), DataDir::kIn), 2);
  // A failed held copy reports "completed with error".
  f.dev->fail_next(IoOp::kRead, -EIO);
  Task bad = f.xcopy(xcopy_list(3, 0, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 8, 0, 100)}));
  expect_sense(bad, SenseKey::kCopyAborted, asc::kNoAdditionalSense);
  EXPECT_EQ(f.run(rcr_cdb(0, 3), DataDir::kIn).data.data()[4], 0x01);
  // Other service actions are refused.
  expect_invalid_cdb(f.run(rcr_cdb(1, 1), DataDir::kIn), 1, 4);
  expect_invalid_cdb(f.run(rcr_cdb(4, 1), DataDir::kIn), 1, 4);
}

TEST(ReceiveCopyResults, HeldResultsAreBounded) {
  Fixture f;
  for (int id = 0; id < int(kXcopyHeldResults) + 4; ++id)
    expect_good(f.run(xcopy_cdb(76), DataDir::kOut, xcopy_list(uint8_t(id), 0, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 1, 0, 1)})));
  expect_invalid_cdb(f.run(rcr_cdb(0, 0), DataDir::kIn), 2);  // oldest evicted
  expect_good(f.run(rcr_cdb(0, uint8_t(kXcopyHeldResults + 3)), DataDir::kIn));
  EXPECT_EQ(f.nexus->copy_results->records.size(), kXcopyHeldResults);
}

TEST(ThirdPartyCopy, InquiryAndVpd8F) {
  Fixture f;
  std::vector<uint8_t> std_inq = {op::kInquiry, 0, 0, 0, 96, 0};
  EXPECT_EQ(f.run(std_inq, DataDir::kIn).data.data()[5] & 0x08, 0x08);  // 3PC
  Task t = f.run({op::kInquiry, 1, 0x8F, 0x01, 0x00, 0}, DataDir::kIn);
  expect_good(t);
  const uint8_t* d = t.data.data();
  ASSERT_EQ(size_t(load_be16(d + 2)) + 4, t.data.size());
  std::vector<uint16_t> types;
  for (size_t off = 4; off + 4 <= t.data.size(); off += 4 + load_be16(d + off + 2)) {
    uint16_t type = load_be16(d + off);
    types.push_back(type);
    EXPECT_EQ(load_be16(d + off + 2) % 4, 0u) << type;
    if (type == 0x0001) {  // supported commands
      EXPECT_EQ(d[off + 4], 7);
      EXPECT_EQ(d[off + 5], 0x83);
      EXPECT_EQ(d[off + 8], 0x84);
      EXPECT_EQ(d[off + 9], 2);
    }
    if (type == 0x0004) {
      EXPECT_EQ(load_be16(d + off + 8), kXcopyMaxCscdDescriptors);
      EXPECT_EQ(load_be16(d + off + 10), kXcopyMaxSegmentDescriptors);
      EXPECT_EQ(load_be32(d + off + 12), kXcopyMaxDescriptorListLength);
    }
    if (type == 0x8001) {
      EXPECT_EQ(load_be32(d + off + 12), kXcopyMaxSegmentBytes);
    }
  }
  EXPECT_EQ(types, (std::vector<uint16_t>{0x0001, 0x0004, 0x0008, 0x000C, 0x8001}));
}

TEST(ThirdPartyCopy, ReportSupportedOpcodes) {
  Fixture f;
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceIn;
  c[1] = op::kSaReportSupportedOpcodes;
  c[2] = 0x02;  // by opcode + service action
  c[3] = op::kExtendedCopy;
  store_be32(&c[6], 512);
  Task t = f.run(c, DataDir::kIn);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 4u + 16);
  EXPECT_EQ(t.data.data()[1] & 0x07, 0x03);  // supported
  EXPECT_EQ(t.data.data()[4], 0x83);
  EXPECT_EQ(load_be32(t.data.data() + 4 + 10), 0xFFFFFFFFu);  // PARAMETER LIST LENGTH used
  c[3] = op::kReceiveCopyResults;
  c[5] = 0x03;
  Task r = f.run(c, DataDir::kIn);
  EXPECT_EQ(r.data.data()[1] & 0x07, 0x03);
  c[5] = 0x01;  // RECEIVE DATA: not supported
  EXPECT_EQ(f.run(c, DataDir::kIn).data.data()[1] & 0x07, 0x01);
}

}  // namespace
}  // namespace esan::scsi
