// The shipped /etc/esan/esan.conf parses with esand's own parser, and so
// does the complete example in its comments (the lines starting "#  " after
// the one announcing "A complete example").
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config/model.h"

namespace esan {
namespace {

std::string read(const char* path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ExampleConfig, ParsesAsShipped) {
  auto cfg = config::load_config_file(ESAN_EXAMPLE_CONFIG, true);
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_TRUE(cfg->warnings.empty()) << cfg->warnings.front();
  EXPECT_TRUE(cfg->iscsi_enabled);
  EXPECT_TRUE(cfg->devices.empty());
  EXPECT_TRUE(cfg->targets.empty());
}

TEST(ExampleConfig, CommentedExampleParses) {
  std::istringstream in(read(ESAN_EXAMPLE_CONFIG));
  std::string text;
  int example_lines = 0;
  bool in_example = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("A complete example") != std::string::npos) in_example = true;
    if (in_example && line.starts_with("#  ")) {
      text += line.substr(3) + "\n";
      ++example_lines;
    }
  }
  ASSERT_GT(example_lines, 10);
  auto cfg = config::parse_config(text, "esan.conf example");
  ASSERT_TRUE(cfg) << cfg.error().message << "\n" << text;
  EXPECT_EQ(cfg->devices.size(), 1u);
  EXPECT_EQ(cfg->targets.size(), 1u);
}

}  // namespace
}  // namespace esan
