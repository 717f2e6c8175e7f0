// GET /v1/health and GET .../target-groups/{tg}/state (docs/API.md
// "Health"): what the resource agent's monitor reads, against a real esand.
#include <cstdio>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/mgmt_util.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using nlohmann::json;

TEST(MgmtHealth, ReportsEachBackendAndEachDeviceGroup) {
  EsandProcess esand("mgmt-health");
  const std::string img = esand.Path("d0.img"), away = esand.Path("d0.away");
  ASSERT_TRUE(MakeSparseFile(img, 8 * 1024 * 1024));
  esand.WriteConfig("HANDLER vdisk_fileio {\n DEVICE d0 {\n  filename " + img +
                    "\n }\n}\nHANDLER vdisk_nullio {\n DEVICE n0 {\n }\n}\n"
                    "TARGET_DRIVER iscsi {\n enabled 1\n TARGET iqn.2026-12.org.esan:h {\n  LUN 0 d0\n  LUN 1 n0\n"
                    "  enabled 1\n }\n}\n"
                    "DEVICE_GROUP dg {\n DEVICE d0\n DEVICE n0\n TARGET_GROUP local {\n  group_id 1\n"
                    "  state nonoptimized\n  TARGET iqn.2026-12.org.esan:h\n }\n}\n");
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());

  auto h = api.Get("/v1/health");
  ASSERT_TRUE(Ok(h));
  EXPECT_EQ(h.json["ok"], true) << h.json.dump();
  ASSERT_EQ(h.json["devices"].size(), 2u);
  EXPECT_EQ(h.json["devices"][0]["name"], "d0");
  EXPECT_EQ(h.json["devices"][0]["ok"], true);
  EXPECT_EQ(h.json["devices"][0]["path"], img);
  EXPECT_EQ(h.json["devices"][1]["name"], "n0");
  EXPECT_EQ(h.json["devices"][1]["ok"], true);
  EXPECT_TRUE(h.json["devices"][1]["path"].is_null());
  ASSERT_EQ(h.json["device_groups"].size(), 1u);
  EXPECT_EQ(h.json["device_groups"][0], json::parse(R"({"name":"dg","ready":true,"cluster_group":null})"));

  // The file esand has open is removed: the probe opens the path, so it tells.
  ASSERT_EQ(std::rename(img.c_str(), away.c_str()), 0);
  h = api.Get("/v1/health?timeout_ms=2000");
  ASSERT_TRUE(Ok(h));
  EXPECT_EQ(h.json["ok"], false);
  EXPECT_EQ(h.json["devices"][0]["ok"], false);
  EXPECT_EQ(h.json["devices"][0]["error"], "cannot open " + img + ": No such file or directory");
  EXPECT_EQ(h.json["devices"][1]["ok"], true);
  ASSERT_EQ(std::rename(away.c_str(), img.c_str()), 0);
  EXPECT_EQ(api.Get("/v1/health").json["ok"], true);

  for (const char* bad : {"0", "60001", "5s", "-1", ""})
    EXPECT_TRUE(Refused(api.Get(std::string("/v1/health?timeout_ms=") + bad), 400, "invalid_argument")) << bad;

  auto st = api.Get("/v1/alua/device-groups/dg/target-groups/local/state");
  ASSERT_TRUE(Ok(st));
  EXPECT_EQ(st.json, json::parse(R"({"state":"nonoptimized","group_id":1})"));
  ASSERT_TRUE(Ok(api.Put("/v1/alua/device-groups/dg/target-groups/local/state", {{"state", "transitioning"}})));
  EXPECT_EQ(api.Get("/v1/alua/device-groups/dg/target-groups/local/state").json["state"], "transitioning");
  EXPECT_TRUE(Refused(api.Get("/v1/alua/device-groups/dg/target-groups/remote/state"), 404, "not_found"));
  EXPECT_TRUE(Refused(api.Get("/v1/alua/device-groups/nope/target-groups/local/state"), 404, "not_found"));
}

}  // namespace
}  // namespace esan::it
