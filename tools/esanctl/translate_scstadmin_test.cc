// The scstadmin spelling: every supported verb's request, SCST's parameter
// rules, and the verbs esan refuses by name.
#include "tools/esanctl/test_support.h"

namespace esan::ctl::test {
namespace {

const std::string T = "iqn.2026-11.org.esan:t1";
const std::string D = " -driver iscsi";

TEST(Scstadmin, EveryVerbBecomesItsRequest) {
  const Expect cases[] = {
      {"-open_dev d0 -handler vdisk_fileio -attributes filename=/srv/d0.img,blocksize=4096", "POST", "/v1/devices",
       R"({"name":"d0","handler":"vdisk_fileio","attributes":{"filename":"/srv/d0.img","blocksize":"4096"}})"},
      {"-open_dev n0 -handler vdisk_nullio", "POST", "/v1/devices",
       R"({"name":"n0","handler":"vdisk_nullio","attributes":{}})"},
      // A bare attribute name means 1, as in SCST's example "filename=...,read_only".
      {"-open_dev d0 -handler vdisk_fileio -attributes filename=/d,read_only", "POST", "/v1/devices",
       R"({"name":"d0","handler":"vdisk_fileio","attributes":{"filename":"/d","read_only":"1"}})"},
      {"-close_dev d0 -handler vdisk_fileio", "DELETE", "/v1/devices/d0", ""},
      {"-close_dev d0 -handler vdisk_fileio -force -noprompt", "DELETE", "/v1/devices/d0?force=1", ""},
      {"-set_dev_attr d0 -attributes read_only=1,write_through=1", "PATCH", "/v1/devices/d0",
       R"({"attributes":{"read_only":"1","write_through":"1"}})"},
      {"-list_device", "GET", "/v1/devices", "", View::kDeviceList},
      {"-list_device d0", "GET", "/v1/devices/d0", "", View::kDevice},
      {"-list_dev_attr d0", "GET", "/v1/devices/d0", "", View::kAttributes},
      {"-add_target " + T + D, "POST", "/v1/targets", R"({"name":")" + T + R"(","driver":"iscsi","attributes":{}})"},
      {"-add_target " + T + D + " -attributes rel_tgt_id=2", "POST", "/v1/targets",
       R"({"name":")" + T + R"(","driver":"iscsi","attributes":{"rel_tgt_id":"2"}})"},
      {"-rem_target " + T + D, "DELETE", "/v1/targets/" + T, ""},
      {"-rem_target " + T + D + " -force", "DELETE", "/v1/targets/" + T + "?force=1", ""},
      {"-enable_target " + T + D, "POST", "/v1/targets/" + T + "/enable", ""},
      {"-disable_target " + T + D, "POST", "/v1/targets/" + T + "/disable", ""},
      {"-set_tgt_attr " + T + D + " -attributes QueuedCommands=32", "PATCH", "/v1/targets/" + T,
       R"({"attributes":{"QueuedCommands":"32"}})"},
      {"-list_tgt_attr " + T + D, "GET", "/v1/targets/" + T, "", View::kAttributes},
      {"-add_tgt_attr " + T + D + " -attributes IncomingUser=joe\x01s3cr3tpassw0rd", "POST",
       "/v1/targets/" + T + "/users", R"({"direction":"incoming","user":"joe","secret":"s3cr3tpassw0rd"})"},
      {"-add_tgt_attr " + T + D + " -attributes OutgoingUser=tgt\x01s3cr3tpassw0rd", "POST",
       "/v1/targets/" + T + "/users", R"({"direction":"outgoing","user":"tgt","secret":"s3cr3tpassw0rd"})"},
      {"-rem_tgt_attr " + T + D + " -attributes IncomingUser=joe", "DELETE", "/v1/targets/" + T + "/users/joe", ""},
      {"-list_target", "GET", "/v1/targets", "", View::kTargetList},
      {"-list_target " + T + D, "GET", "/v1/targets/" + T, "", View::kTarget},
      {"-list_driver", "GET", "/v1/driver", "", View::kAttributes},
      {"-list_drv_attr iscsi", "GET", "/v1/driver", "", View::kAttributes},
      {"-set_drv_attr iscsi -attributes enabled=1", "PATCH", "/v1/driver", R"({"attributes":{"enabled":"1"}})"},
      {"-add_drv_attr iscsi -attributes IncomingUser=disc\x01" "discsecret12", "POST", "/v1/driver/users",
       R"({"direction":"incoming","user":"disc","secret":"discsecret12"})"},
      {"-rem_drv_attr iscsi -attributes IncomingUser=disc", "DELETE", "/v1/driver/users/disc", ""},
      {"-add_group hosts" + D + " -target " + T, "POST", "/v1/targets/" + T + "/groups", R"({"name":"hosts"})"},
      {"-rem_group hosts" + D + " -target " + T, "DELETE", "/v1/targets/" + T + "/groups/hosts", ""},
      {"-list_group", "GET", "/v1/targets", "", View::kTargetGroups},
      {"-list_group hosts" + D + " -target " + T, "GET", "/v1/targets/" + T + "/groups", "", View::kGroupList},
      {"-add_init iqn.x:h1" + D + " -target " + T + " -group hosts", "POST",
       "/v1/targets/" + T + "/groups/hosts/initiators", R"({"initiator":"iqn.x:h1"})"},
      {"-rem_init iqn.x:*" + D + " -target " + T + " -group hosts", "DELETE",
       "/v1/targets/" + T + "/groups/hosts/initiators/iqn.x:%2A", ""},
      {"-move_init iqn.x:h1" + D + " -target " + T + " -group hosts -to others", "POST",
       "/v1/targets/" + T + "/groups/hosts/initiators/move", R"({"initiator":"iqn.x:h1","to_group":"others"})"},
      {"-add_lun 0" + D + " -target " + T + " -device d0", "POST", "/v1/targets/" + T + "/luns",
       R"({"lun":0,"device":"d0","attributes":{}})"},
      {"-add_lun 1" + D + " -target " + T + " -group hosts -device d0 -attributes read_only=1", "POST",
       "/v1/targets/" + T + "/groups/hosts/luns", R"({"lun":1,"device":"d0","attributes":{"read_only":"1"}})"},
      {"-replace_lun 1" + D + " -target " + T + " -group hosts -device d2", "PUT",
       "/v1/targets/" + T + "/groups/hosts/luns/1", R"({"lun":1,"device":"d2","attributes":{}})"},
      {"-rem_lun 1" + D + " -target " + T + " -group hosts", "DELETE", "/v1/targets/" + T + "/groups/hosts/luns/1", ""},
      {"-rem_lun 0" + D + " -target " + T + " -force", "DELETE", "/v1/targets/" + T + "/luns/0?force=1", ""},
      {"-list_sessions", "GET", "/v1/sessions", "", View::kSessionList},
      {"-add_dgrp dg1", "POST", "/v1/alua/device-groups", R"({"name":"dg1"})"},
      {"-rem_dgrp dg1", "DELETE", "/v1/alua/device-groups/dg1", ""},
      {"-add_dgrp_dev d0 -dev_group dg1", "POST", "/v1/alua/device-groups/dg1/devices", R"({"device":"d0"})"},
      {"-rem_dgrp_dev d0 -dev_group dg1", "DELETE", "/v1/alua/device-groups/dg1/devices/d0", ""},
      {"-add_tgrp local -dev_group dg1 -attributes group_id=7", "POST", "/v1/alua/device-groups/dg1/target-groups",
       R"({"name":"local","group_id":7})"},
      {"-add_tgrp local -dev_group dg1 -attributes group_id=1,state=active", "POST",
       "/v1/alua/device-groups/dg1/target-groups", R"({"name":"local","group_id":1,"state":"active"})"},
      {"-rem_tgrp local -dev_group dg1", "DELETE", "/v1/alua/device-groups/dg1/target-groups/local", ""},
      {"-add_tgrp_tgt " + T + " -dev_group dg1 -tgt_group local", "POST",
       "/v1/alua/device-groups/dg1/target-groups/local/targets", R"({"target":")" + T + R"("})"},
      {"-add_tgrp_tgt iqn.x:peer -dev_group dg1 -tgt_group remote -attributes rel_tgt_id=2", "POST",
       "/v1/alua/device-groups/dg1/target-groups/remote/targets", R"({"target":"iqn.x:peer","rel_tgt_id":2})"},
      {"-rem_tgrp_tgt " + T + " -dev_group dg1 -tgt_group local", "DELETE",
       "/v1/alua/device-groups/dg1/target-groups/local/targets/" + T, ""},
      {"-set_tgrp_attr local -dev_group dg1 -attributes state=standby", "PUT",
       "/v1/alua/device-groups/dg1/target-groups/local/state", R"({"state":"standby"})"},
      {"-list_dgrp", "GET", "/v1/alua/device-groups", "", View::kAluaList},
      {"-list_dgrp dg1", "GET", "/v1/alua/device-groups", "", View::kAluaList},
      {"-list_tgrp -dev_group dg1", "GET", "/v1/alua/device-groups", "", View::kTgrpList},
      {"-write_config /etc/esan/esan.conf", "POST", "/v1/config/write", R"({"path":"/etc/esan/esan.conf"})"},
      {"-write_config saved.conf", "POST", "/v1/config/write", R"({"path":"/home/admin/saved.conf"})"},
      {"-config", "POST", "/v1/config/reload", "{}"},
      // Getopt::Long spellings: two dashes, and -option=value.
      {"--open_dev=d0 --handler=vdisk_nullio", "POST", "/v1/devices",
       R"({"name":"d0","handler":"vdisk_nullio","attributes":{}})"},
  };
  for (const auto& e : cases) check(e, true);
}

TEST(Scstadmin, ListFiltersAndScopes) {
  auto c = calls("-list_dgrp dg1", true);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].filter, "dg1");
  c = calls("-list_tgrp local -dev_group dg1", true);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scope, "dg1");
  EXPECT_EQ(c[0].filter, "local");
  c = calls("-list_group hosts -driver iscsi -target " + T, true);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scope, T);
  EXPECT_EQ(c[0].filter, "hosts");
  // An optional name is not taken from the next option.
  c = calls("-list_target -driver iscsi", true);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].path, "/v1/targets");
}

