// Text requests in the full feature phase of a normal session (RFC 7143
// 11.10, 11.11, 12.3 and Appendix C): every Text Request gets exactly one
// Text Response, unknown keys are answered NotUnderstood, SendTargets names
// the session's own target, and the session stays usable afterwards.
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
constexpr char kIqn[] = "iqn.2026-11.org.esan:text";
constexpr char kOther[] = "iqn.2026-11.org.esan:text-other";
constexpr size_t kMiB = 1024 * 1024;

std::vector<uint8_t> Raw(const std::string& s) { return {s.begin(), s.end()}; }
std::string Str(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }

class TextInFullFeaturePhase : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string image = esand_.Path("disk0.img");
    ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
    ASSERT_TRUE(MakeSparseFile(esand_.Path("disk1.img"), 16 * kMiB));
    esand_.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image) +
                                                   FileioDevice("disk1", esand_.Path("disk1.img"))) +
                       IscsiDriver(Target(kIqn, "        LUN 0 disk0\n") + Target(kOther, "        LUN 0 disk1\n")));
    ASSERT_TRUE(esand_.Start());
    raw::Session::Params p;
    p.target = kIqn;
    ASSERT_TRUE(s_.Login(esand_.port(), p));
    ASSERT_TRUE(s_.WaitReady(0));
  }
  void TearDown() override { EXPECT_TRUE(esand_.Stop()); }

  // The session still carries SCSI commands.
  void ExpectUsable() {
    std::vector<uint8_t> data = TestData(4096, 17);
    ASSERT_TRUE(s_.Write16(0, 8, data));
    std::vector<uint8_t> back;
    ASSERT_TRUE(s_.Read16(0, 8, data.size(), &back));
    EXPECT_EQ(back, data);
  }

  EsandProcess esand_{"text-ffp"};
  raw::Session s_;
};

TEST_F(TextInFullFeaturePhase, SendTargetsAllNamesTheSessionsTargetAndItsAddress) {
  for (bool immediate : {false, true}) {
    for (const char* value : {"All", ""}) {
      SCOPED_TRACE(std::string("SendTargets=") + value + (immediate ? " immediate" : ""));
      std::vector<uint8_t> rsp;
      ASSERT_TRUE(s_.Text(Raw(std::string("SendTargets=") + value + '\0'), immediate, &rsp));
      std::string text = Str(rsp);
      EXPECT_EQ(text.rfind(std::string("TargetName=") + kIqn + '\0', 0), 0u) << text;
      EXPECT_NE(text.find("TargetAddress="), std::string::npos) << text;
      EXPECT_NE(text.find(":" + std::to_string(esand_.port()) + ","), std::string::npos) << text;
      EXPECT_EQ(text.find(kOther), std::string::npos) << "a normal session learns only its own target";
      EXPECT_EQ(text.find("Reject"), std::string::npos) << text;
    }
  }
  ExpectUsable();
}

TEST_F(TextInFullFeaturePhase, EveryRequestGetsOneResponseAndUnknownKeysAreNotUnderstood) {
  struct Case {
    std::string request, expect;  // expect: text the response must hold ("" = may be empty)
  };
  std::vector<Case> cases = {
      {std::string("SendTargetsPlease=All") + '\0', std::string("SendTargetsPlease=NotUnderstood") + '\0'},
      {std::string("sENDtARGETS=aLL") + '\0', std::string("sENDtARGETS=NotUnderstood") + '\0'},
      {std::string("X-com.example.Foo=1") + '\0', std::string("X-com.example.Foo=NotUnderstood") + '\0'},
      {std::string("SendTargets=Alle") + '\0', ""},  // a target of that name: none
      {std::string("SendTargets=") + kOther + '\0', ""},  // not this session's business either way
  };
  for (bool immediate : {true, false}) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.request + (immediate ? " (immediate)" : ""));
      std::vector<uint8_t> rsp;
      ASSERT_TRUE(s_.Text(Raw(c.request), immediate, &rsp, 3s));
      if (!c.expect.empty()) EXPECT_NE(Str(rsp).find(c.expect), std::string::npos) << Str(rsp);
      // Exactly one response: nothing else is waiting on the connection.
      raw::Pdu extra;
      std::string why;
      EXPECT_EQ(s_.conn()->ReadPdu(&extra, 200ms, &why), raw::Conn::Recv::kTimeout)
          << "unexpected PDU, opcode 0x" << std::hex << int(extra.opcode());
    }
  }
  ExpectUsable();
}

}  // namespace
}  // namespace esan::it
