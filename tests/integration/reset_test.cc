// TARGET COLD RESET (RFC 7143 11.5.1): the target drops every connection of
// every initiator to that target, not only the requester's; sessions of
// other targets are untouched. Without it the other sessions kept the
// reset's POWER ON OCCURRED unit attention and met it on their next
// command (libiscsi's Reserve6.TargetColdReset on a second initiator).
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
constexpr char kIqn[] = "iqn.2026-11.org.esan:reset";
constexpr char kOther[] = "iqn.2026-11.org.esan:reset-other";
constexpr size_t kMiB = 1024 * 1024;

raw::Session::Params ParamsFor(const std::string& target, const std::string& initiator) {
  raw::Session::Params p;
  p.target = target;
  p.initiator = initiator;
  return p;
}

TEST(TargetColdReset, EndsEverySessionOfTheTarget) {
  EsandProcess esand("cold-reset");
  ASSERT_TRUE(MakeSparseFile(esand.Path("d0.img"), 16 * kMiB));
  ASSERT_TRUE(MakeSparseFile(esand.Path("d1.img"), 16 * kMiB));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("d0", esand.Path("d0.img")) +
                                                FileioDevice("d1", esand.Path("d1.img"))) +
                    IscsiDriver(Target(kIqn, "        LUN 0 d0\n") + Target(kOther, "        LUN 0 d1\n")));
  ASSERT_TRUE(esand.Start());

  raw::Session requester, bystander, elsewhere;
  ASSERT_TRUE(requester.Login(esand.port(), ParamsFor(kIqn, "iqn.2026-11.org.esan.test:a")));
  ASSERT_TRUE(bystander.Login(esand.port(), ParamsFor(kIqn, "iqn.2026-11.org.esan.test:b")));
  ASSERT_TRUE(elsewhere.Login(esand.port(), ParamsFor(kOther, "iqn.2026-11.org.esan.test:c")));
  ASSERT_TRUE(requester.WaitReady(0));
  ASSERT_TRUE(bystander.WaitReady(0));
  ASSERT_TRUE(elsewhere.WaitReady(0));

  raw::Pdu tmf;
  tmf.bhs[0] = 0x02 | 0x40;  // Task Management Function Request, immediate
  tmf.bhs[1] = 0x80 | 7;     // TARGET COLD RESET
  tmf.Set32(16, 0x7777);
  tmf.Set32(20, 0xffffffff);
  tmf.Set32(24, requester.cmdsn());
  tmf.Set32(28, requester.expstatsn());
  ASSERT_TRUE(requester.conn()->SendPdu(tmf));
  raw::Pdu rsp;
  std::string why;
  ASSERT_EQ(requester.conn()->ReadPdu(&rsp, 5s, &why), raw::Conn::Recv::kOk) << why;
  ASSERT_EQ(rsp.opcode(), 0x22) << "TMF response";
  EXPECT_EQ(rsp.bhs[2], 0) << "function complete";
  EXPECT_TRUE(requester.conn()->WaitClosed(5s));
  EXPECT_TRUE(bystander.conn()->WaitClosed(5s)) << "the other initiator's session of the target survived";
  // Another target's session carries on.
  std::vector<uint8_t> data = TestData(4096, 3);
  ASSERT_TRUE(elsewhere.Write16(0, 0, data));
  // A new session of the reset target works.
  raw::Session again;
  ASSERT_TRUE(again.Login(esand.port(), ParamsFor(kIqn, "iqn.2026-11.org.esan.test:b")));
  EXPECT_TRUE(again.WaitReady(0));
  EXPECT_TRUE(esand.Stop());
}

}  // namespace
}  // namespace esan::it
