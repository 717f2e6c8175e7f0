// esanctl's own spelling: every command's request, and the usage errors.
#include "tools/esanctl/test_support.h"

namespace esan::ctl::test {
namespace {

const std::string T = "iqn.2026-11.org.esan:t1";

TEST(Modern, EveryCommandBecomesItsRequest) {
  const Expect cases[] = {
      {"device list", "GET", "/v1/devices", "", View::kDeviceList},
      {"device show d0", "GET", "/v1/devices/d0", "", View::kDevice},
      {"device add d0 --handler vdisk_fileio filename=/srv/d0.img blocksize=4096", "POST", "/v1/devices",
       R"({"name":"d0","handler":"vdisk_fileio","attributes":{"filename":"/srv/d0.img","blocksize":"4096"}})"},
      {"device add n0 --handler=vdisk_nullio", "POST", "/v1/devices",
       R"({"name":"n0","handler":"vdisk_nullio","attributes":{}})"},
      {"device remove d0", "DELETE", "/v1/devices/d0", ""},
      {"device remove d0 --force", "DELETE", "/v1/devices/d0?force=1", ""},
      {"device set d0 read_only=1 t10_vend_id=ACME", "PATCH", "/v1/devices/d0",
       R"({"attributes":{"read_only":"1","t10_vend_id":"ACME"}})"},
      {"device resize d0 10G", "POST", "/v1/devices/d0/resize", R"({"size_bytes":10737418240})"},
      {"device resize d0 4096", "POST", "/v1/devices/d0/resize", R"({"size_bytes":4096})"},
      {"target list", "GET", "/v1/targets", "", View::kTargetList},
      {"target show " + T, "GET", "/v1/targets/" + T, "", View::kTarget},
      {"target add " + T, "POST", "/v1/targets", R"({"name":")" + T + R"(","driver":"iscsi","attributes":{}})"},
      {"target add " + T + " enabled=1 rel_tgt_id=3", "POST", "/v1/targets",
       R"({"name":")" + T + R"(","driver":"iscsi","attributes":{"enabled":"1","rel_tgt_id":"3"}})"},
      {"target remove " + T, "DELETE", "/v1/targets/" + T, ""},
      {"target remove " + T + " --force", "DELETE", "/v1/targets/" + T + "?force=1", ""},
      {"target enable " + T, "POST", "/v1/targets/" + T + "/enable", ""},
      {"target disable " + T, "POST", "/v1/targets/" + T + "/disable", ""},
      {"target set " + T + " QueuedCommands=64", "PATCH", "/v1/targets/" + T,
       R"({"attributes":{"QueuedCommands":"64"}})"},
      {"target user-add " + T + " joe s3cr3tpassw0rd", "POST", "/v1/targets/" + T + "/users",
       R"({"direction":"incoming","user":"joe","secret":"s3cr3tpassw0rd"})"},
      {"target user-add " + T + " tgt s3cr3tpassw0rd --outgoing", "POST", "/v1/targets/" + T + "/users",
       R"({"direction":"outgoing","user":"tgt","secret":"s3cr3tpassw0rd"})"},
      {"target user-remove " + T + " joe", "DELETE", "/v1/targets/" + T + "/users/joe", ""},
      {"driver show", "GET", "/v1/driver", "", View::kAttributes},
      {"driver set enabled=1", "PATCH", "/v1/driver", R"({"attributes":{"enabled":"1"}})"},
      {"lun list " + T, "GET", "/v1/targets/" + T + "/luns", "", View::kLunList},
      {"lun list " + T + " --group hosts", "GET", "/v1/targets/" + T + "/groups/hosts/luns", "", View::kLunList},
      {"lun add " + T + " 0 d0", "POST", "/v1/targets/" + T + "/luns", R"({"lun":0,"device":"d0","attributes":{}})"},
      {"lun add " + T + " 3 d0 --group hosts --read-only", "POST", "/v1/targets/" + T + "/groups/hosts/luns",
       R"({"lun":3,"device":"d0","attributes":{"read_only":"1"}})"},
      {"lun add " + T + " 1 d1 read_only=1", "POST", "/v1/targets/" + T + "/luns",
       R"({"lun":1,"device":"d1","attributes":{"read_only":"1"}})"},
      {"lun remove " + T + " 3", "DELETE", "/v1/targets/" + T + "/luns/3", ""},
      {"lun remove " + T + " 3 --group hosts --force", "DELETE", "/v1/targets/" + T + "/groups/hosts/luns/3?force=1",
       ""},
      {"lun replace " + T + " 0 d2", "PUT", "/v1/targets/" + T + "/luns/0",
       R"({"lun":0,"device":"d2","attributes":{}})"},
      {"lun replace " + T + " 0 d2 --group hosts", "PUT", "/v1/targets/" + T + "/groups/hosts/luns/0",
       R"({"lun":0,"device":"d2","attributes":{}})"},
      {"group list " + T, "GET", "/v1/targets/" + T + "/groups", "", View::kGroupList},
      {"group add " + T + " hosts", "POST", "/v1/targets/" + T + "/groups", R"({"name":"hosts"})"},
      {"group remove " + T + " hosts", "DELETE", "/v1/targets/" + T + "/groups/hosts", ""},
      {"initiator add " + T + " hosts iqn.1993-08.org.debian:01:*", "POST",
       "/v1/targets/" + T + "/groups/hosts/initiators", R"({"initiator":"iqn.1993-08.org.debian:01:*"})"},
      {"initiator remove " + T + " hosts iqn.1993-08.org.debian:01:*", "DELETE",
       "/v1/targets/" + T + "/groups/hosts/initiators/iqn.1993-08.org.debian:01:%2A", ""},
      {"initiator move " + T + " hosts iqn.x:h1 others", "POST", "/v1/targets/" + T + "/groups/hosts/initiators/move",
       R"({"initiator":"iqn.x:h1","to_group":"others"})"},
      {"alua list", "GET", "/v1/alua/device-groups", "", View::kAluaList},
      {"alua dgrp-add dg1", "POST", "/v1/alua/device-groups", R"({"name":"dg1"})"},
      {"alua dgrp-remove dg1", "DELETE", "/v1/alua/device-groups/dg1", ""},
      {"alua dev-add dg1 d0", "POST", "/v1/alua/device-groups/dg1/devices", R"({"device":"d0"})"},
      {"alua dev-remove dg1 d0", "DELETE", "/v1/alua/device-groups/dg1/devices/d0", ""},
      {"alua tgrp-add dg1 local 1", "POST", "/v1/alua/device-groups/dg1/target-groups",
       R"({"name":"local","group_id":1})"},
      {"alua tgrp-add dg1 remote 2 --state standby", "POST", "/v1/alua/device-groups/dg1/target-groups",
       R"({"name":"remote","group_id":2,"state":"standby"})"},
      {"alua tgrp-remove dg1 local", "DELETE", "/v1/alua/device-groups/dg1/target-groups/local", ""},
      {"alua tgt-add dg1 local " + T, "POST", "/v1/alua/device-groups/dg1/target-groups/local/targets",
       R"({"target":")" + T + R"("})"},
      {"alua tgt-add dg1 remote iqn.x:peer --rel-tgt-id 2", "POST",
       "/v1/alua/device-groups/dg1/target-groups/remote/targets", R"({"target":"iqn.x:peer","rel_tgt_id":2})"},
      {"alua tgt-remove dg1 local " + T, "DELETE", "/v1/alua/device-groups/dg1/target-groups/local/targets/" + T, ""},
      {"alua state dg1 local nonoptimized", "PUT", "/v1/alua/device-groups/dg1/target-groups/local/state",
       R"({"state":"nonoptimized"})"},
      {"session list", "GET", "/v1/sessions", "", View::kSessionList},
      {"alias list", "GET", "/v1/aliases", "", View::kAliasList},
      {"cluster status", "GET", "/v1/cluster", "", View::kCluster},
      {"cluster standby node3", "POST", "/v1/cluster/nodes/node3/standby", ""},
      {"cluster online node3", "POST", "/v1/cluster/nodes/node3/online", ""},
      {"cluster move ms_esan node2", "POST", "/v1/cluster/resources/ms_esan/move", R"({"node":"node2"})"},
      {"cluster clear ms_esan", "POST", "/v1/cluster/resources/ms_esan/clear", ""},
      {"alias set iqn.x:h1 db-1", "PUT", "/v1/aliases/iqn.x:h1", R"({"alias":"db-1"})"},
      {"alias remove iqn.x:h1", "DELETE", "/v1/aliases/iqn.x:h1", ""},
      {"session close 7", "DELETE", "/v1/sessions/7", ""},
      {"config show", "GET", "/v1/config", "", View::kText},
      {"config write", "POST", "/v1/config/write", "{}"},
      {"config write backup.conf", "POST", "/v1/config/write", R"({"path":"/home/admin/backup.conf"})"},
      {"config write /etc/esan/copy.conf", "POST", "/v1/config/write", R"({"path":"/etc/esan/copy.conf"})"},
      {"config reload", "POST", "/v1/config/reload", "{}"},
      {"config reload ./new.conf", "POST", "/v1/config/reload", R"({"path":"/home/admin/new.conf"})"},
      {"config history", "GET", "/v1/config/history", "", View::kHistory},
      {"config history --limit 5", "GET", "/v1/config/history?limit=5", "", View::kHistory},
      {"config show 1a2b3c4", "GET", "/v1/config/history/1a2b3c4", "", View::kText},
      {"config show HEAD^", "GET", "/v1/config/history/HEAD%5E", "", View::kText},
      {"config diff HEAD~2", "GET", "/v1/config/diff?from=HEAD~2", "", View::kText},
      {"config diff 1a2b3c4 HEAD", "GET", "/v1/config/diff?from=1a2b3c4&to=HEAD", "", View::kText},
      {"config rollback HEAD~1", "POST", "/v1/config/rollback", R"({"rev":"HEAD~1"})"},
      {"stats", "GET", "/v1/stats", "", View::kStats},
      {"stats --prometheus", "GET", "/metrics", "", View::kText},
      {"version", "GET", "/v1/version", "", View::kVersion},
      {"alua state dg1 local", "GET", "/v1/alua/device-groups/dg1/target-groups/local/state", "", View::kState},
      {"health", "GET", "/v1/health", "", View::kHealth},
      {"health --timeout-ms 2000", "GET", "/v1/health?timeout_ms=2000", "", View::kHealth},
      {"events", "GET", "/v1/events?since=0", "", View::kEvents},
      {"events --since 42 --limit 10", "GET", "/v1/events?limit=10&since=42", "", View::kEvents},
      {"events --follow --since 7", "GET", "/v1/events?wait=30&since=7", "", View::kEvents},
      {"alert test", "POST", "/v1/alerts/test", "", View::kAlertTest},
      {"event raise --kind config_sync_failed --severity error cannot\x01write:\x01rc=5", "POST", "/v1/events",
       R"({"kind":"config_sync_failed","message":"cannot write: rc=5","severity":"error"})"},
      {"event raise dump\x01" "found --kind crash_dump --severity critical path=/var/log/crash/1 size=4096", "POST",
       "/v1/events",
       R"({"fields":{"path":"/var/log/crash/1","size":"4096"},"kind":"crash_dump","message":"dump found","severity":"critical"})"},
      {"alert status", "GET", "/v1/alerts", "", View::kAlerts},
      {"alert config", "GET", "/v1/alerts/config", "", View::kAlertConfig},
  };
  for (const auto& e : cases) check(e, false);
}

TEST(Modern, OnlyEventsFollow) {
  EXPECT_TRUE(calls("events --follow")[0].follow);
  EXPECT_FALSE(calls("events")[0].follow);
}

TEST(Modern, AlertSetSendsTheFileAsText) {
  auto c = calls("alert set rules.conf");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].method, "PUT");
  EXPECT_EQ(c[0].path, "/v1/alerts/config");
  EXPECT_EQ(c[0].view, View::kDone);
  EXPECT_EQ(c[0].done, "alert rules replaced");
  EXPECT_NE(c[0].text_file.find("rules.conf"), std::string::npos);
  EXPECT_FALSE(c[0].body.has_value());
}

