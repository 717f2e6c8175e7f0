// EXTENDED COPY end to end: libiscsi against a real esand with two file LUs
// on one target. The CSCD descriptors carry the NAA designators the LUs
// report in VPD 83h; the copy's result is checked by READ16, in the backing
// file and through RECEIVE COPY RESULTS.
#include <cstring>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqn[] = "iqn.2026-11.org.esan:xcopy";
constexpr size_t kMiB = 1024 * 1024;

// The LU's NAA designator from VPD 83h, as an identification CSCD descriptor.
::testing::AssertionResult CscdOf(iscsi_context* ctx, int lun, std::vector<uint8_t>* d) {
  Task t(iscsi_inquiry_sync(ctx, lun, 1, SCSI_INQUIRY_PAGECODE_DEVICE_IDENTIFICATION, 255));
  if (!t || t->status != SCSI_STATUS_GOOD) return ::testing::AssertionFailure() << Describe(ctx, t.get());
  auto* di = static_cast<scsi_inquiry_device_identification*>(scsi_datain_unmarshall(t.get()));
  if (!di) return ::testing::AssertionFailure() << "VPD 83h does not parse";
  for (auto* g = di->designators; g; g = g->next) {
    if (g->designator_type != SCSI_DESIGNATOR_TYPE_NAA || g->association != SCSI_ASSOCIATION_LOGICAL_UNIT) continue;
    d->assign(32, 0);
    (*d)[0] = 0xE4;
    (*d)[4] = uint8_t(g->code_set);
    (*d)[5] = uint8_t(g->designator_type);
    (*d)[7] = uint8_t(g->designator_length);
    std::memcpy(d->data() + 8, g->designator, size_t(g->designator_length));
    (*d)[30] = 0x02;  // disk block length 512
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no NAA designator for LUN " << lun;
}

std::vector<uint8_t> Segment(uint16_t src, uint16_t dst, uint16_t blocks, uint64_t src_lba, uint64_t dst_lba) {
  std::vector<uint8_t> s(28, 0);
  s[0] = 0x02;
  s[3] = 0x18;
  s[5] = uint8_t(src);
  s[7] = uint8_t(dst);
  s[10] = uint8_t(blocks >> 8);
  s[11] = uint8_t(blocks);
  for (int i = 0; i < 8; ++i) {
    s[12 + i] = uint8_t(src_lba >> (56 - 8 * i));
    s[20 + i] = uint8_t(dst_lba >> (56 - 8 * i));
  }
  return s;
}

// Sends EXTENDED COPY (LID1, LIST ID USAGE 00b) to lun.
Task ExtendedCopy(iscsi_context* ctx, int lun, uint8_t list_id, const std::vector<std::vector<uint8_t>>& cscds,
                  const std::vector<std::vector<uint8_t>>& segs) {
  std::vector<uint8_t> p(16, 0);
  p[0] = list_id;
  size_t t = 0, s = 0;
  for (auto& d : cscds) p.insert(p.end(), d.begin(), d.end()), t += d.size();
  for (auto& d : segs) p.insert(p.end(), d.begin(), d.end()), s += d.size();
  p[3] = uint8_t(t);
  p[11] = uint8_t(s);
  iscsi_data data{p.size(), p.data()};
  scsi_task* task = scsi_cdb_extended_copy(int(p.size()));
  return Task(iscsi_scsi_command_sync(ctx, lun, task, &data));
}

TEST(ExtendedCopy, CopiesBetweenTwoFileLusOfOneTarget) {
  EsandProcess esand("xcopy");
  std::string a = esand.Path("a.img"), b = esand.Path("b.img");
  ASSERT_TRUE(MakeSparseFile(a, 32 * kMiB));
  ASSERT_TRUE(MakeSparseFile(b, 32 * kMiB));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("diskA", a) + FileioDevice("diskB", b)) +
                    IscsiDriver(Target(kIqn, "        LUN 0 diskA\n        LUN 1 diskB\n")));
  ASSERT_TRUE(esand.Start());
  std::string err;
  Context ctx = Login(esand.portal(), kIqn, 0, SessionOptions{}, &err);
  ASSERT_TRUE(ctx) << err;
  ASSERT_TRUE(WaitReady(ctx.get(), 1));

  // 6 MiB of data on LUN 1 (several 1 MiB chunks), 64 KiB on LUN 0.
  std::vector<uint8_t> big = TestData(6 * kMiB, 11), small = TestData(64 * 1024, 12);
  for (size_t off = 0; off < big.size(); off += kMiB)
    ASSERT_TRUE(Write16(ctx.get(), 1, 1000 + off / 512, big.data() + off, kMiB));
  ASSERT_TRUE(Write16(ctx.get(), 0, 50, small.data(), small.size()));

  std::vector<uint8_t> ca, cb;
  ASSERT_TRUE(CscdOf(ctx.get(), 0, &ca));
  ASSERT_TRUE(CscdOf(ctx.get(), 1, &cb));
  ASSERT_NE(ca, cb);
  // LUN 1 -> LUN 0 (12288 blocks) and LUN 0 -> LUN 1 (128 blocks), sent to LUN 0.
  Task t = ExtendedCopy(ctx.get(), 0, 7, {cb, ca},
                        {Segment(0, 1, uint16_t(big.size() / 512), 1000, 20000), Segment(1, 0, 128, 50, 60000)});
  ASSERT_TRUE(t && t->status == SCSI_STATUS_GOOD) << Describe(ctx.get(), t.get());

  std::vector<uint8_t> back;
  for (size_t off = 0; off < big.size(); off += kMiB) {
    ASSERT_TRUE(Read16(ctx.get(), 0, 20000 + off / 512, kMiB, &back));
    std::vector<uint8_t> want(big.begin() + long(off), big.begin() + long(off + kMiB));
    ASSERT_EQ(FirstDifference(back, want), std::string::npos) << "LUN 0 differs in MiB " << off / kMiB;
  }
  ASSERT_TRUE(Read16(ctx.get(), 1, 60000, small.size(), &back));
  EXPECT_EQ(FirstDifference(back, small), std::string::npos);
  EXPECT_EQ(FirstDifference(ReadFileRange(a, 20000 * 512, big.size()), big), std::string::npos);
  EXPECT_EQ(FirstDifference(ReadFileRange(b, 60000 * 512, small.size()), small), std::string::npos);

  // RECEIVE COPY RESULTS: COPY STATUS of list 7 on LUN 0.
  Task st(iscsi_scsi_command_sync(ctx.get(), 0, scsi_cdb_receive_copy_results(SCSI_COPY_RESULTS_COPY_STATUS, 7, 1024),
                                  nullptr));
  ASSERT_TRUE(st && st->status == SCSI_STATUS_GOOD) << Describe(ctx.get(), st.get());
  auto* cs = static_cast<scsi_copy_results_copy_status*>(scsi_datain_unmarshall(st.get()));
  ASSERT_NE(cs, nullptr);
  EXPECT_EQ(cs->copy_manager_status, 0);
  EXPECT_EQ(cs->segments_processed, 2);
  EXPECT_EQ(cs->transfer_count_units, 0);
  EXPECT_EQ(cs->transfer_count, big.size() + small.size());

  // A designator this target does not have: COPY ABORTED, COPY TARGET DEVICE NOT REACHABLE.
  std::vector<uint8_t> bogus = ca;
  bogus[23] ^= 0xFF;
  Task bad = ExtendedCopy(ctx.get(), 0, 8, {bogus, ca}, {Segment(0, 1, 1, 0, 0)});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, SCSI_STATUS_CHECK_CONDITION);
  EXPECT_EQ(bad->sense.key, SCSI_SENSE_COPY_ABORTED);
  EXPECT_EQ(bad->sense.ascq, SCSI_SENSE_ASCQ_COPY_TARGET_DEVICE_NOT_REACHABLE);
  ctx.reset();
  EXPECT_TRUE(esand.Stop());
}

}  // namespace
}  // namespace esan::it