TEST(Scstadmin, ConfigFileIsSentAsText) {
  auto c = calls("-config /etc/esan/new.conf -noprompt", true);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].method, "POST");
  EXPECT_EQ(c[0].path, "/v1/config/apply");
  EXPECT_EQ(c[0].text_file, "/etc/esan/new.conf");
}

TEST(Scstadmin, SeveralChapUsersAreSeveralCalls) {
  auto c = calls("-add_tgt_attr " + T + D + " -attributes IncomingUser=a\x01secretsecret1,OutgoingUser=b\x01secretsecret2", true);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].body, (nlohmann::json{{"direction", "incoming"}, {"user", "a"}, {"secret", "secretsecret1"}}));
  EXPECT_EQ(c[1].body, (nlohmann::json{{"direction", "outgoing"}, {"user", "b"}, {"secret", "secretsecret2"}}));
  c = calls("-rem_tgt_attr " + T + D + " -attributes IncomingUser=a,OutgoingUser=b", true);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].path, "/v1/targets/" + T + "/users/a");
  EXPECT_EQ(c[1].path, "/v1/targets/" + T + "/users/b");
}

TEST(Scstadmin, IssueLipIsANoOp) { EXPECT_TRUE(calls("-issue_lip", true).empty()); }

TEST(Scstadmin, ChosenByProgramNameOrByAOneDashVerb) {
  auto r = translate(words("-list_device"), ctx(false));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->calls.at(0).path, "/v1/devices");
  r = translate(words("--socket /tmp/s.sock --json -list_target"), ctx(false));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->conn.socket, "/tmp/s.sock");
  EXPECT_TRUE(r->json);
  EXPECT_EQ(r->calls.at(0).path, "/v1/targets");
  r = translate(words("-socket /tmp/t.sock -list_sessions"), ctx(true));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->conn.socket, "/tmp/t.sock");
  // scstadmin with no arguments (or -h / -help) prints its own usage.
  for (const char* line : {"", "-h", "-help", "--help"}) {
    r = translate(words(line), ctx(true));
    ASSERT_TRUE(r) << line;
    EXPECT_TRUE(r->help);
    EXPECT_NE(r->help_text.find("-open_dev D -handler H"), std::string::npos);
  }
  // The modern spelling is not available under the scstadmin name.
  EXPECT_NE(usage_error("device list", true).find("unexpected argument 'device'"), std::string::npos);
}