TEST(Modern, ConfigApplyReadsTheFileAtSendTime) {
  auto c = calls("config apply site.conf");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].method, "POST");
  EXPECT_EQ(c[0].path, "/v1/config/apply");
  EXPECT_EQ(c[0].text_file, "site.conf");
  EXPECT_FALSE(c[0].body.has_value());
}

TEST(Modern, ConnectionOptionsAnywhere) {
  auto r = translate(words("--socket /tmp/x.sock device list --json"), ctx());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->conn.socket, "/tmp/x.sock");
  EXPECT_TRUE(r->json);
  EXPECT_EQ(r->calls.at(0).path, "/v1/devices");

  r = translate(words("target list --url http://10.0.0.1:8080 --token-file /etc/esan/token"), ctx());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->conn.url, "http://10.0.0.1:8080");
  EXPECT_EQ(r->conn.token_file, "/etc/esan/token");
  EXPECT_FALSE(r->json);

  r = translate(words("--socket=/run/a.sock version"), ctx());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->conn.socket, "/run/a.sock");

  Context env = ctx();
  env.env_socket = "/run/env.sock";
  r = translate(words("version"), env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->conn.socket, "/run/env.sock");
  r = translate(words("version --socket /run/flag.sock"), env);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->conn.socket, "/run/flag.sock");
  EXPECT_EQ(translate(words("version"), ctx())->conn.socket, "/run/esan/esand.sock");
}

