// The management API end to end (docs/API.md): a target built at runtime
// serves I/O while another session runs undisturbed; the written-back
// config restarts into the same objects with the data intact; refused
// requests change nothing.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/mgmt_util.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using nlohmann::json;
constexpr size_t kMiB = 1024 * 1024;
const std::string kKeep = "iqn.2026-11.org.esan:keep";
const std::string kNew = "iqn.2026-11.org.esan:new";
const std::string kGrouped = "iqn.2026-11.org.esan.test:grouped";

// The objects as the API lists them, without what a restart changes (sessions).
json Objects(const MgmtClient& api) {
  json targets = api.Get("/v1/targets").json;
  for (auto& t : targets) t.erase("sessions");
  // Runtime state, not objects: sessions, and the backend probes' figures.
  json devices = api.Get("/v1/devices").json;
  for (auto& d : devices) d.erase("health");
  return json{{"devices", devices}, {"targets", targets}, {"driver", api.Get("/v1/driver").json},
              {"alua", api.Get("/v1/alua/device-groups").json}};
}

TEST(Mgmt, BuildsATargetAtRuntimeWhileAnotherSessionRunsAndRestartsIntoTheSameObjects) {
  EsandProcess esand("mgmt-build");
  esand.WriteConfig("TARGET_DRIVER iscsi {\n    enabled 1\n}\n");
  const std::string keep_img = esand.Path("keep.img"), new_img = esand.Path("new.img");
  ASSERT_TRUE(MakeSparseFile(keep_img, 8 * kMiB));
  ASSERT_TRUE(MakeSparseFile(new_img, 16 * kMiB));
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());
  struct stat st {};
  ASSERT_EQ(::stat(esand.mgmt_socket().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the API socket is owner-only";
  auto version = api.Get("/v1/version");
  ASSERT_TRUE(Ok(version));
  EXPECT_TRUE(version.json.contains("version") && version.json.contains("uptime_s"));

  // The session that must not be disturbed: its own device and target.
  ASSERT_TRUE(Ok(api.Post("/v1/devices", {{"name", "keep0"}, {"handler", "vdisk_fileio"},
                                          {"attributes", {{"filename", keep_img}}}})));
  ASSERT_TRUE(Ok(api.Post("/v1/targets", {{"name", kKeep}, {"driver", "iscsi"}, {"attributes", {{"enabled", "1"}}}})));
  ASSERT_TRUE(Ok(api.Post("/v1/targets/" + kKeep + "/luns", {{"lun", 0}, {"device", "keep0"}})));
  std::string err;
  Context keep = Login(esand.portal(), kKeep, 0, SessionOptions{}, &err);
  ASSERT_TRUE(keep) << err;
  BackgroundIo io(std::move(keep));

  // Each step: the API call succeeds, then the other session still makes progress.
  auto step = [&](const HttpResult& r) {
    uint64_t before = io.rounds();
    EXPECT_TRUE(Ok(r));
    EXPECT_TRUE(io.Progressed(before));
  };
  step(api.Post("/v1/devices", {{"name", "disk1"}, {"handler", "vdisk_fileio"},
                                {"attributes", {{"filename", new_img}, {"blocksize", "4096"}}}}));
  step(api.Post("/v1/targets", {{"name", kNew}, {"attributes", {{"enabled", "1"}}}}));
  step(api.Post("/v1/targets/" + kNew + "/luns", {{"lun", 0}, {"device", "disk1"}}));
  step(api.Post("/v1/targets/" + kNew + "/groups", {{"name", "hosts"}}));
  step(api.Post("/v1/targets/" + kNew + "/groups/hosts/initiators", {{"initiator", kGrouped}}));
  step(api.Post("/v1/targets/" + kNew + "/groups/hosts/luns", {{"lun", 3}, {"device", "disk1"}}));

  auto dev = api.Get("/v1/devices/disk1");
  ASSERT_TRUE(Ok(dev));
  EXPECT_EQ(dev.json["size_bytes"], 16 * kMiB);
  EXPECT_EQ(dev.json["attributes"]["blocksize"], "4096");
  EXPECT_EQ(dev.json["mapped_by"].size(), 2u) << dev.body;

  // The grouped initiator sees LUN 3 only, and can write and read it.
  SessionOptions grouped;
  grouped.initiator = kGrouped;
  Context s = Login(esand.portal(), kNew, 3, grouped, &err);
  ASSERT_TRUE(s) << err;
  std::vector<int> luns;
  ASSERT_TRUE(ReportLuns(s.get(), &luns));
  EXPECT_EQ(luns, std::vector<int>{3});
  auto data = TestData(64 * 1024, 42);
  ASSERT_TRUE(Write16(s.get(), 3, 100, data.data(), data.size(), 4096));
  std::vector<uint8_t> back;
  ASSERT_TRUE(Read16(s.get(), 3, 100, data.size(), &back, 4096));
  EXPECT_EQ(FirstDifference(back, data), std::string::npos);
  // Another initiator sees the target's own LUN 0.
  Context other = Login(esand.portal(), kNew, 0, SessionOptions{}, &err);
  ASSERT_TRUE(other) << err;
  ASSERT_TRUE(ReportLuns(other.get(), &luns));
  EXPECT_EQ(luns, std::vector<int>{0});
  EXPECT_EQ(api.Get("/v1/targets/" + kNew).json["sessions"], 2);

  io.Stop();
  EXPECT_EQ(io.failure(), "") << "the undisturbed session failed";
  EXPECT_GT(io.rounds(), 6u);

  json objects = Objects(api);
  s.reset();
  other.reset();
  ASSERT_TRUE(esand.Stop());

  // A fresh esand on the written-back file: the same objects, the data intact.
  std::string written = ReadFile(esand.config_path());
  EXPECT_NE(written.find(kNew), std::string::npos) << written;
  EXPECT_NE(ReadFile(esand.config_path() + ".bak").find("TARGET_DRIVER"), std::string::npos);
  ASSERT_TRUE(esand.Start());
  EXPECT_EQ(Objects(api), objects);
  Context again = Login(esand.portal(), kNew, 3, grouped, &err);
  ASSERT_TRUE(again) << err;
  ASSERT_TRUE(Read16(again.get(), 3, 100, data.size(), &back, 4096));
  EXPECT_EQ(FirstDifference(back, data), std::string::npos);
  again.reset();
  EXPECT_TRUE(esand.Stop());
}

// ------------------------------------------------------------- refusals --

class MgmtRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    img_ = esand_.Path("d0.img");
    ASSERT_TRUE(MakeSparseFile(img_, 8 * kMiB));
    esand_.WriteConfig(Handler("vdisk_fileio", FileioDevice("d0", img_)) +
                       IscsiDriver(Target(kKeep, "        LUN 0 d0\n")));
    ASSERT_TRUE(esand_.Start());
    before_ = Objects(api_);
    file_ = ReadFile(esand_.config_path());
  }
  void TearDown() override { EXPECT_TRUE(esand_.Stop()); }
  // Nothing changed: the listings and the config file.
  void Unchanged(const std::string& what) {
    EXPECT_EQ(Objects(api_), before_) << what;
    EXPECT_EQ(ReadFile(esand_.config_path()), file_) << what;
    struct stat st {};
    EXPECT_NE(::stat((esand_.config_path() + ".bak").c_str(), &st), 0) << what << ": a .bak appeared";
  }

  EsandProcess esand_{"mgmt-refusal"};
  MgmtClient api_{esand_.mgmt_socket()};
  std::string img_, file_;
  json before_;
};