TEST(Scstadmin, BadUsageSaysWhatIsWrong) {
  const std::pair<std::string, std::string> cases[] = {
      {"-open_dev d0", "please specify -handler with -open_dev"},
      {"-open_dev", "option -open_dev needs a value"},
      {"-open_dev d0 -handler", "option -handler needs a value"},
      {"-close_dev d0", "please specify -handler with -close_dev"},
      {"-set_dev_attr d0", "please specify -attributes with -set_dev_attr"},
      {"-open_dev d0 -handler vdisk_fileio -attributes a=1,,b=2", "empty attribute in -attributes list"},
      {"-open_dev d0 -handler vdisk_fileio -attributes a=1,a=2", "attribute 'a' given twice"},
      {"-add_target " + T, "please specify -driver with -add_target"},
      {"-add_target " + T + " -driver qla2x00t", "esan serves only the iscsi driver, not 'qla2x00t'"},
      {"-rem_target " + T, "please specify -driver with -rem_target"},
      {"-enable_target " + T, "please specify -driver with -enable_target"},
      {"-set_tgt_attr " + T + D, "please specify -attributes with -set_tgt_attr"},
      {"-set_tgt_attr " + T, "please specify -driver and -attributes with -set_tgt_attr"},
      {"-add_tgt_attr " + T + D + " -attributes allowed_portal=1.2.3.4",
       "'allowed_portal' is not a dynamic attribute"},
      {"-add_tgt_attr " + T + D + " -attributes IncomingUser=joe", "IncomingUser needs \"USER SECRET\""},
      {"-set_drv_attr srpt -attributes enabled=1", "esan serves only the iscsi driver, not 'srpt'"},
      {"-add_group hosts -driver iscsi", "please specify -target with -add_group"},
      {"-add_group hosts", "please specify -driver and -target with -add_group"},
      {"-add_init iqn.x:h1 -driver iscsi -target " + T, "please specify -group with -add_init"},
      {"-rem_init iqn.x:h1", "please specify -driver, -target and -group with -rem_init"},
      {"-move_init iqn.x:h1" + D + " -target " + T + " -group hosts", "please specify -to with -move_init"},
      {"-add_lun 0" + D + " -target " + T, "please specify -device with -add_lun"},
      {"-add_lun zero" + D + " -target " + T + " -device d0", "LUN must be a non-negative number, got 'zero'"},
      {"-replace_lun 0" + D + " -device d0", "please specify -target with -replace_lun"},
      {"-rem_lun 0 -driver iscsi", "please specify -target with -rem_lun"},
      {"-add_dgrp_dev d0", "please specify -dev_group with -add_dgrp_dev"},
      {"-add_tgrp local", "please specify -dev_group with -add_tgrp"},
      {"-add_tgrp local -dev_group dg1 -attributes preferred=1", "a target group has no attribute 'preferred'"},
      {"-add_tgrp local -dev_group dg1 -attributes group_id=x", "group_id must be a non-negative number"},
      {"-add_tgrp_tgt " + T + " -dev_group dg1", "please specify -tgt_group with -add_tgrp_tgt"},
      {"-add_tgrp_tgt " + T + " -dev_group dg1 -tgt_group tg -attributes x=1", "has no attribute 'x'"},
      {"-set_tgrp_attr local -dev_group dg1", "please specify -attributes with -set_tgrp_attr"},
      {"-set_tgrp_attr local -attributes state=active", "please specify -dev_group with -set_tgrp_attr"},
      {"-set_tgrp_attr local -dev_group dg1 -attributes state=active,preferred=1", "can change only the state attribute"},
      // ESOS scripts add a target group, then set its group_id; esan needs the id at once and says how.
      {"-add_tgrp local -dev_group dg1", "please specify -attributes group_id=N with -add_tgrp"},
      {"-set_tgrp_attr local -dev_group dg1 -attributes group_id=1", "-add_tgrp TG -dev_group DG -attributes group_id=N"},
      {"-set_ttgt_attr " + T + " -dev_group dg1 -tgt_group local -attributes rel_tgt_id=1",
       "-add_tgrp_tgt T -dev_group DG -tgt_group TG -attributes rel_tgt_id=N"},
      {"-list_tgrp", "please specify -dev_group with -list_tgrp"},
      {"-write_config", "option -write_config needs a value"},
      {"-open_dev d0 -handler h -close_dev d0", "please specify only one operation at a time (-open_dev and -close_dev)"},
      {"-list_device -list_target", "please specify only one operation at a time"},
      {"-frobnicate", "unknown option -frobnicate"},
      {"-noprompt", "no operation given"},
      {"-list_device d0 extra", "unexpected argument 'extra'"},
      {"-force=1 -list_device", "option -force takes no value"},
      {"-list_sessions=x", "option -list_sessions takes no value"},
      {"-open_dev d0 -handler a -handler b", "option -handler given twice"},
      {"-resync_dev d0", "-resync_dev is not supported by esan"},
      {"-clear_config -force", "-clear_config is not supported by esan"},
      {"-check_config /etc/scst.conf", "-check_config is not supported by esan"},
      {"-set_lun_attr 0" + D + " -target " + T + " -attributes read_only=1", "-set_lun_attr is not supported"},
      {"-clear_luns" + D + " -target " + T, "-clear_luns is not supported by esan"},
  };
  for (const auto& [line, msg] : cases) {
    std::string err = usage_error(line, true);
    EXPECT_NE(err.find(msg), std::string::npos) << "'" << line << "' said: " << err;
  }
}

}  // namespace
}  // namespace esan::ctl::test
