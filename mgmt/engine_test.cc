// Engine: changes reach a running Server all or nothing and are written back.
#include "mgmt/engine.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mgmt/edits.h"
#include "mgmt/reconcile.h"
#include "mgmt/write_back.h"

namespace esan::mgmt {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("esan-mgmt-engine-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    conf_ = (dir_ / "esan.conf").string();
    const std::string text =
        "HANDLER vdisk_nullio {\n DEVICE n0 { size_mb 8 }\n}\n"
        "TARGET_DRIVER iscsi {\n enabled 1\n TARGET iqn.keep { enabled 1\n LUN 0 n0 }\n}\n";
    std::ofstream(conf_) << text;
    auto cfg = config::parse_config(text, conf_);
    ASSERT_TRUE(cfg) << cfg.error().message;
    auto rt = server::build_runtime(*cfg, conf_);
    ASSERT_TRUE(rt) << rt.error().message;
    server::ServerOptions opts;
    opts.listen = {"127.0.0.1:0"};
    auto s = server::Server::start(std::move(*rt), opts);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
    engine_ = std::make_unique<Engine>(*server_, *cfg, EngineOptions{conf_, true, false, ""});
  }
  void TearDown() override {
    engine_.reset();
    if (server_) server_->stop();
    server_.reset();
    fs::remove_all(dir_);
  }
  std::shared_ptr<scsi::LogicalUnit> lu(const std::string& name) {
    auto& d = server_->runtime().devices;
    auto it = d.find(name);
    return it == d.end() ? nullptr : it->second;
  }

  fs::path dir_;
  std::string conf_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, AddDeviceTargetAndLunReachTheRegistryAndTheFile) {
  const std::string before = slurp(conf_);
  ASSERT_TRUE(engine_->change("test", "add", [](config::Config& c) {
    if (auto s = edits::add_device(c, "n1", "vdisk_nullio", {{"size_mb", "4"}}); !s) return s;
    if (auto s = edits::add_target(c, "iqn.new", {{"enabled", "1"}}); !s) return s;
    return edits::add_lun(c, "iqn.new", "", 2, "n1", {});
  }));
  ASSERT_TRUE(lu("n1"));
  EXPECT_EQ(lu("n1")->num_blocks(), (4u << 20) / 512);
  auto map = server_->context().targets.luns_for("iqn.new", "iqn.someone");
  ASSERT_EQ(map->size(), 1u);
  EXPECT_EQ(map->at(2).lu, lu("n1"));
  EXPECT_TRUE(server_->context().targets.find("iqn.new", "iqn.someone"));
  EXPECT_EQ(slurp(conf_ + ".bak"), before);
  auto written = config::load_config_file(conf_, false);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_TRUE(written->find_target("iqn.new"));
  EXPECT_TRUE(written->find_device("n1"));
  EXPECT_NE(server_->context().targets.rel_tgt_id("iqn.new"), server_->context().targets.rel_tgt_id("iqn.keep"));
}

TEST_F(EngineTest, RefusalChangesNothing) {
  const std::string before = slurp(conf_);
  auto old_lu = lu("n0");
  auto s = engine_->change("test", "remove", [](config::Config& c) { return edits::remove_device(c, "n0", false); });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kBusy);
  EXPECT_EQ(lu("n0"), old_lu);
  EXPECT_EQ(slurp(conf_), before);
  EXPECT_FALSE(fs::exists(conf_ + ".bak"));
  // A file device whose backing file cannot be opened: 500-class, nothing changed.
  auto io = engine_->change("test", "add", [](config::Config& c) {
    return edits::add_device(c, "f0", "vdisk_fileio", {{"filename", "/nonexistent/esan/f0.img"}});
  });
  ASSERT_FALSE(io);
  EXPECT_EQ(io.error().code, Errc::kIo) << io.error().message;
  EXPECT_FALSE(lu("f0"));
  EXPECT_EQ(slurp(conf_), before);
  // Cross-section validation: a remote target group member without rel_tgt_id.
  auto bad = engine_->change("test", "alua", [](config::Config& c) {
    if (auto s = edits::add_device_group(c, "dg"); !s) return s;
    if (auto s = edits::add_target_group(c, "dg", "tg", 1, "active"); !s) return s;
    return edits::add_target_group_target(c, "dg", "tg", "iqn.remote", 0);
  });
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("needs a rel_tgt_id"), std::string::npos) << bad.error().message;
  EXPECT_EQ(slurp(conf_), before);
}

