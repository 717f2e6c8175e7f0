// load_config_file(): files on disk, backing-file checks and read errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/model.h"

namespace esan::config {
namespace {

namespace fs = std::filesystem;

class ConfigLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/esan-config-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string conf_for(const std::string& image) {
    return "# test\nHANDLER vdisk_fileio {\n DEVICE d0 {\n  filename " + image +
           "\n }\n}\nHANDLER vdisk_nullio { DEVICE n0 }\n";
  }
  fs::path dir_;
};

TEST_F(ConfigLoader, LoadsAndChecksExistingBackingFile) {
  std::string image = write("d0.img", std::string(4096, '\0'));
  std::string path = write("scst.conf", conf_for(image));
  auto r = load_config_file(path);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->devices.size(), 2u);
  EXPECT_EQ(r->devices[0].filename, image);
}

TEST_F(ConfigLoader, MissingBackingFileIsReportedAtDeviceLine) {
  std::string image = (dir_ / "missing.img").string();
  std::string path = write("scst.conf", conf_for(image));
  auto r = load_config_file(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kIo);
  EXPECT_EQ(r.error().message,
            path + ":3: device 'd0': cannot open '" + image + "': No such file or directory");
  auto unchecked = load_config_file(path, /*check_files=*/false);
  ASSERT_TRUE(unchecked) << unchecked.error().message;
  EXPECT_EQ(unchecked->devices[0].filename, image);
}

TEST_F(ConfigLoader, ParseErrorsCarryThePath) {
  std::string path = write("bad.conf", "HANDLER vdisk_nullio {\n DEVICE n0 {\n  size abc\n }\n}\n");
  auto r = load_config_file(path, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(r.error().message, path + ":3: attribute 'size': 'abc' is not a number");
}

TEST_F(ConfigLoader, UnreadableConfigFile) {
  std::string path = (dir_ / "nope.conf").string();
  auto r = load_config_file(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kIo);
  EXPECT_EQ(r.error().message, path + ": cannot read: No such file or directory");
  auto d = load_config_file(dir_.string());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, dir_.string() + ": cannot read: Is a directory");
}

}  // namespace
}  // namespace esan::config
