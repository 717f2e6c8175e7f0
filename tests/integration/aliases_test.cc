// Initiator aliases end to end (issue 16, label tui): set through the
// management API, an alias is written back to the config file in the
// ESAN_ALIASES section, recorded in the configuration history, shown with
// the initiator's session in GET /v1/sessions and kept across a restart
// from the written file; bad input is refused with a message naming the
// rule and changes neither the file nor the aliases; GET /v1/cluster on a
// machine where no cluster runs is a status, not an error.
#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/mgmt_util.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using nlohmann::json;
const std::string kTarget = "iqn.2026-12.org.esan:aliases";
const std::string kHost = "iqn.2026-12.org.esan.test:db-host";

std::string Message(const HttpResult& r) {
  return r.json.is_object() && r.json.contains("error") ? r.json["error"].value("message", "") : r.body;
}

TEST(AliasesThroughEsand, SetWrittenBackInHistoryShownWithSessionsAndKept) {
  EsandProcess esand("aliases");
  ASSERT_TRUE(MakeSparseFile(esand.Path("d0.img"), 8 << 20));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("d0", esand.Path("d0.img"))) +
                    IscsiDriver(Target(kTarget, "        LUN 0 d0\n")));
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());

  auto r = api.Put("/v1/aliases/" + kHost, {{"alias", "db-1"}});
  ASSERT_TRUE(Ok(r));
  EXPECT_EQ(r.json, json({{"initiator", kHost}, {"alias", "db-1"}}));
  std::string file = ReadFile(esand.config_path());
  EXPECT_NE(file.find("ESAN_ALIASES {\n\t" + kHost + " db-1\n}\n"), std::string::npos) << file;
  r = api.Get("/v1/config/history");
  ASSERT_TRUE(Ok(r));
  ASSERT_FALSE(r.json["revisions"].empty()) << r.Describe();
  EXPECT_EQ(r.json["revisions"][0]["message"], "set alias of initiator '" + kHost + "' to 'db-1'");

  // Refusals: the message names the rule; nothing changes.
  struct Bad {
    std::string initiator, alias;
    int status;
    std::string message;
  } bad[] = {
      {kHost, "", 400, "alias of '" + kHost + "' is empty"},
      {kHost, "db 1!", 400, "alias 'db 1!': only letters, digits, '.', '_' and '-' are allowed"},
      {kHost, std::string(65, 'a'), 400, "alias '" + std::string(65, 'a') + "' is longer than 64 characters"},
      {"iqn.2026-12.org.esan.test:*", "x", 400,
       "initiator name 'iqn.2026-12.org.esan.test:*': an exact iSCSI name takes no blanks, control characters, "
       "quotes, braces, '#', '\\' or wildcards"},
      {"iqn.2026-12.org.esan.test:other", "db-1", 409, "alias 'db-1' is already the alias of '" + kHost + "'"},
  };
  for (const auto& b : bad) {
    r = api.Put("/v1/aliases/" + b.initiator, {{"alias", b.alias}});
    EXPECT_EQ(r.status, b.status) << r.Describe();
    EXPECT_EQ(Message(r), b.message);
  }
  EXPECT_EQ(ReadFile(esand.config_path()), file);
  r = api.Get("/v1/aliases");
  EXPECT_EQ(r.json, json::array({{{"initiator", kHost}, {"alias", "db-1"}}})) << r.Describe();

  {
    SessionOptions o;
    o.initiator = kHost;
    std::string error;
    Context ctx = Login(esand.portal(), kTarget, 0, o, &error);
    ASSERT_TRUE(ctx) << error;
    r = api.Get("/v1/sessions");
    ASSERT_TRUE(Ok(r));
    int shown = 0;
    for (const auto& s : r.json)
      if (s.value("initiator", "") == kHost) shown += s.value("alias", "") == "db-1";
    EXPECT_EQ(shown, 1) << r.Describe();
  }

  ASSERT_TRUE(esand.Stop());
  ASSERT_TRUE(esand.Start());
  r = api.Get("/v1/aliases");
  EXPECT_EQ(r.json, json::array({{{"initiator", kHost}, {"alias", "db-1"}}})) << r.Describe();
  ASSERT_TRUE(Ok(api.Delete("/v1/aliases/" + kHost)));
  EXPECT_EQ(ReadFile(esand.config_path()).find("ESAN_ALIASES"), std::string::npos);
  EXPECT_TRUE(Refused(api.Delete("/v1/aliases/" + kHost), 404, "not_found"));
}

TEST(ClusterThroughEsand, NoClusterIsAStatusAndActionsAreRefused) {
  EsandProcess esand("nocluster");
  esand.WriteConfig(IscsiDriver(""));
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());
  auto r = api.Get("/v1/cluster");
  ASSERT_TRUE(Ok(r));  // this machine runs no cluster (or has no Pacemaker at all)
  EXPECT_EQ(r.json.value("running", true), false) << r.Describe();
  EXPECT_FALSE(r.json.value("reason", "").empty()) << r.Describe();
  r = api.Post("/v1/cluster/nodes/node1/standby");
  EXPECT_TRUE(Refused(r, 409, "conflict"));
  EXPECT_TRUE(Message(r).starts_with("the cluster is not running: ")) << r.Describe();
  r = api.Post("/v1/cluster/nodes/-rf/standby");
  EXPECT_TRUE(Refused(r, 400, "invalid_argument"));
}

}  // namespace
}  // namespace esan::it