TEST_F(EngineTest, RuntimeAttributesAndResizeKeepTheSameLogicalUnit) {
  auto old_lu = lu("n0");
  ASSERT_TRUE(engine_->change("test", "attrs", [](config::Config& c) {
    return edits::set_device_attributes(c, "n0", {{"read_only", "1"}, {"prod_id", "NEWPROD"}});
  }));
  EXPECT_EQ(lu("n0"), old_lu);
  EXPECT_TRUE(old_lu->read_only());
  EXPECT_EQ(old_lu->config().prod_id, "NEWPROD");
  ASSERT_TRUE(
      engine_->change("test", "resize", [](config::Config& c) { return edits::resize_device(c, "n0", 32u << 20); }));
  EXPECT_EQ(lu("n0"), old_lu);
  EXPECT_EQ(old_lu->num_blocks(), (32u << 20) / 512);
}

TEST_F(EngineTest, WriteBackFailureUndoesTheChange) {
  engine_.reset();
  const std::string missing = (dir_ / "no-such-dir" / "esan.conf").string();
  auto cfg = config::load_config_file(conf_, false);
  ASSERT_TRUE(cfg);
  Engine e(*server_, *cfg, EngineOptions{missing, true, false, ""});
  auto s = e.change("test", "remove", [](config::Config& c) {
    if (auto s = edits::remove_lun(c, "iqn.keep", "", 0); !s) return s;
    return edits::remove_device(c, "n0", false);
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kIo);
  ASSERT_TRUE(lu("n0")) << "the removed device is back";
  auto map = server_->context().targets.luns_for("iqn.keep", "iqn.x");
  ASSERT_EQ(map->size(), 1u);
  EXPECT_EQ(map->at(0).lu, lu("n0"));
}

TEST_F(EngineTest, ApplyTextChangesOnlyTheDifference) {
  auto old_lu = lu("n0");
  auto before_map = server_->context().targets.luns_for("iqn.keep", "iqn.x");
  ASSERT_TRUE(engine_->apply_text("test",
                                  "HANDLER vdisk_nullio {\n DEVICE n0 { size_mb 8 }\n DEVICE n2 { size_mb 2 }\n}\n"
                                  "TARGET_DRIVER iscsi {\n enabled 1\n TARGET iqn.keep { enabled 1\n LUN 0 n0 }\n"
                                  " TARGET iqn.other { enabled 0\n LUN 0 n2 }\n}\n"));
  EXPECT_EQ(lu("n0"), old_lu);
  ASSERT_TRUE(lu("n2"));
  EXPECT_FALSE(server_->context().targets.find("iqn.other", "x")) << "disabled";
  auto after_map = server_->context().targets.luns_for("iqn.keep", "iqn.x");
  EXPECT_EQ(after_map->at(0).lu, before_map->at(0).lu);
  auto broken = engine_->apply_text("test", "TARGET_DRIVER iscsi {\n TARGET t { LUN 0 nope }\n}\n");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message, "request:2: LUN 0 of target 't' refers to unknown device 'nope'");
  EXPECT_TRUE(lu("n2"));
}