TEST_F(MgmtRefusal, BadAttributes) {
  auto r = api_.Post("/v1/devices", {{"name", "d1"}, {"handler", "vdisk_fileio"},
                                     {"attributes", {{"filename", img_}, {"blocksize", "513"}}}});
  EXPECT_TRUE(Refused(r, 400, "invalid_argument"));
  EXPECT_EQ(r.json["error"]["message"],
            "device 'd1': blocksize 513 is invalid (use 512, 1024, 2048 or 4096)");
  Unchanged("bad blocksize");
  EXPECT_TRUE(Refused(api_.Post("/v1/devices", {{"name", "d1"}, {"handler", "vdisk_nullio"},
                                                {"attributes", {{"colour", "blue"}}}}),
                      400, "invalid_argument"));
  Unchanged("unknown attribute");
  EXPECT_TRUE(Refused(api_.Patch("/v1/devices/d0", {{"attributes", {{"read_only", "yes"}}}}), 400,
                      "invalid_argument"));
  Unchanged("bad boolean");
  EXPECT_TRUE(Refused(api_.Patch("/v1/devices/d0", {{"attributes", {{"filename", "/tmp/x"}}}}), 409, "conflict"));
  Unchanged("fixed attribute");
  EXPECT_TRUE(Refused(api_.Patch("/v1/targets/" + kKeep, {{"attributes", {{"QueuedCommands", "0"}}}}), 400,
                      "invalid_argument"));
  Unchanged("bad target limit");
  EXPECT_TRUE(Refused(api_.Post("/v1/targets/" + kKeep + "/users",
                                {{"direction", "incoming"}, {"user", "joe"}, {"secret", "short"}}),
                      400, "invalid_argument"));
  Unchanged("short CHAP secret");
  EXPECT_TRUE(Refused(api_.Post("/v1/devices", json::array()), 400, "invalid_argument"));
  Unchanged("body not an object");
  EXPECT_TRUE(Refused(api_.Post("/v1/devices", {{"name", "nf"}, {"handler", "vdisk_fileio"},
                                                {"attributes", {{"filename", esand_.Path("missing.img")}}}}),
                      500, "internal"));
  Unchanged("backing file missing");
}