TEST(Modern, HelpListsEveryCommand) {
  auto r = translate(words("--help"), ctx());
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->help);
  EXPECT_TRUE(r->calls.empty());
  for (const char* c : {"device add NAME --handler H", "lun replace TARGET LUN DEVICE", "alua state", "session close ID",
                        "config apply FILE", "stats", "version", "initiator move"})
    EXPECT_NE(r->help_text.find(c), std::string::npos) << c;
  EXPECT_TRUE(translate(words("device list -h"), ctx())->help);
}

TEST(Modern, BadUsageSaysWhatIsWrong) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "no command given"},
      {"frobnicate", "unknown command 'frobnicate'"},
      {"device", "'device' needs one of: list|show|add|remove|set|resize"},
      {"device explode d0", "unknown command 'device explode'"},
      {"device show", "'device show' needs more arguments (usage: esanctl device show NAME)"},
      {"device show d0 d1", "unexpected argument 'd1'"},
      {"device add d0 filename=/x", "'device add' needs --handler"},
      {"device add d0 --handler vdisk_fileio vdisk_fileio", "unexpected argument 'vdisk_fileio'"},
      {"device add d0 --handler vdisk_fileio filename=/x size_mb", "expected ATTRIBUTE=VALUE, got 'size_mb'"},
      {"device add d0 --handler vdisk_fileio a=1 a=2", "attribute 'a' given twice"},
      {"device add d0 --handler vdisk_fileio =1", "attribute '=1' has no name"},
      {"device add d0 --handler", "option --handler needs a value"},
      {"device set d0", "'device set' needs at least one ATTR=VALUE"},
      {"device resize d0 big", "size must be a number of bytes"},
      {"device resize d0 0", "size must be greater than 0"},
      {"device resize d0 10X", "size must be a number of bytes"},
      {"device list --group g", "--group does not apply to 'device list'"},
      {"group add " + T + " g --force", "--force does not apply to 'group add'"},
      {"device list --frob", "unknown option --frob"},
      {"health --timeout-ms", "option --timeout-ms needs a value"},
      {"config rollback", "'config rollback' needs more arguments (usage: esanctl config rollback REV)"},
      {"config diff", "'config diff' needs more arguments (usage: esanctl config diff REV [REV])"},
      {"config diff a b c", "unexpected argument 'c'"},
      {"config history --limit many", "--limit must be a non-negative number, got 'many'"},
      {"config show a b", "unexpected argument 'b'"},
      {"events --since", "option --since needs a value"},
      {"events --since -3", "--since must be a non-negative number, got '-3'"},
      {"events --follow=1", "option --follow takes no value"},
      {"events now", "unexpected argument 'now'"},
      {"alert", "'alert' needs one of: test|status|config|set"},
      {"alert set", "'alert set' needs more arguments"},
      {"event raise --kind crash_dump x", "'event raise' needs --severity"},
      {"event raise x --severity info", "'event raise' needs --kind"},
      {"event raise --kind crash_dump --severity info", "'event raise' needs more arguments"},
      {"event raise --kind crash_dump --severity info x path", "expected ATTRIBUTE=VALUE, got 'path'"},
      {"event raise --kind crash_dump --severity info x a=1 a=2", "attribute 'a' given twice"},
      {"device list --follow", "--follow does not apply to 'device list'"},
      {"alua state dg1", "'alua state' needs more arguments"},
      {"version --timeout-ms 5", "--timeout-ms does not apply to 'version'"},
      {"device remove d0 --force=yes", "option --force takes no value"},
      {"device list --group a --group b", "option --group given twice"},
      {"lun add " + T + " zero d0", "LUN must be a non-negative number, got 'zero'"},
      {"lun add " + T + " -1 d0", "LUN must be a non-negative number, got '-1'"},
      {"lun add " + T + " 0 d0 --read-only read_only=0", "--read-only and read_only= both given"},
      {"lun remove " + T, "'lun remove' needs more arguments"},
      {"alua tgrp-add dg1 local", "'alua tgrp-add' needs more arguments"},
      {"alua tgrp-add dg1 local one", "GROUP_ID must be a non-negative number"},
      {"alua tgt-add dg1 tg " + T + " --rel-tgt-id x", "--rel-tgt-id must be a non-negative number"},
      {"session close abc", "session ID must be a non-negative number"},
      {"config apply", "'config apply' needs more arguments"},
      {"config write a b", "unexpected argument 'b'"},
      {"--url 10.0.0.1:80 version", "--url must look like http://HOST:PORT"},
      {"--token-file /t version", "--token-file applies only with --url"},
      {"--socket", "option --socket needs a value"},
      {"--json=1 version", "option --json takes no value"},
  };
  for (const auto& [line, msg] : cases) {
    std::string err = usage_error(line);
    EXPECT_NE(err.find(msg), std::string::npos) << "'" << line << "' said: " << err;
  }
}

TEST(Modern, NamesArePercentEncodedInPaths) {
  auto c = calls("device show disk#1");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].path, "/v1/devices/disk%231");
  c = calls("group remove " + T + " my\x01group");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].path, "/v1/targets/" + T + "/groups/my%20group");
}

}  // namespace
}  // namespace esan::ctl::test