// The configuration history: each change a commit (author, operation);
// rollback applies an earlier revision like any change, leaving untouched
// LUs alone; bad revisions and revisions that no longer validate change
// nothing.
TEST_F(EngineTest, HistoryRecordsChangesAndRollsBack) {
  engine_.reset();
  const std::string original = slurp(conf_);
  auto cfg = config::load_config_file(conf_, false);
  ASSERT_TRUE(cfg);
  Engine e(*server_, *cfg, EngineOptions{conf_, true, true, ""});
  auto h = e.history();
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ((*h)->dir(), conf_ + ".history");
  auto log = (*h)->log().value();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].author, "esand");
  EXPECT_EQ(log[0].message, "start with " + conf_);
  EXPECT_EQ((*h)->show("HEAD").value_or(""), original);

  auto n0 = lu("n0");
  ASSERT_TRUE(e.change("alice", "open device 'n1'", [](config::Config& c) {
    return edits::add_device(c, "n1", "vdisk_nullio", {{"size_mb", "4"}});
  }));
  ASSERT_TRUE(lu("n1"));
  log = (*h)->log().value();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].author, "alice");
  EXPECT_EQ(log[0].message, "open device 'n1'");
  EXPECT_EQ((*h)->show("HEAD").value_or(""), slurp(conf_));
  auto diff = (*h)->diff("HEAD~1", "HEAD").value_or("");
  EXPECT_NE(diff.find("+\tDEVICE n1 {"), std::string::npos) << diff;
  // A refused change is no revision.
  ASSERT_FALSE(e.change("alice", "close device 'nope'",
                        [](config::Config& c) { return edits::remove_device(c, "nope", false); }));
  EXPECT_EQ((*h)->log().value().size(), 2u);

  auto to = e.rollback("bob", "HEAD~1");
  ASSERT_TRUE(to) << to.error().message;
  EXPECT_EQ(*to, log[1].rev);
  EXPECT_FALSE(lu("n1"));
  EXPECT_EQ(lu("n0"), n0) << "an LU the rollback does not touch stays";
  auto now = (*h)->log().value();
  ASSERT_EQ(now.size(), 3u);
  EXPECT_EQ(now[0].author, "bob");
  EXPECT_EQ(now[0].message, "rollback to " + log[1].rev.substr(0, 12));
  EXPECT_TRUE(config::equivalent(*config::parse_config(slurp(conf_), "x"), *config::parse_config(original, "y")));

  auto unknown = e.rollback("bob", "0123456789abcdef");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
  EXPECT_EQ(unknown.error().message, "no revision '0123456789abcdef' in the configuration history");

  // A revision that no longer validates: its error, nothing changed.
  const std::string file_before = slurp(conf_);
  auto broken = (*h)->commit("TARGET_DRIVER iscsi {\n TARGET t { LUN 0 nope }\n}\n", "mallory", "by hand");
  ASSERT_TRUE(broken);
  auto refused = e.rollback("bob", *broken);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("refers to unknown device 'nope'"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(slurp(conf_), file_before);
  EXPECT_EQ(lu("n0"), n0);
  EXPECT_EQ((*h)->log().value().size(), 4u);
}

TEST_F(EngineTest, NoWriteBackNoHistory) {
  engine_.reset();
  auto cfg = config::load_config_file(conf_, false);
  ASSERT_TRUE(cfg);
  Engine e(*server_, *cfg, EngineOptions{conf_, false, true, ""});
  auto h = e.history();
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, Errc::kUnsupported);
  EXPECT_EQ(h.error().message, "there is no configuration history: write-back is off (--no-write-back)");
  auto r = e.rollback("bob", "HEAD");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kUnsupported);
  EXPECT_FALSE(fs::exists(conf_ + ".history"));
}

// A commit that fails leaves the applied change in place and says so.
TEST_F(EngineTest, AFailedCommitKeepsTheChange) {
  engine_.reset();
  auto cfg = config::load_config_file(conf_, false);
  ASSERT_TRUE(cfg);
  Engine e(*server_, *cfg, EngineOptions{conf_, true, true, ""});
  ASSERT_TRUE(e.history());
  EXPECT_EQ(e.history_error(), "");
  const fs::path objects = conf_ + ".history/objects";
  fs::remove_all(objects);
  std::ofstream(objects) << "not a directory";
  ASSERT_TRUE(e.change("alice", "open device 'n1'", [](config::Config& c) {
    return edits::add_device(c, "n1", "vdisk_nullio", {{"size_mb", "4"}});
  }));
  EXPECT_TRUE(lu("n1"));
  EXPECT_NE(slurp(conf_).find("DEVICE n1"), std::string::npos);
  EXPECT_NE(e.history_error(), "");
}

// Which CPG group carries a device is fixed while esand runs: a reload that
// replicates a device group is refused and changes nothing.
TEST_F(EngineTest, ReplicatingADeviceGroupNeedsARestart) {
  auto refused = engine_->apply_text("test",
                                     "HANDLER vdisk_nullio {\n DEVICE n0 { size_mb 8 }\n}\n"
                                     "TARGET_DRIVER iscsi {\n enabled 1\n TARGET iqn.keep { enabled 1\n LUN 0 n0 }\n}\n"
                                     "DEVICE_GROUP dg {\n DEVICE n0\n esan_cluster_group esan-dg\n}\n");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(refused.error().message,
            "esan_cluster_group, and the devices of a device group that has it, change only with a restart of esand");
  EXPECT_TRUE(server_->runtime().cluster_assignment.devices.empty());
  EXPECT_TRUE(server_->runtime().clusters.empty());
  EXPECT_EQ(slurp(conf_).find("esan_cluster_group"), std::string::npos);
}