TEST_F(MgmtRefusal, InUseUnknownAndDuplicate) {
  auto mapped = api_.Delete("/v1/devices/d0");
  EXPECT_TRUE(Refused(mapped, 409, "conflict"));
  EXPECT_NE(mapped.json["error"]["message"].get<std::string>().find("LUN 0"), std::string::npos) << mapped.body;
  Unchanged("removing a mapped device");
  EXPECT_TRUE(Refused(api_.Post("/v1/targets/iqn.nope/luns", {{"lun", 1}, {"device", "d0"}}), 404, "not_found"));
  Unchanged("LUN on an unknown target");
  EXPECT_TRUE(Refused(api_.Delete("/v1/targets/iqn.nope"), 404, "not_found"));
  EXPECT_TRUE(Refused(api_.Get("/v1/targets/iqn.nope"), 404, "not_found"));
  EXPECT_TRUE(Refused(api_.Post("/v1/targets/" + kKeep + "/luns", {{"lun", 1}, {"device", "nope"}}), 404,
                      "not_found"));
  EXPECT_TRUE(Refused(api_.Get("/v1/no/such/endpoint"), 404, "not_found"));
  Unchanged("unknown objects");
  EXPECT_TRUE(Refused(api_.Post("/v1/devices", {{"name", "d0"}, {"handler", "vdisk_nullio"}}), 409, "conflict"));
  EXPECT_TRUE(Refused(api_.Post("/v1/targets", {{"name", kKeep}}), 409, "conflict"));
  EXPECT_TRUE(Refused(api_.Post("/v1/targets/" + kKeep + "/luns", {{"lun", 0}, {"device", "d0"}}), 409,
                      "conflict"));
  Unchanged("duplicate names");
  std::string err;
  Context s = Login(esand_.portal(), kKeep, 0, SessionOptions{}, &err);
  ASSERT_TRUE(s) << err;
  EXPECT_TRUE(Refused(api_.Delete("/v1/targets/" + kKeep), 409, "conflict"));
  Unchanged("removing a target with a session");
}

}  // namespace
}  // namespace esan::it
