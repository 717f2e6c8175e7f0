// Digest errors (RFC 7143 §7.8) on a raw session with HeaderDigest and
// DataDigest CRC32C: a bad header digest drops the connection; a bad data
// digest is answered with Reject (Data-Digest-Error) and then fails the
// task cleanly (Data-Out: CHECK CONDITION, the session goes on) or, for a
// command's immediate data, escalates to session recovery.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/raw_iscsi.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using namespace std::chrono_literals;
constexpr char kIqn[] = "iqn.2026-11.org.esan:digest";
constexpr size_t kMiB = 1024 * 1024;

class DigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    image = esand.Path("disk0.img");
    ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
    esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image)) +
                      IscsiDriver(Target(kIqn, "        LUN 0 disk0\n")));
    ASSERT_TRUE(esand.Start());
  }

  // A session with both digests; immediate: ImmediateData=Yes (else all
  // write data goes in solicited Data-Out PDUs).
  ::testing::AssertionResult Login(raw::Session& s, bool immediate) {
    raw::Session::Params p;
    p.target = kIqn;
    p.header_digest = "CRC32C";
    p.data_digest = "CRC32C";
    p.immediate_data = immediate ? "Yes" : "No";
    p.initial_r2t = "Yes";
    if (auto r = s.Login(esand.port(), p); !r) return r;
    if (!s.conn()->header_digest || !s.conn()->data_digest)
      return ::testing::AssertionFailure() << "digests not negotiated";
    return s.WaitReady(0);
  }

  // A new session still works and LBA lba holds `expected`.
  void ExpectDiskHolds(uint64_t lba, const std::vector<uint8_t>& expected) {
    raw::Session s;
    ASSERT_TRUE(Login(s, true));
    std::vector<uint8_t> back;
    ASSERT_TRUE(s.Read16(0, lba, expected.size(), &back));
    EXPECT_EQ(FirstDifference(back, expected), std::string::npos);
  }

  EsandProcess esand{"digest"};
  std::string image;
};

TEST_F(DigestTest, BadHeaderDigestDropsTheConnection) {
  raw::Session s;
  ASSERT_TRUE(Login(s, true));
  auto nop = [&](uint32_t itt, bool corrupt) {
    raw::Pdu out;
    out.bhs[0] = 0x40 | raw::kNopOut;  // immediate
    out.bhs[1] = 0x80;
    out.Set32(16, itt);
    out.Set32(20, 0xffffffffu);
    out.Set32(24, s.cmdsn());
    out.Set32(28, s.expstatsn());
    out.corrupt_header_digest = corrupt;
    return s.conn()->SendPdu(out);
  };
  // A well-formed ping is answered...
  ASSERT_TRUE(nop(0x1000, false));
  raw::Pdu in;
  std::string why;
  ASSERT_EQ(s.conn()->ReadPdu(&in, 5s, &why), raw::Conn::Recv::kOk) << why;
  EXPECT_EQ(in.opcode(), raw::kNopIn);
  EXPECT_EQ(in.Get32(16), 0x1000u);
  // ...the same PDU with a wrong header digest gets nothing but a close.
  ASSERT_TRUE(nop(0x1001, true));
  std::vector<uint8_t> got;
  EXPECT_TRUE(s.conn()->WaitClosed(5s, &got)) << "connection open 5 s after a bad header digest";
  EXPECT_TRUE(got.empty()) << "the target answered a PDU whose header it cannot trust";
  EXPECT_NE(esand.Output().find("header digest error"), std::string::npos);
  ExpectDiskHolds(0, std::vector<uint8_t>(4096, 0));
  EXPECT_TRUE(esand.Stop());
}

TEST_F(DigestTest, BadDataDigestInDataOutFailsTheTaskAndTheSessionGoesOn) {
  raw::Session s;
  ASSERT_TRUE(Login(s, false));
  s.data_out_limit = 16 * 1024;  // 64 KiB -> four Data-Out PDUs
  const uint64_t lba = 128;
  std::vector<uint8_t> before = TestData(64 * 1024, 41), after = TestData(64 * 1024, 42);
  ASSERT_TRUE(s.Write16(0, lba, before));

  int data_outs = 0;
  s.mutate_data_out = [&](raw::Pdu& p, bool) { p.corrupt_data_digest = ++data_outs == 2; };
  raw::CommandResult res;
  ASSERT_TRUE(s.Command(0, raw::Cdb16(0x8a, lba, 128), after, 0, &res));  // WRITE(16)
  EXPECT_EQ(data_outs, 4) << "all the task's data is still taken in";
  EXPECT_EQ(res.reject_reasons, std::vector<uint8_t>{0x02}) << "one Reject, Data-Digest-Error";
  EXPECT_EQ(res.status, 0x02) << "CHECK CONDITION";
  EXPECT_EQ(res.sense_key(), 0x0b) << "ABORTED COMMAND";
  EXPECT_EQ(res.asc_ascq(), 0x4705) << "PROTOCOL SERVICE CRC ERROR";

  // The failed write changed nothing; the same session keeps working.
  s.mutate_data_out = nullptr;
  std::vector<uint8_t> back;
  ASSERT_TRUE(s.Read16(0, lba, before.size(), &back));
  EXPECT_EQ(FirstDifference(back, before), std::string::npos) << "a rejected write was applied";
  ASSERT_TRUE(s.Write16(0, lba, after));
  ASSERT_TRUE(s.Read16(0, lba, after.size(), &back));
  EXPECT_EQ(FirstDifference(back, after), std::string::npos);
  EXPECT_TRUE(esand.Stop());
}

TEST_F(DigestTest, BadDataDigestOnImmediateDataIsRejectedThenTheSessionEnds) {
  raw::Session s;
  ASSERT_TRUE(Login(s, true));
  std::vector<uint8_t> data = TestData(4096, 43);
  s.mutate_command = [](raw::Pdu& p) { p.corrupt_data_digest = true; };
  raw::CommandResult res;
  auto r = s.Command(0, raw::Cdb16(0x8a, 64, 8), data, 0, &res);
  EXPECT_FALSE(r) << "a command with bad immediate data completed";
  EXPECT_EQ(res.reject_reasons, std::vector<uint8_t>{0x02}) << r.message();
  EXPECT_NE(std::string(r.message()).find("closed"), std::string::npos) << r.message();
  EXPECT_TRUE(esand.Running());
  ExpectDiskHolds(64, std::vector<uint8_t>(4096, 0));
  EXPECT_TRUE(esand.Stop());
}

}  // namespace
}  // namespace esan::it