// reconcile: prepare() turns the config difference into one RuntimeEdit
// without touching the server; commit() hands it to Server::apply().
TEST_F(EngineTest, PrepareHandsTheServerOneEdit) {
  auto old = config::load_config_file(conf_, false);
  ASSERT_TRUE(old) << old.error().message;
  auto n0 = lu("n0");
  const uint64_t n0_blocks = n0->num_blocks();
  config::Config next = *old;
  ASSERT_TRUE(edits::set_device_attributes(next, "n0", {{"prod_id", "EDITED"}}));
  ASSERT_TRUE(edits::resize_device(next, "n0", 16u << 20));
  ASSERT_TRUE(edits::add_device(next, "n1", "vdisk_nullio", {{"size_mb", "4"}}));
  ASSERT_TRUE(edits::add_lun(next, "iqn.keep", "", 1, "n1", {}));

  auto edit = prepare(*old, next, server_->runtime());
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_TRUE(edit->remove_devices.empty());
  ASSERT_EQ(edit->add_devices.size(), 1u);
  EXPECT_EQ(edit->add_devices.count("n1"), 1u);
  ASSERT_EQ(edit->updates.size(), 1u);
  EXPECT_EQ(edit->updates[0].lu, n0);
  EXPECT_EQ(edit->updates[0].config.prod_id, "EDITED");
  ASSERT_EQ(edit->resizes.size(), 1u);
  EXPECT_EQ(edit->resizes[0].to_bytes, 16u << 20);
  ASSERT_TRUE(edit->targets);
  ASSERT_EQ(edit->targets->size(), 1u);
  EXPECT_EQ(edit->targets->at(0).luns->size(), 2u);
  EXPECT_FALSE(edit->device_groups);
  // Prepared, not applied.
  EXPECT_FALSE(lu("n1"));
  EXPECT_EQ(n0->num_blocks(), n0_blocks);
  EXPECT_NE(n0->config().prod_id, "EDITED");
  EXPECT_EQ(server_->context().targets.luns_for("iqn.keep", "iqn.x")->size(), 1u);

  auto removed = commit(*old, std::move(*edit), *server_);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_TRUE(removed->empty());
  ASSERT_TRUE(lu("n1"));
  EXPECT_EQ(lu("n0"), n0);
  EXPECT_EQ(n0->num_blocks(), (16u << 20) / 512);
  EXPECT_EQ(n0->config().prod_id, "EDITED");
  EXPECT_EQ(server_->context().targets.luns_for("iqn.keep", "iqn.x")->at(1).lu, lu("n1"));

  // A fixed attribute (blocksize) reopens n0: removed and added in the same
  // edit; commit() returns the old LU with its old configuration.
  config::Config reopened = next;
  reopened.devices.front().blocksize = 4096;
  ASSERT_EQ(reopened.devices.front().name, "n0");
  auto edit2 = prepare(next, reopened, server_->runtime());
  ASSERT_TRUE(edit2) << edit2.error().message;
  EXPECT_EQ(edit2->remove_devices, std::set<std::string>{"n0"});
  ASSERT_EQ(edit2->add_devices.size(), 1u);
  EXPECT_NE(edit2->add_devices.at("n0"), n0);
  auto removed2 = commit(next, std::move(*edit2), *server_);
  ASSERT_TRUE(removed2) << removed2.error().message;
  ASSERT_EQ(removed2->count("n0"), 1u);
  EXPECT_EQ(removed2->at("n0").second, n0);
  EXPECT_EQ(removed2->at("n0").first.blocksize, 512u);
  EXPECT_EQ(lu("n0")->block_size(), 4096u);
  EXPECT_EQ(server_->context().targets.luns_for("iqn.keep", "iqn.x")->at(0).lu, lu("n0"));
}

TEST(WriteBack, KeepsThePreviousFileAndItsMode) {
  fs::path dir = fs::temp_directory_path() / ("esan-mgmt-wb-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string p = (dir / "f.conf").string();
  ASSERT_TRUE(write_file_atomically(p, "one\n"));
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ::chmod(p.c_str(), 0640);
  ASSERT_TRUE(write_file_atomically(p, "two\n"));
  EXPECT_EQ(slurp(p), "two\n");
  EXPECT_EQ(slurp(p + ".bak"), "one\n");
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  auto bad = write_file_atomically((dir / "nodir" / "x").string(), "x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kIo);
  size_t files = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 2u) << "no temp file left behind";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace esan::mgmt
