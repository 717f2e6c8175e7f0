// --state-dir: directory creation, per-device PR files, APTPL on restart,
// and refusal to start on a corrupt file or an unusable directory.
#include "server/state_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "backend/block_device.h"
#include "scsi/logical_unit.h"

namespace esan::server {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    char buf[] = "/tmp/esan-state-test-XXXXXX";
    path = ::mkdtemp(buf);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string path;
};

Runtime runtime_with(const std::string& name) {
  Runtime rt;
  scsi::LuConfig c;
  c.name = name;
  rt.devices[name] = *scsi::make_logical_unit(c, backend::make_null_device(1 << 20));
  return rt;
}

scsi::PrOutResult register_key(scsi::LogicalUnit& lu, uint64_t key, bool aptpl) {
  scsi::Nexus n;
  n.id = 1;
  n.initiator_port = "iqn.2024-01.test:a,i,0x230000000001";
  scsi::PrOutRequest r;
  r.action = scsi::pr::kRegisterAndIgnore;
  r.sa_key = key;
  r.aptpl = aptpl;
  return lu.reservations().apply_pr_out(identity_of(n), r);
}

TEST(StateDir, CreatesPrDirectoryAndRestoresAptplState) {
  TempDir d;
  std::string dir = d.path + "/nested/state";
  {
    Runtime rt = runtime_with("disk0");
    ASSERT_TRUE(attach_state_dir(rt, dir).has_value());
    EXPECT_TRUE(fs::is_directory(dir + "/pr"));
    ASSERT_EQ(register_key(*rt.devices["disk0"], 0x42, true).kind, scsi::PrOutResult::kGood);
    EXPECT_TRUE(fs::exists(dir + "/pr/disk0"));
  }
  Runtime again = runtime_with("disk0");
  ASSERT_TRUE(attach_state_dir(again, dir).has_value());
  auto st = again.devices["disk0"]->reservations().snapshot();
  ASSERT_EQ(st.regs.size(), 1u);
  EXPECT_EQ(st.regs[0].key, 0x42u);
}

TEST(StateDir, StateWithoutAptplIsDroppedOnStart) {
  TempDir d;
  {
    Runtime rt = runtime_with("disk0");
    ASSERT_TRUE(attach_state_dir(rt, d.path).has_value());
    ASSERT_EQ(register_key(*rt.devices["disk0"], 0x42, false).kind, scsi::PrOutResult::kGood);
  }
  Runtime again = runtime_with("disk0");
  ASSERT_TRUE(attach_state_dir(again, d.path).has_value());
  EXPECT_TRUE(again.devices["disk0"]->reservations().snapshot().regs.empty());
}

TEST(StateDir, CorruptFileRefusesToStartAndNamesIt) {
  TempDir d;
  fs::create_directories(d.path + "/pr");
  std::ofstream(d.path + "/pr/disk0") << "esan-pr 1\ndevice disk0\n";
  Runtime rt = runtime_with("disk0");
  auto s = attach_state_dir(rt, d.path);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find(d.path + "/pr/disk0"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("refusing to start"), std::string::npos);
}

TEST(StateDir, UncreatableDirectoryIsAnError) {
  TempDir d;
  std::ofstream(d.path + "/file") << "x";
  Runtime rt = runtime_with("disk0");
  auto s = attach_state_dir(rt, d.path + "/file/state");
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("cannot create state directory"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace esan::server
