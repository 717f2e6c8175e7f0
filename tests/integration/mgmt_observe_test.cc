// The observability endpoints over HTTP against a real esand (docs/API.md,
// Sessions and Statistics): GET /metrics counters rise by exactly the I/O a
// client did, GET /v1/sessions shows the client, DELETE /v1/sessions/{id}
// drops it and a new session still works.
#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/mgmt_util.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using nlohmann::json;
const std::string kT = "iqn.2026-11.org.esan:observe";
const std::string kInitiator = "iqn.2026-11.org.esan.test:observer";

// The value of the sample `name{labels}` in Prometheus text, or -1.
double Sample(const std::string& text, const std::string& series) {
  size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') return std::stod(text.substr(pos + series.size() + 1));
    pos += series.size();
  }
  return -1;
}

class MgmtObserve : public ::testing::Test {
 protected:
  void SetUp() override {
    esand_.WriteConfig(Handler("vdisk_nullio", NullioDevice("n0", 4)) + IscsiDriver(Target(kT, "        LUN 0 n0\n")));
    ASSERT_TRUE(esand_.Start());
  }
  void TearDown() override { EXPECT_TRUE(esand_.Stop()); }
  Context Connect() {
    SessionOptions o;
    o.initiator = kInitiator;
    std::string err;
    auto s = Login(esand_.portal(), kT, 0, o, &err);
    EXPECT_TRUE(s) << err;
    return s;
  }

  EsandProcess esand_{"mgmt-observe"};
  MgmtClient api_{esand_.mgmt_socket()};
};

TEST_F(MgmtObserve, MetricsRiseWithIo) {
  auto s = Connect();
  ASSERT_TRUE(s);
  const std::string reads = "esan_device_commands_total{device=\"n0\",op=\"read\"}";
  const std::string rbytes = "esan_device_bytes_total{device=\"n0\",op=\"read\"}";
  auto before = api_.Get("/metrics");
  ASSERT_TRUE(Ok(before));
  double r0 = Sample(before.body, reads), b0 = Sample(before.body, rbytes);
  ASSERT_GE(r0, 0) << before.body;
  ASSERT_GE(b0, 0) << before.body;
  std::vector<uint8_t> out;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Read16(s.get(), 0, uint64_t(i) * 8, 4096, &out));
  auto after = api_.Get("/metrics");
  ASSERT_TRUE(Ok(after));
  EXPECT_EQ(Sample(after.body, reads), r0 + 10);
  EXPECT_EQ(Sample(after.body, rbytes), b0 + 40960);
  auto stats = api_.Get("/v1/stats");
  ASSERT_TRUE(Ok(stats));
  EXPECT_EQ(stats.json["sessions"], 1) << stats.body;
}

TEST_F(MgmtObserve, SessionListedThenClosed) {
  auto s = Connect();
  ASSERT_TRUE(s);
  auto list = api_.Get("/v1/sessions");
  ASSERT_TRUE(Ok(list));
  ASSERT_TRUE(list.json.is_array()) << list.body;
  json mine;
  for (const auto& e : list.json)
    if (e.value("initiator", "") == kInitiator) mine = e;
  ASSERT_TRUE(mine.is_object()) << list.body;
  EXPECT_EQ(mine["target"], kT);
  int id = mine["id"].get<int>();

  EXPECT_TRUE(Refused(api_.Delete("/v1/sessions/65000"), 404, "not_found"));
  EXPECT_TRUE(Refused(api_.Delete("/v1/sessions/abc"), 400, "invalid_argument"));
  ASSERT_TRUE(Ok(api_.Delete("/v1/sessions/" + std::to_string(id))));
  // The session is gone from the list and its next command fails.
  auto again = api_.Get("/v1/sessions");
  ASSERT_TRUE(Ok(again));
  for (const auto& e : again.json) EXPECT_NE(e["id"].get<int>(), id);
  std::vector<uint8_t> out;
  EXPECT_FALSE(Read16(s.get(), 0, 0, 4096, &out));
  s.reset();
  auto s2 = Connect();
  ASSERT_TRUE(s2);
  EXPECT_TRUE(Read16(s2.get(), 0, 0, 4096, &out));
}

}  // namespace
}  // namespace esan::it
