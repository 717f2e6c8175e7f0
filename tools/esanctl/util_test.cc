#include "tools/esanctl/util.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

namespace esan::ctl {
namespace {

TEST(Util, SegmentEncodingKeepsIqnsReadable) {
  EXPECT_EQ(seg("iqn.2026-11.org.esan:t1"), "iqn.2026-11.org.esan:t1");
  EXPECT_EQ(seg("iqn.x:*"), "iqn.x:%2A");
  EXPECT_EQ(seg("a b/c?d%e#f"), "a%20b%2Fc%3Fd%25e%23f");
  EXPECT_EQ(seg("under_score~"), "under_score~");
}

TEST(Util, AttributeListLikeScstadmin) {
  auto a = parse_attribute_list("filename=/srv/a=b.img,read_only,blocksize=512");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (nlohmann::json{{"filename", "/srv/a=b.img"}, {"read_only", "1"}, {"blocksize", "512"}}));
  EXPECT_EQ(*parse_attribute_list(""), nlohmann::json::object());
  EXPECT_FALSE(parse_attribute_list("a=1,"));
  EXPECT_FALSE(parse_attribute_list(",a=1"));
  EXPECT_FALSE(parse_attribute_list("=1"));
  EXPECT_EQ(*parse_attribute_list("t10_dev_id="), (nlohmann::json{{"t10_dev_id", ""}}));
}

TEST(Util, AttributeWordsNeedAnEqualsSign) {
  auto a = parse_attribute_words({"prod_id=Disk, fast", "usn=1"});
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (nlohmann::json{{"prod_id", "Disk, fast"}, {"usn", "1"}}));
  EXPECT_FALSE(parse_attribute_words({"read_only"}));
}

TEST(Util, Sizes) {
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("512K"), 512u << 10);
  EXPECT_EQ(*parse_size("10m"), 10ull << 20);
  EXPECT_EQ(*parse_size("2GiB"), 2ull << 30);
  EXPECT_EQ(*parse_size("1TB"), 1ull << 40);
  EXPECT_EQ(*parse_size("100B"), 100u);
  for (const char* bad : {"", "G", "1.5G", "0", "10Q", "-1", "99999999999999T"}) EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(Util, NumbersAndPaths) {
  EXPECT_EQ(*parse_number("17", "LUN"), 17u);
  for (const char* bad : {"", "x", "1x", "-2", " 1"}) EXPECT_FALSE(parse_number(bad, "LUN")) << bad;
  EXPECT_EQ(absolute_path("a.conf", "/root"), "/root/a.conf");
  EXPECT_EQ(absolute_path("./a.conf", "/root/"), "/root/a.conf");
  EXPECT_EQ(absolute_path("/etc/a.conf", "/root"), "/etc/a.conf");
  EXPECT_EQ(absolute_path("../a.conf", "/root"), "/root/../a.conf");
}

TEST(Util, RequestBodies) {
  ApiCall c = change_call("POST", "/v1/devices", nlohmann::json{{"name", "d0"}}, "added");
  EXPECT_EQ(*request_body(c), R"({"name":"d0"})");
  c.body.reset();
  EXPECT_EQ(*request_body(c), "");

  std::string path = ::testing::TempDir() + "esanctl-body-" + std::to_string(::getpid()) + ".conf";
  { std::ofstream(path) << "TARGET_DRIVER iscsi {\n  enabled 1\n}\n"; }
  c.text_file = path;
  auto body = request_body(c);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(nlohmann::json::parse(*body), (nlohmann::json{{"text", "TARGET_DRIVER iscsi {\n  enabled 1\n}\n"}}));
  ::unlink(path.c_str());
  body = request_body(c);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().message, "cannot read configuration file " + path + ": No such file or directory");
}

}  // namespace
}  // namespace esan::ctl
